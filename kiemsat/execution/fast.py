"""The execution table of a whole unit on numpy columns (the cases' digests, `cases.CaseDigest`),
so the execution register, the archive list and the workload page need not read every event.

It repeats, column-wise, what `selectors.build_rows` computes for each case — the effective date,
the statute of limitations of rule `execution.limitation` (restarted after an evasion or a
postponement, paused while one lasts, closed by an exemption), the status and the end of the
case — with the columnar evaluator's own pieces (`kiemsat.domain.vector`: effective date,
parameters, execution adjustments, calendar arithmetic). A case the columns cannot describe
(an event of a kind recorded twice, a challenge, a missing digest, a date outside the calendar…)
is computed by `selectors.build_rows` instead. tests/execution/test_fast.py compares both paths
on every case of a demo register.

The rows made here are "light": no names, numbers or spans (the page reads those for the rows it
shows, with build_rows).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from kiemsat.cases.models import Case
from kiemsat.domain import engine as E
from kiemsat.domain import vector as V
from kiemsat.domain.events import Outcome
from kiemsat.legal import fast as legal_fast
from kiemsat.legal import services as legal

from . import selectors as S

_STATUS_IX = [S.S_NOT_EFFECTIVE, S.S_TO_SEND, S.S_SENT, S.S_POLICE, S.S_POSTPONED, S.S_EVASION, S.S_DELIVERED,
              S.S_EXEMPTED, S.S_EXPIRED]


def _block(cols: V.Columns, rs, cal, as_of: dt.date, applies: np.ndarray, ending: np.ndarray) -> dict[str, np.ndarray]:
    """The columns of a block of cases; applies / ending: the outcome of each case's last decision
    (Case.outcome) applies the measure / is one that ends the case when it takes effect."""
    ev = V._Eval(cols, rs, cal, as_of, as_of, frozenset({E.OVERDUE}), V._Shared())
    n = cols.n
    a = ev.as_of
    eff, est = ev.effective()
    eff = V._where(ev.visible, eff, 0)
    est = est & (eff != 0)
    out_ix = V._where(ev.known("decision"), cols.col("decision", "outcome"), 0)
    delivered = ev.kw("delivered")
    exempted = ev.kw("execution_exempted")
    expiry = np.zeros(n, dtype=np.int64)
    restarted = np.zeros(n, dtype=bool)
    expired = np.zeros(n, dtype=bool)
    rule = rs.by_id.get("execution.limitation")
    if rule is not None and "period" in rule.params:
        m = applies & ev.visible & ~ev.blocked & (eff != 0)
        if rule.applies_to != "all":
            m &= ~ev.minor if rule.applies_to == "adult" else ev.minor
        pvi = ev._start_pv(rule, "period", eff)
        ok, months = ev.usable(pvi)
        m &= ok
        start, closed, _note, _nd = ev.exec_adjust(eff, delivered)
        m &= ~closed
        due, _raw = ev.due("M", start, months, m)
        _alt, bad = ev.cal.next_wd(V._where(m, due, ev.cal.base))
        ev.fb |= m & bad
        late = m & (delivered == 0) & (a > due)
        if rule.overdue == "never":
            tracked = np.zeros(n, dtype=bool)
        else:
            tracked = cols.tracks(rule.act or "")
        expired = late & tracked
        shown = m & ~(late & ~tracked & (rule.overdue != "never"))
        expiry = V._where(shown, due, 0)
        restarted = (expiry != 0) & (start != eff)

    def ongoing(code):
        k = ev.known(code)
        end = ev._k(code, "end")
        return k & ((end == 0) | (end >= a))

    police, sent = ev.kw("police_received"), ev.kw("sent_for_execution")
    status = np.full(n, -1, dtype=np.int64)
    todo = applies.copy()

    def put(mask, code):
        nonlocal todo
        hit = todo & mask
        status[hit] = _STATUS_IX.index(code)
        todo = todo & ~hit

    put(delivered != 0, S.S_DELIVERED)
    put(exempted != 0, S.S_EXEMPTED)
    put(expired, S.S_EXPIRED)
    put(ongoing("evasion"), S.S_EVASION)
    put(ongoing("execution_postponed"), S.S_POSTPONED)
    put((eff == 0) | (eff > a), S.S_NOT_EFFECTIVE)
    put(police != 0, S.S_POLICE)
    put(sent != 0, S.S_SENT)
    put(np.ones(n, dtype=bool), S.S_TO_SEND)
    ended = np.zeros(n, dtype=np.int64)
    st = status
    ended = V._where(st == _STATUS_IX.index(S.S_DELIVERED), delivered, ended)
    ended = V._where(st == _STATUS_IX.index(S.S_EXEMPTED), exempted, ended)
    ended = V._where(st == _STATUS_IX.index(S.S_EXPIRED), expiry, ended)
    ended = V._where(ending & (eff != 0) & (eff <= a), eff, ended)
    return {"eff": eff, "est": est, "expiry": expiry, "status": status, "ended": ended,
            "archived": ev.kw("archived"), "outcome": out_ix, "restarted": restarted, "fb": ev.fb.copy()}


STATUS_CODES = _STATUS_IX  # status index -> code (selectors.STATUS_LABELS)


class Table:
    """The execution table of a unit as columns, one entry per case with a decision, in pk order:
    ids, staff (assigned user id, 0 = none), complex, applies (a decision applying the measure),
    status (index into STATUS_CODES, -1 = not an applying decision), effective, expiry, ended,
    archived (date ordinals, 0 = none), estimated, name_rank (the Vietnamese name order), restarted
    (the statute runs from the end of an evasion or a postponement, not from the effective date)."""

    FIELDS = ("ids", "staff", "complex", "applies", "status", "effective", "estimated", "expiry", "ended", "archived",
              "name_rank", "outcome_end", "restarted")

    def __init__(self, **cols):
        for k in self.FIELDS:
            setattr(self, k, cols[k])

    def __len__(self) -> int:
        return len(self.ids)

    def status_is(self, *codes: str) -> np.ndarray:
        """A mask of the cases in any of these statuses (kept: the table does not change)."""
        key = frozenset(codes)
        memo = self.__dict__.setdefault("_masks", {})
        hit = memo.get(key)
        if hit is None:
            hit = np.zeros(len(self.ids), dtype=bool)
            for c in codes:
                hit |= self.status == STATUS_CODES.index(c)
            memo[key] = hit
        return hit

    def order(self, name: str, make) -> np.ndarray:
        """A permutation computed once per table (`make()`), e.g. the register's sort orders."""
        memo = self.__dict__.setdefault("_orders", {})
        hit = memo.get(name)
        if hit is None:
            hit = memo[name] = make()
        return hit


def table(qs, as_of: dt.date) -> Table:
    """The Table of every case of qs with a decision (see the module)."""
    _, rs = legal.active_ruleset()
    _, cal = legal.active_calendar()
    qs = qs.exclude(outcome="").order_by()
    ids, cols = legal_fast._read(qs)
    n = len(ids)
    # the Case's own columns, in pk order like ids
    rows = legal._raw(qs.db, qs.order_by("pk").values_list("pk", "name_sort", "assigned_to_id", "complex", "outcome"))
    if len(rows) != n:  # changed between the two reads: align on the ids
        by = {r[0]: r for r in rows}
        rows = [by.get(int(i), (int(i), "", None, False, "")) for i in ids.tolist()]
    names = np.array([r[1] or "" for r in rows], dtype=object)
    staff = np.fromiter(((r[2] or 0) for r in rows), dtype=np.int64, count=n)
    cplx = np.fromiter((bool(r[3]) for r in rows), dtype=bool, count=n)
    outcome_s = [r[4] for r in rows]
    applies = np.fromiter((o == Outcome.APPLY for o in outcome_s), dtype=bool, count=n)
    ending = np.fromiter((o in S.ENDING_OUTCOMES for o in outcome_s), dtype=bool, count=n)
    parts = []
    for lo in range(0, cols.n, V.BLOCK):
        hi = min(lo + V.BLOCK, cols.n)
        parts.append(_block(cols.block(lo, hi), rs, cal, as_of, applies[lo:hi], ending[lo:hi]))
    if parts:
        res = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    else:
        res = {k: np.zeros(0, dtype=np.int64) for k in ("eff", "est", "expiry", "status", "ended", "archived",
                                                         "outcome")}
        res["fb"] = res["restarted"] = np.zeros(0, dtype=bool)
    t = Table(ids=ids, staff=staff, complex=cplx, applies=applies, status=res["status"].astype(np.int64),
              effective=res["eff"].astype(np.int64), estimated=res["est"].astype(bool),
              expiry=res["expiry"].astype(np.int64), ended=res["ended"].astype(np.int64),
              archived=res["archived"].astype(np.int64), name_rank=np.zeros(n, dtype=np.int64),
              outcome_end=ending, restarted=res["restarted"].astype(bool))
    t.status = np.where(applies, t.status, -1)
    fb = np.flatnonzero(res["fb"])
    if len(fb):  # the engine's path for what the columns cannot describe
        pos = {int(ids[i]): int(i) for i in fb.tolist()}
        fb_ids = list(pos)
        o = dt.date.toordinal
        for i in range(0, len(fb_ids), 2000):
            for r in S.build_rows(Case.objects.using(qs.db).filter(pk__in=fb_ids[i:i + 2000]), as_of):
                j = pos[r.case_id]
                t.status[j] = STATUS_CODES.index(r.status) if r.status else -1
                t.effective[j] = o(r.effective) if r.effective else 0
                t.estimated[j] = r.estimated
                t.expiry[j] = o(r.expiry) if r.expiry else 0
                t.ended[j] = o(r.ended_on) if r.ended_on else 0
                t.archived[j] = o(r.archived) if r.archived else 0
                t.restarted[j] = r.expiry_note.startswith("tính lại")
    if n:
        order = np.argsort(names, kind="stable")
        t.name_rank[order] = np.arange(n)
    t._names = names
    return t


REFRESH_LIMIT = 5000  # changed cases beyond which refresh gives up (the caller makes the table again)


def refresh(old: Table, qs, as_of: dt.date, changed) -> Table | None:
    """The Table `old` of qs brought up to date after the cases `changed` (ids, in or out of qs) were
    created, changed or removed: only those cases are read and computed again (a case's columns do
    not depend on the other cases; the name order is recomputed only when a name or the set of
    cases changed). Equal to table(qs, as_of) (tests/legal/test_incremental.py). None when it
    cannot be done this way: make the table again."""
    names_old = old.__dict__.get("_names")
    changed = np.unique(np.asarray(list(changed), dtype=np.int64))
    if names_old is None or len(changed) > REFRESH_LIMIT or tuple(qs.query.order_by) or qs.query.is_sliced:
        return None
    if len(old.ids) > 1 and not (old.ids[1:] > old.ids[:-1]).all():
        return None
    sub = table(qs.filter(pk__in=changed.tolist()), as_of) if len(changed) else None
    sub_ids = sub.ids if sub is not None else np.zeros(0, dtype=np.int64)
    if len(sub_ids) > 1 and not (sub_ids[1:] > sub_ids[:-1]).all():
        return None
    kept = V.without(old.ids, changed)
    kept_ids = old.ids[kept]
    # both sorted and disjoint (the changed cases were taken out): merged by insertion, not by a
    # hash of the whole register (np.union1d)
    at = np.searchsorted(kept_ids, sub_ids)

    def merged(a_old, a_sub):
        return np.insert(a_old[kept], at, a_sub) if len(sub_ids) else a_old[kept]

    ids = merged(old.ids, sub_ids)
    cols = {k: merged(getattr(old, k), getattr(sub, k) if sub is not None else getattr(old, k)[:0])
            for k in Table.FIELDS if k not in ("ids", "name_rank")}
    names = merged(names_old, sub._names if sub is not None else names_old[:0])
    t = Table(ids=ids, name_rank=np.zeros(len(ids), dtype=np.int64), **cols)
    same_cases = len(ids) == len(old.ids) and (ids == old.ids).all()
    # same cases: a name can only differ where a changed case sits
    if same_cases and (names[at + np.arange(len(at))] == names_old[at + np.arange(len(at))]).all():
        t.name_rank = old.name_rank
    elif len(ids):
        t.name_rank[np.argsort(names, kind="stable")] = np.arange(len(ids))
    t._names = names
    return t
