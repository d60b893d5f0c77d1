"""The import pages carry no inline script (CSP): their behaviour is in imports/forms.js, wired by
data- attributes; every download of an import report, a reconciliation or an export is audited."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from kiemsat.audit.models import AuditEntry
from kiemsat.imports.models import ImportBatch, MappingProfile

from .conftest import BOOKS, sample_path

TEMPLATES = Path(__file__).resolve().parents[2] / "kiemsat" / "imports" / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=\s*["']""", re.I)
ALPINE_CODE = re.compile(r"""\s(?:x-data|x-on:[a-z]+|@[a-z]+)\s*=""", re.I)


def _templates():
    files = sorted(TEMPLATES.rglob("*.html"))
    assert files
    return files


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.name)
def test_no_inline_script_or_handler_in_import_templates(path):
    text = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script> block"
    assert not INLINE_HANDLER.search(text), "inline on…= handler"
    assert not ALPINE_CODE.search(text), "code in an attribute (needs unsafe-eval under CSP)"


def test_the_patterns_catch_what_they_must():
    assert INLINE_SCRIPT.search('<script>alert(1)</script>') and not INLINE_SCRIPT.search('<script src="/x.js" defer>')
    assert INLINE_HANDLER.search('<form onsubmit="return confirm(1)">')
    assert not INLINE_HANDLER.search('<form data-confirm="Xóa?">')


def _upload(client, name=BOOKS[1]):
    path = sample_path(name)
    with open(path, "rb") as fh:
        return client.post(reverse("import_upload"), {"file": SimpleUploadedFile(path.name, fh.read())})


def test_pages_load_the_script_and_wire_it_by_data_attributes(client, users):
    assert finders.find("imports/forms.js")
    js = Path(finders.find("imports/forms.js")).read_text(encoding="utf-8")
    assert "data" in js and "confirm" in js and "busy" in js
    client.force_login(users["leader"])
    MappingProfile.objects.create(name="Sổ cũ", mapping={"A": None})
    html = client.get(reverse("import_upload")).content.decode()
    assert "imports/forms.js" in html and 'data-confirm="Xóa hồ sơ ánh xạ «Sổ cũ»?"' in html
    assert "data-once" in html and "data-busy-show" in html
    r = _upload(client)
    html = client.get(r["Location"]).content.decode()
    assert "imports/forms.js" in html
    assert 'data-once="import"' in html and 'id="discard-form"' in html and "data-confirm=" in html
    assert not INLINE_SCRIPT.search(html.split("</head>", 1)[1])  # nothing inline in the page body
    assert "onsubmit=" not in html and "onchange=" not in html and "onclick=" not in html


def test_downloads_are_audited(client, users):
    client.force_login(users["leader"])
    _upload(client)
    batch = ImportBatch.objects.get()
    client.post(reverse("import_preview", args=[batch.pk]), {"action": "import"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    for name, action in (("import_report_xlsx", "import.report.export"),
                         ("import_reconcile_xlsx", "import.reconcile.export")):
        before = AuditEntry.objects.filter(action=action).count()
        r = client.get(reverse(name, args=[batch.pk]))
        assert r.status_code == 200 and r.content[:2] == b"PK"
        e = AuditEntry.objects.filter(action=action).order_by("-id").first()
        assert AuditEntry.objects.filter(action=action).count() == before + 1
        assert e.user_id == users["leader"].pk and e.object_id == str(batch.pk)
    before = AuditEntry.objects.filter(action="cases.export_xlsx").count()
    r = client.get(reverse("export_xlsx") + f"?batch={batch.pk}")
    assert r.status_code == 200
    assert AuditEntry.objects.filter(action="cases.export_xlsx", user=users["leader"]).count() == before + 1


def test_command_line_export_is_audited(db, tmp_path, users, make_case):
    make_case()
    out = tmp_path / "so.xlsx"
    call_command("export-excel", str(out), stdout=io.StringIO())
    assert out.exists()
    e = AuditEntry.objects.filter(action="cases.export_xlsx").order_by("-id").first()
    assert e is not None and "so.xlsx" in e.summary and e.changes["cases"] == 1
