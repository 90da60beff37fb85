"""Everything the sample capability adds, in one place."""

from datetime import date
from pathlib import Path

from incubator.capability import Capability, FlagKind, FlagSource, Job, NavItem
from incubator.flags.service import Wanted
from incubator.roles import Role
from tests.sample_capability import api, dashboard


async def lanterns_out(today: date) -> list[Wanted]:
    from tests.sample_capability.models import Lantern

    return [Wanted("lantern_out", "Lantern", lantern.id, lantern.park_id, details={"lantern": lantern.name})
            for lantern in await Lantern.filter(lit=False)]


async def check_lanterns(settings) -> dict:
    from tests.sample_capability.models import Lantern

    return {"checked": await Lantern.all().update(checked_times=1)}


def _routes():
    from tests.sample_capability.routes import routes

    return routes


capability = Capability(
    name="sample_capability",
    models="tests.sample_capability.models",
    rules="tests.sample_capability.rules",
    routes=_routes,
    templates=str(Path(__file__).parent / "templates"),
    nav=[NavItem("lanterns:list", "Lanterns", frozenset({Role.ADMIN.value, Role.MANAGER.value}), order=95)],
    flag_sources=[FlagSource("lanterns", (FlagKind("lantern_out", "Lantern out", "The lantern %(lantern)s is out"),),
                             lanterns_out)],
    jobs=[Job("check_lanterns", check_lanterns, "Check the lanterns", {"checked": "lanterns"}, order=60)],
    figures=dashboard.figures,
    resources=api.resources,
)
