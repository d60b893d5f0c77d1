"""Over HTTP: the execution team records and edits execution events and nothing else; the register
page, its Excel export (audited), the urging letter, handover and archive submission."""

import datetime as dt
import io

import openpyxl
import pytest

from kiemsat.audit.models import AuditEntry
from kiemsat.cases.models import Event
from kiemsat.letters.models import Kind, Letter

from .conftest import applying

D = dt.date


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The pages' "today": 01/06/2025 (the fixtures' people are then still within the statute)."""
    from kiemsat.legal import services as legal

    monkeypatch.setattr(legal, "local_today", lambda: D(2025, 6, 1))
    return D(2025, 6, 1)


@pytest.fixture
def as_execution(client, users):
    client.force_login(users["execution"])
    return client


def test_execution_team_records_execution_events_only(as_execution, exec_case):
    url = f"/vu-viec/{exec_case.pk}/su-kien/them/"
    r = as_execution.post(url, {"code": "execution_postponed", "date": "01/03/2025", "end": "30/04/2025",
                                "number": "3/QĐ"})
    assert r.status_code == 302 and Event.objects.filter(case=exec_case, code="execution_postponed").exists()
    n = Event.objects.count()
    r = as_execution.post(url, {"code": "decision", "date": "01/03/2025", "outcome": "not_apply", "number": "x"})
    assert r.status_code == 200 and Event.objects.count() == n  # not offered, refused
    r = as_execution.post(url, {"code": "archived", "date": "01/03/2025"})
    assert r.status_code == 200 and Event.objects.count() == n
    sent = Event.objects.get(case=exec_case, code="sent_for_execution")
    r = as_execution.post(f"/vu-viec/{exec_case.pk}/su-kien/{sent.pk}/sua/", {"date": "11/02/2025", "number": "13/TA"})
    assert r.status_code == 302
    sent.refresh_from_db()
    assert (sent.date, sent.number) == (D(2025, 2, 11), "13/TA")
    accepted = Event.objects.get(case=exec_case, code="accepted")
    r = as_execution.post(f"/vu-viec/{exec_case.pk}/su-kien/{accepted.pk}/sua/", {"date": "07/01/2025", "number": "z"})
    assert r.status_code == 403
    assert as_execution.post(f"/vu-viec/{exec_case.pk}/su-kien/{accepted.pk}/xoa/").status_code == 403
    assert Event.objects.filter(pk=accepted.pk).exists()
    assert as_execution.get(f"/vu-viec/{exec_case.pk}/sua/").status_code == 403
    assert as_execution.get(f"/thi-hanh/nop-luu/{exec_case.pk}/").status_code == 403
    assert as_execution.get("/phan-cong/").status_code == 403


def test_handover_with_facility_and_record_number(as_execution, exec_case):
    url = f"/thi-hanh/vu-viec/{exec_case.pk}/ban-giao/"
    r = as_execution.post(url, {"date": "05/03/2025", "number": "BB-15", "facility": ""})
    assert r.status_code == 200 and "Cần nhập tên cơ sở tiếp nhận" in r.content.decode()
    r = as_execution.post(url, {"date": "05/03/2025", "number": "BB-15", "facility": "Cơ sở cai nghiện số 2"})
    assert r.status_code == 302
    ev = Event.objects.get(case=exec_case, code="delivered")
    assert (ev.date, ev.number, ev.note) == (D(2025, 3, 5), "BB-15", "Cơ sở: Cơ sở cai nghiện số 2")
    page = as_execution.get(f"/vu-viec/{exec_case.pk}/").content.decode()
    assert "Đã bàn giao vào cơ sở" in page and "Cơ sở cai nghiện số 2" in page


def test_the_register_page_and_its_export(as_execution, exec_case, make_case, users):
    other = applying(make_case, "Phạm Văn Giàu", number="2", extra=[{"code": "delivered", "date": D(2025, 3, 1)}])
    page = as_execution.get("/thi-hanh/").content.decode()
    assert exec_case.person_name in page and other.person_name in page
    assert "Công an đã nhận, chưa bàn giao" in page and "05/02/2026" in page  # statute expiry
    page = as_execution.get("/thi-hanh/?loc=chua-ban-giao").content.decode()
    assert exec_case.person_name in page and other.person_name not in page
    assert as_execution.get("/thi-hanh/?loc=khong-co&page=99").status_code == 200
    r = as_execution.get("/thi-hanh/xuat-excel/?loc=chua-ban-giao")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    values = [c.value for c in ws[5]]
    assert values[1] == exec_case.person_name and values[18] == "Công an đã nhận, chưa bàn giao"
    assert ws.max_row == 5
    entry = AuditEntry.objects.filter(action="export.execution").get()
    assert entry.user_id == users["execution"].pk and "1 người" in entry.summary


def test_urging_letter_from_the_register(as_execution, exec_case, users, letter_unit):
    from kiemsat.org.models import Agency

    Agency.objects.create(name="Công an huyện An Lạc", kind=Agency.Kind.POLICE)
    r = as_execution.post("/thi-hanh/don-doc/", {"case": [str(exec_case.pk)]})
    letter = Letter.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/van-ban/{letter.pk}/"
    assert letter.kind == Kind.URGE and letter.created_by == users["execution"]
    r = as_execution.post("/thi-hanh/don-doc/", {})
    assert r.status_code == 302 and Letter.objects.count() == 1


def test_archive_submission_over_http(client, users, make_case):
    c = applying(make_case, assigned=users["prosecutor"], extra=[{"code": "delivered", "date": D(2025, 3, 1)}])
    client.force_login(users["prosecutor"])
    page = client.get("/thi-hanh/nop-luu/").content.decode()
    assert c.person_name in page and "chưa đặt thời hạn" in page and "Quá hạn" not in page
    r = client.post(f"/thi-hanh/nop-luu/{c.pk}/", {"date": "10/03/2025", "number": ""})
    assert r.status_code == 200 and "Cần nhập số lưu trữ" in r.content.decode()
    assert not Event.objects.filter(code="archived").exists()
    r = client.post(f"/thi-hanh/nop-luu/{c.pk}/", {"date": "10/03/2025", "number": "LT-2025/17"})
    assert r.status_code == 302
    ev = Event.objects.get(case=c, code="archived")
    assert (ev.date, ev.number) == (D(2025, 3, 10), "LT-2025/17")
    assert AuditEntry.objects.filter(action="event.create", object_id=str(ev.pk)).exists()
    page = client.get("/thi-hanh/nop-luu/").content.decode()
    assert f'href="/vu-viec/{c.pk}/"' not in page and "Không còn hồ sơ nào chưa nộp lưu" in page


def test_pages_render_for_every_role(client, users, exec_case):
    for role in ("leader", "prosecutor", "inspector", "specialist", "execution", "admin", "other_leader"):
        client.force_login(users[role])
        for url in ("/thi-hanh/", "/thi-hanh/nop-luu/", "/"):
            assert client.get(url).status_code == 200, (role, url)
        if role != "other_leader":
            assert client.get(f"/vu-viec/{exec_case.pk}/").status_code == 200


def test_home_card_follows_changes(client, users, exec_case, make_case):
    import re

    client.force_login(users["leader"])

    def pending():
        page = client.get("/").content.decode()
        m = re.search(r'loc=chua-ban-giao">Chưa bàn giao</a><span class="badge [^"]*">(\d+)<', page)
        return int(m.group(1))

    assert pending() == 1
    applying(make_case, "Hà Văn Mới", number="5", extra=[{"code": "police_received", "date": D(2025, 2, 12)}])
    assert pending() == 2
    from kiemsat.cases import services as case_services

    case_services.record_event(actor=users["leader"], case=exec_case, code="delivered", date=D(2025, 5, 1))
    assert pending() == 1
    page = client.get(f"/vu-viec/{exec_case.pk}/").content.decode()
    assert "Kết thúc" in page and "Chưa nộp lưu" in page and f"/thi-hanh/nop-luu/{exec_case.pk}/" in page
