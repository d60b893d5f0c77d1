"""Templates a unit may replace: checked on upload (broken tags and unknown names are refused with
a clear message), versions kept, the active one used when issuing."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document

from kiemsat.letters import render, services
from kiemsat.letters.models import Kind, LetterTemplate

from .conftest import draft, issue_all_the_way, paragraphs


def docx_with(*lines: str) -> bytes:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def upload(user, data, name="mau.docx", kind=Kind.COURT):
    return services.upload_template(actor=user, kind=kind, data=data, filename=name, note="thử")


@pytest.mark.parametrize("lines, message", [
    (["Số: {{ number_text }"], "Mẫu có thẻ bị lỗi"),
    (["{%p for g in groups %}", "{{ g.title }}"], "Mẫu có thẻ bị lỗi"),
    (["{% if draft %}dự thảo"], "Mẫu có thẻ bị lỗi"),
    (["Kính gửi: {{ nguoi_nhan }}"], "Mẫu dùng biến không có: nguoi_nhan"),
    (["{{ unit.nme }}"], "Mẫu dùng một biến hoặc thuộc tính không có"),
    (["{{ date|ngay_thang }}"], "Mẫu có thẻ bị lỗi"),
])
def test_a_broken_template_is_refused_with_a_clear_message(leader, lines, message):
    with pytest.raises(ValidationError) as exc:
        upload(leader, docx_with(*lines))
    assert any(message in m for m in exc.value.message_dict["file"]), exc.value.message_dict
    assert not LetterTemplate.objects.exists()


def test_a_file_that_is_not_a_docx_is_refused(leader):
    with pytest.raises(ValidationError, match="không phải văn bản Word .docx hợp lệ"):
        upload(leader, b"not a zip")
    with pytest.raises(ValidationError, match="Hãy chọn tệp Word dạng .docx"):
        upload(leader, docx_with("x"), name="mau.doc")


def test_the_sandbox_refuses_python_internals(leader):
    with pytest.raises(ValidationError):
        upload(leader, docx_with("{{ unit.__class__.__mro__ }}"))


def test_only_leaders_replace_templates(users):
    with pytest.raises(PermissionDenied):
        upload(users["prosecutor"], render.shipped_template(Kind.COURT))


def test_versions_are_kept_and_the_active_one_is_used(sample, users, leader):
    v1 = upload(leader, render.shipped_template(Kind.COURT), name="goc.docx")
    doc = Document(io.BytesIO(render.shipped_template(Kind.COURT)))
    doc.add_paragraph("Mẫu riêng của đơn vị: {{ total|two }} vi phạm.")
    buf = io.BytesIO()
    doc.save(buf)
    v2 = upload(leader, buf.getvalue(), name="rieng.docx")
    assert (v1.version, v2.version) == (1, 2)
    assert list(LetterTemplate.objects.filter(is_active=True)) == [v2]
    letter = issue_all_the_way(draft(users["prosecutor"], Kind.COURT, sample["as_of"]), users["prosecutor"], leader)
    assert "Mẫu riêng của đơn vị: 48 vi phạm." in paragraphs(bytes(letter.docx))
    assert letter.template == v2 and letter.template_label.endswith("phiên bản 2")
    services.activate_template(actor=leader, kind=Kind.COURT, template_id=v1.pk)
    assert LetterTemplate.objects.get(is_active=True) == v1
    services.activate_template(actor=leader, kind=Kind.COURT, template_id=None)  # back to the shipped one
    assert not LetterTemplate.objects.filter(is_active=True).exists()
    assert services.active_template(Kind.COURT) == (render.shipped_template(Kind.COURT), None)
    # the issued letter keeps the document it was issued with
    assert "Mẫu riêng của đơn vị: 48 vi phạm." in paragraphs(services.document(letter))


def test_values_are_escaped_in_the_document(sample, users, leader):
    letter = draft(users["prosecutor"], Kind.COURT, sample["as_of"])
    letter = services.update_draft(actor=users["prosecutor"], letter=letter,
                                   data={"requests": "Rút kinh nghiệm <khẩn> & báo cáo \"ngay\""})
    text = paragraphs(services.document(letter))
    assert "1. Rút kinh nghiệm <khẩn> & báo cáo \"ngay\"" in text
