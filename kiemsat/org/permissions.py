"""Who may do what. One place, used by views, services and tests (the permission matrix).

- Everyone reads the cases of their own unit; a provincial unit reads every unit (read-only).
- Prosecutors, inspectors and specialists edit the cases assigned to them.
- Leaders edit every case of their unit, assign and approve.
- The execution team edits execution events of their unit's cases, and nothing else.
- Administrators manage users and reference data; they do not edit cases.
"""

from __future__ import annotations

from kiemsat.domain.events import EXECUTION_CODES

from .models import CASE_STAFF_ROLES, Role


def unit_lineage(unit_id: int | None) -> list[int]:
    """A unit and every unit it succeeded (VKSND huyện A, B → VKSND khu vực N): their cases are its cases.
    Read once per request (kiemsat.web.memo: the units' successor links in one query)."""
    if unit_id is None:
        return []
    from kiemsat.web.memo import active, per_request

    if not active():
        return _lineage(unit_id, _successor_links().get)
    links = per_request(("org.successor_links",), _successor_links)
    return list(per_request(("org.unit_lineage", unit_id), lambda: tuple(_lineage(unit_id, links.get))))


def _successor_links() -> dict[int, list[int]]:
    """successor id → the ids of the units it succeeded (every unit: a handful of rows)."""
    from .models import Unit

    out: dict[int, list[int]] = {}
    for pk, succ in Unit.objects.filter(successor_id__isnull=False).order_by("pk").values_list("pk", "successor_id"):
        out.setdefault(succ, []).append(pk)
    return out


def _lineage(unit_id: int, predecessors) -> list[int]:
    ids, frontier = [unit_id], [unit_id]
    while frontier:
        nxt = []
        for u in frontier:
            for p in predecessors(u) or ():
                if p not in ids and p not in nxt:
                    nxt.append(p)
        frontier = nxt
        ids.extend(frontier)
    return ids


def _same_unit(user, case) -> bool:
    return user.unit_id is not None and (case.unit_id == user.unit_id or case.unit_id in unit_lineage(user.unit_id))


def visible_unit_ids(user):
    """None = every unit (provincial); otherwise the list of unit ids the user reads."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.unit is not None and user.unit.is_provincial:
        return None
    return unit_lineage(user.unit_id)


def can_view_case(user, case) -> bool:
    ids = visible_unit_ids(user)
    return ids is None or case.unit_id in ids


def can_create_case(user) -> bool:
    return user.is_active and user.unit_id is not None and not user.unit.is_provincial and (
        user.role == Role.LEADER or user.role in CASE_STAFF_ROLES
    )


def can_edit_case(user, case) -> bool:
    """Edit the case itself and all its events."""
    if not user.is_active or not _same_unit(user, case):
        return False
    if user.role == Role.LEADER:
        return True
    return user.role in CASE_STAFF_ROLES and case.assigned_to_id == user.pk


def can_edit_event(user, case, code: str) -> bool:
    if can_edit_case(user, case):
        return True
    return user.is_active and user.role == Role.EXECUTION and _same_unit(user, case) and code in EXECUTION_CODES


def can_add_events(user, case) -> bool:
    return can_edit_case(user, case) or (user.is_active and user.role == Role.EXECUTION and _same_unit(user, case))


def editable_event_codes(user, case) -> list[str] | None:
    """None = every code; else the codes this user may record on this case."""
    if can_edit_case(user, case):
        return None
    if user.is_active and user.role == Role.EXECUTION and _same_unit(user, case):
        return sorted(EXECUTION_CODES)
    return []


def can_assign(user, case) -> bool:
    return user.is_active and user.role == Role.LEADER and _same_unit(user, case)


def can_approve(user) -> bool:
    return user.is_active and user.role == Role.LEADER


def can_manage_users(user) -> bool:
    return user.is_active and (user.role == Role.ADMIN or user.is_superuser)


def can_manage_reference_data(user) -> bool:
    return can_manage_users(user)
