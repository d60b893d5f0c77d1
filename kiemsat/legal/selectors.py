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


DASHBOARD_ROWS = 30


def _light(sc):
    """The columns of a scan (the columnar scan has them; a list of Scanned is converted)."""
    if hasattr(sc, "light"):
        return sc.light()
    import numpy as np

    from .fast import Light

    _, rs = services.active_ruleset()
    ix = {r.id: i for i, r in enumerate(rs.rules)}
    code = {engine.VIOLATION: 1, engine.OVERDUE: 2, engine.DUE_SOON: 3}
    return Light(case_id=np.array([s.case_id for s in sc], dtype=np.int64),
                 rule=np.array([ix.get(s.finding.rule, -1) for s in sc], dtype=np.int64),
                 status=np.array([code[s.finding.status] for s in sc], dtype=np.int64),
                 due=np.array([s.finding.due.toordinal() if s.finding.due else 0 for s in sc], dtype=np.int64),
                 actual=np.array([s.finding.actual.toordinal() if s.finding.actual else 0 for s in sc], dtype=np.int64),
                 rules=rs.rules)


def _entries(sc, ent) -> list[Row]:
    built = sc.build_entries(ent) if hasattr(sc, "build_entries") else [sc[int(i)] for i in ent]
    return [Row(None, s.case_id, s.facts.person, s.facts.so_thu_ly, s.facts.staff, s.finding) for s in built]


_UNIT_CACHE: dict = {}


def _unit_view(user, qs, as_of: dt.date):
    """(scan, its columns, execution watch) of the user's units as of a date, kept per process until
    the register, the ruleset or the calendar changes (cases.selectors.change_stamp: two index lookups,
    not a pass over the register; and the active versions)."""
    from kiemsat.cases.selectors import change_stamp
    from kiemsat.org.permissions import visible_unit_ids

    ids = visible_unit_ids(user)
    key = (tuple(ids) if ids is not None else None, as_of, services.active_ruleset()[0],
           services.active_calendar()[0], change_stamp(), qs.db)
    hit = _UNIT_CACHE.get(key[0])
    if hit is not None and hit[0] == key:
        return hit[1]
    sc = services.scan(qs, as_of, (engine.VIOLATION, engine.OVERDUE, engine.DUE_SOON))
    value = (sc, _light(sc), execution_watch(qs, as_of))
    if len(_UNIT_CACHE) > 16:
        _UNIT_CACHE.clear()
    _UNIT_CACHE[key[0]] = (key, value)
    return value


def dashboard(user, as_of: dt.date | None = None, period: tuple[dt.date, dt.date] | None = None) -> dict:
    """What is overdue or due soon (mine and the unit's, most urgent first), execution countdowns,
    violations found this period by responsible body. Counts and picks on the scan's columns and
    builds rows only for what the page shows."""
    import numpy as np

    as_of = as_of or services.local_today()
    qs = visible_cases(user)
    sc, L, execution = _unit_view(user, qs, as_of)
    # what depends only on the scan is computed once per cached scan (a province: a million findings)
    derived = L.__dict__.setdefault("_dashboard", {})
    urgent = derived.get("urgent")
    if urgent is None:
        urgent = np.flatnonzero(L.status >= 2)
        # overdue first, then due soon; each by due date
        urgent = derived["urgent"] = urgent[np.lexsort((L.due[urgent], L.status[urgent] != 2))]
    mine_ids = np.fromiter(qs.filter(assigned_to=user).values_list("pk", flat=True), dtype=np.int64)
    mine = urgent[np.isin(L.case_id[urgent], mine_ids)] if len(mine_ids) else urgent[:0]
    start, end = period or (dt.date(as_of.year, 1, 1), as_of)
    if (start, end) not in derived:
        vio = (L.status == 1) & (L.actual >= start.toordinal()) & (L.actual <= end.toordinal())
        bodies, counts = np.unique(L.responsible()[vio], return_counts=True)
        derived[(start, end)] = (int(vio.sum()), sorted(((RESPONSIBLE_LABELS.get(b, "—"), int(n))
                                                         for b, n in zip(bodies, counts)), key=lambda kv: -kv[1]))
    violation_count, by_body = derived[(start, end)]
    return {
        "as_of": as_of,
        "mine": _entries(sc, mine[:DASHBOARD_ROWS]),
        "mine_count": len(mine),
        "unit": _entries(sc, urgent[:DASHBOARD_ROWS]),
        "unit_count": len(urgent),
        "violation_count": violation_count,
        "by_body": by_body,
        "period": (start, end),
        "execution": execution,
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


EXECUTION_ROWS = 30


def execution_watch(qs, as_of: dt.date, limit: int = EXECUTION_ROWS) -> list[ExecutionRow]:
    """People whose decision applying a measure took effect but who are not delivered yet, the
    nearest statute-of-limitations expiry first (at most `limit`).

    Exact without evaluating everyone: a decision takes effect on or after its own date, so the
    expiry of a case is never before decision date + its limitation period. Cases are taken in
    order of that lower bound, in growing batches, until the next bound is past the `limit`-th
    expiry found."""
    from kiemsat.domain.engine import effective_date, limitation_expiry

    _, rs = services.active_ruleset()
    _, cal = services.active_calendar()
    cand = (qs.filter(outcome="apply", stage__in=["decided", "execution"], decision_date__isnull=False)
            .values_list("pk", "decision_date", "measure"))
    bound_cache: dict = {}

    def bound(decision: dt.date, measure: str) -> dt.date:
        key = (decision, measure)
        if key not in bound_cache:
            lim = limitation_expiry(decision, measure, rs, cal)
            bound_cache[key] = lim.due or dt.date.max
        return bound_cache[key]

    # the lower bounds, per measure in decision order (months differ by measure)
    by_measure: dict[str, list] = {}
    for pk, dec, measure in cand.order_by("decision_date", "pk"):
        by_measure.setdefault(measure, []).append((dec, pk))
    queue = sorted(((bound(dec, m), pk) for m, xs in by_measure.items() for dec, pk in xs))
    out: list[ExecutionRow] = []
    i, batch = 0, limit * 2
    while i < len(queue):
        chunk = queue[i:i + batch]
        i += len(chunk)
        ids = [pk for _b, pk in chunk]
        for c in services.facts_for(qs=qs.filter(pk__in=ids)):
            if any(e.code in ("delivered", "execution_exempted") for e in c.events):
                continue
            eff = effective_date(c, rs, cal, as_of)
            if eff.date is None or eff.date > as_of:
                continue
            lim = limitation_expiry(eff.date, c.measure, rs, cal)
            out.append(ExecutionRow(int(c.key), c.person, c.so_thu_ly, eff.date, eff.estimated, lim.due, lim.alt_due,
                                    (as_of - eff.date).days, (lim.due - as_of).days if lim.due else None))
        out.sort(key=lambda r: (r.expiry or dt.date.max, r.case_id))
        if len(out) >= limit and i < len(queue) and (out[limit - 1].expiry or dt.date.max) < queue[i][0]:
            break
        batch *= 2
    return out[:limit]
