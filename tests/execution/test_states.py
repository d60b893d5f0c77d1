"""Execution states and transitions, the statute of limitations (evasion restarts it), the register
filters, and the columnar table against the case-by-case path."""

import datetime as dt
from dataclasses import replace

import numpy as np

from kiemsat.cases import services as case_services
from kiemsat.cases.models import Case
from kiemsat.domain import engine
from kiemsat.execution import fast, selectors
from kiemsat.legal import services as legal

from .conftest import applying

D = dt.date


def row(case, as_of):
    return selectors.case_row(case, as_of)


def test_the_states_follow_the_events(make_case, users):
    c = applying(make_case, effective=None)
    assert row(c, D(2025, 1, 25)).status == selectors.S_NOT_EFFECTIVE
    r = row(c, D(2025, 3, 1))  # not recorded: computed from the decision, marked
    assert r.effective is not None and r.estimated and r.status == selectors.S_TO_SEND
    rec = lambda code, **kw: case_services.record_event(actor=None, case=c, code=code, **kw)  # noqa: E731
    rec("effective", date=D(2025, 2, 5))
    r = row(c, D(2025, 3, 1))
    assert (r.effective, r.estimated) == (D(2025, 2, 5), False)
    assert r.expiry == D(2026, 2, 5) and r.days_left == (D(2026, 2, 5) - D(2025, 3, 1)).days
    rec("sent_for_execution", date=D(2025, 2, 10), number="12/TA")
    assert row(c, D(2025, 3, 1)).status == selectors.S_SENT
    rec("police_received", date=D(2025, 2, 12))
    assert row(c, D(2025, 3, 1)).status == selectors.S_POLICE
    rec("execution_postponed", date=D(2025, 3, 5), end=D(2025, 4, 30), number="3/QĐ-HOÃN")
    r = row(c, D(2025, 3, 20))
    assert r.status == selectors.S_POSTPONED and "30/04/2025" in r.status_label
    assert row(c, D(2025, 5, 5)).status == selectors.S_POLICE  # the postponement is over
    rec("delivered", date=D(2025, 5, 10), number="BB-77", note="Cơ sở: Cơ sở cai nghiện ma túy số 2")
    r = row(c, D(2025, 6, 1))
    assert r.status == selectors.S_DELIVERED and r.ended_on == D(2025, 5, 10) and not r.pending
    assert (r.handover_no, r.facility_text) == ("BB-77", "Cơ sở cai nghiện ma túy số 2")
    assert row(c, D(2025, 5, 9)).status == selectors.S_POLICE  # as of the day before


def test_exemption_ends_the_case_and_closes_the_statute(make_case):
    c = applying(make_case, extra=[{"code": "execution_exempted", "date": D(2025, 3, 3), "number": "5/QĐ"}])
    r = row(c, D(2025, 6, 1))
    assert r.status == selectors.S_EXEMPTED and r.ended_on == D(2025, 3, 3) and r.expiry is None
    assert "miễn chấp hành" in r.expiry_note


def test_evasion_pauses_the_statute_and_restarts_it_when_it_ends(make_case):
    c = applying(make_case, extra=[{"code": "police_received", "date": D(2025, 2, 12)},
                                   {"code": "evasion", "date": D(2025, 3, 1), "end": D(2025, 5, 20)}])
    during = row(c, D(2025, 4, 1))  # the evasion's end is not known yet on 01/04/2025
    assert during.status == selectors.S_EVASION and during.expiry is None and "trốn tránh" in during.expiry_note
    after = row(c, D(2025, 6, 1))
    assert after.status == selectors.S_POLICE
    assert after.expiry == D(2026, 5, 20)  # 12 months from the end of the evasion, not from 05/02/2025
    assert after.expiry_note.startswith("tính lại")
    # the engine itself (the same rule the case page shows)
    _, rs = legal.active_ruleset()
    _, cal = legal.active_calendar()
    [facts] = legal.facts_for([c])
    [f] = [f for f in engine.evaluate(facts, rs, cal, D(2025, 6, 1)) if f.rule == "execution.limitation"]
    assert f.due == D(2026, 5, 20) and f.start == D(2025, 5, 20)
    # never delivered: expired on 20/05/2026, not on 05/02/2026
    assert row(c, D(2026, 3, 1)).status == selectors.S_POLICE
    gone = row(c, D(2026, 5, 21))
    assert gone.status == selectors.S_EXPIRED and gone.ended_on == D(2026, 5, 20)


def test_statute_expired_without_delivery(make_case):
    c = applying(make_case, extra=[{"code": "police_received", "date": D(2025, 2, 12)}])
    assert row(c, D(2026, 2, 5)).status == selectors.S_POLICE  # the last day
    r = row(c, D(2026, 2, 6))
    assert r.status == selectors.S_EXPIRED and r.ended_on == D(2026, 2, 5) and r.ended_how == "Hết thời hiệu thi hành"


def test_decisions_not_applying_end_when_they_take_effect(make_case):
    c = make_case("Trần Thị Bình", events=[
        {"code": "accepted", "date": D(2025, 1, 6), "number": "9/2025/TLHS-XLHC"},
        {"code": "decision", "date": D(2025, 1, 20), "number": "9/2025/QĐ", "outcome": "not_apply"},
        {"code": "effective", "date": D(2025, 2, 5)}])
    r = row(c, D(2025, 3, 1))
    assert not r.applies and r.status == "" and r.ended_on == D(2025, 2, 5)
    assert r.ended_how == "Quyết định không áp dụng có hiệu lực"
    # before the recorded date is known the effective date is estimated (20/01 + 5 working days over
    # Tết + 1 day = 04/02/2025): ended on that day, not before
    assert row(c, D(2025, 2, 3)).ended_on is None
    early = row(c, D(2025, 2, 4))
    assert early.ended_on == D(2025, 2, 4) and early.estimated
    s = make_case("Lê Văn Cường", events=[
        {"code": "accepted", "date": D(2025, 1, 6), "number": "10/2025/TLHS-XLHC"},
        {"code": "decision", "date": D(2025, 1, 20), "number": "10/2025/QĐ", "outcome": "suspend"}])
    assert row(s, D(2025, 6, 1)).ended_on is None  # tạm đình chỉ does not end a case


def test_register_filters_and_counts(make_case, users):
    as_of = D(2026, 1, 20)
    soon = applying(make_case, "An", number="1", extra=[{"code": "police_received", "date": D(2025, 2, 12)}])
    later = applying(make_case, "Bình", number="2", effective=D(2025, 6, 2))
    gone = applying(make_case, "Cường", number="3", effective=D(2024, 12, 2), decided=D(2024, 11, 15))
    done = applying(make_case, "Dũng", number="4", extra=[{"code": "delivered", "date": D(2025, 3, 1)}])
    user = users["execution"]
    ids = lambda flt: [int(i) for i in selectors.register(user, flt, as_of).ids]  # noqa: E731
    assert ids("chua-ban-giao") == [soon.pk, later.pk]  # nearest expiry first
    assert ids("sap-het-thoi-hieu") == [soon.pk]  # 05/02/2026: 16 days
    assert ids("het-thoi-hieu") == [gone.pk]
    assert ids("da-ket-thuc") == [done.pk]
    assert ids("") == [soon.pk, later.pk, gone.pk, done.pk]
    assert selectors.counts(user, as_of) == {"": 4, "chua-ban-giao": 2, "sap-het-thoi-hieu": 1, "het-thoi-hieu": 1,
                                             "da-ket-thuc": 1}
    assert selectors.register(users["other_leader"], "", as_of).count() == 0  # another unit's people


def test_the_columnar_table_equals_the_case_by_case_rows(make_case, users):
    """Every case the columns describe, and those they leave to the engine (two evasions)."""
    applying(make_case, "A", number="1", effective=None)
    applying(make_case, "B", number="2", extra=[{"code": "police_received", "date": D(2025, 2, 12)},
                                                 {"code": "evasion", "date": D(2025, 3, 1), "end": D(2025, 5, 20)}])
    applying(make_case, "C", number="3", extra=[{"code": "evasion", "date": D(2025, 3, 1), "end": D(2025, 3, 20)},
                                                 {"code": "evasion", "date": D(2025, 6, 1)}])
    applying(make_case, "E", number="5", extra=[{"code": "execution_exempted", "date": D(2025, 3, 3)}])
    applying(make_case, "F", number="6", extra=[{"code": "delivered", "date": D(2025, 3, 3)},
                                                 {"code": "archived", "date": D(2025, 4, 3), "number": "LT-1"}])
    applying(make_case, "G", number="7", measure="TGD",
             extra=[{"code": "execution_postponed", "date": D(2025, 3, 3), "end": D(2025, 9, 1)}])
    applying(make_case, "H", number="8", effective=D(2024, 1, 5), decided=D(2023, 12, 20))
    make_case("I", events=[{"code": "accepted", "date": D(2025, 1, 6), "number": "11/2025/TLHS-XLHC"},
                           {"code": "decision", "date": D(2025, 1, 20), "outcome": "terminate", "number": "x"}])
    make_case("J", events=[{"code": "accepted", "date": D(2025, 1, 6), "number": "12/2025/TLHS-XLHC"}])
    applying(make_case, "K", number="13", measure="CSCNBB_MINOR")  # no statute period in the law: engine's note
    applying(make_case, "L", number="14", extra=[{"code": "police_received", "date": D(2025, 2, 12)},
                                                  {"code": "delivered", "date": D(2025, 4, 1), "number": "BB-1",
                                                   "note": "Cơ sở: Cơ sở số 1"}])
    qs = Case.objects.all()
    for as_of in (D(2025, 1, 25), D(2025, 4, 1), D(2025, 8, 1), D(2026, 3, 1), D(2026, 12, 1)):
        t = fast.table(qs, as_of)
        ref = {r.case_id: r for r in selectors.build_rows(qs, as_of)}
        assert sorted(ref) == sorted(t.ids.tolist())
        o = lambda d: d.toordinal() if d else 0  # noqa: E731
        for i, pk in enumerate(t.ids.tolist()):
            r = ref[pk]
            got = (fast.STATUS_CODES[t.status[i]] if t.status[i] >= 0 else "", int(t.effective[i]),
                   bool(t.estimated[i]), int(t.expiry[i]), int(t.ended[i]), int(t.archived[i]))
            want = (r.status, o(r.effective), r.estimated, o(r.expiry), o(r.ended_on), o(r.archived))
            assert got == want, (pk, as_of)
        assert np.array_equal(np.sort(t.name_rank), np.arange(len(t)))
        # the export's rows (table + events) are the case-by-case rows, field by field
        fast_rows = selectors.export_rows(t.ids.tolist(), t, as_of)
        assert [r.case_id for r in fast_rows] == t.ids.tolist()
        for r in fast_rows:
            assert replace(r, effective_reason="") == replace(ref[r.case_id], effective_reason=""), (r.case_id, as_of)
