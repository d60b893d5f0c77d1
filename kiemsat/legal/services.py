"""The bridge between the register and the pure deadline engine.

- `active_ruleset()` / `active_calendar()`: the versions in force, parsed once per process and
  re-parsed only when a new version becomes active (one cheap query per call).
- `facts_for(cases)`: CaseFacts from the database in two queries, whatever the number of cases.
- `case_findings`, `scan`: findings computed on read from (events, ruleset, calendar, as_of) —
  nothing derived is stored, so they are always current when events, rules or calendar change.
- `change_parameter`, `confirm_parameter`, `save_calendar_year`: a leader's / administrator's
  change makes a new version, with its reason, audited.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kiemsat.audit.services import record
from kiemsat.cases.models import Case, Event
from kiemsat.domain import engine
from kiemsat.domain.calendar import WorkCalendar
from kiemsat.domain.events import Outcome
from kiemsat.domain.facts import CaseFacts, EventFact
from kiemsat.domain.rules import DEFAULT_RULESET_FILE, Ruleset
from kiemsat.domain.vector import ALERTS
from kiemsat.org import permissions as perm

from .models import CalendarVersion, RulesetVersion

_lock = threading.Lock()
_cache: dict[str, tuple[int, object]] = {}


def local_today() -> dt.date:
    return timezone.localdate()


def _default_calendar_data() -> dict:
    import json

    from kiemsat.domain.calendar import DEFAULT_CALENDAR_FILE

    return json.loads(DEFAULT_CALENDAR_FILE.read_text(encoding="utf-8"))


def _default_ruleset_data() -> dict:
    import json

    return json.loads(DEFAULT_RULESET_FILE.read_text(encoding="utf-8"))


def _active_row(model, seed, label):
    row = model.objects.filter(is_active=True).order_by("-id").only("id").first()
    if row is None:
        with transaction.atomic():
            row = model.objects.filter(is_active=True).order_by("-id").only("id").first()
            if row is None:
                data = seed()
                row = model.objects.create(label=data.get("id") or data.get("version") or label, data=data,
                                           kind=model.Kind.SEED, is_active=True,
                                           summary="Dữ liệu gốc kèm phần mềm")
    return row.pk


def _parsed(model, name: str, seed, parse):
    from kiemsat.web.memo import per_request

    # a page asks ~10 times; a new version is only made by a POST (outside any request memo)
    pk = per_request(("legal.active", name), lambda: _active_row(model, seed, name))
    hit = _cache.get(name)
    if hit and hit[0] == pk:
        return pk, hit[1]
    with _lock:
        obj = parse(model.objects.get(pk=pk).data)
        _cache[name] = (pk, obj)
    return pk, obj


def active_ruleset() -> tuple[int, Ruleset]:
    return _parsed(RulesetVersion, "ruleset", _default_ruleset_data, Ruleset.from_json)


def active_calendar() -> tuple[int, WorkCalendar]:
    return _parsed(CalendarVersion, "calendar", _default_calendar_data, WorkCalendar.from_json)


# ------------------------------------------------------------------------------ facts
_EVENT_COLS = ("case_id", "code", "date", "received", "end", "number", "outcome", "term_months", "prosecutor_present")


def facts_for(cases: Iterable[Case] | None = None, qs=None) -> list[CaseFacts]:
    """CaseFacts for the given cases (objects) or queryset, in two queries (rows read through the
    DB-API cursor: the values are already Python dates, booleans and numbers there)."""
    if qs is None:
        cases = list(cases or [])
        ids = [c.pk for c in cases]
        rows = [(c.pk, c.so_thu_ly, c.person_name, c.measure, c.complex, c.tracked_events,
                 c.court.name if c.court_id else "", c.unit.name if c.unit_id else "",
                 c.assigned_to.full_name if c.assigned_to_id else "") for c in cases]
        ev_qs = Event.objects.filter(case_id__in=ids)
        db = ev_qs.db
    else:
        db = qs.db
        rows = _raw(db, qs.values_list("pk", "so_thu_ly", "person_name", "measure", "complex", "tracked_events",
                                       "court__name", "unit__name", "assigned_to__full_name"))
        ev_qs = Event.objects.using(db).filter(case__in=qs.values("pk"))
    by_case: dict[int, list[EventFact]] = {}
    outcome = {o.value: o for o in Outcome}
    for cid, code, date, received, end, number, out, term, present in _raw(db, ev_qs.values_list(*_EVENT_COLS).order_by()):
        lst = by_case.get(cid)
        if lst is None:
            lst = by_case[cid] = []
        lst.append(EventFact(code, date, received, end, number or "", outcome.get(out), term,
                             None if present is None else bool(present)))
    from kiemsat.documents.selectors import marks_for, marks_for_qs

    checklists = marks_for_qs(qs) if qs is not None else marks_for(ids, db)  # dossier checklist marks
    tracked_cache: dict = {}
    facts = []
    for pk, stl, name, measure, cplx, tracked, court, unit, staff in rows:
        if isinstance(tracked, str):  # JSON text (SQLite through the cursor)
            tracked = json.loads(tracked)
        tkey = tuple(tracked) if tracked is not None else None
        if tkey not in tracked_cache:
            tracked_cache[tkey] = frozenset(tracked) if tracked is not None else None
        facts.append(CaseFacts(key=str(pk), so_thu_ly=stl or "", person=name, measure=measure, complex=bool(cplx),
                               events=by_case.get(pk, []), tracked=tracked_cache[tkey], court=court or "",
                               office=unit or "", staff=staff or "", checklist=checklists.get(pk)))
    return facts


def _raw(db: str, qs) -> list[tuple]:
    """The rows of a values_list queryset through the DB-API cursor (no per-row converters)."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connections

    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connections[db].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


# ------------------------------------------------------------------------------ findings
def due_soon_wd() -> int:
    from django.conf import settings

    return settings.KIEMSAT_DUE_SOON_WD


def case_findings(case: Case, as_of: dt.date | None = None, include_info: bool = True) -> list[engine.Finding]:
    _, rs = active_ruleset()
    _, cal = active_calendar()
    [facts] = facts_for([case])
    return engine.evaluate(facts, rs, cal, as_of or local_today(), due_soon_wd(), include_info=include_info)


def case_effective(case: Case, as_of: dt.date | None = None):
    """(effective date, limitation expiry) of a case, or (EffectiveDate without date, None)."""
    _, rs = active_ruleset()
    _, cal = active_calendar()
    [facts] = facts_for([case])
    eff = engine.effective_date(facts, rs, cal, as_of or local_today())
    lim = engine.limitation_expiry(eff.date, case.measure, rs, cal) if eff.date else None
    return eff, lim


@dataclass
class Scanned:
    case_id: int
    facts: CaseFacts
    finding: engine.Finding


def scan(qs, as_of: dt.date | None = None, statuses=(engine.VIOLATION, engine.OVERDUE, engine.DUE_SOON)) -> Sequence[Scanned]:
    """Findings of every case in `qs` as of a date (default today), filtered by status, in the
    queryset's order then the ruleset's.

    Alerts only (violation / overdue / due_soon, the default): the columnar scan (legal.fast —
    the same findings, read from one digest row per case; the Finding objects are built when read).
    Otherwise (e.g. statuses=None): the engine on every case, as a list."""
    _, rs = active_ruleset()
    _, cal = active_calendar()
    as_of = as_of or local_today()
    if statuses is not None:
        statuses = tuple(statuses)
    if statuses is not None and frozenset(statuses) <= ALERTS:
        from . import fast

        return fast.scan(qs, rs, cal, as_of, due_soon_wd(), statuses)
    facts = facts_for(qs=qs)
    return [Scanned(int(c.key), c, f) for c, f in engine.scan(facts, rs, cal, as_of, due_soon_wd(), statuses)]


# ------------------------------------------------------------------------------ changes
def _activate(model, *, actor, data: dict, kind: str, reason: str, summary: str, label: str):
    if not reason or len(reason.strip()) < 5:
        raise ValidationError({"reason": "Cần ghi lý do thay đổi (ít nhất 5 ký tự)."})
    with transaction.atomic():
        model.objects.filter(is_active=True).update(is_active=False)
        row = model.objects.create(label=label, data=data, kind=kind, reason=reason.strip(), summary=summary[:300],
                                   created_by=actor, is_active=True)
        record(f"{model._meta.model_name}.activate", row, summary, {"reason": reason.strip(), "kind": kind})
    return row


def _new_label(model, base: str) -> str:
    n = model.objects.count() + 1
    return f"{base}.{n}"


def _find_node(data: dict, rule_id: str, param: str, key: str) -> dict:
    for r in data.get("rules", []):
        if r.get("id") == rule_id:
            p = (r.get("params") or {}).get(param)
            if p is None:
                break
            if p.get("by"):
                node = (p.get("cases") or {}).get(key)
            else:
                node = p
            if node is None:
                break
            return node
    raise ValidationError({"__all__": f"Không tìm thấy tham số {rule_id} / {param} / {key}."})


def _active_data(model, active) -> tuple[int, dict]:
    pk, _ = active()
    return pk, copy.deepcopy(model.objects.get(pk=pk).data)


def _plain(v):
    return v.get("value") if isinstance(v, dict) and "value" in v else v


def _value_text(v) -> str:
    v = _plain(v)
    if v is None:
        return "trống (chưa có căn cứ)"
    if isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v):
        return f"{v[0]}–{v[1]}"
    return str(v)


def _is_range(v) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in v)


def _is_number(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def param_value_type(node: dict) -> str:
    """What a leader may type for a parameter node: "int" (a number of days / months), "range"
    (min–max months), or "other" (a checklist or a yes/no basis: confirm only, or set to null)."""
    kinds = {("range" if _is_range(v) else "int" if _is_number(v) else "other")
             for v in (_plain(x) for x in (node.get("values") or {}).values()) if v is not None}
    if not kinds:
        return "int"
    return kinds.pop() if len(kinds) == 1 else "other"


def _check_ruleset(data: dict) -> None:
    try:
        Ruleset.from_json(data)  # refuse a document the engine cannot read
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError({"__all__": f"Bộ quy tắc sau thay đổi không hợp lệ: {exc}"}) from exc


def build_parameter_change(*, rule_id: str, param: str, key: str, kind: str, value, since: dt.date | None,
                           status: str, citation: str, note: str | None = None) -> tuple[int, dict, str]:
    """The ruleset document a change would give, not saved: (active version id it is based on,
    new document, summary). `change_parameter` saves it; the ruleset screen previews it first."""
    if status not in ("V", "S", "U"):
        raise ValidationError({"status": "Tình trạng căn cứ phải là V, S hoặc U."})
    base_pk, data = _active_data(RulesetVersion, active_ruleset)
    node = _find_node(data, rule_id, param, key)
    vtype = param_value_type(node)
    if value is not None:
        if vtype == "int" and not (_is_number(value) and 0 <= value <= 400):
            raise ValidationError({"value": "Giá trị phải là số nguyên từ 0 đến 400, hoặc để trống (chưa có căn cứ)."})
        if vtype == "range" and not (_is_range(value) and 0 <= value[0] <= value[1] <= 400):
            raise ValidationError({"value": "Khung phải gồm hai số nguyên “tối thiểu–tối đa” (ví dụ 6–24), "
                                            "hoặc để trống (chưa có căn cứ)."})
        if vtype == "other":
            raise ValidationError({"value": "Tham số này chỉ có thể xác nhận hoặc để trống (chưa có căn cứ)."})
    if kind == RulesetVersion.Kind.CORRECTION:
        before = ", ".join(_value_text(v) for _, v in sorted((node.get("values") or {}).items())) or "—"
        first = min(node.get("values") or {"2000-01-01": None})
        node["values"] = {first: value}
        node["status"] = status
        if citation:
            node["citation"] = citation
        if note is not None:
            if note:
                node["note"] = note
            else:
                node.pop("note", None)
        summary = f"Đính chính {rule_id} / {param} / {key}: {before} → {_value_text(value)} ({status})"
    elif kind == RulesetVersion.Kind.LAW_CHANGE:
        if since is None:
            raise ValidationError({"since": "Thay đổi của pháp luật cần ngày bắt đầu áp dụng."})
        dated = {"value": value, "status": status, "citation": citation or node.get("citation", "")}
        if note:
            dated["note"] = note
        node.setdefault("values", {})[since.isoformat()] = dated
        summary = (f"Thay đổi pháp luật {rule_id} / {param} / {key}: từ {since:%d/%m/%Y} "
                   f"= {_value_text(value)} ({status})")
    else:
        raise ValidationError({"kind": "Loại thay đổi không hợp lệ."})
    _check_ruleset(data)
    return base_pk, data, summary


def build_confirm(*, rule_id: str, param: str, key: str) -> tuple[int, dict, str]:
    """The ruleset document with one parameter confirmed (V), not saved."""
    base_pk, data = _active_data(RulesetVersion, active_ruleset)
    node = _find_node(data, rule_id, param, key)
    before = node.get("status", "U")
    node["status"] = "V"
    for v in (node.get("values") or {}).values():
        if isinstance(v, dict):
            v["status"] = "V"
    _check_ruleset(data)
    return base_pk, data, f"Xác nhận {rule_id} / {param} / {key}: {before} → V"


def change_parameter(*, actor, rule_id: str, param: str, key: str, kind: str, value, since: dt.date | None,
                     status: str, citation: str, reason: str, note: str | None = None) -> RulesetVersion:
    """A leader changes a parameter: a correction (the new value replaces every dated value) or a
    change in the law (a new dated value from `since`). Makes and activates a new ruleset version."""
    if actor is not None and not perm.can_approve(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được thay đổi bộ quy tắc.")
    _, data, summary = build_parameter_change(rule_id=rule_id, param=param, key=key, kind=kind, value=value,
                                              since=since, status=status, citation=citation, note=note)
    return _activate(RulesetVersion, actor=actor, data=data, kind=kind, reason=reason, summary=summary,
                     label=_new_label(RulesetVersion, data.get("id", "ruleset")))


def confirm_parameter(*, actor, rule_id: str, param: str, key: str, reason: str) -> RulesetVersion:
    """A leader confirms an S/U parameter as verified (V)."""
    if actor is not None and not perm.can_approve(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được xác nhận căn cứ.")
    _, data, summary = build_confirm(rule_id=rule_id, param=param, key=key)
    return _activate(RulesetVersion, actor=actor, data=data, kind=RulesetVersion.Kind.CONFIRM, reason=reason,
                     summary=summary, label=_new_label(RulesetVersion, data.get("id", "ruleset")))


def preview_ruleset_change(new_data: dict, qs, as_of: dt.date | None = None) -> dict:
    """Which findings on the given (open) cases would appear or disappear under `new_data`."""
    as_of = as_of or local_today()
    _, old_rs = active_ruleset()
    new_rs = Ruleset.from_json(new_data)
    _, cal = active_calendar()
    facts = facts_for(qs=qs)
    st = (engine.VIOLATION, engine.OVERDUE, engine.DUE_SOON)

    def keys(rs):
        return {(c.key, c.person, c.so_thu_ly, f.rule, f.status, f.due, f.late) for c, f in engine.scan(facts, rs, cal, as_of, due_soon_wd(), st)}

    a, b = keys(old_rs), keys(new_rs)
    return {"appear": sorted(b - a, key=str), "disappear": sorted(a - b, key=str)}


KIND_ALIASES = {"off": "off", "work": "work", "makeup": "work"}


def _entry_span(e: dict) -> tuple[dt.date, dt.date]:
    if "date" in e:
        d = dt.date.fromisoformat(str(e["date"]))
        return d, d
    a = dt.date.fromisoformat(str(e["from"]))
    return a, dt.date.fromisoformat(str(e.get("to") or e["from"]))


def calendar_year_entries(data: dict, year: int) -> list[dict]:
    """The entries of a calendar document that touch `year`, as {"from", "to", …} (ISO strings)."""
    out = []
    for e in data.get("entries", []):
        try:
            a, b = _entry_span(e)
        except (KeyError, ValueError, TypeError):
            continue
        if a.year <= year <= b.year:
            row = {k: v for k, v in e.items() if k != "date"}
            row["from"], row["to"] = a.isoformat(), b.isoformat()
            out.append(row)
    out.sort(key=lambda r: r["from"])
    return out


def _clip_outside(e: dict, year: int) -> list[dict]:
    """The parts of an existing entry that lie outside `year` (kept when that year is replaced)."""
    try:
        a, b = _entry_span(e)
    except (KeyError, ValueError, TypeError):
        return [e]
    if not (a.year <= year <= b.year):
        return [e]
    rest = {k: v for k, v in e.items() if k not in ("date", "from", "to")}
    parts = []
    if a.year < year:
        parts.append({"from": a.isoformat(), "to": dt.date(year - 1, 12, 31).isoformat(), **rest})
    if b.year > year:
        parts.append({"from": dt.date(year + 1, 1, 1).isoformat(), "to": b.isoformat(), **rest})
    return parts


def _clean_calendar_entries(year: int, entries: list[dict]) -> list[dict]:
    clean = []
    for i, e in enumerate(entries, 1):
        try:
            a, b = _entry_span(e)
        except (KeyError, ValueError, TypeError):
            raise ValidationError({"entries": f"Dòng {i}: ngày không hợp lệ."}) from None
        for d in (a, b):
            if d.year != year:
                raise ValidationError({"entries": f"Dòng {i}: ngày {d:%d/%m/%Y} không thuộc năm {year}."})
        if b < a:
            raise ValidationError({"entries": f"Dòng {i}: ngày kết thúc ở trước ngày bắt đầu."})
        kind = KIND_ALIASES.get(str(e.get("kind", "")))
        if kind is None:
            raise ValidationError({"entries": f"Dòng {i}: loại ngày phải là nghỉ hoặc làm bù."})
        st = e.get("status") or "S"
        if st not in ("V", "S", "U"):
            raise ValidationError({"entries": f"Dòng {i}: tình trạng căn cứ phải là V, S hoặc U."})
        row = {"from": a.isoformat(), "to": b.isoformat(), "kind": kind, "name": str(e.get("name") or "").strip(),
               "source": str(e.get("source") or "").strip(), "status": st}
        if e.get("short"):
            row["short"] = str(e["short"]).strip()
        clean.append(row)
    clean.sort(key=lambda r: r["from"])
    for x, y in zip(clean, clean[1:]):
        if y["from"] <= x["to"]:
            raise ValidationError({"entries": f"Hai dòng trùng ngày nhau: {dt.date.fromisoformat(x['from']):%d/%m/%Y}"
                                              f"–{dt.date.fromisoformat(x['to']):%d/%m/%Y} và "
                                              f"{dt.date.fromisoformat(y['from']):%d/%m/%Y}"
                                              f"–{dt.date.fromisoformat(y['to']):%d/%m/%Y}."})
    return clean


def save_calendar_year(*, actor, year: int, entries: list[dict], confirmed: bool, status: str, source: str,
                       reason: str) -> CalendarVersion:
    """An administrator replaces one year's days off / make-up days (with their source).

    `entries`: {"from", "to"} (or "date") as ISO strings, "kind" off | work (or "makeup"), "name",
    "source", "status". Existing entries reaching into a neighbouring year keep their part there."""
    if actor is not None and not perm.can_manage_reference_data(actor):
        raise PermissionDenied("Chỉ quản trị được sửa lịch làm việc.")
    if not isinstance(year, int) or not (1990 <= year <= 2100):
        raise ValidationError({"year": "Năm không hợp lệ."})
    if status not in ("V", "S", "U"):
        raise ValidationError({"status": "Tình trạng căn cứ phải là V, S hoặc U."})
    clean = _clean_calendar_entries(year, entries)
    pk, _ = active_calendar()
    data = copy.deepcopy(CalendarVersion.objects.get(pk=pk).data)
    kept = [p for e in data.get("entries", []) for p in _clip_outside(e, year)]
    data["entries"] = sorted(kept + clean, key=lambda e: str(e.get("from") or e.get("date") or ""))
    years = [y for y in data.get("years", []) if y.get("year") != year]
    years.append({"year": year, "confirmed": bool(confirmed), "status": status, "source": (source or "").strip()})
    data["years"] = sorted(years, key=lambda y: y["year"])
    try:
        WorkCalendar.from_json(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError({"entries": f"Lịch sau thay đổi không hợp lệ: {exc}"}) from exc
    n_off = sum(1 for e in clean if e["kind"] == "off")
    summary = (f"Lịch năm {year}: {n_off} kỳ nghỉ, {len(clean) - n_off} ngày làm bù, "
               f"{'đã công bố' if confirmed else 'dự kiến'}")
    base = str(data.get("version", "calendar")).split(".")[0]
    return _activate(CalendarVersion, actor=actor, data=data, kind=CalendarVersion.Kind.EDIT, reason=reason,
                     summary=summary, label=_new_label(CalendarVersion, base))
