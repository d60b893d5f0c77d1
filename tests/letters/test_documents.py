"""Each letter built from the shared sample's findings and parsed back with python-docx: every
selected finding appears with its citation and dates; the header, number, date and signer block
follow Nghị định 30/2020 and the Procuracy's form; the shipped templates are reproducible."""

import datetime as dt

import pytest
from kiemsat.cases.models import Case
from kiemsat.domain.dates import fmt
from kiemsat.legal import services as legal
from kiemsat.letters.models import Kind

from .conftest import PERIOD, doc_of, draft, issue_all_the_way, paragraphs

D = dt.date


def expected(sample, responsible, status):
    return [f for f in sample["findings"] if f["responsible"] == responsible and f["status"] == status
            and PERIOD[0] <= D.fromisoformat(f["actual"] if status == "violation" else f["due"]) <= PERIOD[1]]


def citations(as_of):
    return {(s.facts.so_thu_ly, s.finding.rule): s.finding.citation
            for s in legal.scan(Case.objects.all(), as_of, ("violation", "overdue"))}


def late_words(f):
    return f"chậm {f['late']:02d} {'ngày làm việc' if f['unit'] == 'WD' else 'ngày'}"


def assert_header(data, number_text, date_long, parent="VIỆN KIỂM SÁT NHÂN DÂN TỈNH BÌNH AN",
                  unit="VIỆN KIỂM SÁT NHÂN DÂN HUYỆN AN LẠC"):
    doc = doc_of(data)
    head = doc.tables[0]
    left = head.cell(0, 0).text.splitlines()
    right = head.cell(0, 1).text.splitlines()
    assert left[:2] == [parent, unit]
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert head.cell(1, 0).text == f"Số: {number_text}"
    assert head.cell(1, 1).text == f"An Lạc, {date_long}"
    sec = doc.sections[0]
    mm = [round(x.mm) for x in (sec.page_width, sec.page_height, sec.top_margin, sec.bottom_margin, sec.left_margin,
                                sec.right_margin)]
    assert mm == [210, 297, 20, 20, 30, 15]  # A4; the decree's margins
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt == 14
    return doc


def assert_signer(doc, name, authority, cc_contains):
    block = doc.tables[-1]
    cc, sign = block.cell(0, 0).text, block.cell(0, 1).text
    assert cc.startswith("Nơi nhận:")
    for line in cc_contains:
        assert line in cc
    lines = [x for x in sign.splitlines() if x.strip()]
    assert lines == [*authority, name]


def test_kien_nghi_to_the_court_holds_every_court_violation(sample, users, leader):
    as_of = sample["as_of"]
    letter = issue_all_the_way(draft(users["prosecutor"], Kind.COURT, as_of), users["prosecutor"], leader)
    data = bytes(letter.docx)
    doc = assert_header(data, "01/KN-VKS-AL", "ngày 06 tháng 01 năm 2025")
    text = paragraphs(data)
    assert "KIẾN NGHỊ" in text
    assert "Kính gửi: Chánh án Tòa án nhân dân huyện An Lạc" in text
    assert any(t.startswith("Căn cứ khoản 2 Điều 5 và khoản 7 Điều 27 Luật Tổ chức Viện kiểm sát nhân dân") for t in text)
    want = expected(sample, "court", "violation")
    assert len(want) == 48 and letter.findings.count() == 48
    cites = citations(as_of)
    from kiemsat.letters.context import GROUP_TITLES

    lines, heading = [], ""
    for t in text:
        if t[:2].rstrip(".").isdigit() and "trường hợp; căn cứ:" in t:
            heading = t
        elif t.startswith("- "):
            lines.append((heading, t))
    seen = set()
    for f in want:
        dates = [fmt(D.fromisoformat(f[k])) for k in ("due", "actual") if f[k]]
        hits = [(h, t) for h, t in lines if t.startswith(f"- {f['person']} (số thụ lý {f['so_thu_ly']})")
                and GROUP_TITLES[f["rule"]] in h and all(d in t for d in dates)]
        assert len(hits) == 1, (f, hits)
        h, t = hits[0]
        assert cites[(f["so_thu_ly"], f["rule"])] in h, (h, f)  # the rule's citation heads its group
        if f["late"] is not None:
            assert late_words(f) in t, t
        seen.add((f["so_thu_ly"], f["rule"]))
    assert seen == {(f["so_thu_ly"], f["rule"]) for f in want}
    # the basis of findings that are not verified is stated
    assert any("(căn cứ ngày VKS nhận)" in t for t in text)
    assert any("(trừ trường hợp vụ việc phức tạp)" in t for t in text)
    assert any("Kiểm sát viên vắng mặt" in t for t in text)  # a fact check, in the engine's own words
    assert any(t.startswith("Đề nghị Chánh án Tòa án nhân dân huyện An Lạc xem xét") for t in text)
    assert_signer(doc, "Nguyễn Thị Hồng", ["VIỆN TRƯỞNG"],
                  ["- Như trên;", "- VKSND tỉnh Bình An (để báo cáo);", "- Lưu: VT, HSKS."])


def test_kien_nghi_phong_ngua_to_the_proposing_agency(sample, users, leader):
    as_of = sample["as_of"]
    leader.title = "Phó Viện trưởng"
    leader.save()
    letter = issue_all_the_way(draft(users["inspector"], Kind.PREVENTIVE, as_of), users["inspector"], leader)
    data = bytes(letter.docx)
    doc = assert_header(data, "01/KN-VKS-AL", "ngày 06 tháng 01 năm 2025")
    text = paragraphs(data)
    assert "Kính gửi: Trưởng phòng LĐTBXH huyện An Lạc" in text
    want = expected(sample, "proposer", "violation")
    assert len(want) == 14
    cites = citations(as_of)
    body = "\n".join(text)
    for f in want:
        line = next(t for t in text if t.startswith(f"- {f['person']} (số thụ lý {f['so_thu_ly']})"))
        assert fmt(D.fromisoformat(f["due"])) in line and fmt(D.fromisoformat(f["actual"])) in line
        assert late_words(f) in line
        assert cites[(f["so_thu_ly"], f["rule"])] in body
    assert_signer(doc, "Nguyễn Thị Hồng", ["KT. VIỆN TRƯỞNG", "PHÓ VIỆN TRƯỞNG"],
                  ["- Viện trưởng (để báo cáo);", "- Lưu: VT, HSKS."])


def test_don_doc_to_the_police_lists_people_not_delivered(sample, users, leader):
    as_of = sample["as_of"]
    letter = issue_all_the_way(draft(users["execution"], Kind.URGE, as_of), users["execution"], leader)
    data = bytes(letter.docx)
    doc = assert_header(data, "01/VKS-AL", "ngày 06 tháng 01 năm 2025")  # a công văn: no type code
    assert doc.tables[0].cell(2, 0).text.startswith("V/v đôn đốc thi hành")
    text = paragraphs(data)
    assert "Kính gửi: Trưởng Công an huyện An Lạc" in text
    want = expected(sample, "police", "overdue")
    assert len(want) == 9
    table = doc.tables[1]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert len(rows) == 9
    by_stl = {r[2].split(";")[0]: r for r in rows}
    for f in want:
        row = by_stl[f["so_thu_ly"]]
        assert row[1].startswith(f["person"])
        assert row[4] == fmt(D.fromisoformat(f["due"]))  # hạn bàn giao
        case = Case.objects.get(so_thu_ly=f["so_thu_ly"])
        eff, lim = legal.case_effective(case, as_of)
        assert row[3].startswith(fmt(eff.date)) and ("(ước tính)" in row[3]) == eff.estimated
        assert row[5] == str((as_of - eff.date).days)  # days since effect
        assert row[6].startswith(fmt(lim.due))  # statute-of-limitations expiry
    assert_signer(doc, "Nguyễn Thị Hồng", ["VIỆN TRƯỞNG"], ["- Tòa án nhân dân huyện An Lạc (để biết);"])


def test_a_draft_has_a_blank_number_and_date(sample, users, leader):
    letter = draft(users["prosecutor"], Kind.COURT, sample["as_of"])
    from kiemsat.letters import services

    data = services.document(letter)
    head = doc_of(data).tables[0]
    nb = "\u00a0"
    assert head.cell(1, 0).text == f"Số: {nb * 7}/KN-VKS-AL"
    assert head.cell(1, 1).text.startswith(f"An Lạc, ngày{nb * 6}tháng{nb * 6}năm ")
    assert letter.number is None and letter.state == "draft"
    # not yet confirmed: the unverified findings are not printed
    items = [t for t in paragraphs(data) if t.startswith("- ") and "(số thụ lý " in t]
    pending = [lf for lf in letter.findings.all() if not lf.included]
    printed = [lf for lf in letter.findings.all() if lf.included]
    assert pending and printed and len(items) == len(printed)
    assert all(any(t.startswith(f"- {lf.person} (số thụ lý {lf.so_thu_ly})") for t in items) for lf in printed)


def test_the_shipped_templates_are_the_ones_the_script_builds():
    from kiemsat.letters import make_templates

    for kind, data in make_templates.build_all().items():
        assert (make_templates.OUT / f"{kind}.docx").read_bytes() == data, (
            f"{kind}.docx khác với make_templates.py: chạy `uv run python -m kiemsat.letters.make_templates`")


@pytest.mark.parametrize("kind", [k.value for k in Kind])
def test_every_template_uses_only_known_names(kind):
    import io

    from docxtpl import DocxTemplate

    from kiemsat.letters import render
    from kiemsat.letters.context import KNOWN_NAMES

    tpl = DocxTemplate(io.BytesIO(render.shipped_template(kind)))
    assert tpl.get_undeclared_template_variables(jinja_env=render.jinja_env()) <= KNOWN_NAMES
