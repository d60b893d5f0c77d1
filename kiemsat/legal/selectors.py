"""Read models over findings: the case panel, the dashboard, the violations register."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
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


@dataclass
class FindingFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    responsible: str = ""
    rule: str = ""
    staff: int | None = None
    status: str = ""  # violation | overdue | due_soon | "" (violation + overdue)


def findings_register(user, f: FindingFilters, as_of: dt.date | None = None) -> RegisterRows:
    """The findings of the user's cases that pass the filters, the most recently found first (ties:
    case, then the ruleset's order). Picked and sorted on the columns of the unit's cached scan
    (_unit_view); the rows are built when read (RegisterRows), so one page costs one page."""
    as_of = as_of or services.local_today()
    qs = visible_cases(user)
    sc, L, _ex = _unit_view(user, qs, as_of)
    if not f.staff:  # the same filters on the same scan: the same rows (kept with the scan's columns)
        memo = L.__dict__.setdefault("_register", {})
        key = (f.date_from, f.date_to, f.responsible, f.rule, f.status)
        ent = memo.get(key)
        if ent is None:
            if len(memo) > 64:
                memo.clear()
            ent = memo[key] = _register_entries(sc, L, f, qs)
        return RegisterRows(sc, ent)
    return RegisterRows(sc, _register_entries(sc, L, f, qs))


def _register_entries(sc, L, f: FindingFilters, qs):
    import numpy as np

    code = {engine.VIOLATION: 1, engine.OVERDUE: 2, engine.DUE_SOON: 3}
    wanted = [code[f.status]] if f.status else [1, 2]
    ent = sc._order if hasattr(sc, "_order") else np.arange(len(sc))
    ok = np.isin(L.status[ent], wanted)
    if f.staff:
        mine = np.fromiter(qs.filter(assigned_to_id=f.staff).values_list("pk", flat=True), dtype=np.int64)
        ok &= np.isin(L.case_id[ent], mine)
    if f.responsible:
        ok &= L.responsible()[ent] == f.responsible
    if f.rule:
        ix = next((i for i, r in enumerate(L.rules) if r.id == f.rule), None)
        if ix is None:
            ok &= False
        else:
            ok &= L.rule[ent] == ix
    found = np.where(L.status == 1, L.actual, L.due)[ent]  # Row.found_on; 0 = none
    if f.date_from:
        ok &= (found != 0) & (found >= f.date_from.toordinal())
    if f.date_to:
        ok &= (found != 0) & (found <= f.date_to.toordinal())
    ent, found = ent[ok], found[ok]
    return ent[np.argsort(-found, kind="stable")]


class RegisterRows(Sequence):
    """Rows of the violations register, built when read (a page at a time)."""

    def __init__(self, sc, ent):
        self._sc, self._ent = sc, ent

    def __len__(self) -> int:
        return len(self._ent)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return _entries(self._sc, self._ent[i])
        return _entries(self._sc, [self._ent[i]])[0]

    def __iter__(self):
        for a in range(0, len(self._ent), 2000):
            yield from _entries(self._sc, self._ent[a:a + 2000])


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
_UNIT_LOCK = threading.Lock()
FULL_SCAN_SECONDS = 600  # a cached scan is patched (see _refresh) for at most this long, then made again
OVERLAP_SECONDS = None  # margin of changes_since (None: its default); tests set 0


def _unit_view(user, qs, as_of: dt.date):
    """(scan, its columns, execution watch) of the user's units as of a date, kept per process and
    brought up to date when the register changes (cases.selectors.change_stamp: moves with every
    change of a case or its events): only the cases changed since (cases.selectors.changes_since)
    are read and evaluated again (fast.refresh, _refresh_watch) — the same result as a new scan.
    A new ruleset, calendar or date, a case removed, or FULL_SCAN_SECONDS: a new scan.

    _UNIT_CACHE[unit ids] = (key, value, state); key[1] is the date and key[4] the register stamp
    (execution.templatetags reads it)."""
    from kiemsat.cases.selectors import change_stamp, request_mark
    from kiemsat.org.permissions import visible_unit_ids

    ids = visible_unit_ids(user)
    scope = tuple(ids) if ids is not None else None
    stamp = change_stamp()
    key = (scope, as_of, services.active_ruleset()[0], services.active_calendar()[0], stamp, qs.db)
    hit = _UNIT_CACHE.get(scope)
    if hit is not None and hit[0] == key:
        return hit[1]
    with _UNIT_LOCK:  # one thread brings a scope up to date; the others wait for it rather than repeat it
        hit = _UNIT_CACHE.get(scope)
        if hit is not None and hit[0] == key:
            return hit[1]
        now = time.monotonic()
        mark = request_mark(qs.db)  # before reading: what changes from here on is read again next time
        value = None
        if hit is not None and hit[0][:4] == key[:4] and hit[0][5] == key[5] and now - hit[2]["made"] < FULL_SCAN_SECONDS:
            value = _refresh(hit, qs, as_of, mark)
        if value is None:
            sc = services.scan(qs, as_of, (engine.VIOLATION, engine.OVERDUE, engine.DUE_SOON))
            value = (sc, _light(sc), execution_watch(qs, as_of))
            state = {"made": now}
        else:
            state = hit[2]
        state["mark"] = mark
        if len(_UNIT_CACHE) > 16:
            _UNIT_CACHE.clear()
        _UNIT_CACHE[scope] = (key, value, state)
        return value


def _refresh(hit, qs, as_of: dt.date, now: tuple | None = None):
    """The cached value of hit brought up to date, or None (scan again)."""
    from kiemsat.cases.selectors import changes_since

    from . import fast

    (_key, (sc, _L, watch), state) = hit
    if not isinstance(sc, fast.FindingsScan):
        return None
    changed = changes_since(state["mark"], qs.db, OVERLAP_SECONDS, now=now)
    if changed is None:
        return None
    new = fast.refresh(sc, qs, changed)
    if new is None:
        return None
    return new, _light(new), _refresh_watch(watch, qs, as_of, changed)


def _refresh_watch(rows: list, qs, as_of: dt.date, changed: list[int], limit: int = None) -> list:
    """execution_watch(qs, as_of) given its value `rows` before the cases `changed` changed: when
    none of them was among the rows, the rows stay the first `limit` of the others and the changed
    cases are merged in (the order — expiry, then case — is total); else computed again."""
    limit = limit or EXECUTION_ROWS
    ch = set(changed)
    if any(r.case_id in ch for r in rows):
        return execution_watch(qs, as_of, limit)
    extra = execution_watch(qs.filter(pk__in=changed), as_of, limit) if changed else []
    out = sorted([*rows, *extra], key=lambda r: (r.expiry or dt.date.max, r.case_id))
    return out[:limit]


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
    from kiemsat.cases.selectors import assigned_ids

    mine_ids = assigned_ids(user, qs)  # kept per process, patched when the register changes
    got = derived.get(("mine", user.pk))  # kept while the scan and the user's cases are the same objects
    if got is not None and got[0] is mine_ids:
        mine = got[1]
    else:
        mine = urgent[np.isin(L.case_id[urgent], mine_ids)] if len(mine_ids) else urgent[:0]
        derived[("mine", user.pk)] = (mine_ids, mine)
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

    Exact without evaluating everyone: the effective date of a case (recorded, else counted from its
    first decision) is never before its earliest decision or recorded effective date
    (Case.effective_floor: an effective date may be typed before the decision), so its expiry is
    never before that date + the shortest limitation period its measure has in any version of the
    ruleset. Cases are taken in order of that lower
    bound, in growing batches, until the next bound is past the `limit`-th expiry found."""
    from kiemsat.domain.engine import effective_date, limitation_expiry

    _, rs = services.active_ruleset()
    _, cal = services.active_calendar()
    cand = (qs.filter(outcome="apply", stage__in=["decided", "execution"], decision_date__isnull=False)
            .values_list("pk", "decision_date", "effective_floor", "measure"))
    rule = rs.by_id.get("execution.limitation")
    param = rule.params.get("period") if rule is not None else None
    months: dict = {}
    bound_cache: dict = {}

    def bound(start: dt.date, measure: str) -> dt.date:
        key = (start, measure)
        if key not in bound_cache:
            if measure not in months:
                ns = [int(v.value) for v in (param.values(measure) if param is not None else ()) if v.value is not None]
                months[measure] = min(ns) if ns else None
            n = months[measure]  # None: no version gives an expiry, the case's row has none (sorted last)
            bound_cache[key] = cal.add_months(start, n) if n is not None else dt.date.max
        return bound_cache[key]

    # the lower bounds, per measure in start order (months differ by measure)
    by_measure: dict[str, list] = {}
    for pk, _decision, eff, measure in cand.order_by("decision_date", "pk"):
        # a row written without the summary (no floor): bound by the 1900s, i.e. always read
        by_measure.setdefault(measure, []).append((eff if eff is not None else dt.date(1900, 1, 1), pk))
    queue = sorted(((bound(start, m), pk) for m, xs in by_measure.items() for start, pk in xs))
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
