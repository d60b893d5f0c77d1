"""The import service in-process: the samples, counts, warnings, idempotency, dry run, updates and
conflicts on re-import, reference data, books built here in code."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied

from kiemsat.audit.models import AuditEntry
from kiemsat.cases import services as case_services
from kiemsat.cases.export import flat_cases
from kiemsat.cases.models import Case, Event
from kiemsat.domain.workbook import WorkbookError, read_workbook
from kiemsat.imports import services
from kiemsat.imports.models import ImportBatch, ImportRow, MappingProfile
from kiemsat.imports.services import import_workbook
from kiemsat.org.models import Agency, Court, Unit, User

from .conftest import BOOKS, expected_cases, make_book, sample_path

D = dt.date


def by_number(objs):
    return sorted(objs, key=lambda o: (o.get("so_thu_ly") or "", o["name"]))


@pytest.fixture(params=BOOKS)
def book(request):
    return request.param, sample_path(request.param), expected_cases(request.param)


def test_each_sample_imports_every_case_as_its_cases_json(db, book):
    name, path, expected = book
    report = import_workbook(path, actor=None)
    got = flat_cases()
    assert len(got) == len(expected) == report.counts["imported"]
    assert got == expected
    assert report.counts["skipped"] == 0


def test_report_counts_warnings_and_the_stored_batch(db, book):
    name, path, expected = book
    reading = read_workbook(path)
    report = import_workbook(path, actor=None)
    batch = ImportBatch.objects.get()
    assert report.batch_id == batch.pk
    assert batch.status == ImportBatch.Status.DONE
    assert batch.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert batch.imported == len(expected) and batch.total_rows == len(reading.rows) + len(reading.skipped)
    assert batch.as_of == reading.as_of and len(batch.holidays) == len(reading.holidays)
    assert batch.mapping == services.effective_mapping(reading)
    rows = {(r.sheet, r.row_number): r for r in ImportRow.objects.filter(batch=batch)}
    assert len(rows) == len(reading.rows)
    for rr in reading.rows:
        stored = rows[(rr.sheet, rr.row)]
        assert stored.case is not None and stored.status == ImportRow.Status.IMPORTED
        for w in rr.warnings:  # the reader's warnings reach the report
            assert w in stored.warnings
        assert stored.values == rr.flat()
        # the book's own flag columns are kept raw, error cells included
        assert set(stored.flags) == set(rr.flags)
        for key, v in rr.flags.items():
            if v == "#VALUE!":
                assert stored.flags[key] == "#VALUE!"
    assert sum(1 for r in report.rows if r.warnings) == batch.with_warnings
    assert AuditEntry.objects.filter(action="import.run", object_id=str(batch.pk)).exists()


def test_reimporting_the_same_book_duplicates_nothing(db, book):
    _name, path, expected = book
    import_workbook(path, actor=None)
    before = flat_cases()
    n_events = Event.objects.count()
    report = import_workbook(path, actor=None)
    assert report.counts["existing"] == len(expected)
    assert report.counts["imported"] == report.counts["updated"] == report.counts["skipped"] == 0
    assert Case.objects.count() == len(expected) and Event.objects.count() == n_events
    assert flat_cases() == before
    assert all(r.case_id for r in report.rows)


def test_dry_run_leaves_nothing(db, book):
    _name, path, expected = book
    counts = (Case.objects.count(), Event.objects.count(), User.objects.count(), Agency.objects.count(),
              Unit.objects.count(), Court.objects.count(), AuditEntry.objects.count())
    report = import_workbook(path, actor=None, dry_run=True)
    assert report.dry_run and report.batch_id is None
    assert report.counts["imported"] == len(expected)
    assert (Case.objects.count(), Event.objects.count(), User.objects.count(), Agency.objects.count(),
            Unit.objects.count(), Court.objects.count(), AuditEntry.objects.count()) == counts
    assert not ImportBatch.objects.exists() and not ImportRow.objects.exists()


def test_notes_stay_notes_and_never_become_events(db):
    path = sample_path(BOOKS[0])
    reading = read_workbook(path)
    noted = [r for r in reading.rows if r.note]
    assert noted
    import_workbook(path, actor=None)
    for rr in noted:
        row = ImportRow.objects.get(sheet=rr.sheet, row_number=rr.row)
        assert row.case.notes == rr.note
        assert not Event.objects.filter(case=row.case).exclude(note="").exists()


def test_staff_and_agencies_are_resolved_by_name(db, users, unit, agency, court):
    path = sample_path(BOOKS[0])  # the unit and the court of the conftest are the only ones
    expected = expected_cases(BOOKS[0])
    import_workbook(path, actor=users["leader"])
    # "Lê Đức Anh" is a prosecutor of the unit: matched, not created again
    anh = users["prosecutor"]
    assert Case.objects.filter(assigned_to=anh).count() == sum(1 for e in expected if e["staff"] == anh.full_name)
    assert User.objects.filter(full_name=anh.full_name).count() == 1
    # the others are kept as inactive accounts that cannot log in
    created = User.objects.exclude(pk__in=[u.pk for u in users.values()])
    assert {u.full_name for u in created} == {e["staff"] for e in expected} - {anh.full_name}
    assert all(not u.is_active and not u.has_usable_password() and u.unit == unit for u in created)
    # the agency of the fixture is reused, the police one is added
    assert Agency.objects.filter(name=agency.name).count() == 1
    assert Agency.objects.get(name="Công an huyện An Lạc").kind == Agency.Kind.POLICE
    assert set(Case.objects.values_list("unit", flat=True)) == {unit.pk}
    assert set(Case.objects.values_list("court", flat=True)) == {court.pk}
    assert set(Case.objects.values_list("source", flat=True)) == {Case.Source.IMPORT}


def test_unit_and_court_are_named_from_the_book_when_there_is_none(db):
    path = sample_path(BOOKS[0])
    report = import_workbook(path, actor=None)
    title_unit = read_workbook(path).titles[0]
    assert report.unit.upper() == title_unit.upper() and report.unit != title_unit  # tidied, not shouting
    assert report.unit.startswith("Viện kiểm sát nhân dân ")
    assert report.court == "Tòa án nhân dân " + report.unit.removeprefix("Viện kiểm sát nhân dân ")
    # with several units and a name given: that one
    other = Unit.objects.create(name="Viện kiểm sát nhân dân huyện Khác")
    report2 = import_workbook(sample_path(BOOKS[1]), actor=None, unit=other.name, court="Tòa án nhân dân huyện Khác")
    assert report2.unit == other.name and Case.objects.filter(unit=other).count() == report2.counts["imported"]


def test_only_leaders_and_admins_import(db, users):
    path = sample_path(BOOKS[0])
    for who in ("prosecutor", "specialist", "execution"):
        with pytest.raises(PermissionDenied):
            import_workbook(path, actor=users[who])
    assert not Case.objects.exists()
    report = import_workbook(path, actor=users["admin"], dry_run=True)
    assert report.counts["imported"] > 0


@pytest.mark.parametrize("bulk, step", [(True, "prepare_case"), (False, "create_case")])
def test_a_failure_half_way_leaves_the_database_as_it_was(db, monkeypatch, bulk, step):
    path = sample_path(BOOKS[0])
    real = getattr(case_services, step)
    calls = {"n": 0}

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk full")
        return real(**kw)

    monkeypatch.setattr(case_services, step, flaky)
    with pytest.raises(RuntimeError):
        import_workbook(path, actor=None, bulk=bulk)
    assert calls["n"] == 5
    assert not Case.objects.exists() and not ImportBatch.objects.exists() and not Unit.objects.exists()


HEAD = ["STT", "Họ và tên", "Năm sinh", "Biện pháp", "Cơ quan đề nghị", "Tòa án nhận hồ sơ", "Số thụ lý",
        "Ngày thụ lý", "Ngày quyết định", "Kết quả", "Thời hạn (tháng)", "Cán bộ được phân công", "Ghi chú"]


def row(n, name, stl, accepted, decision=None, outcome="", term=None, note="", year=1990):
    return [n, name, year, "Cai nghiện bắt buộc", "Phòng LĐTBXH huyện An Lạc", accepted, stl, accepted, decision,
            outcome, term, "Lê Đức Anh", note]


def test_duplicates_in_the_book_and_rows_without_a_name_are_skipped_with_the_reason(db, tmp_path):
    path = make_book(tmp_path / "dup.xlsx", HEAD, [
        row(1, "Nguyễn Văn An", "01/2024/TLHS-XLHC", D(2024, 1, 5)),
        row(2, "Trần Văn Bình", "01/2024/TLHS-XLHC", D(2024, 1, 8)),  # same number, other person
        row(3, "Nguyễn Văn An", "01/2024/TLHS-XLHC", D(2024, 1, 5)),  # the same case twice
        row(4, "", "04/2024/TLHS-XLHC", D(2024, 2, 1)),  # a number without a name
        row(5, "Lê Thị Cúc", "05/2024/TLHS-XLHC", D(2024, 2, 2)),
        ["Tổng cộng: 5 vụ việc"],
    ])
    report = import_workbook(path, actor=None)
    st = {r.row: r for r in report.rows}
    assert [st[n].status for n in (2, 3, 4, 5, 6, 7)] == ["imported", "skipped", "skipped", "skipped", "imported",
                                                          "skipped"]
    assert "dòng 2" in st[3].reason and "01/2024/TLHS-XLHC" in st[3].reason
    assert "trùng với dòng 2" in st[4].reason
    assert "họ" in st[5].reason.lower()
    assert "tổng cộng" in st[7].reason
    assert Case.objects.count() == 2
    assert ImportRow.objects.filter(status="skipped").count() == 4
    assert all(r.reason.startswith(f"Dòng {r.row}") for r in report.rows if r.status == "skipped")


def test_values_without_a_date_and_unusual_values_are_kept_in_the_notes(db, tmp_path):
    path = make_book(tmp_path / "odd.xlsx", HEAD, [
        row(1, "Nguyễn Văn An", "07/2024/TLHS-XLHC", None, D(2024, 3, 1), "Áp dụng", 48, "đối tượng bỏ trốn"),
    ])
    report = import_workbook(path, actor=None)
    [r] = report.rows
    assert r.status == "imported"
    case = Case.objects.get()
    # the number had no date of acceptance: no acceptance event, but nothing lost
    assert not case.events.filter(code="accepted").exists()
    assert "07/2024/TLHS-XLHC" in case.notes and "48" in case.notes and "đối tượng bỏ trốn" in case.notes
    assert any("thiếu ngày" in w for w in r.warnings) and any("1–36" in w for w in r.warnings)
    dec = case.events.get(code="decision")
    assert dec.outcome == "apply" and dec.term_months is None


def test_reimport_updates_from_the_book_and_keeps_edits_made_in_the_app(db, tmp_path):
    rows = [
        row(1, "Nguyễn Văn An", "01/2024/TLHS-XLHC", D(2024, 1, 5)),
        row(2, "Trần Văn Bình", "02/2024/TLHS-XLHC", D(2024, 1, 8)),
        row(3, "Lê Thị Cúc", "03/2024/TLHS-XLHC", D(2024, 1, 9)),
    ]
    make_book(tmp_path / "v1.xlsx", HEAD, rows)
    import_workbook(tmp_path / "v1.xlsx", actor=None)
    an = Case.objects.get(so_thu_ly="01/2024/TLHS-XLHC")
    binh = Case.objects.get(so_thu_ly="02/2024/TLHS-XLHC")
    # in the app, someone corrects An's acceptance date
    acc = an.events.get(code="accepted")
    case_services.update_event(actor=None, event=acc, strict=False, date=D(2024, 1, 6))
    # the clerk goes on with the book: decisions for An and Bình, and also changes An's date
    rows[0] = row(1, "Nguyễn Văn An", "01/2024/TLHS-XLHC", D(2024, 1, 4), D(2024, 1, 20), "Áp dụng", 24)
    rows[1] = row(2, "Trần Văn Bình", "02/2024/TLHS-XLHC", D(2024, 1, 8), D(2024, 1, 22), "Không áp dụng")
    make_book(tmp_path / "v2.xlsx", HEAD, rows)
    report = import_workbook(tmp_path / "v2.xlsx", actor=None)
    st = {r.name: r for r in report.rows}
    assert Case.objects.count() == 3
    assert st["Trần Văn Bình"].status == "updated" and set(st["Trần Văn Bình"].updated) >= {"decision_date", "outcome"}
    binh.refresh_from_db()
    assert binh.decision_date == D(2024, 1, 22) and binh.outcome == "not_apply"
    assert st["Nguyễn Văn An"].status == "updated"
    assert "accepted" in st["Nguyễn Văn An"].conflicts  # edited in the app and in the book
    an.refresh_from_db()
    assert an.thu_ly_date == D(2024, 1, 6)  # the app's value is kept
    assert an.decision_date == D(2024, 1, 20)  # the new decision came in
    assert any("Xung đột" in w and "06/01/2024" in w for w in st["Nguyễn Văn An"].warnings)
    assert st["Lê Thị Cúc"].status == "existing"
    assert ImportBatch.objects.latest("id").conflicts == 1


def test_a_case_without_number_is_matched_on_person_and_dates(db, tmp_path):
    head = ["Họ và tên", "Năm sinh", "Biện pháp", "Ngày phát hiện", "Tòa án nhận hồ sơ", "Ghi chú"]
    make_book(tmp_path / "a.xlsx", head, [["Phạm Văn Dũng", 1985, "CNBB", D(2024, 3, 1), D(2024, 3, 20), ""]])
    import_workbook(tmp_path / "a.xlsx", actor=None)
    make_book(tmp_path / "b.xlsx", head, [["Phạm Văn Dũng", 1985, "CNBB", D(2024, 3, 1), D(2024, 3, 20), "đã gọi"],
                                          ["Phạm Văn Dũng", 1990, "CNBB", D(2024, 5, 1), D(2024, 5, 20), ""]])
    report = import_workbook(tmp_path / "b.xlsx", actor=None)
    assert [r.status for r in report.rows] == ["updated", "imported"]
    assert Case.objects.count() == 2
    assert Case.objects.filter(notes="đã gọi").count() == 1


def test_a_saved_profile_changes_the_mapping(db, tmp_path, users):
    head = ["Họ và tên", "Năm sinh", "Biện pháp", "Tòa án nhận hồ sơ", "Số thụ lý", "Ngày thụ lý", "Ghi chú",
            "Ngày X"]
    make_book(tmp_path / "p.xlsx", head, [["Đỗ Văn Em", 1980, "CNBB", D(2024, 1, 2), "09/2024/TLHS-XLHC",
                                            D(2024, 1, 3), "ghi chú riêng", D(2024, 1, 10)]])
    reading = read_workbook(tmp_path / "p.xlsx")
    mapping = services.effective_mapping(reading)
    assert mapping["Ngày X"] is None
    mapping["Ngày X"] = "notice_vks_received"  # the unit's own name for the column
    mapping["Ghi chú"] = None  # "bỏ qua"
    services.save_profile(actor=users["leader"], name="Sổ huyện An Lạc", mapping=mapping)
    assert MappingProfile.objects.get().mapping["Ngày X"] == "notice_vks_received"
    report = import_workbook(tmp_path / "p.xlsx", actor=None, profile="sổ huyện an lạc")
    [flat] = flat_cases()
    assert flat["notice_vks_received"] == "2024-01-10"
    assert Case.objects.get().notes == ""
    assert ImportBatch.objects.get().profile.name == "Sổ huyện An Lạc"
    assert report.counts["imported"] == 1
    with pytest.raises(WorkbookError):
        import_workbook(tmp_path / "p.xlsx", actor=None, profile="không có")
    with pytest.raises(PermissionDenied):
        services.save_profile(actor=users["specialist"], name="x", mapping=mapping)


def test_unreadable_files_raise_a_vietnamese_error(db, tmp_path):
    bad = tmp_path / "so.xlsx"
    bad.write_bytes(b"this is not a workbook")
    with pytest.raises(WorkbookError, match="Không đọc được"):
        import_workbook(bad, actor=None)
    empty = tmp_path / "rong.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(WorkbookError, match="rỗng"):
        services.check_file(empty, empty.name)
    title_only = make_book(tmp_path / "t.xlsx", ["Danh sách cán bộ"], [["Nguyễn Văn A"]])
    with pytest.raises(WorkbookError, match="Không tìm thấy trang dữ liệu"):
        import_workbook(title_only, actor=None)
    locked = tmp_path / "khoa.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(WorkbookError, match="mật khẩu"):
        services.check_file(locked, locked.name)
    assert not Case.objects.exists()


def test_a_skipped_row_does_not_lose_the_staff_and_agency_it_named(db, tmp_path):
    first = row(1, "", "01/2024/TLHS-XLHC", D(2024, 1, 5))  # no name: skipped
    first[4], first[11] = "Công an xã Mới", "Cán Bộ Mới"
    second = row(2, "Nguyễn Văn An", "02/2024/TLHS-XLHC", D(2024, 1, 8))
    second[4], second[11] = "Công an xã Mới", "Cán Bộ Mới"
    path = make_book(tmp_path / "refs.xlsx", HEAD, [first, second])
    report = import_workbook(path, actor=None)
    assert [r.status for r in report.rows] == ["skipped", "imported"]
    case = Case.objects.get()
    assert case.assigned_to.full_name == "Cán Bộ Mới" and case.proposer.name == "Công an xã Mới"
