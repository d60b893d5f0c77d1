"""Urging letters from the execution register: made in the letters app, re-surfacing N days after the
last one while the person is still not delivered; a postponement pauses urging."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kiemsat.cases import services as case_services
from kiemsat.execution import selectors, services
from kiemsat.letters.models import Kind, LetterSettings, State

from .conftest import applying, issue_all_the_way

D = dt.date
ISSUED = D(2025, 3, 3)


@pytest.fixture(autouse=True)
def police(db):
    from kiemsat.org.models import Agency

    return Agency.objects.create(name="Công an huyện An Lạc", kind=Agency.Kind.POLICE)


@pytest.fixture
def urged(exec_case, users, leader, letter_unit):
    letter, without = services.urge_letter(actor=users["execution"], case_ids=[exec_case.pk], as_of=D(2025, 3, 1))
    assert without == [] and letter.kind == Kind.URGE and letter.state == State.DRAFT
    assert {lf.rule for lf in letter.findings.all()} == {"execution.deliver"}  # police received 12/02 + 5 days
    return issue_all_the_way(letter, users["execution"], leader, on=ISSUED)


def test_people_with_nothing_overdue_are_left_out(make_case, exec_case, users, letter_unit):
    fresh = applying(make_case, "Mới Nhận", number="2", extra=[{"code": "police_received", "date": D(2025, 2, 27)}])
    letter, without = services.urge_letter(actor=users["execution"], case_ids=[exec_case.pk, fresh.pk],
                                           as_of=D(2025, 3, 1))
    assert without == [fresh.pk] and {lf.case_id for lf in letter.findings.all()} == {exec_case.pk}
    with pytest.raises(ValidationError, match="chưa có việc thi hành nào quá hạn"):
        services.urge_letter(actor=users["execution"], case_ids=[fresh.pk], as_of=D(2025, 3, 1))


def test_resurfaces_after_n_days_while_not_delivered(urged, exec_case, users, letter_unit):
    user = users["execution"]
    state = selectors.urge_state(user, D(2025, 3, 10))[exec_case.pk]
    assert (state.last_date, state.again_on, state.times) == (ISSUED, ISSUED + dt.timedelta(days=15), 1)
    assert selectors.urge_again(user, D(2025, 3, 17)) == []
    [u] = selectors.urge_again(user, D(2025, 3, 18))
    assert u.case_id == exec_case.pk
    # N is the unit's setting (letters settings: "Đôn đốc lại sau (ngày)")
    LetterSettings.objects.create(unit=letter_unit, urge_days=30)
    assert selectors.urge_again(user, D(2025, 3, 18)) == []
    assert [u.case_id for u in selectors.urge_again(user, D(2025, 4, 2))] == [exec_case.pk]
    case_services.record_event(actor=user, case=exec_case, code="delivered", date=D(2025, 4, 1), number="BB-1")
    assert selectors.urge_again(user, D(2025, 4, 2)) == []
    assert exec_case.pk not in selectors.urge_state(user, D(2025, 4, 2))


def test_a_postponement_pauses_urging(urged, exec_case, users):
    user = users["execution"]
    case_services.record_event(actor=user, case=exec_case, code="execution_postponed", date=D(2025, 3, 10),
                               end=D(2025, 4, 30), number="7/QĐ-HOÃN")
    assert selectors.urge_again(user, D(2025, 3, 18)) == []  # would be due, but postponed
    assert selectors.urge_again(user, D(2025, 4, 30)) == []
    assert selectors.urge_state(user, D(2025, 4, 1))[exec_case.pk].paused_until == D(2025, 4, 30)
    [u] = selectors.urge_again(user, D(2025, 5, 1))  # the day after the postponement ends
    assert u.again_on == D(2025, 5, 1) and u.paused_until is None


def test_an_open_ended_postponement_pauses_until_its_end_is_recorded(urged, exec_case, users):
    user = users["execution"]
    ev, _ = case_services.record_event(actor=user, case=exec_case, code="execution_postponed", date=D(2025, 3, 10))
    assert selectors.urge_again(user, D(2025, 12, 1)) == []
    case_services.update_event(actor=user, event=ev, end=D(2025, 6, 1))
    assert [u.again_on for u in selectors.urge_again(user, D(2025, 6, 2))] == [D(2025, 6, 2)]
