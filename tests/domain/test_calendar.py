"""The public-sector working-day calendar (CALENDAR.md) and the counting methods (RULES.md)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiemsat.domain import lunar
from kiemsat.domain.calendar import CalendarEntry, CalendarYear, WorkCalendar, parse_law

D = dt.date
CAL = WorkCalendar.default()


def d(s: str) -> dt.date:
    """'07/02/2024' -> date."""
    dd, mm, yy = s.split("/")
    return D(int(yy), int(mm), int(dd))


# ---------------------------------------------------------------- lunar check values
@pytest.mark.parametrize(
    "year,tet",
    [
        (2007, "17/02/2007"),
        (2022, "01/02/2022"),
        (2023, "22/01/2023"),
        (2024, "10/02/2024"),
        (2025, "29/01/2025"),
        (2026, "17/02/2026"),
        (2027, "06/02/2027"),
        (2028, "26/01/2028"),
        (2029, "13/02/2029"),
        (2030, "02/02/2030"),  # Vietnam (UTC+7); China has 03/02/2030
    ],
)
def test_tet_vietnam(year, tet):
    assert lunar.tet(year) == d(tet)


@pytest.mark.parametrize(
    "year,gio_to",
    [(2022, "10/04/2022"), (2023, "29/04/2023"), (2024, "18/04/2024"), (2025, "07/04/2025"), (2026, "26/04/2026")],
)
def test_gio_to(year, gio_to):
    assert lunar.gio_to(year) == d(gio_to)


# ---------------------------------------------------------------- the shipped table
@pytest.mark.parametrize(
    "day,working",
    [
        # Tết 2024: 08/02–14/02 off
        ("07/02/2024", True), ("08/02/2024", False), ("09/02/2024", False), ("12/02/2024", False),
        ("14/02/2024", False), ("15/02/2024", True), ("16/02/2024", True),
        # Tết 2025: 25/01–02/02 off
        ("24/01/2025", True), ("27/01/2025", False), ("31/01/2025", False), ("03/02/2025", True),
        # Tết 2026: 14/02–22/02 off
        ("13/02/2026", True), ("16/02/2026", False), ("20/02/2026", False), ("23/02/2026", True),
        # make-up Saturdays are working days; the swapped weekdays are off
        ("04/05/2024", True), ("29/04/2024", False),
        ("26/04/2025", True), ("02/05/2025", False),
        ("10/01/2026", True), ("02/01/2026", False),
        ("22/08/2026", True), ("31/08/2026", False),
        # ordinary weekends and other holidays
        ("06/01/2024", False), ("18/04/2024", False), ("07/04/2025", False), ("03/09/2024", False),
        ("02/01/2023", False), ("03/01/2022", False), ("11/04/2022", False), ("04/09/2023", False),
        ("27/04/2026", False), ("01/09/2026", False), ("02/09/2026", False), ("03/09/2026", True),
    ],
)
def test_table(day, working):
    assert CAL.is_working_day(d(day)) is working


@pytest.mark.parametrize(
    "start,n,due",
    [
        ("07/02/2024", 2, "16/02/2024"),  # CALENDAR.md check value
        ("25/04/2025", 2, "28/04/2025"),  # Sat 26/04/2025 is worked
        ("09/01/2026", 1, "10/01/2026"),  # make-up Saturday
        ("24/01/2025", 1, "03/02/2025"),  # across Tết 2025
        ("13/02/2026", 1, "23/02/2026"),  # across Tết 2026
        ("26/04/2024", 1, "02/05/2024"),
        ("26/04/2024", 3, "04/05/2024"),  # make-up Saturday 04/05/2024
        ("21/08/2026", 1, "22/08/2026"),  # make-up Saturday 22/08/2026
        ("28/08/2026", 1, "03/09/2026"),
        ("31/12/2024", 2, "03/01/2025"),
        ("28/02/2025", 2, "04/03/2025"),
        ("07/02/2024", 0, "07/02/2024"),
        ("16/02/2024", -2, "07/02/2024"),
    ],
)
def test_add_wd(start, n, due):
    assert CAL.add_wd(d(start), n) == d(due)


@pytest.mark.parametrize(
    "start,n,due",
    [
        ("03/02/2025", 15, "18/02/2025"),
        ("17/01/2025", 15, "03/02/2025"),  # ends inside Tết 2025
        ("21/04/2025", 5, "26/04/2025"),  # Sat 26/04/2025 is a make-up working day: not moved
        ("15/04/2024", 5, "22/04/2024"),  # Sat 20/04/2024 -> Mon 22/04
        ("25/04/2024", 5, "02/05/2024"),  # Tue 30/04 holiday -> Thu 02/05
        ("30/01/2024", 10, "15/02/2024"),  # 09/02 inside Tết 2024 -> 15/02
        ("27/12/2025", 5, "05/01/2026"),  # 01/01 holiday, 02–04/01 off -> Mon 05/01
    ],
)
def test_add_days_moved(start, n, due):
    assert CAL.add_days_moved(d(start), n) == d(due)


@pytest.mark.parametrize(
    "start,n,due",
    [
        ("31/03/2024", 12, "31/03/2025"),
        ("29/02/2024", 12, "28/02/2025"),
        ("31/08/2024", 6, "28/02/2025"),
        ("31/08/2023", 6, "29/02/2024"),
        ("08/06/2024", 6, "08/12/2024"),  # a Sunday: never moved
        ("31/01/2024", 1, "29/02/2024"),
        ("15/12/2024", 1, "15/01/2025"),
        ("15/01/2025", -1, "15/12/2024"),
    ],
)
def test_add_months(start, n, due):
    assert CAL.add_months(d(start), n) == d(due)


def test_wd_between():
    assert CAL.wd_between(d("16/02/2024"), d("19/02/2024")) == 1
    assert CAL.wd_between(d("07/02/2024"), d("16/02/2024")) == 2
    assert CAL.wd_between(d("09/02/2024"), d("14/02/2024")) == 0
    assert CAL.wd_between(d("16/02/2024"), d("07/02/2024")) == -2
    assert CAL.wd_between(d("03/05/2024"), d("04/05/2024")) == 1  # the make-up Saturday counts


def test_next_working_day_and_names():
    assert CAL.next_working_day(d("08/02/2024")) == d("15/02/2024")
    assert CAL.next_working_day(d("15/02/2024")) == d("15/02/2024")
    assert CAL.day_name(d("09/02/2024")) == "Tết Nguyên đán"
    assert CAL.day_name(d("15/02/2024")) is None
    assert CAL.day_name(d("06/01/2024")) == "Thứ Bảy"
    assert "Làm bù" in CAL.day_name(d("04/05/2024"))
    assert CAL.entry(d("26/04/2025")).status == "V"


def test_describe_runs():
    assert CAL.describe_runs(d("07/02/2024"), d("16/02/2024")) == "nghỉ Tết 08–14/02"
    assert CAL.describe_runs(d("25/04/2024"), d("03/05/2024")) == "nghỉ lễ 30/4–1/5 27/04–01/05"
    assert CAL.describe_runs(d("01/03/2024"), d("08/03/2024")) == ""  # plain weekends are not listed


# ---------------------------------------------------------------- provisional years
def test_provisional_years():
    assert not CAL.is_provisional(d("15/06/2025"))
    assert not CAL.is_provisional(d("15/06/2026"))
    assert CAL.is_provisional(d("15/06/2027"))
    assert CAL.is_provisional(d("15/06/2021"))
    assert CAL.crosses_provisional(d("28/12/2026"), d("05/01/2027"))
    assert not CAL.crosses_provisional(d("28/12/2025"), d("05/01/2026"))


@pytest.mark.parametrize(
    "day,working",
    [
        # 2027, computed from the law: Tết = 30 Chạp (Fri 05/02) + mùng 1–4 (06–09/02), nghỉ bù 10–11/02
        ("05/02/2027", False), ("08/02/2027", False), ("09/02/2027", False), ("10/02/2027", False),
        ("11/02/2027", False), ("12/02/2027", True), ("04/02/2027", True),
        ("16/04/2027", False),  # Giỗ Tổ
        ("30/04/2027", False), ("03/05/2027", False),  # 01/05 is a Saturday -> nghỉ bù Mon 03/05
        ("01/09/2027", False), ("02/09/2027", False), ("03/09/2027", True),
        ("01/01/2027", False),
        # 2030: Tết on Sat 02/02/2030 (Vietnam), 30 Chạp Fri 01/02
        ("01/02/2030", False), ("04/02/2030", False), ("05/02/2030", False), ("06/02/2030", False),
        ("07/02/2030", False), ("08/02/2030", True),
        ("02/09/2030", False), ("03/09/2030", False), ("30/08/2030", True),  # 02/09 Monday -> 03/09
        ("02/01/2028", False), ("03/01/2028", False),  # 01/01/2028 Saturday -> nghỉ bù Mon 03/01
    ],
)
def test_computed_years(day, working):
    assert CAL.is_working_day(d(day)) is working


def test_calendar_from_plain_entries_and_new_holiday():
    """The Django side hands the engine the same plain structures; a new holiday (24/11) can be
    added to the law from the year it starts."""
    law = parse_law(
        {
            "holidays": [
                {"name": "Tết Dương lịch", "solar": "01-01"},
                {"name": "Ngày Văn hóa Việt Nam", "short": "24/11", "solar": "11-24", "from_year": 2027},
            ]
        }
    )
    cal = WorkCalendar(
        entries=[
            CalendarEntry(D(2026, 1, 2), "off", "Hoán đổi", source="test", status="S"),
            CalendarEntry(D(2026, 1, 10), "work", "Làm bù", source="test", status="S"),
        ],
        years=[CalendarYear(2026, confirmed=True)],
        law=law,
        version="test",
    )
    assert not cal.is_working_day(D(2026, 1, 2))
    assert cal.is_working_day(D(2026, 1, 10))
    assert cal.is_working_day(D(2026, 1, 1))  # 2026 is listed: only its entries count
    assert not cal.is_working_day(D(2027, 1, 1))
    assert not cal.is_working_day(D(2027, 11, 24))  # Wednesday, new holiday
    assert cal.is_working_day(D(2025, 11, 24)) is True  # before the holiday exists (Monday)
    assert cal.is_provisional(D(2027, 11, 24))


def test_far_dates_extend_the_span():
    assert CAL.add_wd(D(2060, 1, 1), 1).year == 2060
    assert CAL.is_working_day(D(1995, 6, 1)) in (True, False)
    assert CAL.add_wd(D(2049, 12, 20), 600).year >= 2052


# ---------------------------------------------------------------- properties
dates = st.dates(min_value=D(2021, 1, 1), max_value=D(2031, 12, 31))
small = st.integers(min_value=0, max_value=60)


@settings(max_examples=300, deadline=None)
@given(dates, small, small)
def test_add_wd_is_additive(day, a, b):
    assert CAL.add_wd(CAL.add_wd(day, a), b) == CAL.add_wd(day, a + b)


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=60))
def test_add_wd_additive_from_a_working_day(day, a, b):
    # after one step we are always on a working day, so the law is exact from there
    x = CAL.add_wd(day, a)
    assert CAL.add_wd(x, b) == CAL.add_wd(day, a + b)


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=1, max_value=60))
def test_wd_due_is_a_working_day_and_counts(day, n):
    due = CAL.add_wd(day, n)
    assert CAL.is_working_day(due)
    assert due > day
    assert CAL.wd_between(day, due) == n
    assert CAL.wd_between(day, due - dt.timedelta(days=1)) == n - 1


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=0, max_value=40), st.integers(min_value=1, max_value=60))
def test_later_start_never_earlier_due(day, gap, n):
    later = day + dt.timedelta(days=gap)
    assert CAL.add_wd(later, n) >= CAL.add_wd(day, n)
    assert CAL.add_days_moved(later, n) >= CAL.add_days_moved(day, n)
    assert CAL.add_months(later, n % 25) >= CAL.add_months(day, n % 25)
    assert CAL.is_working_day(CAL.add_days_moved(day, n))


@settings(max_examples=300, deadline=None)
@given(dates, dates)
def test_wd_between_consistent_with_add_wd(a, b):
    k = CAL.wd_between(a, b)
    assert CAL.wd_between(b, a) == -k
    if a <= b:
        assert k >= 0
        if k > 0:
            last = CAL.add_wd(a, k)
            assert last <= b
            assert CAL.add_wd(a, k + 1) > b
        else:
            assert CAL.add_wd(a, 1) > b
