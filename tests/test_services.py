"""The register's use cases: what they store, what they refuse, and what they audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kiemsat.audit.models import AuditEntry
from kiemsat.audit.services import verify_chain
from kiemsat.cases import services
from kiemsat.cases.models import Case, Event

D = dt.date


def test_create_case_with_events_sets_the_summary(make_case):
    case = make_case(events=[
        {"code": "court_received", "date": D(2024, 2, 1)},
        {"code": "accepted", "date": D(2024, 2, 2), "number": "06/2024/TLHS-XLHC"},
        {"code": "decision", "date": D(2024, 2, 22), "outcome": "apply", "term_months": 18},
    ])
    case.refresh_from_db()
    assert case.so_thu_ly == "06/2024/TLHS-XLHC"
    assert case.thu_ly_date == D(2024, 2, 2)
    assert case.year == 2024
    assert case.stage == "decided"
    assert case.outcome == "apply" and case.term_months == 18
    assert case.search_folded.startswith("nguyen van duc")


def test_stage_follows_the_events(make_case):
    case = make_case(events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "1/2024"}])
    assert Case.objects.get(pk=case.pk).stage == "accepted"
    ev, _ = services.record_event(actor=None, case=case, code="decision", date=D(2024, 3, 10), outcome="not_apply")
    assert Case.objects.get(pk=case.pk).stage == "closed"
    services.delete_event(actor=None, event=ev)
    assert Case.objects.get(pk=case.pk).stage == "accepted"


def test_decision_before_acceptance_is_refused_and_nothing_is_saved(make_case):
    case = make_case(events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "1/2024"}])
    with pytest.raises(ValidationError) as exc:
        services.record_event(actor=None, case=case, code="decision", date=D(2024, 2, 20), outcome="apply")
    assert "không thể trước" in str(exc.value)
    assert not Event.objects.filter(case=case, code="decision").exists()
    assert Case.objects.get(pk=case.pk).stage == "accepted"


def test_importer_mode_keeps_odd_dates_as_warnings(make_case, unit):
    case, warnings = services.create_case(
        actor=None, unit=unit, data={"person_name": "Lê Văn Tám", "measure": "TGD"}, strict=False,
        events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "2/2024"},
                {"code": "decision", "date": D(2024, 2, 1), "outcome": "apply"}])
    assert Case.objects.filter(pk=case.pk).exists()
    assert any("Quyết định" in w for w in warnings)


def test_an_act_cannot_be_dated_after_today_but_a_session_can(make_case):
    case = make_case(events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "3/2024"}])
    tomorrow = services.local_today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.record_event(actor=None, case=case, code="acceptance_notice", date=tomorrow)
    assert "sau ngày hôm nay" in str(exc.value)
    services.record_event(actor=None, case=case, code="session_held", date=tomorrow + dt.timedelta(days=6))
    assert case.events.filter(code="session_held").exists()


def test_existing_problems_do_not_block_new_events(unit):
    case, warnings = services.create_case(
        actor=None, unit=unit, data={"person_name": "Lê Văn Tám", "measure": "TGD"}, strict=False,
        events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "2/2024"},
                {"code": "decision", "date": D(2024, 2, 1), "outcome": "apply"}])
    assert warnings
    services.record_event(actor=None, case=case, code="police_received", date=D(2024, 3, 20))
    assert case.events.filter(code="police_received").exists()


def test_duplicate_so_thu_ly_in_the_same_court_and_year_is_refused(make_case, court):
    make_case(events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "05/2024/TLHS-XLHC"}])
    with pytest.raises(ValidationError) as exc:
        make_case(name="Trần Văn Hai", events=[{"code": "accepted", "date": D(2024, 4, 1), "number": "05/2024/TLHS-XLHC"}])
    assert "đã có" in str(exc.value)
    assert Case.objects.filter(person_name="Trần Văn Hai").count() == 0


def test_same_number_in_another_year_is_fine(make_case):
    make_case(events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "05/TLHS"}])
    make_case(name="Trần Văn Hai", events=[{"code": "accepted", "date": D(2025, 3, 1), "number": "05/TLHS"}])
    assert Case.objects.count() == 2


@pytest.mark.parametrize("data,field", [
    ({"person_name": ""}, "person_name"),
    ({"person_name": "A" * 121}, "person_name"),
    ({"person_name": "Lê Văn A", "birth_year": 1800}, "birth_year"),
])
def test_bad_case_fields(unit, data, field):
    with pytest.raises(ValidationError) as exc:
        services.create_case(actor=None, unit=unit, data={"measure": "CSCNBB", **data})
    assert field in exc.value.error_dict
    assert Case.objects.count() == 0


def test_event_needs_a_date(make_case):
    case = make_case()
    with pytest.raises(ValidationError):
        services.record_event(actor=None, case=case, code="acceptance_notice", number="1/TB")


def test_names_are_tidied_to_nfc(unit):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Nguyễn  Văn   Đức ")
    case, _ = services.create_case(actor=None, unit=unit, data={"person_name": nfd, "measure": "CSCNBB"})
    assert case.person_name == "Nguyễn Văn Đức"


def test_every_change_is_audited_and_chained(make_case, users):
    case = make_case(assigned=users["prosecutor"])
    ev, _ = services.record_event(actor=users["prosecutor"], case=case, code="accepted", date=D(2024, 1, 5), number="1/2024")
    services.update_event(actor=users["prosecutor"], event=ev, date=D(2024, 1, 6))
    services.update_case(actor=users["leader"], case=case, data={"residence": "xã Tân Lập"})
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["case.create", "event.create", "event.update", "case.update"]
    upd = AuditEntry.objects.get(action="event.update")
    assert upd.changes["date"] == ["2024-01-05", "2024-01-06"]
    assert verify_chain()[0]


def test_the_database_refuses_to_rewrite_an_audit_entry(make_case):
    """Rewriting history through the ORM fails at the database (tests/audit: detection after a raw edit)."""
    from django.db import DatabaseError, transaction

    make_case()
    make_case(name="Phạm Văn Hải")
    first = AuditEntry.objects.order_by("id").first().pk
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=first).update(summary="sửa lén")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=first).delete()
    assert verify_chain()[0]


def test_history_keeps_old_and_new_values(make_case, users):
    case = make_case(assigned=users["prosecutor"])
    services.update_case(actor=users["prosecutor"], case=case, data={"residence": "xã Kiền Bái"})
    h = case.history.order_by("-history_date").first()
    delta = h.diff_against(h.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "residence"] == [("residence", "", "xã Kiền Bái")]


def test_services_enforce_permissions(make_case, users):
    case = make_case(assigned=users["prosecutor"])
    with pytest.raises(PermissionDenied):
        services.update_case(actor=users["specialist"], case=case, data={"residence": "x"})
    with pytest.raises(PermissionDenied):
        services.record_event(actor=users["execution"], case=case, code="accepted", date=D(2024, 1, 5), number="1")
    services.record_event(actor=users["execution"], case=case, code="police_received", date=D(2024, 2, 5))
    with pytest.raises(PermissionDenied):
        services.update_case(actor=users["prosecutor"], case=case, data={"assigned_to": users["specialist"]})
