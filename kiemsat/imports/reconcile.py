"""Reconciliation: the book's own flag columns beside the engine's findings, row by row.

For each imported row, each of the book's checks (its "Vi phạm" formula columns and its
"Hết thời hiệu" date) is set against the engine's finding for the same rule, as of the book's
"Tính đến ngày" date (or today), and classed:

- khớp — both say the same;
- sổ bỏ sót — the engine finds a violation (or computes a date) where the book has nothing;
- sổ báo sai — the book flags (or gives a date) where the engine finds no violation;
- lệch ngày — both give a limitation date, different ones;
- ô lỗi — the book's formula cell is an error (#VALUE!…): it could not compute anything.

Every disagreement carries the engine's explanation and, where one is visible, the likely reason:
document date vs receipt date, a holiday missing from the book's own holiday list, a make-up
Saturday, the expiry moved to a working day, an estimated effective date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiemsat.domain import dates as vdates
from kiemsat.domain.engine import DUE_SOON, OK, OVERDUE, VIOLATION
from kiemsat.domain.workbook import parse_mark

from .fields import label
from .models import ImportBatch, ImportRow


@dataclass(frozen=True)
class BookCheck:
    """One of the book's own computed columns and the engine rule it stands for."""

    key: str  # the flag field, as the reader maps it
    rule: str  # the engine rule
    kind: str  # "flag" (a mark when violated) | "date" (a computed date: the rule's due date)
    title: str
    date_keys: tuple[str, ...] = ()  # the book's dates the rule may be counted from


# The book's checks as data: which column stands for which rule.
BOOK_CHECKS: tuple[BookCheck, ...] = (
    BookCheck("flag_notice_late", "court.notify_acceptance", "flag", "Gửi thông báo thụ lý",
              ("notice_date", "notice_vks_received")),
    BookCheck("flag_decision_late", "court.send_decision", "flag", "Gửi quyết định",
              ("decision_vks_received",)),
    BookCheck("limitation_expiry", "execution.limitation", "date", "Thời hiệu thi hành"),
)

MATCH, MISSED, FALSE_FLAG, DATE_DIFF, ERROR = "match", "missed", "false", "date", "error"
CLASS_LABELS = {
    MATCH: "khớp",
    MISSED: "sổ bỏ sót",
    FALSE_FLAG: "sổ báo sai",
    DATE_DIFF: "lệch ngày",
    ERROR: "ô lỗi",
}
CLASS_CSS = {MATCH: "success", MISSED: "danger", FALSE_FLAG: "warning", DATE_DIFF: "warning", ERROR: "secondary"}


@dataclass
class CheckResult:
    check: BookCheck
    cls: str
    book: str  # what the book shows
    engine: str  # what the engine says
    reasons: list[str] = field(default_factory=list)
    explanation: str = ""

    @property
    def label(self) -> str:
        return CLASS_LABELS[self.cls]

    @property
    def css(self) -> str:
        return CLASS_CSS[self.cls]

    @property
    def agrees(self) -> bool:
        return self.cls == MATCH


@dataclass
class RowResult:
    row: ImportRow
    results: list[CheckResult]

    @property
    def agrees(self) -> bool:
        return all(r.agrees for r in self.results)


@dataclass
class Reconciliation:
    batch: ImportBatch
    as_of: dt.date
    checks: list[BookCheck]
    rows: list[RowResult]

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        out = {c.key: {k: 0 for k in CLASS_LABELS} for c in self.checks}
        for r in self.rows:
            for res in r.results:
                out[res.check.key][res.cls] += 1
        return out

    @property
    def disagreements(self) -> int:
        return sum(1 for r in self.rows if not r.agrees)


_ERROR_VALUES = frozenset({"#VALUE!", "#REF!", "#N/A", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                           "#GETTING_DATA"})


def _is_error(v) -> bool:
    return isinstance(v, str) and v.strip().upper() in _ERROR_VALUES


def _as_date(v) -> dt.date | None:
    if isinstance(v, str) and len(v) >= 10:
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return vdates.parse_date(v).value
    return None


def _swapped(d: dt.date) -> dt.date | None:
    try:
        return dt.date(d.year, d.day, d.month) if d.day <= 12 and d.day != d.month else None
    except ValueError:
        return None


def _fmt(d) -> str:
    return vdates.fmt(d) if d else "—"


def _engine_text(f) -> str:
    if f is None:
        return "không phát sinh"
    if f.status == VIOLATION:
        unit = {"WD": " ngày làm việc", "D": " ngày", "M": " tháng"}.get(f.unit or "", "")
        return f"vi phạm, chậm {f.late}{unit}" if f.late is not None else "vi phạm"
    if f.status == OVERDUE:
        return f"quá hạn (hạn {_fmt(f.due)})"
    if f.status == DUE_SOON:
        return f"sắp đến hạn ({_fmt(f.due)})"
    if f.status == OK:
        return f"đúng hạn (hạn {_fmt(f.due)})" if f.due else "không vi phạm"
    return "chưa tính được" + (f": {f.reason}" if f.reason else "")


def _calendar_hints(f, holidays: set[dt.date], cal) -> list[str]:
    """Days in the counted period the book's holiday list would get wrong."""
    if f is None or cal is None or not f.start or not (f.due or f.actual) or f.unit != "WD":
        return []
    end = max(d for d in (f.due, f.actual) if d)
    out = []
    d = f.start + dt.timedelta(days=1)
    while d <= end and len(out) < 5:
        working = cal.is_working_day(d)
        if d.weekday() < 5 and not working and d not in holidays:
            out.append(f"Ngày {_fmt(d)} ({cal.day_name(d) or 'ngày nghỉ'}) là ngày nghỉ nhưng không có trong danh sách "
                       "ngày lễ của sổ")
        elif d.weekday() == 5 and working:
            out.append(f"Thứ Bảy {_fmt(d)} là ngày làm bù ({cal.day_name(d) or 'làm việc'}); công thức của sổ coi là ngày nghỉ")
        elif d.weekday() < 5 and working and d in holidays:
            out.append(f"Sổ ghi {_fmt(d)} là ngày nghỉ nhưng theo lịch đó là ngày làm việc")
        d += dt.timedelta(days=1)
    return out


def _date_hints(check: BookCheck, values: dict, f) -> list[str]:
    """The book may have counted from another of its dates (document vs receipt)."""
    if f is None or not f.due:
        return []
    out = []
    for key in check.date_keys:
        d = _as_date(values.get(key))
        if d is None or d == f.actual:
            continue
        late_by_it = d > f.due
        late_by_engine = bool(f.actual and f.actual > f.due) or f.status in (VIOLATION, OVERDUE)
        if late_by_it != late_by_engine:
            out.append(
                f"Tính theo «{label(key)}» ({_fmt(d)}) thì {'chậm' if late_by_it else 'đúng hạn'} so với hạn {_fmt(f.due)}; "
                f"phần mềm căn cứ ngày {_fmt(f.actual)}"
            )
    return out


def check_row(row: ImportRow, findings: dict, holidays: set[dt.date], cal, checks) -> RowResult:
    results = []
    for c in checks:
        raw = row.flags.get(c.key)
        f = findings.get(c.rule)
        engine_text = _engine_text(f)
        explanation = f.explanation if f is not None else ""
        if _is_error(raw):
            results.append(CheckResult(c, ERROR, raw, engine_text, [
                "Công thức của sổ trả về lỗi (thường do một ô ngày nhập dạng chữ hoặc để trống mà công thức không đọc được)"
            ], explanation))
            continue
        if c.kind == "flag":
            book_flag = parse_mark(raw)
            engine_flag = f is not None and f.status in (VIOLATION, OVERDUE)
            book_text = str(raw) if book_flag else "(không đánh dấu)"
            if book_flag == engine_flag:
                results.append(CheckResult(c, MATCH, book_text, engine_text, [], explanation))
                continue
            cls = MISSED if engine_flag else FALSE_FLAG
            reasons = _date_hints(c, row.values, f) + _calendar_hints(f, holidays, cal)
            results.append(CheckResult(c, cls, book_text, engine_text, reasons, explanation))
        else:
            book_date = _as_date(raw) if raw not in (None, "") else None
            due = f.due if f is not None else None
            engine_text = f"hết hạn {_fmt(due)}" if due else engine_text
            book_text = _fmt(book_date) if book_date else ("(trống)" if raw in (None, "") else str(raw))
            if book_date == due:
                results.append(CheckResult(c, MATCH, book_text, engine_text, [], explanation))
                continue
            reasons = []
            if book_date and due:
                cls = DATE_DIFF
                if f.alt_due and book_date == f.alt_due:
                    reasons.append("Sổ lùi ngày hết hạn sang ngày làm việc kế tiếp; phần mềm không lùi (thời hiệu là "
                                   "ngày hết hạn, xem căn cứ)")
                if "ước tính" in (f.explanation or ""):
                    reasons.append("Sổ không ghi ngày có hiệu lực: phần mềm ước tính ngày hiệu lực theo thời hạn khiếu nại, "
                                   "kiến nghị, kháng nghị")
                eff = _as_date(row.values.get("effective_recorded"))
                if eff and f.start and eff != f.start:
                    reasons.append(f"Ngày hiệu lực sổ ghi {_fmt(eff)}, phần mềm dùng {_fmt(f.start)}")
                if _swapped(book_date) in (due, f.alt_due):
                    reasons.append(f"Ngày của sổ ({_fmt(book_date)}) là ngày {_fmt(due)} bị đảo ngày và tháng: công thức "
                                   "có lẽ đã đọc một ô ngày nhập dạng chữ theo kiểu tháng/ngày")
                if not reasons:
                    reasons.append(f"Sổ lệch {abs((book_date - due).days)} ngày so với phần mềm")
            elif due:
                cls = MISSED
                reasons.append("Sổ để trống; phần mềm tính được ngày hết thời hiệu")
                if "ước tính" in (f.explanation or ""):
                    reasons.append("Sổ không ghi ngày có hiệu lực nên công thức của sổ không tính; phần mềm ước tính ngày "
                                   "hiệu lực theo thời hạn khiếu nại, kiến nghị, kháng nghị")
            else:
                cls = FALSE_FLAG
                reasons.append("Sổ có ngày hết thời hiệu nhưng phần mềm không tính thời hiệu cho vụ việc này"
                               + (f" ({f.reason})" if f is not None and f.reason else ""))
            results.append(CheckResult(c, cls, book_text, engine_text, reasons, explanation))
    return RowResult(row, results)


def reconcile(batch: ImportBatch, rows=None, as_of: dt.date | None = None) -> Reconciliation:
    """Reconcile a batch's rows (all its rows with a case, or the given ones)."""
    from kiemsat.legal.services import active_calendar, case_findings, local_today

    as_of = as_of or batch.as_of or local_today()
    holidays = {dt.date.fromisoformat(d) for d in batch.holidays or []}
    try:
        _id, cal = active_calendar()
    except Exception:  # noqa: BLE001 - hints only; the classes do not depend on it
        cal = None
    present = set()
    for cols in (batch.columns or {}).values():
        present |= {c.get("field") for c in cols}
    checks = [c for c in BOOK_CHECKS if c.key in present]
    if rows is None:
        rows = batch.rows.filter(case__isnull=False).select_related("case").order_by("id")
    out = []
    for r in rows:
        if r.case is None:
            continue
        findings = {f.rule: f for f in case_findings(r.case, as_of)}
        out.append(check_row(r, findings, holidays, cal, checks))
    return Reconciliation(batch, as_of, checks, out)
