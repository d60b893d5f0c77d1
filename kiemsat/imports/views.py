"""Thin views over the import: upload, preview and mapping, run with progress, report, past
batches, reconciliation and the Excel export. The logic lives in services / selectors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kiemsat.audit.services import record
from kiemsat.cases import selectors as case_selectors
from kiemsat.domain.workbook import WorkbookError
from kiemsat.org.models import Court, Role, Unit

from . import selectors, services
from .export import export_register
from .fields import field_choices
from .models import ImportBatch, ImportRow, MappingProfile
from .permissions import can_import, can_view_batch

RECONCILE_WHOLE_ROWS = 3000  # up to this many rows the reconciliation page computes the whole book


def _require_import(user) -> None:
    if not can_import(user):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị hoặc quản trị được nhập sổ Excel.")


def _get_batch(request, pk) -> ImportBatch:
    _require_import(request.user)
    batch = get_object_or_404(ImportBatch.objects.select_related("unit", "court", "created_by", "profile"), pk=pk)
    if not can_view_batch(request.user, batch):
        raise Http404("Không tìm thấy lần nhập này.")
    return batch


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def upload(request):
    _require_import(request.user)
    error = ""
    if request.method == "POST":
        limit = services.max_upload_bytes()
        length = _int(request.META.get("CONTENT_LENGTH")) or 0
        if length > limit + 1024 * 1024:
            error = (f"Tệp quá lớn ({length / 1048576:.1f} MB); chỉ nhận tệp đến {limit // 1048576} MB. "
                     "Hãy xóa các trang không cần thiết hoặc chia sổ thành nhiều tệp.")
        else:
            f = request.FILES.get("file")
            if f is None:
                error = "Hãy chọn tệp sổ Excel (.xlsx, .xls hoặc .ods) để tải lên."
            else:
                try:
                    batch, _reading = services.store_upload(f, actor=request.user, unit=request.user.unit)
                except WorkbookError as exc:
                    error = str(exc)
                else:
                    return redirect("import_preview", pk=batch.pk)
    ctx = {
        "error": error,
        "max_mb": services.max_upload_bytes() // 1048576,
        "batches": selectors.visible_batches(request.user)[:10],
        "profiles": MappingProfile.objects.all(),
    }
    return render(request, "imports/upload.html", ctx, status=400 if error else 200)


def _mapping_from_post(post, pv: selectors.Preview) -> dict[str, str | None]:
    allowed = {v for v, _l in field_choices()}
    mapping: dict[str, str | None] = {}
    for c in pv.columns:
        v = post.get(c.input_name, c.field or "")
        if v not in allowed:
            v = c.field or ""
        mapping.setdefault(c.key, v or None)
    return mapping


def _unit_choice(request, batch: ImportBatch):
    """The unit the import goes to: a leader's own; an administrator chooses (name)."""
    user = request.user
    if user.role != Role.ADMIN and not user.is_superuser and user.unit_id:
        return user.unit
    return (request.POST.get("unit") or "").strip() or batch.unit or user.unit


def preview(request, pk):
    batch = _get_batch(request, pk)
    if batch.status in (ImportBatch.Status.DONE,):
        return redirect("import_report", pk=batch.pk)
    if batch.status == ImportBatch.Status.RUNNING:
        return redirect("import_progress", pk=batch.pk)
    try:
        pv = selectors.preview(batch)
    except WorkbookError as exc:
        messages.error(request, str(exc))
        return redirect("import_upload")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    profile_error = ""
    if action == "use_profile":
        profile = MappingProfile.objects.filter(pk=_int(request.POST.get("profile"))).first()
        if profile is None:
            messages.error(request, "Hãy chọn một hồ sơ ánh xạ đã lưu.")
        else:
            try:
                services.set_batch_mapping(batch, profile.mapping, profile)
            except WorkbookError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"Đã áp dụng hồ sơ ánh xạ «{profile.name}».")
        return redirect("import_preview", pk=batch.pk)
    if action in ("apply", "save_profile", "import"):
        mapping = _mapping_from_post(request.POST, pv)
        try:
            if mapping != {c.key: c.field for c in pv.columns}:
                services.set_batch_mapping(batch, mapping, None)
            if action == "save_profile":
                p = services.save_profile(actor=request.user, name=request.POST.get("profile_name", ""),
                                          mapping=mapping, unit=request.user.unit)
                batch.profile = p
                batch.save(update_fields=["profile"])
                messages.success(request, f"Đã lưu hồ sơ ánh xạ «{p.name}» để dùng cho lần nhập sau.")
        except ValidationError as exc:
            profile_error = "; ".join(exc.messages)
        except WorkbookError as exc:
            messages.error(request, str(exc))
            return redirect("import_preview", pk=batch.pk)
        else:
            if action == "import":
                unit = _unit_choice(request, batch)
                court = (request.POST.get("court") or "").strip() or None
                if not services.start_import(batch, actor=request.user, unit=unit, court=court):
                    messages.info(request, "Sổ này đang được nhập hoặc đã nhập xong.")
                return redirect("import_progress", pk=batch.pk)
            return redirect("import_preview", pk=batch.pk)
    user = request.user
    unit = batch.unit or user.unit
    ctx = {
        "batch": batch,
        "pv": pv,
        "choices": field_choices(),
        "profiles": MappingProfile.objects.all(),
        "profile_error": profile_error,
        "can_choose_unit": user.role == Role.ADMIN or user.is_superuser or not user.unit_id,
        "unit": unit,
        "units": Unit.objects.all(),
        "courts": Court.objects.all(),
        "court_name": services.suggest_court_name(unit),
        "error": batch.error if batch.status == ImportBatch.Status.FAILED else "",
    }
    return render(request, "imports/preview.html", ctx)


def progress(request, pk):
    batch = _get_batch(request, pk)
    if batch.status == ImportBatch.Status.DONE:
        url = reverse("import_report", args=[batch.pk])
        if request.htmx:
            resp = HttpResponse(status=204)
            resp["HX-Redirect"] = url
            return resp
        return redirect(url)
    if batch.status in (ImportBatch.Status.FAILED, ImportBatch.Status.UPLOADED):  # the preview shows the error
        url = reverse("import_preview", args=[batch.pk])
        if request.htmx:
            resp = HttpResponse(status=204)
            resp["HX-Redirect"] = url
            return resp
        return redirect(url)
    p = services.progress_of(batch.pk) or {"done": 0, "total": batch.total_rows}
    total = p.get("total") or 0
    pct = int(100 * p["done"] / total) if total else 0
    ctx = {"batch": batch, "done": p["done"], "total": total, "pct": pct}
    template = "imports/_progress.html" if request.htmx else "imports/progress.html"
    return render(request, template, ctx)


def report(request, pk):
    batch = _get_batch(request, pk)
    if batch.status != ImportBatch.Status.DONE:
        return redirect("import_preview", pk=batch.pk)
    status = request.GET.get("status", "")
    warned = request.GET.get("warn") == "1"
    page = Paginator(selectors.batch_rows(batch, status, warned), 200).get_page(request.GET.get("page"))
    ctx = {"batch": batch, "page": page, "status": status, "warned": warned, "statuses": ImportRow.Status.choices,
           "can_reconcile": _reconcile_available()}
    return render(request, "imports/report.html", ctx)


def report_xlsx(request, pk):
    batch = _get_batch(request, pk)
    from .export import export_report

    data = export_report(batch)
    record("import.report.export", batch, f"Tải báo cáo nhập sổ {batch.file_name}")
    return _xlsx_response(data, f"bao-cao-nhap-{batch.pk}.xlsx")


def batches(request):
    _require_import(request.user)
    page = Paginator(selectors.visible_batches(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "imports/batches.html", {"page": page})


@require_POST
def profile_delete(request, pk):
    _require_import(request.user)
    profile = get_object_or_404(MappingProfile, pk=pk)
    services.delete_profile(actor=request.user, profile=profile)
    messages.success(request, f"Đã xóa hồ sơ ánh xạ «{profile.name}».")
    return redirect("import_upload")


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def export_xlsx(request):
    """The register (what the user sees, with the register's filters) or one batch, as .xlsx."""
    g = request.GET
    user = request.user
    subtitle = ""
    batch_id = _int(g.get("batch"))
    if batch_id:
        batch = _get_batch(request, batch_id)
        qs = case_selectors.visible_cases(user).filter(import_rows__batch=batch).distinct()
        subtitle = f"nhập từ {batch.file_name}"
    else:
        f = case_selectors.RegisterFilters(
            q=g.get("q", "").strip()[:100], year=_int(g.get("year")), measure=g.get("measure", ""),
            stage=g.get("stage", ""), staff=_int(g.get("staff")), court=_int(g.get("court")),
            outcome=g.get("outcome", ""), unit=_int(g.get("unit")),
        )
        qs = case_selectors.register(user, f)
    unit_name = user.unit.name if user.unit_id else ""
    today = timezone.localdate()
    data = export_register(qs, unit_name=unit_name, as_of=today, subtitle=subtitle)
    record("cases.export_xlsx", None, f"Xuất {qs.count()} vụ việc ra Excel", {"batch": batch_id, "query": g.urlencode()})
    return _xlsx_response(data, f"so-theo-doi-{today:%Y%m%d}.xlsx")


def _reconcile_available() -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse("import_reconcile", args=[1])
    except NoReverseMatch:
        return False
    return True


def reconcile(request, pk):
    """The book's own flags beside the engine's findings, row by row (as of the book's date)."""
    from . import reconcile as rec

    batch = _get_batch(request, pk)
    if batch.status != ImportBatch.Status.DONE:
        return redirect("import_preview", pk=batch.pk)
    only_diff = request.GET.get("lech") == "1"
    rows = batch.rows.filter(case__isnull=False).select_related("case").order_by("id")
    whole = rows.count() <= RECONCILE_WHOLE_ROWS
    if whole:  # the whole book at once: counts, and the filter over every row
        summary = rec.reconcile(batch, rows=rows)
        shown = [r for r in summary.rows if not (only_diff and r.agrees)]
        page = Paginator(shown, 100).get_page(request.GET.get("page"))
        result = summary
    else:  # a big book: one page at a time (the .xlsx has everything)
        summary = None
        page = Paginator(rows, 100).get_page(request.GET.get("page"))
        result = rec.reconcile(batch, rows=list(page.object_list))
        page.object_list = [r for r in result.rows if not (only_diff and r.agrees)]
    ctx = {"batch": batch, "page": page, "result": result, "summary": summary, "only_diff": only_diff,
           "class_labels": rec.CLASS_LABELS}
    return render(request, "imports/reconcile.html", ctx)


def reconcile_xlsx(request, pk):
    from .export import export_reconciliation
    from .reconcile import reconcile as run

    batch = _get_batch(request, pk)
    if batch.status != ImportBatch.Status.DONE:
        return redirect("import_preview", pk=batch.pk)
    data = export_reconciliation(run(batch))
    record("import.reconcile.export", batch, f"Tải bảng đối chiếu sổ {batch.file_name}")
    return _xlsx_response(data, f"doi-chieu-{batch.pk}.xlsx")


@require_POST
def discard(request, pk):
    batch = _get_batch(request, pk)
    try:
        services.discard_upload(batch, actor=request.user)
    except WorkbookError as exc:
        messages.error(request, str(exc))
        return redirect("import_report", pk=batch.pk)
    messages.success(request, f"Đã bỏ sổ {batch.file_name} (chưa nhập).")
    return redirect("import_upload")
