"""The register back to Excel, in the layout a unit's clerk knows: title rows, a "Tính đến ngày"
cell, one Vietnamese header row (frozen, with filters), one row per case with the columns of the
flat view, dates as real date cells shown dd/mm/yyyy, sensible widths. The file reads back
through the importer to the same flat cases."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter
from django.db.models import QuerySet

from kiemsat.cases.export import flat_case
from kiemsat.cases.models import Case, Event
from kiemsat.domain.events import FLAT_EVENT_FIELDS, MEASURE_SHORT, Measure

from .fields import FIELD_LABELS, FLAT_ORDER

TITLE = "SỔ THEO DÕI KIỂM SÁT VIỆC ÁP DỤNG BIỆN PHÁP XỬ LÝ HÀNH CHÍNH TẠI TÒA ÁN"
_DATE_KEYS = frozenset(k for k, (_c, a) in FLAT_EVENT_FIELDS.items() if a in ("date", "received"))
_WIDTHS = {"name": 24, "address": 30, "measure": 20, "proposer": 26, "so_thu_ly": 20, "decision_no": 20,
           "outcome": 16, "vks_proposal": 34, "staff": 20, "note": 36}


def _cases_with_events(qs: QuerySet[Case]) -> list[tuple[Case, list[Event]]]:
    qs = qs.select_related("proposer", "assigned_to").order_by("year", "thu_ly_date", "id")
    cases = list(qs)
    events: dict[int, list[Event]] = {}
    for ev in Event.objects.filter(case__in=[c.pk for c in cases]).order_by("id"):
        events.setdefault(ev.case_id, []).append(ev)
    return [(c, events.get(c.pk, [])) for c in cases]


def _cell(key: str, v):
    if v is None or v == "":
        return None
    if key in _DATE_KEYS:
        return dt.date.fromisoformat(v)
    if key == "measure":
        try:
            return MEASURE_SHORT[Measure(v)]
        except ValueError:
            return v
    if key == "complex":
        return "x" if v else None
    if key == "ksv_present":
        return "Có mặt" if v else "Vắng mặt"
    return v


def export_register(qs: QuerySet[Case], *, unit_name: str = "", as_of: dt.date | None = None,
                    subtitle: str = "") -> bytes:
    """The cases of `qs` as an .xlsx workbook (bytes)."""
    rows = _cases_with_events(qs)
    flats = [(c, flat_case(c, evs)) for c, evs in rows]
    present = set().union(*(f.keys() for _c, f in flats)) if flats else set(FLAT_ORDER)
    keys = [k for k in FLAT_ORDER if k in present]
    columns = ["stt", *keys, "note"]

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "default_date_format": "dd/mm/yyyy"})
    wb.set_properties({"title": TITLE, "comments": "Xuất từ phần mềm kiemsat"})
    base = {"font_name": "Times New Roman", "font_size": 11, "valign": "top"}
    f_unit = wb.add_format({**base, "bold": True})
    f_title = wb.add_format({**base, "bold": True, "font_size": 14})
    f_asof = wb.add_format({**base, "italic": True})
    f_asof_date = wb.add_format({**base, "italic": True, "num_format": "dd/mm/yyyy", "align": "left"})
    f_head = wb.add_format({**base, "bold": True, "text_wrap": True, "align": "center", "valign": "vcenter",
                            "border": 1, "bg_color": "#F2DCDB"})
    f_text = wb.add_format({**base, "text_wrap": True, "border": 1})
    f_date = wb.add_format({**base, "num_format": "dd/mm/yyyy", "border": 1, "align": "center"})
    f_num = wb.add_format({**base, "border": 1, "align": "center"})
    ws = wb.add_worksheet("Sổ theo dõi")
    ws.hide_gridlines(2)
    ws.write(0, 0, (unit_name or "").upper(), f_unit)
    ws.write(1, 0, TITLE + (f" – {subtitle}" if subtitle else ""), f_title)
    ws.write(2, 0, "Tính đến ngày:", f_asof)
    ws.write_datetime(2, 1, dt.datetime.combine(as_of or dt.date.today(), dt.time()), f_asof_date)
    head = 4
    ws.set_row(head, 45)
    for j, key in enumerate(columns):
        ws.write(head, j, FIELD_LABELS[key], f_head)
        width = 6 if key == "stt" else _WIDTHS.get(key, 13 if key in _DATE_KEYS else 12)
        ws.set_column(j, j, width)
    for i, (case, flat) in enumerate(flats, 1):
        r = head + i
        for j, key in enumerate(columns):
            if key == "stt":
                ws.write_number(r, j, i, f_num)
                continue
            if key == "note":
                v = case.notes or None
            else:
                v = _cell(key, flat.get(key))
            if v is None:
                ws.write_blank(r, j, None, f_text)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, j, dt.datetime.combine(v, dt.time()), f_date)
            elif isinstance(v, bool):
                ws.write_string(r, j, "x" if v else "", f_text)
            elif isinstance(v, (int, float)):
                ws.write_number(r, j, v, f_num)
            else:
                ws.write_string(r, j, str(v), f_text)
    ws.freeze_panes(head + 1, 2)
    ws.autofilter(head, 0, head + max(len(flats), 1), len(columns) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(head)
    wb.close()
    return buf.getvalue()


def export_report(batch) -> bytes:
    """The row-by-row report of an import, as .xlsx."""
    from .fields import label

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    base = {"font_name": "Times New Roman", "font_size": 11, "valign": "top"}
    f_title = wb.add_format({**base, "bold": True, "font_size": 13})
    f_head = wb.add_format({**base, "bold": True, "border": 1, "bg_color": "#F2DCDB", "text_wrap": True})
    f_text = wb.add_format({**base, "border": 1, "text_wrap": True})
    ws = wb.add_worksheet("Báo cáo nhập sổ")
    ws.write(0, 0, f"BÁO CÁO NHẬP SỔ EXCEL: {batch.file_name}", f_title)
    ws.write(1, 0, f"{batch.imported} nhập mới, {batch.updated} cập nhật, {batch.existing} đã có, "
                   f"{batch.skipped} bỏ qua; {batch.with_warnings} dòng có cảnh báo")
    heads = ["Trang", "Dòng", "Kết quả", "Họ và tên", "Số thụ lý", "Lý do / cảnh báo", "Thay đổi", "Xung đột"]
    widths = [14, 7, 12, 24, 20, 60, 40, 40]
    for j, (h, w) in enumerate(zip(heads, widths, strict=True)):
        ws.write(3, j, h, f_head)
        ws.set_column(j, j, w)
    for i, r in enumerate(batch.rows.all().order_by("id"), 4):
        notes = "\n".join([x for x in [r.reason if r.status == "skipped" else "", *r.warnings] if x])
        upd = "\n".join(f"{label(k)}: {v[0]} → {v[1]}" for k, v in (r.changes.get("updated") or {}).items())
        conf = "\n".join(f"{label(k)}: sổ {v.get('book')} / phần mềm {v.get('app')}"
                         for k, v in (r.changes.get("conflicts") or {}).items())
        for j, v in enumerate([r.sheet, r.row_number, r.get_status_display(), r.person_name, r.so_thu_ly, notes, upd,
                               conf]):
            ws.write(i, j, v, f_text)
    ws.freeze_panes(4, 0)
    ws.autofilter(3, 0, 3 + max(batch.rows.count(), 1), len(heads) - 1)
    wb.close()
    return buf.getvalue()


def export_reconciliation(result) -> bytes:
    """The reconciliation table (book's flags vs engine findings) as .xlsx."""
    from kiemsat.domain import dates as vdates

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    base = {"font_name": "Times New Roman", "font_size": 11, "valign": "top"}
    f_title = wb.add_format({**base, "bold": True, "font_size": 13})
    f_head = wb.add_format({**base, "bold": True, "border": 1, "bg_color": "#F2DCDB", "text_wrap": True})
    f_text = wb.add_format({**base, "border": 1, "text_wrap": True})
    f_bad = wb.add_format({**base, "border": 1, "text_wrap": True, "bg_color": "#FCE4D6"})
    ws = wb.add_worksheet("Đối chiếu")
    ws.write(0, 0, f"ĐỐI CHIẾU CẢNH BÁO CỦA SỔ VỚI PHẦN MỀM: {result.batch.file_name}", f_title)
    ws.write(1, 0, f"Tính đến ngày {vdates.fmt(result.as_of)}")
    heads = ["Dòng", "Họ và tên", "Số thụ lý", "Nội dung", "Sổ ghi", "Phần mềm", "Kết quả đối chiếu", "Lý do", "Cách tính"]
    widths = [7, 24, 20, 22, 16, 26, 14, 60, 60]
    for j, (h, w) in enumerate(zip(heads, widths, strict=True)):
        ws.write(3, j, h, f_head)
        ws.set_column(j, j, w)
    i = 4
    for rr in result.rows:
        for res in rr.results:
            fmt = f_text if res.agrees else f_bad
            for j, v in enumerate([rr.row.row_number, rr.row.person_name, rr.row.so_thu_ly, res.check.title, res.book,
                                   res.engine, res.label, "\n".join(res.reasons), res.explanation]):
                ws.write(i, j, v, fmt)
            i += 1
    ws.freeze_panes(4, 0)
    ws.autofilter(3, 0, max(i - 1, 4), len(heads) - 1)
    wb.close()
    return buf.getvalue()
