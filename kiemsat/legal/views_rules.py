"""The ruleset screen and the calendar screen (issue 3, "What a user sees" 4 and 5).

Everyone logged in reads both. A leader confirms or changes a parameter of the one ruleset of the
installation, after a preview of the findings that would appear or disappear on open cases; an
administrator edits a year of the working-day calendar. Every change goes through the services in
kiemsat.legal.services (new version, reason, audit)."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from kiemsat.cases.selectors import visible_cases
from kiemsat.domain import engine
from kiemsat.domain.calendar import WEEKDAY_NAMES, WorkCalendar
from kiemsat.domain.events import MEASURE_LABELS
from kiemsat.domain.rules import ParamValue, RuleDef, Ruleset
from kiemsat.org import permissions as perm
from kiemsat.web.fields import apply_service_errors

from . import services
from .forms_rules import (
    KIND_CORRECTION,
    CalendarEntryFormSet,
    CalendarYearForm,
    ChangeParamForm,
    ConfirmParamForm,
)
from .models import CalendarVersion, RulesetVersion

RESPONSIBLE_LABELS = {"court": "Tòa án", "proposer": "Cơ quan đề nghị", "police": "Công an", "procuracy": "VKS"}
UNIT_WORDS = {"WD": "ngày làm việc", "D": "ngày", "M": "tháng"}
KIND_LABELS = {"deadline": "Thời hạn", "fact": "Kiểm tra nội dung", "window": "Thời hạn khiếu nại, kiến nghị, kháng nghị",
               "effective": "Ngày có hiệu lực", "due_soon_only": "Nhắc hạn của VKS"}
PARAM_LABELS = {
    "period": "Thời hạn",
    "complex_period": "Thời hạn khi vụ việc phức tạp",
    "basis": "Căn cứ",
    "range": "Khung thời hạn (tháng)",
    "checklist": "Danh mục tài liệu bắt buộc",
    "supplement": "Thời hạn bổ sung hồ sơ khi bị trả lại",
    "transfer_after_supplement": "Thời hạn chuyển sau khi bổ sung",
    "days_after": "Số ngày sau khi hết thời hạn",
}
STATUS_WORDS = {"V": "đã xác minh", "S": "căn cứ chưa xác minh", "U": "căn cứ chưa xác minh"}
STATUS_TITLES = {"V": "V: đã xác minh từ văn bản chính thức", "S": "S: từ nguồn thứ cấp đáng tin cậy",
                 "U": "U: chưa xác minh"}
STATUS_CSS = {"V": "text-bg-success", "S": "text-bg-warning", "U": "text-bg-danger"}
SECTIONS = [
    ("court", "Tòa án"),
    ("window", "Thời hạn khiếu nại, kiến nghị, kháng nghị và ngày có hiệu lực"),
    ("proposer", "Cơ quan đề nghị (cơ quan lập hồ sơ, Phòng LĐTBXH)"),
    ("police", "Thi hành (Công an)"),
    ("minor", "Người từ đủ 12 đến dưới 18 tuổi (Pháp lệnh 01/2022)"),
    ("procuracy", "Viện kiểm sát"),
]
FINDING_STATUS = {engine.VIOLATION: "Vi phạm", engine.OVERDUE: "Quá hạn", engine.DUE_SOON: "Sắp đến hạn"}
FINDING_CSS = {engine.VIOLATION: "danger", engine.OVERDUE: "danger", engine.DUE_SOON: "warning"}
UNKEYED = "-"
YEAR_MIN, YEAR_MAX = 1990, 2100


# =============================================================================== ruleset
@dataclass
class ValueRow:
    since: dt.date | None
    value: object
    status: str
    citation: str
    note: str

    @property
    def text(self) -> str:
        return value_text(self.value)

    @property
    def is_null(self) -> bool:
        return self.value is None

    @property
    def items(self) -> list[str] | None:
        if isinstance(self.value, list) and self.value and all(isinstance(x, dict) for x in self.value):
            return [str(x.get("label") or x.get("code") or "") for x in self.value]
        return None

    @property
    def status_word(self) -> str:
        return STATUS_WORDS.get(self.status, "")

    @property
    def status_title(self) -> str:
        return STATUS_TITLES.get(self.status, "")

    @property
    def status_css(self) -> str:
        return STATUS_CSS.get(self.status, "text-bg-secondary")


@dataclass
class KeyRow:
    key: str  # PL03 / CSCNBB / "-" for an unkeyed parameter
    label: str
    values: list[ValueRow]
    value_type: str  # int | range | other

    @property
    def unverified(self) -> bool:
        return any(v.status != "V" for v in self.values)

    @property
    def current(self) -> ValueRow:
        return self.values[-1]


@dataclass
class ParamRow:
    name: str
    label: str
    by: str | None
    keys: list[KeyRow]
    unit_word: str = ""


@dataclass
class RuleRow:
    rule: RuleDef
    section: str
    params: list[ParamRow] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def anchor(self) -> str:
        return "r-" + self.rule.id.replace(".", "-")

    @property
    def responsible_label(self) -> str:
        return RESPONSIBLE_LABELS.get(self.rule.responsible or "", "Không (xác định ngày cho quy tắc khác)")

    @property
    def unit_word(self) -> str:
        return UNIT_WORDS.get(self.rule.unit or "", "—")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.rule.kind, self.rule.kind)

    @property
    def unverified(self) -> bool:
        return self.rule.reading_status != "V" or any(k.unverified for p in self.params for k in p.keys)

    @property
    def reading_css(self) -> str:
        return STATUS_CSS.get(self.rule.reading_status, "text-bg-secondary")

    @property
    def period_from(self) -> str:
        return str(self.rule.extra.get("period_from") or "")


def value_text(v) -> str:
    if v is None:
        return "trống — chưa có căn cứ để tính"
    if v is True:
        return "có quy định"
    if v is False:
        return "không quy định"
    if isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v):
        return f"{v[0]}–{v[1]} tháng"
    if isinstance(v, list):
        return f"{len(v)} tài liệu"
    return str(v)


def _key_labels(rs: Ruleset) -> dict[str, str]:
    labels: dict[str, str] = {}
    for r in rs.regimes:
        span = []
        if r.measures:
            span.append("người chưa thành niên")
        else:
            if r.date_from:
                span.append(f"thụ lý từ {r.date_from:%d/%m/%Y}")
            if r.date_to:
                span.append(f"thụ lý đến {r.date_to:%d/%m/%Y}")
        labels[r.code] = f"{r.code} · {r.label}" + (f" ({', '.join(span)})" if span else "")
    for code, text in MEASURE_LABELS.items():
        labels[str(code)] = text
    labels["*"] = "Mọi trường hợp"
    return labels


def _section(rule: RuleDef) -> str:
    if rule.id.startswith("minor."):
        return "minor"
    if rule.responsible is None:
        return "window"
    return rule.responsible


def rule_rows(rs: Ruleset, data: dict) -> list[RuleRow]:
    labels = _key_labels(rs)
    raw_rules = {r.get("id"): r for r in data.get("rules", [])}
    rows = []
    for rule in rs.rules:
        row = RuleRow(rule, _section(rule))
        raw_params = (raw_rules.get(rule.id) or {}).get("params") or {}
        for name, p in rule.params.items():
            keys = []
            for key, (_ords, vals) in p.nodes.items():
                raw = raw_params.get(name) or {}
                node = (raw.get("cases") or {}).get(key) if p.by else raw
                vtype = services.param_value_type(node or {})
                keys.append(KeyRow(key=key if p.by else UNKEYED, label=labels.get(key, key) if p.by else "Mọi trường hợp",
                                   values=[_value_row(v) for v in vals], value_type=vtype))
            row.params.append(ParamRow(name, PARAM_LABELS.get(name, name), p.by, keys, _param_unit(rule, name)))
        rows.append(row)
    return rows


def _param_unit(rule: RuleDef, name: str) -> str:
    if name in ("range", "basis", "checklist"):
        return ""
    if name == "days_after":
        return "ngày"
    return UNIT_WORDS.get(rule.unit or "", "")


def _value_row(v: ParamValue) -> ValueRow:
    return ValueRow(v.since, v.value, v.status, v.citation, v.note)


def _sections(rows: list[RuleRow]):
    out = []
    for code, title in SECTIONS:
        items = [r for r in rows if r.section == code]
        if items:
            out.append({"code": code, "title": title, "rules": items})
    return out


def _int(v) -> int | None:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


def _shown_version(request) -> tuple[RulesetVersion, Ruleset, bool]:
    """The version the screen shows: the active one, or ?phien-ban=<id> (an older one, read only)."""
    active_pk, active_rs = services.active_ruleset()
    want = _int(request.GET.get("phien-ban"))
    if want is not None and not (0 < want < 2**31):
        want = -1
    if want and want != active_pk:
        row = RulesetVersion.objects.filter(pk=want).first()
        if row is not None:
            try:
                return row, Ruleset.from_json(row.data), False
            except (ValueError, KeyError, TypeError):
                messages.warning(request, "Không đọc được phiên bản đã chọn; đang hiển thị phiên bản đang áp dụng.")
        else:
            messages.warning(request, "Không có phiên bản đã chọn; đang hiển thị phiên bản đang áp dụng.")
    return RulesetVersion.objects.get(pk=active_pk), active_rs, True


def _versions(model, limit: int = 100):
    return list(model.objects.select_related("created_by").order_by("-id")[:limit])


def rules(request):
    version, rs, is_active = _shown_version(request)
    rows = rule_rows(rs, version.data)
    return render(request, "legal/rules.html", {
        "version": version, "rs": rs, "is_active": is_active, "sections": _sections(rows),
        "n_rules": len(rows), "n_unverified": sum(1 for r in rows if r.unverified),
        "versions": _versions(RulesetVersion), "can_change": perm.can_approve(request.user) and is_active,
    })


def _rule_row(rule_id: str) -> tuple[RulesetVersion, RuleRow]:
    pk, rs = services.active_ruleset()
    if rule_id not in rs:
        raise Http404("Không có quy tắc này.")
    version = RulesetVersion.objects.get(pk=pk)
    [row] = [r for r in rule_rows(rs, version.data) if r.id == rule_id]
    return version, row


def rule_detail(request, rule_id):
    version, row = _rule_row(rule_id)
    history = list(RulesetVersion.objects.select_related("created_by").filter(summary__contains=rule_id).order_by("-id")[:100])
    return render(request, "legal/rules_detail.html", {
        "version": version, "r": row, "history": history, "can_change": perm.can_approve(request.user),
    })


def _key_row(row: RuleRow, param: str, key: str) -> tuple[ParamRow, KeyRow]:
    for p in row.params:
        if p.name == param:
            for k in p.keys:
                if k.key == key:
                    return p, k
    raise Http404("Không có tham số này.")


def _require_leader(request) -> None:
    if not perm.can_approve(request.user):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được xác nhận hoặc thay đổi bộ quy tắc.")


def _digest(base_pk: int, payload: dict) -> str:
    body = json.dumps({"base": base_pk, **payload}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def _preview_rows(preview: dict, old_rs: Ruleset, new_rs: Ruleset) -> dict:
    def conv(items, rs):
        out = []
        for key, person, stl, rule_id, status, due, late in items:
            rd = rs.by_id.get(rule_id) or old_rs.by_id.get(rule_id)
            unit = rd.unit if rd else None
            st = FINDING_STATUS.get(status, status)
            if status == engine.VIOLATION and late is not None and unit in UNIT_WORDS:
                st = f"Vi phạm, chậm {late:02d} {UNIT_WORDS[unit]}"
            out.append({"case_id": _int(key), "person": person, "so_thu_ly": stl, "rule": rule_id,
                        "rule_label": rd.label if rd else rule_id, "status": st,
                        "css": FINDING_CSS.get(status, "secondary"), "due": due})
        out.sort(key=lambda x: (x["person"], x["so_thu_ly"], x["rule"]))
        return out

    return {"appear": conv(preview["appear"], new_rs), "disappear": conv(preview["disappear"], old_rs)}


def _open_cases(user):
    return visible_cases(user).exclude(stage="closed")


def _change_flow(request, *, rule_id, param, key, mode):
    """GET: the form. POST: validate → preview (findings that would appear / disappear) → the
    user confirms (a second POST with the same values and the preview's digest) → saved."""
    _require_leader(request)
    version, row = _rule_row(rule_id)
    p, k = _key_row(row, param, key)
    svc_key = key if p.by else "*"
    cur = k.current
    if mode == "change":
        if k.value_type == "other":
            messages.info(request, "Tham số này (danh mục hoặc căn cứ có/không) chỉ xác nhận được trên màn hình này.")
            return redirect(reverse("rule_detail", args=[rule_id]) + f"#{row.anchor}")
        initial = {"kind": KIND_CORRECTION, "status": cur.status, "citation": cur.citation, "note": cur.note,
                   "value": "" if cur.value is None else (f"{cur.value[0]}–{cur.value[1]}" if isinstance(cur.value, list)
                                                          else str(cur.value))}
        form_kw = {"value_type": k.value_type, "unit_word": p.unit_word}
        form_cls = ChangeParamForm
    else:
        if not k.unverified:
            messages.info(request, "Tham số này đã được xác minh (V).")
            return redirect(reverse("rule_detail", args=[rule_id]) + f"#{row.anchor}")
        initial, form_kw, form_cls = {}, {}, ConfirmParamForm
    ctx = {"version": version, "r": row, "p": p, "k": k, "mode": mode}
    if request.method != "POST":
        ctx["form"] = form_cls(initial=initial, **form_kw)
        return render(request, "legal/rules_change.html", ctx)

    form = form_cls(request.POST, **form_kw)
    ctx["form"] = form
    if not form.is_valid():
        return render(request, "legal/rules_change.html", ctx, status=200)
    d = form.cleaned_data
    try:
        if mode == "change":
            base_pk, new_data, summary = services.build_parameter_change(
                rule_id=rule_id, param=param, key=svc_key, kind=d["kind"], value=d["value"], since=d.get("since"),
                status=d["status"], citation=d["citation"].strip(), note=d["note"].strip())
            payload = {k_: d[k_] for k_ in ("kind", "value", "since", "status", "citation", "note")}
        else:
            base_pk, new_data, summary = services.build_confirm(rule_id=rule_id, param=param, key=svc_key)
            payload = {}
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return render(request, "legal/rules_change.html", ctx)
    digest = _digest(base_pk, {"rule": rule_id, "param": param, "key": key, "mode": mode, **payload})

    if request.POST.get("confirm") and request.POST.get("digest") == digest:
        try:
            if mode == "change":
                services.change_parameter(actor=request.user, rule_id=rule_id, param=param, key=svc_key,
                                          kind=d["kind"], value=d["value"], since=d.get("since"), status=d["status"],
                                          citation=d["citation"].strip(), note=d["note"].strip(), reason=d["reason"])
            else:
                services.confirm_parameter(actor=request.user, rule_id=rule_id, param=param, key=svc_key,
                                           reason=d["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return render(request, "legal/rules_change.html", ctx)
        messages.success(request, f"Đã lưu phiên bản mới của bộ quy tắc: {summary}.")
        return redirect(reverse("rule_detail", args=[rule_id]) + f"#{row.anchor}")
    if request.POST.get("confirm"):
        ctx["stale"] = True  # the values or the active version changed since the preview

    _, old_rs = services.active_ruleset()
    new_rs = Ruleset.from_json(new_data)
    preview = services.preview_ruleset_change(new_data, _open_cases(request.user), services.local_today())
    rows = _preview_rows(preview, old_rs, new_rs)
    ctx.update({"preview": rows, "digest": digest, "summary": summary, "as_of": services.local_today(),
                "n_cases": _open_cases(request.user).count(),
                "preview_groups": [("Sẽ xuất hiện", rows["appear"], "danger"),
                                   ("Sẽ mất đi", rows["disappear"], "success")]})
    return render(request, "legal/rules_change.html", ctx)


def rule_change(request, rule_id, param, key):
    return _change_flow(request, rule_id=rule_id, param=param, key=key, mode="change")


def rule_confirm(request, rule_id, param, key):
    return _change_flow(request, rule_id=rule_id, param=param, key=key, mode="confirm")


# =============================================================================== calendar
MONTH_NAMES = [f"Tháng {m}" for m in range(1, 13)]
WEEK_HEAD = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


@dataclass
class DayCell:
    date: dt.date
    css: str
    title: str


def _day_cell(cal: WorkCalendar, d: dt.date, provisional: bool) -> DayCell:
    working = cal.is_working_day(d)
    name = cal.day_name(d)
    weekend = d.weekday() >= 5
    if working and weekend:
        css, what = "cal-makeup", f"Làm bù: {name}" if name else "Ngày làm việc"
    elif working:
        css, what = "cal-work", "Ngày làm việc"
    elif name and name not in WEEKDAY_NAMES:
        css, what = ("cal-off-prov" if provisional else "cal-off"), f"Nghỉ: {name}"
    else:
        css, what = "cal-weekend", "Nghỉ cuối tuần"
    if provisional:
        css += " cal-prov"
        what += " (lịch dự kiến)"
    return DayCell(d, css, f"{WEEKDAY_NAMES[d.weekday()]} {d:%d/%m/%Y} — {what}")


def _months(cal: WorkCalendar, year: int) -> list[dict]:
    out = []
    pc = pycal.Calendar(firstweekday=0)
    for m in range(1, 13):
        weeks = []
        for week in pc.monthdatescalendar(year, m):
            weeks.append([_day_cell(cal, d, cal.is_provisional(d)) if d.month == m else None for d in week])
        out.append({"name": MONTH_NAMES[m - 1], "weeks": weeks})
    return out


def computed_runs(cal: WorkCalendar, year: int) -> list[dict]:
    """Days off of a year as the calendar computes them (law or table), as entry rows."""
    runs: list[dict] = []
    d, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    prev_name, cur = None, None
    while d <= end:
        working = cal.is_working_day(d)
        name = cal.day_name(d)
        named_off = not working and name and name not in WEEKDAY_NAMES
        if working and d.weekday() >= 5:
            runs.append({"from": d.isoformat(), "to": d.isoformat(), "kind": "work", "name": name or "Làm bù",
                         "source": "", "status": "S"})
            cur, prev_name = None, None
        elif named_off:
            if cur is not None and prev_name == name and dt.date.fromisoformat(cur["to"]) == d - dt.timedelta(days=1):
                cur["to"] = d.isoformat()
            else:
                cur = {"from": d.isoformat(), "to": d.isoformat(), "kind": "off", "name": name,
                       "source": cal.law.source, "status": "U"}
                runs.append(cur)
            prev_name = name
        elif not working and cur is not None and d.weekday() >= 5:
            pass  # a plain weekend inside / after a run: keep the run open only through named days
        else:
            cur, prev_name = None, None
        d += dt.timedelta(days=1)
    return runs


def _entry_rows(rows: list[dict]) -> list[dict]:
    out = []
    for e in rows:
        try:
            a, b = dt.date.fromisoformat(e["from"]), dt.date.fromisoformat(e["to"])
        except (KeyError, ValueError, TypeError):
            continue
        kind = "Làm bù" if e.get("kind") in ("work", "makeup") else "Nghỉ"
        out.append({"from": a, "to": b, "kind": kind, "is_work": kind == "Làm bù", "name": e.get("name", ""),
                    "source": e.get("source", ""), "status": e.get("status", "S"),
                    "status_css": STATUS_CSS.get(e.get("status", "S"), "text-bg-secondary"),
                    "days": (b - a).days + 1})
    return out


def _year_param(request) -> tuple[int, bool]:
    today = services.local_today().year
    raw = request.GET.get("nam")
    if raw in (None, ""):
        return today, True
    y = _int(raw)
    if y is None or not (YEAR_MIN <= y <= YEAR_MAX):
        return today, False
    return y, True


def _year_state(cal: WorkCalendar, year: int) -> dict:
    info = cal.year_info(year)
    if info is None:
        return {"listed": False, "confirmed": False, "label": "Dự kiến — tính theo luật", "css": "text-bg-warning",
                "source": cal.law.source, "status": cal.law.status}
    if info.confirmed:
        return {"listed": True, "confirmed": True, "label": "Đã công bố", "css": "text-bg-success",
                "source": info.source, "status": info.status}
    return {"listed": True, "confirmed": False, "label": "Dự kiến — chưa xác nhận", "css": "text-bg-warning",
            "source": info.source, "status": info.status}


def calendar(request):
    year, ok = _year_param(request)
    if not ok:
        messages.warning(request, "Năm không hợp lệ; đang hiển thị năm hiện tại.")
    pk, cal = services.active_calendar()
    version = CalendarVersion.objects.get(pk=pk)
    state = _year_state(cal, year)
    if state["listed"]:
        entries = _entry_rows(services.calendar_year_entries(version.data, year))
    else:
        entries = _entry_rows(computed_runs(cal, year))
    years = sorted(set(range(2022, 2028)) | set(cal.years) | {year})
    n_off = sum(1 for m in range(1, 13) for d in pycal.Calendar().itermonthdates(year, m)
                if d.month == m and not cal.is_working_day(d) and d.weekday() < 5)
    n_work = sum(1 for m in range(1, 13) for d in pycal.Calendar().itermonthdates(year, m)
                 if d.month == m and cal.is_working_day(d))
    return render(request, "legal/calendar.html", {
        "year": year, "years": years, "prev": year - 1 if year > YEAR_MIN else None,
        "next": year + 1 if year < YEAR_MAX else None, "months": _months(cal, year), "week_head": WEEK_HEAD,
        "entries": entries, "state": state, "version": version, "versions": _versions(CalendarVersion),
        "can_edit": perm.can_manage_reference_data(request.user), "n_off_weekdays": n_off, "n_working": n_work,
    })


def _require_admin(request) -> None:
    if not perm.can_manage_reference_data(request.user):
        raise PermissionDenied("Chỉ quản trị hệ thống được sửa lịch làm việc.")


def _initial_rows(rows: list[dict], year: int) -> list[dict]:
    out = []
    lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for e in rows:
        try:
            a, b = dt.date.fromisoformat(e["from"]), dt.date.fromisoformat(e["to"])
        except (KeyError, ValueError, TypeError):
            continue
        a, b = max(a, lo), min(b, hi)
        if b < a:
            continue
        out.append({"start": a, "end": b, "kind": "work" if e.get("kind") in ("work", "makeup") else "off",
                    "name": e.get("name", ""), "source": e.get("source", ""), "status": e.get("status", "S")})
    return out


def calendar_edit(request, year):
    _require_admin(request)
    if not (YEAR_MIN <= year <= YEAR_MAX):
        raise Http404("Năm không hợp lệ.")
    pk, cal = services.active_calendar()
    version = CalendarVersion.objects.get(pk=pk)
    state = _year_state(cal, year)
    kw = {"form_kwargs": {"year": year}, "prefix": "e"}
    if request.method == "POST":
        form = CalendarYearForm(request.POST)
        formset = CalendarEntryFormSet(request.POST, **kw)
        if form.is_valid() & formset.is_valid():
            d = form.cleaned_data
            try:
                services.save_calendar_year(actor=request.user, year=year, entries=formset.entries(),
                                            confirmed=d["confirmed"], status=d["status"], source=d["source"],
                                            reason=d["reason"])
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"Đã lưu lịch làm việc năm {year} (phiên bản mới).")
                return redirect(reverse("calendar") + f"?nam={year}")
    else:
        rows = services.calendar_year_entries(version.data, year) if state["listed"] else computed_runs(cal, year)
        form = CalendarYearForm(initial={"source": state["source"] if state["listed"] else "",
                                         "status": state["status"] if state["listed"] else "S",
                                         "confirmed": state["confirmed"]})
        formset = CalendarEntryFormSet(initial=_initial_rows(rows, year), **kw)
    return render(request, "legal/calendar_edit.html", {
        "year": year, "form": form, "formset": formset, "state": state, "version": version,
    })
