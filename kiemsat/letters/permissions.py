"""Who may do what with letters (on top of kiemsat.org.permissions).

- Prosecutors, inspectors, specialists and leaders of a (non-provincial) unit draft any letter;
  the execution team drafts urging letters (đôn đốc). Administrators draft nothing.
- The author or a leader of the unit edits, submits or cancels a letter that is not issued.
- Only a leader of the unit approves (org.permissions.can_approve), returns a submitted letter,
  confirms an unverified finding, uploads or switches templates and changes the settings.
- The author or a leader issues an approved letter and records replies to issued letters.
- Everyone who reads the unit's cases reads its letters (a provincial unit reads all).
"""

from __future__ import annotations

from kiemsat.org import permissions as perm
from kiemsat.org.models import CASE_STAFF_ROLES, Role

from .models import Kind, State


def _in_unit(user, letter) -> bool:
    return user.is_active and user.unit_id is not None and letter.unit_id in perm.unit_lineage(user.unit_id)


def can_view(user, letter) -> bool:
    ids = perm.visible_unit_ids(user)
    return ids is None or letter.unit_id in ids


def drafting_kinds(user) -> list[str]:
    if not user.is_active or user.unit_id is None or user.unit.is_provincial:
        return []
    if user.role == Role.LEADER or user.role in CASE_STAFF_ROLES:
        return [k.value for k in Kind]
    if user.role == Role.EXECUTION:
        return [Kind.URGE.value]
    return []


def can_draft(user, kind: str | None = None) -> bool:
    kinds = drafting_kinds(user)
    return bool(kinds) if kind is None else kind in kinds


def is_leader(user, letter) -> bool:
    return perm.can_approve(user) and _in_unit(user, letter)


def can_edit(user, letter) -> bool:
    if letter.state not in (State.DRAFT, State.SUBMITTED) or not _in_unit(user, letter):
        return False
    return is_leader(user, letter) or (letter.created_by_id == user.pk and can_draft(user, letter.kind))


def can_submit(user, letter) -> bool:
    return letter.state == State.DRAFT and can_edit(user, letter)


def can_cancel(user, letter) -> bool:
    if letter.state not in (State.DRAFT, State.SUBMITTED, State.APPROVED) or not _in_unit(user, letter):
        return False
    return is_leader(user, letter) or letter.created_by_id == user.pk


def can_approve(user, letter) -> bool:
    return letter.state == State.SUBMITTED and is_leader(user, letter)


def can_return(user, letter) -> bool:
    return letter.state in (State.SUBMITTED, State.APPROVED) and is_leader(user, letter)


def can_issue(user, letter) -> bool:
    if letter.state != State.APPROVED or not _in_unit(user, letter):
        return False
    return is_leader(user, letter) or (letter.created_by_id == user.pk and can_draft(user, letter.kind))


def can_confirm(user, letter) -> bool:
    return letter.state in (State.DRAFT, State.SUBMITTED) and is_leader(user, letter)


def can_reply(user, letter) -> bool:
    return letter.state == State.ISSUED and _in_unit(user, letter) and (
        is_leader(user, letter) or can_draft(user, letter.kind))


def can_manage_templates(user) -> bool:
    return perm.can_approve(user)


def can_change_settings(user) -> bool:
    return perm.can_approve(user) and user.unit_id is not None
