"""Pages of the file sync: a unit sets itself up and exports; the province registers units and imports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kiemsat.org import permissions as perm
from kiemsat.org.models import Role

from . import keys, services
from .forms import ExportForm, IdentityForm, ImportForm, RegisterForm
from .models import BundleExport, BundleImport, UnitKey

MAX_BUNDLE = 2 * 1024 ** 3


def is_provincial(user) -> bool:
    return user.unit_id is not None and user.unit.is_provincial


def can_export(user) -> bool:
    """A leader or an administrator of a unit (not of the province)."""
    return user.is_active and (user.role in (Role.LEADER, Role.ADMIN) or user.is_superuser) and not is_provincial(user)


def can_import(user) -> bool:
    """An administrator, or a leader of the provincial procuracy."""
    return user.is_active and (perm.can_manage_users(user) or (user.role == Role.LEADER and is_provincial(user)))


def can_register(user) -> bool:
    return perm.can_manage_users(user)


def index(request, identity_form=None, register_form=None, import_form=None):
    u = request.user
    if not (can_export(u) or can_import(u)):
        raise PermissionDenied("Chỉ lãnh đạo hoặc quản trị dùng được đồng bộ qua tệp.")
    ctx = {"can_export": can_export(u), "can_import": can_import(u), "can_register": can_register(u)}
    if ctx["can_export"]:
        ident = services.identity()
        ctx["ident"] = ident
        if ident is not None:
            pub = keys.public_text(keys.signing_key(ident.code))
            ctx["public_key"], ctx["fingerprint"] = pub, keys.fingerprint(pub)
        ctx["identity_form"] = identity_form or IdentityForm(initial={
            "unit": ident.unit_id if ident else None, "code": ident.code if ident else "",
            "recipient": ident.recipient if ident else ""})
        ctx["export_form"] = ExportForm()
        ctx["exports"] = BundleExport.objects.select_related("exported_by")[:20]
    if ctx["can_import"]:
        ctx["recipient"] = keys.province_recipient()
        ctx["unit_keys"] = [(k, keys.fingerprint(k.public_key)) for k in UnitKey.objects.select_related("unit")]
        ctx["register_form"] = register_form or RegisterForm()
        ctx["import_form"] = import_form or ImportForm()
        ctx["imports"] = list(BundleImport.objects.select_related("unit", "imported_by")[:30])
        for i in ctx["imports"]:
            i.change_text = services.counts_text(i.counts)
    return render(request, "sync/index.html", ctx)


def _errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for f, errs in exc.message_dict.items():
            form.add_error(f if f in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


@require_POST
def identity(request):
    if not can_export(request.user):
        raise PermissionDenied("Chỉ lãnh đạo hoặc quản trị của đơn vị thiết lập được đồng bộ.")
    form = IdentityForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.set_identity(actor=request.user, unit=d["unit"], code=d["code"], recipient=d["recipient"])
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "Đã lưu thiết lập đồng bộ.")
            return redirect("sync_index")
    return index(request, identity_form=form)


@require_POST
def export(request):
    if not can_export(request.user):
        raise PermissionDenied("Chỉ lãnh đạo hoặc quản trị của đơn vị xuất được gói đồng bộ.")
    form = ExportForm(request.POST)
    form.is_valid()
    try:
        name, data, _ = services.bundle_bytes_for_download(actor=request.user,
                                                          documents=form.cleaned_data.get("documents", False))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("sync_index")
    resp = HttpResponse(data, content_type="application/octet-stream")
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@require_POST
def register(request):
    if not can_register(request.user):
        raise PermissionDenied("Chỉ quản trị viên đăng ký được khóa của đơn vị.")
    form = RegisterForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            uk = services.register_unit_key(actor=request.user, code=d["code"], unit=d["unit"], public_key=d["public_key"])
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"Đã đăng ký mã {uk.code} cho {uk.unit}.")
            return redirect("sync_index")
    return index(request, register_form=form)


@require_POST
def unregister(request, pk):
    if not can_register(request.user):
        raise PermissionDenied("Chỉ quản trị viên đổi được đăng ký của đơn vị.")
    uk = get_object_or_404(UnitKey, pk=pk)
    services.deactivate_unit_key(actor=request.user, uk=uk)
    messages.success(request, f"Đã ngừng nhận gói của mã {uk.code}.")
    return redirect("sync_index")


@require_POST
def import_view(request):
    if not can_import(request.user):
        raise PermissionDenied("Chỉ quản trị viên hoặc lãnh đạo Viện kiểm sát cấp tỉnh nhập được gói.")
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        f = form.cleaned_data["bundle"]
        if f.size > MAX_BUNDLE:
            form.add_error("bundle", "Tệp quá lớn.")
        else:
            try:
                bi = services.import_bundle(actor=request.user, data=f.read(), filename=f.name)
            except services.BundleError as exc:
                form.add_error("bundle", str(exc))
            else:
                messages.success(request, f"Đã nhập gói của {bi.unit} (mã {bi.origin}): {services.counts_text(bi.counts)}.")
                return redirect("sync_index")
    return index(request, import_form=form)
