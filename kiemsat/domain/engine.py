"""The deadline engine: (case facts + ruleset + calendar, as of a date) -> findings. Pure Python.

`evaluate(case, ruleset, calendar, as_of)` returns one Finding per rule that applies to the case
(RULES.md): `violation`, `overdue`, `due_soon`, `ok` or `not_evaluable` with the reason. It never
raises on bad or missing input. The numbers, citations and statuses come from the ruleset data;
this module holds only the procedure (which event starts what, which date proves an act).

Explanations are built lazily (on first access of `Finding.explanation`) to keep scans fast.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from .calendar import WorkCalendar, fmt
from .events import CHALLENGE_CODES, Measure, Outcome
from .facts import CaseFacts, EventFact
from .rules import ParamValue, RuleDef, Ruleset

VIOLATION = "violation"
OVERDUE = "overdue"
DUE_SOON = "due_soon"
OK = "ok"
NOT_EVALUABLE = "not_evaluable"
STATUSES = (VIOLATION, OVERDUE, DUE_SOON, OK, NOT_EVALUABLE)

FLAG_UNVERIFIED = "căn cứ chưa xác minh"
FLAG_PROVISIONAL = "lịch dự kiến"
FLAG_VKS_RECEIPT = "căn cứ ngày VKS nhận"
FLAG_POLICE_RECEIPT = "căn cứ ngày Công an nhận"
FLAG_EFFECTIVE_ESTIMATED = "ngày hiệu lực ước tính"
FLAG_COMPLEX_EXCEPT = "trừ trường hợp vụ việc phức tạp"

REASON_NULL = "chưa có căn cứ để tính"
REASON_MISSING = "thiếu dữ liệu"

UNIT_WORDS = {"WD": "ngày làm việc", "D": "ngày", "M": "tháng"}
STATUS_LABELS = {
    VIOLATION: "Vi phạm",
    OVERDUE: "Quá hạn",
    DUE_SOON: "Sắp đến hạn",
    OK: "Đúng hạn / chưa đến hạn",
    NOT_EVALUABLE: "Không đánh giá được",
}

_ONE = dt.timedelta(days=1)


# ====================================================================== the result
@dataclass(slots=True)
class Finding:
    rule: str
    status: str
    due: dt.date | None = None
    actual: dt.date | None = None
    late: int | None = None
    unit: str | None = None  # WD | D | M | None (fact checks)
    responsible: str | None = None  # court | proposer | police | procuracy | None (windows, effect)
    citation: str = ""
    verified: bool = False
    flags: list[str] = field(default_factory=list)
    reason: str = ""  # why not_evaluable / why ok without an act (suspended, closed…)
    label: str = ""  # the rule's Vietnamese label
    params: tuple[tuple[str, ParamValue], ...] = ()  # parameters used, with their status
    start: dt.date | None = None  # the date the period ran from
    alt_due: dt.date | None = None  # execution.limitation: the expiry moved to a working day
    _ex: Any = None  # explanation: a string, or the inputs to render it lazily
    _explanation: str | None = None

    @property
    def explanation(self) -> str:
        if self._explanation is None:
            ex = self._ex
            if ex is None:
                self._explanation = self.reason
            elif isinstance(ex, str):
                self._explanation = ex
            else:
                self._explanation = _render(self, ex)
        return self._explanation

    @property
    def param_statuses(self) -> dict[str, str]:
        return {name: pv.status for name, pv in self.params}

    def to_json(self, case: CaseFacts | None = None, extra: bool = False) -> dict:
        """The DESIGN.md findings contract (ISO dates). `extra` adds label, flags, explanation,
        reason, alt_due and the parameters used."""
        c = case
        out = {
            "so_thu_ly": c.so_thu_ly if c else "",
            "court": c.court if c else "",
            "office": c.office if c else "",
            "person": c.person if c else "",
            "rule": self.rule,
            "status": self.status,
            "due": self.due.isoformat() if self.due else None,
            "actual": self.actual.isoformat() if self.actual else None,
            "late": self.late,
            "unit": self.unit,
            "responsible": self.responsible,
            "citation": self.citation,
            "verified": self.verified,
        }
        if extra:
            out["label"] = self.label
            out["flags"] = list(self.flags)
            out["explanation"] = self.explanation
            out["reason"] = self.reason
            out["alt_due"] = self.alt_due.isoformat() if self.alt_due else None
            out["params"] = [
                {"name": n, "value": pv.value, "status": pv.status, "citation": pv.citation} for n, pv in self.params
            ]
        return out


@dataclass(frozen=True, slots=True)
class EffectiveDate:
    date: dt.date | None
    estimated: bool  # computed (ước tính), not recorded
    reason: str = ""  # why there is no date
    params: tuple[tuple[str, ParamValue], ...] = ()
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class LimitationExpiry:
    due: dt.date | None  # the expiry as this product reads it (not moved)
    alt_due: dt.date | None  # the same moved to the next working day (BLDS Điều 148(5) reading)
    months: int | None
    citation: str
    status: str
    reason: str = ""
    explanation: str = ""


# ====================================================================== context
def _w(e: EventFact) -> dt.date | None:
    return e.date or e.received


class _Ctx:
    __slots__ = (
        "case", "rs", "cal", "as_of", "soon", "ev", "regime", "regime_date", "measure", "minor", "_eff", "_dec",
        "keep", "keep_ne",
    )

    def __init__(
        self, case: CaseFacts, rs: Ruleset, cal: WorkCalendar, as_of: dt.date, soon: dt.date, ev: dict,
        keep: frozenset[str] | None = None,
    ):
        self.keep = keep
        self.keep_ne = keep is None or NOT_EVALUABLE in keep
        self.case = case
        self.rs = rs
        self.cal = cal
        self.as_of = as_of
        self.soon = soon
        self.ev = ev
        self.measure = case.measure or ""
        self.minor = self.measure == Measure.MINOR_CSCNBB
        acc = ev.get("accepted")
        rd = _w(acc[0]) if acc else None
        if rd is None:
            ret = ev.get("court_returned")
            rd = _w(ret[0]) if ret else as_of
        self.regime_date = rd
        r = rs.regime_for(self.measure, rd)
        self.regime = r.code if r is not None else None
        self._eff: EffectiveDate | None = None
        self._dec = _MISSING

    def first(self, code: str) -> EventFact | None:
        lst = self.ev.get(code)
        return lst[0] if lst else None

    def first_date(self, code: str) -> dt.date | None:
        lst = self.ev.get(code)
        return _w(lst[0]) if lst else None

    def first_on_or_after(self, code: str, d: dt.date, strict: bool = False) -> dt.date | None:
        lst = self.ev.get(code)
        if not lst:
            return None
        for e in lst:
            w = _w(e)
            if w > d or (not strict and w == d):
                return w
        return None

    def decision(self) -> EventFact | None:
        if self._dec is _MISSING:
            self._dec = self.first("decision")
        return self._dec


_MISSING: Any = object()


def _base_index(case: CaseFacts) -> tuple:
    """The as_of-independent index of a case, cached on the case object:
    (events by code in date order, latest date of any kind, first thụ lý, first Court receipt).
    The cache is keyed on the identity and length of `case.events`: replace or append to the
    list (do not edit it in place) when the facts change."""
    events = case.events
    key = (id(events), len(events))
    cached = case.__dict__.get("_engine_index")
    if cached is not None and cached[0] == key:
        return cached[1]
    ev: dict[str, list[EventFact]] = {}
    maxo = dt.date.min
    for e in events:
        w = e.date or e.received
        if w is None:
            continue
        if w > maxo:
            maxo = w
        rc, en = e.received, e.end
        if rc is not None and rc > maxo:
            maxo = rc
        if en is not None and en > maxo:
            maxo = en
        lst = ev.get(e.code)
        if lst is None:
            ev[e.code] = [e]
        else:
            lst.append(e)
    for lst in ev.values():
        if len(lst) > 1:
            lst.sort(key=_w)
    acc = ev.get("accepted")
    rec = ev.get("court_received")
    res = (ev, maxo, _w(acc[0]) if acc else None, _w(rec[0]) if rec else None)
    case.__dict__["_engine_index"] = (key, res)
    return res


def _index(case: CaseFacts, as_of: dt.date) -> dict[str, list[EventFact]] | None:
    """Events known on as_of, by code, in date order; None when the case itself is after as_of
    (accepted after as_of, or — not accepted — first received by the Court after as_of)."""
    ev, maxo, acc, rec = _base_index(case)
    if acc is not None:
        if acc > as_of:
            return None
    elif rec is not None and rec > as_of:
        return None
    if maxo <= as_of:
        return ev
    out: dict[str, list[EventFact]] = {}
    for code, lst in ev.items():
        kept = []
        for e in lst:
            w = e.date or e.received
            if w > as_of:
                continue
            rc, en = e.received, e.end
            if (rc is not None and rc > as_of) or (en is not None and en > as_of):
                e = replace(e, received=None if rc is not None and rc > as_of else rc, end=None if en is not None and en > as_of else en)
            kept.append(e)
        if kept:
            out[code] = kept
    return out


# ====================================================================== building findings
def _param(ctx: _Ctx, rule: RuleDef, name: str, on: dt.date | None) -> tuple[ParamValue | None, str | None]:
    p = rule.params.get(name)
    if p is None:
        return None, f"{REASON_NULL} (quy tắc chưa có tham số '{name}')"
    if p.by == "regime":
        key = ctx.regime
    elif p.by == "measure":
        key = ctx.measure
    else:
        key = None
    pv = p.get(key, on)
    if pv is None:
        if p.by == "measure" and not ctx.measure:
            return None, f"{REASON_MISSING}: biện pháp"
        if p.by and key not in p.nodes and "*" not in p.nodes:
            return None, f"không áp dụng cho {key or 'vụ việc này'}"
        return None, f"không áp dụng: quy tắc chưa có hiệu lực vào ngày {fmt(on)}"
    if pv.value is None:
        note = f"; {pv.note}" if pv.note else ""
        return pv, f"{REASON_NULL} ({pv.citation}{note})"
    return pv, None


def _ne(ctx: _Ctx, rule: RuleDef, reason: str, pv: ParamValue | None = None, name: str = "period", **kw) -> Finding | None:
    if not ctx.keep_ne:
        return None
    return Finding(
        rule=rule.id,
        status=NOT_EVALUABLE,
        unit=rule.unit,
        responsible=rule.responsible,
        citation=pv.citation if pv is not None else "",
        verified=False,
        reason=reason,
        label=rule.label,
        params=((name, pv),) if pv is not None else (),
        **kw,
    )


def _due(cal: WorkCalendar, unit: str | None, start: dt.date, n: int) -> tuple[dt.date, dt.date]:
    """(due, raw end before any move)."""
    if unit == "WD":
        d = cal.add_wd(start, n)
        return d, d
    if unit == "M":
        d = cal.add_months(start, n)
        return d, d
    raw = start + dt.timedelta(days=n)
    return cal.next_working_day(raw), raw


def _missing_mode(ctx: _Ctx, rule: RuleDef, act_code: str | None = None) -> str:
    if rule.kind == "due_soon_only":
        return "due_soon_only"
    if rule.overdue == "never":
        return "never"
    return "tracked" if ctx.case.tracks(act_code or rule.act or "") else "untracked"


def _judge(
    ctx: _Ctx,
    rule: RuleDef,
    uses: tuple[tuple[str, ParamValue], ...],
    start: dt.date,
    n: int,
    due: dt.date,
    raw: dt.date,
    act: dt.date | None,
    missing: str,
    *,
    flags: tuple[str, ...] = (),
    act_flags: tuple[str, ...] = (),
    unverified: bool = False,
    alt_due: dt.date | None = None,
    note: str = "",
    start_label: str | None = None,
    no_violation: bool = False,
) -> Finding | None:
    cal = ctx.cal
    late = None
    reason = ""
    if act is not None:
        if act > due and not no_violation:
            status = VIOLATION
        else:
            status = OK
    else:
        as_of = ctx.as_of
        if as_of > due:
            if missing == "tracked":
                status = OVERDUE
            elif missing == "untracked":
                status = NOT_EVALUABLE
                reason = f"{REASON_MISSING}: sổ không theo dõi {rule.act_label.lower() or rule.act}"
            else:
                status = OK
                reason = "đã hết thời hạn"
        elif due <= ctx.soon and missing in ("tracked", "due_soon_only"):
            status = DUE_SOON
        else:
            status = OK
            reason = "chưa đến hạn"
    keep = ctx.keep
    if keep is not None and status not in keep:
        return None
    if status == VIOLATION:
        late = max(1, cal.wd_between(due, act)) if rule.unit == "WD" else (act - due).days
    fl: list[str] = []
    verified = not unverified
    if rule.reading_status != "V":
        verified = False
        fl.append(FLAG_UNVERIFIED)
    else:
        for _n, pv in uses:
            if pv.status != "V":
                verified = False
                fl.append(FLAG_UNVERIFIED)
                break
    end = act if act is not None and act > due else due
    lo = start if start < end else end
    if cal.crosses_provisional(lo, end):
        fl.append(FLAG_PROVISIONAL)
        verified = False
    if flags:
        fl.extend(flags)
    if act is not None and act_flags:
        fl.extend(act_flags)
        verified = False
    if len(uses) == 1:
        citation = uses[0][1].citation
    else:
        seen: list[str] = []
        for _n, pv in uses:
            if pv.citation not in seen:
                seen.append(pv.citation)
        citation = "; ".join(seen)
    return Finding(
        rule=rule.id,
        status=status,
        due=due,
        actual=act,
        late=late,
        unit=rule.unit,
        responsible=rule.responsible,
        citation=citation,
        verified=verified,
        flags=fl,
        reason=reason,
        label=rule.label,
        params=uses,
        start=start,
        alt_due=alt_due,
        _ex=(start_label or rule.start_label, n, raw, act_flags, note, cal, ctx.as_of, rule.act_label),
    )


def _render(f: Finding, ex: tuple) -> str:
    start_label, n, raw, act_flags, note, cal, as_of, act_label = ex
    unit = f.unit
    start, due = f.start, f.due
    if unit == "WD":
        runs = cal.describe_runs(start, due) if due > start else ""
        s = f"{start_label} {fmt(start)} + {n:02d} ngày làm việc" + (f" ({runs})" if runs else "") + f" → hạn {fmt(due)}"
    elif unit == "M":
        s = f"{start_label} {fmt(start)} + {n:02d} tháng → hạn {fmt(due)}"
        if f.alt_due and f.alt_due != due:
            s += f" ({cal.day_name(due)}; không lùi ngày nghỉ — nếu lùi sang ngày làm việc kế tiếp: {fmt(f.alt_due)})"
    else:
        s = f"{start_label} {fmt(start)} + {n:02d} ngày"
        if raw != due:
            why = cal.describe_runs(raw - _ONE, raw) or (cal.day_name(raw) or "").lower()
            s += f" = {fmt(raw)} ({why}), lùi sang ngày làm việc kế tiếp → hạn {fmt(due)}"
        else:
            s += f" → hạn {fmt(due)}"
    if note:
        s += f" [{note}]"
    words = UNIT_WORDS.get(unit or "", "ngày")
    if f.actual is not None:
        src = f" ({', '.join(act_flags)})" if act_flags else ""
        s += f"; {act_label} ngày {fmt(f.actual)}{src}"
        if f.status == VIOLATION:
            s += f": chậm {f.late:02d} {words if unit == 'WD' else 'ngày'}"
        else:
            s += ": đúng hạn"
    elif f.status == OVERDUE:
        s += f"; đến {fmt(as_of)} chưa có {act_label.lower()}: quá hạn"
    elif f.status == DUE_SOON:
        s += f"; đến {fmt(as_of)} chưa có {act_label.lower()}: sắp đến hạn"
    elif f.reason:
        s += f"; {f.reason}"
    if FLAG_COMPLEX_EXCEPT in f.flags:
        s += f" ({FLAG_COMPLEX_EXCEPT})"
    return s


def _fact(ctx: _Ctx, rule: RuleDef, status: str, actual: dt.date | None, pv: ParamValue, name: str, text: str) -> Finding:
    verified = pv.status == "V" and rule.reading_status == "V"
    return Finding(
        rule=rule.id,
        status=status,
        due=None,
        actual=actual,
        late=None,
        unit=None,
        responsible=rule.responsible,
        citation=pv.citation,
        verified=verified,
        flags=[] if verified else [FLAG_UNVERIFIED],
        label=rule.label,
        params=((name, pv),),
        _ex=text,
    )


# ====================================================================== the effective date
def _effective(ctx: _Ctx) -> EffectiveDate:
    if ctx._eff is not None:
        return ctx._eff
    ctx._eff = r = _compute_effective(ctx)
    return r


def _compute_effective(ctx: _Ctx) -> EffectiveDate:
    rec = ctx.ev.get("effective")
    if rec:
        d = _w(rec[-1])
        return EffectiveDate(d, False, explanation=f"Ngày hiệu lực ghi nhận: {fmt(d)}")
    for code in CHALLENGE_CODES:
        if code in ctx.ev:
            return EffectiveDate(
                None,
                False,
                reason=f"{REASON_MISSING}: có khiếu nại, kiến nghị hoặc kháng nghị — ghi nhận ngày hiệu lực theo quyết định của Tòa án cấp trên",
            )
    dec = ctx.decision()
    if dec is None or dec.date is None:
        return EffectiveDate(None, False, reason=f"{REASON_MISSING}: chưa có quyết định")
    rule = ctx.rs.by_id.get("decision.effective")
    if rule is None:
        return EffectiveDate(None, False, reason=f"{REASON_NULL} (bộ quy tắc thiếu decision.effective)")
    pv_after, why = _param(ctx, rule, "days_after", dec.date)
    if why:
        return EffectiveDate(None, False, reason=why)
    uses = [("days_after", pv_after)]
    n = 0
    for wid in rule.extra.get("windows", ()):
        wr = ctx.rs.by_id.get(wid)
        if wr is None or (wr.applies_to == "adult" and ctx.minor) or (wr.applies_to == "minor" and not ctx.minor):
            continue
        pv, why = _param(ctx, wr, "period", dec.date)
        if why:
            return EffectiveDate(None, False, reason=f"{why} [{wid}]")
        uses.append((f"{wid}.period", pv))
        n = max(n, int(pv.value))
    e = ctx.cal.add_wd(dec.date, n)
    eff = e + dt.timedelta(days=int(pv_after.value))
    text = (
        f"Quyết định {fmt(dec.date)} + {n:02d} ngày làm việc → hết thời hạn khiếu nại, kiến nghị, kháng nghị {fmt(e)}"
        f" → hiệu lực (ước tính) {fmt(eff)}"
    )
    return EffectiveDate(eff, True, params=tuple(uses), explanation=text)


# ====================================================================== handlers
def _pick_start(lst: list[EventFact] | None, act: dt.date | None) -> dt.date | None:
    """The last start event on or before the act (without an act: the last one known)."""
    if not lst:
        return None
    if act is None:
        return _w(lst[-1])
    best = None
    for e in lst:
        w = _w(e)
        if w <= act:
            best = w
    return best if best is not None else _w(lst[0])


def _h_generic(ctx: _Ctx, rule: RuleDef) -> Finding:
    starts = ctx.ev.get(rule.start) if rule.start else None
    acts = ctx.ev.get(rule.act) if rule.act else None
    act0 = _w(acts[0]) if acts else None
    start = _pick_start(starts, act0)
    pv, why = _param(ctx, rule, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if start is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: {rule.start_label.lower() or rule.start}", pv)
    act = ctx.first_on_or_after(rule.act, start) if acts else None
    if act is None and acts:
        act = act0
    if rule.overdue == "both_recorded" and act is None:
        return _ne(ctx, rule, f"chưa ghi nhận {rule.act_label.lower()}: quy tắc chỉ đánh giá khi có đủ hai mốc", pv)
    n = int(pv.value)
    due, raw = _due(ctx.cal, rule.unit, start, n)
    return _judge(ctx, rule, (("period", pv),), start, n, due, raw, act, _missing_mode(ctx, rule))


def _h_accept(ctx: _Ctx, rule: RuleDef) -> Finding:
    """court.accept: a dossier the Court returned as incomplete, and has not received again since,
    is not waiting to be accepted (its return is judged by court.return_incomplete)."""
    returned = [d for d in (_w(e) for e in ctx.ev.get("court_returned") or ()) if d]
    if returned and not ctx.ev.get("accepted"):
        last_return = max(returned)
        received = [d for d in (_w(e) for e in ctx.ev.get("court_received") or ()) if d]
        if not received or max(received) <= last_return:
            return _ne(ctx, rule, f"không áp dụng: Tòa án đã trả lại hồ sơ ngày {fmt(last_return)}")
    return _h_generic(ctx, rule)


def _h_notify(ctx: _Ctx, rule: RuleDef) -> Finding:
    start = ctx.first_date("accepted")
    pv, why = _param(ctx, rule, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if start is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: ngày thụ lý", pv)
    act, af = None, ()
    for e in ctx.ev.get("acceptance_notice", ()):
        if e.date is not None:
            act, af = e.date, ()
            break
        if act is None and e.received is not None:
            act, af = e.received, (FLAG_VKS_RECEIPT,)
    n = int(pv.value)
    due, raw = _due(ctx.cal, rule.unit, start, n)
    return _judge(ctx, rule, (("period", pv),), start, n, due, raw, act, _missing_mode(ctx, rule), act_flags=af)


def _h_send_decision(ctx: _Ctx, rule: RuleDef) -> Finding:
    dec = ctx.decision()
    start = dec.date if dec is not None else None
    pv, why = _param(ctx, rule, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if start is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: ngày quyết định", pv)
    act, af = None, ()
    sent = ctx.first_on_or_after("decision_sent", start)
    if sent is not None:
        act = sent
    elif dec.received is not None:
        act, af = dec.received, (FLAG_VKS_RECEIPT,)
    n = int(pv.value)
    due, raw = _due(ctx.cal, rule.unit, start, n)
    return _judge(ctx, rule, (("period", pv),), start, n, due, raw, act, _missing_mode(ctx, rule, "decision_sent"), act_flags=af)


def _h_decide(ctx: _Ctx, rule: RuleDef) -> Finding:
    start = ctx.first_date("accepted")
    pv15, why = _param(ctx, rule, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv15)
    if start is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: ngày thụ lý", pv15)
    dec = ctx.decision()
    act = _w(dec) if dec is not None else None
    cal = ctx.cal
    complex_ = ctx.case.complex or "complex_declared" in ctx.ev
    missing = _missing_mode(ctx, rule)
    pv30, why30 = _param(ctx, rule, "complex_period", start)
    if complex_:
        if why30:
            return _ne(ctx, rule, why30, pv30, "complex_period")
        n = int(pv30.value)
        due, raw = _due(cal, "D", start, n)
        return _judge(ctx, rule, (("complex_period", pv30),), start, n, due, raw, act, missing, note="vụ việc phức tạp")
    n = int(pv15.value)
    due, raw = _due(cal, "D", start, n)
    flags: tuple[str, ...] = ()
    if pv30 is not None and pv30.value is not None:
        due30 = cal.add_days_moved(start, int(pv30.value))
        probe = act if act is not None else ctx.as_of
        if due < probe <= due30:
            flags = (FLAG_COMPLEX_EXCEPT,)
    return _judge(ctx, rule, (("period", pv15),), start, n, due, raw, act, missing, flags=flags, unverified=bool(flags))


def _h_hold_session(ctx: _Ctx, rule: RuleDef) -> Finding:
    start = ctx.first_date("session_order")
    pv, why = _param(ctx, rule, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if start is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: quyết định mở phiên họp", pv)
    act = ctx.first_on_or_after("session_held", start)
    n = int(pv.value)
    due, raw = _due(ctx.cal, rule.unit, start, n)
    return _judge(ctx, rule, (("period", pv),), start, n, due, raw, act, _missing_mode(ctx, rule))


def _h_postponed_session(ctx: _Ctx, rule: RuleDef) -> Finding:
    posts = ctx.ev.get("session_postponed")
    if not posts:
        return _ne(ctx, rule, "không áp dụng: không có hoãn phiên họp")
    start = _w(posts[-1])
    pv, why = _param(ctx, rule, "period", start)
    if why:
        return _ne(ctx, rule, why, pv)
    act = ctx.first_on_or_after("session_held", start, strict=True)
    n = int(pv.value)
    due, raw = _due(ctx.cal, rule.unit, start, n)
    return _judge(ctx, rule, (("period", pv),), start, n, due, raw, act, _missing_mode(ctx, rule))


def _h_without_procurator(ctx: _Ctx, rule: RuleDef) -> Finding:
    sits = ctx.ev.get("session_held")
    pv, why = _param(ctx, rule, "basis", _w(sits[0]) if sits else ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv, "basis")
    if not sits:
        return _ne(ctx, rule, "không áp dụng: chưa có phiên họp", pv, "basis")
    posts = [_w(p) for p in ctx.ev.get("session_postponed", ())]
    unknown = False
    for i, s in enumerate(sits):
        if s.prosecutor_present is None:
            unknown = True
            continue
        if s.prosecutor_present:
            continue
        d = _w(s)
        nxt = _w(sits[i + 1]) if i + 1 < len(sits) else None
        if any(p >= d and (nxt is None or p < nxt) for p in posts):
            continue
        return _fact(
            ctx, rule, VIOLATION, d, pv, "basis",
            f"Phiên họp ngày {fmt(d)}: Kiểm sát viên vắng mặt nhưng phiên họp không bị hoãn",
        )
    if unknown:
        return _ne(ctx, rule, f"{REASON_MISSING}: Kiểm sát viên có mặt tại phiên họp hay không", pv, "basis")
    d = _w(sits[-1])
    return _fact(ctx, rule, OK, d, pv, "basis", f"Phiên họp ngày {fmt(d)}: có Kiểm sát viên tham gia")


def _outcome_block(ctx: _Ctx, rule: RuleDef) -> str | None:
    """Reason the rule does not apply because the decision did not apply a measure."""
    dec = ctx.decision()
    if dec is not None and dec.outcome is not None and dec.outcome != Outcome.APPLY:
        return "không áp dụng: quyết định không áp dụng biện pháp"
    return None


def _h_term(ctx: _Ctx, rule: RuleDef) -> Finding:
    dec = ctx.decision()
    pv, why = _param(ctx, rule, "range", (dec.date if dec is not None else None) or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv, "range")
    if dec is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: chưa có quyết định", pv, "range")
    blk = _outcome_block(ctx, rule)
    if blk:
        return _ne(ctx, rule, blk, pv, "range")
    term = dec.term_months
    if term is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: thời hạn áp dụng trong quyết định", pv, "range")
    lo, hi = pv.value
    d = _w(dec)
    inside = lo <= term <= hi
    text = (
        f"Quyết định ngày {fmt(d)}: thời hạn {term:02d} tháng; khung luật định {lo:02d}–{hi:02d} tháng"
        + (" → trong khung" if inside else " → ngoài khung")
    )
    return _fact(ctx, rule, OK if inside else VIOLATION, d, pv, "range", text)


def _h_forward_challenge(ctx: _Ctx, rule: RuleDef) -> Finding:
    dates = [_w(ctx.ev[c][0]) for c in CHALLENGE_CODES if c in ctx.ev]
    start = min(dates) if dates else None
    pv, why = _param(ctx, rule, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if start is None:
        return _ne(ctx, rule, "không áp dụng: không có khiếu nại, kiến nghị, kháng nghị", pv)
    act = ctx.first_on_or_after("challenge_forwarded", start)
    if act is None:
        return _ne(ctx, rule, f"chưa ghi nhận {rule.act_label.lower()}: quy tắc chỉ đánh giá khi có đủ hai mốc", pv)
    n = int(pv.value)
    due, raw = _due(ctx.cal, rule.unit, start, n)
    return _judge(ctx, rule, (("period", pv),), start, n, due, raw, act, "never")


def _h_send_for_execution(ctx: _Ctx, rule: RuleDef) -> Finding:
    blk = _outcome_block(ctx, rule)
    if blk:
        return _ne(ctx, rule, blk)
    act, af = ctx.first_date("sent_for_execution"), ()
    if act is None:
        act = ctx.first_date("police_received")
        af = (FLAG_POLICE_RECEIPT,) if act is not None else ()
    eff = _effective(ctx)
    pv, why = _param(ctx, rule, "period", eff.date or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if act is None:
        return _ne(ctx, rule, f"chưa ghi nhận {rule.act_label.lower()}: quy tắc chỉ đánh giá khi có đủ hai mốc", pv)
    if eff.date is None:
        return _ne(ctx, rule, eff.reason, pv)
    n = int(pv.value)
    start = eff.date
    due, raw = _due(ctx.cal, rule.unit, start, n)
    flags = (FLAG_EFFECTIVE_ESTIMATED,) if eff.estimated else ()
    return _judge(
        ctx, rule, (("period", pv),), start, n, due, raw, act, "never", flags=flags, act_flags=af,
        unverified=eff.estimated, start_label="Hiệu lực (ước tính)" if eff.estimated else None,
    )


def _exec_adjust(ctx: _Ctx, start: dt.date, act: dt.date | None, restart_on_evasion: bool) -> tuple[dt.date, str, str | None]:
    """Evasion / postponement / exemption (RULES.md "Execution in progress").
    Returns (start, note, reason-if-suspended-or-closed)."""
    ev = ctx.ev
    if "execution_exempted" in ev and act is None:
        d = _w(ev["execution_exempted"][0])
        return start, "", f"miễn chấp hành ngày {fmt(d)}: đã kết thúc việc thi hành"
    note = ""
    for code, what in (("evasion", "trốn tránh"), ("execution_postponed", "hoãn chấp hành")):
        for e in ev.get(code, ()):
            w = _w(e)
            if act is not None and w >= act:
                continue
            if e.end is None:
                if act is None:
                    return start, "", f"đang {what} từ {fmt(w)}: tạm dừng tính thời hạn"
                continue
            if restart_on_evasion and e.end > start:
                start = e.end
                note = f"tính lại từ ngày hết {what} {fmt(e.end)}"
    return start, note, None


def _closed(ctx: _Ctx, rule: RuleDef, reason: str, pv: ParamValue, start: dt.date) -> Finding | None:
    """Execution suspended or closed: `ok` with the reason."""
    if ctx.keep is not None and OK not in ctx.keep:
        return None
    return Finding(
        rule=rule.id, status=OK, unit=rule.unit, responsible=rule.responsible, citation=pv.citation,
        verified=False, reason=reason, label=rule.label, params=(("period", pv),), start=start,
    )


def _h_deliver(ctx: _Ctx, rule: RuleDef) -> Finding:
    blk = _outcome_block(ctx, rule)
    if blk:
        return _ne(ctx, rule, blk)
    start = ctx.first_date("police_received")
    pv, why = _param(ctx, rule, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if start is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: ngày Công an nhận quyết định", pv)
    act = ctx.first_date("delivered")
    start2, note, closed = _exec_adjust(ctx, start, act, True)
    n = int(pv.value)
    if closed:
        return _closed(ctx, rule, closed, pv, start)
    due, raw = _due(ctx.cal, rule.unit, start2, n)
    return _judge(ctx, rule, (("period", pv),), start2, n, due, raw, act, _missing_mode(ctx, rule), note=note)


def _h_limitation(ctx: _Ctx, rule: RuleDef) -> Finding:
    blk = _outcome_block(ctx, rule)
    if blk:
        return _ne(ctx, rule, blk)
    eff = _effective(ctx)
    pv, why = _param(ctx, rule, "period", eff.date or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if eff.date is None:
        return _ne(ctx, rule, eff.reason, pv)
    act = ctx.first_date("delivered")
    start, note, closed = _exec_adjust(ctx, eff.date, act, True)
    if closed:
        return _closed(ctx, rule, closed, pv, start)
    n = int(pv.value)
    due = ctx.cal.add_months(start, n)
    alt = ctx.cal.next_working_day(due)
    flags = (FLAG_EFFECTIVE_ESTIMATED,) if eff.estimated and start == eff.date else ()
    return _judge(
        ctx, rule, (("period", pv),), start, n, due, due, act, _missing_mode(ctx, rule),
        flags=flags, unverified=bool(flags), alt_due=alt if alt != due else None, note=note,
        start_label=("Hiệu lực (ước tính)" if flags else "Hiệu lực") if start == eff.date else "Hết trốn tránh/hoãn",
    )


def _h_review_transfer(ctx: _Ctx, rule: RuleDef) -> Finding:
    starts = ctx.ev.get("ldtb_received")
    acts = ctx.ev.get("transferred_to_court")
    act0 = _w(acts[0]) if acts else None
    start = _pick_start(starts, act0)
    pv, why = _param(ctx, rule, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if start is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: {rule.start_label.lower()}", pv)
    act = ctx.first_on_or_after("transferred_to_court", start) or act0
    returned = ctx.first_on_or_after("ldtb_returned", start)
    missing = _missing_mode(ctx, rule)
    if returned is not None:
        pv_s, why_s = _param(ctx, rule, "supplement", start)
        pv_t, why_t = _param(ctx, rule, "transfer_after_supplement", start)
        if why_s or why_t:
            return _ne(ctx, rule, why_s or why_t, pv_s if why_s else pv_t)
        n = int(pv_s.value) + int(pv_t.value)
        due, raw = _due(ctx.cal, rule.unit, returned, n)
        uses = (("supplement", pv_s), ("transfer_after_supplement", pv_t))
        return _judge(
            ctx, rule, uses, returned, n, due, raw, act, missing,
            note="trả hồ sơ để bổ sung: 02 ngày bổ sung + 02 ngày chuyển", start_label="Trả hồ sơ để bổ sung",
        )
    n = int(pv.value)
    due, raw = _due(ctx.cal, rule.unit, start, n)
    return _judge(ctx, rule, (("period", pv),), start, n, due, raw, act, missing)


def _h_dossier_complete(ctx: _Ctx, rule: RuleDef) -> Finding:
    d = ctx.first_date("transferred_to_court") or ctx.first_date("dossier_prepared")
    pv, why = _param(ctx, rule, "checklist", d or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv, "checklist")
    cl = ctx.case.checklist
    if not cl:
        return _ne(ctx, rule, f"{REASON_MISSING}: chưa kiểm tra danh mục hồ sơ", pv, "checklist")
    absent = [it for it in pv.value if cl.get(it.get("code")) is False]
    if not absent:
        return _fact(ctx, rule, OK, d, pv, "checklist", "Không có tài liệu nào được đánh dấu thiếu")
    names = ", ".join(it.get("label", it.get("code", "")) for it in absent)
    if pv.status != "V":
        return _ne(ctx, rule, f"danh mục hồ sơ chưa được lãnh đạo xác nhận; đánh dấu thiếu: {names}", pv, "checklist")
    return _fact(ctx, rule, VIOLATION, d, pv, "checklist", f"Hồ sơ đề nghị thiếu: {names}")


def _h_window(ctx: _Ctx, rule: RuleDef) -> Finding:
    dec = ctx.decision()
    start = dec.date if dec is not None else None
    pv, why = _param(ctx, rule, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if start is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: ngày quyết định", pv)
    act = ctx.first_on_or_after(rule.act, start) if rule.act else None
    n = int(pv.value)
    due, raw = _due(ctx.cal, rule.unit, start, n)
    f = _judge(ctx, rule, (("period", pv),), start, n, due, raw, None, "never")
    if f is not None and act is not None:
        f.actual, f.reason = act, f"{rule.act_label} ngày {fmt(act)}"
    return f


def _h_effective(ctx: _Ctx, rule: RuleDef) -> Finding:
    eff = _effective(ctx)
    if eff.date is None:
        return _ne(ctx, rule, eff.reason, None, "days_after")
    flags = [FLAG_EFFECTIVE_ESTIMATED, FLAG_UNVERIFIED] if eff.estimated else []
    cit = "; ".join(dict.fromkeys(pv.citation for _n, pv in eff.params)) if eff.params else ""
    return Finding(
        rule=rule.id, status=OK, due=eff.date, actual=None if eff.estimated else eff.date, unit=None,
        responsible=None, citation=cit, verified=not eff.estimated, flags=flags, label=rule.label,
        params=eff.params, _ex=eff.explanation,
    )


def _h_protest(ctx: _Ctx, rule: RuleDef) -> Finding:
    src = ctx.rs.by_id.get(rule.extra.get("period_from") or "")
    dec = ctx.decision()
    start = dec.date if dec is not None else None
    if src is None:
        return _ne(ctx, rule, f"{REASON_NULL} (thiếu quy tắc {rule.extra.get('period_from')})")
    pv, why = _param(ctx, src, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if start is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: ngày quyết định", pv)
    act = ctx.first_on_or_after("protest", start)
    n = int(pv.value)
    due, raw = _due(ctx.cal, rule.unit, start, n)
    # a late protest is the provincial court's matter, not a deadline finding here: never a violation
    return _judge(ctx, rule, ((f"{src.id}.period", pv),), start, n, due, raw, act, "due_soon_only", no_violation=True)


def _h_archive(ctx: _Ctx, rule: RuleDef) -> Finding:
    dec = ctx.decision()
    start = ctx.first_date("delivered") or ctx.first_date("execution_exempted")
    if start is None and dec is not None and dec.outcome not in (None, Outcome.APPLY):
        start = _effective(ctx).date
    pv, why = _param(ctx, rule, "period", start or ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    if start is None:
        return _ne(ctx, rule, f"{REASON_MISSING}: vụ việc chưa kết thúc", pv)
    act = ctx.first_on_or_after("archived", start)
    n = int(pv.value)
    due, raw = _due(ctx.cal, rule.unit, start, n)
    return _judge(ctx, rule, (("period", pv),), start, n, due, raw, act, _missing_mode(ctx, rule), start_label="Kết thúc vụ việc")


def _h_reply(ctx: _Ctx, rule: RuleDef) -> Finding:
    pv, why = _param(ctx, rule, "period", ctx.regime_date)
    if why:
        return _ne(ctx, rule, why, pv)
    return _ne(ctx, rule, f"{REASON_MISSING}: chưa ghi nhận kiến nghị của Viện kiểm sát", pv)


HANDLERS = {
    "court.accept": _h_accept,
    "court.return_incomplete": _h_generic,
    "court.notify_acceptance": _h_notify,
    "court.decide": _h_decide,
    "court.hold_session": _h_hold_session,
    "court.postponed_session": _h_postponed_session,
    "court.session_without_procurator": _h_without_procurator,
    "court.send_decision": _h_send_decision,
    "court.forward_challenge": _h_forward_challenge,
    "court.send_for_execution": _h_send_for_execution,
    "court.term_in_range": _h_term,
    "window.complaint": _h_window,
    "window.proposer": _h_window,
    "window.protest": _h_window,
    "minor.complaint_window": _h_window,
    "decision.effective": _h_effective,
    "proposer.prepare_dossier": _h_generic,
    "proposer.forward_dossier": _h_generic,
    "proposer.review_transfer": _h_review_transfer,
    "proposer.dossier_complete": _h_dossier_complete,
    "execution.deliver": _h_deliver,
    "execution.limitation": _h_limitation,
    "minor.decide": _h_decide,
    "minor.term_in_range": _h_term,
    "procuracy.protest": _h_protest,
    "procuracy.recommendation_reply": _h_reply,
    "procuracy.archive": _h_archive,
}
INFO_KINDS = frozenset({"window", "effective"})
_ALERTS = frozenset({VIOLATION, OVERDUE, DUE_SOON})

# Events without which a rule can only be not_evaluable: every group needs one of its codes.
# Used to skip rules quickly when not_evaluable findings are not wanted (scans).
REQUIRES: dict[str, tuple[tuple[str, ...], ...]] = {
    "court.return_incomplete": (("court_received",), ("court_returned",)),
    "court.notify_acceptance": (("accepted",),),
    "court.decide": (("accepted",),),
    "minor.decide": (("accepted",),),
    "court.hold_session": (("session_order",),),
    "court.postponed_session": (("session_postponed",),),
    "court.session_without_procurator": (("session_held",),),
    "court.send_decision": (("decision",),),
    "court.forward_challenge": (tuple(sorted(CHALLENGE_CODES)), ("challenge_forwarded",)),
    "court.send_for_execution": (("sent_for_execution", "police_received"), ("decision", "effective")),
    "court.term_in_range": (("decision",),),
    "minor.term_in_range": (("decision",),),
    "proposer.forward_dossier": (("dossier_notice",), ("dossier_forwarded",)),
    "proposer.review_transfer": (("ldtb_received",),),
    "execution.deliver": (("police_received",),),
    "execution.limitation": (("decision", "effective"),),
    "procuracy.protest": (("decision",),),
}


def _handler(rule: RuleDef):
    h = HANDLERS.get(rule.id)
    if h is not None:
        return h
    if rule.kind == "window":
        return _h_window
    if rule.kind == "deadline" and rule.start and rule.act:
        return _h_generic  # a simple start -> act rule added in the data
    return None


def _only_null(rule: RuleDef) -> bool:
    """Every value of every parameter is null: the rule can only be not_evaluable."""
    if not rule.params:
        return False
    return all(pv.value is None for p in rule.params.values() for _o, vals in p.nodes.values() for pv in vals)


_PLANS: dict[tuple, tuple] = {}


def _plan(ruleset: Ruleset, keep: frozenset[str] | None, include_info: bool) -> tuple:
    """The rules worth running for this ruleset and this set of kept statuses, with their handlers."""
    key = (id(ruleset), keep, include_info)
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is ruleset:
        return hit[1]
    alerts_only = keep is not None and keep <= _ALERTS
    steps = []
    for rule in ruleset.rules:
        if rule.kind in INFO_KINDS and (not include_info or alerts_only):
            continue
        if alerts_only and _only_null(rule):
            continue
        req = None
        if alerts_only:
            req = REQUIRES.get(rule.id)
            if req is None and _handler(rule) is _h_generic and rule.start:
                req = ((rule.start,),) if rule.overdue != "both_recorded" else ((rule.start,), (rule.act,))
        steps.append((rule, _handler(rule), rule.applies_to, req))
    plan = tuple(steps)
    if len(_PLANS) > 64:
        _PLANS.clear()
    _PLANS[key] = (ruleset, plan)
    return plan


# ====================================================================== public API
def evaluate(
    case: CaseFacts,
    ruleset: Ruleset,
    calendar: WorkCalendar,
    as_of: dt.date,
    due_soon_wd: int = 2,
    *,
    include_info: bool = False,
    statuses: Iterable[str] | None = None,
    soon_until: dt.date | None = None,
) -> list[Finding]:
    """One Finding per rule that applies to the case, as of `as_of`.

    `include_info` adds the windows and the effective date (responsible None). `statuses` keeps
    only findings with those statuses. `soon_until` (= calendar.add_wd(as_of, due_soon_wd)) may
    be passed by a caller scanning many cases.
    """
    keep = statuses if statuses is None or isinstance(statuses, frozenset) else frozenset(statuses)
    if soon_until is None:
        soon_until = calendar.add_wd(as_of, due_soon_wd)
    # Findings are a pure function of (facts, ruleset, calendar, as_of, window, filter): a repeated
    # scan of an unchanged case reuses them. Do not mutate returned Findings.
    memo_key = (
        id(case.events), len(case.events), case.measure, case.complex, id(case.tracked), id(case.checklist),
        id(ruleset), id(calendar), as_of, soon_until, keep, include_info,
    )
    memo = case.__dict__.get("_engine_memo")
    if memo is not None and memo[0] == memo_key and memo[1] is ruleset and memo[2] is calendar:
        return list(memo[3])
    out = _evaluate(case, ruleset, calendar, as_of, soon_until, keep, include_info)
    case.__dict__["_engine_memo"] = (memo_key, ruleset, calendar, tuple(out))
    return out


def _evaluate(
    case: CaseFacts, ruleset: Ruleset, calendar: WorkCalendar, as_of: dt.date, soon_until: dt.date,
    keep: frozenset[str] | None, include_info: bool,
) -> list[Finding]:
    try:
        ev = _index(case, as_of)
    except Exception as exc:  # never raise on bad input
        if keep is not None and NOT_EVALUABLE not in keep:
            return []
        return [Finding(rule="*", status=NOT_EVALUABLE, reason=f"{REASON_MISSING}: dữ liệu vụ việc lỗi ({exc})")]
    if ev is None:
        return []
    ctx = _Ctx(case, ruleset, calendar, as_of, soon_until, ev, keep)
    minor = ctx.minor
    out: list[Finding] = []
    for rule, h, ap, req in _plan(ruleset, keep, include_info):
        if ap != "all" and ((ap == "adult") == minor):
            continue
        if req is not None:
            for group in req:
                for code in group:
                    if code in ev:
                        break
                else:
                    break
            else:
                group = None
            if group is not None:
                continue
        try:
            if h is None:
                f = _ne(ctx, rule, f"{REASON_NULL} (quy tắc chưa được hỗ trợ)")
            else:
                f = h(ctx, rule)
        except Exception as exc:  # bad data must not stop a scan
            f = _ne(ctx, rule, f"{REASON_MISSING}: dữ liệu không hợp lệ ({type(exc).__name__}: {exc})")
        if f is not None and (keep is None or f.status in keep):
            out.append(f)
    return out


def scan(
    cases: Iterable[CaseFacts],
    ruleset: Ruleset,
    calendar: WorkCalendar,
    as_of: dt.date,
    due_soon_wd: int = 2,
    statuses: Iterable[str] | None = (VIOLATION, OVERDUE, DUE_SOON),
    batch: int = 2000,
) -> Iterator[tuple[CaseFacts, Finding]]:
    """Findings of many cases (by default only violation / overdue / due_soon).

    Cases are evaluated in batches with Python's cyclic garbage collector paused (the engine
    allocates no reference cycles; on 100,000 live cases the collector otherwise dominates)."""
    soon = calendar.add_wd(as_of, due_soon_wd)
    keep = frozenset(statuses) if statuses is not None else None
    it = iter(cases)
    while True:
        out: list[tuple[CaseFacts, Finding]] = []
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            n = 0
            for c in it:
                for f in evaluate(c, ruleset, calendar, as_of, due_soon_wd, statuses=keep, soon_until=soon):
                    out.append((c, f))
                n += 1
                if n >= batch:
                    break
        finally:
            if was_enabled:
                gc.enable()
        yield from out
        if n < batch:
            return


def effective_date(case: CaseFacts, ruleset: Ruleset, calendar: WorkCalendar, as_of: dt.date) -> EffectiveDate:
    """The effective date used by the engine: recorded, else computed (ước tính), else None with
    the reason (RULES.md decision.effective)."""
    ev = _index(case, as_of)
    if ev is None:
        return EffectiveDate(None, False, reason="vụ việc sau ngày xem xét")
    ctx = _Ctx(case, ruleset, calendar, as_of, as_of, ev)
    return _effective(ctx)


def limitation_expiry(effective: dt.date, measure: str, ruleset: Ruleset, calendar: WorkCalendar) -> LimitationExpiry:
    """execution.limitation: expiry = effective + N months (not moved), with the moved alternative."""
    rule = ruleset.by_id.get("execution.limitation")
    if rule is None or "period" not in rule.params:
        return LimitationExpiry(None, None, None, "", "U", reason=f"{REASON_NULL} (thiếu quy tắc)")
    pv = rule.params["period"].get(measure, effective)
    if pv is None:
        return LimitationExpiry(None, None, None, "", "U", reason=f"không áp dụng cho {measure or 'vụ việc này'}")
    if pv.value is None:
        return LimitationExpiry(None, None, None, pv.citation, pv.status, reason=f"{REASON_NULL} ({pv.citation})")
    n = int(pv.value)
    due = calendar.add_months(effective, n)
    alt = calendar.next_working_day(due)
    text = f"Hiệu lực {fmt(effective)} + {n:02d} tháng → hết thời hiệu {fmt(due)}"
    if alt != due:
        text += f" ({calendar.day_name(due)}; nếu lùi sang ngày làm việc kế tiếp: {fmt(alt)})"
    both = (pv.status, rule.reading_status)
    status = "U" if "U" in both else "S" if "S" in both else "V"
    return LimitationExpiry(due, alt, n, pv.citation, status, explanation=text)
