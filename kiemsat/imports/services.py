"""Importing a unit's own workbook: one use case, one transaction.

``import_workbook(path, actor=..., ...)`` reads the book with the pure reader
(``kiemsat.domain.workbook``), then turns every row into one Case through
``kiemsat.cases.services.create_case`` — or recognises a row imported before (same file and
row, same court + year + số thụ lý, or same person and dates) and brings that case up to date
with the book, keeping any value edited in the app since the last import as a conflict. Nothing
is dropped silently: each row ends as imported, updated, already there or skipped with the
reason. The batch, every row (with the book's own flag columns, raw, for reconciliation) and an
audit entry are stored; a dry run rolls it all back and only returns the report.

Views and the ``import-excel`` command call these functions; they hold no import logic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from kiemsat.audit.context import Actor, reset_actor, set_actor
from kiemsat.audit.services import record
from kiemsat.cases import services as case_services
from kiemsat.cases.export import flat_case
from kiemsat.cases.models import Case
from kiemsat.domain.events import FLAT_EVENT_FIELDS, outcome_from_label
from kiemsat.domain.vntext import fold, tidy_name
from kiemsat.domain.workbook import WorkbookError, WorkbookReading, read_workbook
from kiemsat.org.models import Agency, Court, Role, Unit, User

from . import worker
from .fields import FLAT_ORDER, label
from .models import ImportBatch, ImportRow, MappingProfile
from .permissions import can_import
from .rows import Encoded, PreRow
from .rows import jsonable as _jsonable
from .rows import shown as _shown

log = logging.getLogger(__name__)

__all__ = [
    "ImportReport",
    "RowReport",
    "WorkbookError",
    "import_workbook",
    "store_upload",
    "save_profile",
    "delete_profile",
    "get_profile",
    "set_batch_mapping",
    "resolve_unit",
    "resolve_court",
    "effective_mapping",
    "start_import",
    "progress_of",
    "file_sha256",
]

ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
DEFAULT_UNIT_NAME = "Viện kiểm sát (nhập từ sổ Excel)"
DEFAULT_COURT_NAME = "Tòa án (nhập từ sổ Excel)"
ROW_CHUNK = 500

# flat case keys -> Case fields (the rest of the flat view is events, see FLAT_EVENT_FIELDS)
_CASE_KEYS = {
    "name": "person_name",
    "birth_year": "birth_year",
    "address": "residence",
    "measure": "measure",
    "proposer": "proposer",
    "complex": "complex",
    "vks_proposal": "vks_proposal",
    "staff": "assigned_to",
}
_MATCH_DATES = ("detected", "dossier_prepared", "court_received", "accepted", "decision_date")


# --- report --------------------------------------------------------------------------------------


@dataclass
class RowReport:
    sheet: str
    row: int
    status: str  # ImportRow.Status value
    case_id: int | None = None
    name: str = ""
    so_thu_ly: str = ""
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    updated: dict[str, list] = field(default_factory=dict)  # flat key -> [app before, book]
    conflicts: dict[str, dict] = field(default_factory=dict)  # flat key -> {"book":…, "app":…, "last":…}

    @property
    def status_label(self) -> str:
        return ImportRow.Status(self.status).label

    def as_json(self) -> dict:
        out = {
            "sheet": self.sheet,
            "row": self.row,
            "status": self.status,
            "status_label": self.status_label,
            "case": self.case_id,
            "name": self.name,
            "so_thu_ly": self.so_thu_ly or None,
            "reason": self.reason or None,
            "warnings": self.warnings,
        }
        if self.updated:
            out["updated"] = self.updated
        if self.conflicts:
            out["conflicts"] = self.conflicts
        return out


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    dry_run: bool
    unit: str = ""
    court: str = ""
    batch_id: int | None = None
    as_of: dt.date | None = None
    rows: list[RowReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sheets: list[dict] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        c = {s.value: 0 for s in ImportRow.Status}
        for r in self.rows:
            c[r.status] += 1
        c["total"] = len(self.rows)
        c["with_warnings"] = sum(1 for r in self.rows if r.warnings)
        c["conflicts"] = sum(1 for r in self.rows if r.conflicts)
        return c

    def summary(self) -> str:
        c = self.counts
        head = "Chạy thử (không ghi gì): " if self.dry_run else ""
        return (
            f"{head}{c['total']} dòng: {c['imported']} nhập mới, {c['updated']} cập nhật, {c['existing']} đã có, "
            f"{c['skipped']} bỏ qua; {c['with_warnings']} dòng có cảnh báo"
            + (f", {c['conflicts']} dòng có xung đột" if c["conflicts"] else "")
            + f" ({self.elapsed:.1f} giây)."
        )

    def as_json(self) -> dict:
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "dry_run": self.dry_run,
            "batch": self.batch_id,
            "unit": self.unit,
            "court": self.court,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "counts": self.counts,
            "warnings": self.warnings,
            "sheets": self.sheets,
            "elapsed": round(self.elapsed, 3),
            "rows": [r.as_json() for r in self.rows],
        }


class _DryRun(Exception):
    pass


# --- small helpers ---------------------------------------------------------------------------------


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _blank(v) -> bool:
    return v is None or v == "" or v is False


def effective_mapping(reading: WorkbookReading) -> dict[str, str | None]:
    """The mapping the reading used, as a profile: header (or column letter when the header is
    blank or repeated on its sheet) -> field, None for an ignored column."""
    out: dict[str, str | None] = {}
    for cols in reading.columns.values():
        seen: dict[str, int] = {}
        for c in cols:
            seen[c.header] = seen.get(c.header, 0) + 1
        for c in cols:
            key = c.header if c.header and seen[c.header] == 1 else c.letter
            out.setdefault(key, c.field)
    return out


# --- reference data --------------------------------------------------------------------------------

_LEVEL_WORDS = ("huyện", "quận", "thị xã", "thành phố", "tỉnh", "thị trấn", "khu vực", "cấp cao", "tối cao")


def _org_name(text: str, head_folded: str, head: str) -> str | None:
    """"VIỆN KIỂM SÁT NHÂN DÂN HUYỆN AN LẠC" -> "Viện kiểm sát nhân dân huyện An Lạc"."""
    t = " ".join(str(text).split())
    f = fold(t)
    if not f.startswith(head_folded):
        return None
    rest = t[len(head):].strip(" :-–")
    if t.isupper() or rest.isupper():
        low = rest.lower()
        for w in sorted(_LEVEL_WORDS, key=len, reverse=True):
            if low.startswith(w + " "):
                place = low[len(w) + 1:]
                rest = f"{w} {tidy_name(place)}"
                break
        else:
            rest = low
    return f"{head} {rest}".strip()


def _unit_name_from_titles(titles: list[str]) -> str | None:
    for t in titles:
        name = _org_name(t, "vien kiem sat nhan dan", "Viện kiểm sát nhân dân")
        if name and name != "Viện kiểm sát nhân dân":
            return name
    return None


def _find_by_name(model, name: str):
    name = " ".join(name.split())
    obj = model.objects.filter(name=name).first()
    if obj is None:
        f = fold(name)
        obj = next((o for o in model.objects.all() if fold(o.name) == f), None)
    return obj


def resolve_unit(unit: Unit | str | None, reading: WorkbookReading | None = None) -> Unit:
    """The unit to import into: the one given (by name: found, else created), else the only
    unit, else the one the book's title names (found or created), else a new unit."""
    if isinstance(unit, Unit):
        return unit
    if unit:
        return _find_by_name(Unit, unit) or Unit.objects.create(name=" ".join(unit.split()))
    if Unit.objects.count() == 1:
        return Unit.objects.get()
    name = _unit_name_from_titles(reading.titles if reading else []) or DEFAULT_UNIT_NAME
    return _find_by_name(Unit, name) or Unit.objects.create(name=name)


def resolve_court(court: Court | str | None, unit: Unit | None = None) -> Court:
    """The court the book's cases are before: the one given (by name: found, else created),
    else the only court, else the court of the unit's place ("Viện kiểm sát nhân dân huyện X"
    -> "Tòa án nhân dân huyện X"), found or created."""
    if isinstance(court, Court):
        return court
    if court:
        return _find_by_name(Court, court) or Court.objects.create(name=" ".join(court.split()))
    if Court.objects.count() == 1:
        return Court.objects.get()
    name = suggest_court_name(unit)
    return _find_by_name(Court, name) or Court.objects.create(name=name)


def suggest_court_name(unit: Unit | None) -> str:
    """The only court if there is one, else the court of the unit's place, else a placeholder."""
    if Court.objects.count() == 1:
        return Court.objects.get().name
    if unit is not None:
        words = unit.name.split()
        if fold(" ".join(words[:5])) == "vien kiem sat nhan dan" and len(words) > 5:
            return "Tòa án nhân dân " + " ".join(words[5:])
    return DEFAULT_COURT_NAME


def _agency_kind(name: str) -> str:
    f = fold(name)
    if "lao dong" in f or "ldtb" in f or "ld tb" in f:
        return Agency.Kind.LDTBXH
    if "cong an" in f:
        return Agency.Kind.POLICE
    if "uy ban" in f or "ubnd" in f:
        return Agency.Kind.COMMUNE
    return Agency.Kind.OTHER


class _Refs:
    """Agencies and staff resolved by name, once per import."""

    def __init__(self, unit: Unit):
        self.unit = unit
        self.agencies = {fold(a.name): a for a in Agency.objects.all()}
        self.staff = {fold(u.full_name): u for u in User.objects.filter(unit=unit) if u.full_name}
        self.created_staff: list[str] = []
        self.created_agencies: list[str] = []
        self.before_write: Callable[[], None] | None = None  # the importer's bulk writer: wait for it first
        self._seen: dict[tuple[str, Any], Agency | User | None] = {}

    def agency(self, name: str) -> Agency | None:
        try:
            return self._seen[("agency", name)]  # the same text as a row before: the same answer
        except KeyError:
            pass
        found = self._seen[("agency", name)] = self._agency(name)
        return found

    def user(self, name: str) -> User | None:
        try:
            return self._seen[("user", name)]
        except KeyError:
            pass
        found = self._seen[("user", name)] = self._user(name)
        return found

    def _agency(self, name: str) -> Agency | None:
        name = " ".join((name or "").split())
        if not name:
            return None
        key = fold(name)
        if key not in self.agencies:
            if self.before_write is not None:
                self.before_write()
            self.agencies[key] = Agency.objects.create(name=name[:200], kind=_agency_kind(name))
            self.created_agencies.append(name)
        return self.agencies[key]

    def _user(self, name: str) -> User | None:
        name = " ".join((name or "").split())
        if not name:
            return None
        key = fold(name)
        if key not in self.staff:
            if self.before_write is not None:
                self.before_write()
            base = "so-excel-" + re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:100]
            username, n = base, 1
            while User.objects.filter(username=username).exists():
                n += 1
                username = f"{base}-{n}"
            u = User(username=username, full_name=name[:120], role=Role.SPECIALIST, unit=self.unit, is_active=False,
                     title="Tạo khi nhập sổ Excel")
            u.set_unusable_password()
            u.save()
            record("user.create", u, f"Tạo tài khoản (chưa kích hoạt) cho cán bộ {name} khi nhập sổ Excel",
                   {"unit": self.unit.pk, "active": False})
            self.staff[key] = u
            self.created_staff.append(name)
        return self.staff[key]


# --- matching rows already in the register --------------------------------------------------------------


class _Index:
    def __init__(self, unit: Unit, court: Court, sha256: str):
        # (year, số thụ lý) -> (case id, person's name, unit id) for the court's cases
        self.by_number: dict[tuple[int | None, str], tuple[int, str, int]] = {}
        cases = Case.objects.filter(court=court).exclude(so_thu_ly="")
        for pk, year, stl, name, unit_id in cases.values_list("pk", "year", "so_thu_ly", "person_name", "unit_id"):
            self.by_number[(year, stl)] = (pk, name, unit_id)
        self.by_name: dict[str, list[int]] = {}
        for pk, name in Case.objects.filter(unit=unit).order_by("pk").values_list("pk", "person_name"):
            self.by_name.setdefault(fold(name), []).append(pk)
        self.by_source: dict[tuple[str, int], int] = {}
        done = ImportRow.objects.filter(batch__sha256=sha256, batch__status=ImportBatch.Status.DONE, case__isnull=False,
                                        case__unit=unit)
        for sheet, row, case_id in done.values_list("sheet", "row_number", "case_id").order_by("id"):
            self.by_source[(sheet, row)] = case_id
        self.created_by_row: dict[int, int] = {}  # case id -> row number of this book

    def add(self, pk: int, so_thu_ly: str, year: int | None, person_name: str, unit_id: int, row: int) -> None:
        if so_thu_ly:
            self.by_number[(year, so_thu_ly)] = (pk, person_name, unit_id)
        self.by_name.setdefault(fold(person_name), []).append(pk)
        self.created_by_row[pk] = row


def _load(pk: int) -> tuple[Case, dict]:
    """A case and its flat view."""
    case = Case.objects.select_related("proposer", "assigned_to").get(pk=pk)
    return case, flat_case(case, list(case.events.order_by("pk")))


def _match_by_dates(book: dict, candidates: list[int]) -> Case | None:
    for pk in candidates:
        if not Case.objects.filter(pk=pk).exists():
            continue
        case, flat = _load(pk)
        equal = differ = 0
        for k in _MATCH_DATES:
            b, a = book.get(k), flat.get(k)
            if b and a:
                if b == a:
                    equal += 1
                else:
                    differ += 1
        by_b, by_a = book.get("birth_year"), flat.get("birth_year")
        if by_b and by_a and by_b != by_a:
            differ += 1
        if equal and not differ:
            return case
    return None


# --- updating a case from the book ------------------------------------------------------------------------


def _same(a, b) -> bool:
    if _blank(a) and _blank(b):
        return True
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()) == " ".join(b.split())
    return a == b


_MISSING = object()


def _three_way(book, app, last) -> str:
    """"none" | "update" | "conflict" for one value: the book's, the app's now, and the book's at
    the last import of this case (_MISSING if never imported)."""
    if _same(book, app):
        return "none"
    if _blank(book):
        # the book has nothing where the app has a value: keep it; say so only if the book had it
        return "conflict" if last is not _MISSING and _same(last, app) else "none"
    if last is not _MISSING:
        if _same(app, last):
            return "update"
        if _same(book, last):
            return "none"  # edited in the app, unchanged in the book: the app wins quietly
        return "conflict"
    return "update" if _blank(app) else "conflict"


def _flat_to_event_attr(key: str, v):
    code, attr = FLAT_EVENT_FIELDS[key]
    if attr in ("date", "received"):
        return dt.date.fromisoformat(v) if v else None
    if attr == "outcome":
        o = outcome_from_label(v)
        return o.value if o else ""
    if attr == "number":
        return v or ""
    return v


def _update_from_book(case: Case, app: dict, book: dict, note: str, last: ImportRow | None, refs: _Refs,
                      rep: RowReport) -> None:
    last_values = last.values if last is not None else None
    case_data: dict[str, Any] = {}
    event_attrs: dict[str, dict[str, Any]] = {}
    for key in FLAT_ORDER:
        if key not in book:
            continue
        b = book[key]
        a = app.get(key)
        lv = last_values.get(key, _MISSING) if last_values is not None else _MISSING
        verdict = _three_way(b, a, lv)
        if verdict == "none":
            continue
        if verdict == "conflict":
            rep.conflicts[key] = {"book": b, "app": a, **({"last": lv} if lv is not _MISSING else {})}
            continue
        rep.updated[key] = [a, b]
        if key in _CASE_KEYS:
            f = _CASE_KEYS[key]
            if f == "proposer":
                case_data[f] = refs.agency(b or "")
            elif f == "assigned_to":
                case_data[f] = refs.user(b or "")
            elif f == "complex":
                case_data[f] = bool(b)
            else:
                case_data[f] = b if b is not None else ("" if f != "birth_year" else None)
        else:
            code, attr = FLAT_EVENT_FIELDS[key]
            event_attrs.setdefault(code, {})[attr] = _flat_to_event_attr(key, b)
    # the notes: the book's note is kept beside what the app has
    ln = last.note if last is not None else _MISSING
    if note and note not in (case.notes or ""):
        verdict = _three_way(note, case.notes, ln)
        if verdict == "update" or (verdict == "conflict" and ln is _MISSING):
            case_data["notes"] = f"{case.notes}\n{note}" if case.notes else note
            rep.updated["note"] = [case.notes, case_data["notes"]]
        elif verdict == "conflict":
            rep.conflicts["note"] = {"book": note, "app": case.notes, "last": ln}

    if case_data:
        try:
            with transaction.atomic():
                case_services.update_case(actor=None, case=case, data=case_data)
        except ValidationError as exc:
            rep.warnings.append("Không cập nhật được vụ việc: " + "; ".join(exc.messages))
            for k in [k for k in rep.updated if k in _CASE_KEYS or k == "note"]:
                rep.updated.pop(k)
    for code, attrs in event_attrs.items():
        evs = [e for e in case.events.filter(code=code)]
        ev = max(evs, key=lambda e: (e.date or e.received, e.pk)) if evs else None
        try:
            with transaction.atomic():
                if ev is not None:
                    case_services.update_event(actor=None, event=ev, strict=False, **attrs)
                else:
                    case_services.record_event(actor=None, case=case, code=code, strict=False, **attrs)
        except ValidationError as exc:
            keys = [k for k, (c, _a) in FLAT_EVENT_FIELDS.items() if c == code and k in rep.updated]
            for k in keys:
                rep.conflicts[k] = {"book": rep.updated[k][1], "app": rep.updated[k][0]}
                rep.updated.pop(k)
            rep.warnings.append(
                f"Không cập nhật được {', '.join(label(k) for k in keys)}: " + "; ".join(exc.messages)
            )
    for key, c in rep.conflicts.items():
        rep.warnings.append(
            f"Xung đột ở «{label(key)}»: sổ ghi {_shown(c['book'])}, phần mềm ghi {_shown(c['app'])}"
            + (" (đã sửa trên phần mềm sau lần nhập trước)" if "last" in c else "")
            + " — giữ giá trị trên phần mềm"
        )


# --- the use case ---------------------------------------------------------------------------------------


def get_profile(name: str) -> MappingProfile:
    try:
        return MappingProfile.objects.get(name=name)
    except MappingProfile.DoesNotExist:
        f = fold(name)
        for p in MappingProfile.objects.all():
            if fold(p.name) == f:
                return p
        raise WorkbookError(f"Không có hồ sơ ánh xạ tên «{name}»") from None


def _profile_dict(profile) -> tuple[dict | None, MappingProfile | None]:
    if profile is None or profile == {}:
        return None, None
    if isinstance(profile, MappingProfile):
        return dict(profile.mapping), profile
    if isinstance(profile, str):
        p = get_profile(profile)
        return dict(p.mapping), p
    return dict(profile), None


def import_workbook(
    path: str | Path,
    *,
    actor,
    unit: Unit | str | None = None,
    court: Court | str | None = None,
    profile: MappingProfile | dict | str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch: ImportBatch | None = None,
    file_name: str | None = None,
    bulk: bool = True,
) -> ImportReport:
    """Import a workbook in one transaction (a dry run rolls it back) and return the report.

    actor: the user importing (None from the command line); must be a leader or an administrator.
    unit / court: objects or names (found or created); by default as ``resolve_unit`` /
    ``resolve_court`` say. profile: a MappingProfile, its name, or a mapping dict.
    batch: an uploaded ImportBatch to fill (the web flow); otherwise one is created.
    bulk: write the book's new rows in bulk (cases.services.write_case_rows, one audit entry
    for them all); False writes each through create_case (the same data, one audit entry each).
    Raises WorkbookError (Vietnamese message) if the file cannot be read as a workbook.
    """
    if actor is not None and not can_import(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị hoặc quản trị được nhập sổ Excel.")
    t0 = time.perf_counter()
    path = Path(path)
    mapping, profile_obj = _profile_dict(profile)
    book = worker.Book(path, mapping, today=timezone.localdate(), new_cases=bulk,
                       process=bulk and worker.use_process(path))
    try:
        reading = book.reading
        sha = batch.sha256 if batch is not None and batch.sha256 else file_sha256(path)
        name = file_name or (batch.file_name if batch is not None else path.name)
        report = ImportReport(file_name=name, sha256=sha, dry_run=dry_run, as_of=reading.as_of,
                              warnings=list(reading.warnings),
                              sheets=[{"name": s.name, "role": s.role, "header_rows": list(s.header_rows)}
                                      for s in reading.sheets])
        with _write_cache(), transaction.atomic():  # the cache outside: set back after commit or rollback
            _import(book, report, actor=actor, unit=unit, court=court, profile_obj=profile_obj, batch=batch,
                    path=path, progress=progress, t0=t0, bulk=bulk)
            if dry_run:
                raise _DryRun
    except _DryRun:
        report.batch_id = None
        for r in report.rows:
            r.case_id = None if r.status == ImportRow.Status.IMPORTED else r.case_id
    finally:
        book.close()
    report.elapsed = time.perf_counter() - t0
    return report


@contextmanager
def _write_cache(mib: int = 256):
    """On SQLite, a bigger page cache for the import's connection while it runs (the default
    2 MB makes every insert into the register's indexes — name sort key, số thụ lý — read pages
    back once a book has tens of thousands of rows); set back afterwards. Nothing on PostgreSQL."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = int(cur.fetchone()[0])
        cur.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {before}")


def _import(book: worker.Book, report: ImportReport, *, actor, unit, court, profile_obj, batch, path, progress,
            t0, bulk: bool = True) -> None:
    reading = book.reading
    unit = resolve_unit(unit, reading)
    court = resolve_court(court, unit)
    report.unit, report.court = unit.name, court.name
    tracked = book.tracked
    refs = _Refs(unit)
    index = _Index(unit, court, report.sha256)

    if batch is None:
        batch = ImportBatch(file_name=report.file_name, sha256=report.sha256, size=path.stat().st_size)
    batch.unit, batch.court = unit, court
    batch.created_by = actor if actor is not None else batch.created_by
    batch.profile = profile_obj or batch.profile
    batch.mapping = effective_mapping(reading)
    batch.columns = {
        s: [{"letter": c.letter, "header": c.header, "field": c.field, "kind": c.kind, "source": c.source,
             "formula": c.formula} for c in cols]
        for s, cols in reading.columns.items()
    }
    batch.sheets = report.sheets
    batch.as_of = reading.as_of
    batch.holidays = [d.isoformat() for d in reading.holidays]
    batch.warnings = report.warnings
    batch.status = ImportBatch.Status.RUNNING
    batch.save()
    report.batch_id = batch.pk

    thread = _Writer() if bulk else None
    writer = _Bulk(actor, thread) if bulk else None
    if thread is not None:
        refs.before_write = writer.drain  # a new agency or staff account: after what is being written
        thread.start()
    try:
        # every row in book order (the reader's skipped rows too), prepared here or by the second process
        _import_rows(book.rows(), book.total, report, batch=batch, refs=refs, index=index, unit=unit, court=court,
                     tracked=tracked, writer=writer, thread=thread, progress=progress)
        report.warnings.extend(book.late_warnings)  # found while reading the rows (legacy-encoded text)
        if thread is not None:
            thread.drain()  # the last writes done, and their error raised here if one failed
    finally:
        if thread is not None:
            thread.stop()  # every write done before the transaction ends, whatever happened
    refs.before_write = None
    if writer is not None:
        case_services.record_bulk_create(
            writer.created, [unit.pk], Case.Source.IMPORT, writer.n_events, obj=batch, user=actor,
            summary=f"Nhập sổ Excel {batch.file_name}: tạo {len(writer.created)} vụ việc mới",
        )
    if progress and not book.total:
        progress(0, 0)

    c = report.counts
    batch.total_rows = c["total"]
    batch.imported, batch.updated, batch.existing, batch.skipped = c["imported"], c["updated"], c["existing"], c["skipped"]
    batch.with_warnings, batch.conflicts = c["with_warnings"], c["conflicts"]
    if refs.created_staff:
        report.warnings.append(
            "Đã tạo tài khoản chưa kích hoạt cho cán bộ chưa có trong đơn vị: " + ", ".join(refs.created_staff)
        )
    if refs.created_agencies:
        report.warnings.append("Đã thêm cơ quan đề nghị: " + ", ".join(refs.created_agencies))
    batch.warnings = report.warnings
    # the cases this import wrote, stamped again if that was long ago: seen by other processes' caches
    began = timezone.now() - dt.timedelta(seconds=time.perf_counter() - t0)  # before the transaction
    case_services.restamp((r.case_id for r in report.rows
                           if r.case_id is not None and r.status in (ImportRow.Status.IMPORTED, ImportRow.Status.UPDATED)),
                          since=began)
    batch.status = ImportBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.elapsed = time.perf_counter() - t0
    batch.error = ""
    batch.save()
    record("import.run", batch, f"Nhập sổ Excel {batch.file_name}: {c['imported']} vụ việc mới, {c['updated']} cập nhật, "
                                f"{c['existing']} đã có, {c['skipped']} dòng bỏ qua",
           {"sha256": batch.sha256, "counts": c, "unit": unit.pk, "court": court.pk,
            "profile": profile_obj.name if profile_obj else None},
           user=actor)


def _import_rows(pres, total: int, report: ImportReport, *, batch, refs, index, unit, court, tracked, writer, thread,
                 progress):
    """Every row of the book in order (the reader's skipped rows too), prepared (rows.PreRow), into
    report.rows and the import rows; new cases through `writer` (bulk) or row by row."""
    step = max(1, total // 100)
    pending: list[_RowOut] = []

    def write_rows(rows):
        if thread is not None:
            _adapt_json(rows)
            thread.submit(lambda: _write_rows(batch, rows, adapted=True))
        else:
            _write_rows(batch, rows)

    for i, pre in enumerate(pres, 1):
        if pre.skipped:
            rep = RowReport(pre.sheet, pre.row, ImportRow.Status.SKIPPED, reason=f"Dòng {pre.row}: {pre.why}")
            report.rows.append(rep)
            pending.append(_RowOut(sheet=pre.sheet, row_number=pre.row, status=rep.status, reason=rep.reason))
        else:
            rep = _import_row(pre, refs=refs, index=index, unit=unit, court=court, tracked=tracked, bulk=writer)
            report.rows.append(rep)
            pending.append(_RowOut(
                sheet=pre.sheet, row_number=pre.row, status=rep.status, case_id=rep.case_id,
                person_name=rep.name[:200], so_thu_ly=rep.so_thu_ly[:120], reason=rep.reason, warnings=rep.warnings,
                values=pre.book, flags=pre.flags, errors=pre.errors, note=pre.note, extras=pre.extras,
                changes={k: v for k, v in (("updated", rep.updated), ("conflicts", _jsonable(rep.conflicts))) if v},
            ))
        if len(pending) >= ROW_CHUNK:
            if writer is not None:
                writer.flush()
            write_rows(pending)
            pending = []
        if progress and (i % step == 0 or i == total):
            progress(i, total)
    if writer is not None:
        writer.flush()
    if pending:
        write_rows(pending)


class _RowOut:
    """One ImportRow to write (its columns as attributes; a model instance costs more to make
    than the row costs to insert)."""

    __slots__ = ("sheet", "row_number", "status", "case_id", "person_name", "so_thu_ly", "reason", "warnings",
                 "values", "flags", "errors", "note", "extras", "changes")

    def __init__(self, *, sheet: str, row_number: int, status: str, case_id: int | None = None, person_name: str = "",
                 so_thu_ly: str = "", reason: str = "", warnings=None, values=None, flags=None, errors=None,
                 note: str = "", extras=None, changes=None):
        self.sheet, self.row_number, self.status, self.case_id = sheet, row_number, status, case_id
        self.person_name, self.so_thu_ly, self.reason, self.note = person_name, so_thu_ly, reason, note
        self.warnings = list(warnings) if warnings else []
        self.values, self.flags, self.errors = values or {}, flags or {}, errors or {}
        self.extras, self.changes = extras or {}, changes or {}


def _write_rows(batch: ImportBatch, rows: list[_RowOut], adapted: bool = False) -> None:
    """The import rows as plain multi-row INSERTs (ids from the database, in the book's order).
    adapted: their JSON columns are ready for the driver already (_adapt_json)."""
    if not adapted:
        _adapt_json(rows)
    case_services.insert_rows(ImportRow, rows, extra={"batch_id": batch.pk}, skip=("id",), ready=_json_columns()[0])


def _json_columns() -> tuple[tuple[str, ...], list]:
    """(names, [(name, converter)]) of ImportRow's JSON columns."""
    from django.db import models as m

    pairs = [(f.attname, conv) for f, conv in case_services.converters(ImportRow, connection)
             if isinstance(f, m.JSONField) and conv is not None]
    return tuple(n for n, _c in pairs), pairs


def _adapt_json(rows: list[_RowOut]) -> None:
    """Encode the JSON columns of import rows now, in the importing thread (the writer thread is the
    busier one)."""
    _names, pairs = _json_columns()
    if connection.vendor == "postgresql":  # encoded already (rows.Encoded): sent as it is
        from psycopg.types.json import Jsonb

        pairs = [(name, (lambda conv: lambda v: Jsonb(v, dumps=str) if isinstance(v, Encoded) else conv(v))(conv))
                 for name, conv in pairs]
    else:
        pairs = [(name, (lambda conv: lambda v: v if isinstance(v, Encoded) else conv(v))(conv)) for name, conv in pairs]
    empty = {}  # (column, type) -> the adapted empty list or dict: most rows have no warnings, changes…
    for r in rows:
        for name, conv in pairs:
            v = getattr(r, name)
            if v is None:
                continue
            if not v and type(v) in (list, dict):
                key = (name, type(v))
                if key not in empty:
                    empty[key] = conv(v)
                setattr(r, name, empty[key])
            else:
                setattr(r, name, conv(v))


class _Writer:
    """The bulk writes of an import (new cases, import rows) run in a second thread, on the same
    connection and in the same transaction, while this thread reads and checks the next rows: the
    database drivers let go of the interpreter while the database works (sqlite3 while SQLite
    inserts and updates its indexes, psycopg while PostgreSQL does), so the two overlap on two
    cores. Jobs run one at a time, in the order given; anything else that uses the connection
    waits for them first (drain). An error in a job is raised again here, at the next submit or
    drain, and no later job runs: the import fails and its transaction is rolled back."""

    def __init__(self):
        import queue

        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.raised = False
        self.wrapper = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        from django.db import connections

        self.wrapper = connections[connection.alias]
        self.wrapper.inc_thread_sharing()
        self.thread = threading.Thread(target=self._run, name="kiemsat-import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from django.db import connections

        connections[self.wrapper.alias] = self.wrapper  # this thread uses the importing connection
        while True:
            job = self.queue.get()
            try:
                if job is None:
                    return
                if self.error is None:
                    job()
            except BaseException as exc:  # noqa: BLE001 - handed to the importing thread
                self.error = exc
            finally:
                self.queue.task_done()

    def _raise(self) -> None:
        if self.error is not None and not self.raised:
            self.raised = True
            raise self.error
        if self.error is not None:
            raise WorkbookError("Không nhập được sổ: lỗi khi ghi vào cơ sở dữ liệu") from self.error

    def submit(self, job: Callable[[], None]) -> None:
        self._raise()
        self.queue.put(job)

    def drain(self) -> None:
        """Wait until every job given so far has run (raises the first job's error)."""
        if self.thread is not None:
            self.queue.join()
        self._raise()

    def stop(self) -> None:
        """Wait for the jobs and end the thread (also when the import failed: before its rollback)."""
        if self.thread is None:
            return
        self.queue.join()
        self.queue.put(None)
        self.thread.join()
        self.thread = None
        self.wrapper.dec_thread_sharing()


class _Bulk:
    """New rows of the book, checked and numbered as they come, written in chunks by
    cases.services.write_case_rows (the same data create_case would write, row by row) — in the
    writer's thread when there is one."""

    def __init__(self, actor, writer: _Writer | None = None):
        self.actor = actor
        self.writer = writer
        self.pending: list[tuple[int, list, list, bytes]] = []
        self.ids: list[int] = []  # ids taken for the next new cases (case_services.take_ids), ascending
        self.next_id: int | None = None  # SQLite: the id after the last block taken
        self.created: list[int] = []
        self.n_events = 0

    def add(self, vals: list, events: list, packed: bytes) -> int:
        """A new case (cases.services.case_row's values, references set): its id."""
        if not self.ids:
            if self.next_id is not None:
                # SQLite: this transaction holds the write lock, and every id of the last block went to a
                # case of this book (taken only when the block is used up): the database would number from here
                self.ids = list(range(self.next_id + ROW_CHUNK - 1, self.next_id - 1, -1))
            else:
                self.flush()  # SQLite numbers after the largest id written: write what holds ids first
                self.drain()
                self.ids = case_services.take_ids(Case, ROW_CHUNK)[::-1]
            if connection.vendor == "sqlite":
                self.next_id = self.ids[0] + 1
        pk = self.ids.pop()
        self.pending.append((pk, vals, events, packed))
        self.created.append(pk)
        self.n_events += len(events)
        return pk

    def flush(self) -> None:
        """Write what is pending (before anything else writes cases or events, and before the
        import rows that name them)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []

        def job():
            try:
                case_services.write_case_rows(pending, actor=self.actor)
            except ValidationError as exc:  # the index let a duplicate through (a write since it was read)
                raise WorkbookError("Không nhập được sổ: " + "; ".join(exc.messages)) from exc

        if self.writer is not None:
            self.writer.submit(job)
        else:
            job()

    def drain(self) -> None:
        """Write what is pending and wait for it (before this thread uses the connection)."""
        self.flush()
        if self.writer is not None:
            self.writer.drain()


def _import_row(pre: PreRow, *, refs: _Refs, index: _Index, unit: Unit, court: Court, tracked: list[str],
                bulk: _Bulk | None = None) -> RowReport:
    rep = RowReport(pre.sheet, pre.row, ImportRow.Status.IMPORTED, name=pre.name, so_thu_ly=pre.number,
                    warnings=list(pre.row_warnings))
    # reference data first, outside the row's savepoint: a row that fails must not take with it
    # an agency or a staff account that a later row names too
    proposer, staff = refs.agency(pre.proposer), refs.user(pre.staff)
    warns = pre.warns
    try:
        # bulk: nothing is written for a new row here, only for a row already in the register
        # (in a savepoint of its own below), so no savepoint per row
        with transaction.atomic() if bulk is None else nullcontext():
            year, stl = pre.year, pre.stl
            # already in the register?
            existing_pk = index.by_source.get((pre.sheet, pre.row))
            matched_how = "cùng dòng của cùng tệp đã nhập trước"
            if existing_pk is None and stl and (year, stl) in index.by_number:
                pk, other_name, other_unit = index.by_number[(year, stl)]
                if fold(other_name) != fold(pre.name) or other_unit != unit.pk:
                    if pk in index.created_by_row:
                        why = f"trùng số thụ lý {stl} với dòng {index.created_by_row[pk]} của sổ"
                    else:
                        why = (f"số thụ lý {stl} năm {year} đã có trong sổ của {court.name} "
                               f"(vụ việc của {other_name})")
                    rep.status, rep.reason = ImportRow.Status.SKIPPED, f"Dòng {pre.row}: {why}"
                    rep.warnings.extend(warns)
                    return rep
                existing_pk, matched_how = pk, f"cùng số thụ lý {stl}"
            if existing_pk is None and not stl:
                cands = [pk for pk in index.by_name.get(fold(pre.name), []) if pk not in index.created_by_row]
                if cands and bulk is not None:
                    bulk.drain()  # the connection is the writer's until what is pending is written
                found = _match_by_dates(pre.book_dict(), cands) if cands else None
                if found is not None:
                    existing_pk, matched_how = found.pk, "cùng họ tên và ngày"
            if existing_pk is not None:
                if existing_pk in index.created_by_row:
                    rep.status = ImportRow.Status.SKIPPED
                    rep.case_id = existing_pk
                    rep.reason = f"Dòng {pre.row}: trùng với dòng {index.created_by_row[existing_pk]} của sổ"
                    return rep
                if bulk is not None:
                    bulk.drain()  # the update below writes events: the ids keep the book's order
                last = (ImportRow.objects.filter(case_id=existing_pk, batch__status=ImportBatch.Status.DONE)
                        .only("values", "note").order_by("-id").first())
                book = pre.book_dict()
                if last is None or last.values != book or last.note != pre.note:
                    # the book changed since the last import of this case (or it never came from one)
                    with transaction.atomic() if bulk is not None else nullcontext():
                        case, app = _load(existing_pk)
                        _update_from_book(case, app, book, pre.note, last, refs, rep)
                rep.case_id = existing_pk
                rep.status = ImportRow.Status.UPDATED if rep.updated else ImportRow.Status.EXISTING
                rep.reason = f"Đã có trong sổ ({matched_how})"
                return rep
            if bulk is not None:  # checked as create_case(strict=False) checks (rows.prepare_row); numbered;
                if pre.error is not None:  # written with the next chunk
                    raise ValidationError(pre.error)
                vals, evs, problems, packed = pre.prepared
                case_services.with_references(vals, unit=unit, court=court, proposer=proposer, assigned_to=staff)
                ix = case_services.CASE_ROW_INDEX
                pk = bulk.add(vals, evs, packed)
                case_stl, case_year, case_name = vals[ix["so_thu_ly"]], vals[ix["year"]], vals[ix["person_name"]]
            else:
                case, problems = case_services.create_case(
                    actor=None, unit=unit, data={**pre.data, "court": court, "proposer": proposer, "assigned_to": staff},
                    events=pre.events, source=Case.Source.IMPORT, tracked_events=tracked, strict=False,
                )
                pk, case_stl, case_year, case_name = case.pk, case.so_thu_ly, case.year, case.person_name
    except ValidationError as exc:
        rep.status = ImportRow.Status.SKIPPED
        rep.reason = f"Dòng {pre.row}: " + "; ".join(exc.messages)
        return rep
    index.add(pk, case_stl, case_year, case_name, unit.pk, pre.row)
    rep.case_id = pk
    rep.so_thu_ly = case_stl
    for w in [*warns, *problems]:
        if w not in rep.warnings:
            rep.warnings.append(w)
    return rep


# --- uploads, profiles, running from the web ---------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(getattr(settings, "KIEMSAT_IMPORT_MAX_MB", 50)) * 1024 * 1024


def _upload_dir() -> Path:
    d = Path(settings.MEDIA_ROOT) / "imports"
    d.mkdir(parents=True, exist_ok=True)
    return d


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def check_file(path: Path, name: str) -> None:
    """Refuse what is plainly not a workbook, before the reader tries it."""
    size = path.stat().st_size
    if size == 0:
        raise WorkbookError(f"Tệp {name} rỗng (0 byte).")
    if size > max_upload_bytes():
        raise WorkbookError(
            f"Tệp {name} quá lớn ({size / 1048576:.1f} MB); chỉ nhận tệp đến {max_upload_bytes() // 1048576} MB. "
            "Hãy xóa các trang không cần thiết hoặc chia sổ thành nhiều tệp."
        )
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise WorkbookError(f"Tệp {name} không phải sổ Excel: chỉ nhận tệp .xlsx, .xls hoặc .ods.")
    with open(path, "rb") as fh:
        head = fh.read(8)
        if head == _OLE and suffix != ".xls":
            fh.seek(0)
            body = fh.read(min(size, 4 << 20))
            if _ENCRYPTED in body:
                raise WorkbookError(f"Tệp {name} có mật khẩu; hãy mở bằng Excel, bỏ mật khẩu rồi nhập lại.")
        if suffix in (".xlsx", ".xlsm", ".ods") and head[:2] != b"PK" and head != _OLE:
            raise WorkbookError(f"Không đọc được tệp {name}: tệp hỏng hoặc không phải sổ Excel.")
        if suffix == ".xls" and head != _OLE and head[:2] != b"PK":
            raise WorkbookError(f"Không đọc được tệp {name}: tệp hỏng hoặc không phải sổ Excel.")


def store_upload(uploaded, *, actor, unit: Unit | None = None) -> tuple[ImportBatch, WorkbookReading]:
    """Keep an uploaded file under MEDIA_ROOT/imports/, check it reads as a workbook, and open
    a batch for it (status "chờ nhập"). Raises WorkbookError with the reason, leaving nothing."""
    if actor is not None and not can_import(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị hoặc quản trị được nhập sổ Excel.")
    name = Path(uploaded.name or "so.xlsx").name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise WorkbookError(f"Tệp {name} không phải sổ Excel: chỉ nhận tệp .xlsx, .xls hoặc .ods.")
    if uploaded.size is not None and uploaded.size > max_upload_bytes():
        raise WorkbookError(
            f"Tệp {name} quá lớn ({uploaded.size / 1048576:.1f} MB); chỉ nhận tệp đến "
            f"{max_upload_bytes() // 1048576} MB."
        )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = _upload_dir() / f"{stamp}{suffix}"
    h = hashlib.sha256()
    with open(dest, "wb") as out:
        for chunk in uploaded.chunks():
            h.update(chunk)
            out.write(chunk)
    try:
        check_file(dest, name)
        reading = read_workbook(dest)
    except WorkbookError as exc:
        dest.unlink(missing_ok=True)
        raise WorkbookError(str(exc).replace(dest.name, name)) from exc
    except Exception as exc:  # noqa: BLE001 - a reader bug on an odd book must not be a 500
        dest.unlink(missing_ok=True)
        log.exception("reading %s", name)
        raise WorkbookError(f"Không đọc được tệp {name}: sổ có cấu trúc lạ ({type(exc).__name__}).") from exc
    batch = ImportBatch.objects.create(
        file_name=name[:255], stored_name=str(dest.relative_to(Path(settings.MEDIA_ROOT))), size=dest.stat().st_size,
        sha256=h.hexdigest(), unit=unit, created_by=actor if actor is not None else None,
        total_rows=len(reading.rows) + len(reading.skipped), as_of=reading.as_of, mapping={},
    )
    record("import.upload", batch, f"Tải lên sổ Excel {name}", {"sha256": batch.sha256, "size": batch.size}, user=actor)
    return batch, reading


def batch_path(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / batch.stored_name


def set_batch_mapping(batch: ImportBatch, mapping: dict[str, str | None], profile: MappingProfile | None = None) -> WorkbookReading:
    """Change the mapping a pending batch will use; returns the book read with it.

    With a profile the batch keeps the profile's mapping; otherwise only the columns where
    ``mapping`` differs from the reader's own proposal are kept (so the preview can say which
    columns were chosen by hand)."""
    if batch.status not in (ImportBatch.Status.UPLOADED, ImportBatch.Status.FAILED):
        raise WorkbookError("Sổ này đã được nhập; không đổi ánh xạ được nữa.")
    path = batch_path(batch)
    if profile is None:
        proposed = effective_mapping(read_workbook(path))
        mapping = {k: v for k, v in mapping.items() if proposed.get(k, None) != v}
    reading = read_workbook(path, profile=mapping or None)
    batch.mapping = dict(mapping)
    batch.profile = profile
    batch.total_rows = len(reading.rows) + len(reading.skipped)
    batch.save(update_fields=["mapping", "profile", "total_rows"])
    return reading


def save_profile(*, actor, name: str, mapping: dict[str, str | None], unit: Unit | None = None) -> MappingProfile:
    """Save (or replace) a named mapping profile."""
    if actor is not None and not can_import(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị hoặc quản trị được lưu hồ sơ ánh xạ.")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Cần đặt tên cho hồ sơ ánh xạ."})
    if len(name) > 120:
        raise ValidationError({"name": "Tên hồ sơ ánh xạ dài quá 120 ký tự."})
    clean = {str(k): (v or None) for k, v in mapping.items()}
    with transaction.atomic():
        p, created = MappingProfile.objects.update_or_create(
            name=name, defaults={"mapping": clean, "unit": unit, "created_by": actor}
        )
        record("import.profile.save", p, f"{'Lưu' if created else 'Cập nhật'} hồ sơ ánh xạ «{name}»", {"mapping": clean},
               user=actor)
    return p


def delete_profile(*, actor, profile: MappingProfile) -> None:
    if actor is not None and not can_import(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị hoặc quản trị được xóa hồ sơ ánh xạ.")
    with transaction.atomic():
        record("import.profile.delete", profile, f"Xóa hồ sơ ánh xạ «{profile.name}»", {"mapping": profile.mapping},
               user=actor)
        profile.delete()


def _progress_key(batch_id: int) -> str:
    return f"kiemsat-import-progress-{batch_id}"


def progress_of(batch_id: int) -> dict | None:
    """{"done", "total", "at"} of a running import (None if unknown to this process)."""
    return cache.get(_progress_key(batch_id))


_threads: dict[int, threading.Thread] = {}


def inline_limit() -> int:
    return int(getattr(settings, "KIEMSAT_IMPORT_INLINE_ROWS", 1000))


def start_import(batch: ImportBatch, *, actor, unit: Unit | None = None, court: Court | str | None = None,
                 inline: bool | None = None) -> bool:
    """Run the import of an uploaded batch: in this request for a small book, else in a
    background thread whose progress ``progress_of`` reports. False if it was already started."""
    if actor is not None and not can_import(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị hoặc quản trị được nhập sổ Excel.")
    started = ImportBatch.objects.filter(
        pk=batch.pk, status__in=[ImportBatch.Status.UPLOADED, ImportBatch.Status.FAILED]
    ).update(status=ImportBatch.Status.RUNNING, error="")
    if not started:
        return False
    batch.refresh_from_db()
    cache.set(_progress_key(batch.pk), {"done": 0, "total": batch.total_rows, "at": time.time()}, 24 * 3600)
    if inline is None:
        inline = batch.total_rows <= inline_limit()
    who = Actor(actor.pk, actor.get_username(), "") if actor is not None else None
    if inline:
        _run(batch.pk, actor, unit, court, who)
    else:
        t = threading.Thread(target=_run_in_thread, args=(batch.pk, actor, unit, court, who), daemon=True,
                             name=f"kiemsat-import-{batch.pk}")
        _threads[batch.pk] = t
        t.start()
    return True


def _run(batch_id: int, actor, unit, court, who: Actor | None) -> None:
    token = set_actor(who) if who is not None else None
    batch = ImportBatch.objects.get(pk=batch_id)

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(batch_id), {"done": done, "total": total, "at": time.time()}, 24 * 3600)

    try:
        import_workbook(batch_path(batch), actor=actor, unit=unit or batch.unit, court=court or batch.court,
                        profile=batch.mapping or None, batch=batch, progress=progress)
    except WorkbookError as exc:
        ImportBatch.objects.filter(pk=batch_id).update(status=ImportBatch.Status.FAILED, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - reported on the batch, never a 500
        log.exception("import of batch %s failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatch.Status.FAILED,
            error=f"Lỗi khi nhập ({type(exc).__name__}): sổ chưa được nhập, cơ sở dữ liệu giữ nguyên như trước.",
        )
    finally:
        cache.delete(_progress_key(batch_id))
        if token is not None:
            reset_actor(token)


def _run_in_thread(batch_id: int, actor, unit, court, who) -> None:
    try:
        _run(batch_id, actor, unit, court, who)
    finally:
        connection.close()
        _threads.pop(batch_id, None)


def report_of(batch: ImportBatch) -> dict:
    """The stored report of a batch as JSON (what ``import-excel --json`` printed)."""
    rows = []
    for r in batch.rows.all().order_by("id"):
        rep = RowReport(r.sheet, r.row_number, r.status, r.case_id, r.person_name, r.so_thu_ly, r.reason,
                        list(r.warnings), dict(r.changes.get("updated", {})), dict(r.changes.get("conflicts", {})))
        rows.append(rep.as_json())
    return {"file": batch.file_name, "sha256": batch.sha256, "batch": batch.pk, "status": batch.status,
            "unit": batch.unit.name if batch.unit_id else "", "court": batch.court.name if batch.court_id else "",
            "as_of": batch.as_of.isoformat() if batch.as_of else None, "warnings": batch.warnings, "rows": rows}


def local_today() -> dt.date:
    return timezone.localdate()


def discard_upload(batch: ImportBatch, *, actor) -> None:
    """Drop an uploaded book that was not imported (its file and its batch)."""
    if actor is not None and not can_import(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị hoặc quản trị được nhập sổ Excel.")
    if batch.status not in (ImportBatch.Status.UPLOADED, ImportBatch.Status.FAILED):
        raise WorkbookError("Chỉ bỏ được sổ chưa nhập.")
    with transaction.atomic():
        record("import.discard", batch, f"Bỏ sổ Excel đã tải lên {batch.file_name}", {"sha256": batch.sha256}, user=actor)
        batch.delete()
    if batch.stored_name:
        batch_path(batch).unlink(missing_ok=True)
