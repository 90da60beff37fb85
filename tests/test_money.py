"""Amounts as people type them, stored as integer fen."""

import pytest

from incubator import i18n
from incubator.money import MoneyError, fen_to_text, parse_fen


@pytest.mark.parametrize(("raw", "fen"), [
    ("12000", 1_200_000), ("12,000.50", 1_200_050), ("¥3,000", 300_000), ("1.2万", 1_200_000),
    ("0.01", 1), ("１２０００", 1_200_000), (" 12 000 元 ", 1_200_000), ("2.5万", 2_500_000),
])
def test_amounts_people_type(raw, fen):
    assert parse_fen(raw) == fen


@pytest.mark.parametrize(("raw", "words"), [
    ("", "Enter an amount"), ("-5", "negative"), ("12.345", "two decimals"), ("abc", "is not an amount"),
    ("0", "more than zero"), ("1e5", "is not an amount"), ("99999999999999", "too large"),
])
def test_wrong_amounts_say_why(raw, words):
    token = i18n.set_locale("en")
    try:
        with pytest.raises(MoneyError) as caught:
            parse_fen(raw)
        assert words in caught.value.message
    finally:
        i18n.reset_locale(token)


def test_fen_shown_back_in_the_field():
    assert fen_to_text(1_200_050) == "12000.50"
