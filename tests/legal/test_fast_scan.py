"""services.scan — the columnar scan over the stored digests (legal.fast) — gives exactly the
engine's findings through the database: every field of every finding, in the same order, on the
samples, on demo data at several dates, after every kind of change to a case, and for cases whose
digest is missing or stale (the engine decides those)."""

import datetime as dt
import importlib
import json

import numpy as np
import pytest

from kiemsat.cases import services as case_services
from kiemsat.cases.demo import make_demo_data
from kiemsat.cases.models import Case, CaseDigest
from kiemsat.domain import engine, vector
from kiemsat.legal import fast, services
from tests.legal.test_findings import SAMPLES, store_flat_cases

D = dt.date
ALERTS = (engine.VIOLATION, engine.OVERDUE, engine.DUE_SOON)
BOOKS = ["so-theo-doi-xlhc-2024", "so-theo-doi-xlhc-2022-2025"]


def full(cid, f) -> tuple:
    return (cid, f.rule, f.status, f.due, f.actual, f.late, f.unit, f.responsible, f.citation, f.verified,
            tuple(f.flags), f.reason, f.label, f.params, f.start, f.alt_due, f.explanation)


def reference(qs, as_of, statuses=ALERTS):
    """The engine on every case (what services.scan did before the columnar scan)."""
    _, rs = services.active_ruleset()
    _, cal = services.active_calendar()
    facts = services.facts_for(qs=qs)
    return [(int(c.key), c, f) for c, f in engine.scan(facts, rs, cal, as_of, services.due_soon_wd(), statuses)]


def assert_same(qs, as_of, statuses=ALERTS, ordered=True):
    want = reference(qs, as_of, statuses)
    res = services.scan(qs, as_of, statuses)
    assert isinstance(res, fast.FindingsScan)
    got = list(res)
    a = [full(cid, f) for cid, _c, f in want]
    b = [full(s.case_id, s.finding) for s in got]
    if ordered:
        assert b == a
    else:
        assert sorted(b, key=repr) == sorted(a, key=repr)
    facts = {cid: c for cid, c, _f in want}
    for s in got:  # the case as the callers see it
        c = facts[s.case_id]
        assert (s.facts.key, s.facts.so_thu_ly, s.facts.person, s.facts.court, s.facts.office, s.facts.staff,
                s.facts.measure, s.facts.complex, s.facts.tracked) == \
               (c.key, c.so_thu_ly, c.person, c.court, c.office, c.staff, c.measure, c.complex, c.tracked)
    return res


def _load(book):
    f = SAMPLES / f"{book}.cases.json"
    if not f.exists():
        pytest.fail(f"sample {book} not available")
    return json.loads(f.read_text(encoding="utf-8")), json.loads((SAMPLES / f"{book}.expected.json").read_text("utf-8"))


# ------------------------------------------------------------------ samples and demo data
@pytest.mark.parametrize("book", BOOKS)
def test_samples_through_the_database(book, unit, court):
    objs, expected = _load(book)
    store_flat_cases(objs, unit, court)
    for as_of in (D.fromisoformat(expected["as_of"]), D(2023, 2, 1), D(2024, 2, 16), D(2025, 3, 3), D(2026, 11, 26)):
        res = assert_same(Case.objects.order_by("pk"), as_of)
        assert res.timings["engine_cases"] == 0  # every case went through the columns
        assert_same(Case.objects.all(), as_of, ordered=False)
    as_of = D.fromisoformat(expected["as_of"])
    for statuses in [(engine.VIOLATION,), (engine.OVERDUE,), (engine.DUE_SOON,), (engine.VIOLATION, engine.OVERDUE)]:
        assert_same(Case.objects.order_by("-pk"), as_of, statuses)


@pytest.fixture
def demo(db):
    make_demo_data(3000, seed=11, today=D(2026, 11, 26))
    return Case.objects.order_by("pk")


def test_demo_data_at_several_dates(demo):
    for as_of in (D(2021, 6, 30), D(2023, 1, 31), D(2023, 2, 1), D(2024, 2, 16), D(2025, 2, 28), D(2025, 3, 3),
                  D(2026, 1, 12), D(2026, 11, 26), D(2027, 2, 10)):
        res = assert_same(demo, as_of)
        assert res.timings["cases"] == 3000
        # every demo case on the columns, the dossiers the Court returned (court.accept) included
        from kiemsat.cases.models import Event

        assert Event.objects.filter(case__in=demo, code="court_returned").exists()
        assert res.timings["engine_cases"] == 0


def test_demo_data_filtered_and_ordered_querysets(demo):
    from kiemsat.cases.models import Case as C

    unit_id = C.objects.values_list("unit_id", flat=True).first()
    assert_same(C.objects.filter(unit_id=unit_id).order_by("pk"), D(2026, 11, 26))
    assert_same(C.objects.filter(measure="TGD").order_by("-id"), D(2025, 6, 30), (engine.OVERDUE,))
    assert_same(C.objects.order_by("person_name", "pk"), D(2026, 11, 26))  # any other ordering: row by row
    assert_same(C.objects.filter(stage="execution"), D(2026, 11, 26), ordered=False)
    assert len(services.scan(C.objects.none(), D(2026, 11, 26))) == 0


def test_the_scan_is_a_lazy_sequence(demo):
    res = services.scan(demo, D(2026, 11, 26))
    n = len(res)
    assert n > 100 and bool(res)
    first, last = res[0], res[-1]
    assert [x.finding.rule for x in res[:3]] == [x.finding.rule for x in list(res)[:3]]
    assert full(first.case_id, first.finding) == full(res[0].case_id, res[0].finding)
    assert full(last.case_id, last.finding) == full(*(lambda s: (s.case_id, s.finding))(list(res)[-1]))
    with pytest.raises(IndexError):
        res[n]
    assert sum(res.status_counts().values()) == n
    # the case's events are read from the database when asked for
    [c] = services.facts_for(qs=Case.objects.filter(pk=first.case_id))
    assert first.facts.events == c.events


def test_other_statuses_still_go_through_the_engine(demo):
    res = services.scan(demo, D(2026, 11, 26), None)
    assert isinstance(res, list)
    assert {s.finding.status for s in res} >= {engine.OK, engine.NOT_EVALUABLE, engine.VIOLATION}


# ------------------------------------------------------------------ the digest follows the events
def _stored_digest_is_current(case):
    stored = bytes(CaseDigest.objects.get(pk=case.pk).packed)
    case = Case.objects.get(pk=case.pk)
    assert stored == case_services.digest(case.measure, case.complex, case.tracked_events, list(case.events.all()))


def test_the_digest_follows_every_change(make_case, users):
    case = make_case("Phạm Văn Hải", events=[
        {"code": "court_received", "date": D(2024, 2, 6)},
        {"code": "accepted", "date": D(2024, 2, 7), "number": "09/2024/TLHS-XLHC"},
    ])
    qs = Case.objects.order_by("pk")
    as_of = D(2024, 3, 20)
    _stored_digest_is_current(case)
    assert_same(qs, as_of)
    ev, _ = case_services.record_event(actor=None, case=case, code="acceptance_notice", date=D(2024, 2, 19),
                                       received=D(2024, 2, 20))
    _stored_digest_is_current(case)
    assert_same(qs, as_of)
    case_services.update_event(actor=None, event=ev, date=None)  # only the receipt date left
    _stored_digest_is_current(case)
    assert_same(qs, as_of)
    case_services.record_event(actor=None, case=case, code="decision", date=D(2024, 3, 1), outcome="apply",
                               term_months=30, strict=False)
    case_services.update_case(actor=None, case=case, data={"measure": "TGD", "complex": True})
    _stored_digest_is_current(case)
    res = assert_same(qs, as_of)
    assert "court.term_in_range" in {s.finding.rule for s in res}
    case_services.delete_event(actor=None, event=ev)
    _stored_digest_is_current(case)
    assert_same(qs, as_of)


def test_cases_the_columns_leave_to_the_engine(make_case):
    """Two sessions, a complaint, a postponed session, an evasion ended then delivery: exact."""
    make_case("A", events=[{"code": "accepted", "date": D(2024, 2, 7), "number": "1/TL"},
                           {"code": "session_order", "date": D(2024, 3, 1)},
                           {"code": "session_held", "date": D(2024, 3, 5), "prosecutor_present": False},
                           {"code": "session_held", "date": D(2024, 3, 20), "prosecutor_present": True}])
    make_case("B", events=[{"code": "accepted", "date": D(2024, 2, 7), "number": "2/TL"},
                           {"code": "decision", "date": D(2024, 3, 1), "outcome": "apply", "term_months": 12},
                           {"code": "complaint", "date": D(2024, 3, 4)}])
    make_case("C", events=[{"code": "accepted", "date": D(2024, 2, 7), "number": "3/TL"},
                           {"code": "session_order", "date": D(2024, 3, 1)},
                           {"code": "session_postponed", "date": D(2024, 3, 5), "end": D(2024, 3, 12)}])
    make_case("E", events=[{"code": "accepted", "date": D(2024, 2, 7), "number": "4/TL"},
                           {"code": "decision", "date": D(2024, 3, 1), "outcome": "apply", "term_months": 12},
                           {"code": "police_received", "date": D(2024, 3, 20)},
                           {"code": "evasion", "date": D(2024, 3, 22), "end": D(2024, 5, 2)}])
    for as_of in (D(2024, 3, 15), D(2024, 6, 30), D(2025, 6, 30)):
        res = assert_same(Case.objects.order_by("pk"), as_of)
    assert res.timings["engine_cases"] == 3  # the evasion with its end is reproduced on the columns


def test_missing_or_stale_digests_are_never_trusted(demo):
    ids = list(demo.values_list("pk", flat=True)[:50])
    CaseDigest.objects.filter(pk__in=ids[:20]).delete()
    stale = np.frombuffer(bytes(CaseDigest.objects.get(pk=ids[30]).packed), dtype="<i4").copy()
    stale[vector.W_LAYOUT] ^= 1
    CaseDigest.objects.filter(pk=ids[30]).update(packed=stale.tobytes())
    CaseDigest.objects.filter(pk=ids[31]).update(packed=b"\x00\x01\x02")
    res = assert_same(demo, D(2026, 11, 26))
    assert res.timings["engine_cases"] >= 22
    assert_same(demo.order_by("person_name", "pk"), D(2026, 11, 26))


def test_rebuilding_and_the_migration_backfill(demo):
    before = dict(CaseDigest.objects.values_list("pk", "packed"))
    CaseDigest.objects.all().delete()
    assert case_services.rebuild_digests() == 3000
    assert {k: bytes(v) for k, v in CaseDigest.objects.values_list("pk", "packed")} == \
           {k: bytes(v) for k, v in before.items()}
    CaseDigest.objects.all().delete()
    from django.apps import apps

    importlib.import_module("kiemsat.cases.migrations.0003_casedigest").fill_digests(apps, None)
    assert {k: bytes(v) for k, v in CaseDigest.objects.values_list("pk", "packed")} == \
           {k: bytes(v) for k, v in before.items()}


def test_findings_command_is_unchanged(demo):
    """`kiemsat findings --json` through the fast scan prints what the engine gives, in order."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("findings", "--json", "--as-of", "2026-11-26", stdout=out)
    got = json.loads(out.getvalue())
    want = [f.to_json(c) for _cid, c, f in reference(Case.objects.order_by("pk"), D(2026, 11, 26))]
    assert got == want


def test_facts_for_reads_what_the_orm_reads(demo, make_case):
    """facts_for (read through the DB-API cursor) = the cases and events as the ORM gives them."""
    from kiemsat.domain.events import Outcome
    from kiemsat.domain.facts import CaseFacts, EventFact

    make_case("Tracked", events=[{"code": "session_held", "date": D(2024, 3, 5), "prosecutor_present": False}],
              tracked_events=["session_held", "decision"])
    want = []
    for c in Case.objects.order_by("pk").select_related("court", "unit", "assigned_to").prefetch_related("events"):
        evs = [EventFact(e.code, e.date, e.received, e.end, e.number or "", Outcome(e.outcome) if e.outcome else None,
                         e.term_months, e.prosecutor_present) for e in c.events.all()]
        want.append(CaseFacts(key=str(c.pk), so_thu_ly=c.so_thu_ly, person=c.person_name, measure=c.measure,
                              complex=c.complex, events=evs,
                              tracked=None if c.tracked_events is None else frozenset(c.tracked_events),
                              court=c.court.name if c.court else "", office=c.unit.name if c.unit else "",
                              staff=c.assigned_to.full_name if c.assigned_to else ""))
    got = services.facts_for(qs=Case.objects.order_by("pk"))
    key = lambda e: (e.code, e.date or D.min, e.received or D.min, e.number)  # noqa: E731
    for c in got + want:
        c.events = sorted(c.events, key=key)
    for a, b in zip(got, want, strict=True):
        assert a == b, [(x, y) for x, y in zip(a.events, b.events) if x != y] or (a, b)
    assert services.facts_for(qs=Case.objects.none()) == []
    few = services.facts_for(list(Case.objects.order_by("pk")[:5]))
    for c in few:
        c.events = sorted(c.events, key=key)
    assert few == want[:5]
