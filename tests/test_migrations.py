"""The migrations in migrations/ are the schema: they must match the models, and every
constraint the models declare must really exist in the database they build. The app imports
them as `incubator.migrations`; the `tortoise` CLI, run from the checkout, as `migrations`."""

import ast
import asyncio
import importlib
import importlib.util
import os
import re
import shutil
import sqlite3
import sys
from pathlib import Path

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.connection import connections
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from incubator.app import TORTOISE_ORM
from incubator.config import IN_CHECKOUT, PROJECT_ROOT, sqlite_path, sqlite_url, tortoise_config
from tests.conftest import POSTGRES_URL, _asyncpg_dsn, create_postgres_database, drop_postgres_database

MIGRATION_FILES = sorted(p.stem for p in (PROJECT_ROOT / "migrations").glob("[0-9]*.py")) if IN_CHECKOUT else []
MIGRATION_PATHS = sorted((PROJECT_ROOT / "migrations").glob("*.py")) if IN_CHECKOUT else []
checkout_only = pytest.mark.skipif(not IN_CHECKOUT, reason="needs the checkout's migrations/")

# Constraints that Tortoise cannot declare on a model and the migrations create by hand.
HAND_WRITTEN = {"uq_park_single_hub", "uq_space_allocation_open"}


async def test_models_and_migrations_agree(database_url):
    # The run's own database: Tortoise caches SQL per connection name, so a SQLite
    # "default" here would poison a PostgreSQL "default" elsewhere in the run.
    config = tortoise_config(database_url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    pending = [op.describe() for w in writers for op in w.operations]
    assert pending == [], "run: tortoise makemigrations --name <what_changed>"


def _imports_of_the_app(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        if any(name.split(".")[0] == "incubator" for name in names):
            lines.append(node.lineno)
    return lines


@checkout_only
def test_no_migration_imports_the_app():
    """A migration keeps its own copy of the enums and functions it uses, as they were when it was
    made: renaming or changing one in the models later must not break or change a fresh migrate."""
    found = [f"{path.name}:{line}" for path in MIGRATION_PATHS
             for line in _imports_of_the_app(ast.parse(path.read_text(encoding="utf-8")))]
    assert len(MIGRATION_PATHS) > 20
    assert found == [], (
        "a migration imports from incubator: run python scripts/split_constraints.py on the file "
        "(incubator makemigrations does) or copy what it uses into it")


def _calls(tree: ast.AST, operation: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == operation]


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def constraints_left_in_create_model(text: str) -> list[str]:
    """The constraints a CreateModel's options record that no AddConstraint of the file adds."""
    tree = ast.parse(text)
    added = {ast.unparse(c) for call in _calls(tree, "AddConstraint") if (c := _keyword(call, "constraint"))}
    left = []
    for call in _calls(tree, "CreateModel"):
        options = _keyword(call, "options")
        for key, value in zip(getattr(options, "keys", []), getattr(options, "values", []), strict=True):
            if isinstance(key, ast.Constant) and key.value == "constraints" and isinstance(value, ast.List):
                left += [ast.unparse(item) for item in value.elts if ast.unparse(item) not in added]
    return left


@checkout_only
def test_no_constraint_is_left_inside_a_create_model():
    """Tortoise 1.1's CreateModel records Meta.constraints without creating them: the test below
    catches it only when the database is built, this one as soon as the file is written."""
    assert constraints_left_in_create_model((PROJECT_ROOT / "migrations" / "0015_booking.py").read_text()) == []
    left = {path.name: found for path in MIGRATION_PATHS
            if (found := constraints_left_in_create_model(path.read_text(encoding="utf-8")))}
    assert left == {}, (
        "CreateModel does not create these constraints: make migrations with incubator makemigrations "
        "--name <what_changed>, or run python scripts/split_constraints.py on the file")


async def _constraint_names_in_database() -> set[str]:
    conn = connections.get("default")
    if POSTGRES_URL:
        _, rows = await conn.execute_query(
            "SELECT conname AS name FROM pg_constraint UNION SELECT indexname FROM pg_indexes"
        )
        return {row["name"] for row in rows}
    _, rows = await conn.execute_query("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    names = {row["name"] for row in rows}
    for row in rows:  # CHECK constraints live inside CREATE TABLE
        names |= {part.split('"')[1] for part in row["sql"].split("CONSTRAINT ")[1:]}
    return names


async def test_every_declared_constraint_exists_in_the_database(clean):
    declared = {
        constraint.name
        for model in Tortoise.apps.get_models_iterable()
        for constraint in model._meta.constraints
    } | HAND_WRITTEN
    assert len(declared) >= 9
    missing = declared - await _constraint_names_in_database()
    assert missing == set(), "Tortoise's CreateModel drops Meta.constraints: add them with AddConstraint"


async def test_every_declared_index_exists_in_the_database(clean):
    """On SQLite, adding a CHECK constraint rebuilds the table without the indexes made before it."""
    declared = {index.name for model in Tortoise.apps.get_models_iterable()
                for index in getattr(model._meta, "indexes", ()) if getattr(index, "name", None)}
    assert {"ix_booking_space_start", "ix_review_status_due"} <= declared
    missing = declared - await _constraint_names_in_database()
    assert missing == set(), "recreate these indexes after the migration that rebuilt their table"


@checkout_only
def test_the_app_and_the_cli_both_find_the_top_level_migrations_folder():
    assert Path(importlib.import_module("incubator.migrations").__path__[0]) == PROJECT_ROOT / "migrations"
    assert tortoise_config("sqlite://:memory:")["apps"]["incubator"]["migrations"] == "incubator.migrations"
    # The tortoise CLI (run from the checkout's top) would create incubator/migrations/ for a dotted name.
    assert TORTOISE_ORM["apps"]["incubator"]["migrations"] == "migrations"


async def _run(*args: str, cwd: Path, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        *args, cwd=cwd, env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 180)
    assert process.returncode == 0, out.decode()
    return out.decode()


@checkout_only
async def test_tortoise_makemigrations_writes_into_the_top_level_migrations_folder(tmp_path):
    # On a copy of the checkout: the real command, without touching the real folder.
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(PROJECT_ROOT / "pyproject.toml", project)
    for folder in ("incubator", "migrations"):
        shutil.copytree(PROJECT_ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__"))
    tortoise = Path(sys.executable).with_name("tortoise")
    env = {"INCUBATOR_DATABASE_URL": sqlite_url(tmp_path / "cli.sqlite3"), "PYTHONDONTWRITEBYTECODE": "1"}
    out = await _run(str(tortoise), "makemigrations", "--empty", "incubator", "--name", "probe", cwd=project, env=env)
    made = sorted(p.name for p in (project / "migrations").glob("*_probe.py"))
    assert len(made) == 1, out
    assert int(made[0][:4]) == len(MIGRATION_FILES) + 1
    assert not (project / "incubator" / "migrations").exists()


def _split_constraints():
    path = PROJECT_ROOT / "scripts" / "split_constraints.py"
    spec = importlib.util.spec_from_file_location("split_constraints", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MADE_BY_TORTOISE = """from tortoise import migrations
from tortoise.migrations import operations as ops
from incubator.parks.models import ParkKind, default_agreement_terms
from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

class Migration(migrations.Migration):
    operations = [
        ops.CreateModel(
            name='Probe',
            fields=[
                ('kind', fields.CharEnumField(default=ParkKind.PARK, enum_type=ParkKind, max_length=8)),
                ('terms', fields.JSONField(default=default_agreement_terms)),
            ],
            options={'table': 'probe', 'app': 'incubator', 'constraints': [UniqueConstraint(fields=('kind',), \
name='uq_probe_kind'), CheckConstraint(check='size >= 0', name='ck_probe_size')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
"""


@checkout_only
def test_split_constraints_makes_a_new_migration_stand_on_its_own():
    from incubator.parks.models import ParkKind

    tool = _split_constraints()
    text = tool.freeze_imports(tool.split(MADE_BY_TORTOISE))
    assert constraints_left_in_create_model(MADE_BY_TORTOISE)
    assert constraints_left_in_create_model(text) == [] and _imports_of_the_app(ast.parse(text)) == []
    assert text.index("name='ck_probe_size'") < text.index("name='uq_probe_kind'")  # checks first
    namespace: dict = {}
    exec(compile(text, "probe.py", "exec"), namespace)
    assert [(m.name, m.value) for m in namespace["ParkKind"]] == [(m.name, m.value) for m in ParkKind]
    assert namespace["ParkKind"] is not ParkKind and namespace["default_agreement_terms"]() == [6, 12, 24]
    # Applying it again, or to a file that already adds its constraints (0015), changes nothing.
    assert tool.freeze_imports(tool.split(text)) == text
    booking = (PROJECT_ROOT / "migrations" / "0015_booking.py").read_text(encoding="utf-8")
    assert tool.split(booking) == booking


@checkout_only
async def test_incubator_makemigrations_splits_the_constraints_and_copies_the_enums(tmp_path):
    # On a copy of the checkout with a new model: the real commands, without touching the real folder.
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(PROJECT_ROOT / "pyproject.toml", project)
    for folder in ("incubator", "migrations", "scripts"):
        shutil.copytree(PROJECT_ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__"))
    with (project / "incubator" / "parks" / "models.py").open("a", encoding="utf-8") as models:
        models.write(
            "\n\nclass Probe(Model):\n"
            "    id = fields.IntField(primary_key=True)\n"
            "    kind = fields.CharEnumField(SpaceKind, max_length=16, default=SpaceKind.DESK)\n"
            "    size = fields.IntField(default=0)\n\n"
            "    class Meta:\n"
            "        table = 'probe'\n"
            "        constraints = [CheckConstraint(check='size >= 0', name='ck_probe_size')]\n"
        )
    env = {"INCUBATOR_DATABASE_URL": sqlite_url(tmp_path / "cli.sqlite3"), "PYTHONDONTWRITEBYTECODE": "1"}
    out = await _run(sys.executable, "-m", "incubator.cli", "makemigrations", "--name", "probe", cwd=project, env=env)
    made = sorted((project / "migrations").glob("*_probe.py"))
    assert len(made) == 1, out
    text = made[0].read_text(encoding="utf-8")
    assert "CharEnumField" in text and "class SpaceKind(StrEnum):" in text, text
    assert _imports_of_the_app(ast.parse(text)) == [], text
    assert constraints_left_in_create_model(text) == [] and "ck_probe_size" in text, text


async def _applied_migrations(url: str) -> list[tuple]:
    query = "SELECT id, app, name, applied_at FROM tortoise_migrations ORDER BY id"
    if POSTGRES_URL:
        conn = await asyncpg.connect(_asyncpg_dsn(url))
        try:
            return [tuple(row) for row in await conn.fetch(query)]
        finally:
            await conn.close()
    with sqlite3.connect(sqlite_path(url)) as conn:
        return conn.execute(query).fetchall()


@checkout_only
async def test_a_database_migrated_under_the_old_module_name_is_not_migrated_again(tmp_path):
    """Until the wheel carried them, the migrations were the top-level module `migrations`.
    Tortoise records (app label, name), so `incubator migrate` finds nothing left to apply."""
    url = await create_postgres_database(POSTGRES_URL) if POSTGRES_URL else sqlite_url(tmp_path / "old.sqlite3")
    try:
        old_release = (
            "import asyncio, sys\n"
            "from tortoise import Tortoise\n"
            "from tortoise.migrations.api import migrate\n"
            "import incubator.app\n"
            "from incubator.config import tortoise_config\n"
            "async def main():\n"
            "    await migrate(config=tortoise_config(sys.argv[1], 'migrations'))\n"
            "    await Tortoise.close_connections()\n"
            "asyncio.run(main())\n"
            "print(sorted(sys.modules['migrations.0001_initial'].__file__.split('/')[-2:]))\n"
        )
        out = await _run(sys.executable, "-c", old_release, url, cwd=PROJECT_ROOT, env={})
        assert "['0001_initial.py', 'migrations']" in out
        before = await _applied_migrations(url)
        assert [name for _, _, name, _ in before] == MIGRATION_FILES
        assert {app for _, app, _, _ in before} == {"incubator"}

        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        env = {"INCUBATOR_DATABASE_URL": url, "INCUBATOR_DATA_DIR": str(tmp_path / "data")}
        out = await _run(sys.executable, "-m", "incubator.cli", "migrate", cwd=elsewhere, env=env)
        assert "up to date" in out
        assert await _applied_migrations(url) == before
        out = await _run(sys.executable, "-m", "incubator.cli", "check", cwd=elsewhere, env=env)
        assert not re.search(r"migration\(s\) not applied", out), out
    finally:
        if POSTGRES_URL:
            await drop_postgres_database(POSTGRES_URL, url)


async def test_parks_opened_before_the_defaults_were_seeded_get_them_from_a_migration(tmp_path):
    """0011 gives every existing park without them the default scorecard and review plan, and
    leaves a park's own scorecard alone; pages only read them."""
    url = await create_postgres_database(POSTGRES_URL) if POSTGRES_URL else sqlite_url(tmp_path / "up.sqlite3")
    script = (
        "import asyncio, sys\n"
        "from tortoise import Tortoise\n"
        "from tortoise.connection import connections\n"
        "from tortoise.migrations.api import migrate\n"
        "import incubator.app\n"
        "from incubator.config import tortoise_config\n"
        "async def main():\n"
        "    config = tortoise_config(sys.argv[1])\n"
        "    await migrate(config=config, target='incubator.0010_import_and_timeline')\n"
        "    await Tortoise.init(config=config)\n"
        "    db = connections.get('default')\n"
        "    for name in ('Plain Park', 'Own Scorecard Park'):\n"
        "        await db.execute_query(\"INSERT INTO park (name_zh, name_en, kind, theme, address, floor_area_m2, \"\n"
        "            \"resident_slots, operator, description, is_active, created_at, updated_at) VALUES \"\n"
        "            f\"('{name}', '', 'park', '', '', NULL, 0, '', '', TRUE, \"\n"
        "            \"CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)\")\n"
        "    await db.execute_query(\"INSERT INTO admission_criterion \"\n"
        "        \"(park_id, name_zh, name_en, weight, max_score, sort) \"\n"
        "        \"SELECT id, 'Own', '', 100, 10, 0 FROM park WHERE name_zh = 'Own Scorecard Park'\")\n"
        "    await Tortoise.close_connections()\n"
        "    await migrate(config=config)\n"
        "    await Tortoise.init(config=config)\n"
        "    db = connections.get('default')\n"
        "    for table in ('admission_criterion', 'milestone'):\n"
        "        _, rows = await db.execute_query(f'SELECT p.name_zh, COUNT(t.id) AS n FROM park p JOIN {table} t '\n"
        "                                         'ON t.park_id = p.id GROUP BY p.name_zh ORDER BY p.name_zh')\n"
        "        print(table, [(r['name_zh'], r['n']) for r in rows])\n"
        "    await Tortoise.close_connections()\n"
        "asyncio.run(main())\n"
    )
    try:
        out = await _run(sys.executable, "-c", script, url, cwd=PROJECT_ROOT, env={})
        assert "admission_criterion [('Own Scorecard Park', 1), ('Plain Park', 4)]" in out, out
        assert "milestone [('Own Scorecard Park', 4), ('Plain Park', 4)]" in out, out
    finally:
        if POSTGRES_URL:
            await drop_postgres_database(POSTGRES_URL, url)
