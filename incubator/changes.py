"""Which tables of a SQLite database changed, seen from any process, for the page cache.

Every table carries three triggers (after insert, update and delete) that count its changes in
`_incubator_changes` (one row a table: its name and a version), inside the writing transaction, so
a version moves exactly when that table's rows change and becomes visible exactly when they do.
`Watcher` reads the versions through a connection of its own: SQLite's `PRAGMA data_version` tells,
in microseconds and without reading a page, whether any other connection (another process too) has
committed since the last look, and only then are the versions read again.

PostgreSQL has no such counter that stays out of concurrent writers' way (a version row would make
serializable transactions on one table conflict with each other), so there the page cache is off and
several processes share the load instead.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tortoise.backends.sqlite import client as sqlite_client

TABLE = "_incubator_changes"  # a constant: the f-strings below interpolate no input
OPERATIONS = ("insert", "update", "delete")

log = logging.getLogger("incubator.changes")


def _tables(connection: sqlite3.Connection) -> list[str]:
    return [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != ?",
        (TABLE,))]


def _trigger(table: str, operation: str) -> str:
    return f"_incubator_changed_{table}_{operation}"


def install(path: Path) -> None:
    """Counts the changes of every table of the database at `path` (idempotent): run after every
    migration, since SQLite rebuilds a changed table without its triggers."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(f'CREATE TABLE IF NOT EXISTS "{TABLE}" '
                           '("name" TEXT PRIMARY KEY NOT NULL, "version" INTEGER NOT NULL)')
        for table in _tables(connection):
            quoted = table.replace("'", "''")
            for operation in OPERATIONS:
                count = (f'INSERT INTO "{TABLE}" ("name", "version") VALUES (\'{quoted}\', 1) '  # noqa: S608
                         'ON CONFLICT ("name") DO UPDATE SET "version" = "version" + 1')
                connection.execute(f'CREATE TRIGGER IF NOT EXISTS "{_trigger(table, operation)}" '
                                   f'AFTER {operation.upper()} ON "{table}" BEGIN {count}; END')
        connection.execute("COMMIT")
    finally:
        connection.close()


def untracked(path: Path) -> list[str]:
    """The tables whose changes are not counted (all three triggers are needed)."""
    connection = sqlite3.connect(path)
    try:
        triggers = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        return [table for table in _tables(connection)
                if any(_trigger(table, operation) not in triggers for operation in OPERATIONS)]
    finally:
        connection.close()


class Watcher:
    """The tables' versions as committed now, read through a connection that never writes.

    Used from the event loop: each look is a pragma (microseconds; WAL readers never wait for
    writers), and a small query when something was committed since the last look."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()

    def versions(self) -> dict[str, int] | None:
        """Each table's version (0: never changed), or None when the database can't tell now."""
        with self._lock:
            try:
                if self._connection is None:
                    # Autocommit: each statement reads what is committed at that moment.
                    self._connection = sqlite3.connect(self.path, isolation_level=None, timeout=0.05,
                                                       check_same_thread=False)
                (data_version,) = self._connection.execute("PRAGMA data_version").fetchone()
                if data_version != self._data_version:
                    self._versions = dict(self._connection.execute(f'SELECT "name", "version" FROM "{TABLE}"'))  # noqa: S608
                    self._data_version = data_version
                return self._versions
            except sqlite3.Error as error:
                log.warning("the change counter could not be read (%s): pages are not cached", error)
                self.close_locked()
                return None

    def close(self) -> None:
        with self._lock:
            self.close_locked()

    def close_locked(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection, self._data_version, self._versions = None, None, {}


async def _execute_query(self: Any, query: str, values: list | None = None) -> tuple[int, Sequence[dict]]:
    """Tortoise's SqliteClient.execute_query, counting the rows the statement itself changed.

    Tortoise counts them as the connection's `total_changes` before and after, which also counts
    every row a trigger writes: with the counters above, an UPDATE of 3 rows would say 6, and the
    services that check how many rows a conditional update or delete touched would be misled. The
    cursor's rowcount is SQLite's changes() for the statement alone (tests/test_page_cache.py)."""
    query = query.replace("\x00", "'||CHAR(0)||'")
    async with self.acquire_connection() as connection:
        self.log.debug("%s: %s", query, values)
        # One trip to aiosqlite's thread, as Tortoise's execute_fetchall: not three (execute, fetchall,
        # close), each a queue, a thread switch and an event-loop wake-up. `_execute` and `_conn` are
        # aiosqlite's own (what its execute_fetchall uses): pinned below 1.0 in pyproject.toml.
        rows, changed = await connection._execute(_rows_and_rowcount, connection._conn, query, values)
        return max(changed, 0) or len(rows), rows


def _rows_and_rowcount(connection: sqlite3.Connection, query: str, values: list | None) -> tuple[list, int]:
    """In aiosqlite's thread: the statement's rows, and the rows it changed itself (not its triggers)."""
    cursor = connection.execute(query, values or [])
    try:
        return cursor.fetchall(), cursor.rowcount
    finally:
        cursor.close()


sqlite_client.SqliteClient.execute_query = sqlite_client.translate_exceptions(_execute_query)  # type: ignore[method-assign]
