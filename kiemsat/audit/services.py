"""Writing and checking the audit log. Every state change in a service calls `record`."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from .context import current_actor
from .models import AuditEntry

GENESIS = "0" * 64


def _digest(prev_hash: str, payload: dict) -> str:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _payload(e: AuditEntry) -> dict:
    return {
        "at": e.at.isoformat(),
        "user": e.user_id,
        "username": e.username,
        "ip": e.ip,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "summary": e.summary,
        "changes": e.changes,
    }


def record(action: str, obj=None, summary: str = "", changes: dict | None = None, user=None, ip: str = "") -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction, if any)."""
    actor = current_actor()
    if user is None and actor is not None:
        user_id, username, ip = actor.user_id, actor.username, ip or actor.ip
    else:
        user_id = getattr(user, "pk", None)
        username = user.get_username() if user is not None else ""
    with transaction.atomic():
        last = AuditEntry.objects.select_for_update().order_by("-id").only("hash").first()
        prev = last.hash if last else GENESIS
        e = AuditEntry(
            user_id=user_id,
            username=username,
            ip=ip,
            action=action,
            object_type=obj._meta.model_name if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            summary=summary[:300],
            changes=changes or {},
            prev_hash=prev,
        )
        e.at = timezone.now()
        e.hash = _digest(prev, _payload(e))
        e.save()
    return e


def head() -> dict:
    """The newest entry's hash (what goes into every backup manifest and on the audit page)."""
    last = AuditEntry.objects.order_by("-id").only("hash", "at").first()
    return {"hash": last.hash if last else "", "entries": AuditEntry.objects.count(),
            "at": last.at if last else None, "id": last.pk if last else None}


def verify_chain(expect_head: str | None = None) -> tuple[bool, int, str]:
    """(intact, entries checked, message in Vietnamese).

    Each entry's hash covers its content and the previous hash, so an edited, inserted or deleted
    entry breaks the chain from there on. Cutting entries off the end leaves a valid but shorter
    chain: `expect_head` (a head hash written earlier into a backup or report) must still be in it."""
    prev = GENESIS
    n = 0
    seen_expected = expect_head is None
    for e in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        n += 1
        if e.prev_hash != prev:
            return False, n, f"Nhật ký bị thay đổi: bản ghi số {e.pk} không nối tiếp bản ghi trước (có bản ghi bị xóa hoặc chèn)."
        if _digest(prev, _payload(e)) != e.hash:
            return False, n, f"Nhật ký bị thay đổi tại bản ghi số {e.pk} (nội dung không khớp mã băm)."
        prev = e.hash
        if not seen_expected and e.hash == expect_head:
            seen_expected = True
    if not seen_expected:
        return False, n, ("Không tìm thấy mã băm cuối đã ghi trước đây trong nhật ký: "
                          "có bản ghi bị xóa ở cuối hoặc nhật ký đã bị viết lại.")
    return True, n, f"Nhật ký nguyên vẹn ({n} bản ghi)."
