"""Use cases of the digitised dossiers. Views, commands and tests call these; each checks the
permission, runs in one transaction and writes the audit."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kiemsat.audit.services import record
from kiemsat.cases.models import Case, Event
from kiemsat.domain.vntext import fold, nfc
from kiemsat.org import permissions as perm

from . import conf, filecheck, storage
from .models import ChecklistMark, Document, TextJob, TextStatus

RULE_ID, PARAM = "proposer.dossier_complete", "checklist"


def search_text(name: str, number: str, text: str) -> str:
    return fold(" ".join((name or "", number or "", text or "")))


@dataclass
class Attached:
    document: Document
    also_in: list[Case] = field(default_factory=list)  # other cases holding the same file


def _chunks_of(f) -> Iterable[bytes]:
    if isinstance(f, (bytes, bytearray)):
        yield bytes(f)
    elif hasattr(f, "chunks"):
        yield from f.chunks()
    else:
        yield from iter(lambda: f.read(1 << 20), b"")


def attach(*, actor, case: Case, name: str, content, event: Event | None = None, number: str = "",
           checklist_item: str = "", source: str = "upload", source_path: str = "") -> Attached:
    """Store a file (bytes, an UploadedFile or a binary file object) and attach it to `case` (or one
    of its events). Raises ValidationError {"file": message} for a refused file or a duplicate."""
    if actor is not None and not perm.can_edit_case(actor, case):
        raise PermissionDenied("Bạn không có quyền tải tệp lên hồ sơ vụ việc này.")
    if event is not None and event.case_id != case.pk:
        raise ValidationError({"event": "Sự kiện không thuộc vụ việc này."})
    try:
        clean = filecheck.clean_name(name)
        filecheck.extension_kind(clean)
    except filecheck.Refused as exc:
        raise ValidationError({"file": str(exc)}) from exc
    tmp, sha, size = storage.spool(_chunks_of(content), conf.max_bytes())
    try:
        if size > conf.max_bytes():
            raise filecheck.Refused(f"Tệp “{clean}” lớn quá giới hạn {conf.max_bytes() // (1024 * 1024)} MB.")
        checked = filecheck.check(tmp, clean)
    except filecheck.Refused as exc:
        storage.discard(tmp)
        raise ValidationError({"file": str(exc)}) from exc
    dup = Document.objects.filter(case=case, sha256=sha).first()
    if dup is not None:
        storage.discard(tmp)
        raise ValidationError({"file": f"Tệp “{clean}” trùng với tệp “{dup.name}” đã có trong hồ sơ vụ việc này."})
    storage.commit(tmp, sha)
    number = nfc(number).strip()[:60]
    with transaction.atomic():
        doc = Document.objects.create(
            case=case, event=event, sha256=sha, size=size, kind=checked.kind, name=clean, number=number,
            checklist_item=checklist_item or "", pages=checked.pages, text_status=TextStatus.QUEUED,
            search_folded=search_text(clean, number, ""), source=source, source_path=source_path[:500],
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        TextJob.objects.create(document=doc)
        record("document.upload", doc, f"Tải lên “{clean}” – {case}",
               {"case": case.pk, "event": getattr(event, "pk", None), "sha256": sha, "size": size,
                "kind": checked.kind, "source": source, "path": source_path or None}, user=actor)
    others = list(Case.objects.filter(documents__sha256=sha).exclude(pk=case.pk).distinct()[:5])
    if actor is not None:
        others = [c for c in others if perm.can_view_case(actor, c)]
    return Attached(doc, others)


def can_view(actor, doc: Document) -> bool:
    return perm.can_view_case(actor, doc.case)


def open_for_reading(*, actor, doc: Document, inline: bool) -> Path:
    """The stored original (for a view or a download), audited."""
    if actor is not None and not perm.can_view_case(actor, doc.case):
        raise PermissionDenied("Bạn không có quyền xem hồ sơ vụ việc này.")
    path = storage.path_for(doc.sha256)
    if not path.exists():
        raise FileNotFoundError(doc.sha256)
    record("document.view" if inline else "document.download", doc,
           f"{'Xem' if inline else 'Tải về'} “{doc.name}” – {doc.case}", {"case": doc.case_id, "sha256": doc.sha256},
           user=actor)
    return path


@transaction.atomic
def delete_document(*, actor, doc: Document) -> None:
    if actor is not None and not perm.can_edit_case(actor, doc.case):
        raise PermissionDenied("Bạn không có quyền xóa tệp của hồ sơ vụ việc này.")
    snap = {"case": doc.case_id, "name": doc.name, "sha256": doc.sha256, "size": doc.size, "kind": doc.kind}
    case = doc.case
    sha = doc.sha256
    pk = doc.pk
    doc.delete()
    record("document.delete", case, f"Xóa tệp “{snap['name']}” – {case}", {"document": pk, **snap}, user=actor)
    if not Document.objects.filter(sha256=sha).exists():
        # the content is no longer attached anywhere: remove it after the transaction commits
        transaction.on_commit(lambda: _remove_blob(sha))


def _remove_blob(sha: str) -> None:
    if Document.objects.filter(sha256=sha).exists():
        return
    p = storage.path_for(sha)
    try:
        p.chmod(0o644)
        p.unlink(missing_ok=True)
    except OSError:
        pass


@transaction.atomic
def retry_text(*, actor, doc: Document) -> TextJob:
    """Queue the document's text reading again (after a failure, or once OCR is installed)."""
    if actor is not None and not perm.can_edit_case(actor, doc.case):
        raise PermissionDenied("Bạn không có quyền với hồ sơ vụ việc này.")
    job = TextJob.objects.filter(document=doc, status__in=[TextJob.Status.QUEUED, TextJob.Status.RUNNING]).first()
    if job is None:
        job = TextJob.objects.create(document=doc)
    Document.objects.filter(pk=doc.pk).update(text_status=TextStatus.QUEUED, text_note="")
    record("document.retry", doc, f"Đọc lại chữ “{doc.name}” – {doc.case}", {"case": doc.case_id}, user=actor)
    return job


@transaction.atomic
def update_document(*, actor, doc: Document, number: str | None = None, checklist_item: str | None = None,
                    event: Event | None | bool = False) -> Document:
    if actor is not None and not perm.can_edit_case(actor, doc.case):
        raise PermissionDenied("Bạn không có quyền sửa hồ sơ vụ việc này.")
    changes = {}
    if number is not None:
        number = nfc(number).strip()[:60]
        if number != doc.number:
            changes["number"] = [doc.number, number]
            doc.number = number
    if checklist_item is not None and checklist_item != doc.checklist_item:
        changes["checklist_item"] = [doc.checklist_item, checklist_item]
        doc.checklist_item = checklist_item
    if event is not False:
        if event is not None and event.case_id != doc.case_id:
            raise ValidationError({"event": "Sự kiện không thuộc vụ việc này."})
        new = getattr(event, "pk", None)
        if new != doc.event_id:
            changes["event"] = [doc.event_id, new]
            doc.event = event
    if changes:
        doc.search_folded = search_text(doc.name, doc.number, doc.text)
        doc.save()
        record("document.update", doc, f"Sửa thông tin tệp “{doc.name}” – {doc.case}", changes, user=actor)
    return doc


# ------------------------------------------------------------------------------ checklist
STATES = {"present": ChecklistMark.State.PRESENT, "missing": ChecklistMark.State.MISSING}


@transaction.atomic
def set_checklist(*, actor, case: Case, marks: dict[str, str], notes: dict[str, str] | None = None) -> dict:
    """Mark checklist items of a case: item code -> "present" | "missing" | "" (not checked).
    Returns the changes {item: [before, after]}."""
    if actor is not None and not perm.can_edit_case(actor, case):
        raise PermissionDenied("Bạn không có quyền đánh dấu danh mục hồ sơ vụ việc này.")
    from .selectors import all_item_codes

    known = all_item_codes(case)
    current = {m.item: m for m in ChecklistMark.objects.filter(case=case)}
    changes = {}
    notes = notes or {}
    for item, state in marks.items():
        if item not in known:
            raise ValidationError({"__all__": f"Tài liệu “{item}” không có trong danh mục của biện pháp này."})
        if state and state not in STATES:
            raise ValidationError({"__all__": "Tình trạng phải là có, thiếu hoặc chưa kiểm tra."})
        before = current.get(item)
        note = nfc(notes.get(item, "")).strip()[:300]
        if not state:
            if before is not None:
                before.delete()
                changes[item] = [before.state, ""]
            continue
        if before is None:
            ChecklistMark.objects.create(case=case, item=item, state=state, note=note,
                                         marked_by=actor if getattr(actor, "pk", None) else None)
            changes[item] = ["", state]
        elif before.state != state or before.note != note:
            changes[item] = [before.state, state]
            before.state, before.note = state, note
            before.marked_by = actor if getattr(actor, "pk", None) else None
            before.save()
    if changes:
        # the register's stamp moves, so cached scans of the dashboard see the change
        from django.utils import timezone

        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        record("checklist.mark", case, f"Đánh dấu danh mục hồ sơ – {case}", changes, user=actor)
    return changes


def change_checklist(*, actor, key: str, items: list[dict], status: str, citation: str, reason: str):
    """A leader edits the list of documents required for one measure (key: CSCNBB, CSCNBB_MINOR, …):
    a correction of the ruleset (a new active version, audited). status "V" = confirmed."""
    from kiemsat.legal import services as legal
    from kiemsat.legal.models import RulesetVersion

    if actor is not None and not perm.can_approve(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được sửa danh mục hồ sơ.")
    if status not in ("V", "S", "U"):
        raise ValidationError({"status": "Tình trạng căn cứ phải là V, S hoặc U."})
    clean = _clean_items(items)
    _base, data = legal._active_data(RulesetVersion, legal.active_ruleset)
    node = legal._find_node(data, RULE_ID, PARAM, key)
    before = legal._plain((node.get("values") or {}).get(min(node.get("values") or {"2000-01-01": None})))
    first = min(node.get("values") or {"2022-01-01": None})
    node["values"] = {first: copy.deepcopy(clean)}
    node["status"] = status
    if citation:
        node["citation"] = nfc(citation).strip()
    legal._check_ruleset(data)
    summary = (f"Danh mục hồ sơ {key}: {len(before or [])} → {len(clean)} tài liệu ({status})")
    return legal._activate(RulesetVersion, actor=actor, data=data, kind=RulesetVersion.Kind.CORRECTION,
                           reason=reason, summary=summary, label=legal._new_label(RulesetVersion, data.get("id", "ruleset")))


@transaction.atomic
def change_supervision_list(*, actor, items: list[dict], status: str, citation: str, reason: str):
    """A leader confirms or edits the list of the Procuracy's supervision dossier (a new active
    version, with its reason, audited). Marks of items that leave the list are kept (not shown)."""
    from .models import DossierList
    from .selectors import supervision_list

    if actor is not None and not perm.can_approve(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được sửa danh mục hồ sơ.")
    if status not in ("V", "S", "U"):
        raise ValidationError({"status": "Tình trạng căn cứ phải là V, S hoặc U."})
    if not reason or len(reason.strip()) < 5:
        raise ValidationError({"reason": "Cần ghi lý do thay đổi (ít nhất 5 ký tự)."})
    clean = _clean_items(items)
    before = supervision_list()
    DossierList.objects.filter(kind="supervision", is_active=True).update(is_active=False)
    row = DossierList.objects.create(kind="supervision", items=clean, status=status,
                                     citation=nfc(citation).strip() or before.citation, note=before.note,
                                     reason=reason.strip(), created_by=actor if getattr(actor, "pk", None) else None)
    record("dossierlist.activate", row, f"Danh mục hồ sơ kiểm sát: {len(before.items)} → {len(clean)} tài liệu ({status})",
           {"reason": reason.strip(), "status": [before.status, status],
            "items": [[it["code"] for it in before.items], [it["code"] for it in clean]]}, user=actor)
    return row


def _clean_items(items: list[dict]) -> list[dict]:
    clean, seen = [], set()
    for i, it in enumerate(items, 1):
        code = re.sub(r"[^a-z0-9_]+", "_", fold(str(it.get("code") or ""))).strip("_")
        label = nfc(str(it.get("label") or "")).strip()
        if not label:
            continue
        if not code:
            code = re.sub(r"[^a-z0-9_]+", "_", fold(label)).strip("_")[:50]
        if code in seen:
            raise ValidationError({"items": f"Dòng {i}: mã “{code}” bị lặp."})
        seen.add(code)
        clean.append({"code": code[:55], "label": label[:300]})
    if not clean:
        raise ValidationError({"items": "Danh mục cần ít nhất một tài liệu."})
    return clean
