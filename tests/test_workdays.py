"""Working days follow the Chinese public-holiday schedule, make-up days included."""

from datetime import date

from incubator.workdays import add_months, add_working_days, is_working_day, next_working_day


def test_weekends_and_holidays_are_off_and_make_up_days_are_on():
    assert not is_working_day(date(2026, 10, 1))  # National Day
    assert not is_working_day(date(2026, 2, 17))  # Spring Festival
    assert is_working_day(date(2026, 1, 4))  # a Sunday worked to make up for New Year
    assert not is_working_day(date(2026, 11, 28))  # an ordinary Saturday
    assert is_working_day(date(2026, 11, 24))


def test_fifteen_working_days_skip_the_national_day_week():
    # From Friday 25 September 2026 (Mid-Autumn Festival): the Golden Week (1–7 Oct) does not
    # count and the make-up Saturday 10 October does: 28–30 Sep, 8–10, 12–16, 19–22 Oct.
    assert not is_working_day(date(2026, 9, 25))
    assert add_working_days(date(2026, 9, 25), 15) == date(2026, 10, 22)


def test_overrides_win_over_the_library():
    day = date(2026, 11, 24)
    assert not is_working_day(day, {day: False})
    assert next_working_day(day, {day: False}) == date(2026, 11, 25)


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 24), 12) == date(2027, 11, 24)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
