"""Read models over findings: the case panel, the dashboard, the violations register."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiemsat.cases.models import Case
from kiemsat.cases.selectors import visible_cases
from kiemsat.domain import engine

from . import services

RESPONSIBLE_LABELS = {"court": "Tòa án", "proposer": "Cơ quan đề nghị", "police": "Công an", "procuracy": "Viện kiểm sát"}
UNIT_WORDS = {"WD": "ngày làm việc", "D": "ngày", "M": "tháng"}


def status_text(f: engine.Finding) -> str:
    """The status in the words of the issue: đúng hạn / vi phạm, chậm k ngày [làm việc] / quá hạn / …"""
    if f.status == engine.VIOLATION:
        if f.late is not None and f.unit:
            return f"Vi phạm, chậm {f.late:02d} {UNIT_WORDS[f.unit]}"
        return "Vi phạm"
    if f.status == engine.OVERDUE:
        return "Quá hạn"
    if f.status == engine.DUE_SOON:
        return "Sắp đến hạn"
    if f.status == engine.OK:
        return "Đúng hạn" if f.actual else ("Chưa đến hạn" if f.due else "Không phát sinh")
    reason = f.reason or ""
    if reason.startswith(engine.REASON_NULL):
        return "Chưa có căn cứ để tính"
    if reason.startswith(engine.REASON_MISSING):
        return "Thiếu dữ liệu"
    return "Không áp dụng" if reason.startswith("không áp dụng") else "Chưa phát sinh"


def is_relevant(f: engine.Finding) -> bool:
    """False for a rule that does not apply or has not started: shown folded away on the panel."""
    if f.status != engine.NOT_EVALUABLE:
        return True
    reason = f.reason or ""
    return reason.startswith((engine.REASON_NULL, engine.REASON_MISSING))


STATUS_CSS = {engine.VIOLATION: "danger", engine.OVERDUE: "danger", engine.DUE_SOON: "warning", engine.OK: "success",
              engine.NOT_EVALUABLE: "secondary"}


@dataclass
class Row:
    case: Case | None
    case_id: int
    person: str
    so_thu_ly: str
    staff: str
    f: engine.Finding

    @property
    def status_text(self) -> str:
        return status_text(self.f)

    @property
    def css(self) -> str:
        return STATUS_CSS.get(self.f.status, "secondary")

    @property
    def responsible_label(self) -> str:
        return RESPONSIBLE_LABELS.get(self.f.responsible or "", "—")

    @property
    def relevant(self) -> bool:
        return is_relevant(self.f)

    @property
    def found_on(self) -> dt.date | None:
        """The date that places the finding in a period (RULES.md "found in a period")."""
        return self.f.actual if self.f.status == engine.VIOLATION else self.f.due


def case_panel(case: Case, as_of: dt.date | None = None) -> list[Row]:
    findings = services.case_findings(case, as_of, include_info=True)
    order = {engine.VIOLATION: 0, engine.OVERDUE: 1, engine.DUE_SOON: 2, engine.OK: 3, engine.NOT_EVALUABLE: 4}
    rows = [Row(case, case.pk, case.person_name, case.so_thu_ly, "", f) for f in findings]
    rows.sort(key=lambda r: (not r.relevant, r.f.responsible is None, order.get(r.f.status, 9), r.f.due or dt.date.max))
    return rows


def _rows(qs, as_of, statuses) -> list[Row]:
    return [Row(None, s.case_id, s.facts.person, s.facts.so_thu_ly, s.facts.staff, s.finding)
            for s in services.scan(qs, as_of, statuses)]


@dataclass
class FindingFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    responsible: str = ""
    rule: str = ""
    staff: int | None = None
    status: str = ""  # violation | overdue | due_soon | "" (violation + overdue)


def findings_register(user, f: FindingFilters, as_of: dt.date | None = None) -> list[Row]:
    qs = visible_cases(user)
    if f.staff:
        qs = qs.filter(assigned_to_id=f.staff)
    statuses = (f.status,) if f.status else (engine.VIOLATION, engine.OVERDUE)
    rows = _rows(qs, as_of, statuses)
    out = []
    for r in rows:
        if f.responsible and r.f.responsible != f.responsible:
            continue
        if f.rule and r.f.rule != f.rule:
            continue
        d = r.found_on
        if f.date_from and (d is None or d < f.date_from):
            continue
        if f.date_to and (d is None or d > f.date_to):
            continue
        out.append(r)
    out.sort(key=lambda r: (r.found_on or dt.date.min), reverse=True)
    return out


def dashboard(user, as_of: dt.date | None = None, period: tuple[dt.date, dt.date] | None = None) -> dict:
    """What is overdue or due soon (mine and the unit's), execution countdowns, violations of the period."""
    as_of = as_of or services.local_today()
    qs = visible_cases(user)
    rows = _rows(qs, as_of, (engine.VIOLATION, engine.OVERDUE, engine.DUE_SOON))
    mine_ids = set(qs.filter(assigned_to=user).values_list("pk", flat=True))
    urgent = [r for r in rows if r.f.status in (engine.OVERDUE, engine.DUE_SOON)]
    urgent.sort(key=lambda r: (r.f.status != engine.OVERDUE, r.f.due or dt.date.max))
    start, end = period or (dt.date(as_of.year, 1, 1), as_of)
    violations = [r for r in rows if r.f.status == engine.VIOLATION and r.f.actual and start <= r.f.actual <= end]
    by_body: dict[str, int] = {}
    for r in violations:
        by_body[r.responsible_label] = by_body.get(r.responsible_label, 0) + 1
    return {
        "as_of": as_of,
        "mine": [r for r in urgent if r.case_id in mine_ids],
        "unit": urgent,
        "violations": violations,
        "by_body": sorted(by_body.items(), key=lambda kv: -kv[1]),
        "period": (start, end),
        "execution": execution_watch(qs, as_of),
    }


@dataclass
class ExecutionRow:
    case_id: int
    person: str
    so_thu_ly: str
    effective: dt.date
    estimated: bool
    expiry: dt.date | None
    alt_expiry: dt.date | None
    days_since_effect: int
    days_left: int | None


def execution_watch(qs, as_of: dt.date) -> list[ExecutionRow]:
    """People whose decision applying a measure took effect but who are not delivered yet."""
    from kiemsat.domain.engine import effective_date, limitation_expiry

    _, rs = services.active_ruleset()
    _, cal = services.active_calendar()
    cand = qs.filter(outcome="apply", stage__in=["decided", "execution"])
    out = []
    for c in services.facts_for(qs=cand):
        if any(e.code in ("delivered", "execution_exempted") for e in c.events):
            continue
        eff = effective_date(c, rs, cal, as_of)
        if eff.date is None or eff.date > as_of:
            continue
        lim = limitation_expiry(eff.date, c.measure, rs, cal)
        out.append(ExecutionRow(int(c.key), c.person, c.so_thu_ly, eff.date, eff.estimated, lim.due, lim.alt_due,
                                (as_of - eff.date).days, (lim.due - as_of).days if lim.due else None))
    out.sort(key=lambda r: (r.days_left is None, r.days_left if r.days_left is not None else 0))
    return out
