"""Text extraction in the background (job table, no broker): PDF text layer, DOCX, OCR of a scan in
Vietnamese with Tesseract (CI installs it), status per file and retry. Uploads never wait."""

import shutil
import subprocess

import pytest

from kiemsat.documents import extract, services, worker
from kiemsat.documents.models import Document, TextJob, TextStatus

from .helpers import docx_bytes, image_bytes, pdf_bytes, vietnamese_scan


@pytest.fixture
def case(make_case, users):
    return make_case(assigned=users["prosecutor"])


def attach(case, user, name, data):
    return services.attach(actor=user, case=case, name=name, content=data).document


def test_upload_only_queues_and_the_worker_reads_pdf_and_docx(case, users):
    a = attach(case, users["leader"], "qd.pdf", pdf_bytes(["Quyet dinh ap dung bien phap", "dua vao co so cai nghien"]))
    b = attach(case, users["leader"], "tt.docx", docx_bytes(["Bản tường trình của người nghiện", "Tôi tên là Đào Đức"]))
    assert Document.objects.get(pk=a.pk).text == "" and a.text_status == TextStatus.QUEUED
    assert worker.run_pending() == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.text_status == TextStatus.DONE and a.text_source == "pdf" and "dua vao co so cai nghien" in a.text
    assert b.text_status == TextStatus.DONE and b.text_source == "docx" and "Tôi tên là Đào Đức" in b.text
    assert "dao duc" in b.search_folded
    assert set(TextJob.objects.values_list("status", flat=True)) == {"done"}
    assert worker.run_pending() == 0


def test_a_job_is_claimed_once(case, users):
    attach(case, users["leader"], "qd.pdf", pdf_bytes(["mot hai ba bon nam sau bay"]))
    first = worker.claim("w1")
    assert first is not None and first.status == "running" and first.worker == "w1"
    assert worker.claim("w2") is None


def test_without_tesseract_a_scan_waits_for_ocr_and_the_product_says_so(case, users, monkeypatch):
    monkeypatch.setattr(extract, "ocr_status", lambda: (False, "Chưa cài Tesseract OCR: văn bản scan chưa được nhận dạng chữ."))
    d = attach(case, users["leader"], "scan.png", image_bytes("PNG"))
    worker.run_pending()
    d.refresh_from_db()
    assert d.text_status == TextStatus.NO_TEXT and "Chưa cài Tesseract" in d.text_note


def test_a_failure_is_recorded_and_retry_queues_again(case, users, monkeypatch):
    d = attach(case, users["prosecutor"], "qd.pdf", pdf_bytes(["mot hai ba bon nam sau bay tam"]))

    def boom(path, kind):
        raise RuntimeError("hỏng")

    monkeypatch.setattr(worker, "extract", boom)
    worker.run_pending()
    d.refresh_from_db()
    job = TextJob.objects.get(document=d)
    assert d.text_status == TextStatus.FAILED and job.status == "failed" and "hỏng" in job.error and job.attempts == 1
    monkeypatch.undo()
    services.retry_text(actor=users["prosecutor"], doc=d)
    assert TextJob.objects.filter(document=d, status="queued").count() == 1
    worker.run_pending()
    d.refresh_from_db()
    assert d.text_status == TextStatus.DONE and "mot hai ba" in d.text


def test_a_stale_running_job_is_run_again(case, users):
    import datetime as dt

    from django.utils import timezone

    attach(case, users["leader"], "qd.pdf", pdf_bytes(["ba bon nam sau bay tam chin muoi"]))
    job = worker.claim("dead-worker")
    TextJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - dt.timedelta(hours=2))
    assert worker.run_pending() == 1
    assert TextJob.objects.get(pk=job.pk).status == "done"


def _tesseract_vie() -> bool:
    exe = shutil.which("tesseract")
    if not exe:
        return False
    out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True)
    return "vie" in (out.stdout + out.stderr).split()


def test_ocr_of_a_generated_vietnamese_scan(case, users):
    if not _tesseract_vie():
        pytest.fail("Tesseract OCR tiếng Việt chưa được cài: cài gói tesseract-ocr và tesseract-ocr-vie "
                    "(`apt-get install -y tesseract-ocr tesseract-ocr-vie`) để chạy kiểm thử OCR.")
    extract._ocr_probe.cache_clear()
    scan = vietnamese_scan(["QUYẾT ĐỊNH ÁP DỤNG BIỆN PHÁP", "Họ và tên: Đào Đức Thủy", "Nơi cư trú: xã Hòa Bình"])
    d = attach(case, users["leader"], "scan.png", scan)
    pdf = attach(case, users["leader"], "scan.pdf", _png_to_pdf(scan))
    worker.run_pending()
    for doc in (d, pdf):
        doc.refresh_from_db()
        assert doc.text_status == TextStatus.DONE and doc.text_source == "ocr", doc.text_note
        assert "Đào Đức" in doc.text, doc.text
        assert "dao duc thuy" in doc.search_folded


def _png_to_pdf(png: bytes) -> bytes:
    """A scanned PDF (an image, no text layer), as a scanner makes."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "PDF", resolution=300)
    return out.getvalue()
