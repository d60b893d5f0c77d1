"""Read models over letters: the register, candidate findings for a new letter, which letters cited
a finding, what needs following up (unanswered recommendations, people to urge again), and the
acceptance figures for statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from kiemsat.cases.models import Case
from kiemsat.legal import selectors as legal_selectors
from kiemsat.org import permissions as org_perm

from . import services
from .models import Kind, Letter, LetterFinding, LetterReply, State


def visible_letters(user):
    ids = org_perm.visible_unit_ids(user)
    qs = Letter.objects.all()
    return qs if ids is None else qs.filter(unit_id__in=ids)


@dataclass
class LetterFilters:
    kind: str = ""
    state: str = ""
    year: int | None = None
    q: str = ""


def register(user, f: LetterFilters):
    qs = (visible_letters(user).select_related("unit", "created_by", "signer")
          .annotate(n_findings=Count("findings", distinct=True), n_cases=Count("findings__case", distinct=True),
                    n_replies=Count("replies", distinct=True)))
    if f.kind in Kind.values:
        qs = qs.filter(kind=f.kind)
    if f.state in State.values:
        qs = qs.filter(state=f.state)
    if f.year:
        qs = qs.filter(Q(year=f.year) | Q(year__isnull=True, created_at__year=f.year))
    if f.q:
        qs = qs.filter(Q(number_text__icontains=f.q) | Q(recipient__icontains=f.q) | Q(findings__person__icontains=f.q)
                       ).distinct()
    return qs.order_by("-issued_on", "-id")


def recipient_text(letter: Letter) -> str:
    """Kính gửi as printed (issued) or as it would be printed today (a draft)."""
    try:
        return services.recipient_for(letter, letter.issued_on or services.today())[0]
    except Exception:  # noqa: BLE001 — a name missing for the date: the letter page says why
        return letter.recipient or "—"


def cited_by(keys) -> dict[tuple[int, str], list[Letter]]:
    """(case id, rule) → the letters (not cancelled) that hold this finding."""
    keys = set(keys)
    if not keys:
        return {}
    out: dict[tuple[int, str], list[Letter]] = {}
    rows = (LetterFinding.objects.filter(case_id__in={c for c, _ in keys}).exclude(letter__state=State.CANCELLED)
            .select_related("letter").order_by("letter__issued_on", "letter_id"))
    for lf in rows:
        k = (lf.case_id, lf.rule)
        if k in keys:
            out.setdefault(k, []).append(lf.letter)
    return out


@dataclass
class Candidate:
    row: legal_selectors.Row
    key: str
    eligible_reason: str
    org_id: int | None
    org_name: str
    letters: list = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.eligible_reason


def candidates(user, kind: str, filters: legal_selectors.FindingFilters, as_of: dt.date | None = None,
               org_id: int | None = None, keys: list[tuple[int, str]] | None = None) -> list[Candidate]:
    """Findings a letter of `kind` may hold ("found in a period" by the filters), or the findings
    named by `keys` (a selection from the violations register) whatever their kind."""
    if keys is None:
        filters.responsible = services.RESPONSIBLE_OF[kind]
        filters.status = services.STATUS_OF[kind]
    rows = legal_selectors.findings_register(user, filters, as_of)
    if keys is not None:
        wanted = set(keys)
        rows = [r for r in rows if (r.case_id, r.f.rule) in wanted]
    case_ids = {r.case_id for r in rows}
    info = {c["pk"]: c for c in Case.objects.filter(pk__in=case_ids).values(
        "pk", "court_id", "court__name", "proposer_id", "proposer__name")}
    cites = cited_by([(r.case_id, r.f.rule) for r in rows])
    out = []
    for r in rows:
        c = info.get(r.case_id, {})
        if kind == Kind.PREVENTIVE:
            oid, oname = c.get("proposer_id"), c.get("proposer__name") or ""
        elif kind == Kind.COURT:
            oid, oname = c.get("court_id"), c.get("court__name") or ""
        else:
            oid, oname = None, ""
        if org_id and oid != org_id:
            continue
        out.append(Candidate(r, f"{r.case_id}:{r.f.rule}", services.eligibility(kind, r.f), oid, oname,
                             cites.get((r.case_id, r.f.rule), [])))
    out.sort(key=lambda c: (not c.eligible, c.row.found_on or dt.date.min, c.row.person))
    return out


def orgs_of(cands: list[Candidate]) -> list[tuple[int, str]]:
    return sorted({(c.org_id, c.org_name) for c in cands if c.org_id}, key=lambda x: x[1])


def letter_detail(letter: Letter):
    findings = list(letter.findings.select_related("confirmation__confirmed_by", "case").all())
    cases = {}
    for lf in findings:
        cases.setdefault(lf.case_id, lf)
    return {"findings": findings, "cases": list(cases.values()),
            "pending": [lf for lf in findings if not lf.included],
            "replies": list(letter.replies.select_related("recorded_by").all())}


def letters_for_case(user, case_id: int):
    return (visible_letters(user).filter(findings__case_id=case_id).exclude(state=State.CANCELLED)
            .prefetch_related(Prefetch("findings", queryset=LetterFinding.objects.filter(case_id=case_id),
                                       to_attr="case_findings"))
            .distinct().order_by("-issued_on", "-id"))


# ------------------------------------------------------------------------------ follow-up
@dataclass
class Unanswered:
    letter: Letter
    due: dt.date
    days: int
    source: str


def unanswered(user, as_of: dt.date | None = None) -> list[Unanswered]:
    """Issued recommendations with no reply once the follow-up period has passed (rule
    procuracy.recommendation_reply, else the unit's setting)."""
    as_of = as_of or services.today()
    out = []
    qs = (visible_letters(user).filter(state=State.ISSUED, kind__in=[Kind.COURT, Kind.PREVENTIVE], replies__isnull=True)
          .select_related("unit").order_by("issued_on"))
    for letter in qs:
        days, source, _law = services.reply_days_setting(letter.unit, letter.issued_on)
        due = letter.issued_on + dt.timedelta(days=days)
        if as_of >= due:
            out.append(Unanswered(letter, due, (as_of - letter.issued_on).days, source))
    return out


def urge_again(user, as_of: dt.date | None = None) -> list:
    """People cited in an issued urging letter who are still not delivered N days after the last one,
    and not under a postponement of execution. One rule for every page: execution.selectors.urge_again."""
    from kiemsat.execution.selectors import urge_again as execution_urge_again

    return execution_urge_again(user, as_of or services.today())


# ------------------------------------------------------------------------------ statistics
def acceptance_stats(user, date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
    """Recommendations issued in a period and what became of them (the latest reply decides):
    {kind: {issued, answered, accepted, partly, rejected, unanswered, rate, rate_any}} plus "all".
    rate = accepted / issued; rate_any = (accepted + partly) / issued (None when nothing issued)."""
    qs = visible_letters(user).filter(state=State.ISSUED, kind__in=[Kind.COURT, Kind.PREVENTIVE])
    if date_from:
        qs = qs.filter(issued_on__gte=date_from)
    if date_to:
        qs = qs.filter(issued_on__lte=date_to)
    latest = {}
    for r in LetterReply.objects.filter(letter__in=qs).order_by("date", "id").values("letter_id", "result"):
        latest[r["letter_id"]] = r["result"]

    def empty():
        return {"issued": 0, "answered": 0, "accepted": 0, "partly": 0, "rejected": 0}

    out = {Kind.COURT.value: empty(), Kind.PREVENTIVE.value: empty(), "all": empty()}
    for pk, kind in qs.values_list("pk", "kind"):
        for key in (kind, "all"):
            d = out[key]
            d["issued"] += 1
            res = latest.get(pk)
            if res:
                d["answered"] += 1
                d[res] += 1
    for d in out.values():
        d["unanswered"] = d["issued"] - d["answered"]
        d["rate"] = d["accepted"] / d["issued"] if d["issued"] else None
        d["rate_any"] = (d["accepted"] + d["partly"]) / d["issued"] if d["issued"] else None
    return out


def years(user) -> list[int]:
    ys = set(visible_letters(user).exclude(year__isnull=True).values_list("year", flat=True))
    ys |= {services.today().year}
    return sorted(ys, reverse=True)

