"""Offline sync by file: who this instance is (at a unit), whose bundles it accepts (at the
province), and the stable ids that make an import idempotent.

- `LocalIdentity` (at a unit): the unit this instance exports, its sync code and the province's age
  recipient key; the unit's Ed25519 signing key is a file under DATA_DIR/sync, never in the database.
- `UnitKey` (at the province): a unit's code and public signing key, registered by an administrator;
  a bundle from a code that is not registered, or not signed by its key, is refused.
- `SyncedRecord`: (origin code, kind, origin pk) → local pk and the hash of what was last imported:
  the same record imported again changes nothing.
- `BundleImport` / `BundleExport`: the log of bundles (the audit log has an entry for each too).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kiemsat.org.models import Unit


class LocalIdentity(models.Model):
    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="Đơn vị gửi dữ liệu")
    code = models.CharField("Mã đồng bộ của đơn vị", max_length=40, unique=True)
    recipient = models.CharField("Khóa nhận của Viện kiểm sát cấp tỉnh (age1…)", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "định danh đồng bộ của đơn vị"


class UnitKey(models.Model):
    code = models.CharField("Mã đồng bộ", max_length=40, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="sync_keys", verbose_name="Đơn vị")
    public_key = models.CharField("Khóa công khai (Ed25519)", max_length=120)
    active = models.BooleanField("Đang nhận gói", default=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name="Người đăng ký")
    registered_at = models.DateTimeField("Đăng ký lúc", auto_now_add=True)

    class Meta:
        verbose_name = "khóa đồng bộ của đơn vị"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.unit}"


class SyncedRecord(models.Model):
    origin = models.CharField("Mã đơn vị gửi", max_length=40)
    kind = models.CharField("Loại", max_length=20)
    origin_pk = models.BigIntegerField("Mã gốc")
    local_pk = models.BigIntegerField("Mã tại đây")
    content_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "bản ghi đã đồng bộ"
        constraints = [models.UniqueConstraint(fields=["origin", "kind", "origin_pk"], name="sync_record_origin_unique")]


class BundleImport(models.Model):
    bundle_id = models.CharField("Mã gói", max_length=40, db_index=True)
    origin = models.CharField("Mã đơn vị gửi", max_length=40)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="Đơn vị")
    exported_at = models.DateTimeField("Xuất lúc")
    imported_at = models.DateTimeField("Nhập lúc", auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="Người nhập")
    sha256 = models.CharField("SHA-256 của tệp", max_length=64)
    filename = models.CharField("Tên tệp", max_length=255, blank=True)
    counts = models.JSONField("Số bản ghi", default=dict)
    findings = models.JSONField("Tóm tắt phát hiện của đơn vị", default=dict)

    class Meta:
        verbose_name = "gói đã nhập"
        ordering = ["-imported_at", "-id"]


class BundleExport(models.Model):
    bundle_id = models.CharField("Mã gói", max_length=40, unique=True)
    code = models.CharField("Mã đồng bộ", max_length=40)
    exported_at = models.DateTimeField("Xuất lúc")
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="Người xuất")
    filename = models.CharField("Tên tệp", max_length=255)
    sha256 = models.CharField("SHA-256 của tệp", max_length=64)
    size = models.BigIntegerField("Kích thước (byte)", default=0)
    counts = models.JSONField("Số bản ghi", default=dict)
    with_documents = models.BooleanField("Kèm tệp hồ sơ", default=False)

    class Meta:
        verbose_name = "gói đã xuất"
        ordering = ["-exported_at", "-id"]
