"""Use cases on the register. Views, commands, the importer and tests all call these; no
business logic lives anywhere else. Each function runs in one transaction and writes the audit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kiemsat.audit.services import record
from kiemsat.domain.checks import check_dates
from kiemsat.domain.events import EVENT_TYPE_BY_CODE, AppealResult, Outcome
from kiemsat.domain.stage import stage_of
from kiemsat.domain.vector import pack as pack_digest
from kiemsat.domain.vntext import fold, nfc, sort_key_str
from kiemsat.org import permissions as perm

from .models import Case, CaseDigest, Event

CASE_FIELDS = (
    "court", "proposer", "assigned_to", "person_name", "birth_year", "birth_date", "sex", "residence",
    "id_number", "measure", "vks_proposal", "complex", "notes",
)
EVENT_FIELDS = ("date", "received", "end", "number", "outcome", "term_months", "prosecutor_present", "note",
                "appeal_result")
_YEAR_IN_NUMBER = re.compile(r"/((?:19|20)\d\d)\b")


def local_today() -> dt.date:
    return timezone.localdate()


def _snapshot(obj, fields) -> dict:
    out = {}
    for f in fields:
        v = getattr(obj, f + "_id", None) if f in ("court", "proposer", "assigned_to") else getattr(obj, f)
        out[f] = v.isoformat() if isinstance(v, dt.date) else v
    return out


def _diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def _clean_text(data: dict) -> dict:
    out = dict(data)
    for k, v in out.items():
        if isinstance(v, str):
            out[k] = nfc(v).strip()
    if out.get("person_name"):
        out["person_name"] = " ".join(out["person_name"].split())
    return out


def _year_of(case: Case) -> int | None:
    if case.thu_ly_date:
        return case.thu_ly_date.year
    m = _YEAR_IN_NUMBER.search(case.so_thu_ly or "")
    if m:
        return int(m.group(1))
    if case.received_date:
        return case.received_date.year
    return None


def summarize(case: Case, events: list[Event]) -> Case:
    """Set the summary columns of `case` from `events` (no database access). One pass over the
    events (a big import summarises a hundred thousand cases): of each kind the first event by
    date (the earliest; the first given among equal dates), of decisions the last by (date, id)."""
    first: dict[str, Event] = {}  # code -> its earliest dated event
    dec = None
    acc_any = None
    top = done = eff = None
    numbers = []
    for e in events:
        code, d = e.code, e.date
        r, end = getattr(e, "received", None), getattr(e, "end", None)
        if e.number:
            numbers.append(e.number)
        for x in (d, r, end):
            if x and (top is None or x > top):
                top = x
        if code == "accepted" and acc_any is None:
            acc_any = e
        if code == "effective":  # the engine's _w: its date, else its receipt date
            w = d or r
            if w and (eff is None or w < eff):
                eff = w
        if not d:
            continue
        f = first.get(code)
        if f is None or d < f.date:
            first[code] = e
        if code == "decision":
            if dec is None or (d, e.pk or 0) > (dec.date, dec.pk or 0):
                dec = e
            if eff is None or d < eff:  # the engine counts from a decision's own date
                eff = d
        elif (code == "delivered" or code == "execution_exempted") and (done is None or d < done):
            done = d

    acc = first.get("accepted") or acc_any
    case.so_thu_ly = (acc.number if acc else "") or ""
    case.thu_ly_date = acc.date if acc else None
    rec = first.get("court_received")
    case.received_date = rec.date if rec else None
    case.decision_date = dec.date if dec else None
    case.outcome = dec.outcome if dec else ""
    case.term_months = dec.term_months if dec else None
    outcome = Outcome(case.outcome) if case.outcome else None
    case.stage = stage_of(set(first), outcome)
    case.year = _year_of(case)
    case.last_date = top
    case.done_date = done
    # the earliest decision or recorded effective date: the engine's effective date (recorded, else counted
    # from the first decision) is never before it — legal.selectors.execution_watch orders cases by it
    case.effective_floor = eff
    case.name_sort = sort_key_str(case.person_name)
    case.search_folded = fold(" ".join([case.person_name, case.so_thu_ly, " ".join(numbers), case.id_number or ""]))
    return case


SUMMARY_FIELDS = ("so_thu_ly", "thu_ly_date", "received_date", "decision_date", "outcome", "term_months", "stage",
                  "year", "name_sort", "search_folded", "last_date", "done_date", "effective_floor")


def digest(measure: str, complex_: bool, tracked_events: list[str] | None, events) -> bytes:
    """The packed events of a case for the columnar findings scan (CaseDigest.packed)."""
    return pack_digest(measure, complex_, tracked_events,
                       ((e.code, e.date, e.received, getattr(e, "end", None), e.outcome, e.term_months,
                         e.prosecutor_present) for e in events))


def refresh_summary(case: Case) -> Case:
    """Recompute and store the summary columns of a case from its events (the only writer of them),
    and its CaseDigest."""
    # in the order they were written (what the bulk path summarises): without ORDER BY, PostgreSQL
    # returns a case's events in their physical order, which space freed by VACUUM can change
    events = list(case.events.order_by("pk"))
    summarize(case, events)
    _check_duplicate(case)
    case.updated_at = timezone.now()  # the register's stamp moves with every change (see register_stamp)
    Case.objects.filter(pk=case.pk).update(updated_at=case.updated_at, **{f: getattr(case, f) for f in SUMMARY_FIELDS})
    measure, cplx, tracked = Case.objects.filter(pk=case.pk).values_list("measure", "complex", "tracked_events").get()
    packed = digest(measure, cplx, tracked, events)
    if not CaseDigest.objects.filter(pk=case.pk).update(packed=packed):
        CaseDigest.objects.create(case_id=case.pk, packed=packed)
    return case


def restamp(case_ids, since: dt.datetime | None = None) -> int:
    """Just before a long transaction commits (an import, a sync bundle): the cases it wrote more
    than half of CHANGE_OVERLAP_SECONDS ago are stamped again (`updated_at` = now). Other processes
    look for changes from a little before their last look (`cases.selectors.changes_since`), so
    cases stamped long before the commit would stay out of their caches until these expire.
    since: when the transaction began (its cases were stamped no earlier): nothing to do if that is
    recent enough. Returns how many were stamped again."""
    from .selectors import CHANGE_OVERLAP_SECONDS

    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=CHANGE_OVERLAP_SECONDS / 2)
    if since is not None and since >= cutoff:
        return 0
    ids = sorted({int(i) for i in case_ids if i})
    n = 0
    for start in range(0, len(ids), 2000):
        n += Case.objects.filter(pk__in=ids[start:start + 2000], updated_at__lt=cutoff).update(updated_at=now)
    return n


def register_stamp() -> tuple:
    """Changes whenever a case or one of its events changes (every change ends in refresh_summary,
    which moves updated_at; bulk inserts set it too): a cheap key for caches of derived reads."""
    from django.db.models import Max

    # three single-aggregate queries: SQLite answers a lone MAX() from an index (updated_at: migration
    # cases.0005) but reads the whole table for several aggregates in one SELECT
    n = Case.objects.count()
    m = Case.objects.aggregate(m=Max("updated_at"))["m"]
    top = Case.objects.aggregate(top=Max("id"))["top"]
    return n, m, top


def rebuild_digests(qs=None, chunk: int = 2000) -> int:
    """Rewrite the CaseDigest of every case of qs (default: all) from its events — after a change of
    the digest's layout (until then those cases are evaluated from their events, exactly but slowly).
    Returns the number of cases."""
    ids = list((qs if qs is not None else Case.objects.all()).order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(ids), chunk):
        part = ids[i:i + chunk]
        events: dict[int, list[Event]] = {}
        for e in Event.objects.filter(case_id__in=part).order_by("pk"):
            events.setdefault(e.case_id, []).append(e)
        with transaction.atomic():
            CaseDigest.objects.filter(case_id__in=part).delete()
            CaseDigest.objects.bulk_create([
                CaseDigest(case_id=pk, packed=digest(measure, cplx, tracked, events.get(pk, ())))
                for pk, measure, cplx, tracked in Case.objects.filter(pk__in=part).values_list(
                    "pk", "measure", "complex", "tracked_events")
            ])
    return len(ids)


def date_problems(case: Case, today: dt.date | None = None) -> list[str]:
    """The plausibility problems of a case's dates, in Vietnamese (the importer shows them as warnings)."""
    triples = [(e.code, e.date, e.end) for e in case.events.order_by("pk")]
    return [p.message for p in check_dates(triples, today or local_today())]


def _check_duplicate(case: Case) -> None:
    if not case.so_thu_ly:
        return
    dup = Case.objects.filter(court_id=case.court_id, year=case.year, so_thu_ly=case.so_thu_ly).exclude(pk=case.pk)
    if dup.exists():
        raise ValidationError(
            {"number": f"Số thụ lý {case.so_thu_ly} đã có trong sổ của Tòa án này năm {case.year} "
                       f"(vụ việc của {dup.first().person_name})."}
        )


def _validate_case_fields(data: dict, today: dt.date | None = None) -> None:
    errors = {}
    name = data.get("person_name", "")
    if not name:
        errors["person_name"] = "Cần nhập họ và tên."
    elif len(name) > 120:
        errors["person_name"] = "Họ và tên dài quá 120 ký tự."
    by = data.get("birth_year")
    if by is not None and not (1900 <= int(by) <= (today or local_today()).year):
        errors["birth_year"] = "Năm sinh không hợp lệ."
    bd = data.get("birth_date")
    if bd and bd > (today or local_today()):
        errors["birth_date"] = "Ngày sinh ở sau ngày hôm nay."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_case(*, actor, unit, data: dict, events: list[dict] | None = None, source: str = Case.Source.MANUAL,
                tracked_events: list[str] | None = None, strict: bool = True,
                commit: bool = True) -> tuple[Case, list[str]]:
    """Create a case with its first events. Returns (case, warnings).

    strict: date problems are errors (forms); otherwise they come back as warnings (importer).
    commit=False (with strict=False): check everything but write nothing and return
    (PreparedCase, warnings) for bulk_create_cases (the importer's new rows).
    """
    if not commit:
        if strict:
            raise ValueError("create_case(commit=False) needs strict=False")
        p = prepare_case(actor=actor, unit=unit, data=data, events=events, source=source,
                         tracked_events=tracked_events)
        return p, p.warnings
    if actor is not None and not perm.can_create_case(actor):
        raise PermissionDenied("Bạn không có quyền tạo vụ việc.")
    data = _clean_text(data)
    _validate_case_fields(data)
    if data.get("birth_date") and not data.get("birth_year"):
        data["birth_year"] = data["birth_date"].year
    case = Case(unit=unit, source=source, tracked_events=tracked_events,
                **{k: v for k, v in data.items() if k in CASE_FIELDS or k.endswith("_id")})
    if actor is not None and case.assigned_to_id is None and actor.role != "leader":
        case.assigned_to = actor
    case.save()
    for ev in events or []:
        ev = dict(ev)
        code = ev.pop("code")
        Event.objects.create(case=case, code=code, **_clean_event(code, ev))
    refresh_summary(case)
    warnings = date_problems(case)
    if strict and warnings:
        raise ValidationError({"__all__": warnings})
    record("case.create", case, f"Tạo vụ việc {case}", {"case": _snapshot(case, CASE_FIELDS), "events": len(events or [])})
    return case, warnings


@transaction.atomic
def update_case(*, actor, case: Case, data: dict) -> Case:
    if actor is not None and not perm.can_edit_case(actor, case):
        raise PermissionDenied("Bạn không có quyền sửa vụ việc này.")
    data = _clean_text(data)
    _validate_case_fields({**_snapshot(case, ("person_name",)), **data})
    before = _snapshot(case, CASE_FIELDS)
    if "assigned_to" in data and actor is not None and data["assigned_to"] != case.assigned_to and not perm.can_assign(actor, case):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được phân công cán bộ.")
    for k, v in data.items():
        if k in CASE_FIELDS:
            setattr(case, k, v)
    case.save()
    refresh_summary(case)
    changes = _diff(before, _snapshot(case, CASE_FIELDS))
    if changes:
        record("case.update", case, f"Sửa vụ việc {case}", changes)
    return case


def _clean_event(code: str, fields: dict) -> dict:
    et = EVENT_TYPE_BY_CODE.get(code)
    if et is None:
        raise ValidationError({"code": "Loại sự kiện không hợp lệ."})
    out = {k: fields.get(k) for k in EVENT_FIELDS if k in fields}
    for k in ("number", "note", "outcome"):
        out[k] = nfc(out.get(k) or "").strip()
    if len(out["number"]) > 60:
        raise ValidationError({"number": "Số văn bản dài quá 60 ký tự."})
    if not et.has_outcome:
        out["outcome"] = ""
        out["term_months"] = None
    if not et.has_presence:
        out["prosecutor_present"] = None
    if not et.has_end:
        out["end"] = None
    if not et.has_appeal_result or not out.get("appeal_result"):
        out["appeal_result"] = None
    elif out["appeal_result"] not in {r.value for r in AppealResult}:
        raise ValidationError({"appeal_result": "Kết quả giải quyết khiếu nại, kiến nghị, kháng nghị không hợp lệ."})
    if not out.get("date") and not out.get("received"):
        raise ValidationError({"date": "Cần nhập ngày trên văn bản hoặc ngày Viện kiểm sát nhận."})
    tm = out.get("term_months")
    if tm is not None and not (1 <= int(tm) <= 36):
        raise ValidationError({"term_months": "Thời hạn phải từ 1 đến 36 tháng."})
    return out


def _after_event_change(case: Case, strict: bool, before: list[str]) -> list[str]:
    """Refresh the summary; in strict mode refuse a change that adds a date problem (problems
    the case already had, e.g. from an imported book, stay warnings)."""
    refresh_summary(case)
    problems = date_problems(case)
    new = [p for p in problems if p not in before]
    if strict and new:
        raise ValidationError({"__all__": new})
    return problems


@transaction.atomic
def record_event(*, actor, case: Case, code: str, strict: bool = True, **fields) -> tuple[Event, list[str]]:
    if actor is not None and not perm.can_edit_event(actor, case, code):
        raise PermissionDenied("Bạn không có quyền ghi sự kiện này.")
    before = date_problems(case)
    ev = Event.objects.create(case=case, code=code, **_clean_event(code, fields))
    warnings = _after_event_change(case, strict, before)
    record("event.create", ev, f"Ghi {ev.get_code_display().lower()} – {case}", {"case": case.pk, **_snapshot(ev, EVENT_FIELDS)})
    return ev, warnings


@transaction.atomic
def update_event(*, actor, event: Event, strict: bool = True, **fields) -> tuple[Event, list[str]]:
    case = event.case
    if actor is not None and not perm.can_edit_event(actor, case, event.code):
        raise PermissionDenied("Bạn không có quyền sửa sự kiện này.")
    problems_before = date_problems(case)
    before = _snapshot(event, EVENT_FIELDS)
    merged = {**before, **fields}
    for k in ("date", "received", "end"):
        if isinstance(merged.get(k), str):
            merged[k] = dt.date.fromisoformat(merged[k])
    for k, v in _clean_event(event.code, merged).items():
        setattr(event, k, v)
    event.save()
    warnings = _after_event_change(case, strict, problems_before)
    changes = _diff(before, _snapshot(event, EVENT_FIELDS))
    if changes:
        record("event.update", event, f"Sửa {event.get_code_display().lower()} – {case}", {"case": case.pk, **changes})
    return event, warnings


@transaction.atomic
def delete_event(*, actor, event: Event) -> None:
    case = event.case
    if actor is not None and not perm.can_edit_event(actor, case, event.code):
        raise PermissionDenied("Bạn không có quyền xóa sự kiện này.")
    snap = _snapshot(event, EVENT_FIELDS)
    label = event.get_code_display().lower()
    pk = event.pk
    event.delete()
    refresh_summary(case)
    record("event.delete", case, f"Xóa {label} – {case}", {"event": pk, **snap})


# --- many new cases at once (the importer's first import of a book) -------------------------------------


class NewEvent:
    """An event not yet written, for bulk_create_cases: the attributes of an Event (a model
    instance costs ~15 µs to make; a book of 100,000 rows has a million events)."""

    __slots__ = ("pk", "case_id", "code", "created_at", *EVENT_FIELDS)

    def __init__(self, code: str, **fields):
        self.pk = self.case_id = self.created_at = None
        self.code = code
        get = fields.get
        for f in EVENT_FIELDS:
            setattr(self, f, get(f))
        self.number, self.outcome, self.note = get("number") or "", get("outcome") or "", get("note") or ""

    @property
    def id(self):
        return self.pk


_APPEAL_RESULTS = frozenset(r.value for r in AppealResult)


def _new_event(code: str, fields: dict) -> NewEvent:
    """NewEvent(code, **_clean_event(code, fields)) in one step (the same checks in the same order,
    the same errors; keys of `fields` other than the event's columns are ignored): a book of
    100,000 rows has a million events."""
    et = EVENT_TYPE_BY_CODE.get(code)
    if et is None:
        raise ValidationError({"code": "Loại sự kiện không hợp lệ."})
    get = fields.get
    ev = NewEvent.__new__(NewEvent)
    ev.pk = ev.case_id = ev.created_at = None
    ev.code = code
    v = get("number")
    ev.number = number = nfc(v).strip() if v else ""
    v = get("note")
    ev.note = nfc(v).strip() if v else ""
    if len(number) > 60:
        raise ValidationError({"number": "Số văn bản dài quá 60 ký tự."})
    if et.has_outcome:
        v = get("outcome")
        ev.outcome = nfc(v).strip() if v else ""
        ev.term_months = tm = get("term_months")
    else:
        ev.outcome, ev.term_months, tm = "", None, None
    ev.prosecutor_present = get("prosecutor_present") if et.has_presence else None
    ev.end = get("end") if et.has_end else None
    ar = get("appeal_result") if et.has_appeal_result else None
    if not ar:
        ar = None
    elif ar not in _APPEAL_RESULTS:
        raise ValidationError({"appeal_result": "Kết quả giải quyết khiếu nại, kiến nghị, kháng nghị không hợp lệ."})
    ev.appeal_result = ar
    ev.date, ev.received = d, r = get("date"), get("received")
    if not d and not r:
        raise ValidationError({"date": "Cần nhập ngày trên văn bản hoặc ngày Viện kiểm sát nhận."})
    if tm is not None and not (1 <= int(tm) <= 36):
        raise ValidationError({"term_months": "Thời hạn phải từ 1 đến 36 tháng."})
    return ev


def year_and_number(events) -> tuple[int | None, str]:
    """The (year, số thụ lý) summarize() gives a case with these events (objects with code, date
    and number), without the rest of the summary: the importer's matching of a row."""
    accepted = [e for e in events if e.code == "accepted"]
    dated = [e for e in accepted if e.date]
    acc = min(dated, key=lambda e: e.date) if dated else (accepted[0] if accepted else None)
    rec = [e for e in events if e.code == "court_received" and e.date]
    probe = Case.__new__(Case)  # only what _year_of reads
    probe.so_thu_ly = (acc.number if acc else "") or ""
    probe.thu_ly_date = acc.date if acc else None
    probe.received_date = min(rec, key=lambda e: e.date).date if rec else None
    return _year_of(probe), probe.so_thu_ly


class PreparedCase:
    """A new case checked as create_case would check it, not yet written: the unsaved Case (its
    summary columns set), its events (NewEvent) in creation order, and its date warnings."""

    __slots__ = ("case", "events", "warnings", "packed")

    def __init__(self, case: Case, events: list[Event], warnings: list[str]):
        self.case, self.events, self.warnings = case, events, warnings
        self.packed: bytes | None = None  # its CaseDigest, if the caller packed it already (digest())


_CASE_DEFAULTS: dict | None = None


def _case_defaults() -> dict:
    """The attributes of an empty Case (every column), made once."""
    global _CASE_DEFAULTS
    if _CASE_DEFAULTS is None:
        _CASE_DEFAULTS = {k: v for k, v in Case().__dict__.items() if k != "_state"}
    return _CASE_DEFAULTS


def _new_case(**kw) -> Case:
    """Case(**kw) without Model.__init__ (a tenth of the time; prepare_case makes one per row of a
    big book): the defaults of an empty Case, then each keyword set as __init__ sets it (a related
    object through its descriptor). Plain Case(**kw) when anything listens to Case's init signals."""
    from django.db.models import signals
    from django.db.models.base import ModelState

    if signals.pre_init.has_listeners(Case) or signals.post_init.has_listeners(Case):
        return Case(**kw)
    _case_defaults()
    case = Case.__new__(Case)
    d = case.__dict__
    d.update(_CASE_DEFAULTS)
    d["_state"] = ModelState()
    for k, v in kw.items():
        setattr(case, k, v)
    return case


def prepare_case(*, actor, unit, data: dict, events: list[dict] | None = None, source: str = Case.Source.MANUAL,
                 tracked_events: list[str] | None = None, today: dt.date | None = None) -> PreparedCase:
    """What create_case(strict=False) would write, without writing it (no database access).
    Raises ValidationError as create_case does. The duplicate số thụ lý check against the
    database is the caller's (the importer's index) and bulk_create_cases' (one query)."""
    if actor is not None and not perm.can_create_case(actor):
        raise PermissionDenied("Bạn không có quyền tạo vụ việc.")
    data = _clean_text(data)
    _validate_case_fields(data, today)
    if data.get("birth_date") and not data.get("birth_year"):
        data["birth_year"] = data["birth_date"].year
    case = _new_case(unit=unit, source=source, tracked_events=tracked_events,
                     **{k: v for k, v in data.items() if k in CASE_FIELDS or k.endswith("_id")})
    if actor is not None and case.assigned_to_id is None and actor.role != "leader":
        case.assigned_to = actor
    evs = [_new_event(ev["code"], ev) for ev in events or []]
    summarize(case, evs)
    warnings = [p.message for p in check_dates([(e.code, e.date, e.end) for e in evs], today or local_today())]
    return PreparedCase(case, evs, warnings)


def next_id(model) -> int:
    """The id the database would give the next row of `model` (SQLite AUTOINCREMENT never reuses
    an id, so its sequence counts too)."""
    from django.db import connection
    from django.db.models import Max

    top = model.objects.aggregate(m=Max("pk"))["m"] or 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
            row = cur.fetchone()
        if row and row[0]:
            top = max(top, int(row[0]))
    return top + 1


def take_ids(model, n: int) -> list[int]:
    """n new ids for rows of `model`, ascending. PostgreSQL: drawn from the table's sequence (so
    two imports at once get different ids; an unused id is a gap, as with any sequence). SQLite
    (one writer at a time): the next n after the largest id ever given."""
    from django.db import connection

    if n <= 0:
        return []
    if connection.vendor == "postgresql":
        table, col = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cur:
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, col, n])
            return sorted(r[0] for r in cur.fetchall())
    first = next_id(model)
    return list(range(first, first + n))


def _sequence_past(model, top: int) -> None:
    """PostgreSQL: move the sequence of `model` past `top` if it is behind (an id the caller chose
    instead of taking it from take_ids); never backwards (other transactions may be using it)."""
    from django.db import connection

    table, col = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, col])
        seq = cur.fetchone()[0]
        cur.execute(f"SELECT last_value, is_called FROM {seq}")
        last, called = cur.fetchone()
        if top > last or (top == last and not called):
            cur.execute("SELECT setval(%s, %s)", [seq, top])


def _converters(model, connection):
    """attname -> (field, function making the value ready for the driver) for model's columns."""
    from django.db import models as m

    out = []
    for f in model._meta.concrete_fields:
        if isinstance(f, m.DateTimeField):
            conv = connection.ops.adapt_datetimefield_value
        elif isinstance(f, m.DateField):
            conv = None  # both drivers take date objects as they are (sqlite3: Django's adapter, ISO 8601)
        elif isinstance(f, m.JSONField):  # what get_db_prep_save ends in, for a plain value
            conv = (lambda enc, adapt: lambda v: adapt(v, enc))(f.encoder, connection.ops.adapt_json_value)
        elif isinstance(f, m.BinaryField):
            conv = (lambda f_: lambda v: f_.get_db_prep_save(v, connection))(f)
        else:
            conv = None
        out.append((f, conv))
    return out


def _insert_rows(model, objs, extra: dict | None = None, skip: tuple[str, ...] = (),
                 ready: tuple[str, ...] = ()) -> None:
    """Plain multi-row INSERTs (_insert_plain) of model's columns from objs' attributes (extra:
    attname -> one value for every row; skip: columns left to the database; ready: columns whose
    values the caller has already made ready for the driver, e.g. JSON — see converters()). The
    ORM's bulk_create spends most of its time building model instances and compiling SQL."""
    from operator import attrgetter

    from django.db import connection

    extra = extra or {}
    cols = [(f, conv) for f, conv in _converters(model, connection) if f.attname not in skip]
    varying = [(f, conv) for f, conv in cols if f.attname not in extra]
    fixed_cols = [(f, conv) for f, conv in cols if f.attname in extra]
    fixed = tuple(conv(extra[f.attname]) if conv and extra[f.attname] is not None else extra[f.attname]
                  for f, conv in fixed_cols)
    names = [f.attname for f, _ in varying]
    get = attrgetter(*names) if len(names) > 1 else (lambda o, g=attrgetter(*names): (g(o),))
    convs = [(i, conv) for i, (f, conv) in enumerate(varying) if conv is not None and f.attname not in ready]
    columns = (*names, *(f.attname for f, _ in fixed_cols))
    for i in range(0, len(objs), 5000):
        rows = [get(o) + fixed for o in objs[i:i + 5000]]
        if convs:
            rows = [list(r) for r in rows]
            for r in rows:
                for j, conv in convs:
                    if r[j] is not None:
                        r[j] = conv(r[j])
        _insert_plain(model, columns, rows)


def _copy_history(model, ids: list[int], hist: dict) -> None:
    """INSERT INTO the history table of `model` … SELECT the rows with these ids, just inserted
    (one statement per unbroken run of ascending ids, no values sent twice), in id order like the
    row-by-row inserts; `hist`: the history columns' values."""
    from django.db import connection

    if not ids:
        return
    hmodel = model.history.model
    own = {f.column for f in model._meta.concrete_fields}
    cols, values, params = [], [], []
    for f in hmodel._meta.concrete_fields:
        if f.attname == "history_id":
            continue
        if f.attname in hist:
            v = hist[f.attname]
            if v is not None and f.attname == "history_date":
                v = connection.ops.adapt_datetimefield_value(v)
            cols.append(f.column)
            values.append("%s")
            params.append(v)
        elif f.column in own:
            cols.append(f.column)
            values.append(connection.ops.quote_name(f.column))
        else:
            raise TypeError(f"{hmodel.__name__}.{f.name}: a history column the model does not have")
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(hmodel._meta.db_table)} ({', '.join(qn(c) for c in cols)}) "
           f"SELECT {', '.join(values)} FROM {qn(model._meta.db_table)} "
           f"WHERE {qn(model._meta.pk.column)} BETWEEN %s AND %s ORDER BY {qn(model._meta.pk.column)}")
    runs, start = [], 0
    for k in range(1, len(ids) + 1):
        if k == len(ids) or ids[k] != ids[k - 1] + 1:
            runs.append((ids[start], ids[k - 1]))
            start = k
    with connection.cursor() as cur:
        for first, last in runs:
            cur.execute(sql, [*params, first, last])


insert_rows = _insert_rows  # for other bulk writers of plain rows (the importer's ImportRows)
converters = _converters


# --- a new case as plain values: what bulk_create_cases writes (and the importer hands between processes) ---


_ROW_SKIP = {"cases_case": ("id", "created_at", "updated_at"), "cases_event": ("id", "case_id", "created_at")}


def _row_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if f.attname not in _ROW_SKIP[model._meta.db_table]]


_ISO: dict[dt.date, str] = {}


def _iso(d: dt.date) -> str:
    """d.isoformat(), one text per day (a book repeats a few thousand days; shared texts also pass
    between processes once)."""
    try:
        return _ISO[d]
    except KeyError:
        if len(_ISO) > 100_000:
            _ISO.clear()
        s = _ISO[d] = d.isoformat()
        return s


def _json_text(encoder):
    """json.dumps with `encoder`, one text per distinct list of plain values (the tracked events of a
    book's cases are one list: encoded once, and the same text crosses between processes once)."""
    import json

    cache: dict[tuple, str] = {}

    def conv(v):
        if isinstance(v, list) and all(type(x) is str for x in v):  # texts only: no 1 == True == 1.0 keys
            key = tuple(v)
            text = cache.get(key)
            if text is None:
                if len(cache) > 1000:
                    cache.clear()
                text = cache[key] = json.dumps(v, cls=encoder)
            return text
        return json.dumps(v, cls=encoder)

    return conv


def _plain_converter(f):
    """A function making a value of field f something every driver takes as it is (str, int,
    bool, bytes, None): dates as ISO 8601 text (what Django's SQLite adapter makes of them;
    PostgreSQL reads the text into its date column), JSON as its text (Django's encoding)."""

    from django.db import models as m

    if isinstance(f, m.DateTimeField):
        raise TypeError(f"{f.name}: a date-time column in a prepared row is not supported")
    if isinstance(f, m.DateField):
        return _iso
    if isinstance(f, m.JSONField):
        return _json_text(f.encoder)
    if isinstance(f, m.BinaryField):
        return bytes
    return None


CASE_ROW_COLUMNS: tuple[str, ...] = tuple(f.attname for f in _row_fields(Case))
EVENT_ROW_COLUMNS: tuple[str, ...] = tuple(f.attname for f in _row_fields(Event))
CASE_ROW_INDEX = {name: i for i, name in enumerate(CASE_ROW_COLUMNS)}
_CASE_CONV = [(i, c) for i, f in enumerate(_row_fields(Case)) if (c := _plain_converter(f)) is not None]
_CASE_CHOICES = [i for i, f in enumerate(_row_fields(Case)) if f.choices and _plain_converter(f) is None]
_EVENT_DATES = [i for i, f in enumerate(_row_fields(Event)) if _plain_converter(f) is not None]  # (all DateFields)


def case_row(p: PreparedCase) -> tuple[list, list[list], list[str], bytes]:
    """A prepared case as plain values: (its columns in CASE_ROW_COLUMNS order, each event's
    columns in EVENT_ROW_COLUMNS order, its date warnings, its packed digest) — what
    write_case_rows writes. Plain str, int, bool, bytes and None only (marshal-able): dates as
    ISO 8601 text, JSON as its text, choices (StrEnum…) as plain text."""
    from operator import attrgetter

    case, events = p.case, p.events
    if len({e.code for e in events}) < len(events):
        # ties between events of one kind go by id, as in refresh_summary: ids follow this order
        for n, e in enumerate(events, 1):
            e.pk = n
        summarize(case, events)
    d = case.__dict__
    vals = [d[k] for k in CASE_ROW_COLUMNS]
    for i, conv in _CASE_CONV:
        if vals[i] is not None:
            vals[i] = conv(vals[i])
    for i in _CASE_CHOICES:
        if vals[i] is not None:
            vals[i] = str.__str__(vals[i])  # the text itself, whatever the subclass's str() says
    global _event_getter
    if _event_getter is None:
        _event_getter = attrgetter(*EVENT_ROW_COLUMNS)
    get, dates = _event_getter, _EVENT_DATES
    evs = []
    iso = _ISO.get
    for e in events:  # built by _new_event: text is plain str already (nfc); only dates to convert
        row = list(get(e))
        for i in dates:
            v = row[i]
            if v is not None:
                row[i] = iso(v) or _iso(v)
        evs.append(row)
    packed = p.packed if p.packed is not None else digest(case.measure, case.complex, case.tracked_events, events)
    return vals, evs, list(p.warnings), packed


_event_getter = None


def with_references(vals: list, *, unit, court, proposer=None, assigned_to=None) -> list:
    """The values of case_row with the case's unit, court, proposer and staff (ids) set."""
    ix = CASE_ROW_INDEX
    vals[ix["unit_id"]], vals[ix["court_id"]] = unit.pk, court.pk
    vals[ix["proposer_id"]] = proposer.pk if proposer is not None else None
    vals[ix["assigned_to_id"]] = assigned_to.pk if assigned_to is not None else None
    return vals


def bulk_create_cases(prepared: list[PreparedCase], *, actor=None, audit: bool = True, summary: str = "") -> list[Case]:
    """Write many new cases at once: the cases with their summary columns, their events, the
    simple-history rows of both ("+", by `actor`, now), their CaseDigests and — unless
    audit=False, when the caller records one entry for its whole batch with record_bulk_create —
    ONE audit entry. The result is what create_case(strict=False) gives for each, apart from the
    history rows recording the case as created (summary included) and one audit entry instead of
    one per case. Cases with pk set keep it; others are numbered here.
    Raises ValidationError, writing nothing, if a số thụ lý repeats within `prepared` or is
    already in the register for the same court and year."""
    from django.db import connection

    if not prepared:
        return []
    cases = [p.case for p in prepared]
    with transaction.atomic():
        # refused before ids are taken (a sequence does not give them back); write_case_rows checks again
        _check_duplicates_bulk([(c.court_id, c.year, c.so_thu_ly, c.person_name) for c in cases])
        fresh = iter(take_ids(Case, sum(1 for c in cases if c.pk is None)))
        for c in cases:
            if c.pk is None:
                c.pk = next(fresh)
        rows = [(p.case.pk, *case_row(p)) for p in prepared]
        now, eids = write_case_rows([(pk, vals, evs, packed) for pk, vals, evs, _w, packed in rows], actor=actor)
        it = iter(eids)
        for p in prepared:
            c = p.case
            c.created_at = c.updated_at = now
            c._state.adding, c._state.db = False, connection.alias
            for e in p.events:
                e.pk, e.case_id, e.created_at = next(it), c.pk, now
        if audit:
            record_bulk_create([c.pk for c in cases], {c.unit_id for c in cases}, cases[0].source,
                               sum(len(p.events) for p in prepared), summary=summary, user=actor)
    return cases


def write_case_rows(rows: list[tuple[int, list, list[list], bytes]], *, actor=None) -> tuple[dt.datetime, list[int]]:
    """Write new cases given as (id, case_row values with references set, event values, packed
    digest): the cases, their events (ids numbered here, in order), the history rows of both
    ("+", by `actor`, now), the CaseDigests and the search index — plain multi-row INSERTs, the
    history copied by the database. The one place new cases are written in bulk. Returns (now —
    their created_at —, the events' ids in order). Raises ValidationError, writing nothing, if a
    số thụ lý repeats within `rows` or is already in the register for the same court and year."""
    from django.db import connection

    from kiemsat.search import index as search_index

    if not rows:
        return timezone.now(), []
    ix = CASE_ROW_INDEX
    i_court, i_year, i_stl, i_name = ix["court_id"], ix["year"], ix["so_thu_ly"], ix["person_name"]
    with transaction.atomic():
        _check_duplicates_bulk([(v[i_court], v[i_year], v[i_stl], v[i_name]) for _pk, v, _e, _p in rows])
        now = timezone.now()
        stamp = connection.ops.adapt_datetimefield_value(now)
        n_events = sum(len(e) for _pk, _v, e, _p in rows)
        eids = take_ids(Event, n_events)
        event_rows = []
        it = iter(eids)
        for pk, _v, evs, _p in rows:
            for ev in evs:
                event_rows.append((next(it), pk, stamp, *ev))
        case_ids = [pk for pk, _v, _e, _p in rows]
        with search_index.bulk_insert(connection, Case._meta.db_table, lambda: case_ids):
            _insert_plain(Case, ("id", *CASE_ROW_COLUMNS, "created_at", "updated_at"),
                          [(pk, *v, stamp, stamp) for pk, v, _e, _p in rows])
        _insert_plain(Event, ("id", "case_id", "created_at", *EVENT_ROW_COLUMNS), event_rows)
        user_id = getattr(actor, "pk", None)
        hist = {"history_date": now, "history_type": "+", "history_user_id": user_id, "history_change_reason": None}
        # the history rows are copies of the rows just written, made by the database (ids in runs)
        _copy_history(Case, case_ids, hist)
        _copy_history(Event, eids, hist)
        _insert_plain(CaseDigest, ("case_id", "packed"), [(pk, p) for pk, _v, _e, p in rows])
        if connection.vendor == "postgresql":
            _sequence_past(Case, max(case_ids))  # only if a caller numbered cases itself
    return now, eids


def _insert_plain(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Multi-row INSERTs of rows of plain values (columns: attnames, in the rows' order)."""
    from django.db import connection

    qn = connection.ops.quote_name
    fields = {f.attname: f.column for f in model._meta.concrete_fields}
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(fields[c]) for c in columns)}) VALUES "
    one = f"({', '.join(['%s'] * len(columns))})"
    per = max(1, min(100, 900 // len(columns)))  # several rows per statement: a third faster on both databases
    chain = itertools.chain.from_iterable
    whole = len(rows) - len(rows) % per
    with connection.cursor() as cur:
        if whole:
            cur.executemany(head + ", ".join([one] * per), [list(chain(rows[k:k + per])) for k in range(0, whole, per)])
        if whole < len(rows):
            cur.execute(head + ", ".join([one] * (len(rows) - whole)), list(chain(rows[whole:])))


def record_bulk_create(ids: list[int], units, source: str, n_events: int, summary: str = "", obj=None,
                       user=None) -> None:
    """The one audit entry of a bulk creation of cases (obj: what they came with, e.g. an import batch)."""
    if not ids:
        return
    record("case.bulk_create", obj, summary or f"Tạo {len(ids)} vụ việc",
           {"cases": len(ids), "events": n_events, "first": min(ids), "last": max(ids),
            "source": source, "units": sorted(set(units))}, user=user)


def _check_duplicates_bulk(keys: list[tuple]) -> None:
    """keys: (court id, year, số thụ lý, person's name) of new cases."""
    seen: dict[tuple, str] = {}
    for court_id, year, stl, name in keys:
        if not stl:
            continue
        key = (court_id, year, stl)
        if key in seen:
            raise ValidationError({"number": f"Số thụ lý {stl} lặp lại trong các vụ việc được tạo "
                                             f"({seen[key]}, {name})."})
        seen[key] = name
    if not seen:
        return
    from django.db import connection

    numbers = sorted({k[2] for k in seen})
    qn = connection.ops.quote_name
    head = (f"SELECT {qn('court_id')}, {qn('year')}, {qn('so_thu_ly')}, {qn('person_name')} "
            f"FROM {qn(Case._meta.db_table)} WHERE {qn('so_thu_ly')} IN ")
    for i in range(0, len(numbers), 500):
        # by số thụ lý only (its index: a few rows each); the court is checked here — with a filter on
        # the court too, SQLite may walk the court's index instead, every case of the court per chunk.
        # Plain SQL: the ORM spent more building this query than the database answering it
        part = numbers[i:i + 500]
        with connection.cursor() as cur:
            cur.execute(head + f"({', '.join(['%s'] * len(part))})", part)
            found = cur.fetchall()
        for court_id, year, stl, name in found:
            if (court_id, year, stl) in seen:
                raise ValidationError({"number": f"Số thụ lý {stl} đã có trong sổ của Tòa án này năm {year} "
                                                 f"(vụ việc của {name})."})
