"""Registration overdue: the SQL that lists and flags the late organizations applies the same rule
as `registration_late`, through each park's latest late admission date."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from incubator.organizations.service import registration_cutoff, registration_late


@settings(max_examples=300, deadline=None, derandomize=True)
@given(on=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), months=st.integers(1, 60),
       offset=st.integers(-70, 70))
def test_an_admission_is_late_exactly_when_it_is_on_or_before_the_cutoff(on, months, offset):
    cutoff = registration_cutoff(months, on)
    admitted = cutoff + timedelta(days=offset)
    assert registration_late(admitted, months, on) == (admitted <= cutoff)


def test_month_ends_share_a_deadline():
    # 29, 30 and 31 January all fall due on 28 February (one month, 2026 is not a leap year).
    assert registration_cutoff(1, date(2026, 2, 28)) == date(2026, 1, 31)
    assert registration_cutoff(1, date(2026, 2, 27)) == date(2026, 1, 27)
