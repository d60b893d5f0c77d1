"""Read a unit's own tracking workbook (.xlsx/.xlsm/.xls/.ods) into flat case rows.

Pure Python (no Django import); reading only — the import service decides what to store.

``read_workbook(path, profile=None) -> WorkbookReading``:

- finds the data sheet(s) (a holiday list and a "Tổng hợp" sheet are recognised and not read
  as cases; the holiday dates are returned for reconciliation), the header rows (one or two,
  merged group headers, title rows and blank rows above) and a "Tính đến ngày" cell;
- maps each column to a field *by meaning*: the header is folded (no diacritics, any case or
  spacing), abbreviations are expanded (QĐ, TB, TL, PH, KSV, KTV, VKS, TA, CA, HS, LĐTBXH,
  BPXLHC...) and matched against the synonyms in ``data/header-synonyms.json``; a ``profile``
  (header or column letter -> field) overrides the proposal;
- reads every data row into the flat case view (keys of ``events.FLAT_CASE_FIELDS`` and
  ``events.FLAT_EVENT_FIELDS``, as in the samples' ``.cases.json``), day-first dates of every
  legacy form, TCVN3/VNI text converted, ALL-CAPS names tidied, measures/outcomes/terms/marks
  from free text; per-row warnings (odd or out-of-order dates) never drop a row;
- keeps apart what is not data: the book's own flag and formula columns (raw values, for
  reconciliation), error cells (#VALUE!), notes ("Ghi chú") and extra columns.

Formula columns and error cells are found in the sheet's XML, so in .xlsx/.xlsm only. For .xls
(and .ods) the reader has python-calamine's values alone, which give an error cell as an empty
cell and a formula cell as its cached result: an error cell is still never taken as data, but
it is not reported as one, and a formula column is read as data unless its header names it a
flag column ("Vi phạm…", "Hết thời hiệu…") — tests/domain/test_workbook_xls.py pins this.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import dates as vdates
from .events import FLAT_CASE_FIELDS, FLAT_EVENT_FIELDS
from .vntext import detect_legacy, fold, tidy_name, to_unicode

__all__ = [
    "WorkbookError",
    "Column",
    "SheetInfo",
    "RowReading",
    "WorkbookReading",
    "read_workbook",
    "load_synonyms",
    "map_headers",
    "normalise_header",
    "measure_code",
    "outcome_label",
    "parse_months",
    "parse_presence",
    "parse_mark",
    "FLAT_KEYS",
]

FLAT_KEYS: frozenset[str] = frozenset(FLAT_CASE_FIELDS) | frozenset(FLAT_EVENT_FIELDS)
MAX_HEADER_SCAN = 40  # rows searched for the header
_DATA_DIR = Path(__file__).with_name("data")


class WorkbookError(ValueError):
    """The file cannot be read as a tracking workbook (message in Vietnamese)."""


# --- synonyms (data) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    phrases: tuple[str, ...]
    exact: bool

    def score(self, text: str) -> int:
        if self.exact:
            return 100 + len(self.phrases[0]) if text == self.phrases[0] else 0
        padded = f" {text} "
        if all(f" {p} " in padded for p in self.phrases):
            return sum(len(p) for p in self.phrases)
        return 0


@dataclass(frozen=True)
class _FieldSpec:
    name: str
    kind: str
    patterns: tuple[_Pattern, ...]
    nots: tuple[str, ...]

    def score(self, text: str) -> int:
        padded = f" {text} "
        if any(f" {n} " in padded for n in self.nots if " + " not in n) or any(
            all(f" {p} " in padded for p in n.split(" + ")) for n in self.nots if " + " in n
        ):
            return 0
        return max((p.score(text) for p in self.patterns), default=0)


@dataclass(frozen=True)
class Synonyms:
    expand: tuple[tuple[re.Pattern, str], ...]
    fields: dict[str, _FieldSpec]
    measures: tuple[tuple[str, str], ...]
    outcomes: tuple[tuple[str, str], ...]
    presence_yes: frozenset[str]
    presence_no: frozenset[str]
    mark_no: frozenset[str]
    holiday_sheet_words: tuple[str, ...]
    summary_sheet_words: tuple[str, ...]
    footer_words: tuple[str, ...]
    as_of_words: tuple[str, ...]


@lru_cache(maxsize=4)
def load_synonyms(path: str | None = None) -> Synonyms:
    """The mapping heuristics as data (``data/header-synonyms.json`` unless ``path``)."""
    raw = json.loads(Path(path or _DATA_DIR / "header-synonyms.json").read_text(encoding="utf-8"))
    fields = {}
    for name, spec in raw["fields"].items():
        pats = []
        for p in spec["patterns"]:
            if p.startswith("="):
                pats.append(_Pattern((p[1:].strip(),), True))
            else:
                pats.append(_Pattern(tuple(x.strip() for x in p.split(" + ")), False))
        fields[name] = _FieldSpec(name, spec["kind"], tuple(pats), tuple(spec.get("not", ())))
    return Synonyms(
        expand=tuple((re.compile(a), b) for a, b in raw["expand"]),
        fields=fields,
        measures=tuple((a, b) for a, b in raw["measures"]),
        outcomes=tuple((a, b) for a, b in raw["outcomes"]),
        presence_yes=frozenset(raw["presence_yes"]),
        presence_no=frozenset(raw["presence_no"]),
        mark_no=frozenset(raw["mark_no"]),
        holiday_sheet_words=tuple(raw["holiday_sheet_words"]),
        summary_sheet_words=tuple(raw["summary_sheet_words"]),
        footer_words=tuple(raw.get("footer_words", ())),
        as_of_words=tuple(raw["as_of_words"]),
    )


def normalise_header(text: str, syn: Synonyms | None = None) -> str:
    """Folded header with abbreviations expanded: "Ngày VKS nhận QĐ" -> "ngay vien kiem sat nhan
    quyet dinh"."""
    syn = syn or load_synonyms()
    t = fold(to_unicode(str(text)))
    for rx, rep in syn.expand:
        t = rx.sub(rep, t)
    t = re.sub(r"[^0-9a-z&]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def _field_scores(text: str, syn: Synonyms) -> dict[str, int]:
    if not text:
        return {}
    out = {}
    for name, spec in syn.fields.items():
        s = spec.score(text)
        if s:
            out[name] = s
    return out


def map_headers(headers: list[str], syn: Synonyms | None = None, alt: list[str] | None = None) -> dict[int, str]:
    """Propose column index -> field for header texts (already normalised). ``alt`` gives a
    second text per column (e.g. the sub-header alone) tried with a lower weight."""
    syn = syn or load_synonyms()
    cands: list[tuple[int, int, str]] = []
    for i, h in enumerate(headers):
        scores = _field_scores(h, syn)
        if not scores and alt and alt[i] and alt[i] != h:
            scores = {k: v - 1 for k, v in _field_scores(alt[i], syn).items() if v > 1}
        for f, s in scores.items():
            cands.append((s, i, f))
    cands.sort(key=lambda t: (-t[0], t[1]))
    used_cols: set[int] = set()
    used_fields: set[str] = set()
    mapping: dict[int, str] = {}
    for _s, i, f in cands:
        if i in used_cols or f in used_fields:
            continue
        mapping[i] = f
        used_cols.add(i)
        used_fields.add(f)
    return dict(sorted(mapping.items()))


# --- value readers -------------------------------------------------------------------------------


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _text(v) -> str:
    if isinstance(v, str):
        return _clean_str(v)
    if _is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return vdates.fmt(v if isinstance(v, dt.date) else v.date())
    return _clean_str(str(v))


@lru_cache(maxsize=65536)
def _clean_str(s: str) -> str:
    return re.sub(r"\s+", " ", _uni(s)).strip()


def _ftext(v) -> str:
    """fold(_text(v)), cached for strings."""
    return _fold_str(v) if isinstance(v, str) else fold(_text(v))


@lru_cache(maxsize=65536)
def _fold_str(s: str) -> str:
    return fold(_clean_str(s))


@lru_cache(maxsize=65536)
def _uni(s: str) -> str:
    return to_unicode(s)


def measure_code(text, syn: Synonyms | None = None) -> str:
    """Free text -> CSCNBB / CSGDBB / TGD / CSCNBB_MINOR ('' if unknown)."""
    syn = syn or load_synonyms()
    t = _ftext(text)
    if not t:
        return ""
    padded = f" {re.sub(r'[^0-9a-z]+', ' ', t)} "
    for phrase, code in syn.measures:
        if f" {phrase} " in padded:
            return code
    return ""


def outcome_label(text, syn: Synonyms | None = None) -> str:
    """Free text -> the canonical Vietnamese label ("Áp dụng"...); unknown text is returned
    tidied as written; '' for blank."""
    syn = syn or load_synonyms()
    raw = _text(text)
    t = _ftext(text)
    if not t:
        return ""
    padded = f" {re.sub(r'[^0-9a-z]+', ' ', t)} "
    for phrase, label in syn.outcomes:
        if f" {phrase} " in padded:
            return label
    return raw


def parse_months(v) -> int | None:
    """"18 tháng" -> 18, 24.0 -> 24, "1 năm 6 tháng" -> 18, "2 năm" -> 24; None if not read."""
    if _is_blank(v) or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return int(v) if float(v).is_integer() and v >= 0 else None
    t = _ftext(v)
    years = re.search(r"(\d+(?:[.,]\d+)?)\s*nam", t)
    months = re.search(r"(\d+)\s*(?:thang|th\b)", t)
    if years or months:
        total = 0.0
        if years:
            total += float(years[1].replace(",", ".")) * 12
        if months:
            total += int(months[1])
        return int(total) if total.is_integer() else None
    if m := re.fullmatch(r"(\d+)(?:[.,]0+)?", t):
        return int(m[1])
    return None


def parse_presence(v, syn: Synonyms | None = None) -> bool | None:
    """"x", "có", "có mặt" -> True; "vắng", "vắng mặt", "không" -> False; blank -> None."""
    syn = syn or load_synonyms()
    if _is_blank(v):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return bool(v)
    t = _ftext(v).strip(" .")
    if t in syn.presence_yes:
        return True
    if t in syn.presence_no or t.startswith("vang") or t.startswith("khong"):
        return False
    if t.startswith("co"):
        return True
    return None


def parse_mark(v, syn: Synonyms | None = None) -> bool:
    """A mark column ("x", "có", "phức tạp"): any mark -> True; blank/"không"/"0" -> False."""
    syn = syn or load_synonyms()
    if _is_blank(v):
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return bool(v)
    return _ftext(v).strip(" .") not in syn.mark_no


# --- results -------------------------------------------------------------------------------------


@dataclass
class Column:
    index: int  # 0-based
    letter: str  # "A"
    header: str  # as shown: "Thông báo thụ lý / Ngày VKS nhận"
    normalised: str  # folded, abbreviations expanded (what was matched)
    field: str | None  # mapped field, or None (ignored)
    kind: str  # reader kind (date, text, flag...) or "ignored"; "formula" if computed
    source: str = "synonym"  # synonym | profile | none
    formula: bool = False  # most data cells hold formulas


@dataclass
class SheetInfo:
    name: str
    role: str  # data | holidays | summary | other
    header_rows: tuple[int, ...] = ()  # 1-based row numbers
    first_data_row: int | None = None


@dataclass
class RowReading:
    sheet: str
    row: int  # 1-based row number in the sheet
    values: dict[str, Any]  # flat case view (dates as dt.date), only fields the book has
    flags: dict[str, Any] = field(default_factory=dict)  # book's flag/formula columns, raw
    errors: dict[str, str] = field(default_factory=dict)  # "AD" -> "#VALUE!"
    note: str = ""
    extras: dict[str, Any] = field(default_factory=dict)  # stt, scan path, unmapped columns
    warnings: list[str] = field(default_factory=list)

    def flat(self) -> dict[str, Any]:
        """The JSON-compatible flat object (ISO dates), as in the samples' .cases.json."""
        out: dict[str, Any] = {}
        for k, v in self.values.items():
            if k not in FLAT_KEYS:
                continue
            out[k] = v.isoformat() if isinstance(v, dt.date) else v
        return out


@dataclass
class WorkbookReading:
    path: str
    sheets: list[SheetInfo]
    columns: dict[str, list[Column]]  # per data sheet
    rows: list[RowReading]
    as_of: dt.date | None = None  # the "Tính đến ngày" cell, if any
    holidays: list[dt.date] = field(default_factory=list)  # from a holiday sheet
    date1904: bool = False
    legacy_encoding: str | None = None  # 'tcvn3' | 'vni' if legacy text was found
    legacy_fonts: tuple[str, ...] = ()  # .VnTime / VNI-Times fonts named in the styles
    skipped: list[tuple[str, int, str]] = field(default_factory=list)  # (sheet, row, reason)
    warnings: list[str] = field(default_factory=list)  # book-level
    titles: list[str] = field(default_factory=list)  # text above the header of the first data sheet

    @property
    def data_sheets(self) -> list[str]:
        return [s.name for s in self.sheets if s.role == "data"]

    @property
    def fields(self) -> list[str]:
        """Every mapped field, in column order of the first data sheet then the others."""
        seen: dict[str, None] = {}
        for cols in self.columns.values():
            for c in cols:
                if c.field:
                    seen.setdefault(c.field, None)
        return list(seen)

    @property
    def mapping(self) -> dict[str, str]:
        """header (as shown) -> field, for the preview / saving as a profile."""
        return {c.header: c.field for cols in self.columns.values() for c in cols if c.field}

    @property
    def tracked_events(self) -> frozenset[str]:
        """Event codes whose columns the book has (for CaseFacts.tracked)."""
        fs = set(self.fields)
        return frozenset(code for k, (code, _a) in FLAT_EVENT_FIELDS.items() if k in fs)

    def cases(self) -> list[dict[str, Any]]:
        return [r.flat() for r in self.rows]


# --- xlsx metadata (errors, formulas, 1904, fonts): calamine hides these -----------------------


@dataclass
class _XlsxMeta:
    date1904: bool = False
    fonts: tuple[str, ...] = ()
    sheet_paths: dict[str, str] = field(default_factory=dict)


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _xlsx_meta(path: Path) -> _XlsxMeta | None:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                return None
            wbx = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace") if (
                "xl/_rels/workbook.xml.rels" in names
            ) else ""
            styles = z.read("xl/styles.xml").decode("utf-8", "replace") if "xl/styles.xml" in names else ""
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    meta = _XlsxMeta()
    meta.date1904 = bool(re.search(r'date1904="(?:1|true)"', wbx))
    targets = {
        m[1]: m[2]
        for m in re.finditer(r'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)
    }
    targets.update(
        {m[2]: m[1] for m in re.finditer(r'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)}
    )
    for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", wbx):
        attrs = m[1]
        name = re.search(r'\bname="([^"]*)"', attrs)
        rid = re.search(r'\br:id="([^"]*)"|\b\w+:id="([^"]*)"', attrs)
        if not name or not rid:
            continue
        target = targets.get(rid[1] or rid[2] or "")
        if not target:
            continue
        target = target.lstrip("/")
        if not target.startswith("xl/"):
            target = "xl/" + target
        meta.sheet_paths[html.unescape(name[1])] = target
    fonts = sorted({f for f in re.findall(r'<(?:\w+:)?name val="([^"]+)"', styles)})
    meta.fonts = tuple(f for f in fonts if f.lower().startswith((".vn", "vni", "vn-", "vn3")))
    return meta


_CELL_F = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f\b')
_CELL_E = re.compile(
    rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*\bt="e"[^>]*>(?:\s*<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>))?\s*<(?:\w+:)?v>([^<]*)<'
)


def _scan_sheet_xml(path: Path, member: str) -> tuple[dict[tuple[int, int], str], dict[int, set[int]]]:
    """(errors {(row0, col0): "#VALUE!"}, formulas {col0: {row0...}}), streaming the XML."""
    errors: dict[tuple[int, int], str] = {}
    formulas: dict[int, set[int]] = {}
    try:
        with zipfile.ZipFile(path) as z, z.open(member) as fh:
            buf = b""
            while True:
                chunk = fh.read(1 << 22)
                if chunk:
                    buf += chunk
                    cut = buf.rfind(b"</row>")
                    if cut < 0:
                        continue
                    part, buf = buf[: cut + 6], buf[cut + 6 :]
                else:
                    part, buf = buf, b""
                if b"f>" in part or b"f " in part or b"f/>" in part:  # any <f…> element at all?
                    for m in _CELL_F.finditer(part):
                        formulas.setdefault(_col_index(m[1].decode()), set()).add(int(m[2]) - 1)
                if b't="e"' in part:
                    for m in _CELL_E.finditer(part):
                        errors[(int(m[2]) - 1, _col_index(m[1].decode()))] = m[3].decode("utf-8", "replace")
                if not chunk:
                    break
    except (zipfile.BadZipFile, OSError, KeyError):
        pass
    return errors, formulas


# --- sheet analysis ------------------------------------------------------------------------------


def _row_is_blank(row: list) -> bool:
    return all(_is_blank(v) for v in row)


def _header_matches(row: list, syn: Synonyms) -> int:
    n = 0
    for v in row:
        if isinstance(v, str) and v.strip() and len(v) < 120:
            if _field_scores(normalise_header(v, syn), syn):
                n += 1
    return n


def _has_values(row: list) -> bool:
    return any(isinstance(v, (int, float, dt.date, dt.datetime)) and not isinstance(v, bool) for v in row)


def _find_header(rows: list[list], syn: Synonyms) -> tuple[int, ...] | None:
    limit = min(len(rows), MAX_HEADER_SCAN)
    scores = [_header_matches(rows[i], syn) for i in range(limit)]
    if not scores:
        return None
    best = max(range(limit), key=lambda i: (scores[i], -i))
    if scores[best] < 3:
        return None
    up, down = best - 1, best + 1
    if up >= 0 and scores[up] >= 2 and not _has_values(rows[up]):
        return (up, best)
    if down < limit and scores[down] >= 2 and not _has_values(rows[down]):
        return (best, down)
    return (best,)


def _header_texts(
    rows: list[list], hdr: tuple[int, ...], merges: list, width: int
) -> tuple[list[str], list[str]]:
    """(display header per column, sub-header alone per column)."""

    def cell(r: int, c: int) -> str:
        row = rows[r]
        v = row[c] if c < len(row) else ""
        return _text(v)

    if len(hdr) == 1:
        hs = [cell(hdr[0], c) for c in range(width)]
        return hs, hs
    g, s = hdr
    group = [cell(g, c) for c in range(width)]
    sub = [cell(s, c) for c in range(width)]
    merged_cols: set[int] = set()
    for (r0, c0), (r1, c1) in merges or []:
        if r0 <= g <= r1 and c1 > c0:
            text = cell(r0, c0)
            for c in range(c0, min(c1, width - 1) + 1):
                group[c] = text
                merged_cols.add(c)
        if r0 <= g <= r1 and r0 <= s <= r1:  # vertical merge: the sub-header is the group's
            for c in range(c0, min(c1, width - 1) + 1):
                sub[c] = ""
    if not merges:  # no merge information (.xls/.ods): carry a group header to the right
        last = ""
        for c in range(width):
            if group[c]:
                last = group[c] if sub[c] else ""
            elif sub[c] and last:
                group[c] = last
    shown = []
    for c in range(width):
        if group[c] and sub[c] and group[c] != sub[c]:
            shown.append(f"{group[c]} / {sub[c]}")
        else:
            shown.append(group[c] or sub[c])
    return shown, sub


def _find_as_of(rows: list[list], upto: int, syn: Synonyms, date1904: bool) -> dt.date | None:
    for r in range(min(upto, len(rows))):
        row = rows[r]
        for c, v in enumerate(row):
            if not isinstance(v, str) or not v.strip():
                continue
            t = fold(_uni(v))
            for w in syn.as_of_words:
                if t.startswith(w):
                    rest = v.strip()
                    # text after the words, e.g. "Tính đến ngày 31/12/2024"
                    tail = re.split(r":", rest, maxsplit=1)
                    cand = tail[1] if len(tail) > 1 else re.sub(r"^\D*", "", rest)
                    res = vdates.parse_date(cand.strip(), date1904=date1904) if cand.strip() else None
                    if res and res.value:
                        return res.value
                    for v2 in row[c + 1 :]:
                        if _is_blank(v2):
                            continue
                        res = vdates.parse_date(v2, date1904=date1904)
                        if res.value:
                            return res.value
                        break
    return None


def _sheet_role(name: str, rows: list[list], hdr, syn: Synonyms, mapped: dict[int, str]) -> str:
    fname = fold(name)
    if any(w in fname for w in syn.summary_sheet_words):
        return "summary"
    if any(w in fname for w in syn.holiday_sheet_words):
        return "holidays"
    if hdr is not None:
        fs = set(mapped.values())
        if ("name" in fs or "so_thu_ly" in fs) and len(fs) >= 4:
            return "data"
    # a sheet that is (mostly) one column of dates: a holiday list
    vals = [v for row in rows for v in row if not _is_blank(v)]
    if vals and sum(isinstance(v, (dt.date, dt.datetime)) for v in vals) >= 0.8 * len(vals):
        return "holidays"
    return "other"


# --- reading rows --------------------------------------------------------------------------------

_DATE_FIELD_LABELS = {
    "detected": "Ngày phát hiện",
    "dossier_prepared": "Ngày lập hồ sơ",
    "ldtb_received": "Ngày Phòng LĐTBXH nhận",
    "ldtb_transferred": "Ngày chuyển hồ sơ sang Tòa án",
    "court_received": "Ngày Tòa án nhận hồ sơ",
    "accepted": "Ngày thụ lý",
    "notice_date": "Ngày thông báo thụ lý",
    "notice_vks_received": "Ngày VKS nhận thông báo thụ lý",
    "session_order": "Ngày QĐ mở phiên họp",
    "session_date": "Ngày phiên họp",
    "decision_date": "Ngày quyết định",
    "decision_vks_received": "Ngày VKS nhận quyết định",
    "effective_recorded": "Ngày quyết định có hiệu lực",
    "police_received": "Ngày Công an nhận quyết định",
    "delivered": "Ngày đưa vào cơ sở",
    "archived": "Ngày nộp lưu hồ sơ kiểm sát",
}

# Procedural chains: each date should not be earlier than the last one before it in its chain.
ORDER_CHAINS: tuple[tuple[str, ...], ...] = (
    ("detected", "dossier_prepared", "ldtb_received", "ldtb_transferred", "court_received", "accepted"),
    ("accepted", "notice_date", "notice_vks_received"),
    ("accepted", "session_order", "session_date", "decision_date", "decision_vks_received"),
    ("decision_date", "effective_recorded", "police_received", "delivered"),
    ("accepted", "archived"),
)


def _order_warnings(values: dict[str, Any]) -> list[str]:
    out = []
    seen: set[tuple[str, str]] = set()
    for chain in ORDER_CHAINS:
        prev_key, prev = None, None
        for k in chain:
            d = values.get(k)
            if not isinstance(d, dt.date):
                continue
            if prev is not None and d < prev and (prev_key, k) not in seen:
                seen.add((prev_key, k))
                out.append(
                    f"{_DATE_FIELD_LABELS.get(k, k)} ({vdates.fmt(d)}) trước "
                    f"{_DATE_FIELD_LABELS.get(prev_key, prev_key).lower()} ({vdates.fmt(prev)})"
                )
            if prev is None or d >= prev:
                prev_key, prev = k, d
    return out


_EMPTY_BY_KIND = {
    "text": "",
    "name": "",
    "note": "",
    "date": None,
    "year": None,
    "measure": "",
    "outcome": "",
    "months": None,
    "presence": None,
    "mark": False,
}


def _read_row(
    sheet: str,
    r: int,
    row: list,
    cols: list[Column],
    errors: dict[tuple[int, int], str],
    syn: Synonyms,
    date1904: bool,
    as_of: dt.date | None,
) -> RowReading:
    rr = RowReading(sheet=sheet, row=r + 1, values={})
    values = rr.values
    width = len(row)
    for col in cols:
        i = col.index
        v = row[i] if i < width else None
        err = errors.get((r, i)) if errors else None
        f, kind = col.field, col.kind
        if kind == "date" and not err and not col.formula:  # most cells of a book: the same as below, shorter
            res = _parse_date_cached(v, date1904)
            d = res.value
            values[f] = d
            if res.warning or (d and as_of and d > as_of and f not in ("session_order", "session_date")):
                label = col.header or col.letter
                if res.warning:
                    rr.warnings.append(f"Cột «{label}» (ô {col.letter}{r + 1}): {res.warning}")
                if d and as_of and d > as_of and f not in ("session_order", "session_date"):
                    rr.warnings.append(
                        f"Cột «{label}» (ô {col.letter}{r + 1}): ngày {vdates.fmt(d)} sau ngày "
                        f"tính đến {vdates.fmt(as_of)}"
                    )
            continue
        if err:
            rr.errors[col.letter] = err
        label = col.header or col.letter
        if col.formula or kind in ("flag", "formula"):
            key = f or col.header or col.letter
            rr.flags[key] = err if err else (_uni(v) if isinstance(v, str) else v)
            if f in FLAT_KEYS:  # a computed data column: not data
                rr.values[f] = _EMPTY_BY_KIND.get(syn.fields[f].kind)
            continue
        if f is None:
            if not _is_blank(v) and col.header:
                rr.extras[col.header] = _uni(v) if isinstance(v, str) else v
            continue
        if err:
            rr.warnings.append(f"Cột «{label}» (ô {col.letter}{r + 1}): ô lỗi {err}, bỏ qua")
            v = None
        if kind == "date":
            res = _parse_date_cached(v, date1904)
            rr.values[f] = res.value
            if res.warning:
                rr.warnings.append(f"Cột «{label}» (ô {col.letter}{r + 1}): {res.warning}")
            if res.value and as_of and res.value > as_of and f not in ("session_order", "session_date"):
                rr.warnings.append(
                    f"Cột «{label}» (ô {col.letter}{r + 1}): ngày {vdates.fmt(res.value)} sau ngày "
                    f"tính đến {vdates.fmt(as_of)}"
                )
        elif kind == "year":
            res = vdates.parse_year(v, date1904=date1904)
            rr.values[f] = res.year
            if res.warning:
                rr.warnings.append(f"Cột «{label}» (ô {col.letter}{r + 1}): {res.warning}")
        elif kind == "name":
            rr.values[f] = _tidy_cached(v) if isinstance(v, str) else tidy_name(_text(v))
        elif kind == "measure":
            code = measure_code(v, syn)
            rr.values[f] = code
            if not code and not _is_blank(v):
                rr.warnings.append(f"Cột «{label}»: không nhận ra biện pháp «{_text(v)}»")
        elif kind == "outcome":
            lab = outcome_label(v, syn)
            rr.values[f] = lab
            if lab and lab == _text(v) and lab not in _outcome_labels(syn):
                rr.warnings.append(f"Cột «{label}»: kết quả «{lab}» giữ nguyên như sổ ghi")
        elif kind == "months":
            m = parse_months(v)
            rr.values[f] = m
            if m is None and not _is_blank(v):
                rr.warnings.append(f"Cột «{label}»: không đọc được thời hạn «{_text(v)}»")
        elif kind == "presence":
            p = parse_presence(v, syn)
            rr.values[f] = p
            if p is None and not _is_blank(v):
                rr.warnings.append(f"Cột «{label}»: không rõ có mặt hay vắng «{_text(v)}»")
        elif kind == "mark":
            rr.values[f] = parse_mark(v, syn)
        elif kind == "note":
            rr.note = _text(v) if not rr.note else (rr.note + "; " + _text(v) if _text(v) else rr.note)
            if f in FLAT_KEYS:
                rr.values[f] = _text(v)
        elif kind == "extra":
            if not _is_blank(v):
                rr.extras[f] = _uni(v) if isinstance(v, str) else v
        else:  # text
            rr.values[f] = _text(v)
    rr.warnings.extend(_order_warnings(rr.values))
    by = rr.values.get("birth_year")
    acc = rr.values.get("accepted")
    if isinstance(by, int) and isinstance(acc, dt.date) and not (12 <= acc.year - by <= 100):
        rr.warnings.append(f"Năm sinh {by} bất thường so với ngày thụ lý {vdates.fmt(acc)}")
    return rr


def _match_profile(col_header: str, sub: str, letter: str, profile: dict[str, str | None]) -> tuple[bool, str | None]:
    keys = {col_header, sub, letter, fold(col_header), fold(sub)}
    for k, f in profile.items():
        if k in keys or fold(k) in keys:
            return True, (f or None)
    return False, None


def read_workbook(path: str | Path, profile: dict[str, str | None] | None = None) -> WorkbookReading:
    """Read a tracking workbook. Raises WorkbookError (Vietnamese message) for a file that is
    not a readable workbook or has no recognisable data sheet."""
    book = BookReader(path, profile)
    for _item in book.items(keep=True):
        pass
    return book.reading


@dataclass
class _DataSheet:
    """A data sheet after its header was read: what reading its rows needs."""

    name: str
    rows: list[list]
    first: int  # 0-based index of the first row after the header
    cols: list[Column]
    errors: dict[tuple[int, int], str]
    as_of: dt.date | None
    key_fields: set[str]
    key_cols: list[int]
    key_norms: dict[int, str]
    digitless: set[int]


class BookReader:
    """A workbook read in two steps: opening it reads every sheet's role, header and columns (and
    the holiday sheet) into `reading` — everything but the rows —, and `total` counts the rows to
    come; items() then reads the data rows one by one, in the book's order, so that a big book's
    rows can be worked on while the rest is read. read_workbook does both. Raises WorkbookError
    as read_workbook does (a file that is not a workbook or has no data sheet: when opened)."""

    def __init__(self, path: str | Path, profile: dict[str, str | None] | None = None):
        from python_calamine import CalamineWorkbook  # local: keeps the domain import light

        p = Path(path)
        self.syn = syn = load_synonyms()
        if not p.exists():
            raise WorkbookError(f"Không tìm thấy tệp {p.name}")
        try:
            wb = CalamineWorkbook.from_path(str(p))
        except Exception as exc:  # calamine raises several types (CalamineError, PasswordError, ZipError)
            kind = type(exc).__name__
            if "Password" in kind or "password" in str(exc).lower() or "encrypt" in str(exc).lower():
                raise WorkbookError(f"Tệp {p.name} có mật khẩu; hãy bỏ mật khẩu rồi nhập lại") from exc
            raise WorkbookError(f"Không đọc được tệp {p.name}: tệp hỏng hoặc không phải sổ Excel ({kind})") from exc

        meta = _xlsx_meta(p) if p.suffix.lower() in (".xlsx", ".xlsm") else None
        self.date1904 = date1904 = bool(meta and meta.date1904)
        self.reading = reading = WorkbookReading(path=str(p), sheets=[], columns={}, rows=[], date1904=date1904)
        if meta:
            reading.legacy_fonts = meta.fonts
        profile = profile or {}
        self.sheets: list[_DataSheet] = []
        self.total = 0  # rows items() gives: every non-blank row under a data sheet's header
        # the XML scan for formulas and error cells (mostly inflating the zip) runs beside calamine's
        # reading of the cells: both let go of the interpreter, so a big book's start takes one of them
        scans: dict[str, Future] = {}
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiemsat-xlsx-scan") if meta else None
        if pool is not None:
            for sname, member in meta.sheet_paths.items():
                scans[sname] = pool.submit(_scan_sheet_xml, p, member)
            pool.shutdown(wait=False)

        for sname in wb.sheet_names:
            try:
                sheet = wb.get_sheet_by_name(sname)
                rows = sheet.to_python(skip_empty_area=False)
            except Exception as exc:  # noqa: BLE001 - one bad sheet must not hide the others
                reading.sheets.append(SheetInfo(sname, "other"))
                reading.warnings.append(f"Không đọc được trang «{sname}»: {type(exc).__name__}")
                continue
            hdr = _find_header(rows, syn)
            mapped: dict[int, str] = {}
            shown: list[str] = []
            subs: list[str] = []
            width = max((len(r) for r in rows), default=0)
            if hdr is not None:
                try:
                    merges = sheet.merged_cell_ranges or []
                except Exception:  # noqa: BLE001
                    merges = []
                shown, subs = _header_texts(rows, hdr, merges, width)
                norm = [normalise_header(h, syn) for h in shown]
                norm_sub = [normalise_header(s, syn) for s in subs]
                mapped = map_headers(norm, syn, alt=norm_sub)
            role = _sheet_role(sname, rows, hdr, syn, mapped)
            info = SheetInfo(sname, role)
            reading.sheets.append(info)
            if role == "holidays":
                for row in rows:
                    for v in row:
                        res = vdates.parse_date(v, date1904=date1904) if not _is_blank(v) else None
                        if res and res.value:
                            reading.holidays.append(res.value)
                continue
            if role != "data" or hdr is None:
                continue
            info.header_rows = tuple(h + 1 for h in hdr)
            first = hdr[-1] + 1
            info.first_data_row = first + 1
            if reading.as_of is None:
                reading.as_of = _find_as_of(rows, hdr[0], syn, date1904)
            if not reading.titles:
                reading.titles = [_text(v) for row in rows[: hdr[0]] for v in row if isinstance(v, str) and v.strip()]

            errors: dict[tuple[int, int], str] = {}
            formulas: dict[int, set[int]] = {}
            if sname in scans:
                errors, formulas = scans[sname].result()

            n_rows = sum(1 for r in rows[first:] if not _row_is_blank(r))
            self.total += n_rows
            n_data = max(1, n_rows)
            cols: list[Column] = []
            for i in range(width):
                header = shown[i] if i < len(shown) else ""
                letter = _col_letter(i)
                f = mapped.get(i)
                source = "synonym" if f else "none"
                if profile:
                    hit, pf = _match_profile(header, subs[i] if i < len(subs) else "", letter, profile)
                    if hit:
                        f, source = pf, "profile"
                if f and f not in syn.fields and f not in FLAT_KEYS:
                    reading.warnings.append(f"Hồ sơ ánh xạ: trường «{f}» không tồn tại (cột {letter})")
                    f = None
                if not header and not f:
                    continue
                kind = syn.fields[f].kind if f in syn.fields else ("text" if f else "ignored")
                is_formula = len({r for r in formulas.get(i, ()) if r >= first}) >= 0.5 * n_data
                if is_formula and f in FLAT_KEYS:
                    reading.warnings.append(
                        f"Trang «{sname}», cột {letter} «{header}»: cột công thức, không lấy làm dữ liệu"
                    )
                cols.append(
                    Column(i, letter, header, normalise_header(header, syn), f, kind, source, is_formula)
                )
            if profile:  # a profile may point two columns at one field: keep the first
                seen: set[str] = set()
                for c in cols:
                    if c.field and c.field in seen:
                        c.field, c.kind = None, "ignored"
                    elif c.field:
                        seen.add(c.field)
            reading.columns[sname] = cols
            key_fields = {c.field for c in cols if c.field in ("name", "so_thu_ly")}
            key_cols = [c.index for c in cols if c.field in key_fields]
            key_norms = {c.index: normalise_header(subs[c.index] or shown[c.index], syn)
                         for c in cols if c.index in key_cols}
            # a header repeated down the sheet: a cell with a digit cannot normalise to a header
            # without one (no abbreviation rule removes a digit; tests check the rules) — this
            # spares normalising every số thụ lý of the book
            digitless = {i for i, n in key_norms.items() if not _HAS_DIGIT.search(n)}
            self.sheets.append(_DataSheet(sname, rows, first, cols, errors, reading.as_of, key_fields, key_cols,
                                          key_norms, digitless))

        if not reading.data_sheets:
            raise WorkbookError(
                f"Không tìm thấy trang dữ liệu trong {p.name}: cần một dòng tiêu đề có các cột như "
                "«Họ và tên», «Số thụ lý», «Ngày thụ lý»"
            )

    def items(self, keep: bool = False) -> Iterator[tuple[str, int, RowReading | None, str]]:
        """Every non-blank row under a data sheet's header, in the book's order: (sheet, row
        number, its reading, "") for a data row, (sheet, row number, None, reason) for a row that
        is not one (a repeated header, a total or signature line, a row without name or số thụ
        lý). At the end, a warning if legacy-encoded text was found (reading.warnings). keep:
        also collect them in reading.rows / reading.skipped."""
        reading, syn, date1904 = self.reading, self.syn, self.date1904
        encodings: Counter[str] = Counter()
        for ds in self.sheets:
            sname, rows, cols, key_cols, key_norms, digitless = (ds.name, ds.rows, ds.cols, ds.key_cols, ds.key_norms,
                                                                  ds.digitless)
            for r in range(ds.first, len(rows)):
                row = rows[r]
                if _row_is_blank(row):
                    continue
                why = ""
                if any(
                    isinstance(row[i], str) and not (i in digitless and _HAS_DIGIT.search(row[i]))
                    and _norm_cell(row[i]) == key_norms[i]
                    for i in key_cols if i < len(row)
                ):
                    why = "dòng tiêu đề lặp lại"
                else:
                    maybe_footer = (bool(row) and isinstance(row[0], str)) or any(
                        i >= len(row) or _is_blank(row[i]) for i in key_cols
                    )
                    if maybe_footer and _is_footer(row, key_cols, syn):
                        why = "dòng tổng cộng / chữ ký"
                    elif not any(not _is_blank(row[c.index]) for c in cols
                                 if c.field in ds.key_fields and c.index < len(row)):
                        why = "không có họ tên hoặc số thụ lý"
                if why:
                    if keep:
                        reading.skipped.append((sname, r + 1, why))
                    yield sname, r + 1, None, why
                    continue
                for v in row:
                    if isinstance(v, str) and not v.isascii():
                        enc = _detect_cached(v)
                        if enc:
                            encodings[enc] += 1
                rr = _read_row(sname, r, row, cols, ds.errors, syn, date1904, ds.as_of)
                if keep:
                    reading.rows.append(rr)
                yield sname, r + 1, rr, ""
            ds.rows = []  # read: let the sheet's cells go
        if encodings:
            reading.legacy_encoding = encodings.most_common(1)[0][0]
            reading.warnings.append(
                f"Có {sum(encodings.values())} ô gõ bằng bảng mã cũ ({reading.legacy_encoding.upper()}), "
                "đã chuyển sang Unicode"
            )


def _is_footer(row: list, key_cols: list[int], syn: Synonyms) -> bool:
    """A totals or signature row under the table ("Tổng cộng: 3", "Người lập biểu"): the first
    filled cell or a name / số thụ lý cell starts with such words (one-word entries must be
    the whole cell, so "Công an huyện" is not "Cộng")."""
    cells = [i for i in key_cols if i < len(row)]
    first = next((i for i, v in enumerate(row) if not _is_blank(v)), None)
    if first is not None:
        cells.append(first)
    for i in cells:
        v = row[i]
        if isinstance(v, str) and v.strip():
            t = _fold_plain(v)
            for w in syn.footer_words:
                multi = " " in w
                if t == w or (multi and t.startswith(w + " ")) or re.match(rf"{re.escape(w)} \d", t):
                    return True
    return False


@lru_cache(maxsize=65536)
def _fold_plain(v: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^0-9a-z ]+", " ", fold(_uni(v)))).strip()


@lru_cache(maxsize=65536)
def _norm_cell(v: str) -> str:
    return normalise_header(v)


@lru_cache(maxsize=65536)
def _detect_cached(s: str) -> str | None:
    return detect_legacy(s)


@lru_cache(maxsize=65536)
def _tidy_cached(s: str) -> str:
    return tidy_name(_text(s))


_DATE_CACHE: dict[tuple, vdates.DateResult] = {}


def _parse_date_cached(v, date1904: bool) -> vdates.DateResult:
    """vdates.parse_date, remembered per (type, value): a book writes the same few thousand days
    (as date cells or as text) over and over. DateResult is frozen."""
    if v is None:
        return _EMPTY_DATE
    key = (type(v), v, date1904)
    try:
        return _DATE_CACHE[key]
    except KeyError:
        pass
    except TypeError:  # unhashable: not a cell value calamine gives, but never fail
        return vdates.parse_date(v, date1904=date1904)
    res = vdates.parse_date(v, date1904=date1904)
    if len(_DATE_CACHE) > 200_000:
        _DATE_CACHE.clear()
    _DATE_CACHE[key] = res
    return res


_EMPTY_DATE = vdates.parse_date(None)
_HAS_DIGIT = re.compile(r"[0-9]")


def _outcome_labels(syn: Synonyms) -> frozenset[str]:
    labels = getattr(syn, "_outcome_labels", None)
    if labels is None:
        labels = frozenset(x for _p, x in syn.outcomes)
        try:
            object.__setattr__(syn, "_outcome_labels", labels)
        except (AttributeError, TypeError):
            pass
    return labels
