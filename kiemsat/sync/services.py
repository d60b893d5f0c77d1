"""Export a unit's bundle; import a bundle at the province.

Export (at an offline unit): every case of the unit and of the units it succeeded, with their
events, the findings summary as the unit computed it, its letters (issued, by default) and
optionally its documents, signed with the unit's key and encrypted to the province.

Import (at the province): refused unless it decrypts with the province's key, comes from a
registered unit code and carries that unit's valid signature. Then, in one transaction, each record
is matched by (origin code, kind, origin pk) → local pk (`SyncedRecord`): a record whose content is
unchanged since the last import is skipped, so importing the same bundle twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from kiemsat.audit.services import record
from kiemsat.cases.models import Case, Event
from kiemsat.cases.services import refresh_summary, restamp
from kiemsat.domain.vntext import fold
from kiemsat.org.models import Agency, Court, Role, Unit, User
from kiemsat.org.permissions import unit_lineage

from . import bundle as fmt
from . import conf, keys
from .models import BundleExport, BundleImport, LocalIdentity, SyncedRecord, UnitKey

BundleError = fmt.BundleError

_DATE_FIELDS = {"birth_date", "date", "received", "end", "valid_from", "valid_to", "period_from", "period_to", "as_of",
                "issued_on", "start", "alt_due", "due", "actual"}


def _h(obj) -> str:
    return hashlib.sha256(json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _d(v):
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


def _row(obj, names) -> dict:
    return {n: _d(getattr(obj, n)) for n in names}


def _typed(name: str, v):
    if isinstance(v, str) and name in _DATE_FIELDS:
        return parse_date(v)
    return v


def documents_model():
    """The documents app's Document model, or None when this installation has no documents app."""
    try:
        return apps.get_model("documents", "Document")
    except LookupError:
        return None


# ============================================================ identity (unit side)
def default_code(unit: Unit) -> str:
    base = fold(unit.symbol or unit.short_name or "").upper()
    base = re.sub(r"[^A-Z0-9._-]+", "-", base).strip("-.")[:30]
    return base or f"DV{unit.pk}"


def identity() -> LocalIdentity | None:
    return LocalIdentity.objects.select_related("unit").first()


def set_identity(*, actor, unit: Unit | None = None, code: str = "", recipient: str | None = None) -> LocalIdentity:
    """Create or change this instance's sync identity (unit, code, the province's recipient key)."""
    ident = identity()
    if unit is None and ident is None:
        candidates = list(Unit.objects.filter(is_provincial=False, successor__isnull=True))
        if len(candidates) != 1:
            raise ValidationError("Máy này có nhiều đơn vị: hãy chọn đơn vị gửi dữ liệu.")
        unit = candidates[0]
    if unit is not None and unit.is_provincial:
        raise ValidationError("Viện kiểm sát cấp tỉnh nhận gói, không gửi gói.")
    code = (code or "").strip()
    if code and not keys.CODE_RE.match(code):
        raise ValidationError("Mã đồng bộ chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 40 ký tự).")
    if recipient is not None and recipient.strip():
        _check_recipient(recipient)
    before = {"unit": ident.unit_id, "code": ident.code, "recipient": ident.recipient} if ident else {}
    if ident is None:
        ident = LocalIdentity(unit=unit, code=code or default_code(unit))
    else:
        if unit is not None:
            ident.unit = unit
        if code and code != ident.code:  # the province maps by code: a new code is a new origin there
            ident.code = code
    if recipient is not None:
        ident.recipient = recipient.strip()
    ident.save()
    keys.signing_key(ident.code)  # made on first use
    after = {"unit": ident.unit_id, "code": ident.code, "recipient": ident.recipient}
    record("sync.identity", ident, f"Thiết lập đồng bộ: đơn vị {ident.unit}, mã {ident.code}",
           changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}, user=actor)
    return ident


def _check_recipient(text: str) -> None:
    try:
        keys.parse_recipient(text)
    except keys.KeyError_ as exc:
        raise ValidationError(str(exc)) from None


# ============================================================ registration (province side)
def register_unit_key(*, actor, code: str, unit: Unit, public_key: str) -> UnitKey:
    code = (code or "").strip()
    if not keys.CODE_RE.match(code):
        raise ValidationError({"code": "Mã đồng bộ chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 40 ký tự)."})
    try:
        keys.parse_public(public_key)
    except keys.KeyError_ as exc:
        raise ValidationError({"public_key": str(exc)}) from None
    if unit.is_provincial:
        raise ValidationError({"unit": "Chọn đơn vị gửi gói, không phải Viện kiểm sát cấp tỉnh."})
    uk = UnitKey.objects.filter(code=code).first()
    before = {"unit": uk.unit_id, "public_key": uk.public_key, "active": uk.active} if uk else {}
    if uk is None:
        uk = UnitKey(code=code, registered_by=actor)
    uk.unit, uk.public_key, uk.active = unit, public_key.strip(), True
    uk.save()
    after = {"unit": uk.unit_id, "public_key": uk.public_key, "active": True}
    record("sync.register", uk, f"Đăng ký khóa đồng bộ của {unit} (mã {code}, dấu vân tay {keys.fingerprint(uk.public_key)})",
           changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}, user=actor)
    return uk


def deactivate_unit_key(*, actor, uk: UnitKey) -> None:
    uk.active = False
    uk.save(update_fields=["active"])
    record("sync.unregister", uk, f"Ngừng nhận gói của mã {uk.code} ({uk.unit})", user=actor)


# ============================================================ export
CASE_REFS = ("unit_id", "court_id", "proposer_id", "assigned_to_id")
UNIT_FIELDS = ("name", "short_name", "parent_name", "symbol", "place", "valid_from", "valid_to")
ORG_FIELDS = ("name", "short_name", "valid_from", "valid_to")
LETTER_FIELDS = ("kind", "state", "period_from", "period_to", "as_of", "recipient", "recipient_org", "summary",
                 "legal_bases", "requests", "code", "year", "number", "number_text", "issued_on", "template_label",
                 "note")
LFINDING_FIELDS = ("position", "person", "so_thu_ly", "measure", "rule", "rule_label", "status", "responsible", "start",
                   "start_label", "act_label", "due", "alt_due", "actual", "late", "unit_code", "citation", "verified",
                   "flags", "explanation", "extra", "as_of")
REPLY_FIELDS = ("date", "number", "result", "content")
DOC_FIELDS = ("sha256", "size", "kind", "name", "number", "checklist_item", "pages", "text", "text_status",
              "text_source")


def build_payload(ident: LocalIdentity, documents: bool = False, as_of: dt.date | None = None) -> tuple[dict, dict, dict]:
    """(payload, counts, files) of everything this unit sends."""
    from kiemsat.legal import services as legal

    ids = unit_lineage(ident.unit_id)
    cases = Case.objects.filter(unit_id__in=ids).order_by("pk")
    cfields, efields = conf.case_fields(), conf.event_fields()
    events: dict[int, list[dict]] = {}
    for e in Event.objects.filter(case__unit_id__in=ids).order_by("case_id", "pk"):
        events.setdefault(e.case_id, []).append({"id": e.pk, "code": e.code, "date": _d(e.date), **_row(e, efields)})
    out_cases, court_ids, agency_ids, staff_ids = [], set(), set(), set()
    for c in cases.iterator(chunk_size=2000):
        row = {"id": c.pk, "unit": c.unit_id, "court": c.court_id, "proposer": c.proposer_id,
               "assigned_to": c.assigned_to_id if conf.send_staff() else None, **_row(c, cfields),
               "events": events.get(c.pk, [])}
        out_cases.append(row)
        court_ids.add(c.court_id)
        agency_ids.add(c.proposer_id)
        staff_ids.add(row["assigned_to"])

    # findings as the unit computed them (the province recomputes its own from the events)
    as_of = as_of or legal.local_today()
    rs_id, _ = legal.active_ruleset()
    by_case: dict[int, list] = {}
    counts_f: dict[str, int] = {}
    for s in legal.scan(cases, as_of=as_of):
        f = s.finding
        by_case.setdefault(s.case_id, []).append([f.rule, f.status, _d(f.due), _d(f.actual), f.late])
        counts_f[f.status] = counts_f.get(f.status, 0) + 1
    from kiemsat.legal.models import RulesetVersion

    rs = RulesetVersion.objects.filter(pk=rs_id).first()
    findings = {"as_of": as_of.isoformat(), "ruleset": rs.label if rs else "", "counts": counts_f,
                "by_case": {str(k): v for k, v in by_case.items()}}

    # letters
    letters, versions = _export_letters(ids, staff_ids, court_ids, agency_ids)

    # documents (pluggable: only when the documents app is installed)
    docs, files = [], {}
    Document = documents_model()
    if Document is not None:
        from kiemsat.documents import storage

        for d in Document.objects.filter(case__unit_id__in=ids).order_by("pk"):
            row = {"id": d.pk, "case": d.case_id, "event": d.event_id, **_row(d, DOC_FIELDS), "has_file": False}
            if documents:
                try:
                    files[d.sha256] = storage.path_for(d.sha256).read_bytes()
                    row["has_file"] = True
                except (OSError, ValueError):
                    pass  # a missing file: the metadata still goes
            docs.append(row)

    units = list(Unit.objects.filter(pk__in=ids))
    payload = {
        "units": [{"id": u.pk, "successor": u.successor_id, **_row(u, UNIT_FIELDS)} for u in units],
        "courts": [{"id": o.pk, "successor": o.successor_id, **_row(o, ORG_FIELDS)}
                   for o in Court.objects.filter(pk__in=court_ids - {None})],
        "agencies": [{"id": o.pk, "successor": o.successor_id, "kind": o.kind, **_row(o, ORG_FIELDS)}
                     for o in Agency.objects.filter(pk__in=agency_ids - {None})],
        "staff": [{"id": u.pk, "username": u.username, "full_name": u.full_name, "role": u.role, "title": u.title}
                  for u in User.objects.filter(pk__in=staff_ids - {None})] if conf.send_staff() else [],
        "cases": out_cases,
        "findings": findings,
        "letters": letters,
        "versions": versions,
        "documents": docs,
        "fields": {"case": list(cfields), "event": list(efields)},
    }
    counts = {"cases": len(out_cases), "events": sum(len(v) for v in events.values()), "letters": len(letters),
              "documents": len(docs), "files": len(files), "findings": sum(counts_f.values())}
    return payload, counts, files


def _export_letters(ids, staff_ids: set, court_ids: set, agency_ids: set) -> tuple[list, dict]:
    try:
        Letter = apps.get_model("letters", "Letter")
    except LookupError:
        return [], {}
    out, versions = [], {"ruleset": {}, "calendar": {}}
    qs = Letter.objects.filter(unit_id__in=ids, state__in=conf.letter_states()).order_by("pk").prefetch_related(
        "findings", "replies")
    for lt in qs:
        for fk in ("signer_id", "created_by_id", "approved_by_id", "issued_by_id"):
            if conf.send_staff():
                staff_ids.add(getattr(lt, fk))
        court_ids.add(lt.court_id)
        agency_ids.add(lt.agency_id)
        versions["ruleset"].setdefault(str(lt.ruleset_version_id), None)
        versions["calendar"].setdefault(str(lt.calendar_version_id), None)
        findings = []
        for f in lt.findings.all():
            versions["ruleset"].setdefault(str(f.ruleset_version_id), None)
            versions["calendar"].setdefault(str(f.calendar_version_id), None)
            findings.append({"case": f.case_id, "ruleset": f.ruleset_version_id, "calendar": f.calendar_version_id,
                             **_row(f, LFINDING_FIELDS)})
        out.append({
            "id": lt.pk, "unit": lt.unit_id, "court": lt.court_id, "agency": lt.agency_id,
            "ruleset": lt.ruleset_version_id, "calendar": lt.calendar_version_id,
            **{k: (getattr(lt, k + "_id") if conf.send_staff() else None) for k in ("signer", "created_by", "approved_by", "issued_by")},
            **_row(lt, LETTER_FIELDS),
            "docx": bytes(lt.docx).hex() if lt.docx else "",
            "findings": findings,
            "replies": [_row(r, REPLY_FIELDS) for r in lt.replies.all()],
        })
    from kiemsat.legal.models import CalendarVersion, RulesetVersion

    for kind, model in (("ruleset", RulesetVersion), ("calendar", CalendarVersion)):
        for v in model.objects.filter(pk__in=[int(k) for k in versions[kind]]):
            versions[kind][str(v.pk)] = {"label": v.label, "kind": v.kind, "data": v.data}
    staff_ids.discard(None)
    return out, versions


def export_bundle(*, actor, to_dir: Path | str, documents: bool = False, as_of: dt.date | None = None) -> tuple[Path, BundleExport]:
    """Write this unit's bundle into `to_dir` (a USB stick). Returns its path and the log row."""
    ident = identity()
    if ident is None:
        raise ValidationError("Máy này chưa thiết lập đồng bộ: chọn đơn vị và nhập khóa nhận của Viện kiểm sát cấp tỉnh.")
    if not ident.recipient:
        raise ValidationError("Chưa có khóa nhận của Viện kiểm sát cấp tỉnh (age1…): hãy nhập khóa do tỉnh cung cấp.")
    to_dir = Path(to_dir)
    if not to_dir.is_dir():
        raise ValidationError(f"Không tìm thấy thư mục {to_dir}.")
    payload, counts, files = build_payload(ident, documents=documents, as_of=as_of)
    now = timezone.now()
    bundle_id = uuid.uuid4().hex
    manifest = {"origin": ident.code, "unit_id": ident.unit_id, "unit_name": ident.unit.name,
                "bundle_id": bundle_id, "exported_at": now.isoformat(), "counts": counts}
    data = fmt.build(manifest, payload, files, keys.signing_key(ident.code), keys.parse_recipient(ident.recipient))
    name = f"kiemsat-{ident.code}-{timezone.localtime(now):%Y%m%d-%H%M%S}-{bundle_id[:6]}{fmt.SUFFIX}"
    path = to_dir / name
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    with transaction.atomic():
        log = BundleExport.objects.create(bundle_id=bundle_id, code=ident.code, exported_at=now, exported_by=actor,
                                          filename=name, sha256=fmt.sha256(data), size=len(data), counts=counts,
                                          with_documents=documents)
        record("sync.export", log, f"Xuất gói đồng bộ {name}: {counts['cases']} vụ việc, {counts['events']} sự kiện, "
                                   f"{counts['letters']} văn bản, {counts['documents']} tệp hồ sơ",
               changes={"counts": counts}, user=actor)
    return path, log


def bundle_bytes_for_download(*, actor, documents: bool = False) -> tuple[str, bytes, BundleExport]:
    """The same bundle, for the browser to save (the page's 'Tải gói về' button)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path, log = export_bundle(actor=actor, to_dir=tmp, documents=documents)
        return path.name, path.read_bytes(), log


# ============================================================ import
class _Map:
    """The stable ids of one origin, loaded once per import."""

    def __init__(self, origin: str):
        self.origin = origin
        self.rows: dict[tuple[str, int], SyncedRecord] = {
            (r.kind, r.origin_pk): r for r in SyncedRecord.objects.filter(origin=origin)}

    def get(self, kind: str, pk) -> SyncedRecord | None:
        return None if pk is None else self.rows.get((kind, int(pk)))

    def local(self, kind: str, pk) -> int | None:
        r = self.get(kind, pk)
        return r.local_pk if r else None

    def put_many(self, kind: str, items: list[tuple[int, int, str]]) -> None:
        """(origin pk, local pk, hash) of many records: the new ones in one insert."""
        new = []
        for pk, local_pk, content_hash in items:
            if (kind, int(pk)) in self.rows:
                self.put(kind, pk, local_pk, content_hash)
            else:
                new.append(SyncedRecord(origin=self.origin, kind=kind, origin_pk=pk, local_pk=local_pk,
                                        content_hash=content_hash))
        for r in SyncedRecord.objects.bulk_create(new):
            self.rows[(kind, int(r.origin_pk))] = r

    def put(self, kind: str, pk: int, local_pk: int, content_hash: str = "") -> None:
        r = self.rows.get((kind, int(pk)))
        if r is None:
            r = SyncedRecord.objects.create(origin=self.origin, kind=kind, origin_pk=pk, local_pk=local_pk,
                                            content_hash=content_hash)
            self.rows[(kind, int(pk))] = r
        elif r.local_pk != local_pk or r.content_hash != content_hash:
            r.local_pk, r.content_hash = local_pk, content_hash
            r.save(update_fields=["local_pk", "content_hash", "updated_at"])


def _dt(v):
    return parse_datetime(v) if isinstance(v, str) else v


def check_bundle(data: bytes) -> tuple[fmt.Opened, UnitKey]:
    """Decrypt and authenticate a bundle (no change to the database). Raises BundleError."""
    try:
        ident = keys.province_identity(create=False)
    except keys.KeyError_ as exc:
        raise BundleError(f"{exc} Hãy mở trang Đồng bộ qua tệp để tạo khóa và gửi khóa nhận cho các đơn vị.") from None
    opened = fmt.open_bundle(data, ident)
    origin = opened.origin
    uk = UnitKey.objects.select_related("unit").filter(code=origin).first()
    name = opened.manifest.get("unit_name") or "?"
    if uk is None or not uk.active:
        raise BundleError(f"Gói đến từ đơn vị chưa được đăng ký (mã «{origin}», {name}): không nhập. "
                          "Quản trị viên cần đăng ký mã và khóa công khai của đơn vị này trước.")
    if not keys.verify(uk.public_key, opened.signature, opened.manifest_bytes):
        raise BundleError(f"Chữ ký của gói không hợp lệ: gói không do đơn vị «{uk.unit}» (mã {origin}) ký bằng khóa "
                          "đã đăng ký, hoặc đã bị sửa sau khi ký. Không nhập.")
    return opened, uk


def import_bundle(*, actor, data: bytes, filename: str = "") -> BundleImport:
    """Import a bundle at the province, in one transaction. Raises BundleError (nothing changed)."""
    opened, uk = check_bundle(data)
    m = opened.manifest
    exported_at = _dt(m.get("exported_at"))
    if exported_at is None:
        raise BundleError("Gói không ghi thời điểm xuất.")
    last = BundleImport.objects.filter(origin=uk.code).order_by("-exported_at").first()
    if last is not None and exported_at < last.exported_at:
        raise BundleError(f"Gói này được xuất lúc {timezone.localtime(exported_at):%d/%m/%Y %H:%M}, cũ hơn gói đã nhập "
                          f"(xuất lúc {timezone.localtime(last.exported_at):%d/%m/%Y %H:%M}): không nhập để khỏi ghi đè "
                          "dữ liệu mới hơn.")
    payload = opened.payload()
    try:
        with transaction.atomic():
            counts, case_ids = _apply(payload, opened, uk)
            restamp(case_ids)  # cases a long bundle wrote early: stamped again, for other processes' caches
            bi = BundleImport.objects.create(
                bundle_id=str(m.get("bundle_id", ""))[:40], origin=uk.code, unit=uk.unit, exported_at=exported_at,
                imported_by=actor, sha256=fmt.sha256(data), filename=filename[:255], counts=counts,
                findings={k: v for k, v in (payload.get("findings") or {}).items() if k != "by_case"})
            changed = sum(v.get("created", 0) + v.get("updated", 0) + v.get("deleted", 0) for v in counts.values())
            record("sync.import", bi, f"Nhập gói đồng bộ của {uk.unit} (mã {uk.code}): "
                                      + ("không có thay đổi" if not changed else counts_text(counts)),
                   changes={"counts": counts, "bundle_id": bi.bundle_id}, user=actor)
    except ValidationError as exc:
        raise BundleError("Không nhập được gói: " + "; ".join(exc.messages)) from None
    return bi


KIND_LABELS = {"cases": "vụ việc", "events": "sự kiện", "letters": "văn bản", "documents": "tệp hồ sơ",
               "units": "đơn vị", "courts": "tòa án", "agencies": "cơ quan", "staff": "cán bộ"}


def counts_text(counts: dict) -> str:
    parts = []
    for k, label in KIND_LABELS.items():
        c = counts.get(k) or {}
        bits = [f"{c[x]} {w}" for x, w in (("created", "mới"), ("updated", "sửa"), ("deleted", "xóa")) if c.get(x)]
        if bits:
            parts.append(f"{label}: " + ", ".join(bits))
    return "; ".join(parts) or "không có thay đổi"


def _tally(counts: dict, kind: str, what: str) -> None:
    c = counts.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0})
    c[what] += 1


def _apply(payload: dict, opened: fmt.Opened, uk: UnitKey) -> dict:
    mp = _Map(uk.code)
    counts: dict = {}
    main_origin = opened.manifest.get("unit_id")
    unit_ids = _import_units(payload.get("units", []), main_origin, uk, mp, counts)
    court_ids = _import_orgs(Court, "court", payload.get("courts", []), ORG_FIELDS, mp, counts, "courts")
    agency_ids = _import_orgs(Agency, "agency", payload.get("agencies", []), ORG_FIELDS + ("kind",), mp, counts, "agencies")
    staff_ids = _import_staff(payload.get("staff", []), uk, mp, counts)
    written: list[int] = []
    case_ids = _import_cases(payload.get("cases", []), unit_ids, court_ids, agency_ids, staff_ids, uk, mp, counts,
                             written)
    _import_letters(payload.get("letters", []), payload.get("versions", {}), unit_ids, court_ids, agency_ids, staff_ids,
                    case_ids, uk, mp, counts)
    _import_documents(payload.get("documents", []), case_ids, opened, mp, counts)
    return counts, written


def _import_units(rows, main_origin, uk: UnitKey, mp: _Map, counts) -> dict[int, int]:
    out: dict[int, int] = {}
    lineage = set(unit_lineage(uk.unit_id))
    by_id = {r["id"]: r for r in rows}
    pending = list(rows)
    # successors first, so a predecessor created here points at its local successor
    def depth(r, seen=()):
        s = r.get("successor")
        return 0 if s not in by_id or s in seen else 1 + depth(by_id[s], (*seen, r["id"]))
    for r in sorted(pending, key=depth):
        oid = r["id"]
        if oid == main_origin:
            local = uk.unit_id
        else:
            local = mp.local("unit", oid)
            if local is None or not Unit.objects.filter(pk=local).exists():
                found = Unit.objects.filter(pk__in=lineage, name=r["name"]).first()
                if found is None:
                    found = Unit.objects.create(
                        successor_id=out.get(r.get("successor"), uk.unit_id),
                        **{k: _typed(k, r.get(k)) or ("" if k not in ("valid_from", "valid_to") else None) for k in UNIT_FIELDS})
                    lineage.add(found.pk)
                    _tally(counts, "units", "created")
                local = found.pk
        out[oid] = local
        mp.put("unit", oid, local)
    return out


def _import_orgs(model, kind: str, rows, names, mp: _Map, counts, ckey) -> dict[int, int]:
    out: dict[int, int] = {}
    for r in rows:
        local = mp.local(kind, r["id"])
        if local is None or not model.objects.filter(pk=local).exists():
            obj = model.objects.filter(name=r["name"]).order_by("pk").first()
            if obj is None:
                obj = model.objects.create(**{k: _typed(k, r.get(k)) if r.get(k) is not None else (
                    None if k in ("valid_from", "valid_to") else "") for k in names})
                _tally(counts, ckey, "created")
            local = obj.pk
        out[r["id"]] = local
        mp.put(kind, r["id"], local)
    for r in rows:  # successors, once every row has a local id
        s = out.get(r.get("successor"))
        if s is not None:
            model.objects.filter(pk=out[r["id"]], successor__isnull=True).exclude(pk=s).update(successor_id=s)
    return out


def _import_staff(rows, uk: UnitKey, mp: _Map, counts) -> dict[int, int]:
    """The unit's staff named in cases and letters: an inactive account each (never able to log in)."""
    out: dict[int, int] = {}
    for r in rows:
        local = mp.local("staff", r["id"])
        if local is None or not User.objects.filter(pk=local).exists():
            username = f"{uk.code}.{r['username']}"[:150]
            u = User.objects.filter(username=username).first()
            if u is None:
                u = User(username=username, full_name=r.get("full_name", "")[:120], title=r.get("title", "")[:120],
                         role=r.get("role") if r.get("role") in Role.values else Role.SPECIALIST, unit_id=uk.unit_id,
                         is_active=False)
                u.set_unusable_password()
                u.save()
                _tally(counts, "staff", "created")
            local = u.pk
        out[r["id"]] = local
        mp.put("staff", r["id"], local)
    return out


def _case_values(r: dict, unit_ids, court_ids, agency_ids, staff_ids) -> dict:
    vals = {k: _typed(k, r[k]) for k in conf.ALL_CASE_FIELDS if k in r}
    for k in ("person_name", "residence", "id_number", "vks_proposal", "notes", "sex", "source"):
        if k in vals and vals[k] is None:
            vals[k] = ""
    if r.get("unit") not in unit_ids:
        raise BundleError(f"Vụ việc {r.get('id')} thuộc một đơn vị không có trong gói.")
    vals["unit_id"] = unit_ids[r["unit"]]
    vals["court_id"] = court_ids.get(r.get("court"))
    vals["proposer_id"] = agency_ids.get(r.get("proposer"))
    vals["assigned_to_id"] = staff_ids.get(r.get("assigned_to"))
    return vals


def _import_cases(rows, unit_ids, court_ids, agency_ids, staff_ids, uk, mp: _Map, counts,
                  written: list[int] | None = None) -> dict[int, int]:
    """The bundle's cases upserted; `written` gets the ids of those created or changed."""
    out: dict[int, int] = {}
    written = written if written is not None else []
    efields = conf.event_fields()
    for r in rows:
        h = _h(r)
        rec = mp.get("case", r["id"])
        case = Case.objects.filter(pk=rec.local_pk).first() if rec else None
        if case is not None and rec.content_hash == h:
            out[r["id"]] = case.pk
            _tally(counts, "cases", "unchanged")
            continue
        vals = _case_values(r, unit_ids, court_ids, agency_ids, staff_ids)
        if case is None:
            case = Case.objects.create(**vals)
            _tally(counts, "cases", "created")
        else:
            for k, v in vals.items():
                setattr(case, k, v)
            case.save()
            _tally(counts, "cases", "updated")
        out[r["id"]] = case.pk
        written.append(case.pk)
        if rec is None or not case.events.exists():  # a new case: its events in one insert (with history)
            _create_events(case, r.get("events", []), efields, mp, counts)
            refresh_summary(case)
            mp.put("case", r["id"], case.pk, h)
            continue
        # events: upsert the bundle's, delete the ones the unit deleted
        keep = set()
        for e in r.get("events", []):
            ev_vals = _event_values(e, efields)
            eh = _h(e)
            erec = mp.get("event", e["id"])
            ev = Event.objects.filter(pk=erec.local_pk, case=case).first() if erec else None
            if ev is None:
                ev = Event.objects.create(case=case, **ev_vals)
                _tally(counts, "events", "created")
            elif erec.content_hash != eh:
                for k, v in ev_vals.items():
                    setattr(ev, k, v)
                ev.save()
                _tally(counts, "events", "updated")
            else:
                _tally(counts, "events", "unchanged")
            mp.put("event", e["id"], ev.pk, eh)
            keep.add(ev.pk)
        for ev in Event.objects.filter(case=case).exclude(pk__in=keep):  # the case is the unit's: its events too
            ev.delete()
            _tally(counts, "events", "deleted")
        refresh_summary(case)
        mp.put("case", r["id"], case.pk, h)
    return out


def _event_values(e: dict, efields) -> dict:
    vals = {"code": e["code"], "date": _typed("date", e.get("date")), **{k: _typed(k, e[k]) for k in efields if k in e}}
    for k in ("number", "outcome", "note"):
        if k in vals and vals[k] is None:
            vals[k] = ""
    return vals


def _create_events(case: Case, rows: list[dict], efields, mp: _Map, counts) -> None:
    from simple_history.utils import bulk_create_with_history

    if not rows:
        return
    objs = bulk_create_with_history([Event(case=case, **_event_values(e, efields)) for e in rows], Event)
    if any(o.pk is None for o in objs):  # a database that does not return the new ids
        objs = list(Event.objects.filter(case=case).order_by("pk"))
    mp.put_many("event", [(e["id"], o.pk, _h(e)) for e, o in zip(rows, objs)])
    for _ in rows:
        _tally(counts, "events", "created")


def _version(model, kind: str, origin_id, versions: dict, mp: _Map, uk) -> int:
    """The local ruleset/calendar version with the same content, or a copy (inactive) of the unit's."""
    local = mp.local(kind, origin_id)
    if local is not None and model.objects.filter(pk=local).exists():
        return local
    v = (versions.get("ruleset" if kind == "ruleset" else "calendar") or {}).get(str(origin_id))
    if not v:
        raise BundleError("Gói thiếu phiên bản bộ quy tắc/lịch mà văn bản đã dùng.")
    want = _h(v["data"])
    found = next((x.pk for x in model.objects.only("pk", "data") if _h(x.data) == want), None)
    if found is None:
        found = model.objects.create(label=f"{v['label']} (của {uk.code})"[:80], data=v["data"],
                                     kind=v.get("kind") or "seed", summary=f"Nhận từ gói đồng bộ của {uk.unit}"[:300],
                                     is_active=False).pk
    mp.put(kind, origin_id, found)
    return found


def _import_letters(rows, versions, unit_ids, court_ids, agency_ids, staff_ids, case_ids, uk, mp: _Map, counts) -> None:
    if not rows:
        return
    from kiemsat.legal.models import CalendarVersion, RulesetVersion
    from kiemsat.letters.models import Letter, LetterFinding, LetterReply

    for r in rows:
        h = _h(r)
        rec = mp.get("letter", r["id"])
        lt = Letter.objects.filter(pk=rec.local_pk).first() if rec else None
        if lt is not None and rec.content_hash == h:
            _tally(counts, "letters", "unchanged")
            continue
        vals = {k: _typed(k, r.get(k)) for k in LETTER_FIELDS}
        for k in ("recipient", "recipient_org", "summary", "legal_bases", "requests", "code", "number_text",
                  "template_label", "note"):
            vals[k] = vals[k] or ""
        vals.update(unit_id=unit_ids.get(r.get("unit"), uk.unit_id), court_id=court_ids.get(r.get("court")),
                    agency_id=agency_ids.get(r.get("agency")),
                    ruleset_version_id=_version(RulesetVersion, "ruleset", r["ruleset"], versions, mp, uk),
                    calendar_version_id=_version(CalendarVersion, "calendar", r["calendar"], versions, mp, uk),
                    docx=bytes.fromhex(r["docx"]) if r.get("docx") else None,
                    **{k + "_id": staff_ids.get(r.get(k)) for k in ("signer", "created_by", "approved_by", "issued_by")})
        if lt is None:
            lt = Letter.objects.create(**vals)
            _tally(counts, "letters", "created")
        else:
            for k, v in vals.items():
                setattr(lt, k, v)
            lt.save()
            lt.findings.all().delete()
            lt.replies.all().delete()
            _tally(counts, "letters", "updated")
        for f in r.get("findings", []):
            fv = {k: _typed(k, f.get(k)) for k in LFINDING_FIELDS}
            for k in ("so_thu_ly", "measure", "rule_label", "responsible", "start_label", "act_label", "unit_code",
                      "citation", "explanation"):
                fv[k] = fv[k] or ""
            fv["flags"], fv["extra"] = fv["flags"] or [], fv["extra"] or {}
            LetterFinding.objects.create(
                letter=lt, case_id=case_ids.get(f.get("case")),
                ruleset_version_id=_version(RulesetVersion, "ruleset", f["ruleset"], versions, mp, uk),
                calendar_version_id=_version(CalendarVersion, "calendar", f["calendar"], versions, mp, uk), **fv)
        for rp in r.get("replies", []):
            LetterReply.objects.create(letter=lt, **{k: _typed(k, rp.get(k)) or "" if k != "date" else _typed(k, rp[k])
                                                      for k in REPLY_FIELDS})
        mp.put("letter", r["id"], lt.pk, h)


def _import_documents(rows, case_ids, opened: fmt.Opened, mp: _Map, counts) -> None:
    Document = documents_model()
    if Document is None or not rows:
        return
    from kiemsat.documents import storage

    for r in rows:
        h = _h(r)
        rec = mp.get("document", r["id"])
        doc = Document.objects.filter(pk=rec.local_pk).first() if rec else None
        if r.get("has_file"):
            data = opened.file(r["sha256"])
            if data is not None and fmt.sha256(data) == r["sha256"]:
                dest = storage.path_for(r["sha256"])
                if not dest.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    tmp = dest.with_name(dest.name + ".part")
                    tmp.write_bytes(data)
                    tmp.replace(dest)
        if doc is not None and rec.content_hash == h:
            _tally(counts, "documents", "unchanged")
            continue
        case_id = case_ids.get(r.get("case"))
        if case_id is None:
            continue
        vals = {k: r.get(k) for k in DOC_FIELDS}
        for k in ("number", "checklist_item", "text", "text_source", "name"):
            vals[k] = vals[k] or ""
        vals["event_id"] = mp.local("event", r.get("event"))
        vals["search_folded"] = fold(" ".join([vals["name"], vals["number"], vals["text"]]))
        vals["source"] = "sync"
        if doc is None:
            doc = Document.objects.filter(case_id=case_id, sha256=r["sha256"]).first()
        if doc is None:
            doc = Document.objects.create(case_id=case_id, **vals)
            _tally(counts, "documents", "created")
        else:
            for k, v in vals.items():
                setattr(doc, k, v)
            doc.save()
            _tally(counts, "documents", "updated")
        mp.put("document", r["id"], doc.pk, h)
