"""The plain context a letter template is rendered with (never raw models).

Top-level names (every kind gets all of them, so a template may be reused across kinds):

    kind, draft, unit{name, parent_name, symbol, place, short_name}, number, number_text, code, year,
    date, blank_date, title, summary, recipient, recipient_org, court_name, period_from, period_to,
    as_of, legal_bases[], groups[{no, rule, title, label, citation, count, findings[]}],
    findings[], people[], total, cases_count, requests[], reply_days, signer{authority[], position,
    name, deputy}, cc[]

A finding: no, person, case_ref, so_thu_ly, measure, rule, label, status, start, start_label, due,
alt_due, actual, act_label, late, late_text, unit_words, citation, flags[], basis, text,
explanation. A person (đôn đốc): no, person, birth_year, so_thu_ly, measure, decision_number,
decision_date, effective, effective_estimated, police_received, deliver_due, days_since_effect,
limitation, limitation_alt, limitation_passed, previous[], basis, note.

Dates are `datetime.date` objects: templates format them with `|vndate` or `|vndate_long`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from kiemsat.domain import engine
from kiemsat.domain.dates import fmt
from kiemsat.domain.events import MEASURE_SHORT, Measure

NBSP = "\u00a0"
BLANK_NUMBER = NBSP * 7
BLANK_DATE_FMT = "ngày" + NBSP * 6 + "tháng" + NBSP * 6 + "năm {year}"

UNIT_WORDS = {"WD": "ngày làm việc", "D": "ngày", "M": "ngày"}

GROUP_TITLES = {
    "court.accept": "Vi phạm thời hạn thụ lý hồ sơ và phân công Thẩm phán",
    "court.return_incomplete": "Vi phạm thời hạn trả lại hồ sơ đề nghị chưa đầy đủ",
    "court.notify_acceptance": "Vi phạm thời hạn thông báo thụ lý cho Viện kiểm sát",
    "court.decide": "Vi phạm thời hạn ra quyết định",
    "minor.decide": "Vi phạm thời hạn ra quyết định",
    "court.hold_session": "Vi phạm thời hạn mở phiên họp",
    "court.postponed_session": "Vi phạm thời hạn mở lại phiên họp đã hoãn",
    "court.session_without_procurator": "Tiến hành phiên họp khi Kiểm sát viên vắng mặt mà không hoãn phiên họp",
    "court.send_decision": "Vi phạm thời hạn gửi quyết định cho Viện kiểm sát",
    "court.forward_challenge": "Vi phạm thời hạn chuyển khiếu nại, kiến nghị, kháng nghị kèm hồ sơ lên Tòa án cấp trên",
    "court.send_for_execution": "Vi phạm thời hạn gửi quyết định đã có hiệu lực pháp luật để thi hành",
    "court.term_in_range": "Quyết định áp dụng thời hạn ngoài khung luật định",
    "minor.term_in_range": "Quyết định áp dụng thời hạn ngoài khung luật định",
    "proposer.prepare_dossier": "Vi phạm thời hạn lập hồ sơ đề nghị",
    "proposer.forward_dossier": "Vi phạm thời hạn chuyển hồ sơ sau thời hạn đọc hồ sơ",
    "proposer.review_transfer": "Vi phạm thời hạn kiểm tra tính pháp lý và chuyển hồ sơ đề nghị sang Tòa án",
    "proposer.dossier_complete": "Hồ sơ đề nghị thiếu tài liệu theo quy định",
    "execution.deliver": "Vi phạm thời hạn đưa người phải chấp hành vào cơ sở",
}

# how the act reads inside a sentence ("hạn … là ngày …; … ngày …")
ACT_WORDS = {"Phiên họp": "mở phiên họp", "Quyết định": "ra quyết định", "Phiên họp mở lại": "mở lại phiên họp",
             "Thụ lý": "thụ lý", "Bàn giao": "bàn giao"}


def _lower_first(s: str) -> str:
    if not s:
        return s
    first = s.split(" ", 1)[0]
    if first in ("Phòng", "Tòa", "Công", "Viện", "Thẩm", "Kiểm") or (len(first) > 1 and first[1:2].isupper()):
        return s
    return s[0].lower() + s[1:]


def act_words(act_label: str) -> str:
    return ACT_WORDS.get(act_label, _lower_first(act_label))


def late_text(late: int | None, unit: str | None) -> str:
    if late is None:
        return ""
    return f"{late:02d} {UNIT_WORDS.get(unit or '', 'ngày')}"


def finding_text(*, status: str, start, start_label: str, due, actual, act_label: str, late, unit,
                 explanation: str, as_of) -> str:
    """One sentence for the letter (without the basis)."""
    if due is None or start is None:  # fact checks: the engine's own sentence
        return (explanation or "").replace(" → ", ", ").rstrip(".")
    act = act_words(act_label)
    s = f"{start_label} ngày {fmt(start)}, hạn {act} là ngày {fmt(due)}"
    if status == engine.VIOLATION and actual is not None:
        s += f"; {act} ngày {fmt(actual)}, chậm {late_text(late, unit)}"
    elif status == engine.OVERDUE:
        s += f"; đến ngày {fmt(as_of)} chưa {act}"
    return s


def basis_text(flags) -> str:
    return "; ".join(dict.fromkeys(f for f in flags or [] if f))


@dataclass
class OrgText:
    name: str
    parent_name: str
    symbol: str
    place: str
    short_name: str = ""


@dataclass
class FindingItem:
    no: int
    person: str
    case_ref: str
    so_thu_ly: str
    measure: str
    rule: str
    label: str
    status: str
    start: dt.date | None
    start_label: str
    due: dt.date | None
    alt_due: dt.date | None
    actual: dt.date | None
    act_label: str
    late: int | None
    late_text: str
    unit_words: str
    citation: str
    flags: list[str]
    basis: str
    text: str
    explanation: str


@dataclass
class Group:
    no: int
    rule: str
    title: str
    label: str
    citation: str
    count: int
    findings: list[FindingItem] = field(default_factory=list)


@dataclass
class Person:
    no: int
    person: str
    birth_year: int | None
    so_thu_ly: str
    measure: str
    decision_number: str
    decision_date: dt.date | None
    effective: dt.date | None
    effective_estimated: bool
    police_received: dt.date | None
    deliver_due: dt.date | None
    days_since_effect: int | None
    limitation: dt.date | None
    limitation_alt: dt.date | None
    limitation_passed: bool
    previous: list[str]
    basis: str
    note: str


@dataclass
class Signer:
    authority: list[str]
    position: str
    name: str
    deputy: bool


@dataclass
class LetterContext:
    kind: str
    draft: bool
    unit: OrgText
    number: int | None
    number_text: str
    code: str
    year: int
    date: dt.date | None
    blank_date: str
    title: str
    summary: str
    recipient: str
    recipient_org: str
    court_name: str
    period_from: dt.date | None
    period_to: dt.date | None
    as_of: dt.date
    legal_bases: list[str]
    groups: list[Group]
    findings: list[FindingItem]
    people: list[Person]
    total: int
    cases_count: int
    requests: list[str]
    reply_days: int | None
    signer: Signer
    cc: list[str]

    def as_dict(self) -> dict:
        """Top-level names for the template; nested values stay dataclasses (attribute access)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


KNOWN_NAMES = frozenset(f.name for f in fields(LetterContext))


def measure_text(code: str) -> str:
    try:
        return MEASURE_SHORT[Measure(code)]
    except ValueError:
        return code or ""


def signer_for(user) -> Signer:
    if user is None:
        return Signer(authority=["VIỆN TRƯỞNG"], position="VIỆN TRƯỞNG", name="", deputy=False)
    title = (user.title or "").strip()
    deputy = "phó" in title.lower()
    if deputy:
        return Signer(authority=["KT. VIỆN TRƯỞNG", "PHÓ VIỆN TRƯỞNG"], position="PHÓ VIỆN TRƯỞNG",
                      name=user.full_name, deputy=True)
    return Signer(authority=["VIỆN TRƯỞNG"], position="VIỆN TRƯỞNG", name=user.full_name, deputy=False)


def group_findings(items: list[FindingItem], rule_order: dict[str, int]) -> list[Group]:
    """Violations grouped by kind (rule, and citation when a rule's citation differs by regime)."""
    groups: dict[tuple[str, str], Group] = {}
    for it in items:
        g = groups.get((it.rule, it.citation))
        if g is None:
            g = groups[(it.rule, it.citation)] = Group(
                no=0, rule=it.rule, title=GROUP_TITLES.get(it.rule, f"Vi phạm: {it.label}"), label=it.label,
                citation=it.citation, count=0)
        g.findings.append(it)
    out = sorted(groups.values(), key=lambda g: (rule_order.get(g.rule, 999), g.citation))
    for i, g in enumerate(out, 1):
        g.no = i
        g.findings.sort(key=lambda f: (f.actual or f.due or dt.date.min, f.person))
        for j, f in enumerate(g.findings, 1):
            f.no = j
        g.count = len(g.findings)
    return out


def sample_context(kind: str) -> LetterContext:
    """A filled context of every shape, to trial-render an uploaded template."""
    d = dt.date(2025, 2, 5)
    f1 = FindingItem(no=1, person="Nguyễn Văn A", case_ref="số thụ lý 01/2025/TLHS-XLHC", so_thu_ly="01/2025/TLHS-XLHC",
                     measure="Cai nghiện bắt buộc", rule="court.notify_acceptance",
                     label="Thông báo thụ lý cho Viện kiểm sát", status="violation", start=dt.date(2025, 1, 6),
                     start_label="Thụ lý", due=dt.date(2025, 1, 8), alt_due=None, actual=dt.date(2025, 1, 10),
                     act_label="Thông báo thụ lý", late=2, late_text="02 ngày làm việc", unit_words="ngày làm việc",
                     citation="Pháp lệnh 03/2022/UBTVQH15, Điều 12 khoản 1", flags=["căn cứ ngày VKS nhận"],
                     basis="căn cứ ngày VKS nhận", text="Thụ lý ngày 06/01/2025, …", explanation="…")
    g = Group(no=1, rule=f1.rule, title=GROUP_TITLES[f1.rule], label=f1.label, citation=f1.citation, count=1,
              findings=[f1])
    p = Person(no=1, person="Trần Văn B", birth_year=1990, so_thu_ly="02/2025/TLHS-XLHC", measure="Cai nghiện bắt buộc",
               decision_number="02/2025/QĐ-XLHC", decision_date=dt.date(2025, 1, 2), effective=dt.date(2025, 1, 10),
               effective_estimated=True, police_received=dt.date(2025, 1, 13), deliver_due=dt.date(2025, 1, 20),
               days_since_effect=26, limitation=dt.date(2026, 1, 10), limitation_alt=dt.date(2026, 1, 12),
               limitation_passed=False, previous=["05/VKS ngày 20/01/2025"], basis="ngày hiệu lực ước tính",
               note="ngày hiệu lực ước tính")
    return LetterContext(
        kind=kind, draft=False, unit=OrgText("Viện kiểm sát nhân dân huyện A", "Viện kiểm sát nhân dân tỉnh B", "VKS",
                                             "A", "VKS A"),
        number=12, number_text="12/KN-VKS", code="KN", year=2025, date=d, blank_date=BLANK_DATE_FMT.format(year=2025),
        title="KIẾN NGHỊ", summary="Khắc phục vi phạm", recipient="Chánh án Tòa án nhân dân huyện A",
        recipient_org="Tòa án nhân dân huyện A", court_name="Tòa án nhân dân huyện A", period_from=dt.date(2025, 1, 1),
        period_to=dt.date(2025, 1, 31), as_of=dt.date(2025, 1, 31), legal_bases=["Căn cứ …;"], groups=[g],
        findings=[f1], people=[p], total=1, cases_count=1, requests=["Rút kinh nghiệm."], reply_days=None,
        signer=Signer(["KT. VIỆN TRƯỞNG", "PHÓ VIỆN TRƯỞNG"], "PHÓ VIỆN TRƯỞNG", "Lê Văn C", True),
        cc=["Như trên;", "Lưu: VT, HSKS."],
    )
