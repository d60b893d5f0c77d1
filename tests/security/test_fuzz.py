"""Fuzzing with hypothesis: > 10,000 generated inputs in all, no unhandled exception.

- the date parser and the Vietnamese legacy-text decoder (any text, any cell value),
- the workbook reader (generated .xlsx books, and damaged / foreign files: WorkbookError only),
- the case and event forms (any field values), and the case form through the real view + service
  (a clear form error or a saved case — never a 500)."""

import datetime as dt
import io
import random

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings, strategies as st

from kiemsat.cases.forms import CaseForm, EventForm
from kiemsat.domain import dates, vntext
from kiemsat.domain.events import EVENT_TYPES
from kiemsat.domain.workbook import WorkbookError, read_workbook

# examples × inputs per example: 1000×5 dates + 1000×4 texts + 100 books + 500 case forms + 600 event forms
# + 50 posts = 10,250 generated inputs
FAST = settings(max_examples=1000, deadline=None, derandomize=True)
DB = settings(max_examples=500, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

vn_letters = st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯáàảãạấầẩẫậéèẻẽẹíìỉĩịóòỏõọúùủũụýỳỷỹỵ"))
legacy = st.text(alphabet=st.sampled_from([chr(c) for c in range(0x20, 0x100)]), max_size=40)
date_like = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789/-. ", max_size=14),
    st.builds(lambda d, m, y, sep: f"{d}{sep}{m}{sep}{y}", st.integers(-5, 40), st.integers(-2, 15),
              st.integers(-1, 10000), st.sampled_from(["/", "-", ".", " ", ""])),
    st.builds(lambda d, m, y: f"ngày {d} tháng {m} năm {y}", st.integers(0, 40), st.integers(0, 14), st.integers(0, 3000)),
    st.integers(-10**7, 10**7), st.floats(allow_nan=True, allow_infinity=True), st.dates(), st.none(),
    st.datetimes(),
)


@FAST
@given(st.lists(date_like, min_size=5, max_size=5), st.booleans())
def test_parse_date_never_crashes(values, date1904):
    for value in values:
        r = dates.parse_date(value, date1904=date1904)
        assert r.value is None or isinstance(r.value, dt.date)
        dates.parse_year(value)


@FAST
@given(st.lists(st.one_of(legacy, st.text(max_size=40), st.text(vn_letters, max_size=30)), min_size=4, max_size=4))
def test_legacy_decoder_never_crashes(texts):
    for s in texts:
        out = vntext.to_unicode(s)
        assert isinstance(out, str)
        assert isinstance(vntext.decode_tcvn3(s), str) and isinstance(vntext.decode_vni(s), str)
        vntext.detect_legacy(s)
        vntext.fold(out)
        vntext.sort_key(out)
        vntext.tidy_name(out)


HEADERS = ["STT", "Họ và tên", "Họ tên", "Năm sinh", "Ngày sinh", "Nơi cư trú", "Biện pháp", "Số thụ lý", "Ngày thụ lý",
           "Ngày nhận hồ sơ", "Ngày QĐ", "Quyết định", "Kết quả", "Thời hạn", "Ghi chú", "KSV", "Cơ quan đề nghị", ""]
cell = st.one_of(st.none(), st.text(max_size=25), st.integers(-10**6, 10**6),
                 st.floats(allow_nan=False, allow_infinity=False, width=32), st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
                 st.sampled_from(["CSCNBB", "GDBB", "TGD", "Có mặt", "x", "12 tháng", "05/03/2024", "Nguyễn Văn Đức", "=1+1"]))


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=10),
       st.lists(st.lists(cell, max_size=10), max_size=8), st.integers(0, 3), st.sampled_from(["ok", "cut", "junk"]),
       st.integers(0, 10**6))
def test_workbook_reader_reads_or_refuses_clearly(tmp_path_factory, headers, rows, title_rows, damage, seed):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(title_rows):
        ws.append([f"SỔ THEO DÕI {i}"])
    ws.append(headers)
    for r in rows:  # what Excel itself can hold: no control characters in a cell
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    rnd = random.Random(seed)
    if damage == "cut":
        data = data[: rnd.randint(0, len(data) - 1)]
    elif damage == "junk":
        data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 600)))
    path = tmp_path_factory.mktemp("wb") / "so.xlsx"
    path.write_bytes(data)
    try:
        reading = read_workbook(path)
    except WorkbookError as exc:
        assert str(exc)
        return
    for sheet_rows in [reading.rows] if hasattr(reading, "rows") else []:
        list(sheet_rows)


form_text = st.one_of(st.text(max_size=40), st.sampled_from(["", " ", "05/03/2024", "31/02/2024", "2024", "abc", "-1",
                                                             "99999999999999999999", "Nguyễn Văn Đức", "<script>", "\x00"]))
CODES = [t.code for t in EVENT_TYPES]


@pytest.fixture
def ctx(users, court, agency):
    return {"unit": users["leader"].unit, "court": court, "agency": agency, "staff": users["prosecutor"]}


@DB
@given(st.fixed_dictionaries({}, optional={k: form_text for k in [
    "person_name", "birth_year", "birth_date", "sex", "residence", "id_number", "measure", "proposer", "court",
    "assigned_to", "vks_proposal", "complex", "notes"]}))
def test_case_form_never_crashes(ctx, data):
    form = CaseForm(data, unit=ctx["unit"], can_assign=True)
    if form.is_valid():
        assert form.cleaned_data["person_name"]
    else:
        assert form.errors


@settings(max_examples=600, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.fixed_dictionaries({"code": st.one_of(st.sampled_from(CODES), form_text)},
                             optional={k: form_text for k in ["date", "received", "end", "number", "outcome",
                                                              "term_months", "prosecutor_present", "appeal_result", "note"]}),
       st.booleans())
def test_event_form_never_crashes(db, data, restricted):
    form = EventForm(data, codes=CODES[:5] if restricted else None)
    assert form.is_valid() or form.errors


@settings(max_examples=50, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.fixed_dictionaries({"person_name": form_text, "measure": st.sampled_from(["CSCNBB", "GDBB", "TGD", "x", ""])},
                             optional={k: form_text for k in ["birth_year", "birth_date", "sex", "id_number", "notes", "court"]}))
def test_case_create_view_answers_every_post_without_500(client, users, ctx, data):
    client.force_login(users["leader"])
    r = client.post(reverse("case_create"), data)
    assert r.status_code in (200, 302), r.status_code
