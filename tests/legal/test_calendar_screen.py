"""The calendar screen: every year's days off and make-up Saturdays with their source; an
administrator edits a year with a reason (new version, audited); provisional years are marked."""

import datetime as dt

import pytest

from kiemsat.audit.models import AuditEntry
from kiemsat.legal import services
from kiemsat.legal.models import CalendarVersion

D = dt.date


@pytest.fixture(autouse=True)
def _seeded(db):
    services.active_calendar()


def fmt(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d:%d/%m/%Y}"


def year_rows(year: int) -> list[dict]:
    pk, _ = services.active_calendar()
    data = CalendarVersion.objects.get(pk=pk).data
    rows = []
    for e in services.calendar_year_entries(data, year):
        a = max(dt.date.fromisoformat(e["from"]), D(year, 1, 1))
        b = min(dt.date.fromisoformat(e["to"]), D(year, 12, 31))
        rows.append({"start": f"{a:%d/%m/%Y}", "end": f"{b:%d/%m/%Y}", "kind": e["kind"], "name": e.get("name", ""),
                     "source": e.get("source", ""), "status": e.get("status", "S")})
    return rows


def payload(rows, **year):
    data = {"e-TOTAL_FORMS": str(len(rows)), "e-INITIAL_FORMS": "0", "e-MIN_NUM_FORMS": "0",
            "e-MAX_NUM_FORMS": "1000", "source": "Công văn thử nghiệm", "status": "V", "confirmed": "on",
            "reason": "Cập nhật theo công văn mới"}
    for i, r in enumerate(rows):
        for k, v in r.items():
            data[f"e-{i}-{k}"] = v
    data.update(year)
    return data


# ------------------------------------------------------------------------------------ reading
@pytest.mark.parametrize("who", ["leader", "prosecutor", "admin"])
def test_everyone_reads_a_year(client, users, who):
    client.force_login(users[who])
    r = client.get("/lich-lam-viec/?nam=2024")
    assert r.status_code == 200
    html = r.content.decode()
    assert "08/02/2024" in html and "14/02/2024" in html and "Tết Nguyên đán" in html
    assert "04/05/2024" in html and "Làm bù" in html  # the make-up Saturday
    assert "Công văn 8662/VPCP-KGVX" in html and "Đã công bố" in html
    assert html.count('class="cal-month') == 12
    assert "Thứ Bảy 04/05/2024 — Làm bù" in html  # the grid cell says what the day is
    assert "Thứ Năm 08/02/2024 — Nghỉ: Tết Nguyên đán" in html
    assert ("/lich-lam-viec/2024/sua/" in html) == (who == "admin")


def test_default_year_is_this_year(client, users):
    client.force_login(users["prosecutor"])
    r = client.get("/lich-lam-viec/")
    assert r.status_code == 200
    assert f"năm {services.local_today().year}" in r.content.decode()


def test_unannounced_year_is_computed_from_the_law_and_marked_provisional(client, users):
    client.force_login(users["prosecutor"])
    html = client.get("/lich-lam-viec/?nam=2027").content.decode()
    assert "Dự kiến — tính theo luật" in html and "lịch dự kiến" in html
    # Tết 2027: lunar new year's day Sat 06/02/2027 → 05/02–09/02 off, with a compensatory day
    assert "05/02/2027" in html and "Tết Nguyên đán" in html
    assert "cal-off-prov" in html


@pytest.mark.parametrize("q", ["abc", "99999", "-1", "2024.5", "", "%00", "1989"])
def test_garbage_year_is_not_an_error(client, users, q):
    client.force_login(users["prosecutor"])
    r = client.get("/lich-lam-viec/", {"nam": q})
    assert r.status_code == 200
    assert "Lịch làm việc khu vực công năm" in r.content.decode()


def test_a_year_with_no_entries_reads(client, users):
    client.force_login(users["prosecutor"])
    for y in (1990, 1995, 2050, 2100):
        assert client.get(f"/lich-lam-viec/?nam={y}").status_code == 200


# ------------------------------------------------------------------------------ permissions
@pytest.mark.parametrize("who", ["leader", "prosecutor", "execution"])
def test_non_admin_gets_403(client, users, who):
    client.force_login(users[who])
    before = CalendarVersion.objects.count()
    assert client.get("/lich-lam-viec/2025/sua/").status_code == 403
    assert client.post("/lich-lam-viec/2025/sua/", payload(year_rows(2025))).status_code == 403
    assert CalendarVersion.objects.count() == before


# ------------------------------------------------------------------------------------ editing
def test_admin_adds_a_day_off_and_a_due_date_moves(client, users):
    _, cal = services.active_calendar()
    assert cal.add_wd(D(2025, 2, 28), 1) == D(2025, 3, 3)
    client.force_login(users["admin"])
    r = client.get("/lich-lam-viec/2025/sua/")
    assert r.status_code == 200 and "07/04/2025" in r.content.decode()
    rows = year_rows(2025) + [{"start": "03/03/2025", "end": "", "kind": "off", "name": "Nghỉ đột xuất (thử)",
                               "source": "Quyết định thử", "status": "V"}]
    r = client.post("/lich-lam-viec/2025/sua/", payload(rows))
    assert r.status_code == 302 and r["Location"].endswith("?nam=2025")
    _, cal = services.active_calendar()
    assert not cal.is_working_day(D(2025, 3, 3))
    assert cal.add_wd(D(2025, 2, 28), 1) == D(2025, 3, 4)
    row = CalendarVersion.objects.get(is_active=True)
    assert row.kind == CalendarVersion.Kind.EDIT and row.reason == "Cập nhật theo công văn mới"
    assert row.created_by == users["admin"]
    assert AuditEntry.objects.filter(action="calendarversion.activate", object_id=str(row.pk)).exists()
    html = client.get("/lich-lam-viec/?nam=2025").content.decode()
    assert "Nghỉ đột xuất (thử)" in html and "Quyết định thử" in html and "Cập nhật theo công văn mới" in html


def test_admin_removes_a_make_up_saturday_and_a_holiday(client, users):
    _, cal = services.active_calendar()
    assert cal.add_wd(D(2025, 4, 25), 1) == D(2025, 4, 26)  # Sat 26/04/2025 is worked
    assert cal.add_wd(D(2025, 4, 4), 1) == D(2025, 4, 8)  # Mon 07/04/2025 Giỗ Tổ
    client.force_login(users["admin"])
    rows = year_rows(2025)
    for r in rows:
        if r["start"] in ("26/04/2025", "07/04/2025"):
            r["DELETE"] = "on"
    r = client.post("/lich-lam-viec/2025/sua/", payload(rows))
    assert r.status_code == 302
    _, cal = services.active_calendar()
    assert not cal.is_working_day(D(2025, 4, 26))
    assert cal.is_working_day(D(2025, 4, 7))
    assert cal.add_wd(D(2025, 4, 25), 1) == D(2025, 4, 28)
    assert cal.add_wd(D(2025, 4, 4), 1) == D(2025, 4, 7)
    assert not cal.is_working_day(D(2025, 1, 29))  # the rest of the year is kept


def test_admin_makes_a_saturday_a_working_day(client, users):
    client.force_login(users["admin"])
    rows = year_rows(2024) + [{"start": "16/11/2024", "kind": "work", "name": "Làm bù (thử)", "source": "x",
                               "status": "S"}]
    assert client.post("/lich-lam-viec/2024/sua/", payload(rows)).status_code == 302
    _, cal = services.active_calendar()
    assert cal.is_working_day(D(2024, 11, 16))
    assert cal.add_wd(D(2024, 11, 15), 1) == D(2024, 11, 16)
    assert cal.add_wd(D(2024, 2, 7), 2) == D(2024, 2, 16)  # Tết 2024 untouched


def test_confirming_a_provisional_year(client, users):
    _, cal = services.active_calendar()
    assert cal.is_provisional(D(2027, 3, 1))
    client.force_login(users["admin"])
    r = client.get("/lich-lam-viec/2027/sua/")
    html = r.content.decode()
    assert r.status_code == 200 and "tính sẵn theo luật" in html and "05/02/2027" in html
    rows = [{"start": "01/01/2027", "kind": "off", "name": "Tết Dương lịch", "source": "CV thử", "status": "V"},
            {"start": "04/02/2027", "end": "10/02/2027", "kind": "off", "name": "Tết Nguyên đán", "source": "CV thử",
             "status": "V"}]
    assert client.post("/lich-lam-viec/2027/sua/", payload(rows)).status_code == 302
    _, cal = services.active_calendar()
    assert not cal.is_provisional(D(2027, 3, 1))
    assert not cal.is_working_day(D(2027, 2, 4)) and not cal.is_working_day(D(2027, 2, 10))
    assert cal.is_working_day(D(2027, 4, 30))  # not entered: the table is authoritative for a listed year
    html = client.get("/lich-lam-viec/?nam=2027").content.decode()
    assert "Đã công bố" in html and "CV thử" in html


def test_unconfirmed_year_stays_provisional(client, users):
    client.force_login(users["admin"])
    data = payload(year_rows(2026))
    del data["confirmed"]
    assert client.post("/lich-lam-viec/2026/sua/", data).status_code == 302
    _, cal = services.active_calendar()
    assert cal.is_provisional(D(2026, 6, 1))
    assert "Dự kiến — chưa xác nhận" in client.get("/lich-lam-viec/?nam=2026").content.decode()


def test_an_entry_across_new_year_keeps_its_part_in_the_other_year(client, users):
    client.force_login(users["admin"])
    rows = year_rows(2023)
    assert rows[0]["start"] == "01/01/2023" and rows[0]["end"] == "02/01/2023"
    assert client.post("/lich-lam-viec/2023/sua/", payload(rows)).status_code == 302
    pk, cal = services.active_calendar()
    data = CalendarVersion.objects.get(pk=pk).data
    assert [e for e in data["entries"] if e.get("from") == "2022-12-31"][0]["to"] == "2022-12-31"
    assert not cal.is_working_day(D(2023, 1, 2))
    assert cal.add_wd(D(2022, 12, 30), 1) == D(2023, 1, 3)


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("change, message", [
    ({"reason": ""}, "Cần ghi lý do thay đổi"),
    ({"reason": "x"}, "ít nhất 5 ký tự"),
    ({"e-0-start": "32/01/2025"}, "Ngày không hợp lệ"),
    ({"e-0-start": "ngày mai"}, "Ngày không hợp lệ"),
    ({"e-0-start": ""}, "Nhập ngày bắt đầu"),
    ({"e-0-start": "01/01/2024"}, "không thuộc năm 2025"),
    ({"e-0-start": "05/01/2025", "e-0-end": "02/01/2025"}, "Ngày kết thúc ở trước ngày bắt đầu"),
    ({"e-0-name": ""}, "Nhập tên"),
    ({"e-0-kind": "holiday"}, "Loại ngày phải là Nghỉ hoặc Làm bù"),
    ({"e-0-status": "Z"}, "V, S hoặc U"),
    ({"e-1-start": "01/01/2025", "e-1-end": "03/01/2025"}, "Hai dòng trùng ngày nhau"),
    ({"e-1-start": "01/01/2025"}, "không nên dài quá 31 ngày"),
    ({"e-0-kind": "work"}, "Ngày làm bù phải là thứ Bảy hoặc Chủ nhật"),
    ({"source": "", "confirmed": "on"}, "cần ghi nguồn"),
    ({"status": "Q"}, "V, S hoặc U"),
])
def test_bad_input_gives_messages(client, users, change, message):
    client.force_login(users["admin"])
    before = CalendarVersion.objects.count()
    rows = [{"start": "01/01/2025", "kind": "off", "name": "Tết Dương lịch", "source": "CV", "status": "V"},
            {"start": "25/01/2025", "end": "02/02/2025", "kind": "off", "name": "Tết Nguyên đán", "source": "CV",
             "status": "V"}]
    r = client.post("/lich-lam-viec/2025/sua/", {**payload(rows), **change})
    assert r.status_code == 200
    assert message in r.content.decode()
    assert CalendarVersion.objects.count() == before


def test_a_year_with_no_rows_is_refused_with_a_message(client, users):
    client.force_login(users["admin"])
    before = CalendarVersion.objects.count()
    r = client.post("/lich-lam-viec/2025/sua/", payload([]))
    assert r.status_code == 200 and "ít nhất một dòng" in r.content.decode()
    rows = [{"start": "01/01/2025", "kind": "off", "name": "Tết Dương lịch", "DELETE": "on"}]
    r = client.post("/lich-lam-viec/2025/sua/", payload(rows))
    assert r.status_code == 200 and "ít nhất một dòng" in r.content.decode()
    assert CalendarVersion.objects.count() == before


def test_blank_extra_rows_are_ignored(client, users):
    client.force_login(users["admin"])
    rows = year_rows(2025) + [{"start": "", "end": "", "kind": "off", "name": "", "source": "", "status": "S"}]
    assert client.post("/lich-lam-viec/2025/sua/", payload(rows)).status_code == 302


def test_tampered_management_form_and_bad_year(client, users):
    client.force_login(users["admin"])
    r = client.post("/lich-lam-viec/2025/sua/", {"reason": "lý do đủ dài", "status": "V"})
    assert r.status_code == 200
    r = client.post("/lich-lam-viec/2025/sua/", {**payload(year_rows(2025)), "e-TOTAL_FORMS": "abc"})
    assert r.status_code == 200
    assert client.get("/lich-lam-viec/3000/sua/").status_code == 404
    assert client.get("/lich-lam-viec/0/sua/").status_code == 404
