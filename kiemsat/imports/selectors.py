"""Reads for the import pages: the preview of an uploaded book, the batches a user may see,
the rows of a batch's report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet

from kiemsat.domain import dates as vdates
from kiemsat.domain.workbook import Column, RowReading, WorkbookReading, read_workbook
from kiemsat.org.models import Role
from kiemsat.org.permissions import visible_unit_ids

from .fields import label
from .models import ImportBatch, ImportRow

PREVIEW_ROWS = 20
ROLE_LABELS = {
    "data": "Trang dữ liệu (nhập)",
    "holidays": "Danh sách ngày nghỉ (dùng để đối chiếu)",
    "summary": "Trang tổng hợp (không nhập)",
    "other": "Trang khác (không nhập)",
}


@dataclass
class PreviewColumn:
    input_name: str
    key: str  # the mapping key: header, or letter when blank/repeated
    letter: str
    header: str
    field: str | None
    kind: str
    source: str
    formula: bool

    @property
    def field_label(self) -> str:
        return label(self.field)

    @property
    def is_flag(self) -> bool:
        return self.formula or self.kind in ("flag", "formula")


@dataclass
class PreviewCell:
    text: str
    error: str = ""


@dataclass
class PreviewRow:
    row: int
    cells: list[PreviewCell]
    warnings: list[str]
    note: str = ""


@dataclass
class PreviewSheet:
    index: int
    name: str
    role: str
    header_rows: tuple[int, ...]
    columns: list[PreviewColumn] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    n_rows: int = 0
    n_skipped: int = 0

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@dataclass
class Preview:
    reading: WorkbookReading
    sheets: list[PreviewSheet]
    n_rows: int
    n_warned: int

    @property
    def data_sheets(self) -> list[PreviewSheet]:
        return [s for s in self.sheets if s.role == "data"]

    @property
    def columns(self) -> list[PreviewColumn]:
        return [c for s in self.data_sheets for c in s.columns]


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "có" if v else "không"
    if isinstance(v, dt.datetime):
        return vdates.fmt(v.date())
    if isinstance(v, dt.date):
        return vdates.fmt(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _cell(rr: RowReading, c: Column) -> PreviewCell:
    err = rr.errors.get(c.letter, "")
    if c.formula or c.kind in ("flag", "formula"):
        v = rr.flags.get(c.field or c.header or c.letter)
    elif c.field is None:
        v = rr.extras.get(c.header)
    elif c.kind == "note":
        v = rr.values.get(c.field) if c.field in rr.values else rr.note
    elif c.kind == "extra":
        v = rr.extras.get(c.field)
    else:
        v = rr.values.get(c.field)
    return PreviewCell(_fmt(v) if not err else err, err)


def column_keys(cols: list[Column]) -> dict[str, str]:
    """letter -> mapping key (as services.effective_mapping keys a column)."""
    seen: dict[str, int] = {}
    for c in cols:
        seen[c.header] = seen.get(c.header, 0) + 1
    return {c.letter: (c.header if c.header and seen[c.header] == 1 else c.letter) for c in cols}


def build_preview(reading: WorkbookReading, limit: int = PREVIEW_ROWS) -> Preview:
    sheets = []
    for i, s in enumerate(reading.sheets):
        ps = PreviewSheet(i, s.name, s.role, s.header_rows)
        if s.role == "data" and s.name in reading.columns:
            cols = reading.columns[s.name]
            keys = column_keys(cols)
            ps.columns = [PreviewColumn(f"map-{i}-{c.letter}", keys[c.letter], c.letter, c.header, c.field, c.kind,
                                        c.source, c.formula) for c in cols]
            rows = [r for r in reading.rows if r.sheet == s.name]
            ps.n_rows = len(rows)
            ps.n_skipped = sum(1 for sh, _r, _w in reading.skipped if sh == s.name)
            ps.rows = [PreviewRow(r.row, [_cell(r, c) for c in cols], r.warnings, r.note) for r in rows[:limit]]
        sheets.append(ps)
    return Preview(reading, sheets, len(reading.rows), sum(1 for r in reading.rows if r.warnings))


def preview(batch: ImportBatch, limit: int = PREVIEW_ROWS) -> Preview:
    """The uploaded book read with the batch's mapping. Raises WorkbookError."""
    path = Path(settings.MEDIA_ROOT) / batch.stored_name
    return build_preview(read_workbook(path, profile=batch.mapping or None), limit)


def visible_batches(user) -> QuerySet[ImportBatch]:
    qs = ImportBatch.objects.select_related("unit", "court", "created_by", "profile")
    if user.role == Role.ADMIN or user.is_superuser:
        return qs
    ids = visible_unit_ids(user)  # the user's unit and the units it succeeded
    if ids is None:
        return qs
    return qs.filter(Q(created_by=user) | Q(unit_id__in=ids))


def batch_rows(batch: ImportBatch, status: str = "", warned: bool = False) -> QuerySet[ImportRow]:
    qs = batch.rows.select_related("case").order_by("id")
    if status in ImportRow.Status.values:
        qs = qs.filter(status=status)
    if warned:
        qs = qs.exclude(warnings=[])
    return qs
