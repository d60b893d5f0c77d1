"""Organisations and people: procuracy units, courts, proposing agencies, staff accounts.

Units and courts have history (validity dates and a successor): VKSND huyện X became
VKSND khu vực N on 01/07/2025. A case keeps the unit and court of its time; `name_on(date)`
gives the name to print for a date.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


class Dated(models.Model):
    """An organisation valid from a date until a date, replaced by a successor."""

    name = models.CharField("Tên", max_length=200)
    short_name = models.CharField("Tên viết tắt", max_length=60, blank=True)
    valid_from = models.DateField("Từ ngày", null=True, blank=True)
    valid_to = models.DateField("Đến ngày", null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def name_on(self, day: dt.date) -> str:
        """The name of the organisation that held this role on `day` (this one or a successor)."""
        org = self
        seen = set()
        while org.valid_to is not None and day > org.valid_to and org.successor_id and org.pk not in seen:
            seen.add(org.pk)
            org = org.successor
        return org.name


class Unit(Dated):
    """A procuracy unit (Viện kiểm sát nhân dân …)."""

    parent_name = models.CharField("Cơ quan cấp trên", max_length=200, blank=True)
    symbol = models.CharField("Ký hiệu văn bản", max_length=40, blank=True, help_text="VD: VKS-HS")
    place = models.CharField("Địa danh", max_length=100, blank=True)
    successor = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="predecessors",
                                  verbose_name="Đơn vị kế thừa")
    is_provincial = models.BooleanField("Cấp tỉnh (xem mọi đơn vị)", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "đơn vị"
        ordering = ["name"]


class Court(Dated):
    """A court (Tòa án nhân dân …)."""

    successor = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="predecessors",
                                  verbose_name="Tòa án kế thừa")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tòa án"
        ordering = ["name"]


class Agency(Dated):
    """A proposing agency (cơ quan đề nghị: Phòng LĐTBXH, Công an…)."""

    class Kind(models.TextChoices):
        LDTBXH = "ldtbxh", "Phòng Lao động – Thương binh và Xã hội"
        POLICE = "police", "Công an"
        COMMUNE = "commune", "Ủy ban nhân dân cấp xã"
        OTHER = "other", "Khác"

    kind = models.CharField("Loại", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    successor = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="predecessors",
                                  verbose_name="Cơ quan kế thừa")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "cơ quan đề nghị"
        ordering = ["name"]


class Role(models.TextChoices):
    LEADER = "leader", "Lãnh đạo (Viện trưởng, Phó Viện trưởng)"
    PROSECUTOR = "prosecutor", "Kiểm sát viên"
    INSPECTOR = "inspector", "Kiểm tra viên"
    SPECIALIST = "specialist", "Chuyên viên"
    EXECUTION = "execution", "Cán bộ kiểm sát thi hành"
    ADMIN = "admin", "Quản trị"


CASE_STAFF_ROLES = (Role.PROSECUTOR, Role.INSPECTOR, Role.SPECIALIST)


class User(AbstractUser):
    full_name = models.CharField("Họ và tên", max_length=120)
    title = models.CharField("Chức danh", max_length=120, blank=True)
    role = models.CharField("Vai trò", max_length=20, choices=Role.choices, default=Role.SPECIALIST)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="staff",
                             verbose_name="Đơn vị")
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "người dùng"
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label
