"""The workload score on a fixture computed by hand under the default weights, the explanation in
words, ties in the suggested assignee, reassignment (reason, audit) and the pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kiemsat.audit.models import AuditEntry
from kiemsat.legal import services as legal
from kiemsat.letters.models import Kind, Letter, State
from kiemsat.org.models import Role
from kiemsat.workload import selectors, services

D = dt.date
AS_OF = D(2025, 6, 2)  # a Monday


def decided(make_case, name, n, staff, outcome="apply", extra=(), **kw):
    return make_case(name, assigned=staff, events=[
        {"code": "accepted", "date": D(2025, 1, 6), "number": f"{n}/2025/TLHS-XLHC"},
        {"code": "decision", "date": D(2025, 1, 20), "number": f"{n}/QĐ", "outcome": outcome, "term_months": 12},
        {"code": "effective", "date": D(2025, 2, 5)}, *extra], **kw)


@pytest.fixture
def unit_load(make_case, users, unit):
    a, b = users["prosecutor"], users["inspector"]
    make_case("Một", assigned=a)  # not decided: 3
    make_case("Hai", assigned=a, complex=True)  # not decided, complex: 3 × 1,5 = 4,5
    decided(make_case, "Ba", 1, a)  # decided, not delivered: 1
    decided(make_case, "Bốn", 2, a, extra=[{"code": "delivered", "date": D(2025, 3, 1)}])  # ended: 0
    # received by the Court today: not decided (3) and "thụ lý" due tomorrow (court.accept, 1 working day): +1
    make_case("Năm", assigned=a, events=[{"code": "court_received", "date": AS_OF}])
    decided(make_case, "Sáu", 3, b, outcome="suspend")  # decided (tạm đình chỉ), not ended: 1
    make_case("Bảy", assigned=b)  # 3
    decided(make_case, "Tám", 4, b, outcome="not_apply")  # ended on 05/02/2025: 0
    make_case("Chín")  # nobody
    Letter.objects.create(unit=unit, kind=Kind.COURT, state=State.ISSUED, as_of=D(2025, 5, 1), summary="KN",
                          issued_on=D(2025, 5, 5), created_by=a, ruleset_version_id=legal.active_ruleset()[0],
                          calendar_version_id=legal.active_calendar()[0])  # awaiting a reply: 0,5
    return a, b


def test_the_score_computed_by_hand(unit_load, users):
    a, b = unit_load
    loads = {x.name: x for x in selectors.loads(users["leader"], AS_OF, (D(2025, 1, 1), AS_OF))}
    la, lb, lc = loads[a.full_name], loads[b.full_name], loads[users["specialist"].full_name]
    assert (la.before, la.before_complex, la.after, la.after_complex, la.deadlines, la.letters) == (2, 1, 1, 0, 1, 1)
    assert la.score == 3 * 2 + 4.5 + 1 + 1 + 0.5 == 13
    assert la.explanation == (
        "2 vụ chưa có quyết định × 3 = 6; 1 vụ phức tạp chưa có quyết định × 3 × 1,5 = 4,5; "
        "1 vụ đã có quyết định, chưa kết thúc × 1 = 1; 1 thời hạn đến hạn trong 5 ngày làm việc tới × 1 = 1; "
        "1 kiến nghị chờ trả lời × 0,5 = 0,5. Tổng: 13 điểm.")
    assert (lb.score, lb.explanation) == (4, "1 vụ chưa có quyết định × 3 = 3; "
                                             "1 vụ đã có quyết định, chưa kết thúc × 1 = 1. Tổng: 4 điểm.")
    assert (lc.score, lc.explanation) == (0, "Không có việc đang mở: 0 điểm.")
    assert (la.finished, lb.finished) == (1, 1)  # delivered 01/03, not applied 05/02
    names = [x.name for x in selectors.loads(users["leader"], AS_OF)]
    assert names[:2] == [a.full_name, b.full_name] and names[-1] == "Chưa phân công"


def test_weights_are_a_setting(unit_load, users, settings):
    settings.KIEMSAT_WORKLOAD_WEIGHTS = {"before_decision": 2, "letter": 1}
    la = {x.user_id: x for x in selectors.loads(users["leader"], AS_OF)}[unit_load[0].pk]
    assert la.score == 2 * 2 + 2 * 1.5 + 1 + 1 + 1 == 10
    assert "2 vụ chưa có quyết định × 2 = 4" in la.explanation


def test_suggested_assignee_least_loaded_then_fewer_open_cases_then_name(make_case, users, make_user):
    # prosecutor: 1 undecided case (3 points, 1 open); inspector: 3 decided cases (3 points, 3 open)
    make_case("Một", assigned=users["prosecutor"])
    for i in range(3):
        decided(make_case, f"Vụ {i}", 10 + i, users["inspector"])
    specialist = users["specialist"]  # Vũ Ngọc Lan: 0 points
    s = selectors.suggest_assignee(users["leader"], AS_OF)
    assert s.user == specialist and "thấp nhất: 0 điểm (không có việc đang mở)" in s.reason
    make_user("cv2", Role.SPECIALIST, full_name="Bùi Thị An")  # another 0, same open cases: by name, B before V
    s = selectors.suggest_assignee(users["leader"], AS_OF)
    assert s.user.full_name == "Bùi Thị An" and "chọn theo thứ tự tên" in s.reason and "Vũ Ngọc Lan" in s.reason
    make_case("Hai", assigned=specialist)
    make_case("Ba", assigned=s.user)
    # now: prosecutor 3 (1 open), inspector 3 (3 open), both specialists 3 (1 open): by name among those with 1
    s = selectors.suggest_assignee(users["leader"], AS_OF)
    assert s.user.full_name == "Bùi Thị An"
    make_case("Bốn", assigned=s.user)
    decided(make_case, "Năm", 20, users["prosecutor"])  # prosecutor 4 points
    s = selectors.suggest_assignee(users["leader"], AS_OF)
    assert s.user == specialist  # 3 points like the inspector (3 open cases), but 1 open case
    assert "ít vụ đang mở hơn" in s.reason and users["inspector"].full_name in s.reason


def test_reassignment_needs_a_leader_and_a_reason_and_is_audited(make_case, users):
    c = make_case("Mười", assigned=users["prosecutor"])
    with pytest.raises(PermissionDenied):
        services.reassign(actor=users["prosecutor"], case=c, to=users["inspector"], reason="Cân đối công việc")
    with pytest.raises(ValidationError) as exc:
        services.reassign(actor=users["leader"], case=c, to=users["inspector"], reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.reassign(actor=users["leader"], case=c, to=users["other_leader"], reason="Sang đơn vị khác")
    with pytest.raises(ValidationError):
        services.reassign(actor=users["leader"], case=c, to=users["execution"], reason="Cán bộ thi hành án")
    services.reassign(actor=users["leader"], case=c, to=users["inspector"], reason="Cân đối công việc tháng 6")
    c.refresh_from_db()
    assert c.assigned_to == users["inspector"]
    e = AuditEntry.objects.filter(action="case.reassign").get()
    assert e.changes == {"from": users["prosecutor"].pk, "to": users["inspector"].pk,
                         "reason": "Cân đối công việc tháng 6"} and e.user_id == users["leader"].pk


def test_pages(client, unit_load, users, monkeypatch):
    monkeypatch.setattr(legal, "local_today", lambda: AS_OF)
    client.force_login(users["execution"])
    assert client.get("/phan-cong/").status_code == 403
    client.force_login(users["leader"])
    page = client.get("/phan-cong/").content.decode()
    assert "Vì sao 13 điểm: 2 vụ chưa có quyết định × 3 = 6;" in page
    assert 'id="workload-data"' in page and "workload/chart.js" in page and "<script>" not in page
    assert "Gợi ý phân công vụ việc mới" in page and users["specialist"].full_name in page
    assert 'href="/phan-cong/"' in client.get("/").content.decode()  # the menu item, leaders only
    form = client.get("/vu-viec/them/").content.decode()
    assert "Gợi ý:" in form and f'<option value="{users["specialist"].pk}" selected>' in form
    case = unit_load[0].assigned_cases.first()
    r = client.post(f"/phan-cong/vu-viec/{case.pk}/phan-cong-lai/", {"to": users["specialist"].pk, "reason": ""})
    case.refresh_from_db()
    assert r.status_code == 302 and case.assigned_to == unit_load[0]
    r = client.post(f"/phan-cong/vu-viec/{case.pk}/phan-cong-lai/", {"to": users["specialist"].pk,
                                                                    "reason": "Cân đối khối lượng"})
    case.refresh_from_db()
    assert r.status_code == 302 and case.assigned_to == users["specialist"]
    client.force_login(users["prosecutor"])
    assert 'href="/phan-cong/"' not in client.get("/").content.decode()
    assert client.post(f"/phan-cong/vu-viec/{case.pk}/phan-cong-lai/",
                       {"to": users["prosecutor"].pk, "reason": "Tự nhận vụ việc"}).status_code == 403
