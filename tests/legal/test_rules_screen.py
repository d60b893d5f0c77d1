"""The ruleset screen: everyone reads it; a leader confirms or changes a parameter after a preview
of the findings that would appear or disappear on open cases; every change is a new version."""

import datetime as dt
import re

import pytest

from kiemsat.audit.models import AuditEntry
from kiemsat.domain import engine
from kiemsat.legal import services
from kiemsat.legal.models import RulesetVersion

D = dt.date
NOTIFY = "court.notify_acceptance"
CHANGE_URL = "/quy-tac/court.notify_acceptance/period/PL03/sua/"


@pytest.fixture(autouse=True)
def _seeded(db):
    services.active_ruleset()  # the seed version exists before anything is counted


def notify(case, as_of=D(2024, 6, 1)):
    [f] = [f for f in services.case_findings(case, as_of) if f.rule == NOTIFY]
    return f


@pytest.fixture
def late_notice(make_case):
    """Thụ lý Wed 07/02/2024 (PL03) → due Fri 16/02/2024; notice 19/02 is late by 1 working day."""
    return make_case("Phạm Văn Lâm", events=[
        {"code": "accepted", "date": D(2024, 2, 7), "number": "05/2024/TLHS-XLHC"},
        {"code": "acceptance_notice", "date": D(2024, 2, 19)},
    ])


def post_change(client, data, url=CHANGE_URL):
    """Preview, then confirm with the digest the preview gave."""
    r = client.post(url, data)
    assert r.status_code == 200
    m = re.search(r'name="digest" value="([0-9a-f]+)"', r.content.decode())
    assert m, r.content.decode()[:2000]
    return r, client.post(url, {**data, "digest": m.group(1), "confirm": "1"})


# ------------------------------------------------------------------------------------ reading
@pytest.mark.parametrize("who", ["leader", "prosecutor", "execution", "admin"])
def test_everyone_reads_the_ruleset(client, users, who):
    client.force_login(users[who])
    r = client.get("/quy-tac/")
    assert r.status_code == 200
    html = r.content.decode()
    _, rs = services.active_ruleset()
    for rule in rs.rules:
        assert rule.id in html
    assert "Pháp lệnh 03/2022/UBTVQH15, Điều 12 khoản 1" in html  # a citation
    assert "căn cứ chưa xác minh" in html  # S/U parameters are shown as such
    assert "chưa có căn cứ để tính" in html  # null parameters
    assert "Tòa án" in html and "Công an" in html and "Cơ quan đề nghị" in html and "VKS" in html
    assert "01/02/2023" in html  # a dated value, dd/mm/yyyy
    assert "Các phiên bản của bộ quy tắc" in html and "đang áp dụng" in html
    has_buttons = "/sua/" in html or "/xac-nhan/" in html
    assert has_buttons == (who == "leader")


def test_rule_detail_and_unknown_rule(client, users):
    client.force_login(users["prosecutor"])
    r = client.get("/quy-tac/execution.limitation/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Luật Xử lý vi phạm hành chính" in html and "tháng" in html and "Công an" in html
    assert client.get("/quy-tac/khong.co/").status_code == 404
    assert client.get("/quy-tac/?phien-ban=abc").status_code == 200
    assert client.get("/quy-tac/?phien-ban=999999").status_code == 200
    assert client.get("/quy-tac/?phien-ban=99999999999999999999999").status_code == 200


def test_every_rule_and_parameter_page_renders_for_a_leader(client, users):
    client.force_login(users["leader"])
    _, rs = services.active_ruleset()
    for rule in rs.rules:
        assert client.get(f"/quy-tac/{rule.id}/").status_code == 200
        for name, p in rule.params.items():
            for key in p.nodes:
                k = key if p.by else "-"
                assert client.get(f"/quy-tac/{rule.id}/{name}/{k}/sua/").status_code in (200, 302)
                assert client.get(f"/quy-tac/{rule.id}/{name}/{k}/xac-nhan/").status_code in (200, 302)


def test_an_older_version_can_be_read(client, users):
    first = RulesetVersion.objects.get(is_active=True)
    services.change_parameter(actor=users["leader"], rule_id=NOTIFY, param="period", key="PL03", kind="correction",
                              value=3, since=None, status="V", citation="x", reason="Thử đính chính")
    client.force_login(users["prosecutor"])
    html = client.get(f"/quy-tac/?phien-ban={first.pk}").content.decode()
    assert "Đang xem phiên bản cũ" in html and first.label in html


def test_anonymous_is_sent_to_login(client):
    r = client.get("/quy-tac/")
    assert r.status_code == 302 and "/dang-nhap/" in r["Location"]


# ------------------------------------------------------------------------------ permissions
@pytest.mark.parametrize("who", ["prosecutor", "inspector", "specialist", "execution", "admin"])
def test_non_leaders_get_403_on_change_urls(client, users, who):
    client.force_login(users[who])
    before = RulesetVersion.objects.count()
    for url in (CHANGE_URL, "/quy-tac/court.notify_acceptance/period/PL09/xac-nhan/"):
        assert client.get(url).status_code == 403
        assert client.post(url, {"kind": "correction", "value": "5", "status": "V", "reason": "thử sửa trái phép",
                                 "confirm": "1"}).status_code == 403
    assert RulesetVersion.objects.count() == before


def test_unknown_parameter_is_404_for_a_leader(client, users):
    client.force_login(users["leader"])
    assert client.get("/quy-tac/court.notify_acceptance/period/XX/sua/").status_code == 404
    assert client.get("/quy-tac/court.notify_acceptance/khong/PL03/sua/").status_code == 404


# ------------------------------------------------------------------------------- correction
def test_correction_previews_then_changes_the_active_ruleset_and_the_finding(client, users, late_notice):
    f = notify(late_notice)
    assert f.status == engine.VIOLATION and f.due == D(2024, 2, 16) and f.late == 1
    client.force_login(users["leader"])
    assert client.get(CHANGE_URL).status_code == 200
    data = {"kind": "correction", "value": "5", "status": "V", "since": "",
            "citation": "Pháp lệnh 03/2022/UBTVQH15, Điều 12 khoản 1", "note": "",
            "reason": "Đối chiếu lại văn bản gốc"}
    before = RulesetVersion.objects.count()
    preview, saved = post_change(client, data)
    html = preview.content.decode()
    # the preview names the finding that would disappear, and nothing is saved yet
    assert "Sẽ mất đi (1)" in html and "Phạm Văn Lâm" in html and "05/2024/TLHS-XLHC" in html
    assert "16/02/2024" in html and "Vi phạm, chậm 01 ngày làm việc" in html
    assert "Sẽ xuất hiện (0)" in html
    assert saved.status_code == 302
    assert RulesetVersion.objects.count() == before + 1
    row = RulesetVersion.objects.get(is_active=True)
    assert row.kind == RulesetVersion.Kind.CORRECTION and row.created_by == users["leader"]
    assert row.reason == "Đối chiếu lại văn bản gốc"
    _, rs = services.active_ruleset()
    assert rs[NOTIFY].params["period"].get("PL03", D(2024, 2, 7)).value == 5
    f = notify(late_notice)
    assert f.status == engine.OK and f.due == D(2024, 2, 21)
    assert AuditEntry.objects.filter(action="rulesetversion.activate", object_id=str(row.pk)).exists()
    page = client.get("/quy-tac/").content.decode()
    assert "Đối chiếu lại văn bản gốc" in page and "Đính chính" in page


def test_preview_lists_appearing_findings_and_null_value(client, users, make_case):
    # A PL09 case: the notice period is null, so nothing is found; setting it to 2 makes a violation appear.
    case = make_case("Trần Thị Mai", events=[
        {"code": "accepted", "date": D(2022, 6, 1), "number": "12/2022/TLHS-XLHC"},
        {"code": "acceptance_notice", "date": D(2022, 6, 10)},
    ])
    assert notify(case).status == engine.NOT_EVALUABLE
    client.force_login(users["leader"])
    url = "/quy-tac/court.notify_acceptance/period/PL09/sua/"
    data = {"kind": "correction", "value": "2", "status": "S", "citation": "Pháp lệnh 09/2014/UBTVQH13",
            "note": "", "reason": "Bổ sung thời hạn theo văn bản"}
    preview, saved = post_change(client, data, url)
    html = preview.content.decode()
    assert "Sẽ xuất hiện (1)" in html and "Trần Thị Mai" in html and "12/2022/TLHS-XLHC" in html
    assert "03/06/2022" in html  # due: 2 working days after Wed 01/06/2022
    assert saved.status_code == 302
    f = notify(case)
    assert f.status == engine.VIOLATION and f.due == D(2022, 6, 3)
    assert engine.FLAG_UNVERIFIED in f.flags  # status S
    # and back to empty = null: "chưa có căn cứ để tính"
    preview, saved = post_change(client, {**data, "value": "", "reason": "Chưa có căn cứ chính thức"}, url)
    assert "Sẽ mất đi (1)" in preview.content.decode()
    assert saved.status_code == 302
    f = notify(case)
    assert f.status == engine.NOT_EVALUABLE and f.reason.startswith(engine.REASON_NULL)


def test_closed_cases_are_not_in_the_preview(client, users, make_case):
    make_case("Võ Văn Kết", events=[
        {"code": "accepted", "date": D(2024, 2, 7), "number": "07/2024/TLHS-XLHC"},
        {"code": "acceptance_notice", "date": D(2024, 2, 19)},
        {"code": "decision", "date": D(2024, 2, 20), "outcome": "not_apply"},
    ])
    client.force_login(users["leader"])
    r = client.post(CHANGE_URL, {"kind": "correction", "value": "5", "status": "V", "citation": "x",
                                 "reason": "Đối chiếu lại văn bản"})
    html = r.content.decode()
    assert "Võ Văn Kết" not in html and "Không có kết quả nào" in html


# ------------------------------------------------------------------------------- law change
def test_law_change_from_a_date_only_affects_cases_from_that_date(client, users, make_case, late_notice):
    later = make_case("Ngô Thị Hoa", events=[
        {"code": "accepted", "date": D(2024, 3, 4), "number": "20/2024/TLHS-XLHC"},  # Monday
        {"code": "acceptance_notice", "date": D(2024, 3, 8)},  # Friday: 4 WD, late under 2 WD
    ])
    assert notify(later).status == engine.VIOLATION
    client.force_login(users["leader"])
    data = {"kind": "law_change", "since": "01/03/2024", "value": "5", "status": "V",
            "citation": "Pháp lệnh sửa đổi (giả định), Điều 12", "note": "", "reason": "Pháp lệnh mới có hiệu lực"}
    preview, saved = post_change(client, data)
    html = preview.content.decode()
    assert "Ngô Thị Hoa" in html and "Phạm Văn Lâm" not in html
    assert saved.status_code == 302
    row = RulesetVersion.objects.get(is_active=True)
    assert row.kind == RulesetVersion.Kind.LAW_CHANGE
    assert "01/03/2024" in row.summary
    assert notify(later).status == engine.OK and notify(later).due == D(2024, 3, 11)
    f = notify(late_notice)  # accepted before 01/03/2024: unchanged
    assert f.status == engine.VIOLATION and f.due == D(2024, 2, 16)
    detail = client.get("/quy-tac/court.notify_acceptance/").content.decode()
    assert "01/03/2024" in detail and "Pháp lệnh sửa đổi (giả định), Điều 12" in detail


def test_confirm_makes_a_parameter_verified(client, users, make_case):
    client.force_login(users["leader"])
    url = "/quy-tac/court.accept/period/PL03/xac-nhan/"
    assert client.get(url).status_code == 200
    preview, saved = post_change(client, {"reason": "Đã đối chiếu Điều 9, 10 Pháp lệnh 03"}, url)
    assert "Xác nhận court.accept / period / PL03: S → V" in preview.content.decode()
    assert saved.status_code == 302
    _, rs = services.active_ruleset()
    assert rs["court.accept"].params["period"].get("PL03", D(2024, 1, 1)).status == "V"
    row = RulesetVersion.objects.get(is_active=True)
    assert row.kind == RulesetVersion.Kind.CONFIRM
    # already V: the confirm URL says so instead of making an empty version
    r = client.get(url)
    assert r.status_code == 302


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("data, message", [
    ({"kind": "correction", "value": "5", "status": "V", "reason": ""}, "Cần ghi lý do thay đổi"),
    ({"kind": "correction", "value": "5", "status": "V", "reason": "abc"}, "ít nhất 5 ký tự"),
    ({"kind": "correction", "value": "năm", "status": "V", "reason": "lý do đủ dài"}, "số nguyên từ 0 đến 400"),
    ({"kind": "correction", "value": "-3", "status": "V", "reason": "lý do đủ dài"}, "số nguyên từ 0 đến 400"),
    ({"kind": "correction", "value": "5", "status": "X", "reason": "lý do đủ dài"}, "V, S hoặc U"),
    ({"kind": "law_change", "since": "", "value": "5", "status": "V", "citation": "PL", "reason": "lý do đủ dài"},
     "cần ngày bắt đầu áp dụng"),
    ({"kind": "law_change", "since": "31/02/2024", "value": "5", "status": "V", "citation": "PL",
      "reason": "lý do đủ dài"}, "Ngày không hợp lệ"),
    ({"kind": "law_change", "since": "hôm qua", "value": "5", "status": "V", "citation": "PL",
      "reason": "lý do đủ dài"}, "Ngày không hợp lệ"),
    ({"kind": "gì đó", "value": "5", "status": "V", "reason": "lý do đủ dài"}, "Loại thay đổi không hợp lệ"),
])
def test_bad_input_gives_messages_not_errors(client, users, data, message):
    client.force_login(users["leader"])
    before = RulesetVersion.objects.count()
    for extra in ({}, {"confirm": "1", "digest": "x"}):
        r = client.post(CHANGE_URL, {**data, **extra})
        assert r.status_code == 200
        assert message in r.content.decode()
    assert RulesetVersion.objects.count() == before


def test_confirm_without_a_matching_preview_shows_the_preview_again(client, users):
    client.force_login(users["leader"])
    before = RulesetVersion.objects.count()
    r = client.post(CHANGE_URL, {"kind": "correction", "value": "3", "status": "V", "citation": "x",
                                 "reason": "Đối chiếu lại văn bản", "confirm": "1", "digest": "deadbeef"})
    assert r.status_code == 200 and "khác so với lúc xem trước" in r.content.decode()
    assert RulesetVersion.objects.count() == before


def test_range_parameter_takes_min_max(client, users):
    client.force_login(users["leader"])
    url = "/quy-tac/court.term_in_range/range/TGD/sua/"
    r = client.post(url, {"kind": "correction", "value": "24-6", "status": "V", "reason": "Đối chiếu Điều 91"})
    assert "tối thiểu–tối đa" in r.content.decode()
    _, saved = post_change(client, {"kind": "correction", "value": "6–24", "status": "V", "citation": "Luật XLVPHC Điều 91",
                                    "reason": "Đối chiếu Điều 91"}, url)
    assert saved.status_code == 302
    _, rs = services.active_ruleset()
    pv = rs["court.term_in_range"].params["range"].get("TGD", D(2024, 1, 1))
    assert pv.value == [6, 24] and pv.status == "V"


def test_checklist_cannot_be_typed_but_can_be_confirmed(client, users):
    client.force_login(users["leader"])
    assert client.get("/quy-tac/proposer.dossier_complete/checklist/CSCNBB/sua/").status_code == 302
    assert client.get("/quy-tac/proposer.dossier_complete/checklist/CSCNBB/xac-nhan/").status_code == 200
