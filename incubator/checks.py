"""`incubator check`: what would make this deployment unsafe or broken."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from importlib import metadata

from tortoise.migrations.executor import MigrationExecutor

from incubator import db
from incubator.config import IN_CHECKOUT, PROJECT_ROOT, STATIC_DIR, TEMPLATES_DIR, Settings, tortoise_config

DISTRIBUTION = "incubator"
# name, [extras], the rest (version), ; marker
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?[^;]*(?:;\s*(.*))?$")
_EXTRA_CLAUSE = re.compile(r"""\(?\s*extra\s*==\s*["']([^"']+)["']\s*\)?""")


def is_installed(name: str) -> bool:
    """Whether a distribution of this name is installed (the lookup the tests replace)."""
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _requires(name: str) -> list[str]:
    try:
        return metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        return []


def _applies(marker: str, extra: str) -> bool:
    """Whether a requirement under this marker is a plain requirement (extra "") or one of this
    extra's. Only `extra == "..."` markers are understood (evaluating others needs `packaging`,
    not a dependency): a requirement under any other condition is left out, not reported wrongly."""
    if not marker:
        return not extra
    if extra not in _EXTRA_CLAUSE.findall(marker):
        return False
    return re.sub(r"\band\b", "", _EXTRA_CLAUSE.sub("", marker)).strip() == ""


def _applicable(requirements: Iterable[str], extra: str = "") -> Iterator[tuple[str, list[str]]]:
    """(name, extras asked for) of each requirement that applies."""
    for line in requirements:
        match = _REQUIREMENT.match(line)
        if match and _applies((match.group(3) or "").strip(), extra):
            yield match.group(1), [e.strip() for e in (match.group(2) or "").split(",") if e.strip()]


def _declared_requirements() -> list[str]:
    """The installed distribution's requirements; in a checkout also pyproject's, which is newer
    when a dependency was added since the last `pip install -e .`."""
    requirements = _requires(DISTRIBUTION)
    if IN_CHECKOUT:
        project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
        requirements += project.get("dependencies", [])
    return requirements


def missing_requirements() -> list[str]:
    """Runtime requirements (with those of the extras they ask for, e.g. tortoise-orm[asyncpg])
    that are not installed, by name."""
    missing: list[str] = []
    for name, extras in _applicable(_declared_requirements()):
        if not is_installed(name):
            missing.append(name)
            continue
        for extra in extras:
            missing += [sub for sub, _ in _applicable(_requires(name), extra) if not is_installed(sub)]
    return list(dict.fromkeys(missing))


def dependency_problems() -> list[tuple[str, str]]:
    if not is_installed(DISTRIBUTION):
        return [("warning", "the incubator distribution is not installed (pip install -e .): "
                            "its requirements were not checked")]
    return [("error", f"required package '{name}' is not installed (pip install -e . installs it)")
            for name in missing_requirements()]


def settings_problems(settings: Settings) -> list[tuple[str, str]]:
    """What the configuration alone says is wrong for the deployment it describes."""
    problems: list[tuple[str, str]] = []
    if not settings.production:
        problems.append(("warning", "INCUBATOR_ENV is not 'production': cookies are not marked Secure and HSTS is off"))
    if settings.production and settings.sqlite:
        problems.append(("warning", "production on SQLite: run exactly one process; use PostgreSQL to scale out"))
    if settings.production and not settings.base_url:
        problems.append(("warning", "INCUBATOR_BASE_URL is not set: e-mails link to "
                         f"{settings.offline_base_url}, and QR codes and printed addresses follow each request's "
                         "host (behind a proxy, only when INCUBATOR_TRUSTED_PROXIES lists it)"))
    return problems


async def run(settings: Settings) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = dependency_problems() + settings_problems(settings)
    if not (STATIC_DIR / "vendor" / "htmx.min.js").exists():
        problems.append(("error", "static/vendor/htmx.min.js is missing: run scripts/fetch_htmx.sh"))
    if not (TEMPLATES_DIR / "base.html").exists():
        problems.append(("error", f"the templates are missing (looked in {TEMPLATES_DIR})"))
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
