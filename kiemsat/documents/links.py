"""Import the file links of a unit's workbook: where a column holds file paths (D:\\SoHoa\\2024\\HS_012.pdf),
the user points the product at the folder that holds a copy of them; each file is checked and attached
to the case of its row; missing files and rows without a case are listed."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render

from kiemsat.cases.models import Case
from kiemsat.domain.vntext import fold
from kiemsat.org import permissions as perm

from . import services, storage

_YEAR = re.compile(r"/((?:19|20)\d\d)\b")
LINK_FIELDS = ("scan",)


@dataclass
class LinkRow:
    sheet: str
    row: int
    so_thu_ly: str
    name: str
    link: str
    status: str  # attached | would_attach | missing_file | no_case | refused | duplicate
    message: str = ""
    case: Case | None = None
    found: str = ""


@dataclass
class LinkReport:
    rows: list[LinkRow] = field(default_factory=list)
    dry_run: bool = True

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(("attached", "would_attach", "missing_file", "no_case", "refused", "duplicate"), 0)
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    @property
    def missing(self) -> list[LinkRow]:
        return [r for r in self.rows if r.status in ("missing_file", "no_case", "refused")]


def _ci_child(d: Path, name: str, cache: dict) -> Path | None:
    p = d / name
    if p.exists():
        return p
    key = str(d)
    if key not in cache:
        try:
            cache[key] = {n.lower(): n for n in os.listdir(d)}
        except OSError:
            cache[key] = {}
    real = cache[key].get(name.lower())
    return d / real if real else None


def resolve(link: str, folder: Path, cache: dict | None = None) -> Path | None:
    """The file a workbook link names, inside `folder` (a copy of the link's folder): the longest tail
    of the link's path that exists under the folder (names compared without case, as Windows does).
    Never outside the folder: '..' parts are refused, symlinks leading out are ignored."""
    cache = {} if cache is None else cache
    parts = [p for p in re.split(r"[\\/]+", (link or "").strip()) if p and p != "."]
    if not parts or any(p == ".." for p in parts):
        return None
    if re.match(r"^[A-Za-z]:$", parts[0]):
        parts = parts[1:]
    root = folder.resolve()
    for i in range(len(parts)):
        cur: Path | None = root
        for name in parts[i:]:
            cur = _ci_child(cur, name, cache)
            if cur is None:
                break
        if cur is not None and cur.is_file():
            real = cur.resolve()
            if real == root or root in real.parents:
                return real
    return None


def _links_of(row) -> list[str]:
    out = []
    for k in LINK_FIELDS:
        v = row.extras.get(k) or row.values.get(k)
        if v:
            out.extend(x.strip() for x in re.split(r"[;\n]+", str(v)) if x.strip())
    return out


def _find_case(values: dict, cases_by_number: dict, cases_by_name: dict) -> Case | None:
    stl = (values.get("so_thu_ly") or "").strip()
    if stl:
        year = None
        acc = values.get("accepted")
        if hasattr(acc, "year"):
            year = acc.year
        else:
            m = _YEAR.search(stl)
            year = int(m.group(1)) if m else None
        hits = cases_by_number.get((stl, year)) or ([] if year else cases_by_number.get((stl, None), []))
        if len(hits) == 1:
            return hits[0]
    name = fold(values.get("name") or "")
    if name:
        hits = cases_by_name.get((name, values.get("birth_year")), [])
        if len(hits) == 1:
            return hits[0]
    return None


def import_links(*, actor, workbook: Path, folder: Path, dry_run: bool = True) -> LinkReport:
    if actor is not None and not perm.can_approve(actor) and not perm.can_manage_reference_data(actor):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được nhập tệp theo đường dẫn trong sổ.")
    from kiemsat.cases.selectors import visible_cases
    from kiemsat.domain.workbook import WorkbookError, read_workbook

    folder = Path(folder)
    if not folder.is_absolute() or not folder.is_dir():
        raise ValidationError({"folder": f"Không thấy thư mục “{folder}” trên máy chủ (cần đường dẫn đầy đủ, ví dụ "
                                         f"/home/donvi/SoHoa hoặc E:\\SoHoa)."})
    try:
        reading = read_workbook(workbook)
    except WorkbookError as exc:
        raise ValidationError({"workbook": str(exc)}) from exc
    qs = visible_cases(actor) if actor is not None else Case.objects.all()
    by_number: dict = {}
    by_name: dict = {}
    for c in qs.only("id", "so_thu_ly", "year", "person_name", "birth_year", "unit_id", "assigned_to_id"):
        if c.so_thu_ly:
            by_number.setdefault((c.so_thu_ly, c.year), []).append(c)
            by_number.setdefault((c.so_thu_ly, None), []).append(c)
        by_name.setdefault((fold(c.person_name), c.birth_year), []).append(c)
    report = LinkReport(dry_run=dry_run)
    cache: dict = {}
    for r in reading.rows:
        links = _links_of(r)
        if not links:
            continue
        case = _find_case(r.values, by_number, by_name)
        for link in links:
            row = LinkRow(r.sheet, r.row, r.values.get("so_thu_ly") or "", r.values.get("name") or "", link, "", case=case)
            report.rows.append(row)
            path = resolve(link, folder, cache)
            if path is None:
                row.status, row.message = "missing_file", "Không thấy tệp trong thư mục đã chọn."
                continue
            row.found = str(path)
            if case is None:
                row.status, row.message = "no_case", "Không tìm thấy vụ việc của dòng này trong sổ thụ lý."
                continue
            if dry_run:
                sha = storage.file_sha256(path)
                if case.documents.filter(sha256=sha).exists():
                    row.status, row.message = "duplicate", "Tệp đã có trong hồ sơ."
                else:
                    row.status = "would_attach"
                continue
            try:
                with path.open("rb") as fh:
                    services.attach(actor=actor, case=case, name=path.name, content=fh, source="link",
                                    source_path=link)
            except ValidationError as exc:
                msg = " ".join(m for ms in exc.message_dict.values() for m in ms)
                row.status = "duplicate" if "trùng" in msg else "refused"
                row.message = msg
            except PermissionDenied as exc:
                row.status, row.message = "refused", str(exc)
            else:
                row.status = "attached"
    return report


def _store_workbook(f) -> Path:
    root = Path(settings.MEDIA_ROOT) / "imports" / "links"
    root.mkdir(parents=True, exist_ok=True)
    tmp, sha, size = storage.spool(f.chunks(), 50 * 1024 * 1024)
    ext = f.name.rsplit(".", 1)[-1].lower() if "." in f.name else "xlsx"
    if ext not in ("xlsx", "xlsm", "xls", "ods"):
        storage.discard(tmp)
        raise ValidationError({"workbook": "Sổ phải là tệp Excel (.xlsx, .xlsm, .xls) hoặc .ods."})
    dest = root / f"{sha}.{ext}"
    os.replace(tmp, dest)
    return dest


def import_page(request):
    if not (perm.can_approve(request.user) or perm.can_manage_reference_data(request.user)):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được nhập tệp theo đường dẫn trong sổ.")
    ctx: dict = {"folder": request.POST.get("folder", ""), "report": None, "token": ""}
    if request.method == "POST":
        try:
            token = request.POST.get("token", "")
            if token and re.fullmatch(r"[0-9a-f]{64}\.(xlsx|xlsm|xls|ods)", token):
                wb = Path(settings.MEDIA_ROOT) / "imports" / "links" / token
                if not wb.exists():
                    raise ValidationError({"workbook": "Sổ đã tải lên không còn; hãy chọn lại tệp sổ."})
            elif request.FILES.get("workbook"):
                wb = _store_workbook(request.FILES["workbook"])
            else:
                raise ValidationError({"workbook": "Hãy chọn tệp sổ Excel."})
            dry = request.POST.get("action") != "run"
            report = import_links(actor=request.user, workbook=wb, folder=Path(ctx["folder"].strip()), dry_run=dry)
            ctx.update(report=report, token=wb.name)
            if not dry:
                messages.success(request, f"Đã gắn {report.count('attached')} tệp vào hồ sơ; "
                                          f"{len(report.missing)} dòng cần xem lại.")
        except ValidationError as exc:
            msgs = exc.message_dict.values() if hasattr(exc, "message_dict") else [exc.messages]
            ctx["error"] = " ".join(m for ms in msgs for m in ms)
    return render(request, "documents/import_links.html", ctx)
