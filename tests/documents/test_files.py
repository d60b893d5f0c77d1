"""Storing files: content-addressed, type by content, refusals with a clear message, nothing written
outside the data directory."""

import hashlib
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kiemsat.audit.models import AuditEntry
from kiemsat.documents import services, storage
from kiemsat.documents.models import Document, TextJob

from .helpers import docx_bytes, image_bytes, pdf_bytes, zip_bomb_docx


def _files_under(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def case(make_case, users):
    return make_case(assigned=users["prosecutor"])


def test_a_pdf_is_stored_under_its_sha256_and_attached(case, users, settings):
    data = pdf_bytes(["Bien ban vi pham"])
    got = services.attach(actor=users["prosecutor"], case=case, name="Biên bản.pdf", content=data)
    doc = got.document
    sha = hashlib.sha256(data).hexdigest()
    assert doc.sha256 == sha and doc.size == len(data) and doc.kind == "pdf" and doc.pages == 1
    path = settings.MEDIA_ROOT / "documents" / sha[:2] / sha
    assert path.read_bytes() == data
    assert doc.name == "Biên bản.pdf"  # shown, never used to store
    assert not any("Biên" in p for p in _files_under(settings.MEDIA_ROOT))
    assert TextJob.objects.filter(document=doc, status="queued").exists()
    e = AuditEntry.objects.filter(action="document.upload").get()
    assert e.changes["sha256"] == sha and e.username == users["prosecutor"].username


@pytest.mark.parametrize("name,make,kind", [
    ("anh.jpg", lambda: image_bytes("JPEG"), "jpeg"),
    ("anh.PNG", lambda: image_bytes("PNG"), "png"),
    ("scan.tif", lambda: image_bytes("TIFF", frames=3), "tiff"),
    ("to-trinh.docx", lambda: docx_bytes(["Bản tường trình"]), "docx"),
])
def test_each_accepted_type_is_recognised_by_content(case, users, name, make, kind):
    doc = services.attach(actor=users["leader"], case=case, name=name, content=make()).document
    assert doc.kind == kind
    if kind == "tiff":
        assert doc.pages == 3


def refused(case, user, name, data):
    with pytest.raises(ValidationError) as ei:
        services.attach(actor=user, case=case, name=name, content=data)
    return " ".join(ei.value.message_dict["file"])


def test_a_file_renamed_pdf_that_is_not_a_pdf_is_refused(case, users, settings):
    msg = refused(case, users["leader"], "ho-so.pdf", image_bytes("PNG"))
    assert "có đuôi của PDF nhưng nội dung là ảnh PNG" in msg
    msg = refused(case, users["leader"], "ho-so.pdf", b"MZ\x90\x00 this is an exe" * 20)
    assert "không phải PDF" in msg
    assert not Document.objects.exists()
    assert _files_under(settings.MEDIA_ROOT / "documents") == []  # the spooled copy is gone too


def test_empty_oversized_and_unknown_files_are_refused(case, users, settings):
    assert "rỗng (0 byte)" in refused(case, users["leader"], "a.pdf", b"")
    settings.KIEMSAT_DOCUMENT_MAX_BYTES = 1000
    assert "lớn quá giới hạn" in refused(case, users["leader"], "b.pdf", pdf_bytes(["x" * 40] * 40))
    assert "chỉ nhận PDF, JPEG, PNG, TIFF, DOCX" in refused(case, users["leader"], "c.exe", b"MZ")
    assert not Document.objects.exists()


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "a/b.pdf", "C:\\x\\y.pdf", ".."])
def test_names_with_path_separators_are_refused_and_nothing_is_written(case, users, settings, tmp_path, name):
    before = _files_under(tmp_path)
    msg = refused(case, users["leader"], name, pdf_bytes(["x"]))
    assert "dấu phân cách thư mục" in msg or "“..”" in msg or "Tên tệp" in msg
    assert _files_under(tmp_path) == before


def test_polyglots_are_refused(case, users):
    # a JPEG with a ZIP appended (the classic image/archive polyglot)
    import io
    import zipfile

    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("payload.txt", "x")
    assert "tệp nén ZIP" in refused(case, users["leader"], "anh.jpg", image_bytes("JPEG") + z.getvalue())
    # a PNG carrying a PDF
    assert "tệp PDF" in refused(case, users["leader"], "anh.png", image_bytes("PNG") + pdf_bytes(["x"]))
    # HTML/JS inside an image
    assert "HTML/JavaScript" in refused(case, users["leader"], "anh.png", image_bytes("PNG") + b"<script>alert(1)</script>")
    # a PDF with JavaScript
    js = pdf_bytes(["x"]).replace(b"<< /Type /Catalog", b"<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> /Type /Catalog")
    assert "JavaScript" in refused(case, users["leader"], "kn.pdf", js)


def test_a_docx_zip_bomb_is_refused(case, users, settings):
    settings.KIEMSAT_DOCUMENT_MAX_DOCX_UNZIPPED = 50 * 1024 * 1024
    msg = refused(case, users["leader"], "bom.docx", zip_bomb_docx(60))
    assert "bom nén" in msg


def test_a_decompression_bomb_image_is_refused(case, users, settings):
    settings.KIEMSAT_DOCUMENT_MAX_PIXELS = 1_000_000
    msg = refused(case, users["leader"], "to.png", image_bytes("PNG", size=(3000, 3000)))
    assert "Ảnh quá lớn" in msg


def test_a_broken_pdf_is_refused(case, users):
    data = pdf_bytes(["x"])
    assert "không trọn vẹn" in refused(case, users["leader"], "x.pdf", data[: len(data) // 2])


def test_duplicates_are_detected_by_hash(case, users, make_case):
    data = pdf_bytes(["Quyet dinh"])
    services.attach(actor=users["leader"], case=case, name="qd.pdf", content=data)
    assert "trùng với tệp “qd.pdf”" in refused(case, users["leader"], "ban-sao.pdf", data)
    other = make_case("Trần Thị Bình")
    got = services.attach(actor=users["leader"], case=other, name="qd.pdf", content=data)
    assert got.also_in == [case]  # the same content in another case: stored once, reported
    assert Document.objects.filter(sha256=hashlib.sha256(data).hexdigest()).count() == 2


def test_only_editors_upload_and_deleting_removes_an_unshared_blob(case, users, settings, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDenied):
        services.attach(actor=users["inspector"], case=case, name="a.pdf", content=pdf_bytes(["a"]))
    with pytest.raises(PermissionDenied):
        services.attach(actor=users["other_leader"], case=case, name="a.pdf", content=pdf_bytes(["a"]))
    doc = services.attach(actor=users["prosecutor"], case=case, name="a.pdf", content=pdf_bytes(["a"])).document
    path = storage.path_for(doc.sha256)
    assert path.exists()
    with pytest.raises(PermissionDenied):
        services.delete_document(actor=users["inspector"], doc=doc)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_document(actor=users["prosecutor"], doc=doc)
    assert not path.exists()
    assert AuditEntry.objects.filter(action="document.delete").count() == 1


def test_the_stored_original_is_read_only(case, users):
    doc = services.attach(actor=users["leader"], case=case, name="a.png", content=image_bytes("PNG")).document
    mode = os.stat(storage.path_for(doc.sha256)).st_mode
    assert not mode & 0o222
