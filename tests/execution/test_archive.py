"""Archive submission: what is outstanding per staff member, overdue against the period the leaders
set (procuracy.archive; none by default), and the 2024 sample book's "Ngày nộp lưu HSKS" column."""

import datetime as dt
import json
from pathlib import Path

import pytest

from kiemsat.cases.models import Case, Event
from kiemsat.execution import selectors, services
from kiemsat.legal import services as legal
from kiemsat.legal.models import RulesetVersion

from .conftest import applying

D = dt.date
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"


def set_period(actor, days):
    legal.change_parameter(actor=actor, rule_id="procuracy.archive", param="period", key="",
                           kind=RulesetVersion.Kind.CORRECTION, value=days, since=None, status="S", citation="Quyết định của Viện trưởng (thử)",
                           reason="Đơn vị đặt thời hạn nộp lưu")


@pytest.fixture
def ended(make_case, users):
    a = applying(make_case, "Ân", number="1", assigned=users["prosecutor"],
                 extra=[{"code": "delivered", "date": D(2025, 3, 1)}])  # ended 01/03/2025
    b = applying(make_case, "Bảo", number="2", assigned=users["inspector"],
                 extra=[{"code": "execution_exempted", "date": D(2025, 4, 7)}])
    c = make_case("Chi", assigned=users["prosecutor"], events=[
        {"code": "accepted", "date": D(2025, 1, 6), "number": "3/2025/TLHS-XLHC"},
        {"code": "decision", "date": D(2025, 1, 20), "number": "3/QĐ", "outcome": "terminate"},
        {"code": "effective", "date": D(2025, 2, 5)}])
    open_ = applying(make_case, "Dung", number="4", assigned=users["prosecutor"])  # not ended
    return a, b, c, open_


def test_outstanding_without_a_period_has_no_overdue_flag(ended, users):
    a, b, c, open_ = ended
    assert not selectors.archive_period(D(2025, 5, 1)).is_set
    out = selectors.archive_outstanding(users["leader"], D(2025, 5, 1))
    assert [int(i) for i in out.ids] == [c.pk, a.pk, b.pk]  # no due dates: the earliest ended first
    assert out.n_overdue == 0 and all(r.due is None and not r.overdue for r in out[0:3])
    by = {s.name: (s.outstanding, s.overdue) for s in out.by_staff()}
    assert by == {"Lê Đức Anh": (2, 0), "Đỗ Minh Quân": (1, 0)}


def test_overdue_against_the_period_the_leaders_set(ended, users):
    a, b, c, open_ = ended
    set_period(users["leader"], 30)
    p = selectors.archive_period(D(2025, 5, 1))
    assert (p.days, p.unit) == (30, "D")
    out = selectors.archive_outstanding(users["leader"], D(2025, 5, 1))
    rows = {r.row.case_id: r for r in out[0:10]}
    # 05/02 + 30 days = 07/03/2025 (Friday); 01/03 + 30 = 31/03 (Monday); 07/04 + 30 = 07/05 (Wednesday)
    assert rows[c.pk].due == D(2025, 3, 7) and rows[c.pk].overdue_days == 55
    assert rows[a.pk].due == D(2025, 3, 31) and rows[a.pk].overdue_days == 31
    assert rows[b.pk].due == D(2025, 5, 7) and not rows[b.pk].overdue
    assert [int(i) for i in out.ids] == [c.pk, a.pk, b.pk] and out.n_overdue == 2
    assert {s.name: (s.outstanding, s.overdue) for s in out.by_staff()} == {"Lê Đức Anh": (2, 2),
                                                                             "Đỗ Minh Quân": (1, 0)}
    mine = selectors.archive_outstanding(users["leader"], D(2025, 5, 1), staff=users["inspector"].pk)
    assert [int(i) for i in mine.ids] == [b.pk]
    services.record_archive(actor=users["prosecutor"], case=a, date=D(2025, 4, 20), number="LT-17")
    out = selectors.archive_outstanding(users["leader"], D(2025, 5, 1))
    assert [int(i) for i in out.ids] == [c.pk, b.pk]
    # a due date on a day off moves to the next working day (as the engine counts "D" periods)
    assert selectors.archive_due(D(2025, 3, 2)) == D(2025, 4, 1)


def test_archive_needs_a_date_and_a_reference_and_the_right_person(ended, users):
    from django.core.exceptions import PermissionDenied, ValidationError

    a = ended[0]
    with pytest.raises(ValidationError) as exc:
        services.record_archive(actor=users["prosecutor"], case=a, date=None, number="")
    assert set(exc.value.message_dict) == {"date", "number"}
    with pytest.raises(PermissionDenied):
        services.record_archive(actor=users["execution"], case=a, date=D(2025, 4, 1), number="LT-1")
    with pytest.raises(PermissionDenied):
        services.record_archive(actor=users["inspector"], case=a, date=D(2025, 4, 1), number="LT-1")
    assert not Event.objects.filter(code="archived").exists()


def test_the_2024_sample_book_imports_its_archive_column(unit, court):
    from kiemsat.imports.services import import_workbook

    path = SAMPLES / "so-theo-doi-xlhc-2024.xlsx"
    if not path.exists():
        pytest.fail("shared samples not available")
    expected = json.loads((SAMPLES / "so-theo-doi-xlhc-2024.cases.json").read_text(encoding="utf-8"))
    import_workbook(path, actor=None, unit=unit, court=court)
    want = sorted((o["so_thu_ly"], o["archived"]) for o in expected if o.get("archived"))
    assert len(want) == 35
    got = sorted((e.case.so_thu_ly, e.date.isoformat()) for e in Event.objects.filter(code="archived")
                 .select_related("case"))
    assert got == want
    # the imported book tracks the archive column; the archived dossiers are not outstanding
    assert all("archived" in (c.tracked_events or []) for c in Case.objects.all())
    as_of = D(2025, 1, 31)
    from kiemsat.org.models import Role, User

    reader = User.objects.create(username="doc", full_name="Đọc Sổ", role=Role.LEADER, unit=unit)
    outstanding = {int(i) for i in selectors.archive_outstanding(reader, as_of).ids}
    archived_ids = set(Event.objects.filter(code="archived").values_list("case_id", flat=True))
    t = selectors.table(reader, as_of)
    for pk, ended_, arch in zip(t.ids.tolist(), t.ended.tolist(), t.archived.tolist()):
        if pk in archived_ids and arch >= ended_ > 0:
            assert pk not in outstanding
