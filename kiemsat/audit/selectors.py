"""Reading the audit log: filters for the leaders' page and its export."""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditEntry

# (code, label, predicate on the action code)
GROUPS = [
    ("login", "Đăng nhập, đăng xuất", Q(action__in=["login", "logout"])),
    ("login_failed", "Đăng nhập sai", Q(action="login_failed")),
    ("view", "Xem hồ sơ, tài liệu của người", Q(action__endswith=".view")),
    ("change", "Thay đổi dữ liệu", Q(action__regex=r"\.(create|update|delete|bulk_create|mark|activate|run|save|upload)$")
     & ~Q(action__startswith="backup.")),
    ("export", "Xuất dữ liệu", Q(action__contains="export") | Q(action="letter.download")),
    ("letter", "Văn bản", Q(action__startswith="letter.")),
    ("backup", "Sao lưu, khôi phục", Q(action__startswith="backup.")),
    ("admin", "Quản trị người dùng, danh mục", Q(action__startswith="admin.") | Q(action__startswith="user.")),
]
GROUP_LABELS = {code: label for code, label, _ in GROUPS}

ACTION_LABELS = {
    "login": "Đăng nhập", "logout": "Đăng xuất", "login_failed": "Đăng nhập sai",
    "case.view": "Xem hồ sơ người", "case.create": "Thêm vụ việc", "case.update": "Sửa vụ việc",
    "case.bulk_create": "Thêm nhiều vụ việc", "event.create": "Thêm sự kiện", "event.update": "Sửa sự kiện",
    "event.delete": "Xóa sự kiện", "letter.download": "Tải văn bản", "backup.create": "Sao lưu",
    "backup.verify": "Kiểm tra bản sao lưu", "backup.restore": "Khôi phục", "backup.failed": "Sao lưu lỗi",
    "import.run": "Nhập Excel", "import.upload": "Tải lên sổ Excel", "document.view": "Xem tài liệu",
    "audit.export": "Xuất nhật ký", "audit.daily_export": "Tải báo cáo nhật ký ngày", "admin.add": "Quản trị: thêm", "admin.change": "Quản trị: sửa",
    "admin.delete": "Quản trị: xóa", "user.unlock": "Mở khóa tài khoản", "user.disable": "Khóa tài khoản",
    "user.password_reset": "Đặt lại mật khẩu", "user.totp": "Xác thực hai lớp",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def visible_entries(user) -> QuerySet:
    """Leaders read the log of their unit's staff (and entries with no user: failed logins, commands);
    a provincial leader or an administrator reads all of it."""
    from kiemsat.org.permissions import visible_unit_ids

    qs = AuditEntry.objects.select_related("user")
    if getattr(user, "role", None) == "admin" or user.is_superuser:
        return qs
    ids = visible_unit_ids(user)
    if ids is None:
        return qs
    return qs.filter(Q(user__isnull=True) | Q(user__unit_id__in=ids))


def _day_start(d: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(d, dt.time.min))


def filtered(user, f: dict) -> QuerySet:
    qs = visible_entries(user)
    if f.get("since"):
        qs = qs.filter(at__gte=_day_start(f["since"]))
    if f.get("until"):
        qs = qs.filter(at__lt=_day_start(f["until"] + dt.timedelta(days=1)))
    if f.get("who"):
        qs = qs.filter(Q(username__icontains=f["who"]) | Q(user__full_name__icontains=f["who"]))
    if f.get("group"):
        pred = next((p for c, _, p in GROUPS if c == f["group"]), None)
        if pred is not None:
            qs = qs.filter(pred)
    if f.get("q"):
        q = f["q"]
        qs = qs.filter(Q(summary__icontains=q) | Q(object_id=q) | Q(ip=q) | Q(action__icontains=q))
    return qs.order_by("-id")


def _short(v) -> str:
    if v is None or v == "":
        return "∅"
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:199] + "…"


def change_rows(changes) -> list[tuple[str, str, str | None]]:
    """(field, old or value, new or None) — changes are stored as {field: [old, new]} or {key: value}."""
    if not isinstance(changes, dict):
        return [("", _short(changes), None)] if changes else []
    rows = []
    for k, v in changes.items():
        if isinstance(v, list) and len(v) == 2:
            rows.append((k, _short(v[0]), _short(v[1])))
        else:
            rows.append((k, _short(v), None))
    return rows
