"""The dossier checklist: items as data (ruleset), marks per case (present / missing / not checked);
only an item marked missing on a list a leader confirmed becomes a finding against the proposer, in
the scalar engine and in the columnar scan alike."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kiemsat.audit.models import AuditEntry
from kiemsat.cases.models import Case
from kiemsat.documents import selectors, services
from kiemsat.domain import engine
from kiemsat.legal import services as legal
from kiemsat.legal.models import RulesetVersion

RULE = "proposer.dossier_complete"
D = dt.date


@pytest.fixture
def case(make_case, users):
    return make_case("Đào Đức Hoà", assigned=users["prosecutor"], events=[
        {"code": "dossier_prepared", "date": D(2024, 3, 4)},
        {"code": "transferred_to_court", "date": D(2024, 3, 8)},
        {"code": "court_received", "date": D(2024, 3, 11)},
    ])


def items(case):
    return [it["code"] for it in selectors.checklist_items(case)[0]]


def finding(case):
    found = [f for f in legal.case_findings(case, as_of=D(2024, 6, 1)) if f.rule == RULE]
    return found[0] if found else None


@pytest.fixture
def marked(case, users):
    codes = items(case)
    assert len(codes) >= 3  # the shipped list (data) for CSCNBB
    # first present, second missing, the rest not checked
    services.set_checklist(actor=users["prosecutor"], case=case, marks={codes[0]: "present", codes[1]: "missing"})
    return codes


def test_the_card_shows_present_missing_and_unchecked(marked, case):
    cl = selectors.checklist_rows(case)
    states = [r["state"] for r in cl["rows"]]
    assert states[:2] == ["present", "missing"] and set(states[2:]) == {""}
    assert cl["counts"] == {"present": 1, "missing": 1, "unchecked": len(states) - 2}
    assert not cl["confirmed"]


def test_unconfirmed_list_gives_no_violation_but_says_why(marked, case):
    f = finding(case)
    assert f.status == engine.NOT_EVALUABLE and "chưa được lãnh đạo xác nhận" in f.explanation


def test_confirmed_list_gives_a_violation_naming_only_the_missing_item(marked, case, users):
    legal.confirm_parameter(actor=users["leader"], rule_id=RULE, param="checklist", key="CSCNBB",
                            reason="Đã đối chiếu Nghị định 116/2021 Điều 41")
    label = {it["code"]: it["label"] for it in selectors.checklist_items(case)[0]}
    f = finding(case)
    assert f.status == engine.VIOLATION and f.responsible == "proposer"
    assert label[marked[1]] in f.explanation and label[marked[0]] not in f.explanation
    # the whole-register scan (columnar + fallback) gives the same finding
    hits = [s for s in legal.scan(Case.objects.all(), as_of=D(2024, 6, 1)) if s.finding.rule == RULE]
    assert [(s.case_id, s.finding.status, s.finding.explanation) for s in hits] == [(case.pk, f.status, f.explanation)]
    # marked present again: no violation
    services.set_checklist(actor=users["prosecutor"], case=case, marks={marked[1]: "present"})
    assert finding(case).status == engine.OK
    assert not [s for s in legal.scan(Case.objects.all(), as_of=D(2024, 6, 1)) if s.finding.rule == RULE]


def test_marks_are_audited_and_need_edit_rights(case, users):
    code = items(case)[0]
    with pytest.raises(PermissionDenied):
        services.set_checklist(actor=users["inspector"], case=case, marks={code: "missing"})
    with pytest.raises(ValidationError):
        services.set_checklist(actor=users["prosecutor"], case=case, marks={"khong_co": "missing"})
    services.set_checklist(actor=users["prosecutor"], case=case, marks={code: "missing"})
    e = AuditEntry.objects.get(action="checklist.mark")
    assert e.changes == {code: ["", "missing"]}
    services.set_checklist(actor=users["prosecutor"], case=case, marks={code: ""})
    assert finding(case).status == engine.NOT_EVALUABLE  # nothing checked


def test_a_leader_edits_the_list_as_data(case, users, client):
    with pytest.raises(PermissionDenied):
        services.change_checklist(actor=users["prosecutor"], key="CSCNBB", items=[{"label": "X"}], status="V",
                                  citation="", reason="thử sửa")
    legal.active_ruleset()
    n = RulesetVersion.objects.count()
    client.force_login(users["leader"])
    r = client.post(reverse("documents_checklist"), {
        "key": "CSCNBB", "action": "save", "confirmed": "1", "citation": "Nghị định 116/2021/NĐ-CP, Điều 41",
        "items": "bien_ban_vi_pham | Biên bản vi phạm\nPhiếu xác định tình trạng nghiện", "reason": "Đối chiếu văn bản"})
    assert r.status_code == 302
    assert RulesetVersion.objects.count() == n + 1
    got = selectors.checklist_items(case)
    assert [it["code"] for it in got[0]] == ["bien_ban_vi_pham", "phieu_xac_dinh_tinh_trang_nghien"]
    assert got[1].status == "V"
    services.set_checklist(actor=users["prosecutor"], case=case, marks={"phieu_xac_dinh_tinh_trang_nghien": "missing"})
    f = finding(case)
    assert f.status == engine.VIOLATION and "Phiếu xác định tình trạng nghiện" in f.explanation
    html = client.get(reverse("documents_checklist")).content.decode()
    assert "Phiếu xác định tình trạng nghiện" in html and "đã xác nhận" in html
    # without a reason: refused with a message, nothing saved
    r = client.post(reverse("documents_checklist"), {"key": "CSCNBB", "action": "save", "items": "A", "reason": ""},
                    follow=True)
    assert "lý do" in r.content.decode() and RulesetVersion.objects.count() == n + 1


def test_the_case_page_form_saves_marks(client, case, users):
    client.force_login(users["prosecutor"])
    code = items(case)[0]
    r = client.post(reverse("documents_checklist_mark", args=[case.pk]), {f"item_{code}": "missing"})
    assert r.status_code == 302
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "thiếu 1" in html


def test_the_procuracy_supervision_dossier_is_tracked_apart_from_the_proposer(case, users, client):
    sup = selectors.checklist_rows(case)["supervision"]
    codes = [r["code"] for r in sup["rows"]]
    assert codes and all(c.startswith("vks:") for c in codes) and not sup["confirmed"]
    services.set_checklist(actor=users["prosecutor"], case=case, marks={codes[0]: "missing", codes[1]: "present"})
    # the engine does not see them: the proposer's checklist is still unchecked, no violation anywhere
    legal.confirm_parameter(actor=users["leader"], rule_id=RULE, param="checklist", key="CSCNBB", reason="Đã đối chiếu")
    assert finding(case).status == engine.NOT_EVALUABLE
    assert not [s for s in legal.scan(Case.objects.all(), as_of=D(2024, 6, 1)) if s.finding.rule == RULE]
    assert selectors.checklist_rows(case)["supervision"]["counts"] == {"present": 1, "missing": 1,
                                                                       "unchecked": len(codes) - 2}
    client.force_login(users["leader"])
    r = client.post(reverse("documents_checklist"), {"key": "supervision", "action": "save", "confirmed": "1",
                                                     "items": "Thông báo thụ lý\nPhiếu kiểm sát quyết định",
                                                     "reason": "Theo Quy chế 16"})
    assert r.status_code == 302
    sup = selectors.checklist_rows(case)["supervision"]
    assert [r["code"] for r in sup["rows"]] == ["vks:thong_bao_thu_ly", "vks:phieu_kiem_sat_quyet_dinh"]
    assert sup["confirmed"] and AuditEntry.objects.filter(action="dossierlist.activate").exists()
    with pytest.raises(PermissionDenied):
        services.change_supervision_list(actor=users["prosecutor"], items=[{"label": "X"}], status="U", citation="",
                                         reason="thử sửa")
