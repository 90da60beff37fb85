"""Database lifecycle: connect, migrate, check, back up."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.connection import connections
from tortoise.migrations.api import migrate as migrate_api

from incubator.config import is_sqlite, sqlite_path, tortoise_config


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


async def flat(query: Any) -> list[Any]:
    """The values of a `values_list(field, flat=True)` query (Tortoise types them as tuples)."""
    return list(await query)


def _ensure_sqlite_dir(url: str) -> None:
    if is_sqlite(url):
        sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)


async def migrate(database_url: str) -> None:
    """Apply every migration in migrations/ (idempotent)."""
    _ensure_sqlite_dir(database_url)
    await migrate_api(config=tortoise_config(database_url))
    await Tortoise.close_connections()


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
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target
