"""Day-first parsing of every legacy date form; never raises."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiemsat.domain import dates
from kiemsat.domain.dates import excel_serial_to_date, fmt, fmt_long, parse_date, parse_year

D = dt.date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(2024, 3, 5), D(2024, 3, 5)),
        (dt.datetime(2024, 3, 5, 14, 30), D(2024, 3, 5)),
        ("05/03/2024", D(2024, 3, 5)),
        ("5/3/24", D(2024, 3, 5)),
        ("05-03-2024", D(2024, 3, 5)),
        ("5.3.2024", D(2024, 3, 5)),
        ("5/3/2024 ", D(2024, 3, 5)),
        ("05/3/2024", D(2024, 3, 5)),
        (" 5 / 3 / 2024", D(2024, 3, 5)),
        ("05/03/2024 08:30", D(2024, 3, 5)),
        ("05/03/2024 00:00:00", D(2024, 3, 5)),
        ("ngày 5 tháng 3 năm 2024", D(2024, 3, 5)),
        ("Ngày 05 tháng 03 năm 2024", D(2024, 3, 5)),
        ("ngay 5 thang 3 nam 2024", D(2024, 3, 5)),
        ("5 tháng 3 năm 2024", D(2024, 3, 5)),
        ("2024-03-05", D(2024, 3, 5)),
        ("2024/03/05", D(2024, 3, 5)),
        ("31/12/2024.", D(2024, 12, 31)),
        ("29/02/2024", D(2024, 2, 29)),
        ("1/1/96", D(1996, 1, 1)),  # two-digit year: < 50 -> 20yy, else 19yy
        ("1/1/49", D(2049, 1, 1)),
        ("1/1/50", D(1950, 1, 1)),
        (45376.0, D(2024, 3, 25)),  # Excel serials, 1900 system
        (45632, D(2024, 12, 6)),
        (45376.75, D(2024, 3, 25)),  # time of day dropped
        ("45376", D(2024, 3, 25)),
        (61, D(1900, 3, 1)),
        (59, D(1900, 2, 28)),
        (1, D(1900, 1, 1)),
    ],
)
def test_parse_date(value, expected):
    r = parse_date(value)
    assert r.value == expected
    assert r.warning == ""
    assert r.ok and bool(r)


def test_1904_system():
    assert parse_date(43914, date1904=True).value == D(2024, 3, 25)
    assert excel_serial_to_date(0, date1904=True).value == D(1904, 1, 1)
    # the same serial in both systems is 1462 days apart
    a = parse_date(40000).value
    b = parse_date(40000, date1904=True).value
    assert (b - a).days == 1462


def test_excel_1900_leap_bug():
    r = parse_date(60)
    assert r.value is None
    assert "29/02/1900" in r.warning


@pytest.mark.parametrize("value", [None, "", "   ", "-"])
def test_empty(value):
    r = parse_date(value)
    assert r.value is None and r.warning == "" and r.kind == "empty"


@pytest.mark.parametrize(
    "value",
    [
        "31/02/2024",
        "32/01/2024",
        "03/25/2024",  # month-first: not guessed
        "hôm qua",
        "#VALUE!",
        "#REF!",
        "3/2024",
        dt.time(8, 30),
        dt.timedelta(days=3),
        True,
        -5,
        10**12,
        float("inf"),
        object(),
        ["05/03/2024"],
    ],
)
def test_bad_values_warn_never_raise(value):
    r = parse_date(value)
    assert r.value is None
    assert r.warning


def test_month_first_warning_mentions_order():
    assert "tháng/ngày" in parse_date("03/25/2024").warning


@pytest.mark.parametrize("value", [1996, 1996.0, "1996", "năm 1996"])
def test_year_alone_in_a_date_column(value):
    r = parse_date(value)
    assert r.value is None and r.year == 1996 and r.kind == "year"
    assert "Chỉ có năm" in r.warning


@pytest.mark.parametrize(
    ("value", "year"),
    [
        (1996, 1996),
        (1996.0, 1996),
        ("1996", 1996),
        (" 1996 ", 1996),
        ("năm 1996", 1996),
        ("96", 1996),
        ("05", 2005),
        ("05/03/1996", 1996),
        (D(1996, 3, 5), 1996),
    ],
)
def test_parse_year(value, year):
    r = parse_year(value)
    assert r.year == year
    assert r.warning == ""


@pytest.mark.parametrize("value", ["abc", "#VALUE!", True])
def test_parse_year_bad(value):
    r = parse_year(value)
    assert r.year is None and r.warning


def test_parse_year_empty():
    assert parse_year(None).year is None and parse_year("").warning == ""


def test_odd_year_warns_but_keeps_date():
    r = parse_date("05/03/2224")
    assert r.value == D(2224, 3, 5) and "bất thường" in r.warning


def test_fmt():
    assert fmt(D(2025, 2, 5)) == "05/02/2025"
    assert fmt(None) == ""
    assert fmt_long(D(2025, 2, 5)) == "ngày 05 tháng 02 năm 2025"
    assert fmt_long(None) == ""


_dates = st.dates(min_value=D(1900, 3, 1), max_value=D(2099, 12, 31))


@given(_dates)
def test_fmt_parse_round_trip(d):
    assert parse_date(fmt(d)).value == d
    assert parse_date(fmt_long(d)).value == d
    assert parse_date(d.isoformat()).value == d


# (whole numbers 1900-2100 in a date column are read as a bare year, not as 1905-1909 serials)
@given(st.dates(min_value=D(1910, 1, 1), max_value=D(2099, 12, 31)))
def test_serial_round_trip(d):
    serial = (d - D(1899, 12, 30)).days
    assert parse_date(serial).value == d
    serial1904 = (d - D(1904, 1, 1)).days
    if serial1904 >= 0:
        assert parse_date(serial1904, date1904=True).value == d


@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.dates(), st.datetimes()))
def test_never_raises(v):
    r = parse_date(v)
    assert r.value is None or isinstance(r.value, dt.date)
    parse_year(v)


def test_module_has_no_django_import():
    import inspect

    assert "django" not in inspect.getsource(dates)
