"""Two imports at once on PostgreSQL (a province's server): the new cases and events take their
ids from the tables' sequences, so both imports succeed, each with its own ids."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from kiemsat.cases import services as case_services
from kiemsat.cases.models import Case, Event
from kiemsat.imports.models import ImportBatch
from kiemsat.imports.services import import_workbook

from .conftest import make_book

HEAD = ["STT", "Họ và tên", "Năm sinh", "Biện pháp", "Số thụ lý", "Ngày Tòa án nhận hồ sơ", "Ngày thụ lý",
        "Ngày quyết định", "Kết quả"]


def _book(path, n, offset):
    rows = []
    for i in range(1, n + 1):
        d = dt.date(2024, 1, 2) + dt.timedelta(days=i + offset)
        rows.append([i, f"Nguyễn Văn {chr(65 + i % 26)}{i + offset}", 1990, "Cai nghiện bắt buộc",
                     f"{i:02d}/2024/TLHS-XLHC", d, d + dt.timedelta(days=1), d + dt.timedelta(days=9), "Áp dụng"])
    return make_book(path, HEAD, rows)


def _together(tmp_path, monkeypatch):
    """Run two imports in two threads, each held inside its transaction (ids taken) until the
    other is there too. Returns ({thread: report}, {thread: exception})."""
    books = [_book(tmp_path / "a.xlsx", 40, 0), _book(tmp_path / "b.xlsx", 30, 100)]
    # hold each import inside its transaction, ids taken, until the other is there too
    barrier = threading.Barrier(2, timeout=60)
    real = case_services.write_case_rows
    seen = threading.local()

    def together(rows, **kw):
        if not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()
        return real(rows, **kw)

    monkeypatch.setattr(case_services, "write_case_rows", together)
    results, errors = {}, {}

    def run(i):
        try:
            results[i] = import_workbook(books[i], actor=None, unit=f"Viện kiểm sát nhân dân huyện Thử {i}",
                                         court=f"Tòa án nhân dân huyện Thử {i}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results, errors


pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time: imports queue")


@pytest.mark.django_db(transaction=True)
@pg_only
def test_ids_from_the_largest_id_make_the_second_import_fail_cleanly(tmp_path, monkeypatch):
    """What the sequences fix: numbered from max(id) (as before), both imports take the same ids
    and the second fails, rolled back whole, when the first commits."""

    def from_max(model, n):
        first = case_services.next_id(model)
        return list(range(first, first + n))

    monkeypatch.setattr(case_services, "take_ids", from_max)
    results, errors = _together(tmp_path, monkeypatch)
    assert len(results) == 1 and len(errors) == 1
    (ok,) = results.values()
    assert Case.objects.count() == ok.counts["imported"]
    assert ImportBatch.objects.count() == 1  # nothing of the failed one


@pytest.mark.django_db(transaction=True)
@pg_only
def test_two_imports_at_once_both_succeed(tmp_path, monkeypatch):
    results, errors = _together(tmp_path, monkeypatch)
    assert not errors, errors
    assert results[0].counts["imported"] == 40 and results[1].counts["imported"] == 30
    assert Case.objects.count() == 70 and ImportBatch.objects.filter(status="done").count() == 2
    ids = [sorted(r.case_id for r in results[i].rows) for i in range(2)]
    assert not set(ids[0]) & set(ids[1])
    assert Event.objects.count() == 70 * 3
    assert Case.history.count() == 70 and Event.history.count() == 70 * 3
    # and a case made by hand afterwards gets a fresh id
    from kiemsat.org.models import Unit

    case, _ = case_services.create_case(actor=None, unit=Unit.objects.first(), data={"person_name": "Lê Văn Sau"})
    assert case.pk > max(ids[0] + ids[1])
