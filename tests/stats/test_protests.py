"""Kháng nghị decided, accepted (wholly or partly), rejected and the acceptance rate, counted by hand
(Tháng 03/2025), with the period's boundary days; and the per-unit table regrouped under the
successor unit (the July 2025 reform)."""

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiemsat.stats import periods as P
from kiemsat.stats import selectors as S

from .conftest import TODAY

D = dt.date
MARCH = P.month(2025, 3)
KEYS = ("protests", "protests_decided", "protests_accepted", "protests_partly", "protests_rejected", "protests_rate")


def _challenged(make_case, name, decision, outcome, challenge, appeal, result, unit_=None):
    """A case decided on `decision`, challenged on `challenge` = (code, date), the provincial court's
    decision dated `appeal` with `result` (None: not recorded)."""
    evs = [{"code": "accepted", "date": decision - dt.timedelta(days=10), "number": f"{name.replace(' ', '')}/TLHS"},
           {"code": "decision", "date": decision, "outcome": outcome, "received": decision}]
    if challenge:
        code, day = challenge
        evs.append({"code": code, "date": day, "number": f"KN-{name[:3]}" if code == "protest" else ""})
    if appeal:
        evs.append({"code": "appeal_decision", "date": appeal, "number": f"PT-{name[:3]}", "appeal_result": result})
    return make_case(name, events=evs, unit_=unit_)


@pytest.fixture
def appeals(make_case, other_unit):
    c = {}
    mk = _challenged
    # P1: protest 05/03, the provincial court accepts it on 20/03
    c["P1"] = mk(make_case, "Phan Văn Một", D(2025, 3, 3), "not_apply", ("protest", D(2025, 3, 5)), D(2025, 3, 20),
                 "accepted")
    # P2: protested in February, accepted in part on 01/03 (the period's first day)
    c["P2"] = mk(make_case, "Phan Văn Hai", D(2025, 2, 10), "apply", ("protest", D(2025, 2, 12)), D(2025, 3, 1),
                 "partly")
    # P3: protest 10/03, not accepted (the decision upheld) on 31/03 (the period's last day)
    c["P3"] = mk(make_case, "Phan Văn Ba", D(2025, 3, 7), "terminate", ("protest", D(2025, 3, 10)), D(2025, 3, 31),
                 "rejected")
    # P4: protest 20/03, accepted on 01/04 (the next period's first day): April's
    c["P4"] = mk(make_case, "Phan Văn Bốn", D(2025, 3, 17), "not_apply", ("protest", D(2025, 3, 20)), D(2025, 4, 1),
                 "accepted")
    # P5: protest 25/02, accepted 28/02 (the previous period's last day): February's
    c["P5"] = mk(make_case, "Phan Văn Năm", D(2025, 2, 20), "not_apply", ("protest", D(2025, 2, 25)), D(2025, 2, 28),
                 "accepted")
    # P6: only the person's complaint (no protest), accepted 15/03: not a kháng nghị
    c["P6"] = mk(make_case, "Phan Văn Sáu", D(2025, 3, 3), "apply", ("complaint", D(2025, 3, 5)), D(2025, 3, 15),
                 "accepted")
    # P7: protest 06/03, the provincial court's decision 18/03 with no result recorded: not counted
    c["P7"] = mk(make_case, "Phan Văn Bảy", D(2025, 3, 4), "apply", ("protest", D(2025, 3, 6)), D(2025, 3, 18), None)
    # P8: a "protest" dated after the provincial decision (25/03 > 12/03): that decision did not rule on it
    c["P8"] = mk(make_case, "Phan Văn Tám", D(2025, 3, 3), "apply", ("protest", D(2025, 3, 25)), D(2025, 3, 12),
                 "accepted")
    # Q: another unit's protest 04/03, not accepted 21/03 — only a provincial user counts it
    c["Q"] = mk(make_case, "Quách Văn Chín", D(2025, 3, 3), "apply", ("protest", D(2025, 3, 4)), D(2025, 3, 21),
                "rejected", unit_=other_unit)
    return c


# by hand, the unit's March: protests issued P1 05/03, P3 10/03, P4 20/03, P7 06/03, P8 25/03;
# decided P1 (accepted), P2 (partly), P3 (rejected); rate 2 / 3
UNIT_MARCH = {"protests": 5, "protests_decided": 3, "protests_accepted": 2, "protests_partly": 1,
              "protests_rejected": 1, "protests_rate": 66.7}


def _letters(c, ids):
    names = {v.pk: k for k, v in c.items()}
    return "".join(sorted(names[i] for i in ids))


def test_protest_results_of_the_month_by_hand(appeals, users):
    rep = S.report(S.scope_for(users["leader"]), MARCH, TODAY)
    assert {k: rep.total[k] for k in KEYS} == UNIT_MARCH
    assert all(ok for _t, ok in rep.identities())


def test_the_cases_behind_the_protest_figures(appeals, users):
    scope = S.scope_for(users["leader"])
    want = {"protests_decided": "P1P2P3", "protests_accepted": "P1P2", "protests_partly": "P2",
            "protests_rejected": "P3", "protests": "P1P3P4P7P8"}
    for key, letters in want.items():
        b = S.behind(scope, MARCH, key, today=TODAY)
        assert _letters(appeals, b.qs.values_list("pk", flat=True)) == letters, key
        assert b.count == UNIT_MARCH[key], key
    with pytest.raises(LookupError):  # a rate has no cases of its own
        S.behind(scope, MARCH, "protests_rate", today=TODAY)


@pytest.mark.parametrize(("period", "expect"), [
    (P.month(2025, 4), (1, 1, 0, 0, 100.0)),  # P4 on 01/04
    (P.month(2025, 2), (1, 1, 0, 0, 100.0)),  # P5 on 28/02
    (P.custom(D(2025, 3, 2), D(2025, 3, 30)), (1, 1, 0, 0, 100.0)),  # without the boundary days: P1 only
    (P.custom(D(2025, 2, 28), D(2025, 4, 1)), (5, 4, 1, 1, 80.0)),  # P1 P2 P3 P4 P5
    (P.month(2025, 5), (0, 0, 0, 0, "—")),  # nothing decided: no rate
])
def test_boundary_days(appeals, users, period, expect):
    t = S.report(S.scope_for(users["leader"]), period, TODAY).total
    assert (t["protests_decided"], t["protests_accepted"], t["protests_partly"], t["protests_rejected"],
            t["protests_rate"]) == expect


def test_provincial_user_per_unit_and_total(appeals, provincial, unit, other_unit):
    rep = S.report(S.scope_for(provincial), MARCH, TODAY)
    assert (rep.total["protests_decided"], rep.total["protests_accepted"], rep.total["protests_rate"]) == (4, 2, 50.0)
    rows = {g.unit.pk: r for g, r in rep.by_unit}
    assert (rows[unit.pk]["protests_decided"], rows[unit.pk]["protests_rate"]) == (3, 66.7)
    assert (rows[other_unit.pk]["protests_decided"], rows[other_unit.pk]["protests_rejected"],
            rows[other_unit.pk]["protests_rate"]) == (1, 1, 0.0)


def test_an_appeal_result_changes_the_figures_when_edited(appeals, users):
    """The result is data: recording it later (P7) moves the figures; the audit has the change."""
    from kiemsat.audit.models import AuditEntry
    from kiemsat.cases import services

    ev = appeals["P7"].events.get(code="appeal_decision")
    services.update_event(actor=users["leader"], event=ev, appeal_result="partly")
    t = S.report(S.scope_for(users["leader"]), MARCH, TODAY).total
    assert (t["protests_decided"], t["protests_accepted"], t["protests_partly"], t["protests_rate"]) == (4, 3, 2, 75.0)
    entry = AuditEntry.objects.filter(action="event.update").latest("pk")
    assert entry.changes["appeal_result"] == [None, "partly"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 60), st.sampled_from(["accepted", "partly", "rejected", None]),
                          st.booleans()), min_size=0, max_size=6))
def test_counts_equal_a_recount(make_case, users, rows):
    """Random appeal decisions around March (day 0 = 01/02/2025): the figures are a plain recount."""
    from django.db import transaction

    from kiemsat.cases.models import Case

    with transaction.atomic():
        sid = transaction.savepoint()
        Case.objects.all().delete()
        for i, (day, result, protested) in enumerate(rows):
            appeal = D(2025, 2, 1) + dt.timedelta(days=day)
            _challenged(make_case, f"Người Thứ {i}", D(2025, 1, 20),
                        "apply", ("protest" if protested else "complaint", D(2025, 1, 22)), appeal, result)
        t = S.report(S.scope_for(users["leader"]), MARCH, TODAY).total
        inside = [(d, r) for d, r, pr in rows if pr and r and MARCH.start <= D(2025, 2, 1) + dt.timedelta(days=d)
                  <= MARCH.end]
        decided = len(inside)
        accepted = sum(1 for _d, r in inside if r in ("accepted", "partly"))
        assert t["protests_decided"] == decided and t["protests_accepted"] == accepted
        assert t["protests_partly"] == sum(1 for _d, r in inside if r == "partly")
        assert t["protests_rejected"] == decided - accepted
        assert t["protests_rate"] == (round(100 * accepted / decided, 1) if decided else "—")
        if decided:
            assert 0 <= t["protests_rate"] <= 100
        transaction.savepoint_rollback(sid)


# ----------------------------------------------------------------------------------- pages and exports
@pytest.fixture
def _today(monkeypatch):
    from kiemsat.legal import services

    monkeypatch.setattr(services, "local_today", lambda: TODAY)


def test_report_page_links_and_exports(client, users, appeals, _today):
    import io
    import re

    import docx
    import openpyxl

    client.force_login(users["leader"])
    q = "ky=thang&nam=2025&thang=3"
    html = client.get(reverse("stats_report") + "?" + q).content.decode()
    assert "Kháng nghị được chấp nhận (toàn bộ hoặc một phần)" in html and "66,7%" in html
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="(/thong-ke/vu-viec/\?[^"]+)"', html)]
    accepted = next(h for h in hrefs if "chi_tieu=protests_accepted" in h)
    page = client.get(accepted).content.decode()
    assert "Phan Văn Một" in page and "Phan Văn Hai" in page and "Phan Văn Ba" not in page
    assert "Kháng nghị được chấp nhận (toàn bộ hoặc một phần): 2 kháng nghị" in page
    assert "20/03/2025 · số PT-Pha · Chấp nhận (sửa hoặc hủy quyết định)" in page  # P1, the event counted
    assert "01/03/2025 · số PT-Pha · Chấp nhận một phần" in page  # P2

    wb = openpyxl.load_workbook(io.BytesIO(client.get(reverse("stats_xlsx") + "?" + q).content), data_only=True)
    pairs = {str(r[0]).strip(): r[1] for r in wb["Báo cáo"].iter_rows(values_only=True) if r[0]}
    assert pairs["Kháng nghị đã được Tòa án cấp trên giải quyết"] == 3
    assert pairs["Kháng nghị được chấp nhận (toàn bộ hoặc một phần)"] == 2
    assert pairs["Tỷ lệ kháng nghị được chấp nhận"] == pytest.approx(0.667)

    d = docx.Document(io.BytesIO(client.get(reverse("stats_docx") + "?" + q).content))
    text = "\n".join(p.text for p in d.paragraphs)
    assert ("Ban hành 5 kháng nghị. Tòa án cấp trên đã giải quyết 3 kháng nghị: chấp nhận 2 (trong đó chấp nhận "
            "một phần 1), không chấp nhận 1; tỷ lệ kháng nghị được chấp nhận: 66,7%.") in text
