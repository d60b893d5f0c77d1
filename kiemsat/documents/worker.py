"""The brokerless background worker: text reading jobs live in a table (TextJob); a worker claims one
with a conditional UPDATE (safe with several workers, on SQLite and PostgreSQL), runs it outside any
transaction, and writes the result. `kiemsat documents-worker` runs it as a command; `kiemsat serve`
starts it as a thread. Uploads only add a job: a page never waits for text extraction or OCR."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.db import close_old_connections, transaction
from django.utils import timezone

from kiemsat.domain.vntext import nfc

from . import storage
from .extract import extract
from .models import Document, TextJob, TextStatus

log = logging.getLogger("kiemsat.documents.worker")
STALE_AFTER = dt.timedelta(minutes=30)  # a running job older than this lost its worker: run it again
MAX_ATTEMPTS = 3


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]


def requeue_stale(now=None) -> int:
    now = now or timezone.now()
    return TextJob.objects.filter(status=TextJob.Status.RUNNING, started_at__lt=now - STALE_AFTER).update(
        status=TextJob.Status.QUEUED)


def claim(name: str | None = None) -> TextJob | None:
    """Take the oldest queued job (None if there is none)."""
    name = name or worker_name()
    for _ in range(5):
        pk = TextJob.objects.filter(status=TextJob.Status.QUEUED).order_by("id").values_list("id", flat=True).first()
        if pk is None:
            return None
        with transaction.atomic():
            got = TextJob.objects.filter(pk=pk, status=TextJob.Status.QUEUED).update(
                status=TextJob.Status.RUNNING, worker=name, started_at=timezone.now())
        if got:
            return TextJob.objects.select_related("document").get(pk=pk)
    return None


def run_job(job: TextJob) -> TextJob:
    doc: Document = job.document
    Document.objects.filter(pk=doc.pk).update(text_status=TextStatus.RUNNING)
    from .services import search_text

    try:
        res = extract(storage.path_for(doc.sha256), doc.kind)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job, never lost
        log.exception("text extraction failed for document %s", doc.pk)
        msg = f"{type(exc).__name__}: {exc}"[:1000]
        attempts = job.attempts + 1
        with transaction.atomic():
            TextJob.objects.filter(pk=job.pk).update(status=TextJob.Status.FAILED, error=msg, attempts=attempts,
                                                     finished_at=timezone.now())
            Document.objects.filter(pk=doc.pk).update(text_status=TextStatus.FAILED,
                                                      text_note=f"Không đọc được chữ: {msg}"[:300])
        job.refresh_from_db()
        return job
    text = nfc(res.text.replace("\x00", "")).strip()
    status = TextStatus.NO_TEXT if res.needs_ocr or not text else TextStatus.DONE
    note = res.note or ("" if text else "Không tìm thấy chữ trong tệp.")
    with transaction.atomic():
        Document.objects.filter(pk=doc.pk).update(
            text=text, text_source=res.source, text_status=status, text_note=note[:300],
            search_folded=search_text(doc.name, doc.number, text))
        TextJob.objects.filter(pk=job.pk).update(status=TextJob.Status.DONE, attempts=job.attempts + 1, error="",
                                                 finished_at=timezone.now())
    job.refresh_from_db()
    return job


def run_pending(max_jobs: int | None = None, name: str | None = None) -> int:
    """Run queued jobs until none is left (or max_jobs). Returns how many ran."""
    requeue_stale()
    n = 0
    while max_jobs is None or n < max_jobs:
        job = claim(name)
        if job is None:
            break
        run_job(job)
        n += 1
    return n


_thread: threading.Thread | None = None
_stop = threading.Event()


def _loop(interval: float) -> None:
    while not _stop.is_set():
        try:
            close_old_connections()
            ran = run_pending(max_jobs=20)
        except Exception:  # noqa: BLE001 - keep the worker alive; the job row says what failed
            log.exception("documents worker loop")
            ran = 0
        finally:
            close_old_connections()
        if not ran:
            _stop.wait(interval)


def start_thread(interval: float = 3.0) -> threading.Thread:
    """Start the worker as a daemon thread of this process (once)."""
    global _thread
    if _thread is not None and _thread.is_alive():
        return _thread
    _stop.clear()
    _thread = threading.Thread(target=_loop, args=(interval,), name="kiemsat-documents-worker", daemon=True)
    _thread.start()
    return _thread


def stop_thread() -> None:
    _stop.set()
