"""Plausibility checks on a case's dates: the same checks serve the forms (as errors) and the
importer (as row warnings that never drop data). Pure Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .events import EVENT_TYPE_BY_CODE

# (earlier, later): the later act cannot be dated before the earlier one.
ORDER: tuple[tuple[str, str], ...] = (
    ("detected", "dossier_prepared"),
    ("dossier_prepared", "dossier_notice"),
    ("dossier_notice", "dossier_forwarded"),
    ("dossier_prepared", "ldtb_received"),
    ("ldtb_received", "transferred_to_court"),
    ("transferred_to_court", "court_received"),
    ("court_received", "court_returned"),
    ("court_received", "accepted"),
    ("accepted", "acceptance_notice"),
    ("accepted", "complex_declared"),
    ("accepted", "session_order"),
    ("session_order", "session_held"),
    ("accepted", "session_held"),
    ("accepted", "decision"),
    ("session_held", "decision"),
    ("decision", "decision_sent"),
    ("decision", "complaint"),
    ("decision", "proposer_recommendation"),
    ("decision", "protest"),
    ("decision", "effective"),
    ("decision", "sent_for_execution"),
    ("effective", "police_received"),
    ("decision", "police_received"),
    ("police_received", "delivered"),
    ("decision", "delivered"),
)


@dataclass(frozen=True)
class DateProblem:
    code: str  # the event the problem is about
    message: str  # Vietnamese, for the user


def _fmt(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def check_dates(events: list[tuple[str, dt.date | None, dt.date | None]], today: dt.date) -> list[DateProblem]:
    """events: (code, date, end) triples. Returns the problems found, in a stable order.

    - an act that has happened cannot be dated after today (scheduled events may be);
    - an end date cannot precede its start;
    - the procedure's order (ORDER) holds between the earliest dates of each kind.
    """
    problems: list[DateProblem] = []
    first: dict[str, dt.date] = {}
    for code, date, end in events:
        et = EVENT_TYPE_BY_CODE.get(code)
        if et is None or date is None:
            continue
        if date > today and not et.scheduled:
            problems.append(
                DateProblem(code, f"{et.label}: ngày {_fmt(date)} ở sau ngày hôm nay ({_fmt(today)}).")
            )
        if end is not None and end < date:
            problems.append(DateProblem(code, f"{et.label}: ngày kết thúc {_fmt(end)} ở trước ngày bắt đầu {_fmt(date)}."))
        if code not in first or date < first[code]:
            first[code] = date
    for earlier, later in ORDER:
        a, b = first.get(earlier), first.get(later)
        if a and b and b < a:
            la, lb = EVENT_TYPE_BY_CODE[earlier].label, EVENT_TYPE_BY_CODE[later].label
            problems.append(
                DateProblem(later, f"{lb} ({_fmt(b)}) không thể trước {la.lower()} ({_fmt(a)}).")
            )
    return problems
