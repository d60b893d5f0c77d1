"""The register as a user meets it through the browser (Django's test client)."""

import datetime as dt
import re

import pytest

from kiemsat.cases import services
from kiemsat.cases.models import Case, Event


D = dt.date


@pytest.fixture
def leader_client(client, users):
    client.force_login(users["leader"])
    return client


def _names(html):
    return re.findall(r'href="/vu-viec/\d+/">([^<]+)</a>', html)


@pytest.mark.parametrize("url", ["/", "/so-thu-ly/", "/vu-viec/them/", "/vu-viec/1/", "/vu-viec/1/lich-su/",
                                 "/vu-viec/1/su-kien/them/", "/vu-viec/1/sua/"])
def test_every_page_requires_login(client, db, url):
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith("/dang-nhap/")


def test_login_page_is_vietnamese_and_wrong_password_says_so(client, users):
    r = client.get("/dang-nhap/")
    assert "Đăng nhập" in r.content.decode()
    r = client.post("/dang-nhap/", {"username": "lanhdao", "password": "sai-mat-khau-roi"})
    assert "không đúng" in r.content.decode()


def test_search_ignores_diacritics_and_case(leader_client, make_case):
    make_case("Nguyễn Văn Đức")
    make_case("Nguyễn Văn Dũng")
    make_case("Đào Thị Hoa")
    html = leader_client.get("/so-thu-ly/", {"q": "nguyen van duc"}).content.decode()
    assert _names(html) == ["Nguyễn Văn Đức"]
    html = leader_client.get("/so-thu-ly/", {"q": "DAO"}).content.decode()
    assert _names(html) == ["Đào Thị Hoa"]


def test_search_by_so_thu_ly(leader_client, make_case):
    make_case("Trần Văn An", events=[{"code": "accepted", "date": D(2024, 1, 5), "number": "17/2024/TLHS-XLHC"}])
    make_case("Trần Văn Bình", events=[{"code": "accepted", "date": D(2024, 1, 6), "number": "18/2024/TLHS-XLHC"}])
    html = leader_client.get("/so-thu-ly/", {"q": "17/2024"}).content.decode()
    assert _names(html) == ["Trần Văn An"]


def test_names_sort_the_vietnamese_way(leader_client, make_case):
    for n in ["Trần Văn Đức", "Nguyễn Văn Dũng", "Lê Thị Anh", "Phạm Ánh Dương", "Vũ Văn Ân", "Đỗ Văn Ăn"]:
        make_case(n)
    html = leader_client.get("/so-thu-ly/", {"sort": "name"}).content.decode()
    # by given name (Anh < Ân < Ăn? no: a < ă < â), then middle, then family name
    assert _names(html) == ["Lê Thị Anh", "Đỗ Văn Ăn", "Vũ Văn Ân", "Nguyễn Văn Dũng", "Phạm Ánh Dương", "Trần Văn Đức"]
    html = leader_client.get("/so-thu-ly/", {"sort": "-name"}).content.decode()
    assert _names(html)[0] == "Trần Văn Đức"


def test_filters(leader_client, make_case, users):
    make_case("Trần Văn An", measure="TGD", assigned=users["prosecutor"])
    make_case("Trần Văn Bình", measure="CSCNBB", events=[{"code": "accepted", "date": D(2023, 5, 5), "number": "1/2023"}])
    assert _names(leader_client.get("/so-thu-ly/", {"measure": "TGD"}).content.decode()) == ["Trần Văn An"]
    assert _names(leader_client.get("/so-thu-ly/", {"year": "2023"}).content.decode()) == ["Trần Văn Bình"]
    assert _names(leader_client.get("/so-thu-ly/", {"stage": "accepted"}).content.decode()) == ["Trần Văn Bình"]
    assert _names(leader_client.get("/so-thu-ly/", {"staff": users["prosecutor"].pk}).content.decode()) == ["Trần Văn An"]
    assert _names(leader_client.get("/so-thu-ly/", {"outcome": "none", "measure": "TGD"}).content.decode()) == ["Trần Văn An"]


def test_paging(leader_client, make_case):
    for i in range(55):
        make_case(f"Người Số {i}")
    r = leader_client.get("/so-thu-ly/")
    assert "55 vụ việc" in r.content.decode() and len(_names(r.content.decode())) == 50
    r = leader_client.get("/so-thu-ly/", {"page": 2})
    assert len(_names(r.content.decode())) == 5


def test_htmx_search_returns_only_the_rows(leader_client, make_case):
    make_case("Nguyễn Văn Đức")
    r = leader_client.get("/so-thu-ly/", {"q": "duc"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="register-rows")
    html = r.content.decode()
    assert "<html" not in html and _names(html) == ["Nguyễn Văn Đức"]


@pytest.mark.parametrize("params", [{"year": "abc"}, {"page": "zz"}, {"staff": "1;drop"}, {"sort": "nope"},
                                    {"q": "x" * 5000}, {"court": "-1"}])
def test_garbage_parameters_never_give_500(leader_client, make_case, params):
    make_case()
    assert leader_client.get("/so-thu-ly/", params).status_code == 200


def test_create_case_and_events_with_short_dates(client, users):
    client.force_login(users["prosecutor"])
    r = client.post("/vu-viec/them/", {"person_name": "Hoàng Văn Nam", "birth_year": "2002", "measure": "CSCNBB"})
    assert r.status_code == 302
    case = Case.objects.get(person_name="Hoàng Văn Nam")
    assert case.assigned_to == users["prosecutor"]
    r = client.post(f"/vu-viec/{case.pk}/su-kien/them/", {"code": "accepted", "date": "1/2/24", "number": "06/2024/TLHS-XLHC"})
    assert r.status_code == 302
    r = client.post(f"/vu-viec/{case.pk}/su-kien/them/", {"code": "acceptance_notice", "date": "07-02-2024", "received": "ngày 7 tháng 2 năm 2024"})
    assert r.status_code == 302
    notice = Event.objects.get(case=case, code="acceptance_notice")
    assert notice.date == D(2024, 2, 7) and notice.received == D(2024, 2, 7)
    page = client.get(f"/vu-viec/{case.pk}/").content.decode()
    assert "07/02/2024" in page and "01/02/2024" in page


def test_a_rejected_form_keeps_what_was_typed(client, users, make_case):
    client.force_login(users["leader"])
    case = make_case(events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "1/2024"}])
    r = client.post(f"/vu-viec/{case.pk}/su-kien/them/", {"code": "decision", "date": "20/02/2024", "number": "QĐ 9",
                                                         "outcome": "apply", "note": "ghi chú của tôi"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "không thể trước" in html
    assert 'value="20/02/2024"' in html and 'value="QĐ 9"' in html and "ghi chú của tôi" in html
    r = client.post(f"/vu-viec/{case.pk}/su-kien/them/", {"code": "decision", "date": "31/02/2024", "outcome": "apply"})
    assert "Ngày không hợp lệ" in r.content.decode()
    assert not Event.objects.filter(case=case, code="decision").exists()


def test_html_in_a_name_is_shown_escaped(leader_client, make_case):
    case = make_case("<script>alert(1)</script> Văn A")
    html = leader_client.get(f"/vu-viec/{case.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_duplicate_number_shows_a_message_not_a_500(leader_client, make_case):
    make_case("Trần Văn An", events=[{"code": "accepted", "date": D(2024, 1, 5), "number": "17/2024/TLHS-XLHC"}])
    case = make_case("Trần Văn Bình")
    r = leader_client.post(f"/vu-viec/{case.pk}/su-kien/them/", {"code": "accepted", "date": "06/01/2024",
                                                                 "number": "17/2024/TLHS-XLHC"})
    assert r.status_code == 200 and "đã có trong sổ" in r.content.decode()


def test_other_units_case_is_not_found(client, users, make_case, other_unit):
    case = make_case(unit_=other_unit)
    client.force_login(users["leader"])
    assert client.get(f"/vu-viec/{case.pk}/").status_code == 404
    assert "Không tìm thấy" in client.get(f"/vu-viec/{case.pk}/").content.decode()
    assert _names(client.get("/so-thu-ly/").content.decode()) == []


def test_execution_team_sees_only_execution_events_in_the_form(client, users, make_case):
    case = make_case(assigned=users["prosecutor"])
    client.force_login(users["execution"])
    html = client.get(f"/vu-viec/{case.pk}/su-kien/them/").content.decode()
    codes = re.search(r'<select name="code".*?</select>', html, re.S).group(0)
    assert 'value="delivered"' in codes and 'value="accepted"' not in codes
    r = client.post(f"/vu-viec/{case.pk}/su-kien/them/", {"code": "accepted", "date": "01/02/2024", "number": "1"})
    assert r.status_code == 200 and not case.events.exists()
    assert client.get(f"/vu-viec/{case.pk}/sua/").status_code == 403


def test_history_page_shows_old_and_new(leader_client, make_case, users):
    case = make_case()
    services.update_case(actor=users["leader"], case=case, data={"residence": "xã Kiền Bái"})
    html = leader_client.get(f"/vu-viec/{case.pk}/lich-su/").content.decode()
    assert "xã Kiền Bái" in html and "Sửa" in html


def test_viewing_a_case_is_audited(leader_client, make_case):
    from kiemsat.audit.models import AuditEntry

    case = make_case()
    leader_client.get(f"/vu-viec/{case.pk}/")
    e = AuditEntry.objects.filter(action="case.view").get()
    assert e.username == "lanhdao" and e.object_id == str(case.pk)
