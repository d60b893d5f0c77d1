"""Letters: the use cases (the only writers of kiemsat.letters' tables). Every change is audited.

- `create_draft`: selected findings (case id, rule) → a draft letter holding each finding as it is
  now, with the ruleset and calendar versions it was computed under. Only `violation` findings of
  the Court (kiến nghị to the Court) or of the proposing agency (kiến nghị phòng ngừa), only
  `overdue` execution findings (đôn đốc to the police). A finding that is not `verified` goes
  into the document only once a leader confirms it (`confirm_finding`, audited).
- `submit` → `approve` (leaders) → `issue`: the number is taken from a counter row locked with
  SELECT … FOR UPDATE inside the issuing transaction (on SQLite the IMMEDIATE transaction mode
  serialises writers), and the document is rendered inside it: a failure leaves the letter
  approved and the counter untouched — no gap, no duplicate, nothing half-issued.
- `record_reply`, templates (`upload_template`, `activate_template`), `update_settings`.
- `document(letter)`: the issued .docx as issued, or the draft rendered now. `preview_document`
  builds one without saving (the CLI).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from kiemsat.audit.context import current_actor
from kiemsat.audit.services import record
from kiemsat.cases.models import Case
from kiemsat.domain import engine
from kiemsat.domain.dates import fmt
from kiemsat.legal import services as legal
from kiemsat.org import permissions as org_perm
from kiemsat.org.models import Agency, Role, Unit, User

from . import context as C
from . import permissions as perm
from . import render
from .models import (FindingConfirmation, Kind, Letter, LetterCounter, LetterFinding, LetterReply, LetterSettings,
                     LetterTemplate, State)

REFORM = dt.date(2025, 7, 1)
ACCEPTED_EXEC = ("delivered", "execution_exempted")

RESPONSIBLE_OF = {Kind.COURT: "court", Kind.PREVENTIVE: "proposer", Kind.URGE: "police"}
STATUS_OF = {Kind.COURT: engine.VIOLATION, Kind.PREVENTIVE: engine.VIOLATION, Kind.URGE: engine.OVERDUE}

TITLES = {
    Kind.COURT: ("KIẾN NGHỊ", "Khắc phục vi phạm pháp luật trong việc xem xét, quyết định áp dụng các biện pháp "
                              "xử lý hành chính"),
    Kind.PREVENTIVE: ("KIẾN NGHỊ", "Phòng ngừa vi phạm pháp luật trong việc lập, kiểm tra và chuyển hồ sơ đề nghị "
                                   "áp dụng biện pháp xử lý hành chính"),
    Kind.URGE: ("", "đôn đốc thi hành quyết định áp dụng biện pháp xử lý hành chính"),
}

QC16 = ("Quy chế công tác kiểm sát việc Tòa án nhân dân xem xét, quyết định áp dụng các biện pháp xử lý hành chính "
        "ban hành kèm theo Quyết định số 16/QĐ-VKSTC ngày 31/01/2024 của Viện trưởng Viện kiểm sát nhân dân tối cao")
ND116 = ("Nghị định số 116/2021/NĐ-CP ngày 21/12/2021 của Chính phủ quy định chi tiết một số điều của Luật Phòng, "
         "chống ma túy, Luật Xử lý vi phạm hành chính về cai nghiện ma túy và quản lý sau cai nghiện ma túy")


def _law_vks(day: dt.date) -> str:
    law = "Luật Tổ chức Viện kiểm sát nhân dân năm 2014"
    return law + (" (sửa đổi, bổ sung năm 2025)" if day >= REFORM else "")


def default_bases(kind: str, day: dt.date) -> list[str]:
    if kind == Kind.COURT:
        return [f"Căn cứ khoản 2 Điều 5 và khoản 7 Điều 27 {_law_vks(day)};",
                "Căn cứ Điều 4 Pháp lệnh số 03/2022/UBTVQH15 ngày 13/12/2022 của Ủy ban Thường vụ Quốc hội về trình "
                "tự, thủ tục xem xét, quyết định áp dụng các biện pháp xử lý hành chính tại Tòa án nhân dân;",
                f"Căn cứ {QC16};"]
    if kind == Kind.PREVENTIVE:
        return [f"Căn cứ khoản 2 Điều 5 {_law_vks(day)};",
                "Căn cứ Luật Xử lý vi phạm hành chính năm 2012 (sửa đổi, bổ sung năm 2020);",
                f"Căn cứ {ND116};",
                f"Căn cứ {QC16};"]
    return [f"Căn cứ khoản 2 Điều 5 {_law_vks(day)};",
            "Căn cứ Điều 108 và Điều 110 Luật Xử lý vi phạm hành chính năm 2012 (sửa đổi, bổ sung năm 2020);",
            "Căn cứ Điều 54 Nghị định số 116/2021/NĐ-CP ngày 21/12/2021 của Chính phủ;"]


DEFAULT_REQUESTS = {
    Kind.COURT: [
        "Tổ chức rút kinh nghiệm đối với những vi phạm nêu trên; có biện pháp khắc phục, không để tái diễn.",
        "Chỉ đạo Thẩm phán, Thư ký Tòa án thực hiện đúng các thời hạn thụ lý, thông báo thụ lý, mở phiên họp, ra "
        "quyết định và gửi quyết định cho Viện kiểm sát theo quy định của pháp luật.",
    ],
    Kind.PREVENTIVE: [
        "Tổ chức rút kinh nghiệm trong việc lập, kiểm tra tính pháp lý và chuyển hồ sơ đề nghị áp dụng biện pháp "
        "xử lý hành chính.",
        "Có biện pháp phòng ngừa, bảo đảm thời hạn lập hồ sơ, kiểm tra và chuyển hồ sơ sang Tòa án theo quy định "
        "của pháp luật.",
    ],
    Kind.URGE: [
        "Khẩn trương tổ chức đưa những người nêu trên vào cơ sở để chấp hành quyết định trước khi hết thời hiệu thi "
        "hành.",
        "Trường hợp người phải chấp hành trốn tránh hoặc chưa thể thi hành, thông báo bằng văn bản lý do cho Viện "
        "kiểm sát và Tòa án.",
    ],
}


def _record(actor, action: str, obj, summary: str, changes: dict | None = None) -> None:
    """Audit: the request's (or command's) actor when there is one, else the service's actor."""
    record(action, obj, summary, changes, user=None if current_actor() is not None else actor)


def today() -> dt.date:
    return legal.local_today()


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in (text or "").splitlines() if ln.strip()]


# ------------------------------------------------------------------------------ organisations on a date
def org_on(obj, day: dt.date, what: str):
    """The organisation holding `obj`'s role on `day`: itself, a successor (after it ended) or its one
    predecessor (before it began). ValidationError (Vietnamese) when there is none."""
    org, seen = obj, set()
    while org.valid_to is not None and day > org.valid_to:
        if not org.successor_id or org.pk in seen:
            raise ValidationError(
                f"Không có tên {what} áp dụng cho ngày {fmt(day)}: “{org.name}” chỉ hoạt động đến ngày "
                f"{fmt(org.valid_to)} và chưa khai báo {what} kế thừa (Quản trị → danh mục).")
        seen.add(org.pk)
        org = org.successor
    if org.valid_from is not None and day < org.valid_from:
        preds = [p for p in type(org).objects.filter(successor=org) if p.is_valid_on(day)]
        if len(preds) == 1:
            return preds[0]
        raise ValidationError(
            f"Không có tên {what} áp dụng cho ngày {fmt(day)}: “{org.name}” bắt đầu hoạt động từ ngày "
            f"{fmt(org.valid_from)}" + (" và có nhiều đơn vị tiền thân." if preds else "."))
    return org


def unit_text(unit: Unit, day: dt.date) -> C.OrgText:
    u = org_on(unit, day, "đơn vị")
    if not (u.name or "").strip():
        raise ValidationError(f"Đơn vị áp dụng cho ngày {fmt(day)} chưa có tên.")
    if not (u.parent_name or "").strip():
        raise ValidationError(f"Chưa khai báo tên cơ quan cấp trên của “{u.name}” (Quản trị → Đơn vị → Cơ quan cấp "
                              "trên): cần cho phần tiêu đề văn bản.")
    if not (u.place or "").strip():
        raise ValidationError(f"Chưa khai báo địa danh của “{u.name}” (Quản trị → Đơn vị → Địa danh): cần cho dòng "
                              "“…, ngày … tháng … năm …”.")
    return C.OrgText(name=u.name.strip(), parent_name=u.parent_name.strip(), symbol=(u.symbol or "VKS").strip(),
                     place=u.place.strip(), short_name=u.short_name or "")


def short_org(name: str) -> str:
    """“VIỆN KIỂM SÁT NHÂN DÂN TỈNH BÌNH AN” → “VKSND tỉnh Bình An” (for Nơi nhận)."""
    words = name.split()
    head = "viện kiểm sát nhân dân"
    low = name.lower()
    rest = words
    prefix = ""
    if low.startswith(head):
        prefix, rest = "VKSND", words[5:]
    if name.isupper():
        admin = {"tỉnh", "thành", "phố", "huyện", "quận", "thị", "xã", "khu", "vực", "tối", "cao"}
        rest = [w.lower() if w.lower() in admin else w.capitalize() for w in rest]
    return " ".join([prefix, *rest]).strip()


def head_of(org_name: str) -> str:
    """Who a letter is addressed to in an agency: Trưởng phòng …, Trưởng Công an …, Thủ trưởng …"""
    n = org_name.strip()
    if n.lower().startswith("phòng "):
        return "Trưởng phòng " + n[6:]
    if n.lower().startswith("công an "):
        return "Trưởng " + n
    return "Thủ trưởng " + n


def _agency_on(agency: Agency, day: dt.date) -> Agency:
    """The proposing agency on `day`; Phòng LĐTBXH left the chain on 01/03/2025 (the police after)."""
    try:
        return org_on(agency, day, "cơ quan")
    except ValidationError:
        if agency.kind != Agency.Kind.LDTBXH:
            raise
        police = [a for a in Agency.objects.filter(kind=Agency.Kind.POLICE) if a.is_valid_on(day)]
        if len(police) == 1:
            return police[0]
        raise ValidationError(
            f"“{agency.name}” không còn là cơ quan đề nghị vào ngày {fmt(day)} (từ 01/03/2025 là Công an) và không "
            f"xác định được cơ quan Công an nhận văn bản: hãy khai báo cơ quan kế thừa hoặc nhập ô “Kính gửi”.") from None


def _police_on(cases: list[Case], day: dt.date) -> Agency | None:
    def valid(qs):
        return [a for a in qs if a.is_valid_on(day)]

    own = {c.proposer_id: c.proposer for c in cases if c.proposer_id and c.proposer.kind == Agency.Kind.POLICE}
    cands = valid(own.values())
    if len(cands) == 1:
        return cands[0]
    cands = valid(Agency.objects.filter(kind=Agency.Kind.POLICE))
    if len(cands) == 1:
        return cands[0]
    if not cands:
        cands = valid(Agency.objects.filter(name__istartswith="Công an"))
        if len(cands) == 1:
            return cands[0]
    return None


# ------------------------------------------------------------------------------ findings
def eligibility(kind: str, f: engine.Finding) -> str:
    """'' if the finding may go into a letter of this kind, else why not (Vietnamese)."""
    want_status, want_body = STATUS_OF[kind], RESPONSIBLE_OF[kind]
    if kind == Kind.URGE:
        if f.responsible != "police" or f.status != engine.OVERDUE:
            return "văn bản đôn đốc chỉ gồm các trường hợp quá hạn thi hành (chưa bàn giao người vào cơ sở)"
        return ""
    if f.status != want_status:
        return "chỉ phát hiện “vi phạm” (việc đã làm nhưng trễ hạn) mới được đưa vào kiến nghị"
    if f.responsible != want_body:
        who = {"court": "Tòa án", "proposer": "cơ quan đề nghị"}[want_body]
        return f"phát hiện này không thuộc trách nhiệm của {who}"
    return ""


def guess_kind(findings: list[engine.Finding]) -> str | None:
    kinds = {k for f in findings for k in Kind if not eligibility(k, f)}
    return kinds.pop() if len(kinds) == 1 else None


def parse_keys(values) -> list[tuple[int, str]]:
    """Checkbox values "<case_id>:<rule>" → [(case_id, rule)] (bad ones dropped, order kept)."""
    out, seen = [], set()
    for v in values or []:
        cid, _, rule = str(v).partition(":")
        try:
            key = (int(cid), rule.strip())
        except ValueError:
            continue
        if key[1] and key not in seen:
            seen.add(key)
            out.append(key)
    return out


@dataclass
class Evaluated:
    case: Case
    facts: object
    finding: engine.Finding


def evaluate_keys(keys: list[tuple[int, str]], as_of: dt.date, cases_qs=None) -> tuple[dict, int, int]:
    """Recompute the findings named by `keys` (engine, full Finding objects) as of a date.
    Returns ({key: Evaluated}, ruleset version pk, calendar version pk)."""
    rs_pk, rs = legal.active_ruleset()
    cal_pk, cal = legal.active_calendar()
    ids = sorted({cid for cid, _ in keys})
    qs = (cases_qs if cases_qs is not None else Case.objects).filter(pk__in=ids)
    cases = {c.pk: c for c in qs.select_related("court", "proposer", "unit")}
    wanted = set(keys)
    out: dict[tuple[int, str], Evaluated] = {}
    for facts in legal.facts_for(qs=Case.objects.filter(pk__in=list(cases))):
        cid = int(facts.key)
        for f in engine.evaluate(facts, rs, cal, as_of, legal.due_soon_wd(), statuses=(engine.VIOLATION, engine.OVERDUE)):
            if (cid, f.rule) in wanted:
                out[(cid, f.rule)] = Evaluated(cases[cid], facts, f)
    return out, rs_pk, cal_pk


def _execution_extra(facts, finding: engine.Finding, as_of: dt.date) -> dict:
    _, rs = legal.active_ruleset()
    _, cal = legal.active_calendar()
    eff = engine.effective_date(facts, rs, cal, as_of)
    lim = engine.limitation_expiry(eff.date, facts.measure, rs, cal) if eff.date else None
    dec = next((e for e in sorted(facts.events, key=lambda e: (e.date or e.received or dt.date.min))
                if e.code == "decision"), None)
    police = min((e.date or e.received for e in facts.events if e.code == "police_received" and (e.date or e.received)),
                 default=None)
    iso = (lambda d: d.isoformat() if d else None)
    return {
        "effective": iso(eff.date), "effective_estimated": bool(eff.estimated),
        "limitation": iso(lim.due if lim else None),
        "limitation_alt": iso(lim.alt_due if lim and lim.alt_due != lim.due else None),
        "days_since_effect": (as_of - eff.date).days if eff.date else None,
        "police_received": iso(police),
        "decision_number": (dec.number if dec else "") or "", "decision_date": iso(dec.date if dec else None),
    }


def _confirmation_for(case_id: int, f: engine.Finding) -> FindingConfirmation | None:
    return (FindingConfirmation.objects.filter(case_id=case_id, rule=f.rule, due=f.due, actual=f.actual)
            .order_by("-id").first())


def _recipient_orgs(kind: str, cases: list[Case], day: dt.date, override: bool):
    """(court, agency) a letter of `kind` about these cases goes to, or ValidationError."""
    if kind == Kind.COURT:
        missing = [c.person_name for c in cases if not c.court_id]
        if missing:
            raise ValidationError(f"Vụ việc chưa có Tòa án: {', '.join(missing[:5])}.")
        # a district court and the khu vực court that succeeded it are one recipient
        # (the court a case names is kept: recipient_for() prints its name on the letter's date)
        courts = {}
        for c in cases:
            courts.setdefault(org_on(c.court, day, "Tòa án").pk, (c.court, org_on(c.court, day, "Tòa án")))
        if len(courts) > 1:
            raise ValidationError("Các phát hiện đã chọn thuộc nhiều Tòa án (" + "; ".join(sorted(x.name for _o, x in courts.values()))
                                  + "): mỗi kiến nghị gửi một Tòa án — hãy chọn theo từng Tòa án.")
        return next(iter(courts.values()))[0], None
    if kind == Kind.PREVENTIVE:
        missing = [c.person_name for c in cases if not c.proposer_id]
        if missing:
            raise ValidationError(f"Vụ việc chưa có cơ quan đề nghị: {', '.join(missing[:5])}.")
        # Phòng LĐTBXH and the police that took over its role are one recipient on the letter's date
        agencies = {}
        for c in cases:
            try:
                org = c.proposer if override else _agency_on(c.proposer, day)
            except ValidationError:
                org = c.proposer
            agencies.setdefault(org.pk, (c.proposer, org))
        if len(agencies) > 1:
            raise ValidationError("Các phát hiện đã chọn thuộc nhiều cơ quan đề nghị ("
                                  + "; ".join(sorted(x.name for _o, x in agencies.values()))
                                  + "): mỗi kiến nghị gửi một cơ quan — hãy chọn theo từng cơ quan.")
        return None, next(iter(agencies.values()))[0]
    police = _police_on(cases, day)
    if police is None and not override:
        raise ValidationError("Chưa xác định được cơ quan Công an nhận văn bản đôn đốc: hãy nhập ô “Kính gửi” "
                              "(hoặc khai báo cơ quan Công an trong danh mục).")
    return None, police


def recipient_for(letter: Letter, day: dt.date) -> tuple[str, str]:
    """(Kính gửi, the recipient organisation's name) on `day`: what the user wrote, else worked out
    from the court / agency with the names valid on that date."""
    if (letter.recipient or "").strip():
        return letter.recipient.strip(), (letter.recipient_org or letter.recipient).strip()
    if letter.kind == Kind.COURT:
        if letter.court is None:
            raise ValidationError("Văn bản chưa có Tòa án nhận: hãy ghi ô “Kính gửi”.")
        org = org_on(letter.court, day, "Tòa án").name
        return f"Chánh án {org}", org
    if letter.agency is None:
        raise ValidationError("Văn bản chưa có cơ quan nhận: hãy ghi ô “Kính gửi”.")
    org = (_agency_on(letter.agency, day) if letter.kind == Kind.PREVENTIVE else org_on(letter.agency, day, "cơ quan")).name
    return head_of(org), org


# ------------------------------------------------------------------------------ drafting
def create_draft(*, actor, kind: str, keys: list[tuple[int, str]], as_of: dt.date | None = None,
                 period_from: dt.date | None = None, period_to: dt.date | None = None,
                 recipient: str | None = None, unit: Unit | None = None) -> Letter:
    """A draft letter from selected findings. Refuses (ValidationError) an empty or wrong selection."""
    if kind not in Kind.values:
        raise ValidationError("Loại văn bản không hợp lệ.")
    if actor is not None and not perm.can_draft(actor, kind):
        raise PermissionDenied("Bạn không có quyền soạn loại văn bản này.")
    unit = unit or getattr(actor, "unit", None)
    if unit is None:
        raise ValidationError("Tài khoản chưa thuộc đơn vị nào nên không soạn được văn bản.")
    as_of = as_of or today()
    if as_of > today():
        raise ValidationError("Ngày tính phát hiện không được sau hôm nay.")
    if period_from and period_to and period_from > period_to:
        raise ValidationError("Kỳ không hợp lệ: “từ ngày” sau “đến ngày”.")
    if not keys:
        raise ValidationError("Chưa chọn phát hiện nào: hãy đánh dấu ít nhất một phát hiện để đưa vào văn bản.")
    visible = Case.objects.filter(unit_id__in=org_perm.unit_lineage(unit.pk))
    found, rs_pk, cal_pk = evaluate_keys(keys, as_of, visible)
    gone = [k for k in keys if k not in found]
    if gone:
        names = dict(Case.objects.filter(pk__in=[c for c, _ in gone]).values_list("pk", "person_name"))
        raise ValidationError("Không còn các phát hiện: " + "; ".join(f"{names.get(c, f'vụ việc {c}')} ({r})" for c, r in gone[:8])
                              + f" tính đến ngày {fmt(as_of)} (dữ liệu đã thay đổi hoặc không thuộc đơn vị): hãy tải lại danh sách.")
    wrong = [(ev, why) for ev in found.values() if (why := eligibility(kind, ev.finding))]
    if wrong:
        raise ValidationError(
            f"Không đưa được vào văn bản “{Kind(kind).label}”: "
            + "; ".join(f"{ev.case.person_name} – {ev.finding.label} ({why})" for ev, why in wrong[:6])
            + ("…" if len(wrong) > 6 else "") + ". Hãy bỏ chọn các phát hiện này.")
    cases = list({ev.case.pk: ev.case for ev in found.values()}.values())
    planned = today()
    unit_text(unit, planned)  # the header can be printed: names valid today, parent and place set
    recipient = (recipient or "").strip()
    court, agency = _recipient_orgs(kind, cases, planned, bool(recipient))
    title, summary = TITLES[kind]
    rs = legal.active_ruleset()[1]
    rs_order = {r.id: i for i, r in enumerate(rs.rules)}
    signer = _default_signer(unit)
    with transaction.atomic():
        letter = Letter.objects.create(
            unit=unit, kind=kind, state=State.DRAFT, period_from=period_from, period_to=period_to, as_of=as_of,
            court=court, agency=agency, recipient=recipient[:300], recipient_org=recipient[:300], summary=summary,
            legal_bases="\n".join(default_bases(kind, planned)), requests="\n".join(DEFAULT_REQUESTS[kind]),
            signer=signer, ruleset_version_id=rs_pk, calendar_version_id=cal_pk, created_by=actor,
        )
        recipient_for(letter, planned)  # the name on today's date can be worked out
        ordered = sorted(found.items(), key=lambda kv: (rs_order.get(kv[0][1], 999), kv[1].finding.actual
                                                        or kv[1].finding.due or dt.date.min, kv[1].case.person_name))
        for pos, ((cid, _rule), ev) in enumerate(ordered):
            f = ev.finding
            rule = rs.by_id.get(f.rule)
            LetterFinding.objects.create(
                letter=letter, position=pos, case=ev.case, person=ev.case.person_name, so_thu_ly=ev.case.so_thu_ly,
                measure=ev.case.measure, rule=f.rule, rule_label=f.label[:300], status=f.status,
                responsible=f.responsible or "", start=f.start, start_label=(rule.start_label if rule else "")[:120],
                act_label=(rule.act_label if rule else "")[:120], due=f.due, alt_due=f.alt_due, actual=f.actual,
                late=f.late, unit_code=f.unit or "", citation=f.citation[:500], verified=f.verified,
                flags=list(f.flags), explanation=f.explanation, as_of=as_of,
                extra=_execution_extra(ev.facts, f, as_of) if kind == Kind.URGE else {},
                ruleset_version_id=rs_pk, calendar_version_id=cal_pk,
                confirmation=None if f.verified else _confirmation_for(cid, f),
            )
        _record(actor, "letter.create", letter, f"Tạo dự thảo {letter.kind_short}: {len(found)} phát hiện, {len(cases)} vụ việc",
               {"kind": kind, "findings": [f"{c}:{r}" for c, r in keys], "as_of": as_of.isoformat(),
                "ruleset_version": rs_pk, "calendar_version": cal_pk})
    return letter


def _default_signer(unit: Unit) -> User | None:
    leaders = list(User.objects.filter(unit=unit, role=Role.LEADER, is_active=True).order_by("id"))
    chief = [u for u in leaders if "phó" not in (u.title or "").lower()]
    return (chief or leaders or [None])[0]


EDITABLE = ("recipient", "recipient_org", "summary", "legal_bases", "requests", "signer", "note")


def update_draft(*, actor, letter: Letter, data: dict) -> Letter:
    if not perm.can_edit(actor, letter):
        raise PermissionDenied("Chỉ người soạn hoặc lãnh đạo được sửa văn bản chưa duyệt.")
    errors = {}
    if "summary" in data and not (data["summary"] or "").strip():
        errors["summary"] = "Cần ghi trích yếu."
    if "requests" in data and not _lines(data["requests"]):
        errors["requests"] = "Cần ít nhất một nội dung kiến nghị / đề nghị."
    signer = data.get("signer", letter.signer)
    if signer is not None and not (signer.role == Role.LEADER and signer.unit_id == letter.unit_id):
        errors["signer"] = "Người ký phải là lãnh đạo của đơn vị."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.state not in (State.DRAFT, State.SUBMITTED):
            raise ValidationError("Văn bản đã được duyệt hoặc ban hành, không sửa được nữa.")
        changes = {}
        for k in EDITABLE:
            if k not in data:
                continue
            v = data[k]
            if isinstance(v, str):
                v = "\n".join(_lines(v)) if k in ("legal_bases", "requests") else v.strip()
            old = getattr(locked, k)
            if old != v:
                changes[k] = [str(old or ""), str(v or "")]
                setattr(locked, k, v)
        if changes:
            locked.save()
            _record(actor, "letter.edit", locked, f"Sửa {locked.kind_short} (dự thảo)", changes)
    return locked


def remove_finding(*, actor, letter: Letter, lf_id: int) -> None:
    if not perm.can_edit(actor, letter):
        raise PermissionDenied("Chỉ người soạn hoặc lãnh đạo được sửa văn bản chưa duyệt.")
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.state not in (State.DRAFT, State.SUBMITTED):
            raise ValidationError("Văn bản đã được duyệt hoặc ban hành, không sửa được nữa.")
        lf = LetterFinding.objects.filter(letter=locked, pk=lf_id).first()
        if lf is None:
            raise ValidationError("Không tìm thấy phát hiện này trong văn bản.")
        if locked.findings.count() <= 1:
            raise ValidationError("Đây là phát hiện cuối cùng của văn bản: hãy hủy văn bản thay vì bỏ phát hiện.")
        lf.delete()
        _record(actor, "letter.finding_remove", locked, f"Bỏ khỏi văn bản: {lf.person} – {lf.rule_label}",
               {"case": lf.case_id, "rule": lf.rule})


def confirm_finding(*, actor, letter: Letter, lf_id: int | None = None, note: str = "") -> int:
    """A leader confirms one unverified finding of the letter (or all of them: lf_id None)."""
    if not perm.can_confirm(actor, letter):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được xác nhận phát hiện chưa xác minh.")
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.state not in (State.DRAFT, State.SUBMITTED):
            raise ValidationError("Văn bản đã được duyệt hoặc ban hành.")
        qs = locked.findings.filter(verified=False, confirmation__isnull=True)
        if lf_id is not None:
            qs = qs.filter(pk=lf_id)
        n = 0
        for lf in qs:
            if lf.case_id is None:
                continue
            c = FindingConfirmation.objects.create(case_id=lf.case_id, rule=lf.rule, due=lf.due, actual=lf.actual,
                                                   flags=lf.flags, note=(note or "")[:300], confirmed_by=actor)
            lf.confirmation = c
            lf.save(update_fields=["confirmation"])
            _record(actor, "letter.finding_confirm", locked,
                   f"Lãnh đạo xác nhận phát hiện chưa xác minh: {lf.person} – {lf.rule_label}",
                   {"case": lf.case_id, "rule": lf.rule, "due": fmt(lf.due), "actual": fmt(lf.actual),
                    "flags": lf.flags, "note": note, "confirmation": c.pk})
            n += 1
        if lf_id is not None and n == 0:
            raise ValidationError("Phát hiện này đã được xác minh hoặc xác nhận.")
    return n


def _transition(actor, letter: Letter, allowed: bool, denied: str, frm: tuple, to: str, action: str, summary: str,
                extra: dict | None = None, check=None) -> Letter:
    if not allowed:
        raise PermissionDenied(denied)
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.state not in frm:
            raise ValidationError(f"Văn bản đang ở trạng thái “{locked.get_state_display()}”, không thực hiện được thao "
                                  "tác này (có thể người khác vừa thay đổi): hãy tải lại trang.")
        if check:
            check(locked)
        before = locked.state
        locked.state = to
        now = timezone.now()
        if to == State.SUBMITTED:
            locked.submitted_at = now
        elif to == State.APPROVED:
            locked.approved_by, locked.approved_at = actor, now
        elif to == State.DRAFT:
            locked.approved_by, locked.approved_at = None, None
        locked.save()
        _record(actor, action, locked, summary, {"state": [before, to], **(extra or {})})
    return locked


def submit(*, actor, letter: Letter) -> Letter:
    return _transition(actor, letter, perm.can_submit(actor, letter), "Bạn không trình được văn bản này.",
                       (State.DRAFT,), State.SUBMITTED, "letter.submit", f"Trình duyệt {letter.kind_short}",
                       check=_check_has_findings)


def _check_has_findings(letter: Letter) -> None:
    if not letter.findings.exists():
        raise ValidationError("Văn bản không có phát hiện nào.")


def _check_ready(letter: Letter) -> None:
    _check_has_findings(letter)
    pending = [lf for lf in letter.findings.all() if not lf.included]
    if pending:
        raise ValidationError(
            f"Còn {len(pending)} phát hiện chưa xác minh cần lãnh đạo xác nhận ("
            + "; ".join(f"{lf.person} – {', '.join(lf.flags) or 'chưa xác minh'}" for lf in pending[:4])
            + ("…" if len(pending) > 4 else "") + "): hãy xác nhận hoặc bỏ khỏi văn bản trước khi duyệt.")
    if letter.signer_id is None:
        raise ValidationError("Chưa chọn người ký văn bản.")


def approve(*, actor, letter: Letter) -> Letter:
    return _transition(actor, letter, perm.can_approve(actor, letter), "Chỉ lãnh đạo đơn vị được duyệt văn bản.",
                       (State.SUBMITTED,), State.APPROVED, "letter.approve", f"Duyệt {letter.kind_short}",
                       check=_check_ready)


def return_to_draft(*, actor, letter: Letter, reason: str) -> Letter:
    if not (reason or "").strip():
        raise ValidationError({"reason": "Cần ghi lý do trả lại."})
    return _transition(actor, letter, perm.can_return(actor, letter), "Chỉ lãnh đạo đơn vị được trả lại văn bản.",
                       (State.SUBMITTED, State.APPROVED), State.DRAFT, "letter.return",
                       f"Trả lại {letter.kind_short} để sửa: {reason.strip()[:200]}", {"reason": reason.strip()})


def cancel(*, actor, letter: Letter, reason: str) -> Letter:
    if not (reason or "").strip():
        raise ValidationError({"reason": "Cần ghi lý do hủy."})
    return _transition(actor, letter, perm.can_cancel(actor, letter),
                       "Chỉ người soạn hoặc lãnh đạo được hủy văn bản chưa ban hành.",
                       (State.DRAFT, State.SUBMITTED, State.APPROVED), State.CANCELLED, "letter.cancel",
                       f"Hủy {letter.kind_short}: {reason.strip()[:200]}", {"reason": reason.strip()})


def settings_for(unit: Unit) -> LetterSettings:
    s = LetterSettings.objects.filter(unit=unit).first()
    return s or LetterSettings(unit=unit)


def code_for(letter: Letter) -> str:
    s = settings_for(letter.unit)
    return (s.code_don_doc if letter.kind == Kind.URGE else s.code_kien_nghi).strip()


def number_text(n: int | None, code: str, symbol: str) -> str:
    num = f"{n:02d}" if n is not None else C.BLANK_NUMBER
    return f"{num}/{code}-{symbol}" if code else f"{num}/{symbol}"


def _ensure_counter(unit: Unit, year: int, code: str) -> None:
    if LetterCounter.objects.filter(unit=unit, year=year, code=code).exists():
        return
    try:
        with transaction.atomic():
            LetterCounter.objects.create(unit=unit, year=year, code=code, last=0)
    except IntegrityError:
        pass  # made by someone issuing at the same moment


def issue(*, actor, letter: Letter, issued_on: dt.date | None = None) -> Letter:
    """Number, date and render the approved letter in one transaction (no gap, no duplicate)."""
    if not perm.can_issue(actor, letter):
        raise PermissionDenied("Chỉ người soạn hoặc lãnh đạo được ban hành văn bản đã duyệt.")
    issued_on = issued_on or today()
    if issued_on > today():
        raise ValidationError({"issued_on": "Ngày ban hành không được sau hôm nay."})
    if issued_on < letter.as_of:
        raise ValidationError({"issued_on": f"Ngày ban hành không được trước ngày tính phát hiện ({fmt(letter.as_of)})."})
    code = code_for(letter)
    _ensure_counter(letter.unit, issued_on.year, code)
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.state != State.APPROVED:
            raise ValidationError(f"Văn bản đang ở trạng thái “{locked.get_state_display()}”, không ban hành được "
                                  "(có thể người khác vừa ban hành hoặc trả lại): hãy tải lại trang.")
        _check_ready(locked)
        counter = LetterCounter.objects.select_for_update().get(unit=locked.unit, year=issued_on.year, code=code)
        n = counter.last + 1
        org = unit_text(locked.unit, issued_on)
        locked.code, locked.year, locked.number = code, issued_on.year, n
        locked.number_text = number_text(n, code, org.symbol)
        locked.issued_on = issued_on
        tpl_bytes, tpl = active_template(locked.kind)
        ctx = build_context(locked)
        locked.docx = render.render_docx(tpl_bytes, ctx.as_dict())
        locked.recipient, locked.recipient_org = ctx.recipient[:300], ctx.recipient_org[:300]  # as printed
        locked.template, locked.template_label = tpl, (str(tpl) if tpl else "Mẫu kèm phần mềm")
        locked.state, locked.issued_by, locked.issued_at = State.ISSUED, actor, timezone.now()
        counter.last = n
        counter.save(update_fields=["last"])
        locked.save()
        _record(actor, "letter.issue", locked, f"Ban hành {locked.kind_short} số {locked.number_text} ngày {fmt(issued_on)}",
               {"number": n, "number_text": locked.number_text, "issued_on": issued_on.isoformat(),
                "template": locked.template_label})
    return locked


# ------------------------------------------------------------------------------ the document
def active_template(kind: str) -> tuple[bytes, LetterTemplate | None]:
    t = LetterTemplate.objects.filter(kind=kind, is_active=True).order_by("-version").first()
    if t is not None:
        return bytes(t.content), t
    return render.shipped_template(kind), None


def reply_days_setting(unit: Unit, on: dt.date) -> tuple[int, str, bool]:
    """(days, where it comes from, is it from the law). The ruleset's procuracy.recommendation_reply
    when a leader set it; else the unit's follow-up setting (the law sets no period)."""
    _, rs = legal.active_ruleset()
    rule = rs.by_id.get("procuracy.recommendation_reply")
    p = rule.params.get("period") if rule else None
    pv = p.get(None, on) if p else None
    if pv is not None and pv.value is not None:
        return int(pv.value), f"{pv.citation} ({pv.status})", True
    return settings_for(unit).reply_days, "thời hạn theo dõi nội bộ của đơn vị (pháp luật không quy định thời hạn)", False


def _items(letter: Letter, lfs: list[LetterFinding]) -> list[C.FindingItem]:
    out = []
    for lf in lfs:
        out.append(C.FindingItem(
            no=0, person=lf.person, case_ref=f"số thụ lý {lf.so_thu_ly}" if lf.so_thu_ly else "chưa có số thụ lý",
            so_thu_ly=lf.so_thu_ly, measure=C.measure_text(lf.measure), rule=lf.rule, label=lf.rule_label,
            status=lf.status, start=lf.start, start_label=lf.start_label, due=lf.due, alt_due=lf.alt_due,
            actual=lf.actual, act_label=lf.act_label, late=lf.late, late_text=C.late_text(lf.late, lf.unit_code),
            unit_words=C.UNIT_WORDS.get(lf.unit_code, ""), citation=lf.citation, flags=list(lf.flags),
            basis=C.basis_text(lf.flags),
            text=C.finding_text(status=lf.status, start=lf.start, start_label=lf.start_label, due=lf.due,
                                actual=lf.actual, act_label=lf.act_label, late=lf.late, unit=lf.unit_code,
                                explanation=lf.explanation, as_of=lf.as_of),
            explanation=lf.explanation))
    return out


def _d(v):
    return dt.date.fromisoformat(v) if v else None


def previous_urges(case_ids, before: Letter | None = None) -> dict[int, list[str]]:
    qs = (LetterFinding.objects.filter(case_id__in=case_ids, letter__kind=Kind.URGE, letter__state=State.ISSUED)
          .select_related("letter").order_by("letter__issued_on"))
    if before is not None and before.pk:
        qs = qs.exclude(letter=before)
        if before.issued_on:
            qs = qs.filter(letter__issued_on__lte=before.issued_on)
    out: dict[int, list[str]] = {}
    for lf in qs:
        txt = f"{lf.letter.number_text} ngày {fmt(lf.letter.issued_on)}"
        lst = out.setdefault(lf.case_id, [])
        if txt not in lst:
            lst.append(txt)
    return out


def _people(letter: Letter, lfs: list[LetterFinding]) -> list[C.Person]:
    by_case: dict = {}
    for lf in lfs:
        by_case.setdefault(lf.case_id or f"x{lf.pk}", []).append(lf)
    prev = previous_urges([k for k in by_case if isinstance(k, int)], letter)
    births = dict(Case.objects.filter(pk__in=[k for k in by_case if isinstance(k, int)]).values_list("pk", "birth_year"))
    people = []
    for key, rows in by_case.items():
        deliver = next((r for r in rows if r.rule == "execution.deliver"), None)
        limit = next((r for r in rows if r.rule == "execution.limitation"), None)
        ex = (deliver or rows[0]).extra or {}
        flags = [fl for r in rows for fl in r.flags]
        notes = []
        if limit is not None:
            notes.append("đã hết thời hiệu thi hành")
        if ex.get("effective_estimated"):
            flags.append(engine.FLAG_EFFECTIVE_ESTIMATED)
        if flags:
            notes.append(C.basis_text(flags))
        if prev.get(key):
            notes.append("đã đôn đốc: " + ", ".join(prev[key]))
        r0 = rows[0]
        people.append(C.Person(
            no=0, person=r0.person, birth_year=births.get(key), so_thu_ly=r0.so_thu_ly, measure=C.measure_text(r0.measure),
            decision_number=ex.get("decision_number", ""), decision_date=_d(ex.get("decision_date")),
            effective=_d(ex.get("effective")), effective_estimated=bool(ex.get("effective_estimated")),
            police_received=_d(ex.get("police_received")), deliver_due=deliver.due if deliver else None,
            days_since_effect=ex.get("days_since_effect"), limitation=_d(ex.get("limitation")),
            limitation_alt=_d(ex.get("limitation_alt")), limitation_passed=limit is not None,
            previous=prev.get(key, []), basis=C.basis_text(flags), note="; ".join(notes)))
    people.sort(key=lambda p: (p.effective or dt.date.min, p.person))
    for i, p in enumerate(people, 1):
        p.no = i
    return people


def build_context(letter: Letter, day: dt.date | None = None) -> C.LetterContext:
    """The template context of a letter: issued → its number and date; else a blank number and date
    (names as of `day`, default today). Only findings that are verified or confirmed are printed."""
    issued = letter.number is not None and letter.issued_on is not None
    day = letter.issued_on or day or today()
    org = unit_text(letter.unit, day)
    lfs = [lf for lf in letter.findings.all() if lf.included]
    if not lfs:
        raise ValidationError("Văn bản chưa có phát hiện nào được đưa vào (các phát hiện chưa xác minh cần lãnh đạo "
                              "xác nhận).")
    recipient, recipient_org = recipient_for(letter, day)
    if letter.court_id:
        court_name = org_on(letter.court, day, "Tòa án").name
    else:
        courts = {c.court for c in Case.objects.filter(pk__in=[lf.case_id for lf in lfs]).select_related("court")
                  if c.court_id}
        court_name = org_on(courts.pop(), day, "Tòa án").name if len(courts) == 1 else ""
    rs_order = {r.id: i for i, r in enumerate(legal.active_ruleset()[1].rules)}
    items = _items(letter, lfs)
    groups = C.group_findings(items, rs_order) if letter.kind != Kind.URGE else []
    people = _people(letter, lfs) if letter.kind == Kind.URGE else []
    signer = C.signer_for(letter.signer)
    cc = ["Như trên;"]
    if letter.kind == Kind.URGE and court_name:
        cc.append(f"{court_name} (để biết);")
    cc.append(f"{short_org(org.parent_name)} (để báo cáo);")
    if signer.deputy:
        cc.append("Viện trưởng (để báo cáo);")
    cc.append("Lưu: VT, HSKS.")
    title, _summary = TITLES[letter.kind]
    reply_days, _src, from_law = reply_days_setting(letter.unit, day)
    code = letter.code if issued else code_for(letter)
    return C.LetterContext(
        kind=letter.kind, draft=not issued, unit=org,
        number=letter.number if issued else None,
        number_text=letter.number_text if issued else number_text(None, code, org.symbol),
        code=code, year=day.year, date=letter.issued_on if issued else None,
        blank_date=C.BLANK_DATE_FMT.format(year=day.year), title=title, summary=letter.summary,
        recipient=recipient, recipient_org=recipient_org, court_name=court_name,
        period_from=letter.period_from, period_to=letter.period_to, as_of=letter.as_of,
        legal_bases=_lines(letter.legal_bases), groups=groups, findings=items, people=people,
        total=len(people) if letter.kind == Kind.URGE else len(items),
        cases_count=len({lf.case_id for lf in lfs}), requests=_lines(letter.requests),
        reply_days=reply_days if from_law else None, signer=signer, cc=cc,
    )


def document(letter: Letter) -> bytes:
    """The .docx: as issued (frozen), or the draft rendered now with the active template."""
    if letter.state == State.ISSUED and letter.docx:
        return bytes(letter.docx)
    tpl, _ = active_template(letter.kind)
    return render.render_docx(tpl, build_context(letter).as_dict())


def filename(letter: Letter) -> str:
    base = {Kind.COURT: "kien-nghi-toa-an", Kind.PREVENTIVE: "kien-nghi-phong-ngua", Kind.URGE: "don-doc"}[letter.kind]
    if letter.state == State.ISSUED:
        return f"{base}-so-{letter.number:02d}-{letter.year}.docx"
    return f"{base}-du-thao-{letter.pk}.docx"


def preview_document(*, kind: str, unit: Unit, keys: list[tuple[int, str]], as_of: dt.date,
                     period_from=None, period_to=None, recipient: str | None = None) -> tuple[bytes, int, int]:
    """A draft .docx built without saving anything (the CLI). Returns (docx, printed, left out)."""
    with transaction.atomic():
        letter = create_draft(actor=None, kind=kind, keys=keys, as_of=as_of, period_from=period_from,
                              period_to=period_to, recipient=recipient, unit=unit)
        lfs = list(letter.findings.all())
        printed = sum(1 for lf in lfs if lf.included)
        data = document(letter) if printed else b""
        transaction.set_rollback(True)  # nothing is kept: the CLI only writes the file
    return data, printed, len(lfs) - printed


# ------------------------------------------------------------------------------ replies
def record_reply(*, actor, letter: Letter, date: dt.date | None, number: str, result: str, content: str) -> LetterReply:
    if not perm.can_reply(actor, letter):
        raise PermissionDenied("Chỉ ghi nhận trả lời cho văn bản đã ban hành của đơn vị mình.")
    errors = {}
    if date is None:
        errors["date"] = "Cần ngày của văn bản trả lời."
    elif letter.issued_on and date < letter.issued_on:
        errors["date"] = (f"Ngày trả lời ({fmt(date)}) trước ngày ban hành văn bản ({fmt(letter.issued_on)}): "
                          "hãy kiểm tra lại.")
    elif date > today():
        errors["date"] = "Ngày trả lời không được sau hôm nay."
    if result not in LetterReply.Result.values:
        errors["result"] = "Chọn kết quả: chấp nhận, chấp nhận một phần hoặc không chấp nhận."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.state != State.ISSUED:
            raise ValidationError("Văn bản chưa ban hành.")
        r = LetterReply.objects.create(letter=locked, date=date, number=(number or "").strip()[:60], result=result,
                                       content=(content or "").strip(), recorded_by=actor)
        _record(actor, "letter.reply", locked, f"Ghi nhận trả lời {locked.number_text}: {r.get_result_display()} "
                                       f"(văn bản {r.number or 'không số'} ngày {fmt(date)})",
               {"date": date.isoformat(), "number": r.number, "result": result})
    return r


# ------------------------------------------------------------------------------ templates and settings
def upload_template(*, actor, kind: str, data: bytes, filename: str, note: str = "") -> LetterTemplate:
    """A leader uploads a .docx template for a kind: checked, kept as a new version, made active."""
    if not perm.can_manage_templates(actor):
        raise PermissionDenied("Chỉ lãnh đạo được thay mẫu văn bản.")
    if kind not in Kind.values:
        raise ValidationError({"kind": "Loại văn bản không hợp lệ."})
    if not (filename or "").lower().endswith(".docx"):
        raise ValidationError({"file": "Hãy chọn tệp Word dạng .docx."})
    try:
        render.check_template(data, kind, C.sample_context(kind).as_dict(), set(C.KNOWN_NAMES))
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    with transaction.atomic():
        version = (LetterTemplate.objects.select_for_update().filter(kind=kind).aggregate(m=Max("version"))["m"] or 0) + 1
        LetterTemplate.objects.filter(kind=kind, is_active=True).update(is_active=False)
        t = LetterTemplate.objects.create(kind=kind, version=version, content=data, filename=filename[:255],
                                          note=(note or "").strip()[:300], uploaded_by=actor, is_active=True)
        _record(actor, "letter_template.upload", t, f"Tải lên mẫu {Kind(kind).label}, phiên bản {version}",
               {"filename": filename, "note": note, "size": len(data)})
    return t


def activate_template(*, actor, kind: str, template_id: int | None) -> None:
    """Use an earlier version again (template_id), or the template shipped with the product (None)."""
    if not perm.can_manage_templates(actor):
        raise PermissionDenied("Chỉ lãnh đạo được thay mẫu văn bản.")
    with transaction.atomic():
        t = None
        if template_id is not None:
            t = LetterTemplate.objects.filter(kind=kind, pk=template_id).first()
            if t is None:
                raise ValidationError("Không tìm thấy phiên bản mẫu này.")
        LetterTemplate.objects.filter(kind=kind, is_active=True).update(is_active=False)
        if t is not None:
            t.is_active = True
            t.save(update_fields=["is_active"])
        _record(actor, "letter_template.activate", t, f"Dùng mẫu {Kind(kind).label}: "
                                              + (f"phiên bản {t.version}" if t else "mẫu kèm phần mềm"),
               {"kind": kind, "template": template_id})


def update_settings(*, actor, unit: Unit, data: dict) -> LetterSettings:
    if not perm.can_change_settings(actor) or (actor.unit_id != unit.pk):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được thay đổi thiết lập văn bản.")
    errors = {}
    for k in ("reply_days", "urge_days"):
        v = data.get(k)
        if not isinstance(v, int) or not (1 <= v <= 365):
            errors[k] = "Số ngày phải từ 1 đến 365."
    for k in ("code_kien_nghi", "code_don_doc"):
        v = (data.get(k) or "").strip()
        if len(v) > 10 or any(ch in v for ch in "/ "):
            errors[k] = "Ký hiệu tối đa 10 ký tự, không có dấu cách hoặc “/”."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        s, _ = LetterSettings.objects.select_for_update().get_or_create(unit=unit)
        changes = {}
        for k in ("reply_days", "urge_days", "code_kien_nghi", "code_don_doc"):
            v = data[k].strip() if isinstance(data.get(k), str) else data.get(k)
            if getattr(s, k) != v:
                changes[k] = [getattr(s, k), v]
                setattr(s, k, v)
        s.save()
        if changes:
            _record(actor, "letter_settings.change", s, f"Thiết lập văn bản của {unit.name}", changes)
    return s
