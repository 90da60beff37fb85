"""Builds the app with the sample capability added to the product's list, on a fresh SQLite
database whose schema comes from the installed models, and reports what a user and the jobs see.
Run in its own process by tests/test_capabilities.py (it installs another set of capabilities
and its own database, which the test session's process must not share)."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from tortoise import Tortoise

from incubator.access import Principal
from incubator.api import tokens
from incubator.api.commands import NewToken
from incubator.app import CAPABILITIES, create_app
from incubator.auth.models import User
from incubator.auth.service import create_user_plain
from incubator.config import Settings, sqlite_url, tortoise_config
from incubator.flags.models import Flag
from incubator.jobs import service as jobs
from incubator.parks.models import Park
from incubator.roles import Role
from tests.conftest import PASSWORD, Browser
from tests.sample_capability.models import Lantern


async def main(folder: Path) -> dict:
    url = sqlite_url(folder / "sample.sqlite3")
    settings = Settings(database_url=url, secret_key="sample-" + "x" * 40, run_scheduler=False, data_dir=folder)
    app = create_app(settings, manage_database=False, capabilities=(*CAPABILITIES, "tests.sample_capability"))
    await Tortoise.init(config=tortoise_config(url))
    await Tortoise.generate_schemas()
    try:
        park = await Park.create(name_zh="灯园", name_en="Lantern Park", kind="park")
        await Lantern.create(park=park, name="North gate", lit=True)
        await Lantern.create(park=park, name="Pond", lit=False)
        admin_user = await create_user_plain("admin", PASSWORD, Role.ADMIN, language="en")
        token = NewToken(name="sample", expires_on=date.today() + timedelta(days=30))
        await create_user_plain("member", PASSWORD, Role.MEMBER, language="en")
        await jobs.run_all(settings)

        seen: dict = {"park_id": park.id, "flags": sorted(await Flag.all().values_list("kind", flat=True))}
        seen["checked"] = sorted(await Lantern.all().values_list("checked_times", flat=True))
        admin = Browser(app)
        await admin.login("admin")
        home = (await admin.get("/")).text
        seen["nav_link"] = '/lanterns">' in home
        page = await admin.get("/lanterns")
        seen["page"] = [page.status_code, page.text.count('class="lantern"')]
        seen["flag_page_says"] = "The lantern Pond is out" in (await admin.get("/flags")).text
        seen["job_listed"] = "Check the lanterns" in (await admin.get("/jobs")).text
        dashboard = (await admin.get("/dashboard")).text
        seen["dashboard_table"] = 'id="table-lanterns"' in dashboard and "Lantern Park" in dashboard
        seen["dashboard_tile"] = 'href="#t-lanterns"' in dashboard and "Lanterns out" in dashboard
        csv = (await admin.get("/dashboard/table.csv?table=lanterns")).text
        seen["dashboard_csv"] = csv.lstrip("\ufeff").splitlines()
        api = {"Authorization": f"Bearer {(await tokens.create(Principal(admin_user), token)).secret}"}
        listed = (await admin.client.get("/api/v1/lanterns", headers=api)).json()
        seen["api_lanterns"] = [item["name"] for item in listed["items"]]
        seen["api_unlit"] = [item["name"] for item in (
            await admin.client.get("/api/v1/lanterns?lit=false", headers=api)).json()["items"]]
        described = (await admin.client.get("/api/v1/openapi.json")).json()
        seen["api_described"] = described["paths"]["/lanterns"]["get"]["operationId"]
        tables = (await admin.client.get("/api/v1/dashboard", headers=api)).json()["tables"]
        seen["api_dashboard"] = next(t["rows"] for t in tables if t["key"] == "lanterns")
        member = Browser(app)
        await member.login("member")
        seen["member_nav_link"] = '/lanterns">' in (await member.get("/")).text
        seen["member_page"] = (await member.get("/lanterns")).text.count('class="lantern"')
        member_user = await User.get(username="member")
        member_api = {"Authorization": f"Bearer {(await tokens.create(Principal(member_user), token)).secret}"}
        seen["member_api_lanterns"] = (await member.client.get("/api/v1/lanterns", headers=member_api)).json()["items"]
        return seen
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(Path(sys.argv[1])))))
