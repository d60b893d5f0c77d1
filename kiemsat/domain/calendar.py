"""The public-sector working-day calendar and the counting methods (CALENDAR.md, RULES.md "Units").

Pure Python. The calendar is built from dated entries (a day off, or a make-up working day), each
with its source and status, and a per-year table saying which years were announced and confirmed.
A year that is not in the table is computed provisionally from the law (Bộ luật Lao động 2019
Điều 111(3), 112(1)): its days are "provisional" and every computation that crosses one is flagged
("lịch dự kiến").

Speed: per-day working flags are a bytearray and the working days a sorted list of ordinals, so
`add_wd`, `wd_between`, `next_working_day` are a bisect each.
"""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import lunar

OFF = "off"  # a day off (holiday, compensatory, swapped day off)
WORK = "work"  # a working day on a weekend (làm bù)

WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_CALENDAR_FILE = DATA_DIR / "calendar-vn.json"


def fmt(d: dt.date | None) -> str:
    """dd/mm/yyyy (empty for None)."""
    return "" if d is None else f"{d.day:02d}/{d.month:02d}/{d.year}"


def _iso(v) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One dated day of the table: a day off, or a make-up working day."""

    date: dt.date
    kind: str  # OFF | WORK
    name: str = ""  # "Tết Nguyên đán", "Nghỉ bù Quốc khánh", "Làm bù cho thứ Hai 29/04/2024"
    short: str = ""  # short name for explanations: "Tết", "30/4–1/5"
    source: str = ""
    status: str = "S"  # V | S | U


@dataclass(frozen=True, slots=True)
class CalendarYear:
    """A year of the table. A listed year's entries are authoritative; `confirmed` False (or a
    year missing from the table) makes its days provisional."""

    year: int
    confirmed: bool = True
    source: str = ""
    status: str = "S"
    note: str = ""


@dataclass(frozen=True, slots=True)
class LawHoliday:
    """A holiday of BLLĐ Điều 112(1), used to compute years missing from the table."""

    name: str
    short: str = ""
    solar: tuple[int, int] | None = None  # (month, day)
    lunar: tuple[int, int] | None = None  # (month, day), Vietnamese lunar calendar
    offsets: tuple[int, ...] = (0,)  # days around the anchor that are off
    adjacent_default: int | None = None  # Quốc khánh: the adjacent day (-1 = day before)
    adjacent_by_weekday: dict[int, int] = field(default_factory=dict)  # weekday of anchor -> offset
    from_year: int | None = None
    to_year: int | None = None


@dataclass(frozen=True, slots=True)
class CalendarLaw:
    holidays: tuple[LawHoliday, ...] = ()
    compensatory: bool = True  # Điều 111(3): a holiday on a weekly rest day -> next working day off
    compensatory_name: str = "Nghỉ bù"
    source: str = ""
    status: str = "V"


class WorkCalendar:
    """Working days of Vietnam's public sector (công chức): Monday–Friday, minus days off, plus
    make-up Saturdays."""

    def __init__(
        self,
        entries: Iterable[CalendarEntry] = (),
        years: Iterable[CalendarYear] = (),
        law: CalendarLaw | None = None,
        *,
        version: str = "",
        weekend: Iterable[int] = (5, 6),
        span: tuple[int, int] = (2000, 2050),
    ):
        self.version = version
        self.law = law or CalendarLaw()
        self.weekend = frozenset(weekend)
        self.years: dict[int, CalendarYear] = {y.year: y for y in years}
        self._confirmed = frozenset(y for y, info in self.years.items() if info.confirmed)
        self._entries: dict[int, CalendarEntry] = {}
        for e in entries:
            self._entries[e.date.toordinal()] = e
        lo, hi = span
        if self.years:
            lo = min(lo, min(self.years))
            hi = max(hi, max(self.years))
        self._build(lo, hi)

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_json(cls, data: dict | str | Path | None = None) -> WorkCalendar:
        """From the parsed calendar JSON (or a path to it; default: the shipped table)."""
        if data is None:
            data = DEFAULT_CALENDAR_FILE
        if isinstance(data, (str, Path)):
            data = json.loads(Path(data).read_text(encoding="utf-8"))
        return cls(
            entries=parse_entries(data.get("entries", ())),
            years=parse_years(data.get("years", ())),
            law=parse_law(data.get("law")),
            version=str(data.get("version", "")),
            weekend=data.get("weekend", (5, 6)),
        )

    @classmethod
    def default(cls) -> WorkCalendar:
        global _DEFAULT
        if _DEFAULT is None:
            _DEFAULT = cls.from_json()
        return _DEFAULT

    def _law_days(self, year: int) -> dict[int, tuple[str, str]]:
        """Days off of a year computed from the law: ordinal -> (name, short)."""
        hol: dict[int, tuple[str, str]] = {}
        for h in self.law.holidays:
            if (h.from_year and year < h.from_year) or (h.to_year and year > h.to_year):
                continue
            if h.solar:
                anchor = dt.date(year, *h.solar)
            elif h.lunar:
                anchor = lunar.lunar_to_solar(year, h.lunar[0], h.lunar[1])
                if anchor is None:
                    continue
            else:
                continue
            offs = list(h.offsets)
            if h.adjacent_default is not None:
                offs.append(h.adjacent_by_weekday.get(anchor.weekday(), h.adjacent_default))
            for o in offs:
                hol[anchor.toordinal() + o] = (h.name, h.short or h.name)
        if self.law.compensatory:
            comp: dict[int, tuple[str, str]] = {}
            for o in sorted(hol):
                if dt.date.fromordinal(o).weekday() not in self.weekend:
                    continue
                name, short = hol[o]
                c = o + 1
                while dt.date.fromordinal(c).weekday() in self.weekend or c in hol or c in comp:
                    c += 1
                comp[c] = (f"{self.law.compensatory_name} {name}", short)
            hol.update(comp)
        return hol

    def _build(self, lo: int, hi: int) -> None:
        base = dt.date(lo, 1, 1).toordinal()
        end = dt.date(hi + 1, 1, 1).toordinal()
        working = bytearray(end - base)
        names: dict[int, tuple[str, str]] = {}
        wk = self.weekend
        for o in range(base, end):
            working[o - base] = 0 if dt.date.fromordinal(o).weekday() in wk else 1
        for y in range(lo, hi + 1):
            if y in self.years:
                continue
            for o, nm in self._law_days(y).items():
                if base <= o < end:
                    working[o - base] = 0
                    names[o] = nm
        for o, e in self._entries.items():
            if base <= o < end:
                working[o - base] = 0 if e.kind == OFF else 1
                names[o] = (e.name, e.short or e.name)
        self._lo, self._hi = lo, hi
        self._base, self._end = base, end
        self._working = working
        self._names = names
        self._wd = [base + i for i, w in enumerate(working) if w]

    def _ensure(self, o: int) -> None:
        """Extend the precomputed span so that ordinal o (plus a margin) is inside it."""
        if self._base <= o < self._end:
            return
        y = dt.date.fromordinal(min(max(o, 1), dt.date.max.toordinal())).year
        lo, hi = min(self._lo, max(1, y - 20)), max(self._hi, min(9998, y + 20))
        if (lo, hi) == (self._lo, self._hi):
            raise ValueError("date out of the calendar's range")
        self._build(lo, hi)

    def _grow(self, forward: bool, n: int) -> None:
        extra = 20 + abs(n) // 200
        lo, hi = (self._lo, min(9998, self._hi + extra)) if forward else (max(1, self._lo - extra), self._hi)
        if (lo, hi) == (self._lo, self._hi):
            raise ValueError("date out of the calendar's range")
        self._build(lo, hi)

    # ---------------------------------------------------------------- queries
    def is_working_day(self, d: dt.date) -> bool:
        o = d.toordinal()
        if not (self._base <= o < self._end):
            self._ensure(o)
        return self._working[o - self._base] == 1

    def next_working_day(self, d: dt.date) -> dt.date:
        """d itself if it is a working day, else the next working day."""
        o = d.toordinal()
        while True:
            if not (self._base <= o < self._end):
                self._ensure(o)
            wd = self._wd
            i = bisect_left(wd, o)
            if i < len(wd):
                return dt.date.fromordinal(wd[i])
            self._grow(True, 1)

    def add_wd(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day after d (d not counted). n = 0 gives d; n < 0 counts back."""
        if n == 0:
            return d
        o = d.toordinal()
        while True:
            if not (self._base <= o < self._end):
                self._ensure(o)
            wd = self._wd
            if n > 0:
                j = bisect_right(wd, o) + n - 1
                if j < len(wd):
                    return dt.date.fromordinal(wd[j])
            else:
                j = bisect_left(wd, o) + n
                if j >= 0:
                    return dt.date.fromordinal(wd[j])
            self._grow(n > 0, n)

    def add_days_moved(self, d: dt.date, n: int) -> dt.date:
        """d + n calendar days; if that is not a working day, the next working day (BLDS Điều 148(5))."""
        return self.next_working_day(d + dt.timedelta(days=n))

    @staticmethod
    def add_months(d: dt.date, n: int) -> dt.date:
        """Same day-of-month n months later; clamped to the month's last day; never moved."""
        m = d.month - 1 + n
        y, m = d.year + m // 12, m % 12 + 1
        if m == 12:
            last = 31
        else:
            last = (dt.date(y, m + 1, 1) - dt.timedelta(days=1)).day
        return dt.date(y, m, min(d.day, last))

    def wd_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative when b < a."""
        if b < a:
            return -self.wd_between(b, a)
        oa, ob = a.toordinal(), b.toordinal()
        if oa < self._base or ob >= self._end:
            self._ensure(oa)
            self._ensure(ob)
        wd = self._wd
        return bisect_right(wd, ob) - bisect_right(wd, oa)

    def is_provisional(self, d: dt.date) -> bool:
        """True when d's year is not a confirmed year of the table."""
        return d.year not in self._confirmed

    def crosses_provisional(self, a: dt.date, b: dt.date) -> bool:
        """True when any day between a and b (inclusive) is provisional."""
        if b < a:
            a, b = b, a
        conf = self._confirmed
        for y in range(a.year, b.year + 1):
            if y not in conf:
                return True
        return False

    def day_name(self, d: dt.date) -> str | None:
        """Why d is off ("Tết Nguyên đán", "Nghỉ bù Quốc khánh", "Chủ nhật"), or what a worked
        weekend day is ("Làm bù …"); None for an ordinary working day."""
        o = d.toordinal()
        if not (self._base <= o < self._end):
            self._ensure(o)
        nm = self._names.get(o)
        if nm:
            return nm[0]
        if self._working[o - self._base]:
            return None
        return WEEKDAY_NAMES[d.weekday()]

    def entry(self, d: dt.date) -> CalendarEntry | None:
        return self._entries.get(d.toordinal())

    def off_runs(self, a: dt.date, b: dt.date) -> list[tuple[dt.date, dt.date, str]]:
        """Named runs of consecutive days off meeting (a, b]: (first, last, short name). Plain
        weekends are not listed."""
        if b <= a:
            return []
        self._ensure(a.toordinal() - 15)
        self._ensure(b.toordinal() + 15)
        base, working, names = self._base, self._working, self._names
        out: list[tuple[dt.date, dt.date, str]] = []
        o, ob = a.toordinal() + 1, b.toordinal()
        while o <= ob:
            if working[o - base]:
                o += 1
                continue
            s = o
            while s - 1 >= base and not working[s - 1 - base] and (s - 1) > a.toordinal() - 15:
                s -= 1
            e = o
            while not working[e + 1 - base]:
                e += 1
            nm = next((names[x][1] for x in range(s, e + 1) if x in names and names[x][1]), "")
            if nm:
                out.append((dt.date.fromordinal(s), dt.date.fromordinal(e), nm))
            o = e + 1
        return out

    def describe_runs(self, a: dt.date, b: dt.date) -> str:
        """ "nghỉ Tết 08–14/02" for the named runs of days off in (a, b]; "" if none."""
        parts = []
        for s, e, nm in self.off_runs(a, b):
            if s == e:
                span = f"{s.day:02d}/{s.month:02d}"
            elif s.month == e.month:
                span = f"{s.day:02d}–{e.day:02d}/{e.month:02d}"
            else:
                span = f"{s.day:02d}/{s.month:02d}–{e.day:02d}/{e.month:02d}"
            parts.append(f"nghỉ {nm} {span}")
        return "; ".join(parts)

    def year_info(self, year: int) -> CalendarYear | None:
        return self.years.get(year)


_DEFAULT: WorkCalendar | None = None


# -------------------------------------------------------------------- parsing the JSON
def parse_entries(rows: Iterable[dict]) -> list[CalendarEntry]:
    """Rows with "date" or "from"/"to" (a range, weekends included), "kind", "name", "short",
    "source", "status". Rows may also be CalendarEntry objects."""
    out: list[CalendarEntry] = []
    for r in rows:
        if isinstance(r, CalendarEntry):
            out.append(r)
            continue
        kind = r.get("kind", OFF)
        if kind not in (OFF, WORK):
            raise ValueError(f"calendar entry kind must be 'off' or 'work': {r!r}")
        if "date" in r:
            first = last = _iso(r["date"])
        else:
            first, last = _iso(r["from"]), _iso(r.get("to") or r["from"])
        d = first
        while d <= last:
            out.append(
                CalendarEntry(
                    date=d,
                    kind=kind,
                    name=r.get("name", ""),
                    short=r.get("short", ""),
                    source=r.get("source", ""),
                    status=r.get("status", "S"),
                )
            )
            d += dt.timedelta(days=1)
    return out


def parse_years(rows: Iterable[dict]) -> list[CalendarYear]:
    out = []
    for r in rows:
        if isinstance(r, CalendarYear):
            out.append(r)
            continue
        out.append(
            CalendarYear(
                year=int(r["year"]),
                confirmed=bool(r.get("confirmed", True)),
                source=r.get("source", ""),
                status=r.get("status", "S"),
                note=r.get("note", ""),
            )
        )
    return out


def _md(v: str | None) -> tuple[int, int] | None:
    if not v:
        return None
    m, d = str(v).split("-")
    return int(m), int(d)


def parse_law(obj: dict | CalendarLaw | None) -> CalendarLaw:
    if obj is None:
        return CalendarLaw()
    if isinstance(obj, CalendarLaw):
        return obj
    hols = []
    for h in obj.get("holidays", ()):
        adj = h.get("adjacent") or {}
        hols.append(
            LawHoliday(
                name=h["name"],
                short=h.get("short", ""),
                solar=_md(h.get("solar")),
                lunar=_md(h.get("lunar")),
                offsets=tuple(h.get("offsets", (0,))),
                adjacent_default=adj.get("default"),
                adjacent_by_weekday={int(k): int(v) for k, v in (adj.get("by_weekday") or {}).items()},
                from_year=h.get("from_year"),
                to_year=h.get("to_year"),
            )
        )
    comp = obj.get("compensatory") or {}
    return CalendarLaw(
        holidays=tuple(hols),
        compensatory=bool(comp.get("enabled", True)) if comp else True,
        compensatory_name=comp.get("name", "Nghỉ bù"),
        source=obj.get("source", ""),
        status=obj.get("status", "V"),
    )
