"""A big book is read and prepared in a second process (imports.worker): the same import as in one
process (tests/imports/test_bulk.py compares everything written both ways), errors on either side
end both and leave the database as it was, and what crosses between the processes is plain."""

from __future__ import annotations

import datetime as dt
import json
import marshal
import multiprocessing
import os

import pytest

from kiemsat.cases import services as case_services
from kiemsat.cases.models import Case, CaseDigest, Event
from kiemsat.domain.stage import Stage
from kiemsat.domain.workbook import BookReader, WorkbookError
from kiemsat.imports import rows as import_rows
from kiemsat.imports import worker
from kiemsat.imports.models import ImportBatch, ImportRow
from kiemsat.imports.services import import_workbook
from kiemsat.org.models import Unit

from .conftest import make_book, sample_path

D = dt.date
TCVN3_NAME = "NguyÔn V¨n §øc"  # Nguyễn Văn Đức, typed with ABC / .VnTime
HEAD = ["STT", "Họ và tên", "Năm sinh", "Biện pháp", "Số thụ lý", "Ngày thụ lý", "Ngày quyết định", "Kết quả"]


@pytest.fixture
def second_process(settings, monkeypatch):
    settings.KIEMSAT_IMPORT_PROCESS_BYTES = 0
    monkeypatch.setattr(worker, "fork_is_safe", lambda: True)  # other tests may leave threads behind


def _nothing_written():
    return not (Case.objects.exists() or Event.objects.exists() or CaseDigest.objects.exists()
                or ImportRow.objects.exists() or ImportBatch.objects.exists() or Unit.objects.exists())


def _no_child_left():
    return not [p for p in multiprocessing.active_children() if p.name == "kiemsat-import-reader"]


def test_the_file_size_decides_where_the_book_is_read(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(worker, "fork_is_safe", lambda: True)
    path = sample_path("so-theo-doi-xlhc-2024")
    size = path.stat().st_size
    settings.KIEMSAT_IMPORT_PROCESS_BYTES = size
    assert worker.use_process(path)
    settings.KIEMSAT_IMPORT_PROCESS_BYTES = size + 1
    assert not worker.use_process(path)
    assert not worker.use_process(tmp_path / "missing.xlsx")


def test_the_second_process_reads_the_book_and_hands_over_every_row(second_process):
    path = sample_path("so-theo-doi-xlhc-2024")
    book = worker.Book(path, None, today=D(2026, 11, 26), new_cases=True, process=True)
    try:
        assert book.proc is not None and book.proc.pid != multiprocessing.current_process().pid
        rows = list(book.rows())
    finally:
        book.close()
    here = worker.Book(path, None, today=D(2026, 11, 26), new_cases=True, process=False)
    mine = list(here.rows())
    assert book.total == here.total == len(rows) == len(mine) == 68
    assert [(r.sheet, r.row, r.name, r.stl, r.year, r.error) for r in rows] == \
           [(r.sheet, r.row, r.name, r.stl, r.year, r.error) for r in mine]
    assert [r.prepared for r in rows] == [r.prepared for r in mine]
    assert [r.book_dict() for r in rows] == [r.book_dict() for r in mine]
    assert _no_child_left()


@pytest.mark.django_db
def test_a_corrupt_file_gives_the_same_clear_error(tmp_path, second_process):
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(WorkbookError, match="tệp hỏng hoặc không phải sổ Excel"):
        import_workbook(bad, actor=None)
    assert _nothing_written() and _no_child_left()


@pytest.mark.django_db
def test_an_error_in_the_second_process_fails_the_import_and_leaves_nothing(monkeypatch, second_process):
    real = worker.prepare_row
    calls = {"n": 0}

    def flaky(item, **kw):  # runs in the second process (a fork: it has this patch)
        calls["n"] += 1
        if calls["n"] == 40:
            raise RuntimeError("hết bộ nhớ")
        return real(item, **kw)

    monkeypatch.setattr(worker, "prepare_row", flaky)
    with pytest.raises(RuntimeError, match="hết bộ nhớ"):
        import_workbook(sample_path("so-theo-doi-xlhc-2024"), actor=None)
    assert calls["n"] == 0  # counted in the other process, not here
    assert _nothing_written() and _no_child_left()


@pytest.mark.django_db
def test_an_error_while_writing_ends_the_second_process_and_leaves_nothing(monkeypatch, settings, tmp_path):
    settings.KIEMSAT_IMPORT_PROCESS_BYTES = 0
    monkeypatch.setattr(worker, "CHUNK", 7)  # many messages: the second process is still sending
    real = case_services.write_case_rows

    def flaky(rows, **kw):
        real(rows, **kw)  # the first chunk is written, then the disk fills
        raise OSError("đĩa đầy")

    monkeypatch.setattr(case_services, "write_case_rows", flaky)
    with pytest.raises(OSError, match="đĩa đầy"):
        import_workbook(sample_path("so-theo-doi-xlhc-2022-2025"), actor=None)
    assert _nothing_written() and _no_child_left()


@pytest.mark.django_db
def test_warnings_found_while_reading_the_rows_reach_the_report(tmp_path, second_process, settings):
    rows = [[1, TCVN3_NAME, 1990, "CNBB", "01/2025/TLHS-XLHC", D(2025, 3, 3), D(2025, 3, 20), "Áp dụng"],
            [2, "Trần Văn Bình", 1991, "CNBB", "02/2025/TLHS-XLHC", D(2025, 3, 4), None, ""]]
    path = make_book(tmp_path / "abc.xlsx", HEAD, rows)
    there = import_workbook(path, actor=None, dry_run=True)
    settings.KIEMSAT_IMPORT_PROCESS_BYTES = 1 << 40
    here = import_workbook(path, actor=None, dry_run=True)
    assert any("bảng mã cũ" in w for w in there.warnings)
    assert there.warnings == here.warnings
    assert [r.name for r in there.rows] == [r.name for r in here.rows] == ["Nguyễn Văn Đức", "Trần Văn Bình"]


def test_a_prepared_row_crosses_as_plain_values():
    path = sample_path("so-theo-doi-xlhc-2024")
    reader = BookReader(path)
    tracked = import_rows.tracked_events(reader.reading)
    for item in list(reader.items())[:10]:
        pre = import_rows.prepare_row(item, tracked=tracked, today=D(2026, 11, 26), new_case=True)
        fields = {s: getattr(pre, s) for s in pre.__slots__ if s not in ("data", "events")}
        back = import_rows.PreRow.from_transfer(marshal.loads(marshal.dumps(pre.for_transfer())))
        assert back.book_dict() == fields.pop("book")
        for s, v in fields.items():
            got = getattr(back, s)
            assert (got if s not in ("flags", "errors", "extras") else json.loads(got)) == v, s
        vals = back.prepared[0]
        ix = case_services.CASE_ROW_INDEX
        assert type(vals[ix["source"]]) is str and vals[ix["source"]] == "import"
        assert type(vals[ix["stage"]]) is str and vals[ix["stage"]] in {st.value for st in Stage}
        assert all(type(v) in (str, int, bool, bytes, type(None)) for v in vals)
        assert all(type(v) in (str, int, bool, type(None)) for ev in back.prepared[1] for v in ev)


def test_with_other_threads_only_postgresql_forks(settings, monkeypatch):
    """A fork keeps only the forking thread; with SQLite the other threads' connections would be
    closed in the child on shared handles: the server's threads import in one process."""
    from django.db import connection

    settings.KIEMSAT_IMPORT_PROCESS_BYTES = 0
    path = sample_path("so-theo-doi-xlhc-2024")
    monkeypatch.setattr(worker.threading, "active_count", lambda: 1)
    assert worker.fork_is_safe() and worker.use_process(path)
    monkeypatch.setattr(worker.threading, "active_count", lambda: 2)
    assert worker.fork_is_safe() == worker.use_process(path) == (connection.vendor == "postgresql")


def test_the_reading_process_ends_by_itself_when_nobody_reads(monkeypatch):
    monkeypatch.setattr(worker, "CHUNK", 5)  # more messages than the pipe holds
    book = worker.Book(sample_path("so-theo-doi-xlhc-2022-2025"), None, today=D(2026, 11, 26), new_cases=True,
                       process=True)
    proc = book.proc
    next(iter(book.rows()))
    book.conn.close()  # the importing side stops reading: the child's next send fails
    proc.join(timeout=20)
    assert proc.exitcode == 0
    book.proc = None  # ended already (close() would only join it)
    proc.close()


def test_a_reading_process_killed_half_way_fails_the_import_clearly(monkeypatch, second_process, db):
    real = worker.prepare_row
    calls = {"n": 0}

    def dying(item, **kw):  # in the child
        calls["n"] += 1
        if calls["n"] == 30:
            os._exit(9)
        return real(item, **kw)

    monkeypatch.setattr(worker, "prepare_row", dying)
    with pytest.raises(WorkbookError, match="dừng bất thường"):
        import_workbook(sample_path("so-theo-doi-xlhc-2024"), actor=None)
    assert _nothing_written() and _no_child_left()


def test_time_and_duration_cells_are_kept_as_text():
    assert import_rows.jsonable({"Giờ họp": dt.time(8, 30), "Thời lượng": dt.timedelta(hours=2)}) == \
        {"Giờ họp": "08:30:00", "Thời lượng": "2:00:00"}
