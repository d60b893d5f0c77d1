"""OpenDocument books (.ods, as LibreOffice Calc saves them) read like the same book saved as .xlsx:
title rows, two header rows with merged group headers, dates as date cells, as serial numbers and
as text, TCVN3 names, the holiday sheet. The .ods files are written here from their XML parts
(no extra library): a zip with `mimetype` stored first, the manifest and `content.xml`."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from kiemsat.domain.workbook import read_workbook

from .test_workbook_xls import (GROUP, HOLIDAYS, LEAVES, MERGES, ROWS, TITLES, _xlsx, assert_reads_alike,
                                assert_sample_values, imported_alike)

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
MIME = "application/vnd.oasis.opendocument.spreadsheet"
MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{MIME}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '</manifest:manifest>')


def _cell(v, span: tuple[int, int] = (1, 1)) -> str:
    attrs = ""
    if span != (1, 1):
        attrs = f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"'
    if v is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(v, dt.date):
        return (f'<table:table-cell{attrs} office:value-type="date" office:date-value="{v.isoformat()}">'
                f"<text:p>{v:%d/%m/%Y}</text:p></table:table-cell>")
    if isinstance(v, (int, float)):
        return (f'<table:table-cell{attrs} office:value-type="float" office:value="{v}">'
                f"<text:p>{v}</text:p></table:table-cell>")
    return f'<table:table-cell{attrs} office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'


def _row(cells: list[str]) -> str:
    return "<table:table-row>" + "".join(cells) + "</table:table-row>"


def _ods(path: Path) -> Path:
    rows = [_row([_cell(t)]) for t in TITLES] + [_row([_cell(None)])]
    spans = {a: (1, b - a + 1) for a, b in MERGES}
    singles = (0, 1, 2, 3, 6, 10, 11)  # span both header rows
    covered = {c for a, b in MERGES for c in range(a + 1, b + 1)}
    head = []
    for c, v in enumerate(GROUP):
        if c in covered:
            head.append("<table:covered-table-cell/>")
        else:
            head.append(_cell(v, (2, 1) if c in singles else spans.get(c, (1, 1))))
    rows.append(_row(head))
    rows.append(_row(["<table:covered-table-cell/>" if c in singles else _cell(v) for c, v in enumerate(LEAVES)]))
    for r in ROWS:
        rows.append(_row([_cell("#VALUE!" if v == "ERROR" else v) for v in r]))
    data = f'<table:table table:name="{escape("Theo dõi")}">' + "".join(rows) + "</table:table>"
    hol = '<table:table table:name="Ngày lễ">' + "".join(_row([_cell(d)]) for d in HOLIDAYS) + "</table:table>"
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} office:version="1.2">'
               f"<office:body><office:spreadsheet>{data}{hol}</office:spreadsheet></office:body>"
               "</office:document-content>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), MIME, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


@pytest.fixture
def books(tmp_path):
    return read_workbook(_xlsx(tmp_path / "so.xlsx")), read_workbook(_ods(tmp_path / "so.ods"))


def test_ods_reads_like_the_xlsx(books):
    x, ods = books
    assert_reads_alike(x, ods)


def test_ods_values(books):
    _x, ods = books
    assert_sample_values(ods.cases())


def test_an_ods_book_imports_like_the_xlsx(db, users, tmp_path):
    got = imported_alike(users["leader"], tmp_path, {"so.xlsx": _xlsx, "so.ods": _ods})
    assert got["so.ods"] == got["so.xlsx"]
