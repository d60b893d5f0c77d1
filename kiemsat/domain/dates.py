"""Dates as Vietnamese clerks write them: always day-first. Pure Python, never raises.

Accepted (``parse_date``):
- ``date`` / ``datetime`` objects (a datetime's time is dropped);
- Excel serial numbers, 1900 system by default (serial 60 is Excel's non-existent 1900-02-29:
  no date, a warning), or the 1904 system with ``date1904=True``;
- text: "05/03/2024", "5/3/24", "05-03-2024", "5.3.2024", "05/3/2024 ", "5 / 3 / 2024",
  "05/03/2024 08:30", "ngày 5 tháng 3 năm 2024" (with or without diacritics, "ngày" optional),
  ISO "2024-03-05" (four-digit year first), "2024/03/05";
- a year alone (1996, "1996", "năm 1996") gives ``year`` and no ``value`` (``parse_year`` for
  birth years accepts it without a warning).

Two-digit years: ``yy < pivot`` (default 50) -> 20yy, else 19yy ("5/3/24" -> 2024,
"1/1/96" -> 1996). For birth years ``parse_year`` uses ``birth_pivot`` (default 30: "96" ->
1996, "05" -> 2005).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["DateResult", "parse_date", "parse_year", "excel_serial_to_date", "fmt", "fmt_long"]

DEFAULT_PIVOT = 50
DEFAULT_BIRTH_PIVOT = 30
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True)
class DateResult:
    value: dt.date | None = None  # the date, or None
    warning: str = ""  # a Vietnamese message for the row report ('' if all is well)
    year: int | None = None  # the year (also set when only a year was written)
    kind: str = "empty"  # empty | date | serial | text | iso | year | error

    @property
    def ok(self) -> bool:
        return self.value is not None and not self.warning

    def __bool__(self) -> bool:  # "has a date"
        return self.value is not None


def _result(d: dt.date, kind: str, warning: str = "") -> DateResult:
    if not warning and not (MIN_YEAR <= d.year <= MAX_YEAR):
        warning = f"Năm {d.year} bất thường"
    return DateResult(value=d, warning=warning, year=d.year, kind=kind)


def excel_serial_to_date(serial: float, date1904: bool = False) -> DateResult:
    """An Excel serial number -> date (fraction = time of day, dropped)."""
    if isinstance(serial, float) and serial == 0:
        serial = 0.0  # -0.0 is the same cell value; say it the same way
    try:
        n = int(serial)
    except (TypeError, ValueError, OverflowError):
        return DateResult(warning=f"Không đọc được số ngày Excel «{serial}»", kind="error")
    if n != serial and not (0 <= serial - n < 1):
        n = int(serial // 1)
    if date1904:
        if n < 0 or n > 2957003:
            return DateResult(warning=f"Số ngày Excel ngoài phạm vi: {serial}", kind="error")
        return _result(dt.date(1904, 1, 1) + dt.timedelta(days=n), "serial")
    if n < 1 or n > 2958465:
        return DateResult(warning=f"Số ngày Excel ngoài phạm vi: {serial}", kind="error")
    if n == 60:
        return DateResult(
            warning="Ngày 29/02/1900 không có thật (lỗi năm nhuận của Excel)", kind="error"
        )
    base = dt.date(1899, 12, 31) if n < 60 else dt.date(1899, 12, 30)
    return _result(base + dt.timedelta(days=n), "serial")


def _fold(s: str) -> str:
    t = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "d"))
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    return re.sub(r"\s+", " ", t).strip()


def _year(y: str, pivot: int) -> int:
    n = int(y)
    if len(y) <= 2:
        return 2000 + n if n < pivot else 1900 + n
    return n


_SEP = r"\s*[/\-.]\s*"
_DMY = re.compile(rf"^(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}}|\d{{2}})$")
_YMD = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})$")
_LONG = re.compile(
    r"^(?:ngay\s*)?(\d{1,2})\s*(?:thang|th)\s*(\d{1,2})\s*(?:nam|n)\s*(\d{4}|\d{2})$"
)
_YEAR = re.compile(r"^(?:nam\s*)?(\d{4})$")
_MONTH_YEAR = re.compile(rf"^(?:thang\s*)?(\d{{1,2}}){_SEP}(\d{{4}})$|^thang\s*(\d{{1,2}})\s*nam\s*(\d{{4}})$")
_TIME_TAIL = re.compile(r"[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[ap]m)?$")
_ERRORS = {"#value!", "#ref!", "#n/a", "#div/0!", "#name?", "#num!", "#null!", "#getting_data"}


def _make(y: int, m: int, d: int, raw: str, kind: str) -> DateResult:
    try:
        return _result(dt.date(y, m, d), kind)
    except ValueError:
        if m > 12 and d <= 12:
            return DateResult(
                warning=f"Ngày không hợp lệ «{raw}» (tháng {m}; có thể nhập kiểu tháng/ngày — "
                "sổ phải ghi ngày trước)",
                kind="error",
            )
        return DateResult(warning=f"Ngày không hợp lệ «{raw}»", kind="error")


def parse_date(value, *, date1904: bool = False, pivot: int = DEFAULT_PIVOT) -> DateResult:
    """Any cell value -> DateResult. Never raises; empty -> DateResult(kind='empty')."""
    try:
        return _parse(value, date1904=date1904, pivot=pivot)
    except Exception as exc:  # noqa: BLE001 - a date parser must never break an import
        return DateResult(warning=f"Không đọc được ngày «{value}» ({exc.__class__.__name__})", kind="error")


def _parse(value, *, date1904: bool, pivot: int) -> DateResult:
    if value is None:
        return DateResult()
    if isinstance(value, dt.datetime):
        return _result(value.date(), "date")
    if isinstance(value, dt.date):
        return _result(value, "date")
    if isinstance(value, (dt.time, dt.timedelta)):
        return DateResult(warning=f"Ô chứa giờ/khoảng thời gian, không phải ngày: «{value}»", kind="error")
    if isinstance(value, bool):
        return DateResult(warning=f"Không đọc được ngày «{value}»", kind="error")
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            return DateResult()
        if float(value).is_integer() and MIN_YEAR <= value <= MAX_YEAR:
            y = int(value)
            return DateResult(warning=f"Chỉ có năm {y}, không có ngày", year=y, kind="year")
        return excel_serial_to_date(value, date1904=date1904)
    raw = str(value)
    s = _fold(raw)
    if not s or s in {"-", "--", "x", "/"}:
        return DateResult()
    if s in _ERRORS or s.startswith("#"):
        return DateResult(warning=f"Ô lỗi {raw.strip()}", kind="error")
    s = s.rstrip(".,;").strip()
    s = _TIME_TAIL.sub("", s).strip()
    if m := _DMY.match(s):
        return _make(_year(m[3], pivot), int(m[2]), int(m[1]), raw.strip(), "text")
    if m := _YMD.match(s):
        return _make(int(m[1]), int(m[2]), int(m[3]), raw.strip(), "iso")
    if m := _LONG.match(s):
        return _make(_year(m[3], pivot), int(m[2]), int(m[1]), raw.strip(), "text")
    if m := _YEAR.match(s):
        y = int(m[1])
        return DateResult(warning=f"Chỉ có năm {y}, không có ngày", year=y, kind="year")
    if _MONTH_YEAR.match(s):
        return DateResult(warning=f"Thiếu ngày «{raw.strip()}»", kind="error")
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return excel_serial_to_date(float(s), date1904=date1904)
    return DateResult(warning=f"Không đọc được ngày «{raw.strip()}»", kind="error")


def parse_year(value, *, birth_pivot: int = DEFAULT_BIRTH_PIVOT, date1904: bool = False) -> DateResult:
    """A birth year as written: 1996, 1996.0, "1996", "96", "năm 1996", or a full date (its year).

    Returns DateResult with ``year`` set (``value`` set too when a full date was written).
    """
    try:
        if value is None or (isinstance(value, str) and not value.strip()):
            return DateResult()
        if isinstance(value, bool):
            return DateResult(warning=f"Không đọc được năm sinh «{value}»", kind="error")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if float(value).is_integer() and MIN_YEAR <= value <= MAX_YEAR:
                return DateResult(year=int(value), kind="year")
            if float(value).is_integer() and 0 <= value <= 99:
                return DateResult(year=_year(f"{int(value):02d}", birth_pivot), kind="year")
            r = excel_serial_to_date(value, date1904=date1904)
            return r
        if isinstance(value, (dt.date, dt.datetime)):
            return parse_date(value)
        s = _fold(str(value)).rstrip(".")
        if m := re.fullmatch(r"(?:nam\s*(?:sinh)?\s*)?(\d{4})", s):
            y = int(m[1])
            if MIN_YEAR <= y <= MAX_YEAR:
                return DateResult(year=y, kind="year")
            return DateResult(warning=f"Năm sinh bất thường «{value}»", year=y, kind="year")
        if re.fullmatch(r"\d{2}", s):
            return DateResult(year=_year(s, birth_pivot), kind="year")
        r = parse_date(value, date1904=date1904)
        if r.value is not None:
            return r
        return DateResult(warning=f"Không đọc được năm sinh «{value}»", kind="error")
    except Exception as exc:  # noqa: BLE001
        return DateResult(warning=f"Không đọc được năm sinh «{value}» ({exc.__class__.__name__})", kind="error")


def fmt(d: dt.date | None) -> str:
    """dd/mm/yyyy ('' for None)."""
    if d is None:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def fmt_long(d: dt.date | None) -> str:
    """"ngày 05 tháng 02 năm 2025" ('' for None)."""
    if d is None:
        return ""
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year:04d}"
