"""A small hand-made fixture in the samples' flat format: due_soon, ok and not_evaluable
(a PL09 notice, a null parameter, a year missing from the calendar -> "lịch dự kiến")."""

import datetime as dt

import pytest

from kiemsat.domain.calendar import WorkCalendar
from kiemsat.domain.engine import FLAG_PROVISIONAL, evaluate
from kiemsat.domain.facts import facts_from_flat
from kiemsat.domain.rules import Ruleset

CAL = WorkCalendar.default()
RS = Ruleset.default()

BOOK_KEYS = dict.fromkeys(
    ["court_received", "accepted", "notice_date", "notice_vks_received", "session_order", "session_date", "ksv_present",
     "decision_no", "decision_date", "outcome", "term_months", "decision_vks_received", "effective_recorded",
     "police_received", "delivered", "archived"]
)

FIXTURE = [
    # (flat case, as_of, rule, status, due, flag or reason fragment)
    ({"so_thu_ly": "F1", "measure": "CSCNBB", "accepted": "2024-02-07"}, "2024-02-15",
     "court.notify_acceptance", "due_soon", "2024-02-16", None),
    ({"so_thu_ly": "F2", "measure": "CSCNBB", "accepted": "2024-02-07", "notice_date": "2024-02-16"}, "2024-02-20",
     "court.notify_acceptance", "ok", "2024-02-16", None),
    ({"so_thu_ly": "F3", "measure": "CSCNBB", "accepted": "2022-06-01", "notice_date": "2022-06-20"}, "2022-12-31",
     "court.notify_acceptance", "not_evaluable", None, "chưa có căn cứ để tính"),
    ({"so_thu_ly": "F4", "measure": "CSCNBB", "accepted": "2024-03-01", "decision_date": "2024-03-08", "outcome": "Áp dụng",
      "term_months": 12, "police_received": "2024-03-20", "delivered": "2024-03-22", "archived": "2024-04-01"}, "2024-06-30",
     "procuracy.archive", "not_evaluable", None, "chưa có căn cứ để tính"),
    ({"so_thu_ly": "F5", "measure": "CSCNBB", "accepted": "2027-02-03", "notice_date": "2027-02-04"}, "2027-03-01",
     "court.notify_acceptance", "ok", "2027-02-12", FLAG_PROVISIONAL),
    ({"so_thu_ly": "F6", "measure": "TGD", "accepted": "2024-12-20", "decision_date": "2024-12-31", "outcome": "Áp dụng",
      "term_months": 12, "decision_vks_received": None}, "2024-12-31",
     "court.send_decision", "due_soon", "2025-01-03", None),
    ({"so_thu_ly": "F7", "measure": "CSCNBB", "accepted": "2024-12-20", "decision_date": None, "decision_no": None}, "2025-01-07",
     "court.decide", "overdue", "2025-01-06", "trừ trường hợp vụ việc phức tạp"),
]


@pytest.mark.parametrize("obj,as_of,rule,status,due,mark", FIXTURE, ids=[f[0]["so_thu_ly"] for f in FIXTURE])
def test_fixture(obj, as_of, rule, status, due, mark):
    flat = {**BOOK_KEYS, **obj}
    c = facts_from_flat(flat)
    fs = [f for f in evaluate(c, RS, CAL, dt.date.fromisoformat(as_of)) if f.rule == rule]
    assert len(fs) == 1
    f = fs[0]
    assert f.status == status, f.explanation
    assert (f.due.isoformat() if f.due else None) == due
    if mark:
        assert mark in f.flags or mark in f.reason
