"""`incubator check`: what would make this deployment unsafe or broken."""

from __future__ import annotations

from tortoise.migrations.executor import MigrationExecutor

from incubator import db
from incubator.config import STATIC_DIR, Settings, tortoise_config


async def run(settings: Settings) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not settings.production:
        problems.append(("warning", "INCUBATOR_ENV is not 'production': cookies are not marked Secure and HSTS is off"))
    if settings.production and settings.sqlite:
        problems.append(("warning", "production on SQLite: run exactly one process; use PostgreSQL to scale out"))
    if not (STATIC_DIR / "vendor" / "htmx.min.js").exists():
        problems.append(("error", "static/vendor/htmx.min.js is missing: run scripts/fetch_htmx.sh"))
    try:
        async with db.connected(settings.database_url):
            if not await db.ping():
                problems.append(("error", "the database does not answer"))
            else:
                from tortoise.connection import connections

                config = tortoise_config(settings.database_url)
                executor = MigrationExecutor(connections.get("default"), config["apps"])
                pending = await executor.plan(None)
                if pending:
                    problems.append(("error", f"{len(pending)} migration(s) not applied: run `incubator migrate`"))
    except Exception as exc:
        problems.append(("error", f"cannot connect to the database: {exc}"))
    return problems
