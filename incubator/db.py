"""Database lifecycle: connect, migrate, check, back up."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.connection import connections
from tortoise.migrations.api import migrate as migrate_api

from incubator import changes
from incubator.config import is_sqlite, migration_url, sqlite_path, tortoise_config


class QueryCounter(logging.Handler):
    """Counts the statements Tortoise sends (it logs each one at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    """The number of queries run inside the block: the tests pin it per page, the benchmark prints it."""
    logger = logging.getLogger("tortoise.db_client")
    counter, level = QueryCounter(), logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


async def serialize(connection: Any, table: str, *keys: str) -> None:
    """Inside a transaction: wait until no other transaction holds any of `keys`, and hold them
    until this one ends. PostgreSQL: transaction-level advisory locks, taken in one order so two
    transactions never wait for each other. SQLite: the database's write lock (one writer at a
    time), taken now, before the transaction reads, by a write to `table` that changes no row."""
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_query(f'UPDATE "{table}" SET "id" = "id" WHERE 0')  # noqa: S608
        return
    for key in sorted(set(keys)):
        await connection.execute_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [key])


# Rows SQLite's ANALYZE reads of each index (it reads them all without a limit): enough for the
# planner to tell a selective index from a poor one, in a fraction of a second at city scale.
SQLITE_ANALYSIS_LIMIT = 1000


async def refresh_statistics() -> str:
    """Brings the query planner's statistics up to date; returns the dialect. SQLite keeps none
    until ANALYZE runs, and without them picks an index by its shape alone (the dashboards' flows
    went through the organizations' (park, name) index instead of the date's, three times slower).
    PostgreSQL's autovacuum analyzes by itself; an explicit ANALYZE after a bulk load (the
    generator) saves waiting for it. Run hourly by the jobs and after the generator."""
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    if dialect == "sqlite":
        await connection.execute_script(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}; ANALYZE;")
    else:
        await connection.execute_script("ANALYZE")
    return dialect


async def flat(query: Any) -> list[Any]:
    """The values of a `values_list(field, flat=True)` query (Tortoise types them as tuples)."""
    return list(await query)


def _ensure_sqlite_dir(url: str) -> None:
    if is_sqlite(url):
        sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)


class ForeignKeyViolation(RuntimeError):
    """A migration left rows that point at nothing (SQLite's foreign_key_check found them)."""


async def migrate(database_url: str, target: str | None = None) -> None:
    """Apply the migrations in migrations/ (idempotent), all of them or up to `target`
    ("incubator.0005_reviews_flags_jobs")."""
    _ensure_sqlite_dir(database_url)
    try:
        await migrate_api(config=tortoise_config(migration_url(database_url)), target=target)
    finally:
        await Tortoise.close_connections()  # else a failed migration leaves aiosqlite's thread running
    if is_sqlite(database_url):
        connection = sqlite3.connect(sqlite_path(database_url))
        try:
            dangling = connection.execute("PRAGMA foreign_key_check").fetchall()
        finally:
            connection.close()
        if dangling:
            raise ForeignKeyViolation(
                f"rows pointing at nothing after migrating (table, rowid, parent): {dangling[:10]}")
        changes.install(sqlite_path(database_url))  # the page cache's change counters (changes.py)


def asyncpg_dsn(url: str) -> str:
    """A postgres:// URL as asyncpg spells it."""
    return re.sub(r"^postgres(ql)?://", "postgresql://", url)


async def create_postgres_database(server_url: str, prefix: str = "incubator") -> str:
    """A new, empty database on the server of `server_url`, named `prefix_<random>`; its URL.
    For throwaway databases: the tests, the race script."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def drop_postgres_database(server_url: str, url: str) -> None:
    """Drops the database of `url` (made by create_postgres_database), connections and all."""
    import asyncpg

    name = urlsplit(url).path.lstrip("/")
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@asynccontextmanager
async def connected(database_url: str) -> AsyncIterator[None]:
    """The ORM for one process. Global fallback: request tasks and the scheduler share it."""
    _ensure_sqlite_dir(database_url)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def ping(seconds: float = 3.0) -> bool:
    try:
        await asyncio.wait_for(connections.get("default").execute_query("SELECT 1"), seconds)
    except Exception:
        return False
    return True


def backup_sqlite(database_url: str, target: Path) -> Path:
    """An online, consistent copy of a live SQLite database (the sqlite3 backup API)."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise FileNotFoundError(source_path)
    _copy_sqlite(source_path, target)
    return target


def _copy_sqlite(source_path: Path, target: Path, timeout: float = 5.0) -> None:
    """A consistent copy of a live SQLite database with SQLite's backup API (one transaction)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path)
    try:
        destination = sqlite3.connect(target, timeout=timeout)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()


class NotRestorable(Exception):
    """`incubator restore` refuses a file; the message says why."""


def check_sqlite_backup(path: Path) -> None:
    """Raise NotRestorable unless `path` is an intact SQLite database that Incubator migrated."""
    if not path.is_file():
        raise NotRestorable(f"{path} is not a file")
    try:
        # Not mode=ro: a read-only connection to a WAL database leaves -wal and -shm files behind.
        connection = sqlite3.connect(path)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            has_migrations = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tortoise_migrations'"
            ).fetchone()
            applied = has_migrations and connection.execute(
                "SELECT count(*) FROM tortoise_migrations WHERE app = 'incubator'"
            ).fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise NotRestorable(f"{path} is not an intact SQLite database ({exc})") from None
    if problems != ["ok"]:
        raise NotRestorable(f"{path} is damaged (integrity check: {'; '.join(problems[:3])})")
    if not applied:
        raise NotRestorable(f"{path} is a SQLite database, but not an Incubator one (no migrations applied)")


def _unused_name(path: Path, label: str) -> Path:
    from datetime import datetime

    stem = f"{path.stem}.{label}-{datetime.now():%Y%m%d-%H%M%S}"
    candidate, n = path.with_name(stem + path.suffix), 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{stem}-{n}{path.suffix}")
    return candidate


def _keep_aside(database_url: str) -> Path | None:
    """Keep the database a restore replaces; returns where (None when there is none)."""
    target = sqlite_path(database_url)
    if not target.exists():
        return None
    kept = _unused_name(target, "before-restore")
    try:
        return backup_sqlite(database_url, kept)
    except sqlite3.DatabaseError:
        # Too damaged for SQLite to copy (often why one restores): keep its files as they are.
        for suffix in ("", "-wal", "-shm"):
            if (path := Path(f"{target}{suffix}")).exists():
                path.replace(f"{kept}{suffix}")
        return kept


def restore_sqlite(backup: Path, database_url: str) -> Path | None:
    """Replace the SQLite database with a back-up file (stop the app first). The file is checked
    first; the database it replaces is kept aside, and its path returned (None when there was
    none). The back-up API writes into the database in one transaction: a failure leaves it as it
    was, and its WAL stays its own (copying a file over it could replay a stale WAL onto it)."""
    check_sqlite_backup(backup)
    target = sqlite_path(database_url)
    if target.exists() and target.resolve() == backup.resolve():
        raise NotRestorable(f"{backup} is the database itself")
    kept = _keep_aside(database_url)
    _copy_sqlite(backup, target, timeout=10)
    return kept
