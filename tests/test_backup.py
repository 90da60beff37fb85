"""`incubator backup` copies a live SQLite database while another process writes to it, and
`incubator restore` puts such a copy back: the copy is one consistent moment of the database,
and the restored database equals it table for table."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from incubator import db
from incubator.config import sqlite_url
from tests.conftest import POSTGRES_URL

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite back-up; PostgreSQL uses pg_dump")

# Each transaction writes a pair of audit rows and counts it on the first park: a copy that caught
# a transaction half-way would hold half a pair, or a count that disagrees with the pairs.
WRITER = """
import sqlite3, sys
from pathlib import Path

database, stop = sys.argv[1], Path(sys.argv[2])
connection = sqlite3.connect(database, timeout=10, isolation_level=None)
park = connection.execute("SELECT min(id) FROM park").fetchone()[0]
pairs = 0
while not stop.exists():
    pairs += 1
    connection.execute("BEGIN IMMEDIATE")
    for half in ("first", "second"):
        connection.execute(
            "INSERT INTO audit_entry (at, actor_name, action, object_type, object_id, object_repr, changes, address) "
            "VALUES (CURRENT_TIMESTAMP, 'writer', ?, 'pair', ?, '', '{}', '')", (half, str(pairs)))
    connection.execute("UPDATE park SET resident_slots = ? WHERE id = ?", (pairs, park))
    connection.execute("COMMIT")
    if pairs == 100:
        print("writing", flush=True)
print(pairs, flush=True)
"""


def incubator(*args: str, database: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(database.parent), "INCUBATOR_DATA_DIR": str(database.parent),
           "INCUBATOR_DATABASE_URL": sqlite_url(database)}
    result = subprocess.run([sys.executable, "-m", "incubator.cli", *args], env=env, capture_output=True, text=True,
                            timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def tables(database: Path) -> dict[str, list[tuple]]:
    """Every table's rows, and the schema, of a SQLite file."""
    with closing(sqlite3.connect(database)) as connection:
        names = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        dump = {name: connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall() for name in names}
        dump["sqlite_master"] = connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    return dump


def pairs_in(database: Path) -> tuple[list[int], int]:
    """The halves of each written pair (2 for a whole pair), and the count the writer kept beside them."""
    with closing(sqlite3.connect(database)) as connection:
        halves = [n for (n,) in connection.execute(
            "SELECT count(*) FROM audit_entry WHERE object_type = 'pair' GROUP BY object_id ORDER BY object_id")]
        counted = connection.execute("SELECT resident_slots FROM park ORDER BY id LIMIT 1").fetchone()[0]
    return halves, counted


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the demo data, made once; tests copy it."""
    database = tmp_path_factory.mktemp("demo") / "incubator.sqlite3"
    incubator("demo", database=database)
    return database


@pytest.fixture
def live_database(demo_database: Path, tmp_path: Path) -> Path:
    database = tmp_path / "live" / "incubator.sqlite3"
    database.parent.mkdir()
    shutil.copy(demo_database, database)
    return database


@sqlite_only
def test_a_backup_taken_under_writes_is_one_moment_and_restores_table_for_table(live_database, tmp_path):
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live_database), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "writing\n", writer.stderr and writer.stderr.read()
        backup = tmp_path / "backups" / "incubator.sqlite3"
        assert "backed up" in incubator("backup", "--output", str(backup), database=live_database).stdout
        # The writer goes on after the copy, so the copy was taken in the middle of its writes.
        deadline = time.monotonic() + 30
        while len(pairs_in(live_database)[0]) < len(pairs_in(backup)[0]) + 100 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    written = int(out.split()[-1])

    with closing(sqlite3.connect(backup)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    halves, counted = pairs_in(backup)
    assert set(halves) == {2}, "the copy holds half of a transaction"
    assert counted == len(halves), "the copy mixes two moments: its count disagrees with its pairs"
    assert 100 <= len(halves) < written

    restored = tmp_path / "restored" / "incubator.sqlite3"
    out = incubator("restore", str(backup), database=restored).stdout
    assert f"restored {backup} into {restored}" in out
    assert "kept" not in out  # nothing was there to keep
    restored_tables, backup_tables = tables(restored), tables(backup)
    assert len(restored_tables) > 30 and len(restored_tables["park"]) == 4
    assert restored_tables == backup_tables


@sqlite_only
def test_restore_keeps_the_database_it_replaces(live_database, tmp_path):
    backup = tmp_path / "before.sqlite3"
    incubator("backup", "--output", str(backup), database=live_database)
    with closing(sqlite3.connect(live_database)) as connection, connection:
        connection.execute("UPDATE park SET name_en = 'Renamed after the back-up'")
    before_restore = tables(live_database)

    out = incubator("restore", str(backup), database=live_database).stdout
    [kept] = live_database.parent.glob("incubator.before-restore-*.sqlite3")
    assert f"kept as {kept}" in out
    assert tables(kept) == before_restore
    assert tables(live_database) == tables(backup)
    assert "ok" in incubator("check", database=live_database).stdout


def cut_short(database: Path) -> None:
    """As a full disk leaves a file."""
    with database.open("r+b") as file:
        file.truncate(database.stat().st_size // 2)


@sqlite_only
def test_restore_replaces_a_database_too_damaged_to_open_and_keeps_its_bytes(live_database, tmp_path):
    backup = tmp_path / "backup.sqlite3"
    incubator("backup", "--output", str(backup), database=live_database)
    cut_short(live_database)
    damaged = live_database.read_bytes()

    out = incubator("restore", str(backup), database=live_database).stdout
    [kept] = live_database.parent.glob("incubator.before-restore-*.sqlite3")
    assert f"kept as {kept}" in out
    assert kept.read_bytes() == damaged
    assert tables(live_database) == tables(backup)


def _text(path: Path, demo_database: Path) -> None:
    path.write_text("name,park\n太湖邻里志愿者协会,灵山\n")


def _empty(path: Path, demo_database: Path) -> None:
    path.write_bytes(b"")


def _another_apps(path: Path, demo_database: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")


def _cut_short(path: Path, demo_database: Path) -> None:
    shutil.copy(demo_database, path)
    cut_short(path)


def _missing(path: Path, demo_database: Path) -> None:
    pass


@sqlite_only
@pytest.mark.parametrize(("make", "reason"), [
    (_text, "is not an intact SQLite database (file is not a database)"),
    (_empty, "is a SQLite database, but not an Incubator one"),
    (_another_apps, "is a SQLite database, but not an Incubator one"),
    (_cut_short, "is not an intact SQLite database (database disk image is malformed)"),
    (_missing, "is not a file"),
])
def test_restore_refuses_a_file_that_is_not_an_incubator_backup(make, reason, live_database, demo_database, tmp_path):
    candidate = tmp_path / "candidate.sqlite3"
    make(candidate, demo_database)
    before = tables(live_database)
    with pytest.raises(db.NotRestorable, match=re.escape(reason)):
        db.restore_sqlite(candidate, sqlite_url(live_database))
    assert tables(live_database) == before
    assert list(live_database.parent.glob("*before-restore*")) == []


@sqlite_only
def test_the_restore_command_says_why_it_refuses(live_database, tmp_path):
    text = tmp_path / "organizations.csv"
    text.write_text("name,park\n")
    result = incubator("restore", str(text), database=live_database, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == f"not restored: {text} is not an intact SQLite database (file is not a database)"
    assert incubator("restore", str(live_database), database=live_database, check=False).stderr.strip() == (
        f"not restored: {live_database} is the database itself")


def test_restore_on_postgresql_points_to_pg_restore(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "INCUBATOR_DATA_DIR": str(tmp_path),
           "INCUBATOR_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/incubator"}
    out = subprocess.run([sys.executable, "-m", "incubator.cli", "restore", "incubator.dump"], env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "pg_restore --clean" in out
