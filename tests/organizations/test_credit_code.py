"""The unified social credit code validator (GB 32100-2015)."""

import pytest

from incubator import i18n
from incubator.organizations import credit_code
from incubator.organizations.credit_code import CreditCodeError, parse

# A civil-affairs social association in Binhu district, Wuxi (320211): check character computed.
VALID = credit_code.make("51320211MJ5704981")


@pytest.fixture(autouse=True)
def english():
    token = i18n.set_locale("en")
    yield
    i18n.reset_locale(token)


def test_check_character_follows_the_standard():
    # Worked example from the standard's appendix style: 17 digits of zeros give check 0.
    assert credit_code.check_character("0" * 17) == "0"
    assert credit_code.check_character("91350100M000100Y4") == "3"  # the standard's own example
    assert len(VALID) == 18 and parse(VALID).civil_affairs


@pytest.mark.parametrize("first17", ["51320211MJ5704981", "52320211MJ1234567", "53110000500000123",
                                     "91320211MA1XYW0P3", "Y1320211000000000"])
def test_valid_codes_are_accepted(first17):
    code = credit_code.make(first17)
    assert parse(code).code == code


def test_input_is_normalised():
    spaced = "  " + VALID[:6].lower() + " " + VALID[6:] + " "
    assert parse(spaced).code == VALID
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in VALID)  # ５１３２…
    assert parse(full_width).code == VALID


def error(raw: str) -> CreditCodeError:
    with pytest.raises(CreditCodeError) as caught:
        parse(raw)
    return caught.value


def test_empty():
    assert "18-character" in error("  ").message


def test_wrong_length_says_how_long_it_is():
    assert "this one has 17" in error(VALID[:-1]).message


def test_forbidden_letters_are_named():
    message = error("5132021IMJ5704981" + "O").message
    assert "I O" in message


def test_unknown_department():
    assert "first character, B" in error(credit_code.make("B1320211MJ5704981")).message


def test_kind_not_registered_by_that_department():
    assert "second character, 4" in error(credit_code.make("54320211MJ5704981")).message


def test_division_must_be_digits():
    assert "six digits" in error(credit_code.make("5132A211MJ5704981")).message


def test_wrong_check_character_names_the_expected_one():
    wrong = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
    caught = error(wrong)
    assert caught.expected_check == VALID[-1]
    assert f"should be {VALID[-1]}" in caught.message


def test_a_single_typo_is_caught():
    typo = VALID[:10] + ("1" if VALID[10] != "1" else "2") + VALID[11:]
    assert error(typo).expected_check is not None
