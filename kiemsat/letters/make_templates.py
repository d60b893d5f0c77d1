"""Build the three shipped letter templates (kiemsat/letters/docx/*.docx) with python-docx.

    uv run python -m kiemsat.letters.make_templates          # writes the .docx files
    uv run python -m kiemsat.letters.make_templates --check  # exit 1 if they differ from the code

The files are committed so they can be reviewed (open them in Word) and replaced by a unit; this
script makes them reproducible byte for byte (fixed dates in the package, fixed zip timestamps).

Layout (Nghị định 30/2020/NĐ-CP, Phụ lục I; LEGAL-NOTES Part A §6.3): A4, margins top/bottom
20 mm, left 30 mm, right 15 mm; Times New Roman; body 14 pt; the header table (parent unit /
issuing unit | Quốc hiệu – Tiêu ngữ), "Số:", place and date, title and summary, "Kính gửi",
legal bases, findings, requests, signer block and "Nơi nhận"; page numbers centred at the top
from page 2. The tags are docxtpl's: {{ … }}, {%p … %} (paragraph loops), {%tr … %} (table rows).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

OUT = Path(__file__).resolve().parent / "docx"
FONT = "Times New Roman"
FIXED = dt.datetime(2025, 1, 1, 0, 0, 0)
CENTER, JUSTIFY, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT

TEXT_WIDTH = Mm(210 - 30 - 15)


# ------------------------------------------------------------------------------ helpers
def _fonts(rpr_owner, size: float | None = None) -> None:
    """Times New Roman for every script (Vietnamese needs eastAsia and cs set too)."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _setup(doc) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    sec.header_distance, sec.footer_distance = Mm(10), Mm(10)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    _fonts(normal.element)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after = Pt(0), Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    # page number, centred at the top, from page 2 (the first page has an empty header)
    sec.different_first_page_header_footer = True
    p = sec.header.paragraphs[0]
    p.alignment = CENTER
    _field(p, "PAGE", size=13)
    sec.first_page_header.paragraphs[0].text = ""
    cp = doc.core_properties
    cp.author = "kiemsat"
    cp.last_modified_by = "kiemsat"
    cp.created = cp.modified = FIXED
    cp.revision = 1
    cp.title = ""


def _field(paragraph, instr: str, size: float) -> None:
    run = paragraph.add_run()
    run.font.size = Pt(size)
    b = OxmlElement("w:fldChar")
    b.set(qn("w:fldCharType"), "begin")
    t = OxmlElement("w:instrText")
    t.set(qn("xml:space"), "preserve")
    t.text = f" {instr} "
    s = OxmlElement("w:fldChar")
    s.set(qn("w:fldCharType"), "separate")
    n = OxmlElement("w:t")
    n.text = "2"
    e = OxmlElement("w:fldChar")
    e.set(qn("w:fldCharType"), "end")
    for el in (b, t, s):
        run._r.append(el)
    run2 = paragraph.add_run()
    run2.font.size = Pt(size)
    run2._r.append(n)
    run3 = paragraph.add_run()
    run3._r.append(e)


def para(container, text: str = "", *, size: float = 14, bold=False, italic=False, align=JUSTIFY,
         indent: float | None = None, before: float = 0, after: float = 0, keep=False, line: float | None = None):
    p = container.add_paragraph()
    p.alignment = align
    pf = p.paragraph_format
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if indent is not None:
        pf.first_line_indent = Cm(indent)
    if keep:
        pf.keep_with_next = True
    if line is not None:
        pf.line_spacing = line
    if text:
        run(p, text, size=size, bold=bold, italic=italic)
    else:
        # an empty paragraph still gets its size (its height is the font size)
        rpr = p._p.get_or_add_pPr()
        r = OxmlElement("w:rPr")
        sz = OxmlElement("w:sz")
        sz.set(qn("w:val"), str(int(size * 2)))
        r.append(sz)
        rpr.append(r)
    return p


def run(p, text: str, *, size: float = 14, bold=False, italic=False, underline=False):
    r = p.add_run(text)
    r.font.size = Pt(size)
    r.font.name = FONT
    r.bold, r.italic = bold or None, italic or None
    if underline:
        r.underline = True
    _fonts(r._r)
    return r


def tag(container, text: str, size: float = 14):
    """A paragraph holding only a {%p … %} / {%tr … %} tag (docxtpl removes it)."""
    return para(container, text, size=size, align=LEFT)


def rule_line(container, width_cm: float, cell_width_cm: float):
    """A short centred horizontal line (a bottom border on an empty, tiny paragraph)."""
    p = para(container, "", size=2, align=CENTER)
    side = max((cell_width_cm - width_cm) / 2, 0)
    p.paragraph_format.left_indent = Cm(side)
    p.paragraph_format.right_indent = Cm(side)
    ppr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    bdr.append(bottom)
    # pBdr must come before w:jc / w:ind / w:rPr in the schema order: insert it early
    ppr.insert(0, bdr)
    for el in ppr.findall(qn("w:pStyle")) + ppr.findall(qn("w:keepNext")):
        ppr.remove(el)
        ppr.insert(0, el)
    return p


def _no_borders(table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{side}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    tblpr.append(borders)


def _widths(table, widths_cm: list[float]) -> None:
    table.autofit = False
    tbl = table._tbl
    grid = tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths_cm):
        gc.set(qn("w:w"), str(int(Cm(w).twips)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm):
            cell.width = Cm(w)
    tblpr = tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)


def _cell(table, r: int, c: int):
    cell = table.cell(r, c)
    # python-docx gives each new cell one empty paragraph: drop it, we add our own
    for p in list(cell.paragraphs):
        p._p.getparent().remove(p._p)
    return cell


def _cell_margins(table, left_cm: float = 0.05, right_cm: float = 0.05) -> None:
    tblpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side, v in (("left", left_cm), ("right", right_cm)):
        e = OxmlElement(f"w:{side}")
        e.set(qn("w:w"), str(int(Cm(v).twips)))
        e.set(qn("w:type"), "dxa")
        mar.append(e)
    tblpr.append(mar)


# ------------------------------------------------------------------------------ parts
LEFT_W, RIGHT_W = 6.8, 9.7
BLANK_DATE = "{% if date %}{{ date|vndate_long }}{% else %}{{ blank_date }}{% endif %}"


def header(doc, *, cong_van: bool) -> None:
    """Parent / issuing unit | Quốc hiệu – Tiêu ngữ; Số | place and date; (công văn) V/v trích yếu."""
    t = doc.add_table(rows=3 if cong_van else 2, cols=2)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(t)
    _cell_margins(t)
    left = _cell(t, 0, 0)
    para(left, "{{ unit.parent_name|upper }}", size=13, align=CENTER)
    para(left, "{{ unit.name|upper }}", size=13, bold=True, align=CENTER)
    rule_line(left, 2.2, LEFT_W)
    right = _cell(t, 0, 1)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12.5, bold=True, align=CENTER)
    para(right, "Độc lập - Tự do - Hạnh phúc", size=13.5, bold=True, align=CENTER)
    rule_line(right, 6.0, RIGHT_W)
    num = _cell(t, 1, 0)
    para(num, "Số: {{ number_text }}", size=13, align=CENTER, before=6)
    when = _cell(t, 1, 1)
    para(when, "{{ unit.place }}, " + BLANK_DATE, size=14, italic=True, align=CENTER, before=6)
    if cong_van:
        vv = _cell(t, 2, 0)
        para(vv, "V/v {{ summary }}", size=12, align=CENTER, before=3)
        _cell(t, 2, 1)
        para(t.cell(2, 1), "", size=12)
    _widths(t, [LEFT_W, RIGHT_W])


def title_block(doc) -> None:
    para(doc, "{{ title }}", size=14, bold=True, align=CENTER, before=18, keep=True)
    para(doc, "{{ summary }}", size=14, bold=True, align=CENTER, keep=True)
    rule_line(doc, 3.0, TEXT_WIDTH.cm)


def kinh_gui(doc, before: float = 10) -> None:
    para(doc, "Kính gửi: {{ recipient }}", size=14, align=CENTER, before=before, after=12)


def bases(doc) -> None:
    tag(doc, "{%p for b in legal_bases %}")
    para(doc, "{{ b }}", indent=1.0, after=4, line=1.1)
    tag(doc, "{%p endfor %}")


def body(doc, text: str, **kw) -> None:
    kw.setdefault("indent", 1.0)
    kw.setdefault("after", 6)
    kw.setdefault("line", 1.1)
    para(doc, text, **kw)


def requests(doc, lead: str) -> None:
    body(doc, lead, keep=True)
    tag(doc, "{%p for r in requests %}")
    body(doc, "{{ loop.index }}. {{ r }}")
    tag(doc, "{%p endfor %}")


def signer_block(doc) -> None:
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    _cell_margins(t)
    left = _cell(t, 0, 0)
    p = para(left, "", size=12, align=LEFT, before=12)
    run(p, "Nơi nhận:", size=12, bold=True, italic=True)
    tag(left, "{%p for c in cc %}", size=11)
    para(left, "- {{ c }}", size=11, align=LEFT)
    tag(left, "{%p endfor %}", size=11)
    right = _cell(t, 0, 1)
    para(right, "", size=14, align=CENTER, before=12)
    tag(right, "{%p for a in signer.authority %}")
    para(right, "{{ a }}", size=14, bold=True, align=CENTER)
    tag(right, "{%p endfor %}")
    for _i in range(4):
        para(right, "", size=14, align=CENTER)
    para(right, "{{ signer.name }}", size=14, bold=True, align=CENTER)
    _widths(t, [7.5, 9.0])


# ------------------------------------------------------------------------------ the three letters
def kien_nghi(intro: str, lead: str, ending: str) -> Document:
    doc = Document()
    _setup(doc)
    if doc.paragraphs:
        doc.paragraphs[0]._p.getparent().remove(doc.paragraphs[0]._p)
    header(doc, cong_van=False)
    title_block(doc)
    kinh_gui(doc)
    bases(doc)
    body(doc, intro)
    tag(doc, "{%p for g in groups %}")
    body(doc, "{{ g.no }}. {{ g.title }} ({{ g.count|two }} trường hợp; căn cứ: {{ g.citation }}):", bold=True,
         keep=True)
    tag(doc, "{%p for f in g.findings %}")
    body(doc, "- {{ f.person }} ({{ f.case_ref }}): {{ f.text }}{% if f.basis %} ({{ f.basis }}){% endif %}.")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    requests(doc, lead)
    body(doc, ending)
    signer_block(doc)
    return doc


def court_letter() -> Document:
    return kien_nghi(
        intro=("Qua kiểm sát việc {{ recipient_org }} xem xét, quyết định áp dụng các biện pháp xử lý hành chính "
               "từ ngày {{ period_from|vndate }} đến ngày {{ period_to|vndate }}, {{ unit.name }} nhận thấy "
               "{{ recipient_org }} còn {{ total|two }} vi phạm trong {{ cases_count|two }} vụ việc, cụ thể như sau:"),
        lead=("Để khắc phục những vi phạm nêu trên, {{ unit.name }} kiến nghị {{ recipient }} thực hiện "
              "những việc sau:"),
        ending=("Đề nghị {{ recipient }} xem xét, thực hiện và trả lời bằng văn bản cho {{ unit.name }}"
                "{% if reply_days %} trong thời hạn {{ reply_days|two }} ngày kể từ ngày nhận được kiến nghị"
                "{% endif %} theo quy định của pháp luật./."),
    )


def preventive_letter() -> Document:
    return kien_nghi(
        intro=("Qua kiểm sát việc lập, kiểm tra và chuyển hồ sơ đề nghị áp dụng biện pháp xử lý hành chính từ ngày "
               "{{ period_from|vndate }} đến ngày {{ period_to|vndate }}, {{ unit.name }} nhận thấy "
               "{{ recipient_org }} còn {{ total|two }} thiếu sót, vi phạm trong {{ cases_count|two }} vụ việc, "
               "cụ thể như sau:"),
        lead=("Để phòng ngừa vi phạm, {{ unit.name }} kiến nghị {{ recipient }} thực hiện những việc sau:"),
        ending=("Đề nghị {{ recipient }} xem xét, thực hiện và trả lời bằng văn bản cho {{ unit.name }}"
                "{% if reply_days %} trong thời hạn {{ reply_days|two }} ngày kể từ ngày nhận được kiến nghị"
                "{% endif %} theo quy định của pháp luật./."),
    )


URGE_COLS = [
    ("TT", 0.8, "{{ p.no }}"),
    ("Họ và tên", 2.8, "{{ p.person }}{% if p.birth_year %}, sinh năm {{ p.birth_year }}{% endif %}"),
    ("Số thụ lý; quyết định", 3.0,
     "{{ p.so_thu_ly }}{% if p.decision_number %}; QĐ số {{ p.decision_number }}{% endif %}"
     "{% if p.decision_date %} ngày {{ p.decision_date|vndate }}{% endif %}"),
    ("Ngày có hiệu lực", 2.1, "{{ p.effective|vndate }}{% if p.effective_estimated %} (ước tính){% endif %}"),
    ("Hạn bàn giao", 2.0, "{{ p.deliver_due|vndate }}"),
    ("Số ngày từ khi có hiệu lực", 1.4, "{{ p.days_since_effect }}"),
    ("Hết thời hiệu thi hành", 2.1,
     "{{ p.limitation|vndate }}{% if p.limitation_alt %} (hoặc {{ p.limitation_alt|vndate }}){% endif %}"),
    ("Ghi chú", 2.3, "{{ p.note }}"),
]
TABLE_PT = 10.5


def urge_letter() -> Document:
    doc = Document()
    _setup(doc)
    if doc.paragraphs:
        doc.paragraphs[0]._p.getparent().remove(doc.paragraphs[0]._p)
    header(doc, cong_van=True)
    kinh_gui(doc, before=18)
    bases(doc)
    body(doc, "Qua kiểm sát việc thi hành các quyết định áp dụng biện pháp xử lý hành chính, tính đến "
              "{{ as_of|vndate_long }} còn {{ total|two }} người phải chấp hành quyết định đã có hiệu lực pháp luật "
              "nhưng chưa được đưa vào cơ sở để chấp hành, quá thời hạn quy định, cụ thể như sau:")
    t = doc.add_table(rows=4, cols=len(URGE_COLS))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_margins(t, 0.08, 0.08)
    for i, (head, _w, cell_text) in enumerate(URGE_COLS):
        para(_cell(t, 0, i), head, size=TABLE_PT, bold=True, align=CENTER)
        para(_cell(t, 1, i), "{%tr for p in people %}" if i == 0 else "", size=TABLE_PT, align=LEFT)
        para(_cell(t, 2, i), cell_text, size=TABLE_PT, align=CENTER if i in (0, 3, 4, 5, 6) else LEFT)
        para(_cell(t, 3, i), "{%tr endfor %}" if i == 0 else "", size=TABLE_PT, align=LEFT)
    hdr = t.rows[0]._tr.get_or_add_trPr()
    th = OxmlElement("w:tblHeader")
    hdr.append(th)
    _widths(t, [w for _h, w, _t in URGE_COLS])
    para(doc, "", size=6)
    body(doc, "Căn cứ các căn cứ pháp lý nêu trên, {{ unit.name }} đề nghị {{ recipient }}:", keep=True)
    tag(doc, "{%p for r in requests %}")
    body(doc, "{{ loop.index }}. {{ r }}")
    tag(doc, "{%p endfor %}")
    body(doc, "Đề nghị {{ recipient }} thực hiện và thông báo kết quả bằng văn bản cho {{ unit.name }}./.")
    signer_block(doc)
    return doc


BUILDERS = {
    "kien-nghi-toa-an": court_letter,
    "kien-nghi-phong-ngua": preventive_letter,
    "don-doc": urge_letter,
}


def _normalised(doc) -> bytes:
    """The package with fixed zip timestamps and order, so the output is reproducible."""
    raw = io.BytesIO()
    doc.save(raw)
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, src.read(name))
    return out.getvalue()


def build_all() -> dict[str, bytes]:
    return {kind: _normalised(make()) for kind, make in BUILDERS.items()}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    built = build_all()
    if "--check" in argv:
        bad = [k for k, b in built.items() if not (OUT / f"{k}.docx").exists() or (OUT / f"{k}.docx").read_bytes() != b]
        for k in bad:
            print(f"khác với mã nguồn: {OUT / f'{k}.docx'}")
        return 1 if bad else 0
    OUT.mkdir(exist_ok=True)
    for kind, data in built.items():
        (OUT / f"{kind}.docx").write_bytes(data)
        print(f"đã ghi {OUT / f'{kind}.docx'} ({len(data)} byte)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
