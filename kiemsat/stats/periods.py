"""Reporting periods: month, quarter, six months, year of the Procuracy's reporting year, or from–to.

The reporting year is a setting, `KIEMSAT_REPORT_YEAR_START` ("dd/mm", in the Django settings or the
environment; default "01/12": the year
ran 01/12 of the previous year → 30/11, LEGAL-NOTES Part A §7; whether it still holds is U, hence
the setting). A reporting year is named by the calendar year it ends in ("Năm 2025" = 01/12/2024 –
30/11/2025); its quarters and halves are counted from its start ("Quý I năm 2025" = 01/12/2024 –
28/02/2025, "6 tháng đầu năm 2025" = 01/12/2024 – 31/05/2025). A month is the calendar month when
the boundary day is 01 (otherwise the month-long period ending the day before that day of the
named month).

Pure date arithmetic; the only Django import is the settings read.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from kiemsat.domain.dates import fmt

DEFAULT_YEAR_START = (1, 12)  # (day, month)
KINDS = {
    "thang": "Tháng",
    "quy": "Quý",
    "6thang": "6 tháng",
    "nam": "Năm",
    "tuy-chon": "Từ ngày … đến ngày …",
}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
MAX_SPAN_DAYS = 366 * 10


class PeriodError(ValueError):
    """A period that cannot be built; the message is for the user (Vietnamese)."""


def year_start() -> tuple[int, int]:
    """(day, month) of the reporting year's first day, from the setting; the default on a bad value."""
    import os

    from django.conf import settings

    raw = getattr(settings, "KIEMSAT_REPORT_YEAR_START", None) or os.environ.get("KIEMSAT_REPORT_YEAR_START")
    if raw is None:
        return DEFAULT_YEAR_START
    try:
        if isinstance(raw, str):
            d, m = (int(x) for x in raw.strip().split("/")[:2])
        else:
            d, m = (int(x) for x in raw)
        dt.date(2001, m, d)
        if d > 28:  # every month must hold the boundary day
            raise ValueError
        return d, m
    except (TypeError, ValueError):
        return DEFAULT_YEAR_START


def add_months(d: dt.date, n: int) -> dt.date:
    """Same day n months later (the month's last day when it has no such day)."""
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    kind: str = "tuy-chon"
    year: int | None = None
    number: int | None = None  # month 1–12, quarter 1–4, half 1–2

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError("Ngày kết thúc ở trước ngày bắt đầu.")

    @property
    def name(self) -> str:
        if self.kind == "nam":
            return f"Năm {self.year}"
        if self.kind == "6thang":
            return f"6 tháng {'đầu' if self.number == 1 else 'cuối'} năm {self.year}"
        if self.kind == "quy":
            return f"Quý {ROMAN[self.number]} năm {self.year}"
        if self.kind == "thang":
            return f"Tháng {self.number:02d}/{self.year}"
        return f"Từ {fmt(self.start)} đến {fmt(self.end)}"

    @property
    def span(self) -> str:
        return f"{fmt(self.start)} – {fmt(self.end)}"

    @property
    def label(self) -> str:
        return self.name if self.kind == "tuy-chon" else f"{self.name} ({self.span})"

    def __contains__(self, d: dt.date | None) -> bool:
        return d is not None and self.start <= d <= self.end

    def params(self) -> dict[str, str]:
        """The query parameters that rebuild this period (links, exports)."""
        if self.kind == "tuy-chon":
            return {"ky": self.kind, "tu": fmt(self.start), "den": fmt(self.end)}
        out = {"ky": self.kind, "nam": str(self.year)}
        key = {"thang": "thang", "quy": "quy", "6thang": "dot"}.get(self.kind)
        if key:
            out[key] = str(self.number)
        return out

    def buckets(self) -> list[tuple[str, dt.date, dt.date]]:
        """The trend's bars: the months of the period (cut at its ends); years when it spans > 36 months."""
        out = []
        step = 1 if (self.end - self.start).days <= 36 * 31 else 12
        s = self.start
        while s <= self.end:
            e = min(add_months(s, step) - dt.timedelta(days=1), self.end)
            label = f"{s.month:02d}/{s.year}" if step == 1 else f"{s.year}–{e.year}"
            out.append((label, s, e))
            s = e + dt.timedelta(days=1)
        return out


def reporting_year_start(year: int, boundary: tuple[int, int] | None = None) -> dt.date:
    """First day of the reporting year named `year` (the one that ends in calendar year `year`)."""
    d, m = boundary or year_start()
    if (d, m) == (1, 1):
        return dt.date(year, 1, 1)
    return dt.date(year - 1, m, d)


def reporting_year_of(day: dt.date, boundary: tuple[int, int] | None = None) -> int:
    """The reporting year holding `day`."""
    b = boundary or year_start()
    return day.year + 1 if day >= reporting_year_start(day.year + 1, b) else day.year


def year(y: int, boundary=None) -> Period:
    s = reporting_year_start(y, boundary)
    return Period(s, add_months(s, 12) - dt.timedelta(days=1), "nam", y)


def half(y: int, n: int, boundary=None) -> Period:
    if n not in (1, 2):
        raise PeriodError("Đợt 6 tháng phải là 1 (đầu năm) hoặc 2 (cuối năm).")
    s = add_months(reporting_year_start(y, boundary), 6 * (n - 1))
    return Period(s, add_months(s, 6) - dt.timedelta(days=1), "6thang", y, n)


def quarter(y: int, n: int, boundary=None) -> Period:
    if n not in (1, 2, 3, 4):
        raise PeriodError("Quý phải từ I đến IV.")
    s = add_months(reporting_year_start(y, boundary), 3 * (n - 1))
    return Period(s, add_months(s, 3) - dt.timedelta(days=1), "quy", y, n)


def month(y: int, n: int, boundary=None) -> Period:
    if not 1 <= n <= 12:
        raise PeriodError("Tháng phải từ 1 đến 12.")
    d, _m = boundary or year_start()
    s = dt.date(y, n, d) if d == 1 else add_months(dt.date(y, n, d), -1)
    return Period(s, add_months(s, 1) - dt.timedelta(days=1), "thang", y, n)


def custom(start: dt.date, end: dt.date) -> Period:
    if start is None or end is None:
        raise PeriodError("Cần nhập cả ngày bắt đầu và ngày kết thúc.")
    if not (MIN_DATE <= start <= MAX_DATE and MIN_DATE <= end <= MAX_DATE):
        raise PeriodError("Ngày phải trong khoảng năm 2000 – 2100.")
    if end < start:
        raise PeriodError("Ngày kết thúc ở trước ngày bắt đầu.")
    if (end - start).days > MAX_SPAN_DAYS:
        raise PeriodError("Kỳ báo cáo dài quá 10 năm.")
    return Period(start, end, "tuy-chon")


def build(kind: str, y: int | None = None, number: int | None = None, start: dt.date | None = None,
          end: dt.date | None = None, boundary=None) -> Period:
    """The period of a kind; PeriodError (Vietnamese message) on anything that does not make one."""
    if kind == "tuy-chon":
        return custom(start, end)
    if kind not in KINDS:
        raise PeriodError("Loại kỳ báo cáo không hợp lệ.")
    if y is None or not MIN_DATE.year < y <= MAX_DATE.year:
        raise PeriodError("Năm không hợp lệ (2001 – 2100).")
    if kind == "nam":
        return year(y, boundary)
    if number is None:
        raise PeriodError({"thang": "Cần chọn tháng.", "quy": "Cần chọn quý.", "6thang": "Cần chọn đợt 6 tháng."}[kind])
    return {"thang": month, "quy": quarter, "6thang": half}[kind](y, number, boundary)


def current(kind: str, today: dt.date, boundary=None) -> Period:
    """The period of a kind holding `today`."""
    y = reporting_year_of(today, boundary)
    if kind == "thang":
        p = month(today.year, today.month, boundary)
        if today in p:
            return p
        nxt = add_months(dt.date(today.year, today.month, 1), 1)
        return month(nxt.year, nxt.month, boundary)
    if kind in ("quy", "6thang"):
        for n in range(1, 5 if kind == "quy" else 3):
            p = (quarter if kind == "quy" else half)(y, n, boundary)
            if today in p:
                return p
    return year(y, boundary)


def parse_cli(text: str, boundary=None) -> Period:
    """The CLI's --period: 2025 | 6T1/2025 | 6T2/2025 | Q1/2025 | 3/2025 | 01/01/2025..31/03/2025."""
    from kiemsat.domain.dates import parse_date

    t = (text or "").strip().upper().replace(" ", "")
    try:
        if ".." in t:
            a, b = t.split("..", 1)
            return custom(parse_date(a).value, parse_date(b).value)
        if t.isdigit():
            return year(int(t), boundary)
        head, _, y = t.partition("/")
        if not y.isdigit():
            raise ValueError
        if head.startswith("6T"):
            return half(int(y), int(head[2:]), boundary)
        if head.startswith("Q"):
            return quarter(int(y), int(head[1:]), boundary)
        return month(int(y), int(head), boundary)
    except PeriodError:
        raise
    except (ValueError, TypeError, AttributeError) as exc:
        raise PeriodError(f"Kỳ báo cáo không hợp lệ: “{text}”. Dạng: 2025, 6T1/2025, Q1/2025, 3/2025, "
                          "01/01/2025..31/03/2025.") from exc
