"""The report's figures are kept per process while the register, the ruleset, the calendar and the
date are unchanged: a second report is the same report, and any change to a case shows at once."""

import datetime as dt

from kiemsat.stats import periods as P
from kiemsat.stats import selectors as S

from .conftest import TODAY

MARCH = P.month(2025, 3)


def _same(a, b):
    assert a.total == b.total and a.by_measure == b.by_measure and a.trend == b.trend
    assert [(g.unit.pk, r) for g, r in a.by_unit] == [(g.unit.pk, r) for g, r in b.by_unit]
    assert a.violation_rows == b.violation_rows and a.by_body == b.by_body


def test_a_second_report_is_served_from_the_cache_and_equal(register, letters, users, provincial):
    S.clear_cache()
    for user in (users["leader"], provincial):
        first = S.report(S.scope_for(user), MARCH, TODAY)
        again = S.report(S.scope_for(user), MARCH, TODAY)
        assert "cached" not in first.timings and again.timings.get("cached")
        _same(first, again)
        _same(again, S.report(S.scope_for(user), MARCH, TODAY))  # the cached rows were not consumed
    # another period, another scope: computed, not taken from the cache
    assert "cached" not in S.report(S.scope_for(users["leader"]), P.month(2025, 4), TODAY).timings
    assert "cached" not in S.report(S.scope_for(users["other_leader"]), MARCH, TODAY).timings


def test_a_change_to_the_register_is_seen_at_once(register, letters, users):
    from kiemsat.cases import services

    S.clear_cache()
    scope = S.scope_for(users["leader"])
    before = S.report(scope, MARCH, TODAY).total
    services.record_event(actor=users["leader"], case=register["B"], code="decision", date=dt.date(2025, 3, 20),
                          outcome="apply", term_months=12, strict=False)
    after = S.report(S.scope_for(users["leader"]), MARCH, TODAY)
    assert "cached" not in after.timings
    assert after.total["resolved"] == before["resolved"] + 1 and after.total["remaining"] == before["remaining"] - 1
    assert after.total["remaining_overdue"] == before["remaining_overdue"] - 1  # B was past the limit
    # a later day (the date is part of the key): computed again
    assert "cached" not in S.report(S.scope_for(users["leader"]), MARCH, dt.date(2025, 3, 25)).timings


def test_count_in_equals_a_set_intersection():
    import numpy as np
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None)
    @given(st.sets(st.integers(0, 500)), st.sets(st.integers(0, 500)))
    def check(a, b):
        ids = np.array(sorted(a, key=lambda x: (x * 7919) % 501), dtype=np.int64)  # any order
        ref = np.array(sorted(b), dtype=np.int64)
        assert S._count_in(ids, ref) == len(a & b)

    check()


def test_the_scan_reaches_old_cases_with_a_recent_event_and_skips_finished_ones(make_case, users):
    """scan_scope: a case decided in 2022 whose decision reached the police only on 03/03/2025 (and
    nobody was delivered since) is scanned — only its event is recent — and its overdue delivery is
    a violation of the period; a case finished in 2022 is not scanned."""
    from kiemsat.legal import services as legal

    D = dt.date
    period = P.custom(D(2025, 3, 1), D(2025, 6, 30))
    late = make_case("Ông Văn Muộn", events=[
        {"code": "accepted", "date": D(2022, 12, 1), "number": "90/2022/TLHS-XLHC"},
        {"code": "decision", "date": D(2022, 12, 12), "outcome": "apply", "term_months": 12,
         "received": D(2022, 12, 12)},
        {"code": "police_received", "date": D(2025, 3, 3)}])
    done = make_case("Ông Văn Xong", events=[
        {"code": "accepted", "date": D(2022, 3, 1), "number": "91/2022/TLHS-XLHC"},
        {"code": "decision", "date": D(2022, 3, 10), "outcome": "apply", "term_months": 12, "received": D(2022, 3, 10)},
        {"code": "delivered", "date": D(2022, 5, 4)}])
    scope = S.scope_for(users["leader"])
    _, rs = legal.active_ruleset()
    ids = set(S.scan_scope(scope.base, period, period.end, rs).values_list("pk", flat=True))
    assert late.pk in ids and done.pk not in ids
    S.clear_cache()
    b = S.behind(scope, period, "violations", rule="execution.deliver", today=TODAY)
    assert b.ids == [late.pk]
    # the count of the page and of the cases behind it agree, computed or from the cache
    rep = S.report(scope, period, TODAY)
    cached = S.behind(scope, period, "violations", today=TODAY)
    S.clear_cache()
    fresh = S.behind(scope, period, "violations", today=TODAY)
    assert rep.total["violations"] == cached.count == fresh.count == 2  # late sending (2025) + delivery overdue
    assert cached.findings == fresh.findings


def test_cases_committed_with_an_older_stamp_and_a_lower_id_are_seen(register, letters, users, unit, court):
    """PostgreSQL gives an import its ids when it starts and stamps its cases then; another user's
    case may be committed in between with a higher id and a newer stamp. When the import commits, the
    newest id and stamp are unchanged — the number of cases is not, and the report is computed again."""
    from django.utils import timezone

    from kiemsat.cases import services
    from kiemsat.cases.models import Case

    S.clear_cache()
    top = Case.objects.order_by("-pk").values_list("pk", flat=True).first()
    later = services.prepare_case(actor=None, unit=unit, data={"person_name": "Người Nhập Sau", "measure": "CSCNBB",
                                                                "court": court}, events=[
        {"code": "accepted", "date": dt.date(2025, 3, 12), "number": "Y/2025/TLHS-XLHC"}])
    later.case.pk = top + 10  # committed first: the highest id
    services.bulk_create_cases([later], audit=False)
    before = S.report(S.scope_for(users["leader"]), MARCH, TODAY).total
    stamp = Case.objects.get(pk=top + 10).updated_at
    early = services.prepare_case(actor=None, unit=unit, data={"person_name": "Người Nhập Trước", "measure": "CSCNBB",
                                                                "court": court}, events=[
        {"code": "accepted", "date": dt.date(2025, 3, 12), "number": "X/2025/TLHS-XLHC"}])
    early.case.pk = top + 1  # the import's id, taken before
    services.bulk_create_cases([early], audit=False)
    Case.objects.filter(pk=top + 1).update(updated_at=stamp - dt.timedelta(seconds=30))  # stamped when it began
    assert timezone.now() > stamp
    after = S.report(S.scope_for(users["leader"]), MARCH, TODAY)
    assert "cached" not in after.timings
    assert after.total["new"] == before["new"] + 1
