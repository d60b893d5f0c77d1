"""Reassigning a case (audited, with the reason)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kiemsat.audit.context import current_actor
from kiemsat.audit.services import record
from kiemsat.cases import services as case_services
from kiemsat.cases.models import Case
from kiemsat.org import permissions as perm
from kiemsat.org.models import CASE_STAFF_ROLES, Role, User


@transaction.atomic
def reassign(*, actor, case: Case, to: User | None, reason: str) -> Case:
    """Give the case to another staff member of its unit. Leaders only; the reason is required."""
    if actor is not None and not perm.can_assign(actor, case):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được phân công lại vụ việc.")
    reason = " ".join((reason or "").split())
    errors = {}
    if len(reason) < 5:
        errors["reason"] = "Cần nêu lý do phân công lại (ít nhất 5 ký tự)."
    if to is None:
        errors["to"] = "Cần chọn cán bộ được phân công."
    elif not to.is_active or case.unit_id not in perm.unit_lineage(to.unit_id) \
            or to.role not in (*CASE_STAFF_ROLES, Role.LEADER):
        errors["to"] = "Cán bộ này không thuộc đơn vị hoặc không thể được phân công vụ việc."
    elif to.pk == case.assigned_to_id:
        errors["to"] = "Vụ việc đã được phân công cho cán bộ này."
    if errors:
        raise ValidationError(errors)
    before = case.assigned_to
    case_services.update_case(actor=actor, case=case, data={"assigned_to": to})
    record("case.reassign", case,
           f"Phân công lại {case}: {before.full_name if before else 'chưa phân công'} → {to.full_name}",
           {"from": before.pk if before else None, "to": to.pk, "reason": reason[:500]},
           user=None if current_actor() is not None else actor)
    return case
