"""Reporting periods: the reporting year 01/12–30/11 (a setting), its quarters and halves, months, from–to."""

import datetime as dt

import pytest

from kiemsat.stats import periods as P

D = dt.date


def test_reporting_year_runs_from_first_december():
    p = P.year(2025)
    assert (p.start, p.end) == (D(2024, 12, 1), D(2025, 11, 30))
    assert p.label == "Năm 2025 (01/12/2024 – 30/11/2025)"
    assert P.reporting_year_of(D(2024, 12, 1)) == 2025
    assert P.reporting_year_of(D(2024, 11, 30)) == 2024


def test_halves_and_quarters_count_from_the_year_start():
    assert (P.half(2025, 1).start, P.half(2025, 1).end) == (D(2024, 12, 1), D(2025, 5, 31))
    assert (P.half(2025, 2).start, P.half(2025, 2).end) == (D(2025, 6, 1), D(2025, 11, 30))
    assert P.half(2025, 1).name == "6 tháng đầu năm 2025"
    q = [P.quarter(2025, n) for n in range(1, 5)]
    assert [(x.start, x.end) for x in q] == [(D(2024, 12, 1), D(2025, 2, 28)), (D(2025, 3, 1), D(2025, 5, 31)),
                                             (D(2025, 6, 1), D(2025, 8, 31)), (D(2025, 9, 1), D(2025, 11, 30))]
    assert q[0].name == "Quý I năm 2025"
    # leap year: the first quarter of 2024 ends on 29/02
    assert P.quarter(2024, 1).end == D(2024, 2, 29)


def test_months_are_calendar_months():
    p = P.month(2025, 2)
    assert (p.start, p.end, p.name) == (D(2025, 2, 1), D(2025, 2, 28), "Tháng 02/2025")
    assert P.month(2024, 12).end == D(2024, 12, 31)


def test_the_boundary_is_a_setting(settings):
    settings.KIEMSAT_REPORT_YEAR_START = "01/01"
    assert (P.year(2025).start, P.year(2025).end) == (D(2025, 1, 1), D(2025, 12, 31))
    assert (P.quarter(2025, 1).start, P.quarter(2025, 1).end) == (D(2025, 1, 1), D(2025, 3, 31))
    settings.KIEMSAT_REPORT_YEAR_START = "01/10"
    assert (P.year(2025).start, P.year(2025).end) == (D(2024, 10, 1), D(2025, 9, 30))
    settings.KIEMSAT_REPORT_YEAR_START = "nonsense"
    assert P.year(2025).start == D(2024, 12, 1)  # a bad value falls back to the default


def test_a_year_tiles_into_its_months_halves_and_quarters():
    y = P.year(2026)
    for parts in ([P.quarter(2026, n) for n in range(1, 5)], [P.half(2026, n) for n in (1, 2)]):
        assert parts[0].start == y.start and parts[-1].end == y.end
        for a, b in zip(parts, parts[1:], strict=False):
            assert b.start == a.end + dt.timedelta(days=1)
    months = y.buckets()
    assert len(months) == 12 and months[0][1] == y.start and months[-1][2] == y.end


def test_current_period_holds_today():
    today = D(2025, 12, 15)
    assert P.current("nam", today).year == 2026
    assert P.current("quy", today).name == "Quý I năm 2026"
    assert P.current("6thang", today).name == "6 tháng đầu năm 2026"
    assert P.current("thang", today).name == "Tháng 12/2025"


@pytest.mark.parametrize("args, msg", [
    (("tuy-chon", None, None, D(2025, 3, 1), D(2025, 2, 1)), "trước ngày bắt đầu"),
    (("tuy-chon", None, None, None, D(2025, 2, 1)), "Cần nhập cả"),
    (("quy", 2025, 5), "Quý"),
    (("thang", 2025, 13), "Tháng"),
    (("6thang", 2025, 3), "Đợt"),
    (("thang", 2025, None), "Cần chọn tháng"),
    (("nam", None), "Năm"),
    (("xyz", 2025), "Loại kỳ"),
    (("tuy-chon", None, None, D(1990, 1, 1), D(2025, 1, 1)), "2000"),
])
def test_bad_periods_say_why_in_vietnamese(args, msg):
    with pytest.raises(P.PeriodError, match=msg):
        P.build(*args)


def test_cli_period_syntax():
    assert P.parse_cli("2025") == P.year(2025)
    assert P.parse_cli("6T2/2025") == P.half(2025, 2)
    assert P.parse_cli("q3/2025") == P.quarter(2025, 3)
    assert P.parse_cli("3/2025") == P.month(2025, 3)
    assert P.parse_cli("01/01/2025..31/03/2025") == P.custom(D(2025, 1, 1), D(2025, 3, 31))
    with pytest.raises(P.PeriodError):
        P.parse_cli("hôm qua")
