"""The dossier checklist as data: leaders confirm or edit the list of required documents per measure
(a new ruleset version each time, through legal.services; audited)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from kiemsat.domain.events import MEASURE_LABELS
from kiemsat.org import permissions as perm

from . import services

KEY_LABELS = {**{k.value: v for k, v in MEASURE_LABELS.items()}, "CSCNBB_MINOR": "Cai nghiện bắt buộc (người 12–dưới 18 tuổi)"}


def _nodes() -> list[dict]:
    from kiemsat.legal import services as legal
    from kiemsat.legal.models import RulesetVersion

    _pk, data = legal._active_data(RulesetVersion, legal.active_ruleset)
    out = []
    for r in data.get("rules", []):
        if r.get("id") != services.RULE_ID:
            continue
        p = (r.get("params") or {}).get(services.PARAM) or {}
        for key, node in (p.get("cases") or {}).items():
            values = node.get("values") or {}
            latest = legal._plain(values[max(values)]) if values else None
            out.append({"key": key, "label": KEY_LABELS.get(key, key), "items": latest or [],
                        "status": node.get("status", "U"), "citation": node.get("citation", ""),
                        "note": node.get("note", ""),
                        "text": "\n".join(f"{it.get('code')} | {it.get('label')}" for it in (latest or []))})
    return out


def _parse_items(text: str) -> list[dict]:
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if "|" in line:
            code, label = (x.strip() for x in line.split("|", 1))
        else:
            code, label = "", line
        items.append({"code": code, "label": label})
    return items


def checklist_page(request):
    can = perm.can_approve(request.user)
    if request.method == "POST":
        if not can:
            raise PermissionDenied("Chỉ lãnh đạo đơn vị được sửa danh mục hồ sơ.")
        key = request.POST.get("key", "")
        reason = request.POST.get("reason", "")
        try:
            if key == "supervision":
                services.change_supervision_list(
                    actor=request.user, items=_parse_items(request.POST.get("items", "")),
                    status="V" if request.POST.get("confirmed") or request.POST.get("action") == "confirm" else "U",
                    citation=request.POST.get("citation", ""), reason=reason)
                messages.success(request, "Đã lưu danh mục hồ sơ kiểm sát.")
            elif request.POST.get("action") == "confirm":
                from kiemsat.legal.services import confirm_parameter

                confirm_parameter(actor=request.user, rule_id=services.RULE_ID, param=services.PARAM, key=key,
                                  reason=reason)
                messages.success(request, f"Đã xác nhận danh mục hồ sơ: {KEY_LABELS.get(key, key)}.")
            else:
                services.change_checklist(actor=request.user, key=key, items=_parse_items(request.POST.get("items", "")),
                                          status="V" if request.POST.get("confirmed") else "U",
                                          citation=request.POST.get("citation", ""), reason=reason)
                messages.success(request, f"Đã lưu danh mục hồ sơ: {KEY_LABELS.get(key, key)}.")
        except ValidationError as exc:
            msgs = exc.message_dict.values() if hasattr(exc, "message_dict") else [exc.messages]
            messages.error(request, " ".join(m for ms in msgs for m in ms))
        return redirect("documents_checklist")
    from .selectors import supervision_list

    sup = supervision_list()
    sup_node = {"key": "supervision", "label": "Hồ sơ kiểm sát của Viện kiểm sát (mọi biện pháp)", "items": sup.items,
                "status": sup.status, "citation": sup.citation, "note": sup.note,
                "text": "\n".join(f"{it.get('code')} | {it.get('label')}" for it in sup.items)}
    return render(request, "documents/checklist.html", {"nodes": _nodes(), "sup": sup_node, "can_approve": can})
