"""Replies, unanswered recommendations, urging again after N days, acceptance figures, and which
letters cited a finding."""

import copy
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kiemsat.audit.models import AuditEntry
from kiemsat.cases import services as case_services
from kiemsat.legal import services as legal
from kiemsat.legal.models import RulesetVersion
from kiemsat.letters import selectors, services
from kiemsat.letters.models import Kind, LetterReply, LetterSettings

from .conftest import ISSUED_ON, draft, issue_all_the_way

D = dt.date


@pytest.fixture
def issued(sample, users, leader):
    return issue_all_the_way(draft(users["prosecutor"], Kind.COURT, sample["as_of"]), users["prosecutor"], leader)


def test_a_reply_dated_before_the_letter_is_refused(issued, users):
    with pytest.raises(ValidationError) as exc:
        services.record_reply(actor=users["prosecutor"], letter=issued, date=D(2025, 1, 5), number="12/TA",
                              result="accepted", content="")
    assert exc.value.message_dict["date"] == [
        "Ngày trả lời (05/01/2025) trước ngày ban hành văn bản (06/01/2025): hãy kiểm tra lại."]
    with pytest.raises(ValidationError, match="Chọn kết quả"):
        services.record_reply(actor=users["prosecutor"], letter=issued, date=D(2025, 1, 20), number="", result="x",
                              content="")
    with pytest.raises(PermissionDenied):
        services.record_reply(actor=users["other_leader"], letter=issued, date=D(2025, 1, 20), number="",
                              result="accepted", content="")
    assert not LetterReply.objects.exists()


def test_a_reply_is_recorded_and_audited(issued, users):
    r = services.record_reply(actor=users["prosecutor"], letter=issued, date=D(2025, 1, 20), number="15/TA-VP",
                              result="partly", content="Tiếp thu, rút kinh nghiệm; một số vi phạm do hồ sơ đến muộn.")
    assert r.get_result_display() == "Chấp nhận một phần"
    entry = AuditEntry.objects.filter(action="letter.reply").get()
    assert entry.changes["result"] == "partly" and entry.user_id == users["prosecutor"].pk


def test_unanswered_recommendations_resurface_after_the_period(issued, users, letter_unit):
    # the law sets no period (procuracy.recommendation_reply is null): the unit's follow-up setting
    days, source, from_law = services.reply_days_setting(letter_unit, ISSUED_ON)
    assert (days, from_law) == (30, False) and "pháp luật không quy định" in source
    assert selectors.unanswered(users["leader"], ISSUED_ON + dt.timedelta(days=29)) == []
    [u] = selectors.unanswered(users["leader"], ISSUED_ON + dt.timedelta(days=30))
    assert u.letter == issued and u.due == D(2025, 2, 5)
    LetterSettings.objects.create(unit=letter_unit, reply_days=10)
    assert len(selectors.unanswered(users["leader"], D(2025, 1, 16))) == 1
    services.record_reply(actor=users["prosecutor"], letter=issued, date=D(2025, 1, 20), number="", result="accepted",
                          content="")
    assert selectors.unanswered(users["leader"], D(2025, 3, 1)) == []


def test_a_period_set_in_the_ruleset_is_used_and_stated(issued, users, letter_unit, leader):
    data = copy.deepcopy(RulesetVersion.objects.get(pk=legal.active_ruleset()[0]).data)
    rule = next(r for r in data["rules"] if r["id"] == "procuracy.recommendation_reply")
    rule["params"]["period"]["values"] = {"2013-07-01": 20}
    legal._activate(RulesetVersion, actor=leader, data=data, kind=RulesetVersion.Kind.CORRECTION,
                    reason="Quy chế của đơn vị", summary="thử", label="t.2")
    days, source, from_law = services.reply_days_setting(letter_unit, ISSUED_ON)
    assert (days, from_law) == (20, True)
    assert len(selectors.unanswered(users["leader"], D(2025, 1, 26))) == 1
    later = issue_all_the_way(draft(users["prosecutor"], Kind.COURT, D(2024, 12, 31)), users["prosecutor"], leader)
    from .conftest import paragraphs

    assert any("trong thời hạn 20 ngày kể từ ngày nhận được kiến nghị" in t for t in paragraphs(bytes(later.docx)))


def test_people_still_not_delivered_resurface_n_days_after_an_urging_letter(sample, users, leader, letter_unit):
    urge = issue_all_the_way(draft(users["execution"], Kind.URGE, sample["as_of"]), users["execution"], leader)
    people = {lf.case_id for lf in urge.findings.all()}
    assert len(people) == 9
    assert selectors.urge_again(users["execution"], ISSUED_ON + dt.timedelta(days=14)) == []
    again = selectors.urge_again(users["execution"], ISSUED_ON + dt.timedelta(days=15))
    assert {r.case_id for r in again} == people and all(r.last_letter == urge for r in again)
    # one is delivered: gone from the list
    from kiemsat.cases.models import Case

    delivered = Case.objects.get(pk=min(people))
    case_services.record_event(actor=None, case=delivered, code="delivered", strict=False, date=D(2025, 1, 10))
    again = selectors.urge_again(users["execution"], D(2025, 2, 1))
    assert delivered.pk not in {r.case_id for r in again} and len(again) == 8
    # a postponement pauses urging on every page (home card, letters page, execution register)
    postponed = Case.objects.get(pk=max(people))
    case_services.record_event(actor=None, case=postponed, code="execution_postponed", strict=False,
                               date=D(2025, 1, 20), end=D(2025, 3, 31))
    again = selectors.urge_again(users["execution"], D(2025, 2, 1))
    assert postponed.pk not in {r.case_id for r in again} and len(again) == 7
    assert postponed.pk in {r.case_id for r in selectors.urge_again(users["execution"], D(2025, 4, 1))}
    LetterSettings.objects.create(unit=letter_unit, urge_days=60)
    assert selectors.urge_again(users["execution"], D(2025, 2, 1)) == []


def test_a_second_urging_letter_mentions_the_first(sample, users, leader):
    first = issue_all_the_way(draft(users["execution"], Kind.URGE, sample["as_of"]), users["execution"], leader)
    second = issue_all_the_way(draft(users["execution"], Kind.URGE, sample["as_of"]), users["execution"], leader,
                               on=D(2025, 1, 21))
    from .conftest import doc_of

    rows = [[c.text for c in r.cells] for r in doc_of(bytes(second.docx)).tables[1].rows[1:]]
    assert all(f"đã đôn đốc: {first.number_text} ngày 06/01/2025" in r[7] for r in rows)
    assert second.number_text == "02/VKS-AL"


def test_acceptance_figures_for_statistics(issued, users, leader, sample):
    other = issue_all_the_way(draft(users["inspector"], Kind.PREVENTIVE, sample["as_of"]), users["inspector"], leader,
                              on=D(2025, 1, 7))
    services.record_reply(actor=leader, letter=issued, date=D(2025, 1, 10), number="", result="partly", content="")
    services.record_reply(actor=leader, letter=issued, date=D(2025, 1, 20), number="", result="accepted", content="")
    s = selectors.acceptance_stats(users["leader"], D(2025, 1, 1), D(2025, 12, 31))
    assert s[Kind.COURT.value] | {} == {"issued": 1, "answered": 1, "accepted": 1, "partly": 0, "rejected": 0,
                                        "unanswered": 0, "rate": 1.0, "rate_any": 1.0}
    assert s["all"]["issued"] == 2 and s["all"]["unanswered"] == 1 and s["all"]["rate"] == 0.5
    assert selectors.acceptance_stats(users["other_leader"])["all"]["issued"] == 0  # another unit's figures
    assert other.number_text == "02/KN-VKS-AL"  # kiến nghị share one series


def test_a_finding_shows_the_letters_that_cited_it(issued, users, sample):
    from kiemsat.legal.selectors import FindingFilters

    lf = issued.findings.first()
    assert selectors.cited_by([(lf.case_id, lf.rule)]) == {(lf.case_id, lf.rule): [issued]}
    cands = selectors.candidates(users["prosecutor"], Kind.COURT, FindingFilters(D(2024, 1, 1), D(2024, 12, 31)),
                                 sample["as_of"])
    c = next(c for c in cands if c.key == f"{lf.case_id}:{lf.rule}")
    assert c.letters == [issued]
    assert list(selectors.letters_for_case(users["prosecutor"], lf.case_id)) == [issued]


def test_the_dashboard_lists_unanswered_letters(issued, users, client):
    """The home page shows the kiến nghị still waiting for a reply (today is long after the period)."""
    client.force_login(users["leader"])
    html = client.get("/").content.decode()
    assert "Văn bản cần theo dõi" in html and "chưa có trả lời" in html
    services.record_reply(actor=users["prosecutor"], letter=issued, date=D(2025, 1, 20), number="", result="accepted",
                          content="")
    assert "chưa có trả lời" not in client.get("/").content.decode()
