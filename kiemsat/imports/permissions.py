"""Who may import a unit's workbook: its leaders, and administrators (who set up a new unit's
data). Everyone reads the register and may export what they can see."""

from __future__ import annotations

from kiemsat.org.models import Role
from kiemsat.org.permissions import visible_unit_ids


def can_import(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.role in (Role.LEADER, Role.ADMIN) or user.is_superuser)
    )


def can_view_batch(user, batch) -> bool:
    """A batch is seen by those who may import, for their own unit (administrators: every unit)."""
    if not can_import(user):
        return False
    if user.role == Role.ADMIN or user.is_superuser:
        return True
    ids = visible_unit_ids(user)  # the user's unit and the units it succeeded (None: every unit)
    return batch.created_by_id == user.pk or (batch.unit_id is not None and (ids is None or batch.unit_id in ids))
