"""The report as files and data: chart data for the page, .xlsx (with native charts), .docx in the
Procuracy's report form (Nghị định 30/2020 layout), and JSON for `kiemsat report --json`.
Every figure comes from the `selectors.Report` the page shows."""

from __future__ import annotations

import datetime as dt
import io

from kiemsat.domain.dates import fmt
from kiemsat.domain.events import MEASURE_SHORT, OUTCOME_LABELS, Measure, Outcome
from kiemsat.legal.selectors import RESPONSIBLE_LABELS

from .selectors import BY_KEY, G_CASES, INDICATORS, MEASURES, NO_DATA, OUTCOME_KEYS, Report

# the Court's Mẫu 7A columns, by measure
TABLE_COLS = [
    ("carried", "Số cũ chuyển sang"), ("new", "Thụ lý mới"), ("total", "Tổng số phải giải quyết"),
    ("out_apply", "Áp dụng"), ("out_not_apply", "Không áp dụng"), ("out_terminate", "Đình chỉ"),
    ("out_suspend", "Tạm đình chỉ"), ("out_community", "Giáo dục dựa vào cộng đồng"),
    ("out_unknown", "Chưa ghi kết quả"), ("resolved", "Cộng đã giải quyết"), ("remaining", "Còn lại"),
    ("remaining_overdue", "Trong đó quá hạn"), ("returned", "Hồ sơ trả lại (tính riêng)"),
]
UNIT_COLS = ["carried", "new", "total", "resolved", "out_apply", "remaining", "remaining_overdue", "returned",
             "sessions", "sessions_present", "protests", "protests_decided", "protests_accepted", "protests_rate",
             "recommendations", "recommendations_accepted", "violations",
             "delivered", "not_delivered", "statute_expired"]


def _today() -> dt.date:
    from kiemsat.legal.services import local_today

    return local_today()


def n(v) -> str:
    """1234 → '1.234' (Vietnamese thousands); 66.7 → '66,7%'; None → 'chưa có dữ liệu'."""
    if v is None:
        return NO_DATA
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return f"{v:.1f}".replace(".", ",") + "%"
    return f"{v:,}".replace(",", ".")


def chart_data(rep: Report) -> dict:
    t = rep.total
    return {
        "trend": {"labels": [b["label"] for b in rep.trend], "new": [b["new"] for b in rep.trend],
                  "resolved": [b["resolved"] for b in rep.trend], "violations": [b["violations"] for b in rep.trend]},
        "measure": {"labels": [MEASURE_SHORT[Measure(m)] for m in MEASURES],
                    "new": [rep.by_measure[m].get("new", 0) for m in MEASURES],
                    "applied": [rep.by_measure[m].get("out_apply", 0) for m in MEASURES]},
        "outcome": {"labels": [OUTCOME_LABELS[o] for o in Outcome] + ["Chưa ghi kết quả"],
                    "values": [t[OUTCOME_KEYS[o]] for o in Outcome] + [t["out_unknown"]]},
        "body": {"labels": [RESPONSIBLE_LABELS.get(b, b) for b in rep.by_body],
                 "violation": [v["violation"] for v in rep.by_body.values()],
                 "overdue": [v["overdue"] for v in rep.by_body.values()]},
    }


def as_json(rep: Report) -> dict:
    return {
        "period": {"label": rep.period.label, "start": rep.period.start.isoformat(), "end": rep.period.end.isoformat()},
        "as_of": rep.as_of.isoformat(),
        "scope": rep.scope.label,
        "indicators": {i.key: {"label": i.label, "group": i.group, "value": rep.total.get(i.key), "counts": i.counts}
                       for i in INDICATORS},
        "by_measure": {m: {k: rep.by_measure[m].get(k, 0) for k, _ in TABLE_COLS} for m in MEASURES},
        "merged": rep.scope.merged,
        "by_unit": [{"unit": g.unit.name, "merged": [u.name for u in g.merged], **{k: row.get(k) for k in UNIT_COLS}}
                    for g, row in rep.by_unit],
        "violations": [{"rule": r.rule, "label": r.label, "responsible": r.responsible, "violation": r.violation,
                        "overdue": r.overdue} for r in rep.violation_rows],
        "trend": [{"label": b["label"], "start": b["start"].isoformat(), "end": b["end"].isoformat(), "new": b["new"],
                   "resolved": b["resolved"], "violations": b["violations"]} for b in rep.trend],
        "identities": [{"text": s, "ok": ok} for s, ok in rep.identities()],
    }


# ============================================================================= xlsx
def _col(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


RATE_PARTS = {"protests_rate": ("protests_accepted", "protests_decided"),
              "recommendations_rate": ("recommendations_accepted", "recommendations")}


def _unit_cell(ws, r: int, c: int, key: str, v, col_of: dict, F: dict, bold: bool = False) -> None:
    """One cell of the per-unit sheet: a count, a rate (a formula over the row's own cells, "—" when
    nothing was decided), or "chưa có dữ liệu"."""
    if key in RATE_PARTS and all(k in col_of for k in RATE_PARTS[key]):
        a, b = (f"{_col(col_of[k])}{r + 1}" for k in RATE_PARTS[key])
        cached = v / 100 if isinstance(v, float) else "—"
        ws.write_formula(r, c, f'=IF({b}=0,"—",{a}/{b})', F["bpct"] if bold else F["pct"], cached)
    elif v is None:
        ws.write(r, c, NO_DATA, F["nodata"])
    elif isinstance(v, str):
        ws.write(r, c, v, F["nodata"])
    else:
        ws.write_number(r, c, v, F["bold"] if bold else F["cell"])


def xlsx(rep: Report) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    F = {
        "title": wb.add_format({"bold": True, "font_size": 13}),
        "sub": wb.add_format({"italic": True}),
        "head": wb.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center", "border": 1,
                               "bg_color": "#F2F2F2"}),
        "cell": wb.add_format({"border": 1, "num_format": "#,##0"}),
        "bold": wb.add_format({"border": 1, "bold": True, "num_format": "#,##0"}),
        "text": wb.add_format({"border": 1, "text_wrap": True, "valign": "top"}),
        "btext": wb.add_format({"border": 1, "bold": True, "text_wrap": True, "valign": "top"}),
        "nodata": wb.add_format({"border": 1, "italic": True, "font_color": "#6C757D"}),
        "pct": wb.add_format({"border": 1, "num_format": "0.0%"}),
        "bpct": wb.add_format({"border": 1, "bold": True, "num_format": "0.0%"}),
    }

    def header(ws, title):
        ws.write(0, 0, title, F["title"])
        ws.write(1, 0, f"{rep.scope.label} – {rep.period.label}", F["sub"])
        ws.write(2, 0, f"Số liệu tính đến ngày {fmt(rep.as_of)}; lập ngày {fmt(_today())}", F["sub"])

    # --- the Mẫu 7A-like table and the other indicators
    ws = wb.add_worksheet("Báo cáo")
    header(ws, "BÁO CÁO THỐNG KÊ KIỂM SÁT VIỆC ÁP DỤNG BIỆN PHÁP XỬ LÝ HÀNH CHÍNH TẠI TÒA ÁN")
    r0 = 4
    ws.write(r0, 0, "Biện pháp", F["head"])
    for c, (_k, label) in enumerate(TABLE_COLS, start=1):
        ws.write(r0, c, label, F["head"])
    ws.set_row(r0, 45)
    col = {k: c for c, (k, _l) in enumerate(TABLE_COLS, start=1)}
    first = r0 + 1
    for i, m in enumerate(MEASURES):
        r = first + i
        row = rep.by_measure[m]
        ws.write(r, 0, MEASURE_SHORT[Measure(m)], F["text"])
        for k, c in col.items():
            v = row.get(k, 0)
            x = f"{_col(col['carried'])}{r + 1}+{_col(col['new'])}{r + 1}"
            if k == "total":  # Mẫu 7A: cột 4 = cột 2 + cột 3
                ws.write_formula(r, c, f"={x}", F["cell"], v)
            elif k == "resolved":
                ws.write_formula(r, c, f"=SUM({_col(col['out_apply'])}{r + 1}:{_col(col['out_unknown'])}{r + 1})",
                                 F["cell"], v)
            elif k == "remaining":  # cột 10 = cột 4 − cột 9
                ws.write_formula(r, c, f"={_col(col['total'])}{r + 1}-{_col(col['resolved'])}{r + 1}", F["cell"], v)
            else:
                ws.write_number(r, c, v, F["cell"])
    tr = first + len(MEASURES)
    ws.write(tr, 0, "Tổng cộng", F["btext"])
    for k, c in col.items():
        ws.write_formula(tr, c, f"=SUM({_col(c)}{first + 1}:{_col(c)}{tr})", F["bold"], rep.total.get(k) or 0)
    ws.set_column(0, 0, 30)
    ws.set_column(1, len(TABLE_COLS), 12)

    r = tr + 2
    ws.write(r, 0, "Chỉ tiêu", F["head"])
    ws.write(r, 1, "Số liệu", F["head"])
    ws.write(r, 2, "Đơn vị tính", F["head"])
    ws.write(r, 3, "Ghi chú", F["head"])
    group = None
    for ind, v in rep.indicators():
        if ind.group in (G_CASES,) and ind.key in col:
            continue
        r += 1
        if ind.group != group:
            group = ind.group
            ws.merge_range(r, 0, r, 3, group.upper(), F["btext"])
            r += 1
        ws.write(r, 0, ("   " * ind.indent) + ind.label, F["text"])
        if v is None or isinstance(v, str):
            ws.write(r, 1, n(v), F["nodata"])
        elif isinstance(v, float):
            ws.write_number(r, 1, v / 100, F["pct"])
        else:
            ws.write_number(r, 1, v, F["cell"])
        ws.write(r, 2, ind.counts, F["text"])
        ws.write(r, 3, ind.note, F["text"])

    # outcome pie, measure columns
    pie = wb.add_chart({"type": "pie"})
    oc = [k for k in ("out_apply", "out_not_apply", "out_terminate", "out_suspend", "out_community", "out_unknown")]
    pie.add_series({"name": "Kết quả giải quyết",
                    "categories": ["Báo cáo", r0, col[oc[0]], r0, col[oc[-1]]],
                    "values": ["Báo cáo", tr, col[oc[0]], tr, col[oc[-1]]], "data_labels": {"value": True}})
    pie.set_title({"name": "Kết quả giải quyết"})
    ws.insert_chart(r + 2, 0, pie, {"x_scale": 1.1, "y_scale": 1.1})
    bar = wb.add_chart({"type": "column"})
    for k in ("new", "out_apply"):
        bar.add_series({"name": ["Báo cáo", r0, col[k]], "categories": ["Báo cáo", first, 0, tr - 1, 0],
                        "values": ["Báo cáo", first, col[k], tr - 1, col[k]]})
    bar.set_title({"name": "Theo biện pháp"})
    ws.insert_chart(r + 2, 4, bar, {"x_scale": 1.3, "y_scale": 1.1})
    ws.freeze_panes(r0 + 1, 1)

    # --- violations
    wv = wb.add_worksheet("Vi phạm")
    header(wv, "VI PHẠM PHÁT HIỆN TRONG KỲ")
    heads = ["Quy tắc", "Nội dung", "Cơ quan chịu trách nhiệm", "Vi phạm (thực hiện chậm)",
             "Quá hạn (chưa thực hiện)", "Cộng"]
    for c, h in enumerate(heads):
        wv.write(4, c, h, F["head"])
    r = 4
    for vr in rep.violation_rows:
        r += 1
        wv.write(r, 0, vr.rule, F["text"])
        wv.write(r, 1, vr.label, F["text"])
        wv.write(r, 2, vr.body, F["text"])
        wv.write_number(r, 3, vr.violation, F["cell"])
        wv.write_number(r, 4, vr.overdue, F["cell"])
        wv.write_formula(r, 5, f"=D{r + 1}+E{r + 1}", F["cell"], vr.total)
    r += 1
    wv.write(r, 0, "Tổng cộng", F["btext"])
    wv.write(r, 1, "", F["btext"])
    wv.write(r, 2, "", F["btext"])
    for c in (3, 4, 5):
        v = sum((x.violation, x.overdue, x.total)[c - 3] for x in rep.violation_rows)
        wv.write_formula(r, c, f"=SUM({_col(c)}6:{_col(c)}{r})" if rep.violation_rows else "=0", F["bold"], v)
    wv.set_column(0, 0, 28)
    wv.set_column(1, 1, 50)
    wv.set_column(2, 5, 16)
    b0 = r + 2
    wv.write(b0, 0, "Cơ quan", F["head"])
    wv.write(b0, 1, "Vi phạm (thực hiện chậm)", F["head"])
    wv.write(b0, 2, "Quá hạn (chưa thực hiện)", F["head"])
    wv.write(b0, 3, "Cộng", F["head"])
    for i, (body, v) in enumerate(rep.by_body.items(), start=1):
        wv.write(b0 + i, 0, RESPONSIBLE_LABELS.get(body, body), F["text"])
        wv.write_number(b0 + i, 1, v["violation"], F["cell"])
        wv.write_number(b0 + i, 2, v["overdue"], F["cell"])
        wv.write_number(b0 + i, 3, v["total"], F["cell"])
    if rep.by_body:
        ch = wb.add_chart({"type": "bar", "subtype": "stacked"})
        for c in (1, 2):
            ch.add_series({"name": ["Vi phạm", b0, c], "categories": ["Vi phạm", b0 + 1, 0, b0 + len(rep.by_body), 0],
                           "values": ["Vi phạm", b0 + 1, c, b0 + len(rep.by_body), c]})
        ch.set_title({"name": "Vi phạm theo cơ quan chịu trách nhiệm"})
        wv.insert_chart(b0 + len(rep.by_body) + 2, 0, ch, {"x_scale": 1.4})

    # --- trend
    wt = wb.add_worksheet("Theo tháng")
    header(wt, "DIỄN BIẾN THEO THÁNG")
    for c, h in enumerate(["Tháng", "Từ ngày", "Đến ngày", "Thụ lý mới", "Đã giải quyết", "Vi phạm phát hiện"]):
        wt.write(4, c, h, F["head"])
    for i, b in enumerate(rep.trend, start=5):
        wt.write(i, 0, b["label"], F["text"])
        wt.write(i, 1, fmt(b["start"]), F["text"])
        wt.write(i, 2, fmt(b["end"]), F["text"])
        for c, k in ((3, "new"), (4, "resolved"), (5, "violations")):
            wt.write_number(i, c, b[k], F["cell"])
    last = 4 + len(rep.trend)
    wt.set_column(0, 2, 12)
    wt.set_column(3, 5, 16)
    col_ch = wb.add_chart({"type": "column"})
    for c in (3, 4):
        col_ch.add_series({"name": ["Theo tháng", 4, c], "categories": ["Theo tháng", 5, 0, last, 0],
                           "values": ["Theo tháng", 5, c, last, c]})
    line = wb.add_chart({"type": "line"})
    line.add_series({"name": ["Theo tháng", 4, 5], "categories": ["Theo tháng", 5, 0, last, 0],
                     "values": ["Theo tháng", 5, 5, last, 5], "y2_axis": True})
    col_ch.combine(line)
    col_ch.set_title({"name": "Thụ lý, giải quyết và vi phạm theo tháng"})
    wt.insert_chart(last + 2, 0, col_ch, {"x_scale": 1.6, "y_scale": 1.2})

    # --- per unit
    if rep.by_unit:
        wu = wb.add_worksheet("Theo đơn vị")
        header(wu, "SỐ LIỆU THEO ĐƠN VỊ")
        wu.write(4, 0, "Đơn vị", F["head"])
        for c, k in enumerate(UNIT_COLS, start=1):
            wu.write(4, c, BY_KEY[k].label, F["head"])
        wu.set_row(4, 60)
        col_of = {k: c for c, k in enumerate(UNIT_COLS, start=1)}
        for i, (g, row) in enumerate(rep.by_unit, start=5):
            wu.write(i, 0, g.unit.name + (f" (gồm cả: {'; '.join(u.name for u in g.merged)})" if g.merged else ""),
                     F["text"])
            for c, k in enumerate(UNIT_COLS, start=1):
                _unit_cell(wu, i, c, k, row.get(k), col_of, F)
        last = 4 + len(rep.by_unit)
        wu.write(last + 1, 0, "Tổng cộng", F["btext"])
        for c, k in enumerate(UNIT_COLS, start=1):
            if k in RATE_PARTS:
                _unit_cell(wu, last + 1, c, k, rep.total.get(k), col_of, F, bold=True)
            elif rep.total.get(k) is None:
                wu.write(last + 1, c, NO_DATA, F["nodata"])
            else:
                wu.write_formula(last + 1, c, f"=SUM({_col(c)}6:{_col(c)}{last + 1})", F["bold"], rep.total[k])
        if rep.scope.merged:
            wu.write(last + 3, 0, "Gộp theo đơn vị kế thừa: số liệu của đơn vị đã sáp nhập được cộng vào đơn vị kế "
                                  "thừa hiện nay.", F["sub"])
        wu.set_column(0, 0, 40)
        wu.set_column(1, len(UNIT_COLS), 13)
    wb.close()
    return buf.getvalue()


# ============================================================================= docx
ADMIN_WORDS = ("Thành Phố", "Tỉnh", "Huyện", "Quận", "Thị Xã", "Khu Vực")


def short_vks(name: str) -> str:
    """'VIỆN KIỂM SÁT NHÂN DÂN THÀNH PHỐ HẢI PHÒNG' → 'VKSND thành phố Hải Phòng' (for "Nơi nhận")."""
    s = " ".join(name.split())
    if s.upper() == s:
        s = s.title()
        for w in ADMIN_WORDS:
            s = s.replace(w, w.lower())
    for long in ("Viện Kiểm Sát Nhân Dân", "Viện kiểm sát nhân dân"):
        s = s.replace(long, "VKSND")
    return s


def docx(rep: Report, user=None) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    unit = rep.scope.unit.unit if rep.scope.unit else getattr(user, "unit", None)
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(20), Mm(20), Mm(30), Mm(15)
    st = doc.styles["Normal"]
    st.font.name = "Times New Roman"
    st.font.size = Pt(14)
    st.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    st.paragraph_format.space_after = Pt(3)

    def para(text="", bold=False, italic=False, size=None, align=None, indent=True, after=None):
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        elif indent:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            p.paragraph_format.first_line_indent = Mm(10)
        if after is not None:
            p.paragraph_format.space_after = Pt(after)
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        return p

    def widths(table, mm: list[float]):
        table.autofit = False
        for col, w in zip(table.columns, mm, strict=False):
            col.width = Mm(w)  # the grid (LibreOffice reads it)
        for row in table.rows:
            for cell, w in zip(row.cells, mm, strict=False):
                cell.width = Mm(w)

    def cell_text(cell, text, bold=False, italic=False, size=13, align=WD_ALIGN_PARAGRAPH.CENTER):
        cell.text = ""
        p = cell.paragraphs[0]
        p.alignment = align
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        run.font.size = Pt(size)
        return p

    # heading: issuing body | Quốc hiệu, Tiêu ngữ
    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths(head, [75, 90])
    left, right = head.rows[0].cells
    parent = (unit.parent_name if unit and unit.parent_name else "").upper()
    cell_text(left, parent, size=12)
    p = left.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run((unit.name if unit else rep.scope.label).upper())
    r.bold, r.font.size = True, Pt(12)
    p = left.add_paragraph("———")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = left.add_paragraph(f"Số:       /BC-{unit.symbol if unit and unit.symbol else 'VKS'}")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12)
    p = right.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run("Độc lập - Tự do - Hạnh phúc")
    r.bold, r.font.size = True, Pt(13)
    p = right.add_paragraph("———————")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    today = _today()
    place = unit.place if unit and unit.place else "……"
    p = right.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run(f"{place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}")
    r.italic, r.font.size = True, Pt(13)

    para("", after=6)
    para("BÁO CÁO", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    para("Kết quả công tác kiểm sát việc Tòa án nhân dân xem xét, quyết định áp dụng các biện pháp xử lý hành chính "
         f"{rep.period.name.lower() if rep.period.kind != 'tuy-chon' else ''}".strip(),
         bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    para(f"(Số liệu từ ngày {fmt(rep.period.start)} đến ngày {fmt(rep.period.end)}; "
         f"tính đến ngày {fmt(rep.as_of)})", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=13, after=12)
    if rep.scope.groups:
        para(f"Phạm vi: {rep.scope.label}.", italic=True)

    t = rep.total
    para("I. TÌNH HÌNH THỤ LÝ, GIẢI QUYẾT", bold=True, indent=False)
    para(f"Số cũ chuyển sang: {n(t['carried'])} vụ việc; thụ lý mới: {n(t['new'])} vụ việc; tổng số phải giải "
         f"quyết: {n(t['total'])} vụ việc. Tòa án đã giải quyết {n(t['resolved'])} vụ việc, trong đó: áp dụng "
         f"{n(t['out_apply'])}, không áp dụng {n(t['out_not_apply'])}, đình chỉ {n(t['out_terminate'])}, tạm đình chỉ "
         f"{n(t['out_suspend'])}, giáo dục dựa vào cộng đồng {n(t['out_community'])}"
         + (f", chưa ghi kết quả {n(t['out_unknown'])}" if t["out_unknown"] else "")
         + f". Còn lại {n(t['remaining'])} vụ việc, trong đó quá thời hạn giải quyết {n(t['remaining_overdue'])} vụ "
         f"việc. Hồ sơ Tòa án trả lại (chưa thụ lý, không tính vào tổng số): {n(t['returned'])}.")
    cols = [("carried", "Cũ"), ("new", "Mới"), ("total", "Tổng"), ("out_apply", "Áp dụng"),
            ("out_not_apply", "Không áp dụng"), ("out_terminate", "Đình chỉ"), ("out_suspend", "Tạm đình chỉ"),
            ("resolved", "Cộng giải quyết"), ("remaining", "Còn lại"), ("remaining_overdue", "Quá hạn")]
    tab = doc.add_table(rows=1, cols=len(cols) + 1)
    tab.style = "Table Grid"
    cell_text(tab.rows[0].cells[0], "Biện pháp", bold=True, size=11)
    for i, (_k, h) in enumerate(cols, start=1):
        cell_text(tab.rows[0].cells[i], h, bold=True, size=11)
    for m in MEASURES + ["__total__"]:
        row = t if m == "__total__" else rep.by_measure[m]
        cells = tab.add_row().cells
        cell_text(cells[0], "Tổng cộng" if m == "__total__" else MEASURE_SHORT[Measure(m)], bold=m == "__total__",
                  size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
        for i, (k, _h) in enumerate(cols, start=1):
            cell_text(cells[i], n(row.get(k) or 0), bold=m == "__total__", size=11)
    widths(tab, [33] + [132 / len(cols)] * len(cols))
    para("", after=0)
    if t["no_thu_ly"]:
        para(f"Lưu ý: {n(t['no_thu_ly'])} vụ việc có quyết định trong kỳ nhưng chưa có ngày thụ lý nên chưa được "
             "tính; cần bổ sung.", italic=True)

    para("II. CÔNG TÁC KIỂM SÁT", bold=True, indent=False)
    para(f"Tòa án mở {n(t['sessions'])} phiên họp; Kiểm sát viên tham gia {n(t['sessions_present'])} phiên họp"
         + (f", vắng mặt {n(t['sessions_absent'])} phiên họp" if t["sessions_absent"] else "") + ".")
    para(f"Ban hành {n(t['protests'])} kháng nghị. Tòa án cấp trên đã giải quyết {n(t['protests_decided'])} "
         f"kháng nghị: chấp nhận {n(t['protests_accepted'])}"
         + (f" (trong đó chấp nhận một phần {n(t['protests_partly'])})" if t["protests_partly"] else "")
         + f", không chấp nhận {n(t['protests_rejected'])}; tỷ lệ kháng nghị được chấp nhận: "
         f"{n(t['protests_rate'])}.")
    if t["recommendations"] is None:
        para(f"Kiến nghị ban hành: {NO_DATA}.")
    else:
        para(f"Ban hành {n(t['recommendations'])} kiến nghị; được chấp nhận {n(t['recommendations_accepted'])}, chấp "
             f"nhận một phần {n(t['recommendations_partly'])}, chưa có trả lời {n(t['recommendations_unanswered'])}; "
             f"tỷ lệ được chấp nhận: {n(t['recommendations_rate'])}.")

    para("III. VI PHẠM PHÁT HIỆN", bold=True, indent=False)
    if rep.violation_rows:
        bodies = "; ".join(f"{RESPONSIBLE_LABELS.get(b, b)}: {n(v['total'])}" for b, v in rep.by_body.items())
        para(f"Qua công tác kiểm sát phát hiện {n(t['violations'])} vi phạm về thời hạn ({bodies}).")
        vt = doc.add_table(rows=1, cols=4)
        vt.style = "Table Grid"
        for i, h in enumerate(["Nội dung vi phạm", "Cơ quan", "Thực hiện chậm", "Quá hạn chưa thực hiện"]):
            cell_text(vt.rows[0].cells[i], h, bold=True, size=11)
        for vr in rep.violation_rows:
            cells = vt.add_row().cells
            cell_text(cells[0], f"{vr.label} ({vr.rule})", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
            cell_text(cells[1], vr.body, size=11)
            cell_text(cells[2], n(vr.violation), size=11)
            cell_text(cells[3], n(vr.overdue), size=11)
        widths(vt, [85, 30, 25, 25])
        para("", after=0)
    else:
        para("Không phát hiện vi phạm về thời hạn trong kỳ.")

    para("IV. KIỂM SÁT THI HÀNH", bold=True, indent=False)
    para(f"Đã bàn giao {n(t['delivered'])} người vào cơ sở; {n(t['not_delivered'])} quyết định áp dụng chưa bàn giao "
         f"người (tính đến cuối kỳ); {n(t['statute_expired'])} trường hợp hết thời hiệu thi hành trong kỳ.")

    if rep.by_unit:
        para("V. SỐ LIỆU THEO ĐƠN VỊ", bold=True, indent=False)
        if rep.scope.merged:
            para("Số liệu của đơn vị đã sáp nhập được cộng vào đơn vị kế thừa hiện nay.", italic=True)
        ucols = [("total", "Tổng phải GQ"), ("resolved", "Đã GQ"), ("remaining", "Còn lại"),
                 ("sessions_present", "Phiên họp có KSV"), ("protests_accepted", "KN được chấp nhận"),
                 ("violations", "Vi phạm"), ("delivered", "Đã bàn giao")]
        ut = doc.add_table(rows=1, cols=len(ucols) + 1)
        ut.style = "Table Grid"
        cell_text(ut.rows[0].cells[0], "Đơn vị", bold=True, size=11)
        for i, (_k, h) in enumerate(ucols, start=1):
            cell_text(ut.rows[0].cells[i], h, bold=True, size=11)
        for g, row in rep.by_unit:
            cells = ut.add_row().cells
            cell_text(cells[0], g.unit.name + (f" (gồm cả: {'; '.join(u.name for u in g.merged)})" if g.merged else ""),
                      size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
            for i, (k, _h) in enumerate(ucols, start=1):
                cell_text(cells[i], n(row.get(k) or 0), size=11)
        widths(ut, [45] + [120 / len(ucols)] * len(ucols))

    para("", after=6)
    sign = doc.add_table(rows=1, cols=2)
    widths(sign, [85, 80])
    left, right = sign.rows[0].cells
    p = cell_text(left, "Nơi nhận:", bold=True, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in ([f"- {short_vks(unit.parent_name) if unit and unit.parent_name else 'Viện kiểm sát cấp trên'} "
                  "(để báo cáo);", "- Lãnh đạo Viện;", "- Lưu: VT, HSKS."]):
        q = left.add_paragraph()
        q.paragraph_format.space_after = Pt(0)
        rr = q.add_run(line)
        rr.font.size = Pt(11)
    cell_text(right, "VIỆN TRƯỞNG", bold=True, size=14)
    for _ in range(4):
        right.add_paragraph("")
    bio = io.BytesIO()
    doc.save(bio)
    return bio.getvalue()

