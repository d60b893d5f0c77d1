"""The permission matrix: each role × each action, on an assigned case, an unassigned case of
the same unit, and a case of another unit."""

import pytest

from kiemsat.org import permissions as perm

ROLES = ["leader", "prosecutor", "inspector", "specialist", "execution", "admin", "other_leader"]

# (action, expected set of roles allowed) for a case of the unit assigned to the prosecutor
MATRIX = {
    "view": {"leader", "prosecutor", "inspector", "specialist", "execution", "admin"},
    "create": {"leader", "prosecutor", "inspector", "specialist", "other_leader"},
    "edit_case": {"leader", "prosecutor"},
    "event_court": {"leader", "prosecutor"},
    "event_execution": {"leader", "prosecutor", "execution"},
    "assign": {"leader"},
    "approve": {"leader", "other_leader"},
    "manage_users": {"admin"},
}


def _check(action, user, case):
    return {
        "view": lambda: perm.can_view_case(user, case),
        "create": lambda: perm.can_create_case(user),
        "edit_case": lambda: perm.can_edit_case(user, case),
        "event_court": lambda: perm.can_edit_event(user, case, "decision"),
        "event_execution": lambda: perm.can_edit_event(user, case, "delivered"),
        "assign": lambda: perm.can_assign(user, case),
        "approve": lambda: perm.can_approve(user),
        "manage_users": lambda: perm.can_manage_users(user),
    }[action]()


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_matrix_on_an_assigned_case(action, users, make_case):
    case = make_case(assigned=users["prosecutor"])
    allowed = {r for r in ROLES if _check(action, users[r], case)}
    assert allowed == MATRIX[action]


def test_staff_cannot_edit_a_colleagues_case(users, make_case):
    case = make_case(assigned=users["specialist"])
    assert not perm.can_edit_case(users["prosecutor"], case)
    assert perm.can_edit_case(users["specialist"], case)
    assert perm.can_view_case(users["prosecutor"], case)


def test_another_units_case_is_invisible_and_read_only(users, make_case, other_unit):
    case = make_case(unit_=other_unit)
    for r in ("leader", "prosecutor", "execution", "admin"):
        assert not perm.can_view_case(users[r], case)
        assert not perm.can_edit_event(users[r], case, "delivered")
    assert perm.can_edit_case(users["other_leader"], case)


def test_a_successor_unit_reads_its_predecessors_cases(users, make_case, unit, db):
    from kiemsat.org.models import Unit

    new = Unit.objects.create(name="Viện kiểm sát nhân dân khu vực 3")
    unit.successor = new
    unit.save()
    case = make_case()
    users["leader"].unit = new
    users["leader"].save()
    assert perm.can_view_case(users["leader"], case)
    assert perm.can_edit_case(users["leader"], case)


def test_provincial_unit_reads_everything_but_edits_nothing(make_user, make_case, other_unit, db):
    from kiemsat.org.models import Role, Unit

    prov = Unit.objects.create(name="Viện kiểm sát nhân dân thành phố Hải Phòng", is_provincial=True)
    u = make_user("tinh", Role.LEADER, prov)
    case = make_case(unit_=other_unit)
    assert perm.can_view_case(u, case)
    assert not perm.can_edit_case(u, case)
    assert not perm.can_create_case(u)


def test_disabled_user_can_do_nothing(users, make_case):
    case = make_case(assigned=users["prosecutor"])
    users["leader"].is_active = False
    assert not perm.can_view_case(users["leader"], case)
    assert not perm.can_edit_case(users["leader"], case)
