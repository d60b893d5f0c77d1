"""Reads of the register: what a user may see, filtered, searched and sorted in the database."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kiemsat.domain.vntext import fold
from kiemsat.org.permissions import visible_unit_ids

from .models import Case

SORTS = {
    "name": ("name_sort", "id"),
    "-name": ("-name_sort", "-id"),
    "thu_ly": ("thu_ly_date", "id"),
    "-thu_ly": ("-thu_ly_date", "-id"),
    "so": ("year", "so_thu_ly", "id"),
    "-so": ("-year", "-so_thu_ly", "-id"),
    "decision": ("decision_date", "id"),
    "-decision": ("-decision_date", "-id"),
}
DEFAULT_SORT = "-thu_ly"


@dataclass
class RegisterFilters:
    q: str = ""
    year: int | None = None
    measure: str = ""
    stage: str = ""
    staff: int | None = None
    court: int | None = None
    outcome: str = ""
    unit: int | None = None
    sort: str = DEFAULT_SORT


def visible_cases(user) -> QuerySet[Case]:
    ids = visible_unit_ids(user)
    qs = Case.objects.all()
    return qs if ids is None else qs.filter(unit_id__in=ids)


def register(user, f: RegisterFilters) -> QuerySet[Case]:
    qs = visible_cases(user).select_related("court", "assigned_to", "unit")
    if f.q:
        for word in fold(f.q).split():
            qs = qs.filter(search_folded__contains=word)
    if f.year:
        qs = qs.filter(year=f.year)
    if f.measure:
        qs = qs.filter(measure=f.measure)
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.staff:
        qs = qs.filter(assigned_to_id=f.staff)
    if f.court:
        qs = qs.filter(court_id=f.court)
    if f.outcome:
        qs = qs.filter(outcome="" if f.outcome == "none" else f.outcome)
    if f.unit:
        qs = qs.filter(unit_id=f.unit)
    return qs.order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def years(user) -> list[int]:
    return sorted(
        (y for y in visible_cases(user).values_list("year", flat=True).distinct() if y), reverse=True
    )


def case_timeline(case: Case):
    """The case's events in procedural order (then by date)."""
    import datetime as _dt

    from kiemsat.domain.events import EVENT_TYPE_BY_CODE

    return sorted(case.events.all(), key=lambda e: (e.date or e.received or e.end or _dt.date.max, EVENT_TYPE_BY_CODE[e.code].order, e.pk))
