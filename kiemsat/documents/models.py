"""Digitised dossiers: the files attached to a case (or one of its events), the background jobs that
read their text, and the dossier checklist marks of a case.

A file is stored once, content-addressed (MEDIA_ROOT/documents/<sha256[:2]>/<sha256>), never under
the name the user gave it; `Document` is its attachment to a case. Originals are never modified.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kiemsat.cases.models import Case, Event


class Kind(models.TextChoices):
    PDF = "pdf", "PDF"
    JPEG = "jpeg", "Ảnh JPEG"
    PNG = "png", "Ảnh PNG"
    TIFF = "tiff", "Ảnh TIFF"
    DOCX = "docx", "Văn bản Word (DOCX)"


CONTENT_TYPES = {
    Kind.PDF: "application/pdf",
    Kind.JPEG: "image/jpeg",
    Kind.PNG: "image/png",
    Kind.TIFF: "image/tiff",
    Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class TextStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ đọc chữ"
    RUNNING = "running", "Đang đọc chữ"
    DONE = "done", "Đã đọc chữ"
    NO_TEXT = "no_text", "Không có chữ (cần OCR)"
    FAILED = "failed", "Lỗi khi đọc chữ"


class Document(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents", verbose_name="Vụ việc")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents",
                              verbose_name="Sự kiện")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.BigIntegerField("Kích thước (byte)")
    kind = models.CharField("Loại tệp", max_length=10, choices=Kind.choices)
    name = models.CharField("Tên tệp", max_length=255)
    number = models.CharField("Số văn bản", max_length=60, blank=True)
    checklist_item = models.CharField("Tài liệu trong danh mục", max_length=60, blank=True)
    pages = models.PositiveIntegerField("Số trang", null=True, blank=True)
    text = models.TextField("Nội dung chữ", blank=True)
    text_status = models.CharField("Tình trạng đọc chữ", max_length=10, choices=TextStatus.choices,
                                   default=TextStatus.QUEUED)
    text_source = models.CharField("Nguồn chữ", max_length=10, blank=True)  # pdf | ocr | docx
    text_note = models.CharField("Ghi chú đọc chữ", max_length=300, blank=True)
    # search shadow: fold(name, number, text) — indexed by the search app (FTS5 / pg_trgm)
    search_folded = models.TextField(blank=True)
    source = models.CharField("Nguồn", max_length=10, default="upload")  # upload | link
    source_path = models.CharField("Đường dẫn gốc", max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="Người tải lên")
    uploaded_at = models.DateTimeField("Thời điểm tải lên", auto_now_add=True)

    class Meta:
        verbose_name = "tệp hồ sơ số hóa"
        verbose_name_plural = "tệp hồ sơ số hóa"
        ordering = ["case", "uploaded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "sha256"], name="document_once_per_case")]

    def __str__(self) -> str:
        return self.name

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    @property
    def is_image(self) -> bool:
        return self.kind in (Kind.JPEG, Kind.PNG, Kind.TIFF)


class TextJob(models.Model):
    """One background reading of a document's text (pypdf text layer, DOCX text, OCR): the job table
    of the brokerless worker (`kiemsat documents-worker`, or the thread `kiemsat serve` starts)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Đang chờ"
        RUNNING = "running", "Đang chạy"
        DONE = "done", "Xong"
        FAILED = "failed", "Lỗi"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "việc đọc chữ"
        ordering = ["id"]


class ChecklistMark(models.Model):
    """A checked item of a case's dossier checklist: present or missing. No row = not checked yet."""

    class State(models.TextChoices):
        PRESENT = "present", "Có"
        MISSING = "missing", "Thiếu"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checklist_marks")
    item = models.CharField("Mã tài liệu", max_length=60)
    state = models.CharField("Tình trạng", max_length=10, choices=State.choices)
    note = models.CharField("Ghi chú", max_length=300, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "đánh dấu danh mục hồ sơ"
        constraints = [models.UniqueConstraint(fields=["case", "item"], name="checklist_mark_once")]
        indexes = [models.Index(fields=["state", "case"])]


class DossierList(models.Model):
    """A version of a list of documents kept as data outside the ruleset: the Procuracy's own
    supervision dossier (the proposer's dossier list is the ruleset parameter
    proposer.dossier_complete / checklist). The active row is the list in force; edits add a row."""

    kind = models.CharField(max_length=20, default="supervision")
    items = models.JSONField(default=list)
    status = models.CharField("Tình trạng căn cứ", max_length=1, default="U")  # V | S | U
    citation = models.TextField("Căn cứ", blank=True)
    note = models.TextField("Ghi chú", blank=True)
    reason = models.TextField("Lý do thay đổi", blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "danh mục hồ sơ"
        ordering = ["-id"]
