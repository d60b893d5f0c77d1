"""The "Ngày nộp lưu HSKS" column of a unit's book becomes the case's `archived` event (issue 6
reads it), whatever words the unit used for it."""

from __future__ import annotations

import datetime as dt

import pytest

from kiemsat.cases.models import Case, Event
from kiemsat.domain.workbook import read_workbook
from kiemsat.imports import services

from .conftest import BOOKS, expected_cases, make_book, sample_path


def test_the_2024_sample_maps_its_archive_column_to_archived():
    reading = read_workbook(sample_path(BOOKS[0]))
    cols = [c for cols in reading.columns.values() for c in cols if c.field == "archived"]
    assert len(cols) == 1 and cols[0].header == "Ngày nộp lưu HSKS" and cols[0].kind == "date"
    assert not cols[0].formula


def test_the_2024_sample_imports_every_archive_date_as_an_archived_event(db, users):
    expected = {(c["so_thu_ly"] or c["name"]): c["archived"] for c in expected_cases(BOOKS[0]) if c.get("archived")}
    assert expected  # the sample has archive dates
    report = services.import_workbook(sample_path(BOOKS[0]), actor=users["leader"])
    assert report.counts["skipped"] == 0
    got = {}
    for e in Event.objects.filter(code="archived").select_related("case"):
        got[e.case.so_thu_ly or e.case.person_name] = e.date.isoformat()
    assert got == expected
    # and no other case got one
    assert Case.objects.exclude(events__code="archived").count() == Case.objects.count() - len(expected)


@pytest.mark.parametrize("header", ["Ngày nộp lưu HSKS", "Nộp lưu hồ sơ kiểm sát", "NGÀY LƯU HỒ SƠ", "ngay nop luu HS"])
def test_other_wordings_of_the_archive_column(tmp_path, header):
    path = make_book(tmp_path / "b.xlsx", ["STT", "Họ và tên", "Số thụ lý", "Ngày thụ lý", header],
                     [[1, "Nguyễn Văn An", "01/2024/TLHS-XLHC", dt.datetime(2024, 3, 5), "12/06/2024"]])
    reading = read_workbook(path)
    assert reading.rows[0].values["archived"] == dt.date(2024, 6, 12)
