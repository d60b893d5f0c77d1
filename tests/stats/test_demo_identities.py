"""Identities on random demo data (make_demo_data), and the figures recounted another way."""

import datetime as dt

import pytest

from kiemsat.cases.demo import make_demo_data
from kiemsat.cases.models import Case, Event
from kiemsat.domain import engine
from kiemsat.legal import services as legal
from kiemsat.stats import periods as P
from kiemsat.stats import selectors as S

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def demo(db):
    make_demo_data(700, seed=17, today=TODAY)
    return S.scope_all()


def test_identities_hold_every_month_and_chain(demo):
    months = [P.month(y, m) for y, m in [(2025, 12)] + [(2026, m) for m in range(1, 12)]]
    reps = [S.report(demo, p, TODAY) for p in months]
    for rep in reps:
        t = rep.total
        assert t["total"] == t["carried"] + t["new"]
        assert t["remaining"] == t["total"] - t["resolved"]
        assert t["resolved"] == sum(t[k] for k in S.OUTCOME_KEYS.values())
        assert t["remaining_overdue"] <= t["remaining"]
        assert all(ok for _s, ok in rep.identities()), rep.period.label
        for m, row in rep.by_measure.items():
            assert row["total"] == row["carried"] + row["new"], m
            assert row["remaining"] == row["total"] - row["resolved"], m
    # what remains at the end of a month is what the next month carries over
    for a, b in zip(reps, reps[1:], strict=False):
        assert a.total["remaining"] == b.total["carried"], b.period.label
    # the months add up to the year
    year = S.report(demo, P.year(2026), TODAY)
    for k in ("new", "resolved", "out_apply", "returned", "sessions", "sessions_present", "protests", "delivered",
              "violations", "statute_expired"):
        assert sum(r.total[k] for r in reps) == year.total[k], k
    assert year.total["carried"] == reps[0].total["carried"]
    assert year.total["remaining"] == reps[-1].total["remaining"]
    assert year.total["new"] > 0 and year.total["resolved"] > 0 and year.total["violations"] > 0


def test_case_figures_recounted_in_python(demo):
    p = P.quarter(2026, 2)
    t = S.report(demo, p, TODAY).total
    rows = list(Case.objects.values_list("pk", "thu_ly_date", "decision_date", "outcome", "measure"))
    carried = {pk for pk, T, Dd, *_ in rows if T and T < p.start and not (Dd and Dd < p.start)}
    new = {pk for pk, T, *_ in rows if T and p.start <= T <= p.end}
    res = {pk for pk, T, Dd, *_ in rows if pk in carried | new and Dd and p.start <= Dd <= p.end}
    assert (t["carried"], t["new"], t["total"], t["resolved"], t["remaining"]) == \
        (len(carried), len(new), len(carried | new), len(res), len(carried | new) - len(res))
    applied = {pk for pk, _T, _D, o, _m in rows if pk in res and o == "apply"}
    assert t["out_apply"] == len(applied)
    ev = list(Event.objects.filter(date__gte=p.start, date__lte=p.end).values_list("case_id", "code", "prosecutor_present"))
    assert t["sessions"] == sum(1 for _c, code, _p in ev if code == "session_held")
    assert t["sessions_present"] == sum(1 for _c, code, pr in ev if code == "session_held" and pr)
    assert t["returned"] == len({c for c, code, _p in ev if code == "court_returned"})
    assert t["delivered"] == len({c for c, code, _p in ev if code == "delivered"})


def test_engine_figures_equal_an_unrestricted_scan(demo):
    """The report scans only the cases that can hold a finding of the period: it misses none."""
    for p in (P.year(2026), P.year(2025), P.half(2024, 2), P.month(2026, 3)):
        as_of = min(p.end, TODAY)
        rep = S.report(demo, p, TODAY)
        every = [s for s in legal.scan(Case.objects.all(), as_of, (engine.VIOLATION, engine.OVERDUE))]
        found = [s for s in every if s.finding.responsible and
                 ((s.finding.actual if s.finding.status == engine.VIOLATION else s.finding.due) or dt.date.min) in p]
        assert rep.total["violations"] == len(found), p.label
        expired = {s.case_id for s in every if s.finding.rule == "execution.limitation" and s.finding.due in p}
        assert rep.total["statute_expired"] == len(expired), p.label
        decide = {s.case_id for s in every if s.finding.rule in S.DECIDE_RULES and s.finding.status == engine.OVERDUE}
        remaining = set(Case.objects.filter(S.remaining(p)).values_list("pk", flat=True))
        assert rep.total["remaining_overdue"] == len(decide & remaining), p.label


@pytest.mark.django_db(transaction=True)
def test_counts_on_a_second_connection_equal_counts_in_line():
    """Outside a transaction the database counts run on a second connection beside the scan."""
    from django.db import transaction

    from kiemsat.stats.selectors import _side_by_side

    make_demo_data(300, seed=5, today=TODAY)
    scope, p = S.scope_all(), P.year(2026)
    seen = {}

    def bg():
        import threading

        seen["thread"] = threading.current_thread().name
        return 1

    assert _side_by_side(bg, bg, lambda: 2) == [1, 1, 2] and seen["thread"].startswith("stats-counts")
    side = S.report(scope, p, TODAY)
    with transaction.atomic():
        inline = S.report(scope, p, TODAY)
        assert _side_by_side(bg, lambda: 2) == [1, 2] and seen["thread"] == "MainThread"
    assert side.total == inline.total and side.by_unit and side.trend == inline.trend
    with pytest.raises(ZeroDivisionError):  # an error in the second thread reaches the caller
        _side_by_side(lambda: 1 / 0, lambda: 2)
