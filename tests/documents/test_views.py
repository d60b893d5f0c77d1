"""Upload through the case page's form (several files at once), view inline, download byte for byte,
thumbnails, permissions, audit."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kiemsat.audit.models import AuditEntry
from kiemsat.documents.models import Document

from .helpers import image_bytes, pdf_bytes


@pytest.fixture
def case(make_case, users):
    return make_case(assigned=users["prosecutor"])


def login(client, user):
    client.force_login(user)
    return client


def test_upload_several_then_download_byte_for_byte(client, case, users):
    login(client, users["prosecutor"])
    a, b = pdf_bytes(["Quyet dinh so 12"], pages=2), image_bytes("JPEG", size=(300, 200))
    r = client.post(reverse("documents_upload", args=[case.pk]),
                    {"files": [SimpleUploadedFile("qd.pdf", a), SimpleUploadedFile("anh.jpg", b),
                               SimpleUploadedFile("sai.pdf", b"not a pdf at all")], "number": "12/QĐ"},
                    HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    res = r.json()["results"]
    assert [x["ok"] for x in res] == [True, True, False]
    assert "nội dung không phải PDF" in res[2]["message"]
    docs = {d.name: d for d in Document.objects.all()}
    assert set(docs) == {"qd.pdf", "anh.jpg"} and docs["qd.pdf"].number == "12/QĐ"
    for name, data in (("qd.pdf", a), ("anh.jpg", b)):
        d = docs[name]
        r = client.get(reverse("document_download", args=[d.pk]))
        got = b"".join(r.streaming_content)
        assert hashlib.sha256(got).hexdigest() == d.sha256 == hashlib.sha256(data).hexdigest()
        assert "attachment" in r["Content-Disposition"]
    r = client.get(reverse("document_raw", args=[docs["qd.pdf"].pk]))
    assert r["Content-Type"] == "application/pdf" and "inline" in r["Content-Disposition"]
    assert r["X-Content-Type-Options"] == "nosniff" and r["X-Frame-Options"] == "SAMEORIGIN"
    r = client.get(reverse("document_thumb", args=[docs["qd.pdf"].pk, 2]))
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"\x89PNG")
    assert client.get(reverse("document_thumb", args=[docs["qd.pdf"].pk, 3])).status_code == 404
    r = client.get(reverse("document_view", args=[docs["qd.pdf"].pk]))
    assert r.status_code == 200 and "Tải bản gốc" in r.content.decode()
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("document.upload") == 2 and actions.count("document.download") == 2
    assert "document.view" in actions


def test_the_case_page_shows_the_card_with_its_upload_form(client, case, users):
    login(client, users["prosecutor"])
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'id="documents"' in html and "data-upload" in html and "documents/upload.js" in html
    assert "<script>" not in html.replace(" ", "")  # no inline scripts
    login(client, users["inspector"])  # same unit, not assigned: sees, cannot upload
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'id="documents"' in html and "data-upload" not in html


def test_permissions(client, case, users):
    login(client, users["prosecutor"])
    client.post(reverse("documents_upload", args=[case.pk]), {"files": [SimpleUploadedFile("a.png", image_bytes())]})
    doc = Document.objects.get()
    login(client, users["inspector"])
    assert client.get(reverse("document_download", args=[doc.pk])).status_code == 200  # may view the case
    r = client.post(reverse("documents_upload", args=[case.pk]), {"files": [SimpleUploadedFile("b.png", image_bytes())]},
                    HTTP_ACCEPT="application/json")
    assert r.status_code == 403 and Document.objects.count() == 1
    assert client.post(reverse("document_delete", args=[doc.pk])).status_code == 403
    login(client, users["other_leader"])  # another unit: the file does not exist for them
    for name in ("document_view", "document_raw", "document_download"):
        assert client.get(reverse(name, args=[doc.pk])).status_code == 404
    assert client.post(reverse("documents_upload", args=[case.pk]), {"files": []}).status_code == 404


def test_upload_without_javascript_redirects_with_messages(client, case, users):
    login(client, users["prosecutor"])
    r = client.post(reverse("documents_upload", args=[case.pk]),
                    {"files": [SimpleUploadedFile("rong.pdf", b"")]}, follow=True)
    assert "rỗng (0 byte)" in r.content.decode()


def test_index_page_and_menu(client, users):
    login(client, users["leader"])
    html = client.get(reverse("documents")).content.decode()
    assert "Hồ sơ số hóa" in html and "OCR" in html
    assert reverse("documents_checklist") in html


def test_uploads_are_spooled_inside_the_data_directory_and_csrf_is_checked(client, case, users, settings, tmp_path):
    from django.test import Client

    from kiemsat.documents import uploads

    seen = []
    orig = uploads.SpooledUpload.__init__

    def spy(self, *a, **kw):
        orig(self, *a, **kw)
        seen.append(self.file.name)

    import pytest as _pytest

    mp = _pytest.MonkeyPatch()
    mp.setattr(uploads.SpooledUpload, "__init__", spy)
    try:
        c = Client(enforce_csrf_checks=True)
        c.force_login(users["prosecutor"])
        r = c.post(reverse("documents_upload", args=[case.pk]), {"files": [SimpleUploadedFile("a.png", image_bytes())]})
        assert r.status_code == 403 and not Document.objects.exists()  # no CSRF token
        login(client, users["prosecutor"])
        client.post(reverse("documents_upload", args=[case.pk]), {"files": [SimpleUploadedFile("a.png", image_bytes())]})
    finally:
        mp.undo()
    assert Document.objects.count() == 1
    assert seen and all(str(settings.MEDIA_ROOT) in p for p in seen)
    assert list((settings.MEDIA_ROOT / "documents" / "tmp").iterdir()) == []  # spooled copies removed
