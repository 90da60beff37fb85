"""What users see, captured on a generated city and compared: the check of a reshaping that must
change nothing a user sees (the dashboard, its exports and workbooks, the data API).

    python scripts/responses.py capture OUT [--city city.sqlite3] [--code CHECKOUT]
    python scripts/responses.py compare BEFORE AFTER

`capture` generates a small city once (scale 0.04, last month closed) into `--city`, then serves a
copy of it with the code of `--code` (a worktree of the commit before the change, say:
`git worktree add /tmp/before HEAD`) and saves each answer in OUT: the dashboard of an official,
an administrator and a manager for several periods, service domains and a closed month; its
workbooks (cell by cell) and table exports; every data API resource and the OpenAPI document.
`compare` sets aside what changes from one request to the next (CSRF tokens, the workbook's
"produced at") and the order of the OpenAPI document's keys, and lists the answers that differ.
Both captures must be made on the same day: the city's dates are relative to today.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROLES = ("official", "admin", "manager")
PAGES = (
    "/dashboard", "/dashboard?period={month}", "/dashboard?period={before}", "/dashboard?period={year}",
    "/dashboard?period={year}-Q1", "/dashboard?period={last_year}", "/dashboard?period={month}&domain=1",
    "/dashboard?period={this}&domain=2", "/dashboard/report.xlsx?period={month}",
    "/dashboard/report.xlsx?period={year}",
    *(f"/dashboard/table.csv?period={{month}}&table={table}" for table in (
        "stages", "flows", "graduation", "registration", "funds", "funding_by_park", "training", "rooms",
        "reviews", "domains")),
    "/dashboard/table.xlsx?period={year}&table=flows",
)
API = ("/api/v1/openapi.json", "/api/v1/dashboard?period={month}", "/api/v1/dashboard?period={year}",
       "/api/v1/dashboard?period={this}&domain=1", "/api/v1/parks", "/api/v1/spaces",
       "/api/v1/organizations?limit=50", "/api/v1/reviews?limit=50", "/api/v1/funds", "/api/v1/grants?limit=50",
       "/api/v1/training-sessions?limit=50", "/api/v1/bookings?limit=50")


def _periods(today: date) -> dict[str, str]:
    month = today.replace(day=1) - timedelta(days=1)  # last month: the generator closes it
    before = month.replace(day=1) - timedelta(days=1)
    return {"month": month.strftime("%Y-%m"), "before": before.strftime("%Y-%m"), "this": today.strftime("%Y-%m"),
            "year": str(today.year), "last_year": str(today.year - 1)}


def _readable(url: str, body: bytes) -> str:
    """A workbook as its cells (its bytes carry the time it was zipped), anything else as text."""
    if ".xlsx" in url:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(body))
        return json.dumps({sheet.title: [[str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
                           for sheet in book}, ensure_ascii=False, indent=0)
    return body.decode("utf-8", "replace")


def _serve_a_copy(out: Path, city: Path) -> None:
    """The city's copy in OUT, where the app is pointed."""
    out.mkdir(parents=True, exist_ok=True)
    served = out / "city.sqlite3"
    shutil.copy(city, served)
    os.environ.update(INCUBATOR_DATABASE_URL=f"sqlite://{served}", INCUBATOR_RUN_SCHEDULER="0",
                      INCUBATOR_DATA_DIR=str(out / "data"))


async def capture(out: Path, city: Path, *, generated: bool) -> int:
    import httpx

    from incubator import clock
    from incubator.api import tokens
    from incubator.api.commands import NewToken
    from incubator.app import create_app
    from incubator.auth.models import User
    from incubator.config import Settings
    from scripts.generate import BENCH_PASSWORD, generate

    if not generated:
        await generate(f"sqlite://{city}", scale=0.04)
    await asyncio.to_thread(_serve_a_copy, out, city)
    app = create_app(Settings.from_env())
    values = _periods(clock.today())
    saved = 0
    async with app.router.lifespan_context(app):
        for role in ROLES:
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                                       headers={"Origin": "http://testserver"})
            page = await client.get("/login")
            found = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.text)
            assert found, "the sign-in page has its CSRF token"
            signed_in = await client.post("/login", data={"csrf_token": found.group(1), "username": role,
                                                          "password": BENCH_PASSWORD})
            assert signed_in.status_code in (302, 303), f"{role} could not sign in"
            user = await User.get(username=role)
            principal = await tokens.principal_of(user.id)
            assert principal is not None
            token = NewToken(name="responses", expires_on=clock.today() + timedelta(days=7))
            made = await tokens.create(principal, token)
            bearer = {"Authorization": f"Bearer {made.secret}"}
            for template in (*PAGES, *API):
                url = template.format(**values)
                answer = await client.get(url, headers=bearer if url.startswith("/api/") else {})
                name = f"{role}__{re.sub(r'[^A-Za-z0-9]+', '_', template)}"
                (out / name).write_text(f"{answer.status_code}\n{_readable(url, answer.content)}", encoding="utf-8")
                saved += 1
            await client.aclose()
    return saved


def _settled(name: str, text: str) -> str:
    text = re.sub(r'("X-CSRF-Token": |name="csrf-token" content=|name="csrf_token" value=)"[0-9a-f]+"', r'\1"T"', text)
    text = re.sub(r'"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?"', '"TIME"', text)  # the workbook's "produced"
    if "openapi" in name:
        status, body = text.split("\n", 1)
        text = status + "\n" + json.dumps(json.loads(body), sort_keys=True)
    return text


def compare(before: Path, after: Path) -> list[str]:
    differing = []
    for path in sorted(p for p in before.iterdir() if "__" in p.name):
        other = after / path.name
        if not other.exists() or _settled(path.name, path.read_text("utf-8")) != _settled(
                path.name, other.read_text("utf-8")):
            differing.append(path.name)
    return differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = parser.add_subparsers(dest="verb", required=True)
    take = verbs.add_parser("capture")
    take.add_argument("out", type=Path)
    take.add_argument("--city", type=Path, default=Path("var/responses-city.sqlite3"))
    take.add_argument("--code", type=Path, help="the checkout whose code serves (default: this one)")
    check = verbs.add_parser("compare")
    check.add_argument("before", type=Path)
    check.add_argument("after", type=Path)
    args: Any = parser.parse_args(argv)
    if args.verb == "capture":
        # The code that serves: this checkout's, or the one named (its scripts/generate.py too).
        sys.path.insert(0, str((args.code or Path(__file__).resolve().parent.parent).resolve()))
        args.city.parent.mkdir(parents=True, exist_ok=True)
        saved = asyncio.run(capture(args.out, args.city.resolve(), generated=args.city.exists()))
        print(f"{saved} answers saved in {args.out}")
        return 0
    differing = compare(args.before, args.after)
    total = sum(1 for p in args.before.iterdir() if "__" in p.name)
    print(*differing, sep="\n")
    print(f"{total - len(differing)} identical, {len(differing)} different")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
