"""The daily audit report ("Báo cáo nhật ký ngày"): what was done on one day, and the head hash of the
chain at the end of that day.

A head hash kept outside the database — printed, signed and filed, or written to the USB stick with
the backup — is what makes a rewritten chain detectable: `kiemsat audit verify --expect-head H`
fails when H is no longer in the chain. The report is built on demand (page `/nhat-ky/bao-cao-ngay/`,
`kiemsat audit daily`); it stores nothing itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from . import selectors, services
from .models import AuditEntry


@dataclass
class DailyReport:
    day: dt.date
    entries: int  # entries written on that day
    groups: list[tuple[str, int]]  # (label, count) per kind of action, as on the log page
    actions: list[tuple[str, int]]  # (label, count) per action, most frequent first
    users: list[tuple[str, int]]  # (account, count), most active first
    failed_logins: int
    head_id: int | None  # the last entry written up to the end of the day
    head_hash: str
    head_at: dt.datetime | None
    total: int  # entries in the chain up to the head
    intact: bool | None = None  # the whole chain checked when the report was made (None: not checked)
    check_message: str = ""
    made_at: dt.datetime = field(default_factory=timezone.now)


def daily_report(day: dt.date, check: bool = True, user=None) -> DailyReport:
    """The counts cover what `user` may read of the log (everything for the command line); the head
    is the one chain's, whoever asks."""
    start = selectors._day_start(day)
    end = selectors._day_start(day + dt.timedelta(days=1))
    base = selectors.visible_entries(user) if user is not None else AuditEntry.objects.all()
    of_day = base.filter(at__gte=start, at__lt=end)
    groups = [(label, of_day.filter(pred).count()) for _code, label, pred in selectors.GROUPS]
    actions = [(selectors.action_label(r["action"]), r["n"])
               for r in of_day.order_by().values("action").annotate(n=Count("id")).order_by("-n", "action")]
    users = [(r["username"] or "(không đăng nhập)", r["n"])
             for r in of_day.order_by().values("username").annotate(n=Count("id")).order_by("-n", "username")]
    head = AuditEntry.objects.filter(at__lt=end).order_by("-id").only("id", "hash", "at").first()
    total = AuditEntry.objects.filter(id__lte=head.id).count() if head else 0
    intact, msg = None, ""
    if check:
        intact, _n, msg = services.verify_chain(expect_head=head.hash if head else None)
    return DailyReport(day=day, entries=of_day.count(), groups=groups, actions=actions, users=users,
                       failed_logins=of_day.filter(action="login_failed").count(),
                       head_id=head.id if head else None, head_hash=head.hash if head else "",
                       head_at=head.at if head else None, total=total, intact=intact, check_message=msg)


def as_text(r: DailyReport, unit_name: str = "") -> str:
    """The report as plain text (UTF-8), to print, sign and file or keep beside a backup."""
    def when(t):
        return timezone.localtime(t).strftime("%d/%m/%Y %H:%M:%S") if t else "—"

    lines = [
        "BÁO CÁO NHẬT KÝ HỆ THỐNG NGÀY " + r.day.strftime("%d/%m/%Y"),
        *([f"Đơn vị: {unit_name}"] if unit_name else []),
        f"Lập lúc: {when(r.made_at)}",
        "",
        f"Số bản ghi trong ngày: {r.entries} (đăng nhập sai: {r.failed_logins})",
    ]
    lines += [f"  - {label}: {n}" for label, n in r.groups if n]
    if r.actions:
        lines += ["", "Theo hành động:"] + [f"  - {label}: {n}" for label, n in r.actions]
    if r.users:
        lines += ["", "Theo tài khoản:"] + [f"  - {u}: {n}" for u, n in r.users]
    lines += [
        "",
        "MÃ BĂM CUỐI CỦA NHẬT KÝ TẠI CUỐI NGÀY",
        f"  Bản ghi số: {r.head_id if r.head_id is not None else '—'} (tổng {r.total} bản ghi), lúc {when(r.head_at)}",
        f"  SHA-256: {r.head_hash or '—'}",
    ]
    if r.intact is not None:
        lines += ["", "Kiểm tra toàn bộ chuỗi khi lập báo cáo: " + ("NGUYÊN VẸN. " if r.intact else "CÓ SAI LỆCH. ")
                  + r.check_message]
    lines += ["", "Đối chiếu về sau: kiemsat audit verify --expect-head <mã băm trên>",
              "(báo lỗi nếu nhật ký đã bị viết lại hoặc bị cắt bớt sau ngày này)", "",
              f"{'Người lập':<40}Lãnh đạo đơn vị", f"{'(ký, ghi rõ họ tên)':<40}(ký, ghi rõ họ tên)", ""]
    return "\n".join(lines)


def file_name(day: dt.date) -> str:
    return f"bao-cao-nhat-ky-{day:%Y-%m-%d}.txt"
