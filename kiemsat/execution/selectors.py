"""Read models of execution supervision and archive submission.

One table per unit scope (`table(user, as_of)`): every case with a Court decision, with what its
events say about the execution of that decision and whether (and when) the case ended. The
execution register, the archive list, the workload page's "open / finished" counts and the home
and case cards all read it, so the numbers on every screen are the same.

- Effective date: `engine.effective_date` (recorded, else computed and marked "ước tính").
- Statute of limitations: the engine's own rule `execution.limitation` (evaluated alone), so an
  evasion or a postponement that ended restarts the period from its end, an ongoing one pauses it
  and an exemption closes it, exactly as on the case page.
- A case ends (RULES.md "procuracy.archive", issue 6): a decision not applying the measure
  (không áp dụng, đình chỉ, giáo dục dựa vào cộng đồng) on the day it takes effect; a decision
  applying it when the person is delivered, exempted, or on the day the statute of limitations
  expires without delivery. A suspension (tạm đình chỉ) does not end a case.

The table is kept per process until the register (`cases.services.register_stamp`), the active
ruleset or calendar, or the date changes, like the dashboard's scan.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np

from kiemsat.cases.models import Case
from kiemsat.cases.selectors import visible_cases
from kiemsat.domain import engine
from kiemsat.domain.events import MEASURE_SHORT, Outcome
from kiemsat.domain.rules import Ruleset
from kiemsat.legal import services as legal
from kiemsat.org.permissions import visible_unit_ids

ENDING_OUTCOMES = frozenset({Outcome.NOT_APPLY, Outcome.TERMINATE, Outcome.COMMUNITY})
EXPIRING_DAYS = 30

# status codes of a person under an applying decision
S_NOT_EFFECTIVE = "not_effective"
S_TO_SEND = "to_send"
S_SENT = "sent"
S_POLICE = "police"
S_POSTPONED = "postponed"
S_EVASION = "evasion"
S_DELIVERED = "delivered"
S_EXEMPTED = "exempted"
S_EXPIRED = "expired"
STATUS_LABELS = {
    S_NOT_EFFECTIVE: "Quyết định chưa có hiệu lực",
    S_TO_SEND: "Chờ gửi quyết định để thi hành",
    S_SENT: "Đã gửi quyết định, Công an chưa nhận",
    S_POLICE: "Công an đã nhận, chưa bàn giao",
    S_POSTPONED: "Đang hoãn chấp hành",
    S_EVASION: "Đang trốn tránh",
    S_DELIVERED: "Đã bàn giao vào cơ sở",
    S_EXEMPTED: "Được miễn chấp hành",
    S_EXPIRED: "Đã hết thời hiệu, chưa bàn giao",
}
STATUS_CSS = {S_EXPIRED: "danger", S_DELIVERED: "success", S_EXEMPTED: "secondary", S_EVASION: "warning",
              S_POSTPONED: "info", S_NOT_EFFECTIVE: "light"}
PENDING = frozenset({S_NOT_EFFECTIVE, S_TO_SEND, S_SENT, S_POLICE, S_POSTPONED, S_EVASION})

FILTERS = {
    "": "Tất cả",
    "chua-ban-giao": "Chưa bàn giao",
    "sap-het-thoi-hieu": f"Hết thời hiệu trong {EXPIRING_DAYS} ngày",
    "het-thoi-hieu": "Đã hết thời hiệu",
    "da-ket-thuc": "Đã bàn giao, miễn chấp hành",
}


@dataclass
class Span:
    start: dt.date | None
    end: dt.date | None
    number: str = ""


@dataclass
class CaseRow:
    """One case with a decision, as the execution and archive screens see it."""

    case_id: int
    person: str
    name_sort: str
    so_thu_ly: str
    measure: str
    staff_id: int | None
    complex: bool
    outcome: str
    decision_date: dt.date | None
    decision_number: str = ""
    effective: dt.date | None = None
    estimated: bool = False
    effective_reason: str = ""
    sent: dt.date | None = None
    sent_number: str = ""
    police: dt.date | None = None
    delivered: dt.date | None = None
    handover_no: str = ""
    facility: str = ""
    exempted: dt.date | None = None
    postponements: list[Span] = field(default_factory=list)
    evasions: list[Span] = field(default_factory=list)
    expiry: dt.date | None = None
    alt_expiry: dt.date | None = None
    expiry_note: str = ""  # "tính lại từ ngày hết trốn tránh …" or why there is no expiry
    days_left: int | None = None
    status: str = ""  # one of STATUS_LABELS (applying decisions), "" otherwise
    ended_on: dt.date | None = None
    ended_how: str = ""
    archived: dt.date | None = None
    archive_no: str = ""

    @property
    def applies(self) -> bool:
        return self.outcome == Outcome.APPLY

    @property
    def status_label(self) -> str:
        if not self.status:
            return ""
        label = STATUS_LABELS[self.status]
        if self.status == S_POSTPONED and self.postponements and self.postponements[-1].end:
            label += f" đến {self.postponements[-1].end:%d/%m/%Y}"
        return label

    @property
    def css(self) -> str:
        if self.status in PENDING and self.days_left is not None and self.days_left <= EXPIRING_DAYS:
            return "warning"
        return STATUS_CSS.get(self.status, "")

    @property
    def measure_short(self) -> str:
        try:
            return MEASURE_SHORT[self.measure]
        except KeyError:
            return self.measure

    @property
    def pending(self) -> bool:
        """Still to be executed (not delivered, exempted or past the statute)."""
        return self.status in PENDING

    @property
    def urgeable(self) -> bool:
        """May go into an urging letter (whether something is overdue is checked when it is made)."""
        return self.status in (S_SENT, S_POLICE, S_EVASION, S_EXPIRED, S_TO_SEND)

    @property
    def facility_text(self) -> str:
        """The facility the person was handed over to (the note of the delivered event)."""
        text = self.facility or ""
        return text[len("Cơ sở:"):].strip() if text.startswith("Cơ sở:") else text

    @property
    def ended(self) -> bool:
        return self.ended_on is not None

    def postponed_on(self, day: dt.date) -> Span | None:
        """The postponement in force on `day` (started, not ended before it)."""
        for s in self.postponements:
            if s.start and s.start <= day and (s.end is None or day <= s.end):
                return s
        return None


def _sub_ruleset(rs: Ruleset) -> Ruleset:
    """The active ruleset running only execution.limitation (every rule stays readable by id:
    the effective date reads decision.effective and the windows)."""
    sub = Ruleset(rs.id, rs.title, rs.regimes, list(rs.rules), rs.meta)
    sub.rules = [r for r in rs.rules if r.id == "execution.limitation"]
    return sub


_SUB: dict = {}


def _limitation_rules(rs_pk: int, rs: Ruleset) -> Ruleset:
    hit = _SUB.get("rs")
    if hit is None or hit[0] != rs_pk or hit[1] is not rs:
        hit = _SUB["rs"] = (rs_pk, rs, _sub_ruleset(rs))
    return hit[2]


def _first(evs, code):
    xs = [e for e in evs if e.code == code and (e.date or e.received)]
    return min(xs, key=lambda e: e.date or e.received) if xs else None


def build_rows(qs, as_of: dt.date) -> list[CaseRow]:
    """The CaseRow of every case of qs that has a decision (no cache: `table` keeps them)."""
    rs_pk, rs = legal.active_ruleset()
    _, cal = legal.active_calendar()
    sub = _limitation_rules(rs_pk, rs)
    qs = qs.exclude(outcome="")
    info = {pk: rest for pk, *rest in qs.values_list("pk", "name_sort", "assigned_to_id", "complex", "outcome",
                                                     "decision_date")}
    from kiemsat.cases.models import Event

    if len(info) <= 200:
        # a few cases (the case page): their events read by case and picked here — with the code in
        # SQL, SQLite walks its (code, date) index over every "delivered" event of the register.
        # Same order as the query below: date (NULL first on SQLite, last on PostgreSQL), then id.
        from django.db import connections

        nulls_first = connections[qs.db].vendor != "postgresql"
        got = [(pk, cid, d, note) for pk, cid, code, d, note in Event.objects.using(qs.db).filter(case_id__in=list(info))
               .values_list("id", "case_id", "code", "date", "note") if code == "delivered" and note]
        got.sort(key=lambda r: ((r[2] is not None) == nulls_first, r[2] or dt.date.min, r[0]))
        notes = {cid: note for _pk, cid, _d, note in got}
    else:
        notes = dict(Event.objects.filter(case__in=qs.values("pk"), code="delivered").exclude(note="")
                     .order_by("date", "id").values_list("case_id", "note"))
    out: list[CaseRow] = []
    for facts in legal.facts_for(qs=qs):
        pk = int(facts.key)
        name_sort, staff_id, cplx, outcome, dec_date = info[pk]
        out.append(row_from_facts(facts, outcome, rs, sub, cal, as_of, name_sort=name_sort, staff_id=staff_id,
                                  complex_=bool(cplx), decision_date=dec_date, facility=notes.get(pk, "")))
    return out


def row_from_facts(facts, outcome: str, rs: Ruleset, sub: Ruleset, cal, as_of: dt.date, *, name_sort: str = "",
                   staff_id: int | None = None, complex_: bool = False, decision_date: dt.date | None = None,
                   facility: str = "") -> CaseRow:
    """The CaseRow of one case from its facts (`outcome`: of its last decision; `sub`:
    _sub_ruleset(rs))."""
    evs = facts.events
    decs = [e for e in evs if e.code == "decision" and (e.date or e.received)]
    dec = max(decs, key=lambda e: e.date or e.received) if decs else None
    row = CaseRow(int(facts.key), facts.person, name_sort, facts.so_thu_ly, facts.measure, staff_id, complex_,
                  outcome, decision_date, decision_number=dec.number if dec else "")
    eff = engine.effective_date(facts, rs, cal, as_of)
    row.effective, row.estimated, row.effective_reason = eff.date, eff.estimated, eff.reason
    e = _first(evs, "sent_for_execution")
    if e:
        row.sent, row.sent_number = e.date or e.received, e.number
    e = _first(evs, "police_received")
    row.police = (e.date or e.received) if e else None
    e = _first(evs, "delivered")
    if e:
        row.delivered, row.handover_no = e.date or e.received, e.number
        row.facility = facility
    e = _first(evs, "execution_exempted")
    row.exempted = (e.date or e.received) if e else None
    row.postponements = sorted((Span(x.date or x.received, x.end, x.number) for x in evs
                                if x.code == "execution_postponed" and (x.date or x.received)),
                               key=lambda s: s.start)
    row.evasions = sorted((Span(x.date or x.received, x.end) for x in evs
                           if x.code == "evasion" and (x.date or x.received)), key=lambda s: s.start)
    arch = [x for x in evs if x.code == "archived" and (x.date or x.received) and (x.date or x.received) <= as_of]
    if arch:
        a = max(arch, key=lambda x: x.date or x.received)
        row.archived, row.archive_no = a.date or a.received, a.number
    if outcome == Outcome.APPLY:
        _execution_status(row, facts, sub, cal, as_of)
    elif outcome in ENDING_OUTCOMES:
        if row.effective and row.effective <= as_of:
            row.ended_on = row.effective
            row.ended_how = "Quyết định " + ("không áp dụng" if outcome == Outcome.NOT_APPLY else
                                             "đình chỉ" if outcome == Outcome.TERMINATE else
                                             "giáo dục dựa vào cộng đồng") + " có hiệu lực"
    return row


def _execution_status(row: CaseRow, facts, sub: Ruleset, cal, as_of: dt.date) -> None:
    lim = None
    for f in engine.evaluate(facts, sub, cal, as_of, legal.due_soon_wd()):
        if f.rule == "execution.limitation":
            lim = f
    if lim is not None:
        if lim.due and lim.status != engine.NOT_EVALUABLE:
            row.expiry, row.alt_expiry = lim.due, lim.alt_due
            row.days_left = (lim.due - as_of).days
            row.expiry_note = "tính lại từ ngày hết trốn tránh/hoãn" if lim.start and lim.start != row.effective else ""
        elif lim.reason:
            row.expiry_note = lim.reason
    if row.delivered and row.delivered <= as_of:
        row.status, row.ended_on, row.ended_how = S_DELIVERED, row.delivered, "Đã bàn giao người vào cơ sở"
    elif row.exempted and row.exempted <= as_of:
        row.status, row.ended_on, row.ended_how = S_EXEMPTED, row.exempted, "Miễn chấp hành"
    elif lim is not None and lim.status == engine.OVERDUE and lim.due:
        row.status, row.ended_on, row.ended_how = S_EXPIRED, lim.due, "Hết thời hiệu thi hành"
    elif any(s.start <= as_of and (s.end is None or as_of <= s.end) for s in row.evasions):
        row.status = S_EVASION
    elif row.postponed_on(as_of):
        row.status = S_POSTPONED
    elif row.effective is None or row.effective > as_of:
        row.status = S_NOT_EFFECTIVE
    elif row.police and row.police <= as_of:
        row.status = S_POLICE
    elif row.sent and row.sent <= as_of:
        row.status = S_SENT
    else:
        row.status = S_TO_SEND


# ------------------------------------------------------------------------------ the cached table
_CACHE: dict = {}


def _register_stamp() -> tuple:
    """The value of cases.services.register_stamp() — (number of cases, latest updated_at, highest
    id) — read as three single-aggregate queries: SQLite answers a lone MAX() from an index (when
    there is one) but scans the table for several aggregates in one SELECT."""
    from django.db.models import Max

    n = Case.objects.count()
    m = Case.objects.aggregate(m=Max("updated_at"))["m"]
    top = Case.objects.aggregate(top=Max("id"))["top"]
    return n, m, top


def stamp(request=None) -> tuple:
    """The register stamp (see _register_stamp), read once per request."""
    if request is None:
        return _register_stamp()
    got = getattr(request, "_kiemsat_register_stamp", None)
    if got is None:
        got = _register_stamp()
        request._kiemsat_register_stamp = got
    return got


def table(user, as_of: dt.date | None = None, stamp_: tuple | None = None):
    """The execution table (`fast.Table`: columns) of every case with a decision the user reads,
    as of a date; kept per process until the register, the ruleset, the calendar or the date
    changes (`stamp_`: the register stamp already read in this request). Shared: do not modify."""
    from . import fast

    as_of = as_of or legal.local_today()
    ids = visible_unit_ids(user)
    qs = visible_cases(user)
    key = (tuple(ids) if ids is not None else None, as_of, legal.active_ruleset()[0], legal.active_calendar()[0],
           stamp_ if stamp_ is not None else stamp(), qs.db)
    hit = _CACHE.get(key[0])
    if hit is not None and hit[0] == key:
        return hit[1]
    with _LOCK:  # one thread brings a scope up to date; the others wait for it rather than repeat it
        from kiemsat.cases.selectors import changes_since, request_mark

        hit = _CACHE.get(key[0])
        if hit is not None and hit[0] == key:
            return hit[1]
        now = time.monotonic()
        mark = request_mark(qs.db)  # before reading: what changes from here on is read again next time
        t = None
        if hit is not None and hit[0][:4] == key[:4] and hit[0][5] == key[5] and now - hit[2] < FULL_SECONDS:
            changed = changes_since(hit[3], qs.db, OVERLAP_SECONDS, now=mark)
            if changed is not None:
                t = fast.refresh(hit[1], qs, as_of, changed)
        made = hit[2] if t is not None else now
        if t is None:
            t = fast.table(qs, as_of)
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key[0]] = (key, t, made, mark)
        return t


_LOCK = threading.Lock()
FULL_SECONDS = 600  # a cached table is patched (fast.refresh) for at most this long, then made again
OVERLAP_SECONDS = None  # margin of cases.selectors.changes_since (None: its default); tests set 0


_ROWS: dict = {}


def full_rows(ids, as_of: dt.date | None = None, t=None) -> list[CaseRow]:
    """The CaseRows (every detail: names, numbers, spans, facility) of these cases, in this order:
    fresh objects. With `t` (the table they were picked from) rows already built for that table
    are reused (a table is replaced whenever the register changes)."""
    ids = [int(i) for i in ids]
    if not ids:
        return []
    as_of = as_of or legal.local_today()
    memo = None
    if t is not None:
        hit = _ROWS.get("t")
        if hit is None or hit[0] is not t or hit[1] != as_of:
            hit = _ROWS["t"] = (t, as_of, {})
        memo = hit[2]
        if len(memo) > 5000:
            memo.clear()
        if len(ids) > 1000:  # keep what pages show, not whole exports
            memo = None
    missing = [i for i in ids if memo is None or i not in memo]
    full = {}
    for k in range(0, len(missing), 2000):  # bounded IN lists (SQLite's limit on parameters)
        full.update((r.case_id, r) for r in build_rows(Case.objects.filter(pk__in=missing[k:k + 2000]), as_of))
    if memo is not None:
        memo.update(full)
        full = {i: memo[i] for i in ids if i in memo}
    return [replace(full[i]) for i in ids if i in full]


_DETAIL_CODES = ("decision", "sent_for_execution", "police_received", "delivered", "execution_exempted",
                 "execution_postponed", "evasion", "archived")


def export_rows(ids, t, as_of: dt.date) -> list[CaseRow]:
    """The rows of a (large) export: what the table computed (status, dates, statute, end) with the
    details read from the events — one query per 2,000 cases, no engine run. The few rows whose
    statute note only the engine can word (no expiry and not paused nor exempted: a period the law
    leaves open, no effective date) are built by build_rows. Same fields as full_rows but the reason
    for a missing effective date (tested)."""
    from kiemsat.cases.models import Event
    from kiemsat.domain.dates import fmt

    from .fast import STATUS_CODES

    _, cal = legal.active_calendar()
    ids = [int(i) for i in ids]
    pos = {pk: j for j, pk in enumerate(t.ids.tolist())}
    fromord = dt.date.fromordinal
    out: dict[int, CaseRow] = {}
    engine_ids = []
    for k in range(0, len(ids), 2000):
        chunk = ids[k:k + 2000]
        evs: dict[int, list] = {}
        for cid, code, d, rec, end, number, note in (Event.objects.filter(case_id__in=chunk, code__in=_DETAIL_CODES)
                                                      .order_by("id").values_list("case_id", "code", "date", "received",
                                                                                  "end", "number", "note")):
            if d or rec:
                evs.setdefault(cid, []).append((code, d or rec, end, number or "", note or ""))
        for pk, person, stl, measure, name_sort, staff, cplx, outcome, dec_date in Case.objects.filter(
                pk__in=chunk).values_list("pk", "person_name", "so_thu_ly", "measure", "name_sort", "assigned_to_id",
                                          "complex", "outcome", "decision_date"):
            j = pos.get(pk)
            if j is None:
                continue
            mine = sorted(evs.get(pk, ()), key=lambda e: e[1])  # by date, then by id (a stable sort)
            first = {}
            for e in mine:
                first.setdefault(e[0], e)
            decs = [e for e in mine if e[0] == "decision"]
            r = CaseRow(pk, person, name_sort, stl, measure, staff, bool(cplx), outcome, dec_date,
                        decision_number=max(decs, key=lambda e: e[1])[3] if decs else "")
            st = int(t.status[j])
            r.status = STATUS_CODES[st] if st >= 0 else ""
            r.effective = fromord(int(t.effective[j])) if t.effective[j] else None
            r.estimated = bool(t.estimated[j])
            if t.expiry[j]:
                r.expiry = fromord(int(t.expiry[j]))
                r.days_left = (r.expiry - as_of).days
                alt = cal.next_working_day(r.expiry)  # as engine._h_limitation
                r.alt_expiry = alt if alt != r.expiry else None
            if t.ended[j]:
                r.ended_on = fromord(int(t.ended[j]))
            if "sent_for_execution" in first:
                r.sent, r.sent_number = first["sent_for_execution"][1], first["sent_for_execution"][3]
            if "police_received" in first:
                r.police = first["police_received"][1]
            if "delivered" in first:
                e = first["delivered"]
                r.delivered, r.handover_no = e[1], e[3]
                r.facility = next((x[4] for x in reversed(mine) if x[0] == "delivered" and x[4]), "")
            if "execution_exempted" in first:
                r.exempted = first["execution_exempted"][1]
            r.postponements = [Span(e[1], e[2], e[3]) for e in mine if e[0] == "execution_postponed"]
            r.evasions = [Span(e[1], e[2]) for e in mine if e[0] == "evasion"]
            arch = [e for e in mine if e[0] == "archived" and e[1] <= as_of]
            if arch:
                a = max(arch, key=lambda e: e[1])
                r.archived, r.archive_no = a[1], a[3]
            if r.applies:
                if t.restarted[j]:
                    r.expiry_note = "tính lại từ ngày hết trốn tránh/hoãn"
                elif not r.expiry:
                    # the engine's wording (engine._exec_adjust): exemption, then an open evasion, then
                    # an open postponement (known on as_of); anything else: the engine itself
                    act = r.delivered if r.delivered and r.delivered <= as_of else None
                    ex = r.exempted if r.exempted and r.exempted <= as_of else None
                    open_ = [(what, sp.start) for what, spans in (("trốn tránh", r.evasions),
                                                                  ("hoãn chấp hành", r.postponements))
                             for sp in spans if sp.start <= as_of and (sp.end is None or sp.end > as_of)]
                    if ex and act is None:
                        r.expiry_note = f"miễn chấp hành ngày {fmt(ex)}: đã kết thúc việc thi hành"
                    elif open_ and act is None:
                        r.expiry_note = f"đang {open_[0][0]} từ {fmt(open_[0][1])}: tạm dừng tính thời hạn"
                    else:
                        engine_ids.append(pk)
                r.ended_how = {S_DELIVERED: "Đã bàn giao người vào cơ sở", S_EXEMPTED: "Miễn chấp hành",
                               S_EXPIRED: "Hết thời hiệu thi hành"}.get(r.status, "")
            elif r.ended_on:
                r.ended_how = "Quyết định " + ("không áp dụng" if outcome == Outcome.NOT_APPLY else
                                               "đình chỉ" if outcome == Outcome.TERMINATE else
                                               "giáo dục dựa vào cộng đồng") + " có hiệu lực"
            out[pk] = r
    for k in range(0, len(engine_ids), 2000):
        for r in build_rows(Case.objects.filter(pk__in=engine_ids[k:k + 2000]), as_of):
            out[r.case_id] = r
    return [out[i] for i in ids if i in out]


class Rows:
    """An ordered selection of the table, sliced into full CaseRows on demand (for Paginator)."""

    def __init__(self, ids: np.ndarray, as_of: dt.date, t=None):
        self.ids, self.as_of, self.t = ids, as_of, t

    def __len__(self) -> int:
        return len(self.ids)

    def count(self) -> int:
        return len(self.ids)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return full_rows(self.ids[k].tolist(), self.as_of, self.t)
        return full_rows([int(self.ids[k])], self.as_of, self.t)[0]


# ------------------------------------------------------------------------------ execution register
_BIG = 10**9


def _masks(t, as_of: dt.date) -> dict[str, np.ndarray]:
    def make():
        pending = t.status_is(*PENDING)
        days = t.expiry - as_of.toordinal()
        return {
            "": t.status >= 0,
            "chua-ban-giao": pending,
            "sap-het-thoi-hieu": pending & (t.expiry != 0) & (days >= 0) & (days <= EXPIRING_DAYS),
            "het-thoi-hieu": t.status_is(S_EXPIRED),
            "da-ket-thuc": t.status_is(S_DELIVERED, S_EXEMPTED),
        }

    return t.order(("masks", as_of), make)


def _register_order(t) -> np.ndarray:
    """Every applying case in the register's order: those still to execute, the nearest expiry
    first (then by name); then the others, the latest ended first (then by name)."""
    def make():
        pending = t.status_is(*PENDING)
        a = np.flatnonzero(pending)
        a = a[np.lexsort((t.ids[a], t.name_rank[a], np.where(t.expiry[a] == 0, _BIG, t.expiry[a])))]
        b = np.flatnonzero((t.status >= 0) & ~pending)
        b = b[np.lexsort((t.ids[b], t.name_rank[b], -t.ended[b]))]
        return np.concatenate([a, b])

    return t.order("register", make)


def register(user, flt: str = "", as_of: dt.date | None = None, staff: int | None = None, t=None) -> Rows:
    """People with a decision applying a measure, filtered: those still to execute first, the
    nearest statute expiry first; then those whose execution ended, the latest first."""
    as_of = as_of or legal.local_today()
    t = t if t is not None else table(user, as_of)
    m = _masks(t, as_of).get(flt if flt in FILTERS else "")
    if staff:
        m = m & (t.staff == staff)
    order = _register_order(t)
    return Rows(t.ids[order[m[order]]], as_of, t)


def counts(user, as_of: dt.date | None = None, t=None) -> dict[str, int]:
    """How many people each filter of the register shows."""
    as_of = as_of or legal.local_today()
    t = t if t is not None else table(user, as_of)
    return {k: int(v.sum()) for k, v in _masks(t, as_of).items()}


def case_row(case: Case, as_of: dt.date | None = None) -> CaseRow | None:
    """The row of one case (computed now, not from the cache)."""
    rows = build_rows(Case.objects.filter(pk=case.pk), as_of or legal.local_today())
    return rows[0] if rows else None


# ------------------------------------------------------------------------------ urging again
@dataclass
class Urge:
    case_id: int
    person: str
    so_thu_ly: str
    last_letter: object
    last_date: dt.date
    again_on: dt.date
    times: int
    paused_until: dt.date | None = None


def urge_state(user, as_of: dt.date | None = None) -> dict[int, Urge]:
    """Read once per request (kiemsat.web.memo; the dashboard asks twice). Shared: do not modify.

    case id → its urging state: every person cited in an issued urging letter who is still not
    delivered (nor exempted). `again_on` = last letter + the unit's "đôn đốc lại sau N ngày"
    (letters settings); a postponement of execution pauses urging: while it lasts the person does
    not come back, and afterwards not before the day after it ends."""
    from kiemsat.web.memo import per_request

    as_of = as_of or legal.local_today()
    return per_request(("execution.urge_state", user.pk, user.unit_id, as_of), lambda: _urge_state(user, as_of))


def _urge_state(user, as_of: dt.date) -> dict[int, Urge]:
    from kiemsat.cases.models import Event
    from kiemsat.letters import services as letter_services
    from kiemsat.letters.models import Kind, LetterFinding, State
    from kiemsat.letters.selectors import visible_letters

    lfs = (LetterFinding.objects.filter(letter__in=visible_letters(user).filter(kind=Kind.URGE, state=State.ISSUED),
                                        case__isnull=False)
           .select_related("letter__unit").order_by("letter__issued_on", "letter_id"))
    last: dict[int, tuple] = {}
    times: dict[int, set] = {}
    for lf in lfs:
        if lf.letter.issued_on is None or lf.letter.issued_on > as_of:
            continue
        last[lf.case_id] = (lf.letter, lf.person, lf.so_thu_ly)
        times.setdefault(lf.case_id, set()).add(lf.letter_id)
    if not last:
        return {}
    done, posts = set(), {}
    for cid, code, d, rec, end in Event.objects.filter(
            case_id__in=list(last), code__in=["delivered", "execution_exempted", "execution_postponed"]
    ).values_list("case_id", "code", "date", "received", "end"):
        start = d or rec
        if start is None or start > as_of:
            continue
        if code == "execution_postponed":
            posts.setdefault(cid, []).append((start, end))
        else:
            done.add(cid)
    out = {}
    days_cache: dict = {}
    for cid, (letter, person, stl) in last.items():
        if cid in done:
            continue
        if letter.unit_id not in days_cache:
            days_cache[letter.unit_id] = letter_services.settings_for(letter.unit).urge_days
        again = letter.issued_on + dt.timedelta(days=days_cache[letter.unit_id])
        paused = None
        for start, end in posts.get(cid, ()):
            if end is None or end >= letter.issued_on:  # a postponement since the last letter
                if end is None or as_of <= end:
                    paused = end or dt.date.max
                if end is not None:
                    again = max(again, end + dt.timedelta(days=1))
        out[cid] = Urge(cid, person, stl, letter, letter.issued_on, again, len(times[cid]), paused)
    return out


def urge_again(user, as_of: dt.date | None = None, state: dict | None = None) -> list[Urge]:
    """The people to urge again today: not delivered, not postponed, N days after the last letter
    (`state`: urge_state(user, as_of) already read)."""
    as_of = as_of or legal.local_today()
    state = state if state is not None else urge_state(user, as_of)
    rows = [u for u in state.values() if u.paused_until is None and as_of >= u.again_on]
    rows.sort(key=lambda u: (u.again_on, u.case_id))
    return rows


def urge_keys(case_ids, as_of: dt.date | None = None, user=None) -> tuple[list[tuple[int, str]], list[int]]:
    """The findings an urging letter can hold for these people: their overdue execution findings
    (police's: not delivered in time, statute expired). Returns (keys, case ids without any)."""
    as_of = as_of or legal.local_today()
    from kiemsat.letters.services import eligibility
    from kiemsat.letters.models import Kind

    qs = visible_cases(user) if user is not None else Case.objects.all()
    qs = qs.filter(pk__in=list(case_ids))
    _, rs = legal.active_ruleset()
    _, cal = legal.active_calendar()
    keys, without = [], []
    for facts in legal.facts_for(qs=qs):
        found = [f for f in engine.evaluate(facts, rs, cal, as_of, legal.due_soon_wd(), statuses=(engine.OVERDUE,))
                 if not eligibility(Kind.URGE, f)]
        if found:
            keys.extend((int(facts.key), f.rule) for f in found)
        else:
            without.append(int(facts.key))
    return keys, without


# ------------------------------------------------------------------------------ archive
@dataclass
class ArchiveRow:
    row: CaseRow
    due: dt.date | None
    overdue_days: int | None
    staff: str = ""

    @property
    def overdue(self) -> bool:
        return self.overdue_days is not None and self.overdue_days > 0


@dataclass
class ArchivePeriod:
    days: int | None  # None: the leaders have not set it
    unit: str
    citation: str
    status: str

    @property
    def is_set(self) -> bool:
        return self.days is not None


def _period_of(rs, on: dt.date | None) -> ArchivePeriod:
    rule = rs.by_id.get("procuracy.archive")
    if rule is None or "period" not in rule.params:
        return ArchivePeriod(None, "D", "", "U")
    pv = rule.params["period"].get(None, on)
    if pv is None:
        return ArchivePeriod(None, rule.unit or "D", "", "U")
    return ArchivePeriod(None if pv.value is None else int(pv.value), rule.unit or "D", pv.citation, pv.status)


def archive_period(on: dt.date | None = None) -> ArchivePeriod:
    """The period of `procuracy.archive` in force on a date (the leaders set it on the ruleset page)."""
    return _period_of(legal.active_ruleset()[1], on)


def _due_with(rs, cal, ended: dt.date) -> dt.date | None:
    p = _period_of(rs, ended)
    if p.days is None:
        return None
    if p.unit == "WD":
        return cal.add_wd(ended, p.days)
    if p.unit == "M":
        return cal.add_months(ended, p.days)
    return cal.add_days_moved(ended, p.days)


def archive_due(ended: dt.date) -> dt.date | None:
    """The day the dossier of a case ended on `ended` must be archived by (None: no period set).
    Counted like the engine counts a period of its unit (D: calendar days, moved off a day off)."""
    return _due_with(legal.active_ruleset()[1], legal.active_calendar()[1], ended)


@dataclass
class StaffArchive:
    staff_id: int | None
    name: str
    outstanding: int
    overdue: int


class Outstanding:
    """Ended cases whose supervision dossier is not archived, the most overdue first (then the
    earliest ended). Sliced into ArchiveRows on demand (Paginator)."""

    def __init__(self, ids, staff, ended, due, as_of: dt.date, t=None):
        self.ids, self.staff, self.ended, self.due, self.as_of, self.t = ids, staff, ended, due, as_of, t
        self.overdue_days = np.where(due != 0, as_of.toordinal() - due, -_BIG)

    def __len__(self) -> int:
        return len(self.ids)

    def count(self) -> int:
        return len(self.ids)

    @property
    def n_overdue(self) -> int:
        return int((self.overdue_days > 0).sum())

    def __getitem__(self, k):
        if not isinstance(k, slice):
            return self[k:k + 1][0]
        from kiemsat.org.models import User

        ids = self.ids[k].tolist()
        staff, due, od = self.staff[k].tolist(), self.due[k].tolist(), self.overdue_days[k].tolist()
        rows = {r.case_id: r for r in full_rows(ids, self.as_of, self.t)}
        names = dict(User.objects.filter(pk__in=[s for s in staff if s]).values_list("pk", "full_name"))
        return [ArchiveRow(rows[i], dt.date.fromordinal(d) if d else None, o if d else None, names.get(s, ""))
                for i, s, d, o in zip(ids, staff, due, od) if i in rows]

    def by_staff(self) -> list[StaffArchive]:
        from kiemsat.domain.vntext import sort_key_str
        from kiemsat.org.models import User

        out = []
        names = dict(User.objects.filter(pk__in=[int(s) for s in np.unique(self.staff) if s])
                     .values_list("pk", "full_name"))
        for s in np.unique(self.staff).tolist():
            m = self.staff == s
            out.append(StaffArchive(s or None, names.get(s, "Chưa phân công"), int(m.sum()),
                                    int((self.overdue_days[m] > 0).sum())))
        return sorted(out, key=lambda x: (-x.overdue, -x.outstanding, sort_key_str(x.name)))


def archive_outstanding(user, as_of: dt.date | None = None, staff: int | None = None, t=None) -> Outstanding:
    """Cases that ended (on or before as_of) and whose dossier is not archived since (kept with the
    table it is read from: a table is replaced whenever the register changes)."""
    as_of = as_of or legal.local_today()
    t = t if t is not None else table(user, as_of)
    rs, cal = legal.active_ruleset()[1], legal.active_calendar()[1]
    return t.order(("archive_outstanding", as_of, staff or None, id(rs), id(cal)),
                   lambda: _archive_outstanding(t, as_of, staff, rs, cal))


_DUES: dict = {}


def _dues_of(rs, cal, ended: np.ndarray) -> np.ndarray:
    """_due_with(rs, cal, e) of every ordinal of `ended` (0 = none); each date computed once per
    process for a ruleset and a calendar."""
    hit = _DUES.get("v")
    if hit is None or hit[0] is not rs or hit[1] is not cal or len(hit[2]) > 200_000:
        hit = _DUES["v"] = (rs, cal, {})
    memo = hit[2]
    if not len(ended):
        return np.zeros(0, dtype=np.int64)
    lo, hi = int(ended.min()), int(ended.max())
    seen = np.zeros(hi - lo + 1, dtype=bool)
    seen[ended - lo] = True
    lut = np.zeros(hi - lo + 1, dtype=np.int64)
    for e in (np.flatnonzero(seen) + lo).tolist():
        d = memo.get(e)
        if d is None:
            got = _due_with(rs, cal, dt.date.fromordinal(e))
            d = memo[e] = got.toordinal() if got else 0
        lut[e - lo] = d
    return lut[ended - lo]


def _archive_outstanding(t, as_of: dt.date, staff: int | None, rs, cal) -> Outstanding:
    m = (t.ended != 0) & ~((t.archived != 0) & (t.archived >= t.ended))
    if staff:
        m &= t.staff == staff
    idx = np.flatnonzero(m)
    ended = t.ended[idx]
    due = _dues_of(rs, cal, ended)
    od = np.where(due != 0, as_of.toordinal() - due, -_BIG)
    order = np.lexsort((t.ids[idx], ended, -od))
    idx, due = idx[order], due[order]
    return Outstanding(t.ids[idx], t.staff[idx], t.ended[idx], due, as_of, t)
