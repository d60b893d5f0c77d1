"""Reads of the digitised dossiers: a case's files and checklist, the marks the engine needs."""

from __future__ import annotations


import json
from collections.abc import Iterable
from pathlib import Path

from kiemsat.cases.models import Case
from kiemsat.org import permissions as perm

from .models import ChecklistMark, DossierList, Document, TextJob, TextStatus

RULE_ID, PARAM = "proposer.dossier_complete", "checklist"
VKS = "vks:"  # prefix of the marks of the Procuracy's own supervision dossier (never seen by the engine)
SUPERVISION_FILE = Path(__file__).with_name("data") / "supervision-dossier.json"


def supervision_list() -> DossierList:
    """The active list of the Procuracy's supervision dossier (seeded from data on first use)."""
    row = DossierList.objects.filter(kind="supervision", is_active=True).order_by("-id").first()
    if row is None:
        data = json.loads(SUPERVISION_FILE.read_text(encoding="utf-8"))
        row = DossierList.objects.create(kind="supervision", items=data["items"], status=data.get("status", "U"),
                                         citation=data.get("citation", ""), note=data.get("note", ""),
                                         reason="Dữ liệu gốc kèm phần mềm")
    return row
_FIRST_OF = ("transferred_to_court", "dossier_prepared", "accepted")


def checklist_param(case: Case):
    """(ParamValue or None, reason) of the checklist that applies to the case (as the engine picks it:
    by measure, in force on the date the dossier was made / sent)."""
    from kiemsat.legal.services import active_ruleset, local_today

    _, rs = active_ruleset()
    if RULE_ID not in rs:
        return None, "Bộ quy tắc không có quy tắc kiểm tra hồ sơ đề nghị."
    p = rs[RULE_ID].params.get(PARAM)
    if p is None:
        return None, "Quy tắc chưa có danh mục tài liệu."
    on = None
    dates = {e.code: e.date or e.received for e in case.events.all() if e.code in _FIRST_OF and (e.date or e.received)}
    for code in _FIRST_OF:
        if dates.get(code):
            on = dates[code]
            break
    pv = p.get(case.measure or "", on or local_today())
    if pv is None:
        return None, "Chưa có danh mục tài liệu cho biện pháp này vào thời điểm đó."
    if pv.value is None:
        return pv, f"Chưa có danh mục tài liệu ({pv.citation})."
    return pv, ""


def checklist_items(case: Case) -> tuple[list[dict], object]:
    pv, _why = checklist_param(case)
    items = list(pv.value) if pv is not None and pv.value else []
    return items, pv


def checklist_rows(case: Case) -> dict:
    """What the case's card shows: each item with its mark (present / missing / not checked) and the
    files tagged with it; the list's status (V = confirmed by a leader) and citation."""
    pv, why = checklist_param(case)
    items = list(pv.value) if pv is not None and pv.value else []
    marks = {m.item: m for m in ChecklistMark.objects.filter(case=case).select_related("marked_by")}
    docs: dict[str, list[Document]] = {}
    for d in Document.objects.filter(case=case).exclude(checklist_item=""):
        docs.setdefault(d.checklist_item, []).append(d)
    rows = []
    for it in items:
        m = marks.get(it.get("code"))
        rows.append({"code": it.get("code"), "label": it.get("label", it.get("code")),
                     "state": m.state if m else "", "note": m.note if m else "", "mark": m,
                     "docs": docs.get(it.get("code"), [])})
    sup = supervision_list()
    sup_rows = []
    for it in sup.items:
        code = VKS + str(it.get("code"))
        m = marks.get(code)
        sup_rows.append({"code": code, "label": it.get("label", code), "state": m.state if m else "",
                         "note": m.note if m else "", "mark": m, "docs": docs.get(code, [])})
    return {"rows": rows, "pv": pv, "why": why, "confirmed": pv is not None and pv.status == "V",
            "counts": _counts(rows), "supervision": {"rows": sup_rows, "list": sup, "counts": _counts(sup_rows),
                                                     "confirmed": sup.status == "V"}}


def _counts(rows) -> dict:
    counts = {"present": sum(r["state"] == "present" for r in rows), "missing": sum(r["state"] == "missing" for r in rows)}
    counts["unchecked"] = len(rows) - counts["present"] - counts["missing"]
    return counts


def all_item_codes(case: Case) -> set[str]:
    """Codes a case's marks may use: the proposer's list and the supervision list (prefixed)."""
    codes = {str(it.get("code")) for it in checklist_items(case)[0]}
    codes |= {VKS + str(it.get("code")) for it in supervision_list().items}
    return codes


def marks_for(case_ids: Iterable[int], db: str = "default") -> dict[int, dict[str, bool]]:
    """case id -> {item: True (present) / False (missing)} (CaseFacts.checklist) for the given cases."""
    ids = list(case_ids)
    out: dict[int, dict[str, bool]] = {}
    for i in range(0, len(ids), 5000):
        for cid, item, state in ChecklistMark.objects.using(db).filter(case_id__in=ids[i:i + 5000]).exclude(
                item__startswith=VKS).values_list("case_id", "item", "state"):
            out.setdefault(cid, {})[item] = state == ChecklistMark.State.PRESENT
    return out


def marks_for_qs(qs) -> dict[int, dict[str, bool]]:
    out: dict[int, dict[str, bool]] = {}
    for cid, item, state in ChecklistMark.objects.using(qs.db).filter(case__in=qs.order_by().values("pk")).exclude(
            item__startswith=VKS).values_list("case_id", "item", "state"):
        out.setdefault(cid, {})[item] = state == ChecklistMark.State.PRESENT
    return out


def cases_with_missing(db: str = "default") -> list[int]:
    """Ids of the cases with an item marked missing (the only ones the checklist rule can flag)."""
    return list(ChecklistMark.objects.using(db).filter(state=ChecklistMark.State.MISSING)
                .exclude(item__startswith=VKS).values_list("case_id", flat=True).distinct())


def case_documents(case: Case) -> list[Document]:
    return list(Document.objects.filter(case=case).select_related("event", "uploaded_by").order_by("uploaded_at", "id")
                .defer("text", "search_folded"))


def visible_document(user, pk: int) -> Document | None:
    doc = Document.objects.select_related("case").defer("search_folded").filter(pk=pk).first()
    if doc is None or not perm.can_view_case(user, doc.case):
        return None
    return doc


def queue_summary() -> dict:
    from django.db.models import Count

    jobs = dict(TextJob.objects.values_list("status").annotate(n=Count("id")))
    docs = dict(Document.objects.values_list("text_status").annotate(n=Count("id")))
    return {"jobs": jobs, "docs": docs, "queued": jobs.get("queued", 0) + jobs.get("running", 0),
            "failed": docs.get(TextStatus.FAILED, 0), "no_text": docs.get(TextStatus.NO_TEXT, 0)}


def problem_documents(user, limit: int = 200) -> list[Document]:
    ids = perm.visible_unit_ids(user)
    qs = Document.objects.filter(text_status__in=[TextStatus.FAILED, TextStatus.NO_TEXT]).select_related("case")
    if ids is not None:
        qs = qs.filter(case__unit_id__in=ids)
    return list(qs.defer("text", "search_folded").order_by("-uploaded_at")[:limit])


