"""The `incubator` command: serve, migrate, makemigrations, createuser, token, demo, check, backup, restore, jobs."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from incubator.config import ConfigurationError, Settings, sqlite_path


def _settings() -> Settings:
    from incubator import clock

    try:
        settings = Settings.from_env()
    except ConfigurationError as exc:
        sys.exit(f"configuration error: {exc}")
    clock.configure(settings.timezone)
    from incubator.app import install_capabilities

    install_capabilities()
    return settings


async def _with_db(settings: Settings, func):
    from incubator import db

    async with db.connected(settings.database_url):
        return await func()


def cmd_migrate(args: argparse.Namespace) -> None:
    from incubator import db

    settings = _settings()
    asyncio.run(db.migrate(settings.database_url))
    print("database is up to date")


def cmd_makemigrations(args: argparse.Namespace) -> None:
    """Tortoise's makemigrations, then scripts/split_constraints.py on each file it made: the
    constraints added after the tables (Tortoise 1.1's CreateModel does not create them) and the
    app's enums and functions the file imports copied into it. tests/test_migrations.py fails on
    a file made by Tortoise's command alone."""
    from incubator.config import IN_CHECKOUT, PROJECT_ROOT

    if not IN_CHECKOUT:
        sys.exit("makemigrations writes into a checkout's migrations/: run it from a checkout")
    folder = PROJECT_ROOT / "migrations"
    before = set(folder.glob("*.py"))
    tortoise = [sys.executable, "-m", "tortoise", "makemigrations", *args.app_labels, "--name", args.name]
    # Run from the checkout's top, as the tortoise command is: it writes into migrations/ there.
    # The arguments are the caller's own command line.
    done = subprocess.run(tortoise + (["--empty"] if args.empty else []), cwd=PROJECT_ROOT)  # noqa: S603
    made = sorted(str(path.relative_to(PROJECT_ROOT)) for path in set(folder.glob("*.py")) - before)
    if done.returncode == 0 and made:
        split = [sys.executable, str(PROJECT_ROOT / "scripts" / "split_constraints.py"), *made]
        done = subprocess.run(split, cwd=PROJECT_ROOT)  # noqa: S603
    if done.returncode:
        sys.exit(done.returncode)


def _print_demo_accounts() -> None:
    from incubator.demo import ACCOUNTS, DEMO_PASSWORD

    print(f"demo accounts (password: {DEMO_PASSWORD}):")
    for username, name, role in ACCOUNTS:
        print(f"  {username:<18} {role.value:<10} {name}")


def cmd_demo(args: argparse.Namespace) -> None:
    from incubator import db, demo

    settings = _settings()
    asyncio.run(db.migrate(settings.database_url))
    wrote = asyncio.run(_with_db(settings, lambda: demo.load(settings)))
    print("demo data loaded" if wrote else "demo data already present")
    _print_demo_accounts()


def _log_to_console(level: str) -> None:
    logger = logging.getLogger("incubator")
    logger.setLevel(level.upper())
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    logger.addHandler(handler)


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    _log_to_console(args.log_level)
    settings = _settings()
    if args.demo:
        from incubator import db, demo

        asyncio.run(db.migrate(settings.database_url))

        async def load_if_empty() -> bool:
            return await demo.load(settings) if await demo.is_empty() else False

        asyncio.run(_with_db(settings, load_if_empty))
        _print_demo_accounts()
    port = args.port or settings.port
    print(f"Incubator on http://{args.host}:{port} ({'SQLite' if settings.sqlite else 'PostgreSQL'})")
    uvicorn.run(
        "incubator.app:create_app", factory=True, host=args.host, port=port,
        # The app reads a proxy's forwarded headers itself, from INCUBATOR_TRUSTED_PROXIES only
        # (middleware/proxy.py); uvicorn's would trust 127.0.0.1's and hide the proxy from that check.
        workers=args.workers, proxy_headers=False, log_level=args.log_level,
    )


def cmd_createuser(args: argparse.Namespace) -> None:
    from incubator.auth.service import create_user_plain
    from incubator.errors import DomainError
    from incubator.roles import Role

    settings = _settings()
    password = args.password or os.environ.get("INCUBATOR_NEW_PASSWORD")
    if not password:
        password = getpass.getpass("password: ")
        if password != getpass.getpass("again: "):
            sys.exit("the passwords differ")

    async def create() -> None:
        await create_user_plain(
            args.username, password, Role(args.role), display_name=args.name or "",
            organization_id=args.organization, park_ids=args.park or [],
        )

    try:
        asyncio.run(_with_db(settings, create))
    except DomainError as exc:
        sys.exit(exc.message)
    except Exception as exc:  # an integrity error: taken username, unknown park…
        sys.exit(f"could not create the account: {exc}")
    print(f"created {args.username} ({args.role})")


def cmd_token(args: argparse.Namespace) -> None:
    """A personal API token for an account (what its "API tokens" page makes), printed once: for an
    integration set up from the command line, and for CI's schemathesis run."""
    from datetime import timedelta

    from incubator import clock
    from incubator.access import Principal
    from incubator.api import tokens
    from incubator.api.commands import NewToken
    from incubator.auth.models import User
    from incubator.errors import DomainError

    settings = _settings()

    async def create() -> str:
        user = await User.get_or_none(username=args.username, is_active=True)
        if user is None:
            sys.exit(f"no active account {args.username!r}")
        command = NewToken(name=args.name, expires_on=clock.today() + timedelta(days=args.days))
        return (await tokens.create(Principal(user), command)).secret

    try:
        print(asyncio.run(_with_db(settings, create)))
    except DomainError as exc:  # the expiry out of bounds (tokens.check_expiry)
        sys.exit("; ".join(getattr(exc, "errors", {}).values()) or exc.message)


def cmd_check(args: argparse.Namespace) -> None:
    from incubator import checks

    settings = _settings()
    problems = asyncio.run(checks.run(settings))
    for level, message in problems:
        print(f"{level}: {message}")
    if any(level == "error" for level, _ in problems):
        sys.exit(1)
    print("ok" if not problems else "ok, with warnings")


def cmd_backup(args: argparse.Namespace) -> None:
    from incubator import db

    settings = _settings()
    if not settings.sqlite:
        print(
            "PostgreSQL: back up with pg_dump, for example\n"
            "  pg_dump --format=custom --file=incubator-$(date +%F).dump \"$DATABASE\"\n"
            "and restore with pg_restore --clean --dbname=\"$DATABASE\" incubator-DATE.dump"
        )
        return
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = Path(args.output) if args.output else settings.data_dir / "backups" / f"incubator-{stamp}.sqlite3"
    try:
        db.backup_sqlite(settings.database_url, target)
    except FileNotFoundError:
        sys.exit(f"no database at {sqlite_path(settings.database_url)}")
    print(f"backed up to {target}")


def cmd_restore(args: argparse.Namespace) -> None:
    from incubator import db

    settings = _settings()
    if not settings.sqlite:
        print(
            "PostgreSQL: restore a pg_dump file with pg_restore, for example\n"
            "  pg_restore --clean --dbname=\"$DATABASE\" incubator-DATE.dump"
        )
        return
    try:
        kept = db.restore_sqlite(Path(args.file), settings.database_url)
    except db.NotRestorable as exc:
        sys.exit(f"not restored: {exc}")
    print(f"restored {args.file} into {sqlite_path(settings.database_url)}")
    if kept:
        print(f"the database it replaced is kept as {kept}")
    print("next: incubator migrate (a back-up from an older version needs the newer migrations), then start the app")


def cmd_jobs_run(args: argparse.Namespace) -> None:
    from incubator import jobs

    settings = _settings()
    results = asyncio.run(_with_db(settings, lambda: jobs.run_all(settings)))
    for name, result in results.items():
        print(f"{name}: {result}")


def cmd_scheduler(args: argparse.Namespace) -> None:
    """A dedicated process for the scheduled jobs (web processes then run with
    INCUBATOR_RUN_SCHEDULER=0). Several may run: the lease lets one work at a time."""
    import signal

    from incubator import db, jobs

    settings = _settings()
    _log_to_console(args.log_level)

    async def run() -> None:
        async with db.connected(settings.database_url):
            scheduler = jobs.start(settings)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            print("scheduler running; Ctrl-C to stop")
            await stop.wait()
            scheduler.shutdown(wait=False)

    asyncio.run(run())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="incubator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, help="default: INCUBATOR_PORT, or 8000")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--demo", action="store_true", help="migrate and load demo data if the database is empty")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    make = sub.add_parser("makemigrations", help="make a migration from the models' changes (in a checkout)")
    make.add_argument("app_labels", nargs="*", help="default: every app")
    make.add_argument("--name", "-n", required=True, help="what changed, e.g. add_booking_quota")
    make.add_argument("--empty", action="store_true", help="an empty migration to fill in by hand")
    make.set_defaults(func=cmd_makemigrations)
    sub.add_parser("demo", help="load the demo data (idempotent)").set_defaults(func=cmd_demo)
    sub.add_parser("check", help="check configuration and deployment").set_defaults(func=cmd_check)

    create = sub.add_parser("createuser", help="create an account")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=["admin", "official", "manager", "member", "evaluator"])
    create.add_argument("--name", help="display name")
    create.add_argument("--password", help="prefer the prompt or INCUBATOR_NEW_PASSWORD")
    create.add_argument("--park", type=int, action="append", help="park id (managers; repeatable)")
    create.add_argument("--organization", type=int, help="organization id (members)")
    create.set_defaults(func=cmd_createuser)

    token = sub.add_parser("token", help="make a personal API token for an account (printed once)")
    token.add_argument("username")
    token.add_argument("--name", default="command line", help="what uses it")
    token.add_argument("--days", type=int, default=90, help="how long it lives (at most 366)")
    token.set_defaults(func=cmd_token)

    backup = sub.add_parser("backup", help="back up the database")
    backup.add_argument("--output", help="file to write (SQLite)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="replace the database with a back-up (SQLite; stop the app first)")
    restore.add_argument("file", help="a file written by incubator backup")
    restore.set_defaults(func=cmd_restore)

    scheduler = sub.add_parser("scheduler", help="run the scheduled jobs in a dedicated process")
    scheduler.add_argument("--log-level", default="info")
    scheduler.set_defaults(func=cmd_scheduler)

    jobs = sub.add_parser("jobs", help="scheduled jobs")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    jobs_sub.add_parser("run", help="run every job once, now").set_defaults(func=cmd_jobs_run)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
