"""Pieces of the execution table's patching and the dashboard card (the binary-search mask:
tests/domain/test_vector_without.py): archive_outstanding kept with a table equals a computation
from scratch (and follows a new table after writes), and the facility notes of a few cases read by case equal the query used
for many."""

import datetime as dt
import random

import numpy as np
import pytest

from kiemsat.cases import services as cs
from kiemsat.cases.demo import make_demo_data
from kiemsat.cases.models import Case
from kiemsat.execution import fast as xfast
from kiemsat.execution import selectors as xsel
from kiemsat.legal import services as legal
from kiemsat.org.models import User
from tests.legal.test_incremental import TODAY, random_write


@pytest.fixture
def demo(db):
    make_demo_data(250, seed=11, today=TODAY)
    xsel._CACHE.clear()
    return User.objects.get(username="lanhdao")


def outstanding_fresh(t, as_of, staff=None):
    """archive_outstanding as it was computed before it was kept with the table."""
    rs, cal = legal.active_ruleset()[1], legal.active_calendar()[1]
    m = (t.ended != 0) & ~((t.archived != 0) & (t.archived >= t.ended))
    if staff:
        m &= t.staff == staff
    idx = np.flatnonzero(m)
    ended = t.ended[idx]
    got = [xsel._due_with(rs, cal, dt.date.fromordinal(int(e))) for e in ended.tolist()]
    due = np.array([d.toordinal() if d else 0 for d in got], dtype=np.int64)
    od = np.where(due != 0, as_of.toordinal() - due, -xsel._BIG)
    order = np.lexsort((t.ids[idx], ended, -od))
    return t.ids[idx][order], due[order], od[order]


@pytest.mark.parametrize("seed", [1, 2])
def test_archive_outstanding_kept_with_the_table(demo, seed, monkeypatch):
    monkeypatch.setattr(xsel, "OVERLAP_SECONDS", 0)
    user = demo
    rng = random.Random(seed)
    ids = list(Case.objects.values_list("pk", flat=True))
    staff = [u.pk for u in User.objects.filter(unit=user.unit)]
    for _ in range(6):
        t = xsel.table(user, TODAY)
        for s in (None, *staff[:3]):
            out = xsel.archive_outstanding(user, TODAY, staff=s, t=t)
            assert xsel.archive_outstanding(user, TODAY, staff=s, t=t) is out  # kept
            want_ids, want_due, want_od = outstanding_fresh(t, TODAY, s)
            assert np.array_equal(out.ids, want_ids)
            assert np.array_equal(out.due, want_due)
            assert np.array_equal(out.overdue_days, want_od)
        t_new = xfast.table(xsel.visible_cases(user), TODAY)
        a, b = xsel.archive_outstanding(user, TODAY, t=t), xsel.archive_outstanding(user, TODAY, t=t_new)
        assert np.array_equal(a.ids, b.ids) and np.array_equal(a.due, b.due)
        for _ in range(3):
            random_write(rng, user, user.unit, ids)
        assert xsel.table(user, TODAY) is not t


def test_facility_notes_of_a_few_cases_equal_the_query_for_many(demo):
    user = demo
    qs = xsel.visible_cases(user).exclude(outcome="")
    some = list(qs.order_by("pk").values_list("pk", flat=True)[:30])
    # a case with two notes on delivered events, one without a date: the order decides which shows
    cid = some[0]
    case = Case.objects.get(pk=cid)
    cs.record_event(actor=user, case=case, code="delivered", strict=False, date=TODAY - dt.timedelta(days=3),
                    note="Cơ sở: Cơ sở cai nghiện số 1")
    cs.record_event(actor=user, case=case, code="delivered", strict=False, received=TODAY - dt.timedelta(days=1),
                    note="Cơ sở: Cơ sở cai nghiện số 2")
    few = {r.case_id: r.facility for r in xsel.build_rows(Case.objects.filter(pk__in=some), TODAY)}
    from kiemsat.cases.models import Event

    many = dict(Event.objects.filter(case__in=Case.objects.filter(pk__in=some).exclude(outcome="").values("pk"),
                                     code="delivered").exclude(note="").order_by("date", "id")
                .values_list("case_id", "note"))
    assert few == {pk: many.get(pk, "") for pk in few}
    assert few[cid].startswith("Cơ sở: Cơ sở cai nghiện số")
