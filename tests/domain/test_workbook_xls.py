"""Legacy .xls books (BIFF8, as old Excel versions save them, written here with xlwt) read like
the same book saved as .xlsx: title rows, two header rows with merged group headers, dates as
date cells, as Excel serial numbers and as text, TCVN3 names, the holiday sheet.

Known limit (python-calamine 0.9.1, the reader used for .xls): an error cell (#VALUE!, #REF!…)
and a formula cell without a cached result come back as an empty cell, and a formula cell with a
cached result as that value; calamine does not say which cells hold formulas or errors. So in an
.xls book an error cell is still never taken as data (it reads as blank), but it is not reported
as an error cell (no "ô lỗi" in the row report or in reconciliation), and a formula column is not
recognised as one (its cached values are read as data). In .xlsx both are detected from the
sheet's XML (tests/domain/test_workbook.py). The tests below pin that behaviour."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import xlwt  # dev dependency: writes the .xls test books

from kiemsat.domain.workbook import read_workbook


D = dt.date
TCVN3_NAME = "NguyÔn V¨n §øc"  # Nguyễn Văn Đức typed with ABC / .VnTime
TITLES = ["VIỆN KIỂM SÁT NHÂN DÂN HUYỆN AN LẠC", "SỔ THEO DÕI ÁP DỤNG BIỆN PHÁP XỬ LÝ HÀNH CHÍNH"]
# two header rows: a group header over the court's columns, merged across them
GROUP = ["STT", "Họ và tên", "Năm sinh", "Biện pháp", "Tòa án thụ lý", None, "Ngày VKS nhận TB thụ lý",
         "Quyết định", None, None, "Ghi chú", "Vi phạm"]
LEAVES = [None, None, None, None, "Số thụ lý", "Ngày thụ lý", None, "Ngày QĐ", "Kết quả", "Thời hạn", None, None]
MERGES = [(4, 5), (7, 9)]  # column ranges of the group headers
SERIAL = 45356  # 05/03/2024 in the 1900 date system
ROWS = [
    [1, TCVN3_NAME, 1990, "Đưa vào cơ sở cai nghiện bắt buộc", "01/2024/TLHS-XLHC", SERIAL,
     "ngày 7 tháng 3 năm 2024", D(2024, 3, 20), "Áp dụng", "18 tháng", "đối tượng bỏ trốn", "x"],
    [2, "  TRẦN THỊ  LAN ", "1985", "CNBB", "02/2024/TLHS-XLHC", "06/03/2024", "8/3/24", "20.03.2024",
     "không áp dụng", None, None, None],
    [3, "Lê Văn Cường", 1979, "Giáo dục bắt buộc", "03/2024/TLHS-XLHC", D(2024, 3, 7), "ERROR", None, None, None,
     None, None],
]
HOLIDAYS = [D(2024, 4, 30), D(2024, 5, 1)]


def _xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Theo dõi"
    for t in TITLES:
        ws.append([t])
    ws.append([])
    ws.append(GROUP)
    ws.append(LEAVES)
    head = len(TITLES) + 2  # 1-based row of the group header
    for a, b in MERGES:
        ws.merge_cells(start_row=head, start_column=a + 1, end_row=head, end_column=b + 1)
    for c in (0, 1, 2, 3, 6, 10, 11):  # single columns span both header rows
        ws.merge_cells(start_row=head, start_column=c + 1, end_row=head + 1, end_column=c + 1)
    for r in ROWS:
        ws.append(["#VALUE!" if v == "ERROR" else v for v in r])  # openpyxl writes "#VALUE!" as an error cell
    for row in ws.iter_rows(min_row=head + 2):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd/mm/yyyy"
    hol = wb.create_sheet("Ngày lễ")
    for d in HOLIDAYS:
        hol.append([d])
    wb.save(path)
    return path


def _xls(path: Path) -> Path:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Theo dõi")
    datefmt = xlwt.easyxf(num_format_str="dd/mm/yyyy")
    for i, t in enumerate(TITLES):
        ws.write(i, 0, t)
    head = len(TITLES) + 1  # 0-based
    for a, b in MERGES:
        ws.write_merge(head, head, a, b, GROUP[a])
    for c in (0, 1, 2, 3, 6, 10, 11):
        ws.write_merge(head, head + 1, c, c, GROUP[c])
    for c, v in enumerate(LEAVES):
        if v is not None:
            ws.write(head + 1, c, v)
    for r, row in enumerate(ROWS, head + 2):
        for c, v in enumerate(row):
            if v is None:
                continue
            if v == "ERROR":
                ws.row(r).set_cell_error(c, "#VALUE!")
            elif isinstance(v, dt.date):
                ws.write(r, c, v, datefmt)
            else:
                ws.write(r, c, v)
    hol = wb.add_sheet("Ngày lễ")
    for i, d in enumerate(HOLIDAYS):
        hol.write(i, 0, d, datefmt)
    wb.save(str(path))
    return path


@pytest.fixture
def books(tmp_path):
    return read_workbook(_xlsx(tmp_path / "so.xlsx")), read_workbook(_xls(tmp_path / "so.xls"))


def assert_reads_alike(x, other) -> None:
    """`other` (the same book in another format) read like the .xlsx `x`: sheets and their roles,
    header rows, columns with their fields and kinds, holidays, legacy encoding, notes."""
    assert other.data_sheets == x.data_sheets == ["Theo dõi"]
    assert [(s.name, s.role, s.header_rows, s.first_data_row) for s in other.sheets] == \
        [(s.name, s.role, s.header_rows, s.first_data_row) for s in x.sheets]
    assert [(c.letter, c.header, c.field, c.kind) for c in other.columns["Theo dõi"]] == \
        [(c.letter, c.header, c.field, c.kind) for c in x.columns["Theo dõi"]]
    assert other.holidays == x.holidays == HOLIDAYS
    assert other.legacy_encoding == x.legacy_encoding == "tcvn3"
    assert [r.note for r in other.rows] == [r.note for r in x.rows]


def test_xls_reads_like_the_xlsx(books):
    x, old = books
    assert_reads_alike(x, old)
    assert old.sheets[0].header_rows == (4, 5)
    assert old.titles == x.titles
    assert old.cases() == x.cases()
    assert [r.warnings for r in old.rows[:2]] == [r.warnings for r in x.rows[:2]]


def assert_sample_values(cases) -> None:
    """The three cases of the test book as read from any of its formats."""
    c1, c2, c3 = cases
    assert c1["name"] == "Nguyễn Văn Đức"  # TCVN3 converted
    assert c1["accepted"] == "2024-03-05"  # Excel serial number
    assert c1["notice_vks_received"] == "2024-03-07"  # "ngày 7 tháng 3 năm 2024"
    assert c1["decision_date"] == "2024-03-20"  # a date cell
    assert c1["outcome"] == "Áp dụng" and c1["term_months"] == 18 and c1["measure"] == "CSCNBB"
    assert c2["name"] == "Trần Thị Lan" and c2["accepted"] == "2024-03-06" and c2["notice_vks_received"] == "2024-03-08"
    assert c3["accepted"] == "2024-03-07"
    assert c3["notice_vks_received"] is None  # the error cell ("#VALUE!") is not data, in every format


def test_xls_values(books):
    _x, old = books
    cases = old.cases()
    assert_sample_values(cases)
    assert cases[1]["decision_date"] == "2024-03-20" and cases[1]["outcome"] == "Không áp dụng"


def test_error_cells_are_detected_in_xlsx_only(books):
    """The documented limit: calamine gives an .xls error cell as blank, without saying so."""
    x, old = books
    letter = next(c.letter for c in x.columns["Theo dõi"] if c.field == "notice_vks_received")
    assert x.rows[2].errors == {letter: "#VALUE!"}
    assert any("#VALUE!" in w for w in x.rows[2].warnings)
    assert old.rows[2].errors == {}
    assert not any("#VALUE!" in w for w in old.rows[2].warnings)


def imported_alike(actor, tmp_path, makers) -> dict:
    """Import each book (name → maker) into an empty register; the flat cases of each."""
    from kiemsat.cases.export import flat_cases
    from kiemsat.cases.models import Case
    from kiemsat.imports.models import ImportBatch
    from kiemsat.imports.services import import_workbook

    got = {}
    for name, make in makers.items():
        report = import_workbook(make(tmp_path / name), actor=actor)
        assert report.counts["imported"] == 3 and report.counts["skipped"] == 0
        got[name] = sorted(flat_cases(), key=lambda o: o["so_thu_ly"])
        Case.objects.all().delete()
        ImportBatch.objects.all().delete()
    return got


def test_an_xls_book_imports_like_the_xlsx(db, users, tmp_path):
    got = imported_alike(users["leader"], tmp_path, {"so.xlsx": _xlsx, "so.xls": _xls})
    assert got["so.xls"] == got["so.xlsx"]
    assert got["so.xls"][0]["name"] == "Nguyễn Văn Đức"
