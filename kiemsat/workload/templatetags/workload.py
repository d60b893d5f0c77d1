"""The workload card on the case page (assignee; "Phân công lại" for leaders)."""

from __future__ import annotations

from django import template

from kiemsat.org import permissions as perm

from ..forms import ReassignForm

register = template.Library()


@register.inclusion_tag("workload/_case_card.html", takes_context=True)
def workload_case(context):
    case, user = context.get("case"), context.get("user")
    if case is None or user is None:
        return {"show": False}
    can = perm.can_assign(user, case)
    return {"show": True, "case": case, "can_assign": can,
            "form": ReassignForm(unit_id=user.unit_id, initial={"to": case.assigned_to_id}) if can else None,
            "csrf_token": context.get("csrf_token")}
