from __future__ import annotations

import datetime as dt
import io

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kiemsat.org.models import Role
from kiemsat.web.fields import BootstrapMixin, VNDateField

from . import selectors, services

EXPORT_LIMIT = 100_000


def can_read_audit(user) -> bool:
    return user.is_active and (user.role in (Role.LEADER, Role.ADMIN) or user.is_superuser)


class FilterForm(BootstrapMixin, forms.Form):
    since = VNDateField(label="Từ ngày", required=False)
    until = VNDateField(label="Đến ngày", required=False)
    who = forms.CharField(label="Người thực hiện", required=False, max_length=150)
    group = forms.ChoiceField(label="Loại", required=False, choices=[("", "Tất cả"), *[(c, l) for c, l, _ in selectors.GROUPS]])
    q = forms.CharField(label="Nội dung, mã đối tượng, địa chỉ", required=False, max_length=150)


def _guard(request):
    if not can_read_audit(request.user):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị và quản trị được xem nhật ký.")


def _filters(request):
    form = FilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    return form, f


def log(request):
    _guard(request)
    form, f = _filters(request)
    page = Paginator(selectors.filtered(request.user, f), 50).get_page(request.GET.get("page"))
    for e in page.object_list:
        e.label = selectors.action_label(e.action)
        e.rows = selectors.change_rows(e.changes)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html", {"form": form, "page": page, "head": services.head(),
                                              "query": query.urlencode()})


class DayForm(BootstrapMixin, forms.Form):
    ngay = VNDateField(label="Ngày", required=False)


def daily(request):
    """The daily report: what was done that day and the chain's head hash at its end; `?tai=1`
    downloads it as text (checked against the whole chain first; audited)."""
    from . import daily as daily_

    _guard(request)
    form = DayForm(request.GET or None)
    today = timezone.localdate()
    day = (form.cleaned_data.get("ngay") if form.is_valid() else None) or today
    if day > today:
        form.add_error("ngay", "Chưa đến ngày này.")
        day = today
    download = request.GET.get("tai") == "1" and not form.errors
    report = daily_.daily_report(day, check=download, user=request.user)
    unit = getattr(request.user, "unit", None)
    if download:
        services.record("audit.daily_export", None, f"Tải báo cáo nhật ký ngày {day:%d/%m/%Y}",
                        {"head": report.head_hash})
        resp = HttpResponse(daily_.as_text(report, unit.name if unit else ""), content_type="text/plain; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{daily_.file_name(day)}"'
        return resp
    return render(request, "audit/daily.html", {"form": form, "r": report, "day": day, "today": today,
                                                "prev": day - dt.timedelta(days=1),
                                                "next": day + dt.timedelta(days=1) if day < today else None})


def verify(request):
    _guard(request)
    ok, n, msg = services.verify_chain()
    return render(request, "audit/_verify.html", {"ok": ok, "n": n, "msg": msg, "head": services.head()})


def export(request):
    """The filtered log as an Excel workbook (itself audited)."""
    import xlsxwriter

    _guard(request)
    form, f = _filters(request)
    rows = selectors.filtered(request.user, f)[:EXPORT_LIMIT]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "remove_timezone": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("Nhật ký")
    bold = wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    when = wb.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    head = ["Số", "Thời điểm", "Tài khoản", "Họ tên", "Địa chỉ", "Hành động", "Đối tượng", "Mã", "Nội dung", "Thay đổi", "Mã băm"]
    for c, h in enumerate(head):
        ws.write(0, c, h, bold)
    import json

    n = 0
    for n, e in enumerate(rows.iterator(chunk_size=2000), start=1):
        ws.write_number(n, 0, e.pk)
        ws.write_datetime(n, 1, timezone.localtime(e.at).replace(tzinfo=None), when)
        ws.write_string(n, 2, e.username)
        ws.write_string(n, 3, e.user.full_name if e.user else "")
        ws.write_string(n, 4, e.ip)
        ws.write_string(n, 5, selectors.action_label(e.action))
        ws.write_string(n, 6, e.object_type)
        ws.write_string(n, 7, e.object_id)
        ws.write_string(n, 8, e.summary)
        ws.write_string(n, 9, json.dumps(e.changes, ensure_ascii=False)[:30000] if e.changes else "")
        ws.write_string(n, 10, e.hash)
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 19)
    ws.set_column(2, 7, 14)
    ws.set_column(8, 9, 60)
    ws.freeze_panes(1, 0)
    h = services.head()
    info = wb.add_worksheet("Kiểm tra")
    info.write(0, 0, "Mã băm cuối của nhật ký")
    info.write(0, 1, h["hash"])
    info.write(1, 0, "Số bản ghi")
    info.write(1, 1, h["entries"])
    info.write(2, 0, "Xuất lúc")
    info.write(2, 1, timezone.localtime().strftime("%d/%m/%Y %H:%M:%S"))
    wb.close()
    services.record("audit.export", None, f"Xuất nhật ký ({n} dòng)",
                    {k: str(v) for k, v in f.items() if v})
    resp = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="nhat-ky-{timezone.localtime():%Y%m%d-%H%M}.xlsx"'
    return resp
