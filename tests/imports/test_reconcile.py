"""Reconciliation: the book's own flag columns against the engine, and the imported samples
against their .expected.json findings."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from kiemsat.domain.workbook import parse_mark, read_workbook
from kiemsat.imports import reconcile as rec
from kiemsat.imports.models import ImportBatch
from kiemsat.imports.services import import_workbook

from .conftest import BOOKS, SAMPLES, make_book, sample_path

D = dt.date
KEYS = ("so_thu_ly", "rule", "status", "due", "actual", "late", "responsible")


def expected_findings(name):
    return json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", BOOKS)
def test_imported_samples_give_their_expected_findings(db, name):
    path = sample_path(name)
    import_workbook(path, actor=None)
    exp = expected_findings(name)
    out = io.StringIO()
    call_command("findings", "--json", "--as-of", exp["as_of"], stdout=out)
    got = {tuple(f.get(k) for k in KEYS) for f in json.loads(out.getvalue()) if f["status"] in ("violation", "overdue")}
    assert got == {tuple(f.get(k) for k in KEYS) for f in exp["findings"]}


@pytest.mark.parametrize("name", BOOKS)
def test_each_flag_of_the_book_is_classed_against_the_engine(db, name):
    path = sample_path(name)
    import_workbook(path, actor=None)
    batch = ImportBatch.objects.get()
    result = rec.reconcile(batch)
    assert result.as_of == read_workbook(path).as_of
    exp = expected_findings(name)
    flagged = {(f["so_thu_ly"], f["rule"]) for f in exp["findings"]}
    book = {r.values["so_thu_ly"]: r for r in read_workbook(path).rows}
    flag_checks = [c for c in result.checks if c.kind == "flag"]
    assert flag_checks, "the sample has flag columns"
    seen = {c: set() for c in rec.CLASS_LABELS}
    for rr in result.rows:
        stl = rr.row.so_thu_ly
        for res in rr.results:
            raw = book[stl].flags[res.check.key]
            seen[res.cls].add(res.check.key)
            if isinstance(raw, str) and raw.startswith("#"):
                assert res.cls == rec.ERROR and res.reasons
                continue
            if res.check.kind != "flag":
                assert (res.cls == rec.MATCH) == (not res.reasons)
                continue
            engine_flag = (stl, res.check.rule) in flagged
            book_flag = parse_mark(raw)
            want = rec.MATCH if engine_flag == book_flag else (rec.MISSED if engine_flag else rec.FALSE_FLAG)
            assert res.cls == want, (stl, res.check.key, raw, res.engine)
    assert seen[rec.ERROR] and seen[rec.MATCH]
    assert seen[rec.FALSE_FLAG] or seen[rec.MISSED]


def test_the_reason_names_the_holiday_missing_from_the_books_list(db, tmp_path):
    head = ["Họ và tên", "Biện pháp", "Tòa án nhận hồ sơ", "Số thụ lý", "Ngày thụ lý", "Ngày thông báo thụ lý",
            "Vi phạm TB thụ lý"]
    holidays = [[D(2024, 1, 1)], [D(2024, 4, 18)], [D(2024, 4, 30)], [D(2024, 5, 1)]]  # no Tết
    path = make_book(tmp_path / "tet.xlsx", head, [
        # accepted the day before Tết, notice the second working day after: on time, but a
        # formula without Tết in its holiday list says late
        ["Vũ Văn Hòa", "CNBB", D(2024, 2, 7), "20/2024/TLHS-XLHC", D(2024, 2, 7), D(2024, 2, 16), "Vi phạm"],
        ["Vũ Văn Long", "CNBB", D(2024, 3, 1), "21/2024/TLHS-XLHC", D(2024, 3, 1), D(2024, 3, 12), ""],
    ], extra_sheets={"Ngày lễ": holidays})
    import_workbook(path, actor=None)
    result = rec.reconcile(ImportBatch.objects.get(), as_of=D(2024, 12, 31))
    hoa, long_ = result.rows
    [r1] = hoa.results
    assert r1.cls == rec.FALSE_FLAG
    assert any("08/02/2024" in why and "danh sách ngày lễ của sổ" in why for why in r1.reasons)
    [r2] = long_.results
    assert r2.cls == rec.MISSED and "vi phạm" in r2.engine and r2.explanation


def test_the_reconciliation_page_and_its_export(client, users, monkeypatch):
    client.force_login(users["leader"])
    path = sample_path(BOOKS[0])
    with open(path, "rb") as fh:
        client.post(reverse("import_upload"), {"file": fh})
    batch = ImportBatch.objects.get()
    client.post(reverse("import_preview", args=[batch.pk]), {"action": "import"})
    batch.refresh_from_db()
    html = client.get(reverse("import_report", args=[batch.pk])).content.decode()
    assert reverse("import_reconcile", args=[batch.pk]) in html
    r = client.get(reverse("import_reconcile", args=[batch.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    result = rec.reconcile(batch)
    for key, counts in result.counts.items():
        for cls, n in counts.items():
            assert f'id="n-{key}-{cls}">{n}<' in html
    assert "sổ báo sai" in html and "#VALUE!" in html
    only = client.get(reverse("import_reconcile", args=[batch.pk]) + "?lech=1").content.decode()
    assert only.count("badge text-bg-success\">khớp") < html.count("badge text-bg-success\">khớp")
    r = client.get(reverse("import_reconcile_xlsx", args=[batch.pk]))
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    n_results = sum(len(rr.results) for rr in result.rows)
    assert ws.max_row == 4 + n_results
    # a big book is reconciled a page at a time
    from kiemsat.imports import views

    monkeypatch.setattr(views, "RECONCILE_WHOLE_ROWS", 10)
    big = client.get(reverse("import_reconcile", args=[batch.pk])).content.decode()
    assert "Sổ lớn" in big and 'id="n-' not in big and "sổ báo sai" in big
    client.force_login(users["prosecutor"])
    assert client.get(reverse("import_reconcile", args=[batch.pk])).status_code == 403
