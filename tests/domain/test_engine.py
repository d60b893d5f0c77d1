"""The deadline engine: RULES.md worked examples, statuses, proofs, suspensions, replay, robustness."""

import datetime as dt

import pytest

from kiemsat.domain.calendar import WorkCalendar
from kiemsat.domain.engine import (
    DUE_SOON,
    FLAG_COMPLEX_EXCEPT,
    FLAG_EFFECTIVE_ESTIMATED,
    FLAG_POLICE_RECEIPT,
    FLAG_PROVISIONAL,
    FLAG_UNVERIFIED,
    FLAG_VKS_RECEIPT,
    NOT_EVALUABLE,
    OK,
    OVERDUE,
    VIOLATION,
    effective_date,
    evaluate,
    limitation_expiry,
    scan,
)
from kiemsat.domain.events import Outcome
from kiemsat.domain.facts import CaseFacts, EventFact
from kiemsat.domain.rules import Ruleset

D = dt.date
CAL = WorkCalendar.default()
RS = Ruleset.default()


def d(s: str) -> dt.date:
    dd, mm, yy = s.split("/")
    return D(int(yy), int(mm), int(dd))


def case(measure="CSCNBB", complex=False, tracked=None, checklist=None, **events) -> CaseFacts:
    """case(accepted="07/02/2024", acceptance_notice=EventFact(...), ...)"""
    evs = []
    for code, v in events.items():
        if isinstance(v, EventFact):
            evs.append(v)
        elif isinstance(v, list):
            evs.extend(v)
        else:
            evs.append(EventFact(code=code, date=d(v)))
    return CaseFacts(
        key="t", so_thu_ly="01/2024/TLHS-XLHC", person="Nguyễn Văn A", measure=measure, complex=complex,
        events=evs, tracked=tracked, checklist=checklist, court="TAND huyện X", office="VKSND huyện X",
    )


def find(c: CaseFacts, rule: str, as_of: str, **kw):
    fs = [f for f in evaluate(c, RS, CAL, d(as_of), **kw) if f.rule == rule]
    assert len(fs) == 1, [f.rule for f in evaluate(c, RS, CAL, d(as_of), **kw)]
    return fs[0]


def decision(date, outcome=Outcome.APPLY, term=12, received=None):
    return EventFact("decision", d(date), received=d(received) if received else None, outcome=outcome, term_months=term)


# ====================================================================== RULES.md worked examples
def test_example_1_notify_acceptance_across_tet():
    c = case(accepted="07/02/2024", acceptance_notice="19/02/2024")
    f = find(c, "court.notify_acceptance", "31/03/2024")
    assert (f.status, f.due, f.actual, f.late, f.unit, f.responsible) == (VIOLATION, d("16/02/2024"), d("19/02/2024"), 1, "WD", "court")
    assert f.verified is True
    assert f.citation == "Pháp lệnh 03/2022/UBTVQH15, Điều 12 khoản 1"
    assert f.explanation.startswith("Thụ lý 07/02/2024 + 02 ngày làm việc (nghỉ Tết 08–14/02) → hạn 16/02/2024;")
    assert f.explanation.endswith("ngày 19/02/2024: chậm 01 ngày làm việc")


def test_example_2_send_decision_make_up_saturday():
    c = case(accepted="15/04/2025", decision=decision("25/04/2025"), decision_sent="29/04/2025")
    f = find(c, "court.send_decision", "31/05/2025")
    assert (f.status, f.due, f.actual, f.late) == (VIOLATION, d("28/04/2025"), d("29/04/2025"), 1)
    c = case(accepted="15/04/2025", decision=decision("25/04/2025"), decision_sent="26/04/2025")
    assert find(c, "court.send_decision", "31/05/2025").status == OK


@pytest.mark.parametrize("accepted,due", [("03/02/2025", "18/02/2025"), ("17/01/2025", "03/02/2025")])
def test_example_3_decide(accepted, due):
    f = find(case(accepted=accepted), "court.decide", "05/01/2026")
    assert f.due == d(due)
    assert f.unit == "D"


@pytest.mark.parametrize("eff,due", [("31/03/2024", "31/03/2025"), ("29/02/2024", "28/02/2025")])
def test_example_4_limitation(eff, due):
    r = limitation_expiry(d(eff), "CSCNBB", RS, CAL)
    assert r.due == d(due)
    c = case(accepted="01/02/2024", decision=decision("10/02/2024"), effective=eff)
    f = find(c, "execution.limitation", "30/06/2025")
    assert (f.status, f.due, f.unit, f.responsible) == (OVERDUE, d(due), "M", "police")


def test_example_5_regime_switch():
    f = find(case(accepted="30/01/2023", acceptance_notice="10/02/2023"), "court.notify_acceptance", "30/06/2023")
    assert f.status == NOT_EVALUABLE
    assert "chưa có căn cứ để tính" in f.reason
    f = find(case(accepted="31/01/2023"), "court.notify_acceptance", "30/06/2023")
    assert f.status == NOT_EVALUABLE
    f = find(case(accepted="01/02/2023", acceptance_notice="03/02/2023"), "court.notify_acceptance", "30/06/2023")
    assert (f.status, f.due) == (OK, d("03/02/2023"))
    # the court.decide citation follows the regime too
    assert "09/2014" in find(case(accepted="31/01/2023"), "court.decide", "30/06/2023").citation
    assert "03/2022" in find(case(accepted="01/02/2023"), "court.decide", "30/06/2023").citation


def test_example_6_deliver():
    c = case(accepted="01/04/2025", decision=decision("05/04/2025"), police_received="21/04/2025")
    f = find(c, "execution.deliver", "23/04/2025")
    assert f.due == d("26/04/2025")
    c = case(accepted="01/04/2024", decision=decision("05/04/2024"), police_received="15/04/2024", delivered="06/05/2024")
    f = find(c, "execution.deliver", "30/06/2024")
    assert (f.status, f.due, f.actual, f.late, f.unit) == (VIOLATION, d("22/04/2024"), d("06/05/2024"), 14, "D")


@pytest.mark.parametrize(
    "as_of,status", [("15/02/2024", DUE_SOON), ("16/02/2024", DUE_SOON), ("19/02/2024", OVERDUE), ("20/03/2024", OVERDUE)]
)
def test_example_7_due_soon(as_of, status):
    f = find(case(accepted="07/02/2024"), "court.notify_acceptance", as_of)
    assert f.status == status
    assert f.due == d("16/02/2024")
    assert f.actual is None and f.late is None


def test_due_soon_window_is_a_setting():
    f = find(case(accepted="07/02/2024"), "court.notify_acceptance", "15/02/2024", due_soon_wd=0)
    assert f.status == OK


@pytest.mark.parametrize(
    "received,status,due",
    [("28/02/2025", VIOLATION, "04/03/2025"), ("03/03/2025", NOT_EVALUABLE, None), ("31/12/2021", NOT_EVALUABLE, None)],
)
def test_example_8_proposer_cutoff(received, status, due):
    c = case(ldtb_received=received, transferred_to_court="10/03/2025")
    f = find(c, "proposer.review_transfer", "30/06/2025")
    assert f.status == status
    assert f.due == (d(due) if due else None)
    assert f.responsible == "proposer"


def test_example_9_effective_date_and_limitation():
    c = case(measure="TGD", accepted="20/05/2024", decision=decision("31/05/2024", term=12))
    eff = effective_date(c, RS, CAL, d("30/06/2024"))
    assert eff.date == d("08/06/2024") and eff.estimated
    f = find(c, "decision.effective", "30/06/2024", include_info=True)
    assert f.due == d("08/06/2024")
    assert FLAG_EFFECTIVE_ESTIMATED in f.flags and not f.verified
    f = find(c, "execution.limitation", "30/12/2024")
    assert (f.status, f.due, f.alt_due) == (OVERDUE, d("08/12/2024"), d("09/12/2024"))
    assert FLAG_EFFECTIVE_ESTIMATED in f.flags and f.verified is False
    assert "09/12/2024" in f.explanation
    r = limitation_expiry(d("08/06/2024"), "TGD", RS, CAL)
    assert (r.due, r.alt_due, r.months, r.status) == (d("08/12/2024"), d("09/12/2024"), 6, "S")


def test_effective_date_not_computed_when_challenged():
    c = case(accepted="20/05/2024", decision=decision("31/05/2024"), complaint="03/06/2024")
    eff = effective_date(c, RS, CAL, d("30/06/2024"))
    assert eff.date is None and "khiếu nại" in eff.reason
    f = find(c, "execution.limitation", "30/06/2025")
    assert f.status == NOT_EVALUABLE
    # a recorded effective date is used as is (and verified)
    c = case(accepted="20/05/2024", decision=decision("31/05/2024"), complaint="03/06/2024", effective="20/06/2024")
    assert effective_date(c, RS, CAL, d("30/06/2024")).date == d("20/06/2024")


def test_pl09_effective_window_is_three_wd():
    c = case(accepted="10/01/2023", decision=decision("13/01/2023"))
    # PL09: 13/01/2023 (Fri) + 3 WD = 18/01/2023 -> effective 19/01/2023
    assert effective_date(c, RS, CAL, d("30/06/2023")).date == d("19/01/2023")


# ====================================================================== court.decide: the complex branch
def test_decide_day_16_to_30_without_complex_mark():
    c = case(accepted="01/03/2024", decision=decision("25/03/2024"))
    f = find(c, "court.decide", "30/06/2024")
    assert (f.status, f.due, f.late) == (VIOLATION, d("18/03/2024"), 7)
    assert FLAG_COMPLEX_EXCEPT in f.flags
    assert f.verified is False
    assert "trừ trường hợp vụ việc phức tạp" in f.explanation


def test_decide_complex_case_has_30_days():
    c = case(complex=True, accepted="01/03/2024", decision=decision("25/03/2024"))
    f = find(c, "court.decide", "30/06/2024")
    assert (f.status, f.due) == (OK, d("01/04/2024"))  # 31/03 is a Sunday
    c = case(accepted="01/03/2024", complex_declared="05/03/2024", decision=decision("25/03/2024"))
    assert find(c, "court.decide", "30/06/2024").status == OK


def test_decide_after_day_30_is_a_plain_violation():
    c = case(accepted="01/03/2024", decision=decision("05/04/2024"))
    f = find(c, "court.decide", "30/06/2024")
    assert (f.status, f.late) == (VIOLATION, 18)
    assert FLAG_COMPLEX_EXCEPT not in f.flags
    assert f.verified is True


# ====================================================================== minors
def test_minor_cases_use_their_own_rules():
    c = case(measure="CSCNBB_MINOR", accepted="01/03/2024", decision=decision("25/03/2024", term=18))
    rules = {f.rule: f for f in evaluate(c, RS, CAL, d("30/06/2024"))}
    assert "court.decide" not in rules and "court.term_in_range" not in rules
    assert rules["minor.decide"].status == VIOLATION
    assert rules["minor.term_in_range"].status == VIOLATION
    assert rules["minor.term_in_range"].citation == "Luật Phòng, chống ma túy 2021, Điều 33 khoản 3"
    assert rules["court.notify_acceptance"].status == NOT_EVALUABLE
    assert rules["execution.limitation"].status == NOT_EVALUABLE
    assert "03/2022" not in rules["court.hold_session"].citation
    adult = {f.rule for f in evaluate(case(accepted="01/03/2024"), RS, CAL, d("30/06/2024"))}
    assert not any(r.startswith("minor.") for r in adult)


# ====================================================================== fact checks
def test_session_without_procurator():
    held = EventFact("session_held", d("12/03/2024"), prosecutor_present=False)
    c = case(accepted="01/03/2024", session_order="05/03/2024", session_held=held)
    f = find(c, "court.session_without_procurator", "30/06/2024")
    assert (f.status, f.due, f.actual, f.late, f.unit, f.responsible) == (VIOLATION, None, d("12/03/2024"), None, None, "court")
    assert f.verified is True
    c = case(accepted="01/03/2024", session_held=held, session_postponed="12/03/2024")
    assert find(c, "court.session_without_procurator", "30/06/2024").status == OK
    unknown = EventFact("session_held", d("12/03/2024"))
    assert find(case(accepted="01/03/2024", session_held=unknown), "court.session_without_procurator", "30/06/2024").status == NOT_EVALUABLE


@pytest.mark.parametrize("measure,term,status", [("CSCNBB", 6, VIOLATION), ("CSCNBB", 12, OK), ("TGD", 6, OK), ("CSGDBB", 30, VIOLATION)])
def test_term_in_range(measure, term, status):
    c = case(measure=measure, accepted="01/03/2024", decision=decision("10/03/2024", term=term))
    f = find(c, "court.term_in_range", "30/06/2024")
    assert (f.status, f.actual, f.due, f.late, f.unit) == (status, d("10/03/2024"), None, None, None)
    assert FLAG_UNVERIFIED in f.flags


def test_term_in_range_not_for_other_outcomes():
    c = case(accepted="01/03/2024", decision=decision("10/03/2024", outcome=Outcome.NOT_APPLY, term=None))
    assert find(c, "court.term_in_range", "30/06/2024").status == NOT_EVALUABLE


# ====================================================================== which date proves the act
def test_notice_proved_by_vks_receipt():
    notice = EventFact("acceptance_notice", None, received=d("09/02/2024"))
    f = find(case(accepted="07/02/2024", acceptance_notice=notice), "court.notify_acceptance", "30/06/2024")
    assert (f.status, f.actual) == (OK, d("09/02/2024"))
    assert FLAG_VKS_RECEIPT in f.flags and f.verified is False
    notice = EventFact("acceptance_notice", d("08/02/2024"), received=d("20/02/2024"))
    f = find(case(accepted="07/02/2024", acceptance_notice=notice), "court.notify_acceptance", "30/06/2024")
    assert f.actual == d("08/02/2024") and f.verified is True


def test_send_decision_never_proved_by_the_decision_date():
    f = find(case(accepted="01/03/2024", decision=decision("08/03/2024", received="13/03/2024")), "court.send_decision", "30/06/2024")
    assert (f.status, f.due, f.actual, f.late) == (VIOLATION, d("12/03/2024"), d("13/03/2024"), 1)
    assert FLAG_VKS_RECEIPT in f.flags and not f.verified


def test_send_for_execution():
    base = dict(accepted="01/03/2024", decision=decision("08/03/2024"), effective="16/03/2024")
    f = find(case(**base, police_received="22/03/2024"), "court.send_for_execution", "30/06/2024")
    # 16/03 + 3 D = 19/03/2024
    assert (f.status, f.due, f.actual, f.late, f.unit) == (VIOLATION, d("19/03/2024"), d("22/03/2024"), 3, "D")
    assert FLAG_POLICE_RECEIPT in f.flags and not f.verified
    f = find(case(**base, sent_for_execution="18/03/2024", police_received="22/03/2024"), "court.send_for_execution", "30/06/2024")
    assert f.status == OK and f.actual == d("18/03/2024") and f.verified
    # both the start and the act must be recorded: never overdue
    assert find(case(**base), "court.send_for_execution", "30/06/2024").status == NOT_EVALUABLE


# ====================================================================== overdue only for tracked acts
def test_overdue_only_for_tracked_acts():
    c = case(accepted="07/02/2024", tracked=frozenset({"accepted"}))
    f = find(c, "court.notify_acceptance", "30/06/2024")
    assert f.status == NOT_EVALUABLE and "không theo dõi" in f.reason
    c = case(accepted="07/02/2024", tracked=frozenset({"accepted", "acceptance_notice"}))
    assert find(c, "court.notify_acceptance", "30/06/2024").status == OVERDUE


def test_special_rules_need_both_dates():
    c = case(court_received="01/03/2024")
    assert find(c, "court.return_incomplete", "30/06/2024").status == NOT_EVALUABLE
    c = case(court_received="01/03/2024", court_returned="07/03/2024")
    f = find(c, "court.return_incomplete", "30/06/2024")
    assert (f.status, f.due, f.late) == (VIOLATION, d("05/03/2024"), 2)
    c = case(dossier_notice="01/03/2024", dossier_forwarded="08/03/2024")
    f = find(c, "proposer.forward_dossier", "30/06/2024")
    assert (f.status, f.due, f.late) == (VIOLATION, d("07/03/2024"), 1)
    c = case(accepted="01/03/2024", decision=decision("08/03/2024"), complaint="11/03/2024", challenge_forwarded="12/03/2024")
    assert find(c, "court.forward_challenge", "30/06/2024").status == OK


def test_protest_gives_only_due_soon():
    c = case(accepted="01/03/2024", decision=decision("08/03/2024"))
    assert find(c, "procuracy.protest", "13/03/2024").status == DUE_SOON  # due 15/03/2024
    assert find(c, "procuracy.protest", "30/06/2024").status == OK
    c = case(accepted="01/03/2024", decision=decision("08/03/2024"), protest="20/03/2024")
    assert find(c, "procuracy.protest", "30/06/2024").status == OK


def test_review_transfer_after_return():
    c = case(ldtb_received="04/03/2024", ldtb_returned="05/03/2024", transferred_to_court="11/03/2024")
    f = find(c, "proposer.review_transfer", "30/06/2024")
    assert (f.status, f.due) == (OK, d("11/03/2024"))  # 05/03 + 2 + 2 WD


def test_dossier_checklist():
    c = case(dossier_prepared="01/03/2024", checklist={"bien_ban_vi_pham": False, "tom_tat_ly_lich": True})
    f = find(c, "proposer.dossier_complete", "30/06/2024")
    assert f.status == NOT_EVALUABLE and "chưa được lãnh đạo xác nhận" in f.reason
    assert find(case(dossier_prepared="01/03/2024"), "proposer.dossier_complete", "30/06/2024").status == NOT_EVALUABLE


# ====================================================================== execution in progress
def test_evasion_suspends_and_restarts_delivery():
    base = dict(accepted="01/03/2024", decision=decision("08/03/2024"), police_received="01/04/2024")
    f = find(case(**base, evasion=EventFact("evasion", d("03/04/2024"))), "execution.deliver", "30/06/2024")
    assert f.status == OK and "trốn tránh" in f.reason
    lim = find(case(**base, evasion=EventFact("evasion", d("03/04/2024"))), "execution.limitation", "30/06/2025")
    assert lim.status == OK
    ended = EventFact("evasion", d("03/04/2024"), end=d("20/04/2024"))
    f = find(case(**base, evasion=ended, delivered="24/04/2024"), "execution.deliver", "30/06/2024")
    assert (f.status, f.due) == (OK, d("25/04/2024"))
    # replay before the evasion ended: still suspended
    f = find(case(**base, evasion=ended), "execution.deliver", "15/04/2024")
    assert f.status == OK and "trốn tránh" in f.reason


def test_postponement_and_exemption():
    base = dict(accepted="01/03/2024", decision=decision("08/03/2024"), police_received="01/04/2024")
    f = find(case(**base, execution_postponed="02/04/2024"), "execution.deliver", "30/06/2024")
    assert f.status == OK and "hoãn" in f.reason
    f = find(case(**base, execution_exempted="02/04/2024"), "execution.deliver", "30/06/2024")
    assert f.status == OK and "miễn" in f.reason
    assert find(case(**base, execution_exempted="02/04/2024"), "execution.limitation", "30/06/2025").status == OK


def test_free_text_is_not_an_event():
    base = dict(accepted="01/03/2024", decision=decision("08/03/2024"), police_received="01/04/2024")
    assert find(case(**base), "execution.deliver", "30/06/2024").status == OVERDUE


# ====================================================================== replay
def test_replay_ignores_later_events_and_cases():
    c = case(accepted="07/02/2024", acceptance_notice="19/02/2024")
    assert find(c, "court.notify_acceptance", "16/02/2024").status == DUE_SOON
    assert find(c, "court.notify_acceptance", "17/02/2024").status == OVERDUE  # Saturday after the due date
    assert find(c, "court.notify_acceptance", "19/02/2024").status == VIOLATION
    assert evaluate(c, RS, CAL, d("06/02/2024")) == []
    c = case(court_received="10/03/2024")
    assert evaluate(c, RS, CAL, d("09/03/2024")) == []
    assert evaluate(c, RS, CAL, d("10/03/2024")) != []
    # a receipt date after as_of is not known yet
    notice = EventFact("acceptance_notice", None, received=d("20/02/2024"))
    assert find(case(accepted="07/02/2024", acceptance_notice=notice), "court.notify_acceptance", "19/02/2024").status == OVERDUE


# ====================================================================== provisional calendar, null parameters
def test_provisional_calendar_flag():
    f = find(case(accepted="01/03/2027", acceptance_notice="03/03/2027"), "court.notify_acceptance", "10/03/2027")
    assert f.status == OK
    assert FLAG_PROVISIONAL in f.flags and f.verified is False
    f = find(case(accepted="28/12/2026"), "court.notify_acceptance", "29/12/2026")
    assert f.status == DUE_SOON and FLAG_PROVISIONAL not in f.flags


def test_null_parameter():
    f = find(case(accepted="01/03/2024", archived="01/05/2024"), "procuracy.archive", "30/06/2024")
    assert f.status == NOT_EVALUABLE and f.reason.startswith("chưa có căn cứ để tính")
    f = find(case(accepted="01/03/2022", session_postponed="10/03/2022", session_held="14/03/2022"), "court.postponed_session", "30/06/2022")
    assert (f.status, f.due) == (OK, d("17/03/2022"))  # PL09 5 WD
    f = find(case(accepted="01/03/2024", session_postponed="10/03/2024"), "court.postponed_session", "30/06/2024")
    assert f.status == NOT_EVALUABLE and "chưa có căn cứ" in f.reason


def test_unverified_parameter_flag():
    f = find(case(court_received="04/03/2024", accepted="05/03/2024"), "court.accept", "30/06/2024")
    assert f.status == OK and FLAG_UNVERIFIED in f.flags and not f.verified


# ====================================================================== robustness and contract
def test_never_raises_on_bad_input():
    bad = CaseFacts(key="x", so_thu_ly="", person="", measure="???", events=[EventFact("accepted", "2024-01-01")])
    out = evaluate(bad, RS, CAL, d("30/06/2024"))
    assert out and all(f.status == NOT_EVALUABLE for f in out)
    empty = CaseFacts(key="y", so_thu_ly="", person="", measure="")
    out = evaluate(empty, RS, CAL, d("30/06/2024"))
    assert all(f.status in (NOT_EVALUABLE, OK) for f in out)
    weird = case(measure="XYZ", accepted="01/03/2024", decision=EventFact("decision", d("05/03/2024"), term_months=-3))
    for f in evaluate(weird, RS, CAL, d("30/06/2024")):
        assert f.status in (VIOLATION, OVERDUE, DUE_SOON, OK, NOT_EVALUABLE)
        f.explanation  # renders


def test_to_json_contract():
    c = case(accepted="07/02/2024", acceptance_notice="19/02/2024")
    f = find(c, "court.notify_acceptance", "31/03/2024")
    j = f.to_json(c)
    assert set(j) == {
        "so_thu_ly", "court", "office", "person", "rule", "status", "due", "actual", "late", "unit", "responsible",
        "citation", "verified",
    }
    assert (j["due"], j["actual"], j["late"], j["so_thu_ly"]) == ("2024-02-16", "2024-02-19", 1, "01/2024/TLHS-XLHC")
    x = f.to_json(c, extra=True)
    assert x["explanation"] and x["label"] and x["params"][0]["status"] == "V"


def test_scan_equals_filtered_evaluate():
    cases = [
        case(accepted="07/02/2024"),
        case(accepted="07/02/2024", acceptance_notice="19/02/2024"),
        case(accepted="01/03/2024", decision=decision("25/03/2024"), police_received="01/04/2024"),
    ]
    got = [(c.key, f.rule, f.status) for c, f in scan(cases, RS, CAL, d("16/02/2024"))]
    want = [
        (c.key, f.rule, f.status)
        for c in cases
        for f in evaluate(c, RS, CAL, d("16/02/2024"))
        if f.status in (VIOLATION, OVERDUE, DUE_SOON)
    ]
    assert got == want and got


def test_a_returned_dossier_is_not_awaiting_acceptance():
    """court.accept: the Court returned the dossier (and has not received it again): no overdue."""
    import datetime as _dt

    from kiemsat.domain.calendar import WorkCalendar as _WC
    from kiemsat.domain.engine import evaluate as _evaluate
    from kiemsat.domain.facts import CaseFacts as _CF
    from kiemsat.domain.facts import EventFact as _EF
    from kiemsat.domain.rules import Ruleset as _RS

    rs, cal = _RS.default(), _WC.default()
    D_ = _dt.date

    def accept(events):
        case = _CF(key="r", so_thu_ly="", person="Lê Văn Trả", measure="CSCNBB", events=events)
        return {f.rule: f for f in _evaluate(case, rs, cal, D_(2025, 6, 30))}["court.accept"]

    received = _EF("court_received", D_(2025, 3, 3))
    assert accept([received]).status == "overdue"
    f = accept([received, _EF("court_returned", D_(2025, 3, 4))])
    assert f.status == "not_evaluable" and "trả lại hồ sơ ngày 04/03/2025" in f.reason
    again = accept([received, _EF("court_returned", D_(2025, 3, 4)), _EF("court_received", D_(2025, 3, 20))])
    assert again.status == "overdue" and again.due == D_(2025, 3, 21)
