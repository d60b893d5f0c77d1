"""Statistics for a period (issue 7): ONE function per indicator, shared by the report page, the
cases behind a number, the .xlsx / .docx exports, the `kiemsat report` command and the tests.

How each indicator reads the register (LEGAL-NOTES Part A §7, the Court's Mẫu 7A; RULES.md "found
in a period"). Period = [start, end], both days included.

- A case enters the figures on its ngày thụ lý (`Case.thu_ly_date`) and is resolved by its decision
  (`Case.decision_date`, `Case.outcome`: the case's last decision, as the register shows it — a
  tạm đình chỉ later followed by another decision is resolved by that later decision).
  * carried over = thụ lý before the start, not resolved before the start;
  * newly accepted = thụ lý in the period;  total = carried over + newly accepted (disjoint);
  * resolved = total with the decision in the period, split by outcome (áp dụng by measure…);
  * remaining = total − resolved;  of which past the time limit = remaining cases with a
    `court.decide` / `minor.decide` finding `overdue` (the engine, as of the period's end).
  These are conditions (Q) on Case, so every count is a COUNT(…) FILTER (…) in the database and
  the cases behind a number are the same condition as a queryset.
- Dossiers returned before acceptance (`court_returned` dated in the period, cases), sessions
  (`session_held` dated in the period, sessions: held / prosecutor present / absent), kháng nghị
  issued (`protest` dated in the period), people delivered (`delivered` dated in the period, cases):
  conditions on Event, counted in one grouped query.
- Violations found: `legal.services.scan` (the only engine entry point), as of the period's end
  (or today while the period runs — events after that date are ignored, so a past period's figures
  do not move), on the cases that can hold a finding dated in the period; a `violation` belongs to
  the period holding its actual date, an `overdue` to the one holding its due date. Findings of
  rules with no responsible body (challenge windows, the effective date) are not violations.
- Execution: delivered in the period; decisions applying a measure (dated up to the end) with no
  delivery nor exemption by the end; statute of limitations expired in the period
  (`execution.limitation` overdue or violated with its expiry in the period).
- kiến nghị (kiemsat.letters: kiến nghị to the Court and kiến nghị phòng ngừa, issued — numbered —
  in the period; accepted = the latest reply says "chấp nhận"; the cases behind = the cases the
  letters cite).
- kháng nghị decided / accepted / rejected: the provincial court's decision (`appeal_decision`,
  dated in the period) with its result (`Event.appeal_result`: chấp nhận, chấp nhận một phần,
  không chấp nhận) on a case the Procuracy protested; accepted = wholly or in part; the rate =
  accepted / decided. A decision whose result was not recorded is not counted (it is neither).
  The decisions are counted in the period they are dated in, whatever the period of the protest.
"""

from __future__ import annotations

import datetime as dt
import time as _time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Aggregate, Count, Exists, OuterRef, Q, QuerySet, TextField

from kiemsat.cases.models import Case, Event
from kiemsat.cases.selectors import visible_cases
from kiemsat.domain import engine
from kiemsat.domain.events import APPEAL_ACCEPTING, MEASURE_SHORT, OUTCOME_LABELS, AppealResult, Measure, Outcome
from kiemsat.domain.vntext import fold
from kiemsat.legal import services as legal
from kiemsat.legal.selectors import RESPONSIBLE_LABELS
from kiemsat.org.models import Unit
from kiemsat.org.permissions import visible_unit_ids

from .periods import Period

MEASURES = [m.value for m in Measure]
DECIDE_RULES = ("court.decide", "minor.decide")
LIMITATION_RULE = "execution.limitation"
NO_DATA = "chưa có dữ liệu"


# =============================================================================== case indicators
# Each returns a condition on Case for the period.
def _decided_in(p: Period) -> Q:
    return Q(decision_date__gte=p.start, decision_date__lte=p.end)


def carried_over(p: Period) -> Q:
    """Số cũ chuyển sang: thụ lý before the period, not resolved before it."""
    return Q(thu_ly_date__lt=p.start) & ~Q(decision_date__lt=p.start)


def newly_accepted(p: Period) -> Q:
    """Thụ lý mới: thụ lý in the period."""
    return Q(thu_ly_date__gte=p.start, thu_ly_date__lte=p.end)


def to_resolve(p: Period) -> Q:
    """Tổng số phải giải quyết = carried over + newly accepted (the union, written shorter)."""
    return Q(thu_ly_date__lte=p.end) & ~Q(thu_ly_date__lt=p.start, decision_date__lt=p.start)


def resolved(p: Period) -> Q:
    """Đã giải quyết: a case to resolve whose decision is dated in the period (= thụ lý by the end,
    decision in the period)."""
    return Q(thu_ly_date__lte=p.end) & _decided_in(p)


def resolved_as(outcome: str) -> Callable[[Period], Q]:
    """Đã giải quyết, by outcome ("" = a decision whose outcome was not recorded)."""
    def fn(p: Period) -> Q:
        return resolved(p) & Q(outcome=outcome)

    fn.__name__ = f"resolved_{outcome or 'unknown'}"
    return fn


def remaining(p: Period) -> Q:
    """Còn lại = total − resolved."""
    return to_resolve(p) & ~_decided_in(p)


def decided_without_thu_ly(p: Period) -> Q:
    """Data check: a decision in the period on a case without ngày thụ lý (it cannot be counted)."""
    return Q(thu_ly_date__isnull=True) & _decided_in(p)


def applied_by_end(p: Period) -> Q:
    """A decision applying a measure dated up to the end of the period."""
    return Q(outcome=Outcome.APPLY, decision_date__lte=p.end)


def execution_done_by_end(p: Period) -> Q:
    """(On Event) a delivery or an exemption (miễn chấp hành) dated up to the end of the period."""
    return Q(code__in=("delivered", "execution_exempted"), date__lte=p.end)


def not_delivered(p: Period) -> Q:
    """Chưa bàn giao: a decision applying a measure dated up to the end, with no delivery and no
    exemption recorded by the end. (Counted as applied_by_end − those done by the end, see
    done_by_end, in the same pass over the cases.)"""
    return applied_by_end(p) & ~Q(pk__in=Event.objects.filter(execution_done_by_end(p)).values("case_id"))


def done_by_end(p: Period) -> Q:
    """(On Case) a delivery or an exemption dated up to the end of the period: `Case.done_date`,
    the first of them (cases.services.summarize); a case without `last_date` (written without the
    summary) is looked up in its events. The same cases as Event condition execution_done_by_end."""
    done = Event.objects.filter(execution_done_by_end(p), case_id=OuterRef("pk"))
    return Q(done_date__lte=p.end) | (Q(last_date__isnull=True) & Q(Exists(done)))


# =============================================================================== event indicators
# Each returns a condition on Event for the period.
def _dated_in(p: Period) -> Q:
    return Q(date__gte=p.start, date__lte=p.end)


def returned(p: Period) -> Q:
    """Hồ sơ Tòa án trả lại (before acceptance: not in the total)."""
    return Q(code="court_returned") & _dated_in(p)


def sessions(p: Period) -> Q:
    """Phiên họp Tòa án đã mở."""
    return Q(code="session_held") & _dated_in(p)


def sessions_present(p: Period) -> Q:
    """Phiên họp có Kiểm sát viên tham gia."""
    return sessions(p) & Q(prosecutor_present=True)


def sessions_absent(p: Period) -> Q:
    """Phiên họp Kiểm sát viên vắng mặt."""
    return sessions(p) & Q(prosecutor_present=False)


def protests(p: Period) -> Q:
    """Kháng nghị ban hành."""
    return Q(code="protest") & _dated_in(p)


def delivered(p: Period) -> Q:
    """Đã bàn giao người vào cơ sở."""
    return Q(code="delivered") & _dated_in(p)


def protests_decided(p: Period) -> Q:
    """Kháng nghị đã được Tòa án cấp trên giải quyết: a decision of the provincial court
    (`appeal_decision`) dated in the period, with its result recorded, on a case the Procuracy
    protested (a `protest` dated on or before that decision). One per decision."""
    protested = Event.objects.filter(case_id=OuterRef("case_id"), code="protest").filter(
        Q(date__isnull=True) | Q(date__lte=OuterRef("date")))
    return Q(code="appeal_decision") & _dated_in(p) & Q(appeal_result__isnull=False) & Q(Exists(protested))


def protests_accepted(p: Period) -> Q:
    """Kháng nghị được chấp nhận (toàn bộ hoặc một phần)."""
    return protests_decided(p) & Q(appeal_result__in=[r.value for r in APPEAL_ACCEPTING])


def protests_partly(p: Period) -> Q:
    """Kháng nghị được chấp nhận một phần."""
    return protests_decided(p) & Q(appeal_result=AppealResult.PARTLY)


def protests_rejected(p: Period) -> Q:
    """Kháng nghị không được chấp nhận (giữ nguyên quyết định)."""
    return protests_decided(p) & Q(appeal_result=AppealResult.REJECTED)


# the event codes each event indicator reads (every one is dated in the period)
EVENT_CODES = {"returned": ("court_returned",), "sessions": ("session_held",), "sessions_present": ("session_held",),
               "sessions_absent": ("session_held",), "protests": ("protest",), "delivered": ("delivered",),
               "protests_decided": ("appeal_decision",), "protests_accepted": ("appeal_decision",),
               "protests_partly": ("appeal_decision",), "protests_rejected": ("appeal_decision",)}


# =============================================================================== letters (kiến nghị)
def _letters():
    """kiemsat.letters' models, or None while that app is not there."""
    try:
        from kiemsat.letters.models import Kind, Letter, LetterFinding, LetterReply, State
    except ImportError:  # pragma: no cover - the letters app ships with the product
        return None
    return Kind, Letter, LetterFinding, LetterReply, State


def _letter_qs(p: Period, unit_ids: list[int] | None) -> QuerySet | None:
    lt = _letters()
    if lt is None:
        return None
    Kind, Letter, _LF, LetterReply, State = lt
    from django.db.models import OuterRef, Subquery

    latest = LetterReply.objects.filter(letter=OuterRef("pk")).order_by("-date", "-id").values("result")[:1]
    qs = Letter.objects.filter(state=State.ISSUED, kind__in=[Kind.COURT, Kind.PREVENTIVE],
                               issued_on__gte=p.start, issued_on__lte=p.end)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    return qs.annotate(latest_reply=Subquery(latest))


def recommendations(p: Period) -> Q:
    """Kiến nghị ban hành: issued in the period (a condition on the annotated letters)."""
    return Q(pk__isnull=False)


def recommendations_accepted(p: Period) -> Q:
    """Kiến nghị được chấp nhận: the latest reply accepts it."""
    return Q(latest_reply="accepted")


def recommendations_partly(p: Period) -> Q:
    """Kiến nghị được chấp nhận một phần."""
    return Q(latest_reply="partly")


def recommendations_unanswered(p: Period) -> Q:
    """Kiến nghị chưa có trả lời."""
    return Q(latest_reply__isnull=True)


# =============================================================================== findings (engine)
@dataclass
class FindingTable:
    """The violation / overdue findings of a scan as columns (one entry per finding)."""

    case_id: np.ndarray  # int64
    rule: np.ndarray  # int: index into .rules
    status: np.ndarray  # 1 violation, 2 overdue
    due: np.ndarray  # date ordinal, 0 = none
    actual: np.ndarray  # date ordinal, 0 = none
    rules: list[str]
    responsible: list[str | None]  # per rule index
    labels: list[str]
    as_of: dt.date

    @property
    def found_on(self) -> np.ndarray:
        """RULES.md "found in a period": a violation's actual date, an overdue's due date."""
        return np.where(self.status == 1, self.actual, self.due)

    def rule_mask(self, *rule_ids: str) -> np.ndarray:
        ix = [i for i, r in enumerate(self.rules) if r in rule_ids]
        return np.isin(self.rule, ix)

    def has_body(self) -> np.ndarray:
        return np.array([r is not None for r in self.responsible] + [False], dtype=bool)[self.rule]


ST_CODE = {engine.VIOLATION: 1, engine.OVERDUE: 2}


def _table_from_scan(res, rs, as_of: dt.date) -> FindingTable:
    rules = [r.id for r in rs.rules]
    pos = {r: i for i, r in enumerate(rules)}
    resp = [r.responsible for r in rs.rules]
    labels = [r.label for r in rs.rules]
    cols = _columns_fast(res, rs)
    if cols is None:  # any other Sequence[Scanned]: read the findings one by one
        rows = [(s.case_id, pos.get(s.finding.rule, -1), ST_CODE.get(s.finding.status, 0),
                 s.finding.due.toordinal() if s.finding.due else 0,
                 s.finding.actual.toordinal() if s.finding.actual else 0) for s in res]
        arr = np.array(rows, dtype=np.int64).reshape(-1, 5)
        cols = tuple(arr[:, i] for i in range(5))
    cid, rix, st, due, act = cols
    keep = (st > 0) & (rix >= 0)
    # rule -1 would index the last rule; unknown rules (not in the ruleset) are dropped above
    return FindingTable(cid[keep], rix[keep], st[keep], due[keep], act[keep], rules, resp, labels, as_of)


def _columns_fast(res, rs):
    """The findings' columns straight from the columnar scan (legal.fast.FindingsScan), without
    building a Finding object per finding; None when `res` is not one (then the caller reads the
    Scanned objects). tests/stats checks both ways give the same table."""
    hits = getattr(res, "hits", None)
    ids = getattr(res, "_ids", None)
    fb = getattr(res, "_fb", None)
    cols = getattr(hits, "cols", None)
    if hits is None or ids is None or fb is None or not isinstance(cols, dict) or \
            not {"rule", "status", "due", "actual"} <= cols.keys() or getattr(hits, "ruleset", None) is not rs:
        return None
    from kiemsat.domain.vector import STATUS_NAMES

    code = np.zeros(max(STATUS_NAMES) + 1, dtype=np.int64)
    for k, name in STATUS_NAMES.items():
        code[k] = ST_CODE.get(name, 0)
    pos = {r.id: i for i, r in enumerate(rs.rules)}
    cid = np.asarray(ids, dtype=np.int64)[np.asarray(hits.rows, dtype=np.int64)]
    rix = np.asarray(cols["rule"], dtype=np.int64)
    st = code[np.asarray(cols["status"], dtype=np.int64)]
    due = np.asarray(cols["due"], dtype=np.int64)
    act = np.asarray(cols["actual"], dtype=np.int64)
    if fb:
        extra = np.array([(s.case_id, pos.get(s.finding.rule, -1), ST_CODE.get(s.finding.status, 0),
                           s.finding.due.toordinal() if s.finding.due else 0,
                           s.finding.actual.toordinal() if s.finding.actual else 0) for s in fb], dtype=np.int64)
        cid, rix, st, due, act = (np.concatenate((a, extra[:, i])) for i, a in enumerate((cid, rix, st, due, act)))
    # fact checks have no due date: their column holds no date
    facts = np.array([r.kind == "fact" for r in rs.rules] + [False], dtype=bool)[rix]
    due = np.where(facts, 0, due)
    return cid, rix, st, due, act


def _reach_days(rs) -> int:
    """The longest distance, in days, from an event to a due date the ruleset can produce (with a
    margin for holidays and the computed effective date): a case whose every event is older than
    this before the period starts has no finding dated in the period."""
    per_unit = {"WD": lambda n: 2 * n + 20, "D": lambda n: n + 20, "M": lambda n: 31 * n + 20}
    reach = 0
    for r in rs.rules:
        conv = per_unit.get(r.unit or "D", per_unit["D"])
        for prm in r.params.values():
            for _ords, vals in prm.nodes.values():
                for pv in vals:
                    v = pv.value
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        reach = max(reach, conv(v))
    return max(reach, 400) + 60


def scan_scope(base: QuerySet, p: Period, as_of: dt.date, rs) -> QuerySet:
    """The cases that can hold a finding counted for the period: not accepted after `as_of` (the
    engine ignores those), and either remaining at the end of the period (their `court.decide` is
    counted whenever it fell due) or holding a date no older than the ruleset's reach before the
    period starts on one of its events (its date, receipt date or end date: `Case.last_date`, the
    newest of them, kept by cases.services.summarize). Every other case has all its events too old
    for a finding dated in the period (see `_reach_days`); on a register of several years that is
    most of it. A case without `last_date` (no dated event, or a row written without the summary)
    is looked up in its events through the index of their case."""
    old = p.start - dt.timedelta(days=_reach_days(rs))
    recent = Event.objects.filter(case_id=OuterRef("pk")).filter(
        Q(date__gte=old) | Q(received__gte=old) | Q(end__gte=old))
    return base.exclude(thu_ly_date__gt=as_of).filter(
        remaining(p) | Q(last_date__gte=old) | (Q(last_date__isnull=True) & Q(Exists(recent))))


def scan_scope_by_events(base: QuerySet, p: Period, as_of: dt.date, rs) -> QuerySet:
    """scan_scope read from the events themselves, as before `Case.last_date` (the tests compare
    both)."""
    old = p.start - dt.timedelta(days=_reach_days(rs))
    recent = Event.objects.filter(case_id=OuterRef("pk")).filter(
        Q(date__gte=old) | Q(received__gte=old) | Q(end__gte=old))
    return base.exclude(thu_ly_date__gt=as_of).filter(
        remaining(p) | Q(thu_ly_date__gte=old) | Q(received_date__gte=old) | Q(decision_date__gte=old)
        | Q(Exists(recent)))


def findings(base: QuerySet, p: Period, today: dt.date) -> FindingTable:
    """The violation / overdue findings of the cases of `base` as of the period's end (today while
    it runs), through legal.services.scan."""
    from django.core.exceptions import EmptyResultSet

    as_of = min(p.end, today)
    _, rs = legal.active_ruleset()
    qs = scan_scope(base, p, as_of, rs).order_by()
    try:  # an empty scope (a user with no unit: unit_id IN ()) — the columnar scan cannot read it
        qs.query.sql_with_params()
    except EmptyResultSet:
        return _table_from_scan([], rs, as_of)
    res = legal.scan(qs, as_of, (engine.VIOLATION, engine.OVERDUE))
    return _table_from_scan(res, rs, as_of)


def violations_found(t: FindingTable, p: Period) -> np.ndarray:
    """Vi phạm phát hiện trong kỳ (mask over the findings): violations by actual date, overdue by
    due date, of rules with a responsible body."""
    f = t.found_on
    return t.has_body() & (f >= p.start.toordinal()) & (f <= p.end.toordinal())


def decide_overdue(t: FindingTable, p: Period) -> np.ndarray:
    """Quá thời hạn giải quyết (mask): `court.decide` / `minor.decide` overdue as of the end."""
    return t.rule_mask(*DECIDE_RULES) & (t.status == 2)


def statute_expired(t: FindingTable, p: Period) -> np.ndarray:
    """Hết thời hiệu thi hành trong kỳ (mask): `execution.limitation` overdue or violated, its
    expiry in the period."""
    return (t.rule_mask(LIMITATION_RULE) & (t.status > 0) & (t.due >= p.start.toordinal())
            & (t.due <= p.end.toordinal()))


# =============================================================================== the indicator list
@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    group: str
    source: str  # case | event | event_cases | scan | none
    fn: Callable | None = None
    counts: str = "vụ việc"  # what is counted
    indent: int = 0
    note: str = ""


G_CASES, G_WORK, G_VIOL, G_EXEC = "Thụ lý, giải quyết", "Công tác kiểm sát", "Vi phạm phát hiện", "Thi hành"
OUTCOME_KEYS = {Outcome.APPLY: "out_apply", Outcome.NOT_APPLY: "out_not_apply", Outcome.TERMINATE: "out_terminate",
                Outcome.SUSPEND: "out_suspend", Outcome.COMMUNITY: "out_community", "": "out_unknown"}

INDICATORS: list[Indicator] = [
    Indicator("carried", "Số cũ chuyển sang", G_CASES, "case", carried_over),
    Indicator("new", "Thụ lý mới", G_CASES, "case", newly_accepted),
    Indicator("total", "Tổng số phải giải quyết", G_CASES, "case", to_resolve),
    Indicator("resolved", "Đã giải quyết", G_CASES, "case", resolved),
    *[Indicator(OUTCOME_KEYS[o], OUTCOME_LABELS[o], G_CASES, "case", resolved_as(o.value), indent=1)
      for o in Outcome],
    Indicator("out_unknown", "Có quyết định, chưa ghi kết quả", G_CASES, "case", resolved_as(""), indent=1),
    Indicator("remaining", "Còn lại chưa giải quyết", G_CASES, "case", remaining),
    Indicator("remaining_overdue", "Trong đó: quá thời hạn giải quyết", G_CASES, "scan", decide_overdue, indent=1),
    Indicator("returned", "Hồ sơ Tòa án trả lại (chưa thụ lý, tính riêng)", G_CASES, "event_cases", returned),
    Indicator("no_thu_ly", "Có quyết định trong kỳ nhưng chưa có ngày thụ lý (không tính được)", G_CASES, "case",
              decided_without_thu_ly, note="Cần bổ sung ngày thụ lý để vụ việc được tính."),
    Indicator("sessions", "Phiên họp Tòa án mở", G_WORK, "event", sessions, counts="phiên họp"),
    Indicator("sessions_present", "Phiên họp có Kiểm sát viên tham gia", G_WORK, "event", sessions_present,
              counts="phiên họp", indent=1),
    Indicator("sessions_absent", "Phiên họp Kiểm sát viên vắng mặt", G_WORK, "event", sessions_absent,
              counts="phiên họp", indent=1),
    Indicator("protests", "Kháng nghị ban hành", G_WORK, "event", protests, counts="kháng nghị"),
    Indicator("protests_decided", "Kháng nghị đã được Tòa án cấp trên giải quyết", G_WORK, "event", protests_decided,
              counts="kháng nghị", indent=1,
              note="Quyết định giải quyết của Tòa án cấp trên trong kỳ (đã ghi kết quả) đối với vụ việc có kháng nghị."),
    Indicator("protests_accepted", "Kháng nghị được chấp nhận (toàn bộ hoặc một phần)", G_WORK, "event",
              protests_accepted, counts="kháng nghị", indent=1),
    Indicator("protests_partly", "Trong đó: chấp nhận một phần", G_WORK, "event", protests_partly,
              counts="kháng nghị", indent=2),
    Indicator("protests_rejected", "Kháng nghị không được chấp nhận (giữ nguyên quyết định)", G_WORK, "event",
              protests_rejected, counts="kháng nghị", indent=1),
    Indicator("protests_rate", "Tỷ lệ kháng nghị được chấp nhận", G_WORK, "rate", counts="%", indent=1,
              note="Kháng nghị được chấp nhận (toàn bộ hoặc một phần) / kháng nghị đã được giải quyết trong kỳ."),
    Indicator("recommendations", "Kiến nghị ban hành", G_WORK, "letters", recommendations, counts="kiến nghị",
              note="Kiến nghị gửi Tòa án và kiến nghị phòng ngừa đã ban hành (có số) trong kỳ."),
    Indicator("recommendations_accepted", "Kiến nghị được chấp nhận", G_WORK, "letters", recommendations_accepted,
              counts="kiến nghị", indent=1, note="Theo văn bản trả lời gần nhất."),
    Indicator("recommendations_partly", "Kiến nghị được chấp nhận một phần", G_WORK, "letters",
              recommendations_partly, counts="kiến nghị", indent=1),
    Indicator("recommendations_unanswered", "Kiến nghị chưa có trả lời", G_WORK, "letters",
              recommendations_unanswered, counts="kiến nghị", indent=1),
    Indicator("recommendations_rate", "Tỷ lệ kiến nghị được chấp nhận", G_WORK, "rate", counts="%", indent=1,
              note="Kiến nghị được chấp nhận / kiến nghị ban hành."),
    Indicator("violations", "Vi phạm phát hiện trong kỳ", G_VIOL, "scan", violations_found, counts="vi phạm"),
    Indicator("delivered", "Đã bàn giao người vào cơ sở", G_EXEC, "event_cases", delivered),
    Indicator("not_delivered", "Quyết định áp dụng chưa bàn giao người (đến cuối kỳ)", G_EXEC, "case", not_delivered),
    Indicator("statute_expired", "Hết thời hiệu thi hành trong kỳ", G_EXEC, "scan", statute_expired),
]
BY_KEY = {i.key: i for i in INDICATORS}
CASE_KEYS = [i.key for i in INDICATORS if i.source == "case"]
EVENT_KEYS = [i.key for i in INDICATORS if i.source in ("event", "event_cases")]
LETTER_KEYS = [i.key for i in INDICATORS if i.source == "letters"]
UNAVAILABLE = [i.key for i in INDICATORS if i.source == "none"]
RATES = {"recommendations_rate": ("recommendations_accepted", "recommendations"),
         "protests_rate": ("protests_accepted", "protests_decided")}


def rate(accepted: int | None, issued: int | None) -> float | str | None:
    """accepted / issued in percent; "—" when nothing was issued; None without a data source."""
    if accepted is None or issued is None:
        return None
    return round(100 * accepted / issued, 1) if issued else "—"


def _letter_counts(scope_unit_ids: list[int] | None, p: Period) -> dict[int, dict[str, int]] | None:
    """Every letters indicator per unit, in one query; None without the letters app."""
    qs = _letter_qs(p, scope_unit_ids)
    if qs is None:
        return None
    aggs = {k: Count("pk", filter=BY_KEY[k].fn(p)) for k in LETTER_KEYS}
    return {row.pop("unit_id"): row for row in qs.order_by().values("unit_id").annotate(**aggs)}


# =============================================================================== scope
@dataclass
class UnitGroup:
    """A row of the per-unit table: one unit, or — regrouped under the successor (the July 2025
    reform: VKSND huyện A, B, C → VKSND khu vực N) — the current unit with every unit it succeeded."""

    unit: Unit
    ids: list[int]
    merged: list[Unit] = field(default_factory=list)  # the predecessors summed into this row, by name


@dataclass
class Scope:
    base: QuerySet  # the cases counted
    label: str
    unit_ids: list[int] | None  # the units whose cases are counted (None: every unit)
    unit: UnitGroup | None = None  # the unit chosen (None: every visible case)
    groups: list[UnitGroup] = field(default_factory=list)  # per-unit breakdown (provincial users)
    choices: list[UnitGroup] = field(default_factory=list)  # units the user may pick
    merged: bool = False  # predecessors regrouped under their current successor


def _unit_key(name: str) -> list:
    """Unit names in reading order: diacritics and case ignored, numbers as numbers (khu vực 2 < khu vực 10)."""
    import re

    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.findall(r"\d+|\D+", fold(name))]


def _successor_root(units: dict[int, Unit], pk: int) -> int:
    """The unit that holds `pk`'s place today: its successor's successor… (a cycle stops the walk)."""
    root, seen = units[pk], set()
    while root.successor_id and root.successor_id in units and root.pk not in seen:
        seen.add(root.pk)
        root = units[root.successor_id]
    return root.pk


def _lineage(units: dict[int, Unit], pk: int) -> list[int]:
    """`pk` and every unit it succeeded, directly or not (org.permissions.unit_lineage on loaded units)."""
    preds: dict[int, list[int]] = {}
    for u in units.values():
        if u.successor_id:
            preds.setdefault(u.successor_id, []).append(u.pk)
    ids, frontier = [pk], [pk]
    while frontier:
        frontier = [x for f in frontier for x in preds.get(f, []) if x not in ids]
        ids.extend(frontier)
    return sorted(ids)


def _group(units: dict[int, Unit], pk: int, ids: list[int]) -> UnitGroup:
    others = sorted((units[i] for i in ids if i != pk), key=lambda u: _unit_key(u.name))
    return UnitGroup(units[pk], sorted(ids), others)


def _all_units() -> dict[int, Unit]:
    return {u.pk: u for u in Unit.objects.select_related("successor")}


def unit_groups(unit_ids: list[int] | None = None, merge: bool = False,
                units: dict[int, Unit] | None = None) -> list[UnitGroup]:
    """The rows of the per-unit table, in name order (unit_ids: only these units' cases). Each unit on
    its own row — a case keeps the unit of its time — or, with `merge`, every unit summed into the
    unit that succeeds it today ("gộp theo đơn vị kế thừa")."""
    units = units if units is not None else _all_units()
    rows: dict[int, list[int]] = {}
    for pk in units:
        if unit_ids is not None and pk not in unit_ids:
            continue
        rows.setdefault(_successor_root(units, pk) if merge else pk, []).append(pk)
    return sorted((_group(units, r, ids) for r, ids in rows.items()), key=lambda g: _unit_key(g.unit.name))


def unit_choices(user) -> list[UnitGroup]:
    """The units a user may report on one by one (a provincial user: every unit; others: none)."""
    return unit_groups(None) if visible_unit_ids(user) is None else []


def scope_for(user, unit_id: int | None = None, choices: list[UnitGroup] | None = None,
              merge: bool = False) -> Scope:
    """What the user's report counts: their visible cases; a provincial user may pick one unit (with
    `merge`, also the units it succeeded), and otherwise sees the breakdown per unit — each unit, or
    with `merge` the predecessors summed into their successor — and the total."""
    base = visible_cases(user)
    ids = visible_unit_ids(user)
    provincial = ids is None
    if choices is None:
        choices = unit_choices(user)
    if provincial:
        units = _all_units()
        if unit_id is not None and unit_id in units and any(g.unit.pk == unit_id for g in choices):
            g = _group(units, unit_id, _lineage(units, unit_id) if merge else [unit_id])
            return Scope(base.filter(unit_id__in=g.ids), g.unit.name, g.ids, g, [], choices, merge)
        return Scope(base, "Toàn tỉnh (tất cả đơn vị)", None, None, unit_groups(None, merge, units), choices, merge)
    own = user.unit.name if user.unit_id else "Đơn vị"
    return Scope(_units_filter(ids), own, list(ids), None, [], [])


def _units_filter(ids: list[int]) -> QuerySet:
    """The cases of these units (for a unit's user: exactly cases.selectors.visible_cases). When they are (nearly) every case of the database — a unit's own
    installation — the filter is written so the database reads the table through rather than
    looking each row up by its unit (the same rows, several times faster)."""
    from django.db.models import F

    if ids and not Case.objects.exclude(unit_id__in=ids).exists():
        return Case.objects.alias(unit_plain=F("unit_id") + 0).filter(unit_plain__in=ids)
    return Case.objects.filter(unit_id__in=ids)


def scope_all(unit_id: int | None = None, merge: bool = False) -> Scope:
    """Every case of the database (the command line), per unit (with `merge`: predecessors summed into
    their successor); or one unit with the units it succeeded."""
    units = _all_units()
    choices = unit_groups(None, False, units)
    if unit_id is not None:
        if unit_id not in units:
            raise LookupError(unit_id)
        g = _group(units, unit_id, _lineage(units, unit_id))
        return Scope(Case.objects.filter(unit_id__in=g.ids), g.unit.name, g.ids, g, [], choices, True)
    return Scope(Case.objects.all(), "Tất cả đơn vị", None, None, unit_groups(None, merge, units), choices, merge)


def scope_events(scope: Scope) -> QuerySet:
    """The events of the counted cases (all events when the database holds no other unit's cases:
    a unit's own installation — one pass over the events instead of a lookup per case)."""
    if scope.unit_ids is None or not Case.objects.exclude(unit_id__in=scope.unit_ids).exists():
        return Event.objects.all()
    return Event.objects.filter(case_id__in=Case.objects.filter(unit_id__in=scope.unit_ids).values("pk"))


# =============================================================================== counting
def _window(p: Period) -> Q:
    """Every case a case indicator of the period can count, except `not_delivered` (which reaches
    back to older decisions): the rows the main count reads."""
    return to_resolve(p) | _decided_in(p)


WINDOWED = ("carried", "new", "total", "resolved", *OUTCOME_KEYS.values(), "remaining", "no_thu_ly")


class IdList(Aggregate):
    """The ids of the rows, comma-separated (group_concat / string_agg): the remaining cases come
    back from the count's own pass instead of a second read."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):  # 8-byte binary integers, end to end
        c = self.copy()
        c.function = "STRING_AGG"
        c.template = "%(function)s(int8send(%(expressions)s), ''::bytea)"
        return super(IdList, c).as_sql(compiler, connection, **extra)


def _ids(value: str | bytes | memoryview | None) -> np.ndarray:
    if not value:
        return np.zeros(0, dtype=np.int64)
    if isinstance(value, str):
        return np.array(value.split(","), dtype=np.int64)
    return np.frombuffer(bytes(value), dtype=">i8").astype(np.int64)


def _grouped(qs: QuerySet, aggs: dict, unit_field: str = "unit_id", measure_field: str = "measure") -> dict:
    out = {}
    for row in qs.order_by().values(unit_field, measure_field).annotate(**aggs):
        out[(row.pop(unit_field), row.pop(measure_field))] = row
    return out


def _case_counts(base: QuerySet, p: Period, with_units: bool = False):
    """Every case indicator (and the trend) per (unit, measure): one query over the period's
    window, one over every case for the indicators outside it (not delivered). with_units: also
    (ids, unit ids) of every case of `base`, sorted by id — the per-unit split of the engine's
    figures (provincial users) — from that second pass."""
    aggs = {k: Count("pk", filter=BY_KEY[k].fn(p)) for k in WINDOWED}
    aggs["_remaining_ids"] = IdList("pk", filter=remaining(p))
    for i, (_label, s, e) in enumerate(p.buckets()):
        b = Period(s, e)
        aggs[f"trend_new_{i}"] = Count("pk", filter=newly_accepted(b))
        aggs[f"trend_resolved_{i}"] = Count("pk", filter=Q(thu_ly_date__lte=p.end) & _decided_in(b))
    out = _grouped(base.filter(_window(p)), aggs)
    assert set(CASE_KEYS) == set(WINDOWED) | {"not_delivered"}
    rest = {"_applied": Count("pk", filter=applied_by_end(p)),
            "_done": Count("pk", filter=applied_by_end(p) & done_by_end(p))}
    if with_units:
        rest["_ids"] = IdList("pk")
    ids, units = [], []
    for key, row in _grouped(base if with_units else base.filter(applied_by_end(p)), rest).items():
        if with_units:
            arr = _ids(row.pop("_ids"))
            ids.append(arr)
            units.append(np.full(len(arr), key[0], dtype=np.int64))
        out.setdefault(key, {}).update(row)
    if not with_units:
        return out
    if not ids:
        return out, (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    ids_a, units_a = np.concatenate(ids), np.concatenate(units)
    order = np.argsort(ids_a, kind="stable")
    return out, (ids_a[order], units_a[order])


def _event_counts(events: QuerySet, p: Period) -> dict[tuple[int, str], dict[str, int]]:
    """Every event indicator per (unit, measure), in one query over the period's events."""
    conds = {k: BY_KEY[k].fn(p) for k in EVENT_KEYS}
    codes = set()
    for k in EVENT_KEYS:
        codes |= set(EVENT_CODES[k])
    # events counted by their case_id (never null: the same count as their ids), so PostgreSQL reads them
    # from the index cases_event_stats alone (migration cases.0006)
    aggs = {k: Count("case_id", filter=c, distinct=BY_KEY[k].source == "event_cases") for k, c in conds.items()}
    rows = events.filter(_dated_in(p) & Q(code__in=sorted(codes)))
    return _grouped(rows, aggs, "case__unit_id", "case__measure")


def _sum(rows: dict, keys, where=lambda unit, measure: True) -> dict[str, int]:
    tot = dict.fromkeys(keys, 0)
    for (u, m), row in rows.items():
        if where(u, m):
            for k in keys:
                tot[k] += row.get(k, 0) or 0
    return tot


def _count_in(ids: np.ndarray, sorted_ids: np.ndarray) -> int:
    """How many of `ids` (distinct) are in `sorted_ids` (sorted, distinct) — without sorting `ids`
    (np.intersect1d sorts both: seconds when called per unit and measure on a province)."""
    if len(ids) == 0 or len(sorted_ids) == 0:
        return 0
    pos = np.clip(np.searchsorted(sorted_ids, ids), 0, len(sorted_ids) - 1)
    return int((sorted_ids[pos] == ids).sum())


def _distinct(ids: np.ndarray) -> np.ndarray:
    """np.unique(ids) for case ids (non-negative): marked in a table as long as the largest id when
    that is not much longer than ids — a pass, not a sort or a hash (3 × 12 ms at 1,000,000 cases)."""
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    top = int(ids.max())
    if ids.min() < 0 or top > 8 * len(ids) + 1_000_000:
        return np.unique(ids)
    seen = np.zeros(top + 1, dtype=bool)
    seen[ids] = True
    return np.flatnonzero(seen).astype(np.int64)


def _per_unit(units: np.ndarray) -> dict[int, int]:
    """How many entries each unit id has (−1, not a case of the scope, left out)."""
    units = units[units >= 0]
    if len(units) == 0:
        return {}
    counts = np.bincount(units)
    return {int(u): int(counts[u]) for u in np.flatnonzero(counts)}


def _units_of(ids: np.ndarray, case_ids: np.ndarray, case_units: np.ndarray) -> np.ndarray:
    """The unit of each id (-1: not a case of the scope)."""
    if len(case_ids) == 0:
        return np.full(len(ids), -1, dtype=np.int64)
    pos = np.clip(np.searchsorted(case_ids, ids), 0, len(case_ids) - 1)
    return np.where(case_ids[pos] == ids, case_units[pos], -1)


def remaining_overdue_cases(base: QuerySet, p: Period, t: FindingTable) -> list[tuple[int, int, str]]:
    """The remaining cases past the time limit: [(id, unit id, measure)], sorted by id."""
    over = _distinct(t.case_id[decide_overdue(t, p)])
    if len(over) == 0:
        return []
    rem = base.filter(remaining(p)).order_by("pk")
    if len(over) <= 500:
        return list(rem.filter(pk__in=over.tolist()).values_list("pk", "unit_id", "measure"))
    over_set = set(over.tolist())
    return [r for r in rem.values_list("pk", "unit_id", "measure") if r[0] in over_set]


# =============================================================================== the report
@dataclass
class ViolationRow:
    rule: str
    label: str
    responsible: str  # code
    body: str  # label
    violation: int
    overdue: int

    @property
    def total(self) -> int:
        return self.violation + self.overdue


@dataclass
class Report:
    period: Period
    as_of: dt.date
    scope: Scope
    total: dict[str, int | None]  # indicator key -> count (None: no data)
    by_measure: dict[str, dict[str, int]]  # measure -> case/event indicator counts
    by_unit: list[tuple[UnitGroup, dict[str, int]]]
    violation_rows: list[ViolationRow]
    by_body: dict[str, dict[str, int]]  # body code -> {"violation", "overdue", "total"} (+ per unit)
    trend: list[dict]  # {"label", "new", "resolved", "violations"}
    timings: dict = field(default_factory=dict)  # seconds per step (the benchmark prints them)

    def indicators(self, group: str | None = None) -> list[tuple[Indicator, int | None]]:
        return [(i, self.total.get(i.key)) for i in INDICATORS if group is None or i.group == group]

    @property
    def groups(self) -> list[tuple[str, list[tuple[Indicator, int | None]]]]:
        return [(g, self.indicators(g)) for g in (G_CASES, G_WORK, G_VIOL, G_EXEC)]

    @property
    def bodies(self) -> list[tuple[str, str, dict[str, int]]]:
        """(code, label, {"violation", "overdue", "total"}) of each responsible body with findings."""
        return [(b, RESPONSIBLE_LABELS.get(b, b), v) for b, v in self.by_body.items()]

    @property
    def measures(self) -> list[tuple[str, str, dict[str, int]]]:
        return [(m, MEASURE_SHORT[Measure(m)], self.by_measure.get(m, {})) for m in MEASURES]

    def identities(self) -> list[tuple[str, bool]]:
        """The identities the figures must satisfy (shown on the page, asserted by the tests)."""
        t = self.total
        out = [
            ("Tổng số phải giải quyết = Số cũ chuyển sang + Thụ lý mới", t["total"] == t["carried"] + t["new"]),
            ("Còn lại = Tổng số phải giải quyết − Đã giải quyết", t["remaining"] == t["total"] - t["resolved"]),
            ("Đã giải quyết = tổng các loại kết quả",
             t["resolved"] == sum(t[k] for k in OUTCOME_KEYS.values())),
            ("Quá thời hạn giải quyết ≤ Còn lại", t["remaining_overdue"] <= t["remaining"]),
            ("Phiên họp ≥ có Kiểm sát viên + vắng mặt",
             t["sessions"] >= t["sessions_present"] + t["sessions_absent"]),
        ]
        out.append(("Kháng nghị: được chấp nhận + không được chấp nhận = đã được giải quyết",
                    t["protests_accepted"] + t["protests_rejected"] == t["protests_decided"]
                    and t["protests_partly"] <= t["protests_accepted"]))
        if t.get("recommendations") is not None:
            out.append(("Kiến nghị: được chấp nhận + một phần + chưa trả lời ≤ ban hành",
                        t["recommendations_accepted"] + t["recommendations_partly"] + t["recommendations_unanswered"]
                        <= t["recommendations"]))
        for m, row in self.by_measure.items():
            if row.get("total", 0) != row.get("carried", 0) + row.get("new", 0) or \
                    row.get("remaining", 0) != row.get("total", 0) - row.get("resolved", 0):
                out.append((f"Đẳng thức theo biện pháp {m}", False))
        return out


def _side_by_side(*jobs):
    """[job() for job in jobs]: every job but the last on its own connection in its own thread while
    the last runs here (SQLite and PostgreSQL work without holding Python's lock, so the database
    counts and the findings scan overlap). Inside a transaction (tests, or a caller's atomic block)
    another connection would not see its rows: then one after the other."""
    import threading

    from django.db import connections

    if any(c.in_atomic_block for c in connections.all(initialized_only=True)) or \
            connections["default"].vendor not in ("sqlite", "postgresql"):
        return [job() for job in jobs]
    boxes: list[dict] = [{} for _ in jobs[:-1]]

    def run(job, box):
        try:
            box["value"] = job()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc
        finally:
            connections.close_all()  # this thread's connections only

    threads = [threading.Thread(target=run, args=(job, box), name=f"stats-counts-{i}", daemon=True)
               for i, (job, box) in enumerate(zip(jobs[:-1], boxes, strict=True))]
    for th in threads:
        th.start()
    try:
        last = jobs[-1]()
    finally:
        for th in threads:
            th.join()
    for box in boxes:
        if "error" in box:
            raise box["error"]
    return [box["value"] for box in boxes] + [last]


# The database counts and the findings table of recent reports, per process: a report asked again
# (another page of the same period, the exports, a second user of the same units) is computed from
# them while the register (cases.services.register_stamp), the active ruleset and calendar and the
# date are unchanged, for at most CACHE_SECONDS. Letters are counted each time (not in the stamp).
# Oldest entry out first.
_CACHE: dict = {}
CACHE_SIZE = 8
CACHE_SECONDS = 600


def clear_cache() -> None:
    _CACHE.clear()


def _cache_key(scope: Scope, p: Period, today: dt.date) -> tuple | None:
    from django.db import connections

    from kiemsat.cases.services import register_stamp

    db = scope.base.db
    conn = connections[db]
    try:
        # with the number of cases: a transaction that commits cases stamped before the newest
        # (an import or a sync shorter than restamp's minute) still changes the key
        with no_jit():
            stamp = register_stamp()
        sql = str(scope.base.query)
    except Exception:  # noqa: BLE001 - e.g. an empty scope (unit_id IN ()): no cache, never an error
        return None
    units = None if scope.unit_ids is None else tuple(sorted(scope.unit_ids))
    return (conn.vendor, conn.settings_dict.get("NAME"), db, units, bool(scope.groups), sql, p.start, p.end,
            min(p.end, today), legal.active_ruleset()[0], legal.active_calendar()[0], stamp)


def _cached(key: tuple | None):
    """The cache entry of `key` (counts, findings table, when made), unless missing or too old."""
    hit = _CACHE.get(key) if key is not None else None
    if hit is not None and _time.monotonic() - hit[2] > CACHE_SECONDS:
        return None
    return hit


@contextmanager
def no_jit(**more: str):
    """PostgreSQL: no JIT compilation for the statistics' queries on this thread's connection. Their
    many FILTER clauses (and the correlated EXISTS of the protest figures, costed per row though it
    runs only for the provincial court's decisions) push the plan's cost over `jit_above_cost`, and
    compiling them takes seconds — far more than running them (measured: 2.7 s of JIT for a 35 ms
    query at 30,000 cases). `more`: other settings for the same queries (see REPORT_SETTINGS).
    Restored afterwards."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    settings = {"jit": "off", **more}
    with connection.cursor() as cur:
        before = {}
        for name, value in settings.items():
            cur.execute("SELECT current_setting(%s)", [name])
            before[name] = cur.fetchone()[0]
            cur.execute("SELECT set_config(%s, %s, false)", [name, value])
    try:
        yield
    finally:
        if connection.connection is not None and not connection.needs_rollback:
            from django.db import DatabaseError

            try:
                with connection.cursor() as cur:
                    for name, value in before.items():
                        cur.execute("SELECT set_config(%s, %s, false)", [name, value])
            except DatabaseError:
                # the caller's transaction failed: its rollback undoes the settings, and the
                # error that matters is the one already on its way
                if connection.in_atomic_block:
                    connection.needs_rollback = True
                else:
                    raise


# The report runs its queries side by side, one connection each (see _side_by_side): parallel workers
# would only compete with them for the same processor cores (measured on 2 cores: the events' count
# spent 3 × 0.7 s of processor time in a parallel hash join, 0.7 s in one process).
REPORT_SETTINGS = {"max_parallel_workers_per_gather": "0"}
# The events of the period (a few hundred thousand rows read from cases_event_stats) are joined to their
# cases in id order; a hash of every case (a million rows) costs twice as much (measured: 0.73 s
# against 1.2 s for a year at 1,000,000 cases).
EVENT_SETTINGS = {**REPORT_SETTINGS, "enable_hashjoin": "off"}


def report(scope: Scope, p: Period, today: dt.date | None = None) -> Report:
    """Every indicator of the period for the scope: per measure, per unit (provincial), in total."""
    clock = _time.perf_counter
    timings = {}
    t0 = clock()
    today = today or legal.local_today()
    base = scope.base
    legal.active_ruleset()  # parsed (and seeded) once, before the two threads read it

    def timed(name, fn, *args, settings=REPORT_SETTINGS):
        def job():
            t = clock()
            with no_jit(**settings):
                out = fn(*args)
            timings[name] = clock() - t
            return out

        return job

    key = _cache_key(scope, p, today)
    hit = _cached(key)
    if hit is not None:  # the register, ruleset and calendar have not changed since: the same figures
        counted, t = [{k: dict(v) for k, v in part.items()} if isinstance(part, dict) else part
                      for part in hit[0]], hit[1]
        timings["cached"] = 1.0
    else:
        jobs = [timed("cases", _case_counts, base, p, bool(scope.groups)),
                timed("events", _event_counts, scope_events(scope), p, settings=EVENT_SETTINGS)]
        *counted, t = _side_by_side(*jobs, timed("scan", findings, base, p, today))
        if scope.groups:  # the per-unit split of the engine's figures came with the case counts
            counted = [counted[0][0], counted[1], counted[0][1]]
        timings["overlap"] = max(0.0, timings["cases"] + timings["events"] + timings["scan"]
                                 - (clock() - t0))
        if key is not None:
            _CACHE.pop(key, None)  # an expired entry: the new one goes last (oldest out first)
            if len(_CACHE) >= CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = ([{k: dict(v) for k, v in part.items()} if isinstance(part, dict) else part
                            for part in counted], t, _time.monotonic())
    cases, events = counted[:2]
    timings["counts+scan"] = clock() - t0
    t1 = clock()
    remaining_ids = {k: _ids(row.pop("_remaining_ids", None)) for k, row in cases.items()}

    rows: dict[tuple[int, str], dict[str, int]] = {}
    for src in (cases, events):
        for k, row in src.items():
            rows.setdefault(k, {}).update(row)
    for row in rows.values():  # see not_delivered
        row["not_delivered"] = row.pop("_applied", 0) - row.pop("_done", 0)
    keys = CASE_KEYS + EVENT_KEYS
    total: dict[str, int | None] = _sum(rows, keys)
    by_measure = {m: _sum(rows, keys, lambda u, mm, m=m: mm == m) for m in MEASURES}

    # engine-based figures
    viol = violations_found(t, p)
    total["violations"] = int(viol.sum())
    over_ids = _distinct(t.case_id[decide_overdue(t, p)])
    for k, ids in remaining_ids.items():  # remaining_overdue: past the limit among the remaining cases
        rows.setdefault(k, {})["remaining_overdue"] = _count_in(ids, over_ids)
    total["remaining_overdue"] = _sum(rows, ["remaining_overdue"])["remaining_overdue"]
    exp_ids = _distinct(t.case_id[statute_expired(t, p)])
    total["statute_expired"] = len(exp_ids)
    for k in UNAVAILABLE:
        total[k] = None
    letters = _letter_counts(scope.unit_ids, p)
    for k in LETTER_KEYS:
        total[k] = None if letters is None else sum(r[k] for r in letters.values())
    for k, (a, b) in RATES.items():
        total[k] = rate(total[a], total[b])
    for m in MEASURES:
        by_measure[m]["remaining_overdue"] = _sum(rows, ["remaining_overdue"], lambda u, mm, m=m: mm == m)[
            "remaining_overdue"]

    # violations by rule and by responsible body
    f_rule, f_status = t.rule[viol], t.status[viol]
    vrows = []
    for rix in np.unique(f_rule).tolist():
        sel = f_rule == rix
        body = t.responsible[rix] or ""
        vrows.append(ViolationRow(t.rules[rix], t.labels[rix], body, RESPONSIBLE_LABELS.get(body, body),
                                  int((f_status[sel] == 1).sum()), int((f_status[sel] == 2).sum())))
    vrows.sort(key=lambda r: (list(RESPONSIBLE_LABELS).index(r.responsible) if r.responsible in RESPONSIBLE_LABELS
                              else 9, -r.total, r.rule))
    by_body: dict[str, dict[str, int]] = {}
    for r in vrows:
        b = by_body.setdefault(r.responsible, {"violation": 0, "overdue": 0, "total": 0})
        b["violation"] += r.violation
        b["overdue"] += r.overdue
        b["total"] += r.total

    # per unit
    by_unit = []
    if scope.groups:
        c_ids, c_units = counted[2]
        v_units = _per_unit(_units_of(t.case_id[viol], c_ids, c_units))
        e_units = _per_unit(_units_of(exp_ids, c_ids, c_units))
        for g in scope.groups:
            row = _sum(rows, keys + ["remaining_overdue"], lambda u, mm, g=g: u in g.ids)
            row["violations"] = sum(v_units.get(u, 0) for u in set(g.ids))
            row["statute_expired"] = sum(e_units.get(u, 0) for u in set(g.ids))
            for k in LETTER_KEYS:
                row[k] = None if letters is None else sum(r[k] for u, r in letters.items() if u in g.ids)
            for k, (a, b) in RATES.items():
                row[k] = rate(row[a], row[b])
            by_unit.append((g, row))

    # trend
    found = t.found_on[viol]
    trend = []
    for i, (label, s, e) in enumerate(p.buckets()):
        trend.append({
            "label": label, "start": s, "end": e,
            "new": sum(r.get(f"trend_new_{i}", 0) for r in cases.values()),
            "resolved": sum(r.get(f"trend_resolved_{i}", 0) for r in cases.values()),
            "violations": int(((found >= s.toordinal()) & (found <= e.toordinal())).sum()),
        })
    timings["rest"] = clock() - t1
    timings["total"] = clock() - t0
    return Report(p, t.as_of, scope, total, by_measure, by_unit, vrows, by_body, trend, timings=timings)


# =============================================================================== the cases behind a number
def events_behind(key: str, p: Period, case_ids: list[int]) -> dict[int, list[str]]:
    """For an event indicator: the events it counted on these cases (one page of the cases behind
    it), as short Vietnamese lines — "20/03/2025 · số 05/QĐ-PT · Chấp nhận một phần"."""
    from kiemsat.domain.dates import fmt

    ind = BY_KEY[key]
    if ind.source not in ("event", "event_cases") or not case_ids:
        return {}
    out: dict[int, list[str]] = {}
    rows = Event.objects.filter(ind.fn(p), case_id__in=case_ids).order_by("date", "pk")
    for e in rows:
        parts = [fmt(e.date) if e.date else "không rõ ngày"]
        if e.number:
            parts.append(f"số {e.number}")
        if e.appeal_result:
            parts.append(e.get_appeal_result_display())
        if e.prosecutor_present is not None:
            parts.append("KSV có mặt" if e.prosecutor_present else "KSV vắng mặt")
        out.setdefault(e.case_id, []).append(" · ".join(parts))
    return out



@dataclass
class Behind:
    """The cases behind one number: a queryset, and for engine figures the findings per case."""

    indicator: Indicator
    qs: QuerySet | None  # database figures: the cases; engine figures: None (see ids)
    count: int  # the number shown on the report (sessions / findings may exceed the cases)
    findings: dict[int, list[tuple]] = field(default_factory=dict)  # id -> [(rule, label, due, actual, status)]
    ids: list[int] | None = None  # engine figures: the cases, newest first


def behind(scope: Scope, p: Period, key: str, measure: str = "", unit: int | None = None, rule: str = "",
           body: str = "", status: str = "", today: dt.date | None = None) -> Behind:
    """The cases behind the number `key` of the report (optionally one measure / unit / rule /
    responsible body / status), with the same selector as the count. KeyError: unknown key;
    LookupError: an indicator with no data."""
    ind = BY_KEY[key]
    base = scope.base
    if unit is not None:
        g = next((g for g in (scope.groups or scope.choices) if g.unit.pk == unit), None)
        base = base.filter(unit_id__in=g.ids if g else [])
    if measure:
        base = base.filter(measure=measure)
    if ind.source in ("none", "rate"):
        raise LookupError(key)
    if ind.source == "letters":
        unit_ids = scope.unit_ids
        if unit is not None:
            g = next((g for g in (scope.groups or scope.choices) if g.unit.pk == unit), None)
            unit_ids = g.ids if g else []
        letters = _letter_qs(p, unit_ids)
        if letters is None:
            raise LookupError(key)
        chosen = letters.filter(ind.fn(p))
        _K, _L, LetterFinding, _R, _S = _letters()
        cited = LetterFinding.objects.filter(letter__in=chosen.values("pk")).values("case_id")
        return Behind(ind, base.filter(pk__in=cited), chosen.count())
    if ind.source == "case":
        qs = base.filter(ind.fn(p))
        return Behind(ind, qs, qs.count())
    if ind.source in ("event", "event_cases"):
        ev = Event.objects.filter(ind.fn(p), case__in=base.order_by().values("pk"))
        n = ev.values("case_id").distinct().count() if ind.source == "event_cases" else ev.count()
        return Behind(ind, base.filter(pk__in=ev.values("case_id")), n)
    today = today or legal.local_today()
    hit = None
    if base is scope.base:  # the whole scope: the findings of the report just shown, when still valid
        hit = _cached(_cache_key(scope, p, today))
    t = hit[1] if hit is not None else findings(base, p, today)
    mask = ind.fn(t, p)
    if rule:
        mask &= t.rule_mask(rule)
    if body:
        mask &= np.array([r == body for r in t.responsible] + [False], dtype=bool)[t.rule]
    if status in ST_CODE:
        mask &= t.status == ST_CODE[status]
    if key == "remaining_overdue":
        mask &= np.isin(t.case_id, [r[0] for r in remaining_overdue_cases(base, p, t)])
    ids = _distinct(t.case_id[mask])
    count = int(mask.sum()) if key == "violations" else len(ids)
    per_case: dict[int, list] = {}
    for c, r, s, d, a in zip(t.case_id[mask].tolist(), t.rule[mask].tolist(), t.status[mask].tolist(),
                             t.due[mask].tolist(), t.actual[mask].tolist(), strict=True):
        per_case.setdefault(c, []).append((t.rules[r], t.labels[r], dt.date.fromordinal(d) if d else None,
                                           dt.date.fromordinal(a) if a else None, "Vi phạm" if s == 1 else "Quá hạn"))
    return Behind(ind, None, count, per_case, sorted(ids.tolist(), reverse=True))
