"""What one row of a book becomes before the database is asked anything.

``prepare_row`` turns a row of the reading into the case data and events it stands for, the
(year, số thụ lý) it would be matched on and — for a new case written in bulk — the checked,
summarised, unsaved case (``cases.services.prepare_case``). Nothing here reads or writes the
database, so for a big book it runs in a second process (``imports.worker``) while the importing
process matches, numbers and writes the rows already prepared. The agencies, staff, unit and
court of a case are the importing process's (they may have to be created): the prepared case has
none, and ``services._import_row`` sets them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone

from kiemsat.cases import services as case_services
from kiemsat.cases.models import Case
from kiemsat.domain import dates as vdates
from kiemsat.domain.events import FLAT_EVENT_FIELDS, outcome_from_label
from kiemsat.domain.facts import facts_from_flat
from kiemsat.domain.workbook import FLAT_KEYS, RowReading, WorkbookReading

from .fields import label

_MAX_RESIDENCE = 300


def jsonable(v):
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):  # a duration cell
        return str(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def shown(v) -> str:
    if v is None or v == "":
        return "(trống)"
    if isinstance(v, bool):
        return "có" if v else "không"
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v):
        return vdates.fmt(dt.date.fromisoformat(v))
    return str(v)


def tracked_events(reading: WorkbookReading) -> list[str]:
    """The event types the book keeps, as the engine reads a flat case of this book."""
    return sorted(facts_from_flat({f: None for f in reading.fields if f in FLAT_KEYS}).tracked)


_year_memo = [0.0, 0]


def _this_year() -> int:
    """timezone.localdate().year, looked up at most once a second (it is asked for every row)."""
    now = time.monotonic()
    if now - _year_memo[0] > 1.0:
        _year_memo[:] = [now, timezone.localdate().year]
    return _year_memo[1]


def case_payload(values: dict, note: str) -> tuple[dict, list[dict], list[str], list[str]]:
    """(case data, events, warnings, values that could not be stored as such and go to the notes).
    The data has no court, proposer or staff (the importing process resolves them by name)."""
    warnings: list[str] = []
    lost: list[str] = []
    data: dict[str, Any] = {
        "person_name": values.get("name") or "",
        "residence": values.get("address") or "",
        "measure": values.get("measure") or "",
        "vks_proposal": values.get("vks_proposal") or "",
        "complex": bool(values.get("complex")),
    }
    by = values.get("birth_year")
    if by is not None:
        if isinstance(by, int) and 1900 <= by <= _this_year():
            data["birth_year"] = by
        else:
            warnings.append(f"Năm sinh «{by}» không hợp lệ, ghi vào ghi chú")
            lost.append(f"Năm sinh: {by}")
    if len(data["residence"]) > _MAX_RESIDENCE:
        lost.append(f"{label('address')}: {data['residence']}")
        warnings.append(f"{label('address')} dài quá {_MAX_RESIDENCE} ký tự, ghi đầy đủ vào ghi chú")
        data["residence"] = data["residence"][:_MAX_RESIDENCE]

    per: dict[str, dict[str, Any]] = {}
    keys: dict[str, list[str]] = {}
    for key, (code, attr) in FLAT_EVENT_FIELDS.items():
        v = values.get(key)
        if v is None or v == "":
            continue
        if attr == "outcome":
            o = outcome_from_label(v)
            if o is None:
                warnings.append(f"{label(key)} «{v}» không thuộc danh mục kết quả, ghi vào ghi chú")
                lost.append(f"{label(key)}: {v}")
                continue
            v = o.value
        elif attr == "term_months" and not (isinstance(v, int) and 1 <= v <= 36):
            warnings.append(f"{label(key)} «{v}» ngoài khoảng 1–36 tháng, ghi vào ghi chú")
            lost.append(f"{label(key)}: {v}")
            continue
        elif attr == "number" and len(str(v)) > 60:
            warnings.append(f"{label(key)} dài quá 60 ký tự, ghi vào ghi chú")
            lost.append(f"{label(key)}: {v}")
            continue
        per.setdefault(code, {})[attr] = v
        keys.setdefault(code, []).append(key)
    events = []
    for code, attrs in per.items():
        if not attrs.get("date") and not attrs.get("received"):
            text = "; ".join(f"{label(k)}: {shown(jsonable(values[k]))}" for k in keys[code])
            warnings.append(f"Có {text} nhưng thiếu ngày nên chưa ghi được bước này; giữ trong ghi chú")
            lost.append(text)
            continue
        events.append({"code": code, **attrs})
    notes = note or ""
    if lost:
        extra = "Giá trị trong sổ Excel chưa ghi vào các trường: " + "; ".join(lost)
        notes = f"{notes}\n{extra}" if notes else extra
    data["notes"] = notes
    return data, events, warnings, lost


class _Probe(NamedTuple):
    """What year_and_number reads of an event (as NewEvent would have it)."""

    code: str
    date: dt.date | None
    number: str


def year_and_number(events: list[dict]) -> tuple[int | None, str]:
    """The (year, số thụ lý) the case would get (the register's own rule, on unsaved objects)."""
    return case_services.year_and_number(
        [_Probe(e["code"], e.get("date"), e.get("number") or "") for e in events
         if e["code"] in ("accepted", "court_received")]
    )


class Encoded(str):
    """A JSON column's value encoded already (by the preparing process)."""

    __slots__ = ()


class PreRow:
    """One row of the book, prepared: where it is (`sheet`, `row`; `why` the reader skipped it,
    then nothing else is set), what the importer reads of it (the person's name, số thụ lý,
    proposer and staff as written, the reader's warnings, the note), its import row's JSON columns
    (`book` — the flat view —, `flags`, `errors`, `extras`), the case data and events, warnings,
    the (year, số thụ lý) it is matched on, and — when asked for — the new case as prepare_case
    makes it (`prepared`, its digest packed) or the messages of the ValidationError it raised
    (`error`). Crosses from the preparing process as plain values (for_transfer)."""

    __slots__ = ("sheet", "row", "why", "skipped", "name", "number", "proposer", "staff", "row_warnings", "note",
                 "book", "flags", "errors", "extras", "data", "events", "warns", "year", "stl", "prepared", "error")

    def __init__(self, sheet: str, row: int, why: str = ""):
        self.sheet, self.row, self.why = sheet, row, why
        self.skipped = bool(why)
        self.name = self.number = self.proposer = self.staff = self.note = self.stl = ""
        self.row_warnings: list[str] = []
        self.book: dict | Encoded = {}
        self.flags: dict | Encoded = {}
        self.errors: dict | Encoded = {}
        self.extras: dict | Encoded = {}
        self.data: dict | None = {}
        self.events: list[dict] | None = []
        self.warns: list[str] = []
        self.year: int | None = None
        self.prepared: tuple | None = None  # cases.services.case_row
        self.error: list[str] | None = None

    def book_dict(self) -> dict:
        """The flat view as a dict (decoded if it came encoded)."""
        return json.loads(self.book) if isinstance(self.book, Encoded) else self.book

    def for_transfer(self) -> tuple:
        """This row as plain values (marshal-able) for the importing process of a bulk import
        (from_transfer): the JSON columns encoded (written as they are), the case data and events
        left out (only the row-by-row path, in one process, reads them; `prepared` has the case)."""
        self.data = self.events = None
        out = [getattr(self, s) for s in self.__slots__]
        for i in _JSON_SLOTS:
            out[i] = json.dumps(out[i]) if out[i] else "{}"
        return tuple(out)

    @classmethod
    def from_transfer(cls, state: tuple) -> PreRow:
        pre = cls.__new__(cls)
        for s, v in zip(cls.__slots__, state):
            setattr(pre, s, v)
        for i in _JSON_SLOTS:
            setattr(pre, cls.__slots__[i], Encoded(state[i]))
        return pre


_JSON_SLOTS = tuple(PreRow.__slots__.index(s) for s in ("book", "flags", "errors", "extras"))


def prepare_row(item: tuple[str, int, RowReading | None, str], *, tracked: list[str], today: dt.date,
                new_case: bool) -> PreRow:
    """A row of BookReader.items(), prepared (no database access). new_case: also make the case a new row
    would become (the bulk path; the row-by-row path leaves that to create_case)."""
    sheet, rownum, rr, why = item
    pre = PreRow(sheet, rownum, why)
    if rr is None:
        pre.skipped = True
        return pre
    values = rr.values
    pre.name, pre.number = values.get("name") or "", values.get("so_thu_ly") or ""
    pre.proposer, pre.staff = values.get("proposer") or "", values.get("staff") or ""
    pre.row_warnings, pre.note = rr.warnings, rr.note
    pre.book, pre.flags, pre.errors, pre.extras = rr.flat(), jsonable(rr.flags), rr.errors, jsonable(rr.extras)
    pre.data, pre.events, pre.warns, _lost = case_payload(values, rr.note)
    pre.year, pre.stl = year_and_number(pre.events)
    if new_case:
        try:
            p = case_services.prepare_case(actor=None, unit=None, data=pre.data, events=pre.events,
                                           source=Case.Source.IMPORT, tracked_events=tracked, today=today)
        except ValidationError as exc:
            pre.error = list(exc.messages)
        else:
            pre.prepared = case_services.case_row(p)
    return pre
