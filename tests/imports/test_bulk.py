"""The bulk path of the importer (new rows prepared by imports.rows — in this process or a second
one — and written by cases.services.write_case_rows) gives the same register as the row-by-row path
(create_case per row): the same books are imported both ways, each in a savepoint rolled back
afterwards, and everything written is compared."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from kiemsat.audit.models import AuditEntry
from kiemsat.audit.services import verify_chain
from kiemsat.cases import services as case_services
from kiemsat.cases.export import flat_cases
from kiemsat.cases.models import Case, CaseDigest, Event
from kiemsat.imports.models import ImportRow
from kiemsat.imports.services import import_workbook
from kiemsat.org.models import Court, Unit

from .conftest import BOOKS, expected_cases, make_book, sample_path

D = dt.date
_spec = importlib.util.spec_from_file_location("bench_import", Path(__file__).resolve().parents[2] / "bench" / "import.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

_STAMPS = {"created_at", "updated_at"}
_HIST = {"history_id", "history_date", "history_user", "history_change_reason"}


class _Rollback(Exception):
    pass


def _values(model, exclude=()):
    names = [f.attname for f in model._meta.concrete_fields if f.name not in exclude and f.attname not in exclude]
    return [tuple(r) for r in model.objects.order_by("pk").values_list(*names)]


def snapshot(report) -> dict:
    rep = report.as_json()
    rep.pop("elapsed")
    rep.pop("batch")  # an id: sequences need not return to the same value after a rollback
    hist_case = Case.history.model
    hist_event = Event.history.model
    return {
        "report": rep,
        "flat": flat_cases(),
        # reference rows (unit, court, agency, staff) made by the rolled-back first import get other ids
        # on PostgreSQL (sequences do not roll back): compare them by name
        "cases": _values(Case, _STAMPS | {"unit", "court", "proposer", "assigned_to"}),
        "case_refs": [(c.unit.name, c.court.name if c.court else None, c.proposer.name if c.proposer else None,
                       c.assigned_to.full_name if c.assigned_to else None)
                      for c in Case.objects.order_by("pk").select_related("unit", "court", "proposer", "assigned_to")],
        "events": _values(Event, _STAMPS),
        "digests": [(d.case_id, bytes(d.packed)) for d in CaseDigest.objects.order_by("pk")],
        "history_counts": {"+": (hist_case.objects.filter(history_type="+").count(),
                                 hist_event.objects.filter(history_type="+").count()),
                           "~": (hist_case.objects.filter(history_type="~").count(),
                                 hist_event.objects.filter(history_type="~").count())},
        # the events' history rows are the events as written; the cases' (bulk: the case with its
        # summary, row by row: before refresh_summary) are compared on what the book gave
        "event_history": sorted(tuple(r) for r in hist_event.objects.values_list(
            "id", "case_id", "code", "date", "received", "end", "number", "outcome", "term_months",
            "prosecutor_present", "note", "history_type")),
        "case_history": sorted(tuple(r) for r in hist_case.objects.values_list(
            "id", "person_name", "birth_year", "residence", "measure", "complex", "notes", "vks_proposal", "source",
            "tracked_events", "history_type")),
        "import_rows": _values(ImportRow, ("id", "batch")),
    }


def _restart_sequences() -> None:
    """PostgreSQL sequences do not roll back: set each to the table's max id, so that both imports
    hand out the same ids (SQLite's do roll back)."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cur.execute(sql)


def run(path, *, bulk: bool, before=None, **kw) -> tuple[dict, int]:
    """Import in a savepoint, take everything written, roll back. (snapshot, audit entries added)."""
    out = {}
    try:
        with transaction.atomic():
            _restart_sequences()
            if before is not None:
                before()
            n0 = AuditEntry.objects.count()
            report = import_workbook(path, actor=None, bulk=bulk, **kw)
            out["snap"] = snapshot(report)
            out["audit"] = AuditEntry.objects.count() - n0
            out["actions"] = set(AuditEntry.objects.order_by("id").values_list("action", flat=True)[n0:])
            raise _Rollback
    except _Rollback:
        pass
    assert not Case.objects.filter(source=Case.Source.IMPORT).exists() or before is not None
    return out["snap"], out


def assert_same(path, before=None, **kw):
    per_row, info_row = run(path, bulk=False, before=before, **kw)
    bulk, info_bulk = run(path, bulk=True, before=before, **kw)
    for key in per_row:
        assert bulk[key] == per_row[key], key
    n_new = per_row["report"]["counts"]["imported"]
    assert "case.create" not in info_bulk["actions"]
    if n_new:
        assert "case.bulk_create" in info_bulk["actions"]
        assert info_row["audit"] - info_bulk["audit"] == n_new - 1  # one entry for all the new cases
    return bulk


@pytest.fixture(params=[False, True], ids=["one-process", "second-process"])
def process(request, settings, monkeypatch):
    """The bulk path with the book read and prepared in this process, or in a second one
    (imports.worker: every file from 0 bytes on; forking allowed although other tests may have
    left threads behind)."""
    from kiemsat.imports import worker

    settings.KIEMSAT_IMPORT_PROCESS_BYTES = 0 if request.param else 1 << 40
    monkeypatch.setattr(worker, "fork_is_safe", lambda: True)
    real = worker.Book

    def book(*a, **kw):  # the path asked for is the path taken
        made = real(*a, **kw)
        assert (made.proc is not None) == (request.param and kw["process"]), "import path"
        return made

    monkeypatch.setattr(worker, "Book", book)
    return request.param


@pytest.mark.parametrize("name", BOOKS)
def test_the_samples_give_the_same_register_both_ways_and_their_cases_json(db, name, process):
    path = sample_path(name)
    snap = assert_same(path)
    assert snap["flat"] == expected_cases(name)
    report = import_workbook(path, actor=None)  # bulk is the default
    assert flat_cases() == expected_cases(name)
    assert report.counts["imported"] == len(expected_cases(name))
    assert verify_chain()[0]


def test_a_generated_book_with_text_dates_odd_values_and_repeats(db, tmp_path, process):
    rows = bench.make_rows(1200, seed=11)
    # the same case twice, a row without a name, a number repeated by another person
    rows.append(list(rows[5]))
    rows.append([None, "", 1990, "", "Đưa vào cơ sở cai nghiện bắt buộc"] + [None] * 26)
    dup = list(rows[8])
    dup[1] = "Người Khác Hẳn"
    rows.append(dup)
    path = bench.write_book(tmp_path / "gen.xlsx", rows)
    snap = assert_same(path)
    c = snap["report"]["counts"]
    assert c["imported"] > 1150 and c["skipped"] >= 3 and c["with_warnings"] > 0
    reasons = [r["reason"] for r in snap["report"]["rows"] if r["status"] == "skipped"]
    assert any("trùng với dòng" in r for r in reasons)  # the same case twice
    assert any("trùng số thụ lý" in r for r in reasons)  # another person, the same number


HEAD = ["STT", "Họ và tên", "Năm sinh", "Biện pháp", "Cơ quan đề nghị", "Tòa án nhận hồ sơ", "Số thụ lý",
        "Ngày thụ lý", "Ngày quyết định", "Kết quả", "Thời hạn (tháng)", "Cán bộ được phân công", "Ghi chú"]


def row(n, name, stl, accepted, decision=None, outcome="", term=None, note="", year=1990):
    return [n, name, year, "Cai nghiện bắt buộc", "Phòng LĐTBXH huyện An Lạc", accepted, stl, accepted, decision,
            outcome, term, "Lê Đức Anh", note]


def test_duplicates_against_the_register_and_updates_mixed_with_new_rows(db, tmp_path, process):
    first = make_book(tmp_path / "v1.xlsx", HEAD, [
        row(1, "Nguyễn Văn An", "01/2024/TLHS-XLHC", D(2024, 1, 5)),
        row(2, "Trần Văn Bình", "02/2024/TLHS-XLHC", D(2024, 1, 8)),
    ])
    second = make_book(tmp_path / "v2.xlsx", HEAD, [
        row(1, "Nguyễn Văn An", "01/2024/TLHS-XLHC", D(2024, 1, 5), D(2024, 1, 20), "Áp dụng", 24),  # update
        row(2, "Lê Văn Khác", "02/2024/TLHS-XLHC", D(2024, 1, 8)),  # the register has this number: skipped
        row(3, "Đỗ Thị Cúc", "03/2024/TLHS-XLHC", D(2024, 1, 9), D(2024, 1, 25), "Không áp dụng"),  # new
        row(4, "Phạm Văn Dũng", "04/2024/TLHS-XLHC", D(2024, 1, 10), None, "", None, "ghi chú"),  # new
        row(5, "Vũ Văn Em", "03/2024/TLHS-XLHC", D(2024, 1, 11)),  # the number of row 4 of this book
        row(6, "Trần Văn Bình", "02/2024/TLHS-XLHC", D(2024, 1, 8)),  # existing
        row(7, "Hồ Văn Gấm", "", D(2030, 1, 1)),  # a date after today: a warning
        row(8, "Ngô Văn Hà", "07/2024/TLHS-XLHC", D(2024, 2, 1), D(2024, 1, 1), "Áp dụng", 60),  # order, term
    ])

    def before():
        import_workbook(first, actor=None, bulk=False)

    snap = assert_same(second, before=before)
    st = {r["row"]: r for r in snap["report"]["rows"]}
    assert [st[n]["status"] for n in range(2, 10)] == ["updated", "skipped", "imported", "imported", "skipped",
                                                      "existing", "imported", "imported"]
    assert "đã có trong sổ" in st[3]["reason"] and "dòng 4" in st[6]["reason"]
    assert st[8]["warnings"] and st[9]["warnings"]


def test_a_dry_run_and_a_failure_leave_nothing(db, tmp_path, monkeypatch, process):
    path = bench.write_book(tmp_path / "b.xlsx", bench.make_rows(300, seed=3))
    report = import_workbook(path, actor=None, dry_run=True)
    assert report.counts["imported"] > 290 and all(r.case_id is None for r in report.rows if r.status == "imported")
    assert not Case.objects.exists() and not Event.objects.exists() and not CaseDigest.objects.exists()
    assert Case.history.count() == Event.history.count() == 0

    real = case_services.write_case_rows
    calls = {"n": 0}

    def flaky(rows, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            real(rows, **kw)  # the first chunk is written, then the disk fills
            raise RuntimeError("disk full")
        return real(rows, **kw)

    monkeypatch.setattr(case_services, "write_case_rows", flaky)
    with pytest.raises(RuntimeError):
        import_workbook(path, actor=None)
    assert not Case.objects.exists() and not Event.objects.exists() and not CaseDigest.objects.exists()
    assert Case.history.count() == Event.history.count() == 0 and not Unit.objects.exists()


def test_bulk_create_cases_refuses_a_repeated_number_and_writes_nothing(db):
    unit = Unit.objects.create(name="Viện kiểm sát nhân dân huyện An Lạc")
    court = Court.objects.create(name="Tòa án nhân dân huyện An Lạc")

    def prep(name, stl, day):
        return case_services.prepare_case(
            actor=None, unit=unit, data={"person_name": name, "measure": "CSCNBB", "court": court},
            events=[{"code": "accepted", "date": D(2024, 1, day), "number": stl}], source=Case.Source.IMPORT)

    made = case_services.bulk_create_cases([prep("Nguyễn Văn An", "01/2024/TLHS-XLHC", 5)])
    assert made[0].pk and Case.objects.get().so_thu_ly == "01/2024/TLHS-XLHC" and CaseDigest.objects.count() == 1
    assert Case.history.count() == 1 and Event.history.count() == 1
    with pytest.raises(ValidationError, match="đã có trong sổ"):
        case_services.bulk_create_cases([prep("Trần Văn Bình", "01/2024/TLHS-XLHC", 6)])
    with pytest.raises(ValidationError, match="lặp lại"):
        case_services.bulk_create_cases([prep("Lê Văn Cường", "02/2024/TLHS-XLHC", 6),
                                         prep("Đỗ Văn Dũng", "02/2024/TLHS-XLHC", 7)])
    assert Case.objects.count() == 1 and Event.objects.count() == 1
    # a later case made row by row gets the next ids
    case, _ = case_services.create_case(actor=None, unit=unit, data={"person_name": "Vũ Văn Em", "measure": "CSCNBB"},
                                        events=[{"code": "accepted", "date": D(2024, 2, 1), "number": "03/2024"}],
                                        strict=False)
    assert case.pk == made[0].pk + 1
    assert AuditEntry.objects.filter(action="case.bulk_create").count() == 1
