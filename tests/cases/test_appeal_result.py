"""The provincial court's ruling on a challenge (`appeal_decision`), recorded as data: the enum, the
service's checks, the event form, the bulk path, and that it stays out of the deadline digest."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kiemsat.cases import services
from kiemsat.cases.forms import EventForm
from kiemsat.cases.models import Event
from kiemsat.domain.events import (APPEAL_ACCEPTING, APPEAL_RESULT_LABELS, EVENT_TYPE_BY_CODE, OUTCOME_LABELS,
                                   AppealResult, Outcome, appeal_result_from_label)

D = dt.date
BASE = [{"code": "accepted", "date": D(2025, 3, 3), "number": "12/2025/TLHS-XLHC"},
        {"code": "decision", "date": D(2025, 3, 10), "outcome": "not_apply", "received": D(2025, 3, 10)},
        {"code": "protest", "date": D(2025, 3, 12), "number": "01/QĐKN-VKS"}]


def test_vocabulary():
    assert [r.value for r in AppealResult] == ["accepted", "partly", "rejected"]
    assert set(APPEAL_RESULT_LABELS) == set(AppealResult) and set(APPEAL_ACCEPTING) == {"accepted", "partly"}
    assert EVENT_TYPE_BY_CODE["appeal_decision"].has_appeal_result
    assert [t for t, et in EVENT_TYPE_BY_CODE.items() if et.has_appeal_result] == ["appeal_decision"]
    # the decision outcomes keep their order (the case digest encodes their indexes)
    assert list(Outcome) == ["apply", "not_apply", "terminate", "suspend", "community"] and len(OUTCOME_LABELS) == 5
    assert appeal_result_from_label("  chấp nhận  MỘT phần ") == AppealResult.PARTLY
    assert appeal_result_from_label("rejected") == AppealResult.REJECTED
    assert appeal_result_from_label("có thể") is None and appeal_result_from_label("") is None


def test_recorded_and_edited_through_the_service(make_case, users):
    case = make_case("Lại Văn Phúc", events=BASE)
    ev, _w = services.record_event(actor=users["leader"], case=case, code="appeal_decision", date=D(2025, 3, 25),
                                   number="05/2025/QĐ-PT", appeal_result="accepted")
    ev.refresh_from_db()
    assert ev.appeal_result == "accepted" and ev.get_appeal_result_display() == "Chấp nhận (sửa hoặc hủy quyết định)"
    services.update_event(actor=users["leader"], event=ev, note="Tòa án tỉnh sửa quyết định")
    ev.refresh_from_db()
    assert ev.appeal_result == "accepted"  # an edit that does not mention it keeps it
    services.update_event(actor=users["leader"], event=ev, appeal_result="")
    ev.refresh_from_db()
    assert ev.appeal_result is None  # cleared: "not recorded", not an empty code
    with pytest.raises(ValidationError) as exc:
        services.update_event(actor=users["leader"], event=ev, appeal_result="maybe")
    assert "appeal_result" in exc.value.message_dict


def test_other_event_types_do_not_keep_it(make_case, users):
    case = make_case("Lại Văn Lộc", events=BASE)
    ev, _w = services.record_event(actor=users["leader"], case=case, code="complaint", date=D(2025, 3, 13),
                                   appeal_result="accepted")
    ev.refresh_from_db()
    assert ev.appeal_result is None


def test_bulk_creation_carries_it(unit, court):
    prepared = [services.prepare_case(actor=None, unit=unit, data={"person_name": "Lại Văn Thọ", "measure": "CSCNBB",
                                                                    "court": court},
                                      events=BASE + [{"code": "appeal_decision", "date": D(2025, 3, 25),
                                                      "appeal_result": "partly"}])]
    services.bulk_create_cases(prepared)
    ev = Event.objects.get(case=prepared[0].case, code="appeal_decision")
    assert ev.appeal_result == "partly"
    assert ev.history.count() == 1 and ev.history.first().appeal_result == "partly"


def test_not_in_the_digest(make_case, users):
    """The deadline engine does not read it: the packed digest is the same with or without it."""
    case = make_case("Lại Văn Tài", events=BASE + [{"code": "appeal_decision", "date": D(2025, 3, 25)}])
    before = bytes(case.digest.packed)
    ev = case.events.get(code="appeal_decision")
    services.update_event(actor=users["leader"], event=ev, appeal_result="rejected")
    case.digest.refresh_from_db()
    assert bytes(case.digest.packed) == before


def test_event_form(make_case):
    form = EventForm({"code": "appeal_decision", "date": "25/03/2025", "appeal_result": "partly"})
    assert form.is_valid(), form.errors
    assert form.service_fields()["appeal_result"] == "partly"
    form = EventForm({"code": "appeal_decision", "date": "25/03/2025", "appeal_result": ""})
    assert form.is_valid() and form.service_fields()["appeal_result"] is None
    form = EventForm({"code": "appeal_decision", "date": "25/03/2025", "appeal_result": "xyz"})
    assert not form.is_valid() and "appeal_result" in form.errors
    # a page that does not show the field does not send it: the recorded result is left alone
    form = EventForm({"code": "appeal_decision", "date": "25/03/2025"})
    assert form.is_valid() and "appeal_result" not in form.service_fields()
    labels = dict(form.fields["appeal_result"].choices)
    assert labels["rejected"] == "Không chấp nhận, giữ nguyên quyết định"
