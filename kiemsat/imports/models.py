"""Imports of a unit's own workbook: each import (batch), what became of each of its rows, and
the saved column mappings (profiles) for the next import of the same book.

The batch keeps the file (under MEDIA_ROOT/imports/), its SHA-256, the mapping used and the
book's "Tính đến ngày" date and holiday list; each row keeps the flat values it was read as and
the book's own flag columns, raw (including #VALUE!), so the book can be reconciled with the
engine's findings later and a re-import can tell a value edited in the app from one edited in
the book.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kiemsat.org.models import Court, Unit


class MappingProfile(models.Model):
    """A saved column mapping: header text (or column letter) -> field, or null for "bỏ qua"."""

    name = models.CharField("Tên hồ sơ ánh xạ", max_length=120, unique=True)
    mapping = models.JSONField("Ánh xạ cột", default=dict)
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name="Đơn vị")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="Người tạo")
    created_at = models.DateTimeField("Tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("Sửa lúc", auto_now=True)

    class Meta:
        verbose_name = "hồ sơ ánh xạ cột"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Chờ nhập"
        RUNNING = "running", "Đang nhập"
        DONE = "done", "Đã nhập"
        FAILED = "failed", "Lỗi, không nhập"

    file_name = models.CharField("Tên tệp", max_length=255)
    stored_name = models.CharField("Tệp lưu", max_length=255, blank=True, help_text="đường dẫn trong MEDIA_ROOT")
    size = models.PositiveBigIntegerField("Dung lượng (byte)", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    status = models.CharField("Trạng thái", max_length=10, choices=Status.choices, default=Status.UPLOADED,
                              db_index=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name="Đơn vị")
    court = models.ForeignKey(Court, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name="Tòa án")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="Người nhập")
    created_at = models.DateTimeField("Tải lên lúc", auto_now_add=True)
    finished_at = models.DateTimeField("Nhập xong lúc", null=True, blank=True)
    elapsed = models.FloatField("Thời gian (giây)", null=True, blank=True)

    profile = models.ForeignKey(MappingProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name="Hồ sơ ánh xạ")
    mapping = models.JSONField("Ánh xạ đã dùng", default=dict, blank=True)
    columns = models.JSONField("Các cột theo trang", default=dict, blank=True)
    sheets = models.JSONField("Các trang", default=list, blank=True)
    as_of = models.DateField("Tính đến ngày (theo sổ)", null=True, blank=True)
    holidays = models.JSONField("Ngày nghỉ (trang ngày lễ của sổ)", default=list, blank=True)
    warnings = models.JSONField("Cảnh báo chung", default=list, blank=True)
    error = models.TextField("Lỗi", blank=True)

    total_rows = models.PositiveIntegerField("Số dòng", default=0)
    imported = models.PositiveIntegerField("Đã nhập mới", default=0)
    updated = models.PositiveIntegerField("Đã cập nhật", default=0)
    existing = models.PositiveIntegerField("Đã có", default=0)
    skipped = models.PositiveIntegerField("Bỏ qua", default=0)
    with_warnings = models.PositiveIntegerField("Dòng có cảnh báo", default=0)
    conflicts = models.PositiveIntegerField("Dòng có xung đột", default=0)

    class Meta:
        verbose_name = "lần nhập sổ Excel"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%d/%m/%Y %H:%M})" if self.created_at else self.file_name


class ImportRow(models.Model):
    class Status(models.TextChoices):
        IMPORTED = "imported", "Đã nhập"
        UPDATED = "updated", "Đã cập nhật"
        EXISTING = "existing", "Đã có"
        SKIPPED = "skipped", "Bỏ qua"

    # read by batch (and status): the (batch, status) index; no index of their own on either
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows", verbose_name="Lần nhập",
                              db_index=False)
    sheet = models.CharField("Trang", max_length=120)
    row_number = models.PositiveIntegerField("Dòng")
    status = models.CharField("Kết quả", max_length=10, choices=Status.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="import_rows", verbose_name="Vụ việc")
    person_name = models.CharField("Họ và tên", max_length=200, blank=True)
    so_thu_ly = models.CharField("Số thụ lý", max_length=120, blank=True)
    reason = models.TextField("Lý do", blank=True)
    warnings = models.JSONField("Cảnh báo", default=list, blank=True)
    values = models.JSONField("Giá trị đọc được", default=dict, blank=True)
    flags = models.JSONField("Cột cảnh báo của sổ (nguyên văn)", default=dict, blank=True)
    errors = models.JSONField("Ô lỗi", default=dict, blank=True)
    note = models.TextField("Ghi chú", blank=True)
    extras = models.JSONField("Cột khác", default=dict, blank=True)
    changes = models.JSONField("Thay đổi / xung đột", default=dict, blank=True)

    class Meta:
        verbose_name = "dòng của sổ đã nhập"
        ordering = ["batch", "id"]
        indexes = [models.Index(fields=["batch", "status"]), models.Index(fields=["sheet", "row_number"])]

    def __str__(self) -> str:
        return f"{self.sheet}!{self.row_number}"
