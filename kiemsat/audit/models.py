"""The audit log: one row per action, each hash-chained to the one before it, so a rewritten
history is detectable (`services.verify_chain`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    at = models.DateTimeField("Thời điểm", db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name="Người thực hiện")
    username = models.CharField("Tài khoản", max_length=150, blank=True)
    ip = models.CharField("Địa chỉ", max_length=64, blank=True)
    action = models.CharField("Hành động", max_length=40, db_index=True)
    object_type = models.CharField("Loại đối tượng", max_length=40, blank=True)
    object_id = models.CharField("Mã đối tượng", max_length=40, blank=True, db_index=True)
    summary = models.CharField("Nội dung", max_length=300, blank=True)
    changes = models.JSONField("Thay đổi", default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "nhật ký"
        ordering = ["-id"]
