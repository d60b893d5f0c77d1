"""Documents travel with --documents (the documents app is installed in this product)."""

import hashlib

from kiemsat.cases.models import Case
from kiemsat.sync import services

from .conftest import forget_unit_data


def _attach(case, data: bytes, name="quyet-dinh.pdf"):
    from kiemsat.documents import storage
    from kiemsat.documents.models import Document

    sha = hashlib.sha256(data).hexdigest()
    p = storage.path_for(sha)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return Document.objects.create(case=case, sha256=sha, size=len(data), kind="pdf", name=name, number="12/QĐ",
                                   text="Quyết định áp dụng biện pháp", text_status="done")


def test_documents_round_trip(unit, unit_cases, identity, usb, settings, tmp_path):
    from kiemsat.documents import storage
    from kiemsat.documents.models import Document

    settings.MEDIA_ROOT = str(tmp_path / "media-unit")
    data = b"%PDF-1.4 fake dossier page\n"
    _attach(unit_cases[0], data)
    path, log = services.export_bundle(actor=None, to_dir=usb, documents=True)
    assert log.counts["documents"] == 1 and log.counts["files"] == 1
    lean, lean_log = services.export_bundle(actor=None, to_dir=usb, documents=False)
    assert lean_log.counts["files"] == 0 and lean.stat().st_size < path.stat().st_size
    forget_unit_data(unit)
    settings.MEDIA_ROOT = str(tmp_path / "media-province")
    bi = services.import_bundle(actor=None, data=path.read_bytes())
    assert bi.counts["documents"]["created"] == 1
    doc = Document.objects.get()
    assert doc.case == Case.objects.get(person_name="Nguyễn Văn Đức") and doc.name == "quyet-dinh.pdf"
    assert storage.path_for(doc.sha256).read_bytes() == data
    again = services.import_bundle(actor=None, data=path.read_bytes())
    assert again.counts["documents"]["unchanged"] == 1 and Document.objects.count() == 1
