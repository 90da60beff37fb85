"""Every date field has a plausible range (validation.DateRange), checked in one place
(`Checker.date`): a slip of the keyboard such as 9999-12-31 or 0001-01-01 is refused with a
translated message on its field, never stored (PostgreSQL would keep it, shown as `infinity`).
Founding dates may be old, what the incubator plans or records as it runs may not."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from incubator import i18n
from incubator.directory.models import BrandProject
from incubator.funding.models import Fund
from incubator.organizations.models import Organization
from incubator.validation import FOUNDING, IN_SERVICE, PLAUSIBLE, Checker, DateRange
from tests.test_form_fuzzing import changed_tables, fingerprint
from tests.test_hostile_input import FORM_PAGES, POST_PATHS, route_form
from tests.test_hostile_input import world as world  # a fixture


def _zh(text: DateRange) -> str:
    token = i18n.set_locale("zh_CN")
    try:
        return text.message()
    finally:
        i18n.reset_locale(token)


def field_error(html: str, name: str) -> str:
    """The text of the field's error message (the forms macro's <p id="e-name">, or e-name-<id> on
    a page with one such form per row), or ""."""
    match = re.search(rf'<p class="error" id="e-{re.escape(name)}(?:-\d+)?">(.*?)</p>', html, re.S)
    return unescape(match.group(1)).strip() if match else ""


# ---- the checker -------------------------------------------------------------------------------


@pytest.mark.parametrize(("within", "inside", "outside"), [
    (PLAUSIBLE, ("1900-01-01", "2100-12-31", "2026-03-01"), ("1899-12-31", "2101-01-01", "9999-12-31", "0001-01-01")),
    (IN_SERVICE, ("2000-01-01", "2100-12-31"), ("1999-12-31", "2101-01-01", "0001-01-01")),
    (FOUNDING, ("1800-01-01", "1911-10-10"), ("1799-12-31", "2101-01-01", "0001-01-01")),
])
def test_a_date_outside_its_fields_range_is_refused_with_the_range_on_the_field(within, inside, outside):
    for raw in inside:
        check = Checker({"day": raw})
        assert check.date("day", within=within) == date.fromisoformat(raw) and not check.errors
    for raw in outside:
        check = Checker({"day": raw})
        assert check.date("day", within=within) is None
        assert check.errors == {"day": within.message()}
        assert within.earliest.isoformat() in check.errors["day"] and within.latest.isoformat() in check.errors["day"]


def test_a_date_field_is_plausible_unless_it_says_otherwise():
    check = Checker({"day": "9999-12-31", "other": "1900/01/01"})
    assert check.date("day") is None and check.errors["day"] == PLAUSIBLE.message()
    assert check.date("other") == date(1900, 1, 1)


def test_the_range_message_is_translated():
    assert "1900-01-01" in _zh(PLAUSIBLE) and "2100-12-31" in _zh(PLAUSIBLE)


# ---- each kind of range, through its form --------------------------------------------------------


async def test_a_brand_project_starting_in_the_year_9999_is_refused_on_its_field(world):
    member = await world.browser("member")
    before = await fingerprint()
    response = await member.post(world.url("/organizations/{org}/brand-projects"), {
        "name": "社区书屋二期", "started_on": "9999-12-31", "ended_on": "0001-01-01"})
    assert response.status_code == 400
    assert field_error(response.text, "started_on") == _zh(PLAUSIBLE)
    assert field_error(response.text, "ended_on") == _zh(PLAUSIBLE)
    assert 'value="社区书屋二期"' in response.text  # what was typed is kept
    assert changed_tables(before, await fingerprint()) == []
    assert not await BrandProject.filter(name="社区书屋二期").exists()


async def test_a_fund_valid_from_the_year_1_is_refused_on_its_field(world):
    official = await world.browser("official")
    before = await fingerprint()
    response = await official.post("/funds", {"name": "远古基金", "source": "district_special", "fiscal_year": "2026",
                                              "budget": "10000", "valid_from": "0001-01-01",
                                              "valid_to": "1999-12-31"})
    assert response.status_code == 400
    # A fund is planned by the incubator: not before 2000, even where a founding date could be.
    assert field_error(response.text, "valid_from") == _zh(IN_SERVICE)
    assert field_error(response.text, "valid_to") == _zh(IN_SERVICE)
    assert changed_tables(before, await fingerprint()) == []
    assert not await Fund.filter(name="远古基金").exists()


async def test_an_organization_founded_long_ago_is_kept_but_not_before_1800(world):
    member = await world.browser("member")
    page = await route_form(world, "/organizations/{id:int}/edit")
    assert page is not None
    form = {name: values[0] for name, values in page.baseline.items() if values}
    refused = await member.post(page.action, {**form, "founded_on": "1799-12-31"})
    assert refused.status_code == 400
    assert field_error(refused.text, "founded_on") == _zh(FOUNDING)
    assert (await Organization.get(id=world.ids["org"])).founded_on is None
    kept = await member.post(page.action, {**form, "founded_on": "1895-06-01"})
    assert kept.status_code == 303, field_error(kept.text, "founded_on")
    assert (await Organization.get(id=world.ids["org"])).founded_on == date(1895, 6, 1)


# ---- and every other date field the pages offer ----------------------------------------------------


async def test_every_date_field_of_every_form_refuses_the_year_9999_and_the_year_1(world):
    """Each form's date inputs, found on its page; one world for all (nothing is stored)."""
    messages = {_zh(PLAUSIBLE), _zh(IN_SERVICE), _zh(FOUNDING)}
    failures, tried = [], set()
    for path in POST_PATHS:
        if FORM_PAGES.get(path) is None:
            continue
        found = await route_form(world, path)
        if found is None:
            continue
        role = FORM_PAGES[path][0]  # type: ignore[index]
        for name in sorted(name for name, kind in found.form.kinds.items() if kind == "date"):
            for raw in ("9999-12-31", "0001-01-01"):
                data = {k: [v.replace("{n}", "9") for v in vs] for k, vs in found.baseline.items() if vs}
                data[name] = [raw]
                row = re.fullmatch(r"release_on_(\d+)", name)
                if row:  # a tranche's release date is read for a tranche released on a date
                    data |= {f"condition_{row[1]}": ["on_date"], f"amount_{row[1]}": ["1000"]}
                before = await fingerprint()
                b = await world.browser(role)
                response = await b.post(found.action, data)
                await world.after(role, response)
                tried.add((path, name))
                if response.status_code != 400 or field_error(response.text, name) not in messages:
                    failures.append((path, name, raw, response.status_code, field_error(response.text, name)))
                if changed_tables(before, await fingerprint()):
                    failures.append((path, name, raw, "stored"))
    assert not failures, failures
    # The forms the issue names are among those tried (a form that lost its date input shows here).
    assert {("/funds", "valid_from"), ("/organizations/{id:int}/brand-projects", "started_on")} <= tried
