"""What the engine needs to know about one case: plain data, built from the database (or from
a flat sample object) by the caller. Pure Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .events import EVENT_CODES, FLAT_EVENT_FIELDS, Outcome, outcome_from_label


@dataclass(frozen=True)
class EventFact:
    code: str  # one of events.EVENT_CODES
    date: dt.date | None  # the date on the document (ngày văn bản) / the date the act happened
    received: dt.date | None = None  # the date the Procuracy received the document
    end: dt.date | None = None  # evasion to / postponement until
    number: str = ""
    outcome: Outcome | None = None
    term_months: int | None = None
    prosecutor_present: bool | None = None


@dataclass
class CaseFacts:
    key: str  # stable id of the case (pk as text, or số thụ lý for samples)
    so_thu_ly: str
    person: str
    measure: str  # events.Measure value
    complex: bool = False  # a "phức tạp" mark on the case (a complex_declared event counts too)
    events: list[EventFact] = field(default_factory=list)
    # The acts this case's records track (RULES.md "overdue"): None = every event type the app
    # offers (a case kept in the app); a set = the columns the imported workbook had.
    tracked: frozenset[str] | None = None
    court: str = ""
    office: str = ""
    staff: str = ""
    # proposer.dossier_complete: checklist item code -> True (present) / False (explicitly absent)
    checklist: dict[str, bool] | None = None

    def all(self, code: str) -> list[EventFact]:
        return [e for e in self.events if e.code == code]

    def first(self, code: str) -> EventFact | None:
        found = [e for e in self.events if e.code == code and (e.date or e.received)]
        if not found:
            return None
        return min(found, key=lambda e: e.date or e.received)

    def last(self, code: str) -> EventFact | None:
        found = [e for e in self.events if e.code == code and (e.date or e.received)]
        if not found:
            return None
        return max(found, key=lambda e: e.date or e.received)

    def tracks(self, code: str) -> bool:
        return self.tracked is None or code in self.tracked


def _d(v) -> dt.date | None:
    if v in (None, ""):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v).strip()[:10])
    except ValueError:
        return None


def _int(v) -> int | None:
    if v in (None, ""):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def facts_from_flat(obj: dict, key: str | None = None, tracked: frozenset[str] | None = None) -> CaseFacts:
    """Build CaseFacts from one object of a sample's .cases.json (or `kiemsat cases --json`).

    `tracked` defaults to the event types whose flat keys are present in the object.
    """
    per_event: dict[str, dict] = {}
    for flat_key, (code, attr) in FLAT_EVENT_FIELDS.items():
        if flat_key not in obj:
            continue
        per_event.setdefault(code, {})
        val = obj[flat_key]
        if attr in ("date", "received"):
            val = _d(val)
        elif attr == "outcome":
            val = outcome_from_label(val)
        elif attr == "number":
            val = "" if val is None else str(val)
        elif attr == "term_months":
            val = _int(val)
        elif attr == "prosecutor_present":
            val = None if val is None or val == "" else bool(val)
        per_event[code][attr] = val
    events = []
    for code, attrs in per_event.items():
        if attrs.get("date") is None and attrs.get("received") is None:
            continue
        events.append(EventFact(code=code, **attrs))
    if tracked is None:
        codes = {code for k, (code, _a) in FLAT_EVENT_FIELDS.items() if k in obj}
        # A book's column for the date the Procuracy received the decision is how it tracks the
        # Court's sending of the decision (court.send_decision is proved by that receipt).
        if "decision_vks_received" in obj:
            codes.add("decision_sent")
        tracked = frozenset(codes)
    assert all(c in EVENT_CODES for c in tracked)
    return CaseFacts(
        key=key or obj.get("so_thu_ly") or obj.get("name") or "",
        so_thu_ly=obj.get("so_thu_ly") or "",
        person=obj.get("name") or "",
        measure=obj.get("measure") or "",
        complex=bool(obj.get("complex")),
        events=events,
        tracked=tracked,
        court=obj.get("court") or "",
        office=obj.get("office") or "",
        staff=obj.get("staff") or "",
    )
