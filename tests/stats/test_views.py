"""The statistics pages: the report, the cases behind a number, the exports, the command — and no
500 on garbage."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from .conftest import TODAY

MARCH = "ky=thang&nam=2025&thang=3"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    from kiemsat.legal import services

    monkeypatch.setattr(services, "local_today", lambda: TODAY)


@pytest.fixture
def leader(client, users, register, letters):
    client.force_login(users["leader"])
    return client


def test_menu_has_the_statistics_entry(leader):
    html = leader.get(reverse("home")).content.decode()
    assert f'href="{reverse("stats_report")}"' in html and "Thống kê" in html


def test_report_page_shows_the_figures_with_links(leader):
    r = leader.get(reverse("stats_report") + "?" + MARCH)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Tháng 03/2025 (01/03/2025 – 31/03/2025)" in html
    assert "Số liệu tính đến ngày 31/03/2025" in html
    assert "Kháng nghị được chấp nhận (toàn bộ hoặc một phần)" in html and "chưa có dữ liệu" not in html
    assert "66,7%" in html  # kiến nghị: 2 of 3 accepted
    assert 'id="stats-charts"' in html and "chart.umd.min.js" in html
    links = re.findall(r'href="(/thong-ke/vu-viec/\?[^"]+)"', html)
    assert links
    # every link opens and shows the same number it was clicked on
    for href in set(links):
        page = leader.get(href.replace("&amp;", "&"))
        assert page.status_code == 200, href
    r = leader.get(reverse("stats_cases") + "?" + MARCH + "&chi_tieu=remaining")
    html = r.content.decode()
    assert "Còn lại chưa giải quyết: 3 vụ việc" in html
    assert "Trần Văn Bình" in html and "Mai Văn Minh" in html and "Phạm Văn Dũng" in html
    r = leader.get(reverse("stats_cases") + "?" + MARCH + "&chi_tieu=violations&quy_tac=court.notify_acceptance")
    html = r.content.decode()
    assert "Lê Văn Cường" in html and "hạn 12/03/2025" in html and "thực hiện 14/03/2025" in html


def test_default_period_is_the_current_reporting_year(leader):
    html = leader.get(reverse("stats_report")).content.decode()
    assert "Năm 2025 (01/12/2024 – 30/11/2025)" in html
    assert "Số liệu tính đến ngày 30/06/2025" in html and "kỳ chưa kết thúc" in html


@pytest.mark.parametrize("qs, msg", [
    ("ky=abc", "Loại kỳ báo cáo không hợp lệ"),
    ("ky=thang&nam=2025&thang=13", "Tháng không hợp lệ"),
    ("ky=nam&nam=xyz", "Năm phải là một số"),
    ("ky=nam&nam=99999", "Năm không hợp lệ"),
    ("ky=tuy-chon&tu=99/99/9999&den=01/01/2025", "Ngày không hợp lệ"),
    ("ky=tuy-chon&tu=01/03/2025&den=01/01/2025", "trước ngày bắt đầu"),
    ("ky=tuy-chon&tu=01/03/2025", "Cần nhập cả"),
    ("ky=quy&nam=2025", "Cần chọn quý"),
    ("ky=thang&nam=2025&thang=3&don_vi=abc", "Đơn vị"),
])
def test_garbage_params_give_a_message_not_a_500(leader, qs, msg):
    r = leader.get(reverse("stats_report") + "?" + qs)
    assert r.status_code == 200
    assert msg in r.content.decode()
    for name in ("stats_xlsx", "stats_docx", "stats_cases"):
        r = leader.get(reverse(name) + "?" + qs)
        assert r.status_code == 302


@pytest.mark.parametrize("extra", ["chi_tieu=nonsense", "chi_tieu=", "chi_tieu=recommendations",
                                   "chi_tieu=violations&quy_tac=xyz&co_quan=abc&tinh_trang=zzz&bien_phap=q",
                                   "chi_tieu=new&page=999", "chi_tieu=new&don_vi_con=abc", "chi_tieu=new&page=-1"])
def test_cases_page_garbage(leader, extra):
    r = leader.get(reverse("stats_cases") + "?" + MARCH + "&" + extra, follow=True)
    assert r.status_code == 200


def test_unit_user_does_not_see_other_units(leader, register):
    html = leader.get(reverse("stats_cases") + "?" + MARCH + "&chi_tieu=new").content.decode()
    assert "Khúc Văn Khoa" not in html and "Thụ lý mới: 4 vụ việc" in html


def test_provincial_report_per_unit_and_total(client, provincial, register, unit, other_unit):
    client.force_login(provincial)
    html = client.get(reverse("stats_report") + "?" + MARCH).content.decode()
    assert "Theo đơn vị" in html and unit.name in html and other_unit.name in html
    assert 'name="don_vi"' in html
    r = client.get(reverse("stats_cases") + "?" + MARCH + f"&chi_tieu=new&don_vi_con={other_unit.pk}")
    assert "Khúc Văn Khoa" in r.content.decode() and "Thụ lý mới: 1 vụ việc" in r.content.decode()
    html = client.get(reverse("stats_report") + "?" + MARCH + f"&don_vi={other_unit.pk}").content.decode()
    assert "Theo đơn vị" not in html and other_unit.name in html


def test_xlsx_export_has_the_figures_and_charts(leader):
    import openpyxl

    r = leader.get(reverse("stats_xlsx") + "?" + MARCH)
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.xlsx"')
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Báo cáo", "Vi phạm", "Theo tháng"]
    ws = wb["Báo cáo"]
    head = [c.value for c in ws[5]]
    total_row = next(row for row in ws.iter_rows(values_only=True) if row[0] == "Tổng cộng")
    assert head[1:4] == ["Số cũ chuyển sang", "Thụ lý mới", "Tổng số phải giải quyết"]
    wbv = openpyxl.load_workbook(io.BytesIO(r.content), data_only=True)  # cached values of the formulas
    total_row = next(row for row in wbv["Báo cáo"].iter_rows(values_only=True) if row[0] == "Tổng cộng")
    assert list(total_row[1:4]) == [4, 4, 8]
    assert wb["Báo cáo"]._charts and wb["Theo tháng"]._charts and wb["Vi phạm"]._charts
    values = [row for row in wbv["Báo cáo"].iter_rows(values_only=True)]
    pairs = [(str(r[0]).strip(), r[1]) for r in values if r[0]]
    assert ("Kháng nghị được chấp nhận (toàn bộ hoặc một phần)", 0) in pairs and ("Kiến nghị ban hành", 3) in pairs
    assert ("Tỷ lệ kháng nghị được chấp nhận", "—") in pairs  # no protest decided in March
    assert ("Tỷ lệ kiến nghị được chấp nhận", pytest.approx(0.667)) in pairs


def test_xlsx_per_unit_sheet_for_a_provincial_user(client, provincial, register):
    import openpyxl

    client.force_login(provincial)
    wb = openpyxl.load_workbook(io.BytesIO(client.get(reverse("stats_xlsx") + "?" + MARCH).content))
    assert "Theo đơn vị" in wb.sheetnames


def test_docx_export_in_the_report_form(leader, unit):
    import docx

    unit.parent_name = "VIỆN KIỂM SÁT NHÂN DÂN TỈNH HẢI DƯƠNG"
    unit.place = "An Lạc"
    unit.save()
    r = leader.get(reverse("stats_docx") + "?" + MARCH)
    assert r.status_code == 200
    d = docx.Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in d.paragraphs)
    cells = "\n".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    assert "BÁO CÁO" in text and "tháng 03/2025" in text
    assert "Số cũ chuyển sang: 4 vụ việc; thụ lý mới: 4 vụ việc; tổng số phải giải quyết: 8 vụ việc" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "VIỆN KIỂM SÁT NHÂN DÂN HUYỆN AN LẠC" in cells
    assert "VIỆN TRƯỞNG" in cells and "VKSND tỉnh Hải Dương (để báo cáo)" in cells
    assert "An Lạc, ngày 30 tháng 06 năm 2025" in cells
    assert "Ban hành 3 kiến nghị; được chấp nhận 2" in text and "66,7%" in text
    assert round(d.sections[0].left_margin.mm) == 30


def test_exports_are_audited(leader):
    from kiemsat.audit.models import AuditEntry

    leader.get(reverse("stats_xlsx") + "?" + MARCH)
    assert AuditEntry.objects.filter(action="export.stats_xlsx").exists()


def test_report_command_json(register, capsys):
    out = io.StringIO()
    call_command("report", "--period", "3/2025", "--today", "30/06/2025", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["period"]["start"] == "2025-03-01" and data["as_of"] == "2025-03-31"
    ind = {k: v["value"] for k, v in data["indicators"].items()}
    assert (ind["carried"], ind["new"], ind["total"], ind["resolved"], ind["remaining"]) == (4, 5, 9, 5, 4)
    assert ind["recommendations"] == 0 and ind["protests_accepted"] == 0 and ind["protests_rate"] == "—"
    out = io.StringIO()
    call_command("report", "--period", "Q2/2025", "--today", "30/06/2025", stdout=out)
    assert "Quý II năm 2025" in out.getvalue()


def test_a_user_without_a_unit_gets_an_empty_report(client, make_user, register):
    from kiemsat.org.models import Role

    u = make_user("vodanh", Role.SPECIALIST)
    u.unit = None
    u.save()
    client.force_login(u)
    for name in ("stats_report", "stats_xlsx", "stats_docx"):
        assert client.get(reverse(name) + "?" + MARCH).status_code == 200
    r = client.get(reverse("stats_cases") + "?" + MARCH + "&chi_tieu=violations")
    assert r.status_code == 200 and "Không có vụ việc nào" in r.content.decode()


def test_fields_of_another_kind_of_period_are_ignored(leader):
    r = leader.get(reverse("stats_report") + "?ky=thang&nam=2025&thang=3&quy=9&tu=rác&den=&dot=x")
    html = r.content.decode()
    assert "Chưa lập được báo cáo" not in html and "Tháng 03/2025" in html
    html = leader.get(reverse("stats_report") + "?ky=tuy-chon&tu=01/03/2025&den=31/03/2025&nam=abc").content.decode()
    assert "Từ 01/03/2025 đến 31/03/2025" in html and "Chưa lập được báo cáo" not in html
