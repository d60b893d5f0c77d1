"""The cached scans follow the register by patching: after random writes (new cases one by one and
in bulk, events recorded, edited and deleted, a case's name or measure edited, a checklist item
marked missing) the patched findings scan (legal.fast.refresh, through legal.selectors._unit_view),
the execution watch, the violations register and the execution table (execution.fast.refresh,
through execution.selectors.table) are exactly what a new computation gives — every field, in the
same order — and they were really patched, not recomputed."""

import datetime as dt
import random

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from kiemsat.cases import services as cs
from kiemsat.cases.demo import make_demo_data
from kiemsat.cases.models import Case, Event
from kiemsat.cases.selectors import change_stamp, visible_cases
from kiemsat.domain import engine
from kiemsat.execution import fast as xfast
from kiemsat.execution import selectors as xsel
from kiemsat.legal import fast, selectors, services
from kiemsat.org.models import User

D = dt.date
TODAY = D(2026, 11, 26)
ALERTS = (engine.VIOLATION, engine.OVERDUE, engine.DUE_SOON)
CODES = ["document_request", "decision", "effective", "sent_for_execution", "police_received", "delivered", "evasion",
         "execution_postponed", "court_received", "session", "accepted", "archived"]


def finding(s) -> tuple:
    f = s.finding
    return (s.case_id, f.rule, f.status, f.due, f.actual, f.late, f.unit, f.responsible, f.citation, f.verified,
            tuple(f.flags), f.reason, f.label, f.params, f.start, f.alt_due, f.explanation, s.facts.person,
            s.facts.so_thu_ly, s.facts.staff)


def check_same(user, qs, as_of, patched_expected: bool):
    sc, L, watch = selectors._unit_view(user, qs, as_of)
    assert ("refresh" in sc.timings) == patched_expected
    new = services.scan(qs, as_of, ALERTS)
    assert [finding(s) for s in sc] == [finding(s) for s in new]
    L2 = new.light()
    for k in ("case_id", "rule", "status", "due", "actual"):
        assert np.array_equal(getattr(L, k), getattr(L2, k)), k
    assert sc.status_counts() == new.status_counts()
    assert watch == selectors.execution_watch(qs, as_of)
    for status in ("", "overdue", "violation", "due_soon"):
        f = selectors.FindingFilters(status=status, date_from=D(2025, 1, 1), date_to=as_of)
        got = [(r.case_id, r.f.rule, r.f.status, r.found_on) for r in selectors.findings_register(user, f, as_of)]
        rows = [s for s in new if s.finding.status in ((status,) if status else (engine.VIOLATION, engine.OVERDUE))]
        want = [(s.case_id, s.finding.rule, s.finding.status,
                 s.finding.actual if s.finding.status == engine.VIOLATION else s.finding.due) for s in rows]
        want = [w for w in want if w[3] and D(2025, 1, 1) <= w[3] <= as_of]
        want.sort(key=lambda w: w[3], reverse=True)
        assert got == want, status
    t = xsel.table(user, as_of)
    t2 = xfast.table(qs, as_of)
    for k in xfast.Table.FIELDS:
        assert np.array_equal(getattr(t, k), getattr(t2, k)), k


def _pick_event(rng: random.Random, ids: list[int]):
    """An event of a random case, chosen by `rng` (ORDER BY random() would make a run unrepeatable)."""
    evs = list(Event.objects.filter(case_id=rng.choice(ids)).order_by("pk"))
    return rng.choice(evs) if evs else None


def random_write(rng: random.Random, actor, unit, ids: list[int]) -> None:
    kind = rng.choice(["record", "record", "record", "update", "delete", "create", "bulk", "edit", "missing"])
    day = lambda: TODAY - dt.timedelta(days=rng.randint(0, 500))  # noqa: E731
    try:
        if kind == "record":
            code = rng.choice(CODES)
            fields = {"date": day()}
            if code == "decision":
                fields.update(outcome=rng.choice(["apply", "not_apply", "terminate"]), term_months=rng.choice([3, 12, 24]))
            if code in ("evasion", "execution_postponed") and rng.random() < 0.5:
                fields["end"] = fields["date"] + dt.timedelta(days=rng.randint(1, 90))
            cs.record_event(actor=actor, case=Case.objects.get(pk=rng.choice(ids)), code=code, strict=False, **fields)
        elif kind == "update":
            ev = _pick_event(rng, ids)
            if ev is not None:
                cs.update_event(actor=actor, event=ev, strict=False, date=day())
        elif kind == "delete":
            ev = _pick_event(rng, ids)
            if ev is not None:
                cs.delete_event(actor=actor, event=ev)
        elif kind == "create":
            d = day()
            case, _ = cs.create_case(actor=actor, unit=unit, strict=False, data={
                "person_name": rng.choice(["Nguyễn Văn A", "Trần Thị Bé", "Đỗ Đức Anh"]), "measure": "CSCNBB"},
                events=[{"code": "accepted", "date": d, "number": f"{rng.randint(1, 10**6)}/TL"},
                        {"code": "decision", "date": d + dt.timedelta(days=rng.randint(1, 60)), "outcome": "apply",
                         "term_months": 12}])
            ids.append(case.pk)
        elif kind == "bulk":
            prepared = []
            for _ in range(rng.randint(1, 3)):
                d = day()
                p, _w = cs.create_case(actor=actor, unit=unit, strict=False, commit=False, data={
                    "person_name": rng.choice(["Lê Văn Cường", "Phạm Thị Dung"]), "measure": "TGD"},
                    events=[{"code": "accepted", "date": d, "number": f"{rng.randint(1, 10**6)}/TL"}])
                prepared.append(p)
            ids += [c.pk for c in cs.bulk_create_cases(prepared, actor=actor)]
        elif kind == "edit":
            case = Case.objects.get(pk=rng.choice(ids))
            cs.update_case(actor=actor, case=case, data={"person_name": rng.choice(["Bùi Văn Zô", "An Thị Á"]),
                                                         "measure": rng.choice(["CSCNBB", "CSGDBB", "TGD"])})
        elif kind == "missing":
            from kiemsat.documents import services as ds
            from kiemsat.documents.selectors import all_item_codes

            case = Case.objects.get(pk=rng.choice(ids))
            items = sorted(i for i in all_item_codes(case) if not i.startswith("vks:"))
            if items:
                ds.set_checklist(actor=actor, case=case, marks={rng.choice(items): rng.choice(["missing", "", "present"])})
    except ValidationError:
        pass


@pytest.fixture
def demo(db):
    make_demo_data(300, seed=5, today=TODAY)
    from kiemsat.cases import selectors as csel

    selectors._UNIT_CACHE.clear()
    xsel._CACHE.clear()
    csel._COUNTS.clear()
    return User.objects.get(username="lanhdao")


@pytest.mark.parametrize("seed,overlap", [(1, 0), (2, 0), (3, None)])
def test_patched_caches_equal_a_new_computation(demo, seed, overlap, monkeypatch):
    if overlap is not None:  # no margin: only the stamp tells what changed (writes are serialised)
        monkeypatch.setattr(selectors, "OVERLAP_SECONDS", overlap)
        monkeypatch.setattr(xsel, "OVERLAP_SECONDS", overlap)
    rng = random.Random(seed)
    user = demo
    qs = visible_cases(user)
    ids = list(qs.values_list("pk", flat=True))
    check_same(user, qs, TODAY, patched_expected=False)
    patched = False
    for step in range(14):
        before = change_stamp()
        for _ in range(rng.randint(1, 3)):
            random_write(rng, user, user.unit, ids)
        # writes refused as a whole (ValidationError) change nothing: the kept value is served as it is
        patched = patched or change_stamp() != before
        check_same(user, qs, TODAY, patched_expected=patched)
    assert patched
    # a new date, ruleset or calendar: a new scan
    check_same(user, qs, TODAY + dt.timedelta(days=1), patched_expected=False)


def test_refresh_with_no_change_and_with_cases_leaving_the_scope(demo):
    user = demo
    qs = visible_cases(user)
    sc = services.scan(qs, TODAY, ALERTS)
    same = fast.refresh(sc, qs, [])
    assert [finding(s) for s in same] == [finding(s) for s in sc]
    # a narrower queryset: the cases of `changed` it no longer holds drop out
    gone = list(qs.order_by("pk").values_list("pk", flat=True)[:40])
    narrow = qs.exclude(pk__in=gone)
    got = fast.refresh(sc, narrow, gone)
    assert [finding(s) for s in got] == [finding(s) for s in services.scan(narrow, TODAY, ALERTS)]
    t = xfast.table(qs, TODAY)
    t2 = xfast.refresh(t, narrow, TODAY, gone)
    t3 = xfast.table(narrow, TODAY)
    for k in xfast.Table.FIELDS:
        assert np.array_equal(getattr(t2, k), getattr(t3, k)), k
    # too many changes, or an ordered queryset: the caller scans again
    assert fast.refresh(sc, qs.order_by("-pk"), gone) is None
    assert fast.refresh(sc, qs, range(fast.REFRESH_LIMIT + 1)) is None


def test_a_removed_case_or_an_older_register_means_a_new_scan(demo):
    """Cases are never deleted by the product, but a restore or a rolled-back transaction can take
    cases away or put older rows back: the stamp cannot name those, so the caches start again."""
    user = demo
    qs = visible_cases(user)
    check_same(user, qs, TODAY, patched_expected=False)
    victim = qs.order_by("pk").first()
    Event.objects.filter(case=victim).delete()
    Case.objects.filter(pk=victim.pk).delete()
    other = qs.order_by("pk").first()
    cs.record_event(actor=user, case=other, code="document_request", date=TODAY, strict=False)
    check_same(user, qs, TODAY, patched_expected=False)
    cs.record_event(actor=user, case=other, code="document_request", date=TODAY, strict=False)
    check_same(user, qs, TODAY, patched_expected=True)
    # every updated_at back by a day (an older copy of the register): not patched
    from django.db.models import F

    Case.objects.update(updated_at=F("updated_at") - dt.timedelta(days=1))
    check_same(user, qs, TODAY, patched_expected=False)


def test_register_counts_follow_the_changes(demo):
    """The register's page count (cases.selectors.register_page) of a search keeps its ids and tests
    only the changed cases again: it stays equal to a count in the database."""
    from kiemsat.cases import selectors as csel

    user = demo
    rng = random.Random(7)
    ids = list(visible_cases(user).values_list("pk", flat=True))
    filters = [csel.RegisterFilters(q="nguyen"), csel.RegisterFilters(q="bui zo"), csel.RegisterFilters(),
               csel.RegisterFilters(stage="decided")]
    for step in range(12):
        for f in filters:
            qs = csel.register(user, f)
            assert csel.register_page(qs, 1, sort=f.sort).paginator.count == qs.count(), (step, f)
        random_write(rng, user, user.unit, ids)
        case = Case.objects.get(pk=rng.choice(ids))
        cs.update_case(actor=user, case=case, data={"person_name": rng.choice(["Nguyễn Văn Bé", "Bùi Văn Zô", "Lê C"])})
    key_counts = [v for v in csel._COUNTS.values() if v[4] is not None]
    assert key_counts  # the searches kept their ids


def test_violations_register_kept_with_the_scan_equals_a_new_filtering(demo, monkeypatch):
    """findings_register keeps the rows of a filter with the scan's columns: asked again on the same
    scan it gives the same rows; after a write (a new, patched scan) the rows of a fresh filtering."""
    monkeypatch.setattr(selectors, "OVERLAP_SECONDS", 0)
    user = demo
    rng = random.Random(9)
    ids = list(visible_cases(user).values_list("pk", flat=True))
    filters = [selectors.FindingFilters(status=s, date_from=D(2025, 1, 1), date_to=TODAY, responsible=r)
               for s in ("", "overdue", "violation") for r in ("", "court", "police")]
    for _ in range(5):
        for f in filters:
            a = selectors.findings_register(user, f, TODAY)
            b = selectors.findings_register(user, f, TODAY)
            assert a._ent is b._ent  # kept
            sc, L, _w = selectors._unit_view(user, visible_cases(user), TODAY)
            assert np.array_equal(a._ent, selectors._register_entries(sc, L, f, visible_cases(user)))
            assert [(r.case_id, r.f.rule) for r in a] == [(r.case_id, r.f.rule) for r in b]
        for _ in range(2):
            random_write(rng, user, user.unit, ids)
    staff = selectors.FindingFilters(staff=user.pk)
    assert selectors.findings_register(user, staff, TODAY)._ent is not selectors.findings_register(user, staff, TODAY)._ent
