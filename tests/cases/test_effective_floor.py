"""Case.effective_floor (cases.services.summarize, migration cases.0007): the earliest decision or
recorded effective date of a case, the order legal.selectors.execution_watch reads cases in. Kept by
every write path and filled by the migration exactly as summarize would."""

import datetime as dt
import importlib

from django.db import connection

from kiemsat.cases import services as cs
from kiemsat.cases.demo import make_demo_data
from kiemsat.cases.models import Case, Event

D = dt.date
MIGRATION = importlib.import_module("kiemsat.cases.migrations.0007_case_effective_floor")


def _expected(case_id: int):
    """A decision's own date; a recorded effective date's date, else its receipt date (engine._w)."""
    dates = []
    for code, date, received in Event.objects.filter(case_id=case_id, code__in=["decision", "effective"]) \
            .values_list("code", "date", "received"):
        d = date or received if code == "effective" else date
        if d:
            dates.append(d)
    return min(dates) if dates else None


def _stored(case_id: int):
    return Case.objects.filter(pk=case_id).values_list("effective_floor", flat=True).get()


def test_every_write_path_keeps_it(make_case, unit, court, agency):
    case = make_case("Trần Văn Bình", events=[
        {"code": "accepted", "date": D(2024, 2, 7), "number": "1/TL"},
        {"code": "decision", "date": D(2024, 3, 1), "outcome": "apply", "term_months": 12},
    ])
    assert _stored(case.pk) == D(2024, 3, 1) == _expected(case.pk)
    ev, _ = cs.record_event(actor=None, case=case, code="effective", date=D(2024, 2, 20), strict=False)
    assert _stored(case.pk) == D(2024, 2, 20) == _expected(case.pk)  # typed before the decision
    cs.update_event(actor=None, event=ev, date=D(2024, 3, 12), strict=False)
    assert _stored(case.pk) == D(2024, 3, 1) == _expected(case.pk)
    cs.record_event(actor=None, case=case, code="decision", date=D(2024, 1, 15), strict=False, outcome="apply",
                    term_months=12)
    assert _stored(case.pk) == D(2024, 1, 15) == _expected(case.pk)
    # an effective date known only by when the Procuracy received it counts (the engine uses it)
    only_received, _ = cs.record_event(actor=None, case=case, code="effective", date=None,
                                       received=D(2023, 12, 20), strict=False)
    assert _stored(case.pk) == D(2023, 12, 20) == _expected(case.pk)
    cs.record_event(actor=None, case=case, code="decision", date=None, received=D(2023, 11, 1), strict=False,
                    outcome="apply", term_months=12)  # a decision counts from its own date only
    assert _stored(case.pk) == D(2023, 12, 20) == _expected(case.pk)
    for e in list(case.events.filter(code__in=["decision", "effective"])):
        cs.delete_event(actor=None, event=e)
    assert _stored(case.pk) is None
    p = cs.prepare_case(actor=None, unit=unit, data={"person_name": "Phạm Văn An", "measure": "CSCNBB",
                                                      "court": court, "proposer": agency}, events=[
        {"code": "accepted", "date": D(2025, 1, 6), "number": "9/TL"},
        {"code": "decision", "date": D(2025, 2, 3), "outcome": "apply", "term_months": 12},
        {"code": "effective", "date": D(2025, 1, 30)},
    ])
    [made] = cs.bulk_create_cases([p], audit=False)
    assert _stored(made.pk) == D(2025, 1, 30) == _expected(made.pk)


def test_the_migration_backfill_equals_summarize(db):
    make_demo_data(250, seed=31, today=D(2026, 11, 26))
    stored = dict(Case.objects.values_list("pk", "effective_floor"))
    assert all(got == _expected(pk) for pk, got in stored.items())  # the demo's own bulk insert
    assert sum(1 for v in stored.values() if v) > 100
    # receipt-only events: an effective date counts by its receipt date, a decision does not
    some = list(Case.objects.filter(effective_floor__isnull=False).order_by("pk")[:6])
    Event.objects.filter(case__in=some[:3], code="effective").update(date=None)
    Event.objects.filter(case__in=some[3:], code="decision").update(date=None)
    for c in some:
        cs.refresh_summary(c)
    stored = dict(Case.objects.values_list("pk", "effective_floor"))
    assert all(got == _expected(pk) for pk, got in stored.items())
    Case.objects.update(effective_floor=None)

    class Editor:
        pass

    ed = Editor()
    ed.connection = connection
    MIGRATION.backfill(None, ed)
    assert dict(Case.objects.values_list("pk", "effective_floor")) == stored
