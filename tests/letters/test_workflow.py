"""Drafting rules, the unverified-finding confirmation, the states and who may move them, numbers,
names valid on the letter's date, and bad input: clear Vietnamese messages, nothing half-done."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kiemsat.audit.models import AuditEntry
from kiemsat.letters import permissions as perm
from kiemsat.letters import services
from kiemsat.letters.models import FindingConfirmation, Kind, Letter, LetterCounter, State
from kiemsat.org.models import Court, Unit

from .conftest import ISSUED_ON

D = dt.date
AS_OF = D(2024, 12, 31)


@pytest.fixture
def cases(make_case, letter_unit, users, leader):
    """Two court violations (one verified, one resting on the date the VKS received the notice) and
    one overdue notice."""
    ok = make_case("Phạm Văn Hải", assigned=users["prosecutor"], events=[
        {"code": "court_received", "date": D(2024, 2, 7)},
        {"code": "accepted", "date": D(2024, 2, 7), "number": "09/2024/TLHS-XLHC"},
        {"code": "acceptance_notice", "date": D(2024, 2, 19)},  # RULES example 1: 1 WD late, verified
    ])
    receipt = make_case("Lê Văn Bảy", assigned=users["prosecutor"], events=[
        {"code": "court_received", "date": D(2024, 3, 4)},
        {"code": "accepted", "date": D(2024, 3, 4), "number": "11/2024/TLHS-XLHC"},
        {"code": "acceptance_notice", "received": D(2024, 3, 12)},  # only the receipt date: not verified
    ])
    overdue = make_case("Trần Thị Tám", assigned=users["prosecutor"], events=[
        {"code": "court_received", "date": D(2024, 4, 1)},
        {"code": "accepted", "date": D(2024, 4, 1), "number": "12/2024/TLHS-XLHC"},
    ])
    return {"ok": ok, "receipt": receipt, "overdue": overdue}


def k(case, rule="court.notify_acceptance"):
    return (case.pk, rule)


def make(user, keys, kind=Kind.COURT, **kw):
    return services.create_draft(actor=user, kind=kind, keys=keys, as_of=AS_OF, period_from=D(2024, 1, 1),
                                 period_to=AS_OF, **kw)


def audit(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


# ------------------------------------------------------------------------------ what may go in
def test_an_empty_selection_is_refused(cases, users):
    with pytest.raises(ValidationError, match="Chưa chọn phát hiện nào"):
        make(users["prosecutor"], [])
    assert not Letter.objects.exists()


def test_only_violations_go_into_a_kien_nghi(cases, users):
    with pytest.raises(ValidationError, match="chỉ phát hiện “vi phạm”") as exc:
        make(users["prosecutor"], [k(cases["ok"]), k(cases["overdue"])])
    assert "Trần Thị Tám" in str(exc.value)
    with pytest.raises(ValidationError, match="không thuộc trách nhiệm của cơ quan đề nghị"):
        make(users["prosecutor"], [k(cases["ok"])], kind=Kind.PREVENTIVE)
    with pytest.raises(ValidationError, match="đôn đốc chỉ gồm các trường hợp quá hạn thi hành"):
        make(users["prosecutor"], [k(cases["overdue"])], kind=Kind.URGE)
    assert not Letter.objects.exists()


def test_a_finding_that_no_longer_exists_is_refused(cases, users):
    with pytest.raises(ValidationError, match="Không còn các phát hiện"):
        make(users["prosecutor"], [k(cases["ok"], "court.hold_session")])


def test_findings_of_two_courts_make_two_letters(cases, users, make_case):
    other = Court.objects.create(name="Tòa án nhân dân huyện Bình Sơn")
    c = make_case("Đỗ Văn Chín", court=other, events=[
        {"code": "accepted", "date": D(2024, 2, 7), "number": "01/2024/TLHS-XLHC"},
        {"code": "acceptance_notice", "date": D(2024, 2, 20)}])
    with pytest.raises(ValidationError, match="thuộc nhiều Tòa án"):
        make(users["prosecutor"], [k(cases["ok"]), k(c)])


def test_an_unverified_finding_waits_for_a_leaders_confirmation(cases, users, leader):
    letter = make(users["prosecutor"], [k(cases["ok"]), k(cases["receipt"])])
    pending = [lf for lf in letter.findings.all() if not lf.included]
    assert [lf.person for lf in pending] == ["Lê Văn Bảy"] and pending[0].flags == ["căn cứ ngày VKS nhận"]
    letter = services.submit(actor=users["prosecutor"], letter=letter)
    with pytest.raises(ValidationError, match="chưa xác minh cần lãnh đạo xác nhận"):
        services.approve(actor=leader, letter=letter)
    with pytest.raises(PermissionDenied):
        services.confirm_finding(actor=users["prosecutor"], letter=letter)
    assert services.confirm_finding(actor=leader, letter=letter, lf_id=pending[0].pk, note="Đã xem sổ giao nhận") == 1
    [entry] = audit("letter.finding_confirm")
    assert entry.user_id == leader.pk and entry.changes["flags"] == ["căn cứ ngày VKS nhận"]
    assert entry.changes["note"] == "Đã xem sổ giao nhận"
    letter = services.approve(actor=leader, letter=letter)
    assert letter.state == State.APPROVED
    # the confirmation is kept: the same finding in a later letter needs no new one
    services.cancel(actor=leader, letter=letter, reason="thử lại")
    again = make(users["prosecutor"], [k(cases["receipt"])])
    assert all(lf.included for lf in again.findings.all())
    assert FindingConfirmation.objects.count() == 1


def test_each_finding_keeps_the_ruleset_and_calendar_it_was_computed_under(cases, users):
    from kiemsat.legal.services import active_calendar, active_ruleset

    letter = make(users["prosecutor"], [k(cases["ok"])])
    lf = letter.findings.get()
    assert (lf.ruleset_version_id, lf.calendar_version_id) == (active_ruleset()[0], active_calendar()[0])
    assert (letter.ruleset_version_id, letter.calendar_version_id) == (lf.ruleset_version_id, lf.calendar_version_id)
    assert lf.explanation and lf.due == D(2024, 2, 16) and lf.actual == D(2024, 2, 19) and lf.late == 1
    assert lf.citation == "Pháp lệnh 03/2022/UBTVQH15, Điều 12 khoản 1" and lf.verified


# ------------------------------------------------------------------------------ who may do what
def test_who_drafts_approves_and_issues(cases, users, leader):
    assert perm.drafting_kinds(users["execution"]) == [Kind.URGE.value]
    assert perm.drafting_kinds(users["admin"]) == []
    with pytest.raises(PermissionDenied):
        make(users["execution"], [k(cases["ok"])])
    with pytest.raises(PermissionDenied):
        make(users["admin"], [k(cases["ok"])])
    letter = make(users["specialist"], [k(cases["ok"])])
    with pytest.raises(PermissionDenied):
        services.approve(actor=users["specialist"], letter=letter)  # not submitted, and not a leader
    letter = services.submit(actor=users["specialist"], letter=letter)
    for who in ("specialist", "prosecutor", "inspector", "execution", "admin", "other_leader"):
        with pytest.raises(PermissionDenied):
            services.approve(actor=users[who], letter=letter)
    assert not perm.can_view(users["other_leader"], letter)
    with pytest.raises(PermissionDenied):
        services.update_draft(actor=users["prosecutor"], letter=letter, data={"summary": "x"})  # not the author
    letter = services.approve(actor=leader, letter=letter)
    with pytest.raises(PermissionDenied):
        services.issue(actor=users["prosecutor"], letter=letter, issued_on=ISSUED_ON)
    letter = services.issue(actor=users["specialist"], letter=letter, issued_on=ISSUED_ON)  # the author issues
    assert letter.state == State.ISSUED and letter.number_text == "01/KN-VKS-AL"
    with pytest.raises(PermissionDenied):
        services.cancel(actor=leader, letter=letter, reason="nhầm")  # an issued letter keeps its number


def test_every_state_change_is_audited(cases, users, leader):
    letter = make(users["prosecutor"], [k(cases["ok"])])
    letter = services.update_draft(actor=users["prosecutor"], letter=letter, data={"summary": "Khắc phục vi phạm thời hạn"})
    letter = services.submit(actor=users["prosecutor"], letter=letter)
    letter = services.return_to_draft(actor=leader, letter=letter, reason="Bổ sung căn cứ")
    letter = services.submit(actor=users["prosecutor"], letter=letter)
    letter = services.approve(actor=leader, letter=letter)
    services.issue(actor=leader, letter=letter, issued_on=ISSUED_ON)
    actions = list(AuditEntry.objects.filter(object_type="letter", object_id=str(letter.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["letter.create", "letter.edit", "letter.submit", "letter.return", "letter.submit",
                       "letter.approve", "letter.issue"]
    with pytest.raises(ValidationError, match="Cần ghi lý do"):
        services.return_to_draft(actor=leader, letter=make(users["prosecutor"], [k(cases["ok"])]), reason=" ")


def test_a_stale_page_cannot_issue_twice(cases, users, leader):
    letter = make(users["prosecutor"], [k(cases["ok"])])
    services.submit(actor=users["prosecutor"], letter=letter)
    approved = services.approve(actor=leader, letter=Letter.objects.get(pk=letter.pk))
    services.issue(actor=leader, letter=approved, issued_on=ISSUED_ON)
    with pytest.raises(ValidationError, match="không ban hành được"):
        services.issue(actor=leader, letter=approved, issued_on=ISSUED_ON)  # the same page, clicked again
    assert LetterCounter.objects.get().last == 1


# ------------------------------------------------------------------------------ numbers
def _approved(users, leader, keys, kind=Kind.COURT):
    letter = make(users["prosecutor"], keys, kind=kind)
    services.confirm_finding(actor=leader, letter=letter)
    services.submit(actor=users["prosecutor"], letter=letter)
    return services.approve(actor=leader, letter=Letter.objects.get(pk=letter.pk))


def test_numbers_run_per_year_and_document_type(cases, users, leader):
    a = services.issue(actor=leader, letter=_approved(users, leader, [k(cases["ok"])]), issued_on=D(2024, 12, 31))
    b = services.issue(actor=leader, letter=_approved(users, leader, [k(cases["ok"])]), issued_on=D(2025, 1, 2))
    c = services.issue(actor=leader, letter=_approved(users, leader, [k(cases["receipt"])]), issued_on=D(2025, 1, 3))
    assert [(x.year, x.number, x.number_text) for x in (a, b, c)] == [
        (2024, 1, "01/KN-VKS-AL"), (2025, 1, "01/KN-VKS-AL"), (2025, 2, "02/KN-VKS-AL")]


def test_a_failed_render_issues_nothing_and_leaves_no_gap(cases, users, leader, monkeypatch):
    from kiemsat.letters import render

    letter = _approved(users, leader, [k(cases["ok"])])

    def broken(tpl, ctx):
        raise ValidationError("Mẫu có thẻ bị lỗi: thử nghiệm.")

    monkeypatch.setattr(render, "render_docx", broken)
    with pytest.raises(ValidationError, match="Mẫu có thẻ bị lỗi"):
        services.issue(actor=leader, letter=letter, issued_on=ISSUED_ON)
    letter.refresh_from_db()
    assert letter.state == State.APPROVED and letter.number is None and not letter.docx
    assert LetterCounter.objects.get().last == 0 and not audit("letter.issue")
    monkeypatch.undo()
    assert services.issue(actor=leader, letter=letter, issued_on=ISSUED_ON).number == 1


def test_bad_issue_dates_are_refused(cases, users, leader):
    letter = _approved(users, leader, [k(cases["ok"])])
    with pytest.raises(ValidationError, match="không được sau hôm nay"):
        services.issue(actor=leader, letter=letter, issued_on=services.today() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="không được trước ngày tính phát hiện"):
        services.issue(actor=leader, letter=letter, issued_on=D(2024, 12, 1))
    assert not LetterCounter.objects.filter(last__gt=0).exists()


# ------------------------------------------------------------------------------ names on the letter's date
@pytest.fixture
def reform(letter_unit, court):
    """The district unit and court became khu vực ones on 01/07/2025."""
    new_unit = Unit.objects.create(name="Viện kiểm sát nhân dân khu vực 3 – Bình An", valid_from=D(2025, 7, 1),
                                   parent_name="VIỆN KIỂM SÁT NHÂN DÂN TỈNH BÌNH AN", symbol="VKSKV3", place="An Lạc")
    letter_unit.valid_to, letter_unit.successor = D(2025, 6, 30), new_unit
    letter_unit.save()
    new_court = Court.objects.create(name="Tòa án nhân dân khu vực 3 – Bình An", valid_from=D(2025, 7, 1))
    court.valid_to, court.successor = D(2025, 6, 30), new_court
    court.save()
    return new_unit


def test_names_are_those_valid_on_the_letters_date(cases, users, leader, reform):
    from .conftest import doc_of, paragraphs

    before = services.issue(actor=leader, letter=_approved(users, leader, [k(cases["ok"])]), issued_on=D(2025, 6, 30))
    after = services.issue(actor=leader, letter=_approved(users, leader, [k(cases["ok"])]), issued_on=D(2025, 7, 1))
    h1, h2 = doc_of(bytes(before.docx)).tables[0], doc_of(bytes(after.docx)).tables[0]
    assert "VIỆN KIỂM SÁT NHÂN DÂN HUYỆN AN LẠC" in h1.cell(0, 0).text
    assert h1.cell(1, 0).text == "Số: 01/KN-VKS-AL"
    assert "VIỆN KIỂM SÁT NHÂN DÂN KHU VỰC 3 – BÌNH AN" in h2.cell(0, 0).text
    assert h2.cell(1, 0).text == "Số: 02/KN-VKSKV3"  # the symbol on the date; one series for the unit
    assert "Kính gửi: Chánh án Tòa án nhân dân huyện An Lạc" in paragraphs(bytes(before.docx))
    assert any("Qua kiểm sát việc Tòa án nhân dân khu vực 3 – Bình An" in t for t in paragraphs(bytes(after.docx)))


def test_a_missing_name_for_the_date_stops_the_issue(cases, users, leader, letter_unit):
    letter = _approved(users, leader, [k(cases["ok"])])
    letter_unit.valid_to = D(2025, 1, 5)  # ended, no successor declared
    letter_unit.save()
    with pytest.raises(ValidationError, match="Không có tên đơn vị áp dụng cho ngày 06/01/2025"):
        services.issue(actor=leader, letter=Letter.objects.get(pk=letter.pk), issued_on=ISSUED_ON)
    assert Letter.objects.get(pk=letter.pk).state == State.APPROVED
    assert LetterCounter.objects.get().last == 0


def test_a_unit_without_parent_name_or_place_is_told_what_to_fill(cases, users, letter_unit):
    letter_unit.parent_name = ""
    letter_unit.save()
    with pytest.raises(ValidationError, match="Chưa khai báo tên cơ quan cấp trên"):
        make(users["prosecutor"], [k(cases["ok"])])
    letter_unit.parent_name, letter_unit.place = "VIỆN KIỂM SÁT NHÂN DÂN TỈNH BÌNH AN", ""
    letter_unit.save()
    with pytest.raises(ValidationError, match="Chưa khai báo địa danh"):
        make(users["prosecutor"], [k(cases["ok"])])


def test_the_proposing_agency_is_the_police_after_february_2025(make_case, letter_unit, users, agency):
    from kiemsat.org.models import Agency

    agency.valid_to = D(2025, 2, 28)
    agency.save()
    Agency.objects.create(name="Công an huyện An Lạc", kind=Agency.Kind.POLICE)
    c = make_case("Vũ Văn Mười", events=[
        {"code": "detected", "date": D(2024, 3, 11)}, {"code": "dossier_prepared", "date": D(2024, 3, 20)}])
    letter = make(users["prosecutor"], [(c.pk, "proposer.prepare_dossier")], kind=Kind.PREVENTIVE)
    assert letter.recipient == ""  # worked out on the letter's date
    assert services.recipient_for(letter, D(2025, 2, 28))[0] == "Trưởng phòng LĐTBXH huyện An Lạc"
    assert services.recipient_for(letter, D(2025, 3, 1)) == ("Trưởng Công an huyện An Lạc", "Công an huyện An Lạc")


def test_a_district_court_and_its_successor_are_one_recipient(cases, users, leader, reform, make_case):
    from kiemsat.org.models import Court

    new_court = Court.objects.get(name="Tòa án nhân dân khu vực 3 – Bình An")
    c = make_case("Đỗ Văn Chín", court=new_court, events=[
        {"code": "accepted", "date": D(2025, 7, 2), "number": "01/2025/TLHS-XLHC"},
        {"code": "acceptance_notice", "date": D(2025, 7, 8)}])
    letter = services.create_draft(actor=users["prosecutor"], kind=Kind.COURT, keys=[k(cases["ok"]), k(c)],
                                   as_of=services.today())
    assert services.recipient_for(letter, D(2025, 7, 10))[0] == "Chánh án Tòa án nhân dân khu vực 3 – Bình An"
    assert services.recipient_for(letter, D(2025, 6, 30))[0] == "Chánh án Tòa án nhân dân huyện An Lạc"
