"""The migrations in migrations/ are the schema: they must match the models, and every
constraint the models declare must really exist in the database they build."""

from tortoise import Tortoise
from tortoise.connection import connections
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from incubator.config import tortoise_config
from tests.conftest import POSTGRES_URL

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
