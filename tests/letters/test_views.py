"""The screens: from the violations register to an issued letter, in Vietnamese, never a 500."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from kiemsat.letters.models import Kind, Letter, LetterReply, LetterTemplate, State

from .conftest import draft, issue_all_the_way, paragraphs

D = dt.date


def msgs(r) -> list[str]:
    return [str(m) for m in r.context["messages"]] if r.context and "messages" in r.context else []


@pytest.fixture
def today_case(make_case, letter_unit, users, leader):
    """A court violation found this year (the screens compute findings as of today)."""
    today = dt.date.today()
    start = today - dt.timedelta(days=40)
    return make_case("Phạm Văn Hải", assigned=users["prosecutor"], events=[
        {"code": "court_received", "date": start},
        {"code": "accepted", "date": start, "number": "09/TLHS-XLHC"},
        {"code": "acceptance_notice", "date": start + dt.timedelta(days=20)},
    ])


def test_the_menu_and_the_violations_register_lead_here(client, users, today_case):
    client.force_login(users["prosecutor"])
    html = client.get(reverse("violations")).content.decode()
    assert 'href="/van-ban/"' in html and "Tạo kiến nghị / đôn đốc" in html
    assert 'action="/van-ban/tao/"' in html


def test_from_a_selection_to_a_draft(client, users, today_case):
    client.force_login(users["prosecutor"])
    year = dt.date.today().year
    r = client.post(reverse("letter_new"), {"f": [f"{today_case.pk}:court.notify_acceptance"],
                                            "from": f"01/01/{year}", "to": dt.date.today().strftime("%d/%m/%Y")})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'value="kien-nghi-toa-an" checked' in html and "Phạm Văn Hải" in html
    r = client.post(reverse("letter_new"), {"f": [f"{today_case.pk}:court.notify_acceptance"], "kind": Kind.COURT,
                                            "from": f"01/01/{year}", "to": "", "create": "1"}, follow=True)
    letter = Letter.objects.get()
    assert r.redirect_chain[-1][0] == reverse("letter_detail", args=[letter.pk])
    assert "Đã tạo dự thảo Kiến nghị Tòa án gồm 1 phát hiện." in msgs(r)
    html = r.content.decode()
    assert "Phạm Văn Hải" in html and "Trình lãnh đạo duyệt" in html
    r = client.get(reverse("letter_docx", args=[letter.pk]))
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.docx"')
    assert any(t.startswith("- Phạm Văn Hải (số thụ lý 09/TLHS-XLHC)") for t in paragraphs(r.content))


def test_empty_and_mixed_selections_get_a_message(client, users, today_case, make_case):
    client.force_login(users["prosecutor"])
    r = client.post(reverse("letter_new"), {"from": "01/01/2024", "to": "31/12/2024"}, follow=True)
    assert "Chưa chọn phát hiện nào" in " ".join(msgs(r)) and r.redirect_chain[-1][0].startswith("/vi-pham/")
    r = client.post(reverse("letter_new"), {"kind": Kind.COURT, "create": "1", "from": "01/01/2024"}, follow=True)
    assert r.status_code == 200 and "Chưa chọn phát hiện nào" in " ".join(msgs(r))
    overdue = make_case("Trần Thị Tám", events=[{"code": "accepted", "date": dt.date.today() - dt.timedelta(days=30),
                                                 "number": "1/TL"}])
    r = client.post(reverse("letter_new"), {"f": [f"{today_case.pk}:court.notify_acceptance",
                                                  f"{overdue.pk}:court.notify_acceptance"], "from": "", "to": ""})
    html = r.content.decode()
    assert 'value="kien-nghi-toa-an" checked' in html and "Không đưa vào: chỉ phát hiện" in html
    r = client.post(reverse("letter_new"), {"f": [f"{overdue.pk}:court.notify_acceptance"], "kind": Kind.COURT,
                                            "create": "1"})
    assert r.status_code == 200 and "chỉ phát hiện “vi phạm”" in r.content.decode()
    assert not Letter.objects.exists()


def test_the_new_letter_page_filters_by_kind(client, users, today_case):
    client.force_login(users["execution"])
    html = client.get(reverse("letter_new")).content.decode()
    assert "Văn bản đôn đốc thi hành" in html and "Kiến nghị tổng hợp" not in html
    client.force_login(users["prosecutor"])
    html = client.get(reverse("letter_new"), {"kind": Kind.COURT}).content.decode()
    assert "Phạm Văn Hải" in html
    client.force_login(users["admin"])
    r = client.get(reverse("letter_new"))
    assert r.status_code == 403 and "không có quyền" in r.content.decode()


def test_approval_is_for_leaders_and_every_step_works_from_the_page(client, users, leader, sample):
    letter = draft(users["prosecutor"], Kind.COURT, sample["as_of"])
    act = lambda name, **data: client.post(reverse("letter_action", args=[letter.pk, name]), data, follow=True)  # noqa: E731
    client.force_login(users["prosecutor"])
    assert "Đã trình lãnh đạo duyệt." in msgs(act("submit"))
    r = client.post(reverse("letter_action", args=[letter.pk, "approve"]))
    assert r.status_code == 403 and "Chỉ lãnh đạo đơn vị được duyệt văn bản." in r.content.decode()
    client.force_login(users["other_leader"])
    assert client.get(reverse("letter_detail", args=[letter.pk])).status_code == 404
    client.force_login(leader)
    r = act("approve")
    assert any("chưa xác minh cần lãnh đạo xác nhận" in m for m in msgs(r))
    assert "Đã xác nhận" in " ".join(msgs(act("confirm-all")))
    assert "Đã duyệt văn bản." in msgs(act("approve"))
    r = act("issue", issued_on="32/01/2025")
    assert any("Ngày không hợp lệ" in m for m in msgs(r))
    r = act("issue", issued_on="06/01/2025")
    assert "Đã ban hành văn bản số 01/KN-VKS-AL ngày 06/01/2025." in msgs(r)
    assert Letter.objects.get().state == State.ISSUED
    html = r.content.decode()
    assert "Ghi nhận trả lời" in html and "Đã ban hành" in html
    r = client.post(reverse("letter_reply", args=[letter.pk]), {"date": "05/01/2025", "result": "accepted"}, follow=True)
    assert "Ngày trả lời (05/01/2025) trước ngày ban hành văn bản (06/01/2025): hãy kiểm tra lại." in msgs(r)
    assert not LetterReply.objects.exists()
    r = client.post(reverse("letter_reply", args=[letter.pk]), {"date": "20/01/2025", "number": "3/TA",
                                                                "result": "partly", "content": "Tiếp thu"}, follow=True)
    assert "Đã ghi nhận trả lời." in msgs(r) and "Chấp nhận một phần" in r.content.decode()
    r = client.post(reverse("letter_action", args=[letter.pk, "nope"]))
    assert r.status_code == 404


def test_editing_a_draft(client, users, sample):
    letter = draft(users["prosecutor"], Kind.COURT, sample["as_of"])
    client.force_login(users["prosecutor"])
    url = reverse("letter_edit", args=[letter.pk])
    assert client.get(url).status_code == 200
    data = {"recipient": "", "recipient_org": "", "summary": "Khắc phục vi phạm thời hạn", "legal_bases": "Căn cứ A;",
            "requests": "", "signer": "", "note": ""}
    r = client.post(url, data)
    assert "Cần ít nhất một nội dung kiến nghị" in r.content.decode()
    data["requests"] = "Rút kinh nghiệm.\nKhắc phục ngay."
    r = client.post(url, data, follow=True)
    assert "Đã lưu." in msgs(r)
    assert Letter.objects.get().requests == "Rút kinh nghiệm.\nKhắc phục ngay."
    client.force_login(users["specialist"])
    assert client.get(url).status_code == 403


def test_register_templates_settings_and_case_pages(client, users, leader, sample):
    letter = issue_all_the_way(draft(users["prosecutor"], Kind.COURT, sample["as_of"]), users["prosecutor"], leader)
    client.force_login(users["prosecutor"])
    html = client.get(reverse("letters")).content.decode()
    assert "01/KN-VKS-AL" in html and "Kiến nghị chưa được trả lời" in html and "Kết quả kiến nghị" in html
    assert "01/KN-VKS-AL" in client.get(reverse("letters"), {"kind": Kind.COURT, "state": "issued", "q": "Hải"}).content.decode()
    lf = letter.findings.first()
    assert "01/KN-VKS-AL" in client.get(reverse("letter_case", args=[lf.case_id])).content.decode()
    html = client.get(reverse("letter_templates")).content.decode()
    assert "Đang dùng: mẫu kèm phần mềm" in html and "Tải lên mẫu mới" not in html
    assert client.get(reverse("letter_template_shipped", args=[Kind.URGE])).status_code == 200
    assert client.post(reverse("letter_templates")).status_code == 403
    assert client.get(reverse("letter_settings")).status_code == 200
    assert client.post(reverse("letter_settings"), {"reply_days": 5}).status_code == 403
    client.force_login(leader)
    broken = io.BytesIO()
    from docx import Document

    d = Document()
    d.add_paragraph("{{ unit.name }")
    d.save(broken)
    broken.seek(0)
    broken.name = "hong.docx"
    r = client.post(reverse("letter_templates"), {"kind": Kind.COURT, "file": broken, "note": ""})
    assert r.status_code == 200 and "Mẫu có thẻ bị lỗi" in r.content.decode()
    assert not LetterTemplate.objects.exists()
    r = client.post(reverse("letter_settings"), {"reply_days": 0, "urge_days": 10, "code_kien_nghi": "KN",
                                                 "code_don_doc": ""})
    assert "Số ngày phải từ 1 đến 365" in r.content.decode() or "lớn hơn hoặc bằng 1" in r.content.decode()
    r = client.post(reverse("letter_settings"), {"reply_days": 20, "urge_days": 10, "code_kien_nghi": "KN",
                                                 "code_don_doc": "ĐĐ"}, follow=True)
    assert "Đã lưu thiết lập." in msgs(r)
