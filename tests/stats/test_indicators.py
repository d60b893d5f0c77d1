"""Every indicator on the hand-made register of conftest.py, counted by hand (Tháng 03/2025)."""

import datetime as dt

import numpy as np
import pytest

from kiemsat.domain import engine
from kiemsat.legal import services as legal
from kiemsat.stats import periods as P
from kiemsat.stats import selectors as S

from .conftest import TODAY

D = dt.date
MARCH = P.month(2025, 3)
APRIL = P.month(2025, 4)

# By hand (letters are the cases of conftest.register):
UNIT_MARCH = {
    "carried": 4,  # A 20/02, G 24/02, J 17/02, M 02/12/2024 — none decided before 01/03
    "new": 4,  # B 03/03, C 10/03, D 31/03, N 05/03
    "total": 8,
    "resolved": 5,  # A 05/03, C 17/03, G 10/03, J 03/03, N 14/03 (D is decided on 01/04)
    "out_apply": 2, "out_not_apply": 2, "out_terminate": 0, "out_suspend": 1, "out_community": 0, "out_unknown": 0,
    "remaining": 3,  # B, D, M
    "remaining_overdue": 2,  # B (decide due 18/03), M (due 17/12/2024); D is due 15/04
    "returned": 1,  # F
    "no_thu_ly": 1,  # L
    "sessions": 5,  # A 03/03, C 13/03, G 04/03, J 03/03, N 12/03
    "sessions_present": 4, "sessions_absent": 1,  # G without the prosecutor
    "protests": 1,  # J 06/03
    "violations": 5,  # B decide overdue 18/03, C notice 14/03, E delivery 05/03,
                      # G session without prosecutor 04/03, I statute 10/03 (M's 17/12/2024 is not of March;
                      # F's dossier was returned, so no acceptance is due)
    "delivered": 1,  # E 05/03
    "not_delivered": 4,  # A, H, I, N (E was delivered)
    "statute_expired": 1,  # I: effective 10/03/2024 → 10/03/2025
    # J's protest is not decided by the provincial court (see test_protests.py for the appeal results)
    "protests_decided": 0, "protests_accepted": 0, "protests_partly": 0, "protests_rejected": 0, "protests_rate": "—",
    "recommendations": 3,  # L1 20/03, L2 25/03, L7 31/03 (L3 is of February, L4 an urging letter, L5 a draft)
    "recommendations_accepted": 2,  # L1, L7 (its latest reply accepts)
    "recommendations_partly": 0, "recommendations_unanswered": 1,  # L2
    "recommendations_rate": 66.7,
}


@pytest.fixture
def leader_scope(register, letters, users):
    return S.scope_for(users["leader"])


def test_every_indicator_of_the_month_by_hand(leader_scope):
    rep = S.report(leader_scope, MARCH, TODAY)
    assert rep.as_of == MARCH.end
    assert rep.total == UNIT_MARCH
    assert all(ok for _text, ok in rep.identities())


def test_by_measure(leader_scope):
    rep = S.report(leader_scope, MARCH, TODAY)
    g = rep.by_measure["CSGDBB"]
    assert (g["carried"], g["new"], g["total"], g["resolved"], g["out_apply"], g["remaining"]) == (0, 1, 1, 1, 1, 0)
    c = rep.by_measure["CSCNBB"]
    assert (c["carried"], c["new"], c["total"], c["resolved"], c["out_apply"], c["out_not_apply"], c["out_suspend"],
            c["remaining"], c["remaining_overdue"], c["returned"]) == (4, 3, 7, 4, 1, 2, 1, 3, 2, 1)
    assert all(rep.by_measure[m].get("total", 0) == 0 for m in ("TGD", "CSCNBB_MINOR"))


def test_violations_by_rule_and_body(leader_scope):
    rep = S.report(leader_scope, MARCH, TODAY)
    got = {(r.rule, r.responsible): (r.violation, r.overdue) for r in rep.violation_rows}
    assert got == {
        ("court.decide", "court"): (0, 1),  # B
        ("court.notify_acceptance", "court"): (1, 0),  # C
        ("court.session_without_procurator", "court"): (1, 0),  # G
        ("execution.deliver", "police"): (1, 0),  # E
        ("execution.limitation", "police"): (0, 1),  # I
    }
    assert rep.by_body == {"court": {"violation": 2, "overdue": 1, "total": 3},
                           "police": {"violation": 1, "overdue": 1, "total": 2}}


def test_trend_months_add_up(leader_scope):
    rep = S.report(leader_scope, P.quarter(2025, 2), TODAY)  # 01/03 – 31/05/2025
    assert [b["label"] for b in rep.trend] == ["03/2025", "04/2025", "05/2025"]
    assert [b["new"] for b in rep.trend] == [4, 0, 0]
    assert [b["resolved"] for b in rep.trend] == [5, 1, 0]  # D terminated 01/04
    assert sum(b["new"] for b in rep.trend) == rep.total["new"]
    assert sum(b["resolved"] for b in rep.trend) == rep.total["resolved"]
    assert sum(b["violations"] for b in rep.trend) == rep.total["violations"]


def test_period_boundary_accepted_last_day_decided_first_day_of_next(leader_scope, register):
    """D: thụ lý 31/03 (last day of March), decision 01/04 (first day of April)."""
    d = register["D"].pk
    march = {k: set(S.behind(leader_scope, MARCH, k, today=TODAY).qs.values_list("pk", flat=True))
             for k in ("new", "carried", "resolved", "remaining")}
    assert d in march["new"] and d in march["remaining"]
    assert d not in march["carried"] and d not in march["resolved"]
    april = S.report(leader_scope, APRIL, TODAY)
    assert april.total["carried"] == 3  # B, D, M = March's remaining
    assert april.total["new"] == 0 and april.total["resolved"] == 1 and april.total["out_terminate"] == 1
    ids = set(S.behind(leader_scope, APRIL, "resolved", today=TODAY).qs.values_list("pk", flat=True))
    assert ids == {d}
    # the day before and the day after move D out of the period
    assert S.report(leader_scope, P.custom(D(2025, 3, 1), D(2025, 3, 30)), TODAY).total["new"] == 3
    feb_to_apr = S.report(leader_scope, P.custom(D(2025, 3, 1), D(2025, 4, 1)), TODAY)
    assert feb_to_apr.total["resolved"] == 6 and feb_to_apr.total["out_terminate"] == 1


def test_figures_of_a_running_period_are_as_of_today(leader_scope):
    rep = S.report(leader_scope, MARCH, D(2025, 3, 15))
    assert rep.as_of == D(2025, 3, 15)
    # as of 15/03: B's decision is not yet due (18/03), I's statute expired on 10/03
    assert rep.total["remaining_overdue"] == 1  # M
    assert rep.total["statute_expired"] == 1


def test_the_cases_behind_each_number_are_the_counted_ones(leader_scope, register):
    letters = {v.pk: k for k, v in register.items()}
    expect = {
        "carried": "AGJM", "new": "BCDN", "total": "ABCDGJMN", "resolved": "ACGJN", "out_apply": "AN",
        "out_not_apply": "CJ", "out_suspend": "G", "remaining": "BDM", "remaining_overdue": "BM", "returned": "F",
        "no_thu_ly": "L", "sessions": "ACGJN", "sessions_present": "ACJN", "sessions_absent": "G", "protests": "J",
        "violations": "BCEGI", "delivered": "E", "not_delivered": "AHIN", "statute_expired": "I",
        "recommendations": "BCDG", "recommendations_accepted": "CDG", "recommendations_unanswered": "B",
    }
    for key, want in expect.items():
        b = S.behind(leader_scope, MARCH, key, today=TODAY)
        ids = b.ids if b.ids is not None else list(b.qs.values_list("pk", flat=True))
        assert "".join(sorted(letters[i] for i in ids)) == want, key
        assert b.count == UNIT_MARCH[key], key
    b = S.behind(leader_scope, MARCH, "violations", rule="court.decide", today=TODAY)
    assert [letters[i] for i in b.ids] == ["B"] and b.findings[register["B"].pk][0][2] == D(2025, 3, 18)
    b = S.behind(leader_scope, MARCH, "violations", body="police", status="overdue", today=TODAY)
    assert [letters[i] for i in b.ids] == ["I"]
    b = S.behind(leader_scope, MARCH, "out_apply", measure="CSGDBB", today=TODAY)
    assert [letters[i] for i in b.qs.values_list("pk", flat=True)] == ["N"]
    with pytest.raises(LookupError):
        S.behind(leader_scope, MARCH, "protests_rate", today=TODAY)
    with pytest.raises(LookupError):
        S.behind(leader_scope, MARCH, "recommendations_rate", today=TODAY)
    with pytest.raises(KeyError):
        S.behind(leader_scope, MARCH, "nonsense", today=TODAY)


def test_another_units_cases_are_not_counted(register, letters, users):
    rep = S.report(S.scope_for(users["other_leader"]), MARCH, TODAY)
    assert (rep.total["new"], rep.total["remaining"], rep.total["violations"]) == (1, 1, 1)  # K
    assert (rep.total["recommendations"], rep.total["recommendations_accepted"], rep.total["recommendations_rate"]) \
        == (1, 0, 0.0)  # L6, rejected
    assert rep.total["carried"] == 0 and not rep.by_unit


def test_provincial_user_gets_each_unit_and_the_total(register, letters, provincial, unit, other_unit):
    scope = S.scope_for(provincial)
    rep = S.report(scope, MARCH, TODAY)
    assert rep.total["new"] == 5 and rep.total["total"] == 9 and rep.total["remaining_overdue"] == 3
    assert rep.total["violations"] == 6
    assert rep.total["recommendations"] == 4 and rep.total["recommendations_rate"] == 50.0
    rows = {g.unit.pk: row for g, row in rep.by_unit}
    assert rows[unit.pk]["total"] == 8 and rows[unit.pk]["violations"] == 5 and rows[unit.pk]["remaining_overdue"] == 2
    assert rows[other_unit.pk]["total"] == 1 and rows[other_unit.pk]["violations"] == 1
    for k in ("carried", "new", "total", "resolved", "remaining", "remaining_overdue", "violations", "sessions",
              "delivered", "not_delivered", "statute_expired", "returned", "recommendations",
              "recommendations_accepted"):
        assert sum(r[k] for r in rows.values()) == rep.total[k], k
    # one unit picked
    one = S.report(S.scope_for(provincial, other_unit.pk), MARCH, TODAY)
    assert one.total["total"] == 1 and not one.by_unit
    b = S.behind(scope, MARCH, "violations", unit=other_unit.pk, today=TODAY)
    assert b.ids == [register["K"].pk]


def test_a_successor_unit_counts_its_predecessors_cases(make_case, unit, users, provincial):
    from kiemsat.org.models import Unit

    new = Unit.objects.create(name="Viện kiểm sát nhân dân khu vực 3", short_name="KV3")
    unit.successor = new
    unit.save()
    make_case("Tạ Văn Tiền", events=[{"code": "accepted", "date": D(2025, 3, 3), "number": "T/2025/TLHS-XLHC"}])
    # the per-unit table keeps each unit (a case keeps the unit of its time) unless regrouped
    groups = {g.unit.pk: g.ids for g in S.scope_for(provincial).groups}
    assert groups[new.pk] == [new.pk] and groups[unit.pk] == [unit.pk]
    groups = {g.unit.pk: g.ids for g in S.scope_for(provincial, merge=True).groups}
    assert sorted(groups[new.pk]) == sorted([new.pk, unit.pk]) and unit.pk not in groups
    rep = S.report(S.scope_for(provincial, merge=True), MARCH, TODAY)
    assert dict((g.unit.pk, r["new"]) for g, r in rep.by_unit)[new.pk] == 1
    # the successor unit's own users count them too
    assert S.report(S.scope_for(users["leader"]), MARCH, TODAY).total["new"] == 1


def test_the_columnar_scan_table_equals_the_findings_read_one_by_one(register):
    _, rs = legal.active_ruleset()
    from kiemsat.cases.models import Case

    res = legal.scan(Case.objects.all(), MARCH.end, (engine.VIOLATION, engine.OVERDUE))
    fast = S._table_from_scan(res, rs, MARCH.end)
    slow = S._table_from_scan(list(res), rs, MARCH.end)

    def rows(t):
        return sorted(zip(t.case_id.tolist(), t.rule.tolist(), t.status.tolist(), t.found_on.tolist(), strict=True))

    assert rows(fast) == rows(slow) and len(fast.case_id) == 7  # B C E G I K M (F was returned, not awaiting acceptance)
    assert np.array_equal(np.sort(fast.case_id), np.sort(slow.case_id))


def test_an_empty_register(users):
    rep = S.report(S.scope_for(users["leader"]), MARCH, TODAY)
    assert rep.total["total"] == 0 and rep.total["violations"] == 0 and rep.violation_rows == []
    assert rep.total["recommendations"] == 0 and rep.total["recommendations_rate"] == "—"
    assert all(ok for _t, ok in rep.identities())


def test_the_scope_is_what_the_user_may_see(register, users, provincial, make_case, other_unit):
    from kiemsat.cases.selectors import visible_cases

    for u in (users["leader"], users["other_leader"], provincial):
        assert set(S.scope_for(u).base.values_list("pk", flat=True)) == set(visible_cases(u).values_list("pk", flat=True))
    # a unit's own installation (no other unit's case): the same rows through the other plan
    from kiemsat.cases.models import Case

    Case.objects.filter(unit=other_unit).delete()
    u = users["leader"]
    assert "+ 0" in str(S.scope_for(u).base.query)
    assert set(S.scope_for(u).base.values_list("pk", flat=True)) == set(visible_cases(u).values_list("pk", flat=True))
