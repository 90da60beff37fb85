"""A form is decoded into its command (`validation.decode`, `Checker.read`): the command's annotated
types and `Meta` are the form's only limits, every wrong input is named at once, in the user's
language, keyed by the input's name, and the page shows the form again with what was typed."""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date, time
from html import unescape
from typing import Annotated, Literal

import msgspec
import pytest
from msgspec import Meta, Struct

import incubator
from incubator import i18n
from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.training import forms as training_forms
from incubator.validation import IN_SERVICE, INT_MAX, Checker, decode, max_length, within


class Fee(Struct, frozen=True, kw_only=True):
    """Every kind of field a form may have."""

    name: Annotated[str, Meta(min_length=1, max_length=10)]
    note: Annotated[str, Meta(max_length=5)] = ""
    seats: Annotated[int, Meta(ge=1, le=20)] = 2
    amount_fen: Annotated[int, Meta(gt=0, extra={"form": "yuan"})]
    paid_on: Annotated[date, within(IN_SERVICE)] | None = None
    opens: time | None = None
    agreed: bool = False
    size: Literal["s", "m", "l"] = "m"
    ids: tuple[int, ...] = ()
    count: int | None = None


class Narrow(Struct, frozen=True):
    note: Annotated[str, Meta(max_length=3)] = ""


class Wide(Struct, frozen=True):
    note: Annotated[str, Meta(max_length=300)] = ""


class Move(Struct, frozen=True, kw_only=True):
    booking_id: int
    space_id: int
    urgent: bool = False


class Row(Struct, frozen=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=10)]
    weight: Annotated[int, Meta(ge=1, le=100)]


class Card(Struct, frozen=True, kw_only=True):
    rows: tuple[Row, ...]


FEE = {"name": "x", "amount_fen": "1", "size": "m"}


def errors_of(command, data, **options) -> dict[str, str]:
    return refusal(lambda: decode(command, data, **options))


def refusal(parse) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failed:
        parse()
    return failed.value.errors


def in_locale(locale: str, make):
    token = i18n.set_locale(locale)
    try:
        return make()
    finally:
        i18n.reset_locale(token)


# ---- the command is the only source of a form's limits --------------------------------------


def test_a_limit_written_only_in_the_commands_meta_is_enforced_on_its_form(monkeypatch):
    # training.forms.feedback states no bound of its own: GiveFeedback's rating is Meta(ge=1, le=5).
    with pytest.raises(ValidationFailed) as failed:
        training_forms.feedback({"rating": "6"})
    assert failed.value.errors == {"rating": _("Enter a number of at most %(n)s.", n=5)}

    class Unbounded(Struct, frozen=True, kw_only=True):  # the same command, its Meta deleted
        rating: int
        comment: str = ""

    monkeypatch.setattr(training_forms, "GiveFeedback", Unbounded)
    assert training_forms.feedback({"rating": "6"}) == Unbounded(rating=6)


def test_changing_a_meta_changes_what_the_form_accepts():
    assert errors_of(Narrow, {"note": "四个字儿"}) == {"note": _("At most %(n)s characters.", n=3)}
    assert decode(Wide, {"note": "四个字儿"}) == Wide(note="四个字儿")


def test_the_forms_row_counts_come_from_the_commands():
    from incubator.funding import forms as funding_forms
    from incubator.funding.commands import DraftGrant
    from incubator.organizations import forms as organization_forms
    from incubator.organizations.commands import SaveCriteria
    from incubator.reviews import forms as review_forms
    from incubator.reviews.commands import SavePlan, SetIndicators

    assert funding_forms.MAX_TRANCHES == max_length(DraftGrant, "tranches") == 6
    assert organization_forms.MAX_CRITERIA == max_length(SaveCriteria, "criteria") == 12
    assert review_forms.MAX_MILESTONES == max_length(SavePlan, "milestones") == 8
    assert review_forms.MAX_INDICATORS == max_length(SetIndicators, "indicators") == 8


def _commands() -> list[type[Struct]]:
    found = []
    for module in pkgutil.iter_modules(incubator.__path__):
        if module.ispkg and importlib.util.find_spec(f"incubator.{module.name}.commands"):
            commands = importlib.import_module(f"incubator.{module.name}.commands")
            found += [c for c in vars(commands).values()
                      if isinstance(c, type) and issubclass(c, Struct) and c.__module__ == commands.__name__]
    return found


def test_every_commands_pattern_says_in_words_what_it_wants():
    """A form shows `Meta(extra={"message": …})` when a text does not match its field's pattern."""
    commands = _commands()
    assert len(commands) > 40
    for command in commands:
        for field in msgspec.inspect.type_info(command).fields:
            if re.search(r"pattern=(?!None)", repr(field.type)):
                assert "'message'" in repr(field.type), f"{command.__name__}.{field.name}"


# ---- every error at once, by input name, in the user's language -------------------------------


def test_every_wrong_input_is_reported_at_once_keyed_by_its_inputs_name():
    errors = errors_of(Fee, {"name": "", "note": "太长的备注文字", "seats": "21", "amount": "12.345",
                             "paid_on": "1999-12-31", "opens": "25:00", "size": "xl", "count": "x"},
                       names={"amount_fen": "amount"}, lists={"ids": ["1", "x"]})
    assert errors == {
        "name": _("This field is required."),
        "note": _("At most %(n)s characters.", n=5),
        "seats": _("Enter a number of at most %(n)s.", n=20),
        "amount": _("Use at most two decimals (fen)."),
        "paid_on": IN_SERVICE.message(),
        "opens": _("Enter a time as HH:MM, for example 08:30."),
        "size": _("Choose one of the options."),
        "ids": _("Choose one of the options."),
        "count": _("Enter a whole number."),
    }


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_messages_are_in_the_users_language(locale):
    from incubator.funding import forms as funding_forms

    errors = in_locale(locale, lambda: refusal(lambda: funding_forms.create_fund({
        "name": "", "source": "lottery", "fiscal_year": "1999", "budget": "十万", "valid_from": "2026/13/01",
        "valid_to": "2026-12-31", "park_id": "0"})))
    expected = in_locale(locale, lambda: {
        "name": _("This field is required."),
        "source": _("Choose one of the options."),
        "fiscal_year": _("Enter a number of at least %(n)s.", n=2000),
        "budget": _("“%(raw)s” is not an amount. Write it like 12000, 12,000.50 or 1.2万.", raw="十万"),
        "valid_from": _("Enter a date as YYYY-MM-DD, for example 2026-03-01."),
        "park_id": _("Enter a number of at least %(n)s.", n=1),
    })
    assert errors == expected
    chinese = re.compile(r"[\u4e00-\u9fff]")
    assert all(bool(chinese.search(message)) == (locale == "zh_CN") for key, message in errors.items()
               if key != "budget")  # the amount's message quotes what was typed


def test_errors_keep_the_checkers_wording():
    """The decoder says what Checker said for the same input, so no page changes."""
    for data, minimum, maximum in [({"n": str(2**70)}, 1, None), ({"n": "-5"}, 0, 10), ({"n": "²"}, None, None),
                                   ({"n": "-2147483649"}, None, None), ({"n": ""}, 1, 5)]:
        bounds = Meta(ge=minimum, le=maximum) if minimum is not None or maximum is not None else Meta()
        Bounded = msgspec.defstruct("Bounded", [("n", Annotated[int, bounds])])
        check = Checker(data)
        check.integer("n", minimum=minimum, maximum=maximum, required=True)
        assert errors_of(Bounded, data) == check.errors, data


# ---- what people type -------------------------------------------------------------------------


def test_inputs_are_read_as_people_type_them():
    fee = decode(Fee, {"name": " 场地费 ", "seats": "１２", "amount": "1.2万", "paid_on": "2026/03/01",
                       "opens": "8：30", "agreed": "on", "size": "l", "count": "12,000"},
                 names={"amount_fen": "amount"}, lists={"ids": ["3", " 1", "3"]})
    assert fee == Fee(name="场地费", seats=12, amount_fen=1_200_000, paid_on=date(2026, 3, 1), opens=time(8, 30),
                      agreed=True, size="l", ids=(1, 3), count=12_000)
    assert decode(Fee, {**FEE, "amount_fen": "12,000.50"}).amount_fen == 1_200_050


def test_an_empty_input_takes_the_default_unless_the_form_requires_it():
    fee = decode(Fee, {**FEE, "seats": "", "note": "  ", "paid_on": "", "count": ""})
    assert (fee.seats, fee.note, fee.paid_on, fee.count, fee.agreed, fee.ids) == (2, "", None, None, False, ())
    assert errors_of(Fee, FEE, required={"seats"}) == {"seats": _("This field is required.")}
    assert errors_of(Fee, {**FEE, "amount_fen": ""}) == {
        "amount_fen": _("Enter an amount in yuan, for example 12,000.50.")}
    # A choice is always made: empty is not one of the options, whatever the default.
    assert errors_of(Fee, {**FEE, "size": ""}) == {"size": _("Choose one of the options.")}


def test_numbers_without_a_bound_fit_the_32_bit_columns():
    assert errors_of(Fee, {**FEE, "count": str(INT_MAX + 1)}) == {
        "count": _("This number is too large.")}


def test_control_characters_are_refused_on_their_field():
    assert errors_of(Fee, {**FEE, "name": "场地\x00费"}) == {
        "name": _("Remove the invisible control characters (often copied along with the text).")}


def test_choices_known_only_now_and_fixed_fields():
    assert decode(Move, {"space_id": "7"}, choices={"space_id": [3, 7]}, booking_id=1) == Move(booking_id=1,
                                                                                                space_id=7)
    assert errors_of(Move, {"space_id": "8"}, choices={"space_id": [3, 7]}, booking_id=1) == {
        "space_id": _("Choose one of the options.")}
    assert decode(Move, {"space_id": "3", "urgent": "yes"}, choices={"space_id": [3, 7], "urgent": {"yes": True}},
                  booking_id=1).urgent


def test_rows_of_a_form_are_read_by_suffix_and_their_errors_named_by_row():
    check = Checker({"name_0": "服务", "weight_0": "60", "name_1": "财务", "weight_1": "0"})
    rows = [check.read(Row, suffix=f"_{index}") for index in range(2)]
    assert check.errors == {"weight_1": _("Enter a number of at least %(n)s.", n=1)}
    with pytest.raises(ValidationFailed):
        check.build(Card, {"rows": rows})
    assert Checker({"name_0": "服务", "weight_0": "60"}).build(Card, {"rows": rows[:1]}) == Card(
        rows=(Row(name="服务", weight=60),))


# ---- through a page -----------------------------------------------------------------------------


def field_error(html: str, name: str) -> str:
    match = re.search(rf'<p class="error" id="e-{re.escape(name)}">(.*?)</p>', html, re.S)
    return unescape(match.group(1)).strip() if match else ""


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_a_refused_form_shows_every_error_translated_and_keeps_what_was_typed(browser, make_user, language):
    await make_user("decode.admin", Role.ADMIN, language=language)
    await browser.login("decode.admin")
    response = await browser.post("/parks", {
        "kind": "park", "name_zh": "", "theme": "志愿服务-KEPT", "floor_area_m2": "0", "resident_slots": "十",
        "agreement_terms": "6, 72", "registration_due_months": "61", "address": "太湖路 8 号"})
    assert response.status_code == 400
    expected = in_locale(language, lambda: {
        "name_zh": _("This field is required."),
        "floor_area_m2": _("Enter a number of at least %(n)s.", n=1),
        "resident_slots": _("Enter a whole number."),
        "agreement_terms": _("Each term is between 1 and 60 months."),
        "registration_due_months": _("Enter a number of at most %(n)s.", n=60),
    })
    assert {name: field_error(response.text, name) for name in expected} == expected
    for typed in ("志愿服务-KEPT", "太湖路 8 号", 'value="十"', "6, 72"):
        assert typed in unescape(response.text)
    assert not await Park.filter(theme="志愿服务-KEPT").exists()
