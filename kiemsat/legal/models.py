"""The law as data, in the database: versions of the ruleset and of the working-day calendar.

Each version is a whole JSON document in the format of kiemsat/domain/data/*.json, so a finding
that went into a letter can be reproduced from (events, ruleset version, calendar version) years
later. A change by a leader or an administrator adds a version (with its reason) and makes it
the active one; nothing is edited in place.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Versioned(models.Model):
    class Kind(models.TextChoices):
        SEED = "seed", "Dữ liệu gốc của phần mềm"
        CORRECTION = "correction", "Đính chính (áp dụng cho mọi thời điểm)"
        LAW_CHANGE = "law_change", "Thay đổi của pháp luật (giá trị mới từ một ngày)"
        CONFIRM = "confirm", "Xác nhận căn cứ"
        EDIT = "edit", "Sửa lịch"

    label = models.CharField("Phiên bản", max_length=80)
    data = models.JSONField("Nội dung")
    kind = models.CharField("Loại thay đổi", max_length=20, choices=Kind.choices, default=Kind.SEED)
    reason = models.TextField("Lý do", blank=True)
    summary = models.CharField("Tóm tắt thay đổi", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="Người thay đổi")
    created_at = models.DateTimeField("Thời điểm", auto_now_add=True)
    is_active = models.BooleanField("Đang áp dụng", default=False, db_index=True)

    class Meta:
        abstract = True
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.label


class RulesetVersion(Versioned):
    class Meta(Versioned.Meta):
        verbose_name = "phiên bản bộ quy tắc"


class CalendarVersion(Versioned):
    class Meta(Versioned.Meta):
        verbose_name = "phiên bản lịch làm việc"
