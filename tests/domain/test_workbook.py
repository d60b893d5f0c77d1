"""Reading units' workbooks: the two shared samples exactly, and books built here in code."""

from __future__ import annotations

import datetime as dt
import inspect
import json
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from kiemsat.domain import workbook
from kiemsat.domain.events import FLAT_CASE_FIELDS, FLAT_EVENT_FIELDS
from kiemsat.domain.workbook import (
    WorkbookError,
    map_headers,
    measure_code,
    normalise_header,
    outcome_label,
    parse_mark,
    parse_months,
    parse_presence,
    read_workbook,
)

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
BOOKS = ["so-theo-doi-xlhc-2024", "so-theo-doi-xlhc-2022-2025"]
D = dt.date


# --- the shared samples ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BOOKS)
def sample(request):
    name = request.param
    if not (SAMPLES / f"{name}.xlsx").exists():
        pytest.skip("shared samples not available")
    reading = read_workbook(SAMPLES / f"{name}.xlsx")
    expected = json.loads((SAMPLES / f"{name}.cases.json").read_text(encoding="utf-8"))
    return name, reading, expected


def test_sample_cases_exact(sample):
    _name, reading, expected = sample
    got = reading.cases()
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert g == e, f"case {i + 1}"
        assert list(g) == list(e)  # same keys, same order


def test_sample_keys_are_the_flat_view(sample):
    name, reading, expected = sample
    keys = set(expected[0])
    assert keys <= set(FLAT_CASE_FIELDS) | set(FLAT_EVENT_FIELDS)
    assert ("archived" in reading.fields) == (name.endswith("2024"))
    assert "archived" in reading.tracked_events or name.endswith("2025")


def test_sample_book_structure(sample):
    name, reading, _e = sample
    roles = {s.name: s.role for s in reading.sheets}
    assert roles["Ngày lễ"] == "holidays" and roles["Tổng hợp"] == "summary"
    assert len(reading.data_sheets) == 1
    data = next(s for s in reading.sheets if s.role == "data")
    if name.endswith("2024"):
        assert reading.as_of == D(2024, 12, 31)
        assert data.header_rows == (4, 5)
        assert len(reading.holidays) == 22
    else:
        assert reading.as_of == D(2025, 6, 30)
        assert data.header_rows == (4,)
        assert len(reading.holidays) == 45
    assert reading.rows[0].row == data.first_data_row
    assert reading.legacy_encoding is None


def test_sample_flags_errors_notes_kept_apart(sample):
    name, reading, _e = sample
    flags = {k for r in reading.rows for k in r.flags}
    assert {"flag_notice_late", "flag_decision_late", "limitation_expiry", "execution_status"} <= flags
    formula_cols = {c.field for c in reading.columns[reading.data_sheets[0]] if c.formula}
    assert formula_cols == {"flag_notice_late", "flag_decision_late", "limitation_expiry", "execution_status"}
    errors = [(r.row, col) for r in reading.rows for col in r.errors]
    assert errors and all(reading.rows[0].errors.get(c) in (None, "#VALUE!") for c in reading.rows[0].errors)
    assert any(r.flags.get("flag_notice_late") == "Vi phạm" for r in reading.rows)
    notes = [r.note for r in reading.rows if r.note]
    assert "Đối tượng bỏ trốn khỏi địa phương" in notes
    for r in reading.rows:  # a note never becomes data
        assert "note" not in r.flat()
    if name.endswith("2024"):
        first = reading.rows[0]
        assert first.errors == {"Z": "#VALUE!", "AD": "#VALUE!", "AE": "#VALUE!"}
        assert first.extras["scan"].endswith("HS_001.pdf")


def test_sample_performance(sample):
    import time

    name, _r, _e = sample
    t = time.perf_counter()
    read_workbook(SAMPLES / f"{name}.xlsx")
    assert time.perf_counter() - t < 2.0


# --- small readers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Cai nghiện bắt buộc", "CSCNBB"),
        ("Đưa vào cơ sở cai nghiện bắt buộc", "CSCNBB"),
        ("CNBB", "CSCNBB"),
        ("cs cai nghiện", "CSCNBB"),
        ("Cơ sở giáo dục bắt buộc", "CSGDBB"),
        ("GDBB", "CSGDBB"),
        ("Đưa vào trường giáo dưỡng", "TGD"),
        ("TGD", "TGD"),
        ("Đưa người từ đủ 12 đến dưới 18 tuổi vào cơ sở cai nghiện bắt buộc", "CSCNBB_MINOR"),
        ("Cai nghiện bắt buộc (người chưa thành niên)", "CSCNBB_MINOR"),
        ("", ""),
        ("Phạt tiền", ""),
    ],
)
def test_measure_code(text, code):
    assert measure_code(text) == code


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Áp dụng", "Áp dụng"),
        ("áp dụng 24 tháng", "Áp dụng"),
        ("KHÔNG ÁP DỤNG", "Không áp dụng"),
        ("Đình chỉ", "Đình chỉ"),
        ("Tạm đình chỉ", "Tạm đình chỉ"),
        ("GD dựa vào cộng đồng", "Giáo dục dựa vào cộng đồng"),
        ("", ""),
        ("Chờ kết quả", "Chờ kết quả"),
    ],
)
def test_outcome_label(text, label):
    assert outcome_label(text) == label


@pytest.mark.parametrize(
    ("v", "months"),
    [(24.0, 24), (18, 18), ("18 tháng", 18), ("18 th", 18), ("1 năm", 12), ("2 năm", 24),
     ("1 năm 6 tháng", 18), ("12", 12), ("", None), (None, None), ("lâu", None)],
)
def test_parse_months(v, months):
    assert parse_months(v) == months


@pytest.mark.parametrize(
    ("v", "present"),
    [("x", True), ("X", True), ("Có", True), ("có mặt", True), ("Vắng", False), ("vắng mặt", False),
     ("không", False), ("", None), (None, None), (1, True)],
)
def test_parse_presence(v, present):
    assert parse_presence(v) is present


@pytest.mark.parametrize(("v", "mark"), [("x", True), ("X", True), ("có", True), ("Phức tạp", True),
                                          ("", False), (None, False), ("không", False), (0, False)])
def test_parse_mark(v, mark):
    assert parse_mark(v) is mark


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Họ và tên", "name"),
        ("HỌ TÊN ĐỐI TƯỢNG", "name"),
        ("Người bị đề nghị", "name"),
        ("Số TL", "so_thu_ly"),
        ("Ngày TL", "accepted"),
        ("Ngày TA nhận HS", "court_received"),
        ("Ngày Tòa nhận hồ sơ", "court_received"),
        ("Ngày VKS nhận TB TL", "notice_vks_received"),
        ("Ngày ra TBTL", "notice_date"),
        ("Ngày QĐ mở PH", "session_order"),
        ("Ngày mở PH", "session_date"),
        ("KSV tham dự", "ksv_present"),
        ("Số QĐ", "decision_no"),
        ("Ngày QĐ", "decision_date"),
        ("Ngày VKS nhận QĐ", "decision_vks_received"),
        ("Ngày CA nhận QĐ", "police_received"),
        ("Ngày QĐ có HL", "effective_recorded"),
        ("Phòng LĐ-TB&XH nhận", "ldtb_received"),
        ("Ngày LĐTBXH chuyển TA", "ldtb_transferred"),
        ("Loại BPXLHC", "measure"),
        ("KSV, KTV thụ lý", "staff"),
        ("Cán bộ theo dõi", "staff"),
        ("Ngày nộp lưu HSKS", "archived"),
        ("Ghi chú", "note"),
        ("Vi phạm TBTL", "flag_notice_late"),
        ("Hết thời hiệu", "limitation_expiry"),
    ],
)
def test_header_synonyms(header, field):
    got = map_headers([normalise_header(header)])
    assert got.get(0) == field


def test_header_mapping_takes_each_field_once():
    heads = ["STT", "Họ tên", "Họ và tên bị đề nghị", "Số thụ lý"]
    got = map_headers([normalise_header(h) for h in heads])
    assert list(got.values()).count("name") == 1


# --- books built in code -----------------------------------------------------------------------------

TCVN3_NAME = "NguyÔn V¨n §øc"  # Nguyễn Văn Đức, typed with ABC / .VnTime
VNI_NAME = "Traàn Thò Thu Haèng"  # Trần Thị Thu Hằng, typed with VNI-Times


def _other_unit_book(path: Path, *, date1904: bool = False) -> Path:
    """Another unit's book: one header row, its own wording and order, title rows, a blank row,
    mixed date forms, legacy-encoded and ALL-CAPS names, an error cell, a footer row."""
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "DS 2025"
    ws["A1"] = "VIỆN KIỂM SÁT NHÂN DÂN KHU VỰC 3"
    ws["A2"] = "DANH SÁCH THEO DÕI ÁP DỤNG BPXLHC"
    ws["A3"] = "Tính đến ngày 30/06/2025"
    # row 4 blank
    headers = ["TT", "Số TL", "Ngày TL", "Họ tên đối tượng", "Năm sinh", "Loại BP", "Ngày TA nhận HS",
               "Ngày VKS nhận TB TL", "Ngày mở PH", "KSV tham dự", "Kết quả", "Thời hạn",
               "Ngày QĐ", "Ghi chú", "Cột lạ"]
    ws.append([])
    ws.append(headers)  # row 5
    serial = 45778 - (1462 if date1904 else 0)  # 2025-05-01
    rows = [
        [1, "01/2025/TLHS-XLHC", "5/3/25", TCVN3_NAME, "1990", "CNBB", D(2025, 3, 3),
         "ngày 7 tháng 3 năm 2025", "12.03.2025", "x", "áp dụng", "18 tháng", D(2025, 3, 12),
         "đối tượng bỏ trốn", "abc"],
        [2, "02/2025/TLHS-XLHC", serial, VNI_NAME, 1985, "Giáo dục bắt buộc", "2025-04-28",
         "#VALUE!", "05-05-2025", "vắng mặt", "KHÔNG ÁP DỤNG", "", "05/05/2025", None, None],
        [3, "03/2025/TLHS-XLHC", "10/06/2025", "  LÊ THỊ  MAI ", "2008", "Trường giáo dưỡng",
         "12/06/2025", "11/06/2025", None, None, None, "1 năm", None, None, None],
        [None, None, None, None, None, None, None, None, None, None, None, None, None, None, None],
        [None, "Tổng cộng: 3", None, None, None, None, None, None, None, None, None, None, None, None, None],
    ]
    for r in rows:
        ws.append(r)
    # the out-of-order date: accepted (row 3) 10/06 before court received 12/06
    hol = wb.create_sheet("Ngày nghỉ")
    hol.append([D(2025, 4, 30)])
    hol.append([D(2025, 5, 1)])
    summ = wb.create_sheet("Thống kê")
    summ.append(["Chỉ tiêu", "Số lượng"])
    summ.append(["CNBB", "=COUNTIF('DS 2025'!F6:F8,\"CNBB\")"])
    out = path / ("other1904.xlsx" if date1904 else "other.xlsx")
    wb.save(out)
    return out


def test_other_unit_book(tmp_path):
    r = read_workbook(_other_unit_book(tmp_path))
    assert r.data_sheets == ["DS 2025"]
    assert {s.name: s.role for s in r.sheets} == {"DS 2025": "data", "Ngày nghỉ": "holidays", "Thống kê": "summary"}
    assert r.holidays == [D(2025, 4, 30), D(2025, 5, 1)]
    assert r.as_of == D(2025, 6, 30)
    sheet = r.sheets[0]
    assert sheet.header_rows == (5,) and sheet.first_data_row == 6
    assert [x.row for x in r.rows] == [6, 7, 8]
    assert r.skipped == [("DS 2025", 10, "dòng tổng cộng / chữ ký")]
    c1, c2, c3 = r.cases()
    assert list(c1) == ["so_thu_ly", "accepted", "name", "birth_year", "measure", "court_received",
                        "notice_vks_received", "session_date", "ksv_present", "outcome", "term_months",
                        "decision_date"]
    assert c1 == {
        "so_thu_ly": "01/2025/TLHS-XLHC", "accepted": "2025-03-05", "name": "Nguyễn Văn Đức",
        "birth_year": 1990, "measure": "CSCNBB", "court_received": "2025-03-03",
        "notice_vks_received": "2025-03-07", "session_date": "2025-03-12", "ksv_present": True,
        "outcome": "Áp dụng", "term_months": 18, "decision_date": "2025-03-12",
    }
    assert c2["name"] == "Trần Thị Thu Hằng"
    assert c2["accepted"] == "2025-05-01"  # a serial number
    assert c2["court_received"] == "2025-04-28"  # ISO text
    assert c2["notice_vks_received"] is None  # the #VALUE! cell is not data
    assert c2["ksv_present"] is False and c2["outcome"] == "Không áp dụng" and c2["term_months"] is None
    assert c2["measure"] == "CSGDBB"
    assert c3["name"] == "Lê Thị Mai" and c3["measure"] == "TGD" and c3["term_months"] == 12
    assert c3["ksv_present"] is None and c3["outcome"] == ""
    row1, row2, row3 = r.rows
    assert row1.note == "đối tượng bỏ trốn" and "note" not in c1
    assert row1.extras == {"stt": 1, "Cột lạ": "abc"}
    assert row2.errors == {"H": "#VALUE!"}
    assert any("#VALUE!" in w for w in row2.warnings)
    assert any("Ngày thụ lý" in w and "10/06/2025" in w for w in row3.warnings)  # out of order
    assert r.legacy_encoding in ("tcvn3", "vni")
    assert r.tracked_events >= {"accepted", "court_received", "session_held", "decision"}


def test_1904_book(tmp_path):
    r = read_workbook(_other_unit_book(tmp_path, date1904=True))
    assert r.date1904
    c = r.cases()
    assert c[1]["accepted"] == "2025-05-01"  # serial read in the 1904 system
    assert c[0]["court_received"] == "2025-03-03"  # a date cell is a date in either system


def _two_row_book(path: Path) -> Path:
    """Two header rows with merged groups, columns in another order than the samples."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sổ thụ lý"
    ws["A1"] = "SỔ THEO DÕI"
    ws.append([])
    ws.append(["Số thụ lý", "Người bị đề nghị", "Quyết định", None, None, "Thụ lý", None,
               "Phiên họp", None, "Biện pháp"])
    ws.append([None, None, "Số", "Ngày", "Kết quả", "Ngày", "Phức tạp", "Ngày QĐ mở", "Ngày họp", None])
    for rng in ("A3:A4", "B3:B4", "C3:E3", "F3:G3", "H3:I3", "J3:J4"):
        ws.merge_cells(rng)
    ws.append(["5/2024/TLHS", "phạm văn an", "7/2024/QĐ", D(2024, 5, 20), "Đình chỉ", D(2024, 5, 2),
               "x", D(2024, 5, 10), D(2024, 5, 20), "cai nghiện"])
    out = path / "two.xlsx"
    wb.save(out)
    return out


def test_two_header_rows_merged_groups(tmp_path):
    r = read_workbook(_two_row_book(tmp_path))
    assert r.sheets[0].header_rows == (3, 4)
    (c,) = r.cases()
    assert c == {
        "so_thu_ly": "5/2024/TLHS", "name": "Phạm Văn An", "decision_no": "7/2024/QĐ",
        "decision_date": "2024-05-20", "outcome": "Đình chỉ", "accepted": "2024-05-02", "complex": True,
        "session_order": "2024-05-10", "session_date": "2024-05-20", "measure": "CSCNBB",
    }
    assert r.mapping["Quyết định / Số"] == "decision_no"


def test_profile_overrides_mapping(tmp_path):
    path = _other_unit_book(tmp_path)
    r = read_workbook(path, profile={"Cột lạ": "address", "Ngày QĐ": None, "M": None})
    c1 = r.cases()[0]
    assert c1["address"] == "abc"
    assert "decision_date" not in c1
    col = next(c for c in r.columns["DS 2025"] if c.header == "Cột lạ")
    assert col.source == "profile"


def test_formula_column_is_not_data(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Số thụ lý", "Ngày thụ lý", "Ngày VKS nhận TB thụ lý", "Vi phạm"])
    ws.append([1, "Lê Văn Bình", "1/2025", D(2025, 1, 6), D(2025, 1, 9), '=IF(E2-D2>2,"Vi phạm","")'])
    ws.append([2, "Lê Văn Cường", "2/2025", D(2025, 1, 7), D(2025, 1, 8), '=IF(E3-D3>2,"Vi phạm","")'])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    r = read_workbook(path)
    col = r.columns[r.data_sheets[0]][-1]
    assert col.formula and col.header == "Vi phạm"
    assert all(set(row.flat()) == {"name", "so_thu_ly", "accepted", "notice_vks_received"} for row in r.rows)


def test_title_only_sheet_is_an_error(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "SỔ THEO DÕI VIỆC ÁP DỤNG BIỆN PHÁP XỬ LÝ HÀNH CHÍNH"
    path = tmp_path / "title.xlsx"
    wb.save(path)
    with pytest.raises(WorkbookError, match="Không tìm thấy trang dữ liệu"):
        read_workbook(path)


def test_corrupt_file_is_an_error(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(WorkbookError, match="Không đọc được"):
        read_workbook(path)
    with pytest.raises(WorkbookError):
        read_workbook(tmp_path / "missing.xlsx")


def test_module_has_no_django_import():
    assert "django" not in inspect.getsource(workbook)
