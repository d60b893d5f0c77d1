from django import template

from kiemsat.org import permissions as perm

from .. import filecheck, selectors
from ..extract import ocr_status

register = template.Library()


@register.inclusion_tag("documents/_card.html", takes_context=True)
def documents_card(context):
    case = context["case"]
    user = context["user"]
    can_edit = perm.can_edit_case(user, case)
    cl = selectors.checklist_rows(case)
    return {
        "case": case, "user": user, "request": context.get("request"), "csrf_token": context.get("csrf_token"),
        "documents": selectors.case_documents(case), "can_edit": can_edit, "checklist": cl,
        "events": list(case.events.order_by("date", "id")) if can_edit else [], "accept": filecheck.ACCEPT,
        "ocr": ocr_status(), "can_approve": perm.can_approve(user),
    }


@register.filter
def filesize(n):
    try:
        n = int(n)
    except (TypeError, ValueError):
        return ""
    for unit in ("byte", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "byte" else f"{n:.1f} {unit}".replace(".", ",")
        n /= 1024
    return ""
