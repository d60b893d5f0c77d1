"""The flat view of cases (`kiemsat cases --json`): one object per case with the keys of the
samples' .cases.json — the last date of each kind of event — whatever the internal model."""

from __future__ import annotations

from kiemsat.domain.events import FLAT_EVENT_FIELDS, OUTCOME_LABELS, Outcome

from .models import Case, Event


def _event_value(ev: Event, attr: str):
    if attr == "date":
        return ev.date.isoformat() if ev.date else None
    if attr == "received":
        return ev.received.isoformat() if ev.received else None
    if attr == "outcome":
        return OUTCOME_LABELS[Outcome(ev.outcome)] if ev.outcome else ""
    if attr == "number":
        return ev.number or ""
    return getattr(ev, attr)


TEXT_ATTRS = ("number", "outcome")  # text keys are "" when blank, as in the books; dates and numbers are null


def flat_case(case: Case, events: list[Event]) -> dict:
    last: dict[str, Event] = {}
    for ev in sorted(events, key=lambda e: (e.date or e.received, e.pk)):
        last[ev.code] = ev
    out = {
        "name": case.person_name,
        "birth_year": case.birth_year,
        "address": case.residence or "",
        "measure": case.measure,
        "proposer": case.proposer.name if case.proposer else "",
    }
    for key, (code, attr) in FLAT_EVENT_FIELDS.items():
        if case.tracked_events is not None and code not in case.tracked_events and key not in ("so_thu_ly",):
            continue
        ev = last.get(code)
        out[key] = _event_value(ev, attr) if ev else ("" if attr in TEXT_ATTRS else None)
        if key == "accepted":
            out["complex"] = bool(case.complex or "complex_declared" in last)
    out["vks_proposal"] = case.vks_proposal or ""
    out["staff"] = case.assigned_to.full_name if case.assigned_to else ""
    return out


def flat_cases(office: str = "") -> list[dict]:
    qs = Case.objects.select_related("proposer", "assigned_to", "unit").order_by("id")
    if office:
        qs = qs.filter(unit__name=office)
    events: dict[int, list[Event]] = {}
    for ev in Event.objects.filter(case__in=qs).order_by("id"):
        events.setdefault(ev.case_id, []).append(ev)
    return [flat_case(c, events.get(c.pk, [])) for c in qs]
