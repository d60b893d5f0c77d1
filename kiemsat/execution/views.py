"""Thin views: the execution register, urging letters, handover, archive submission."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kiemsat.cases.models import Case
from kiemsat.legal import services as legal
from kiemsat.letters import permissions as letter_perm
from kiemsat.letters.models import Kind
from kiemsat.org import permissions as perm
from kiemsat.org.models import CASE_STAFF_ROLES, Role, User
from kiemsat.web.fields import apply_service_errors

from . import selectors, services
from .forms import ArchiveForm, DeliveryForm

PAGE = 50


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _flt(request) -> str:
    v = request.GET.get("loc", "")
    return v if v in selectors.FILTERS else ""


def _staff(request):
    return User.objects.filter(unit_id=request.user.unit_id, role__in=[*CASE_STAFF_ROLES, Role.LEADER])


def _url_pattern(name: str) -> str:
    """reverse(name, args=[pk]) as a format string (one reverse per page, not one per row)."""
    return reverse(name, args=[987654321]).replace("987654321", "{}")


def register(request):
    as_of = legal.local_today()
    flt, staff = _flt(request), _int(request.GET.get("staff"))
    t = selectors.table(request.user, as_of, selectors.stamp(request))
    rows = selectors.register(request.user, flt, as_of, staff=staff, t=t)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    urges = selectors.urge_state(request.user, as_of)
    shown = list(page.object_list)
    case_url, deliver_url = _url_pattern("case_detail"), _url_pattern("execution_deliver")
    event_url = _url_pattern("event_add")
    for r in shown:  # fresh objects (full_rows), not the shared table's
        r.urge = urges.get(r.case_id)
        r.url, r.deliver_url, r.event_url = (case_url.format(r.case_id), deliver_url.format(r.case_id),
                                             event_url.format(r.case_id))
    ctx = {
        "rows": shown,
        "page": page, "flt": flt, "filters": selectors.FILTERS.items(),
        "counts": selectors.counts(request.user, as_of, t),
        "as_of": as_of, "staff": _staff(request), "staff_id": staff, "expiring_days": selectors.EXPIRING_DAYS,
        "can_urge": letter_perm.can_draft(request.user, Kind.URGE),
        "urge_again": selectors.urge_again(request.user, as_of, urges),
    }
    return render(request, "execution/register.html", ctx)


def export(request):
    as_of = legal.local_today()
    flt = _flt(request)
    t = selectors.table(request.user, as_of, selectors.stamp(request))
    rows = selectors.register(request.user, flt, as_of, staff=_int(request.GET.get("staff")), t=t)
    data = services.export_register(actor=request.user, rows=selectors.export_rows(rows.ids, t, as_of),
                                    flt_label=selectors.FILTERS[flt], as_of=as_of)
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="so-thi-hanh-{as_of:%Y%m%d}.xlsx"'
    return resp


@require_POST
def urge(request):
    ids = [i for i in (_int(v) for v in request.POST.getlist("case")) if i]
    try:
        letter, without = services.urge_letter(actor=request.user, case_ids=ids, as_of=legal.local_today())
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("execution_register")
    if without:
        names = list(Case.objects.filter(pk__in=without).values_list("person_name", flat=True)[:10])
        messages.warning(request, f"Chưa đưa vào văn bản {len(without)} người chưa có việc thi hành quá hạn: "
                                  + ", ".join(names) + ("…" if len(without) > 10 else "") + ".")
    messages.success(request, f"Đã tạo dự thảo văn bản đôn đốc gồm {letter.findings.count()} phát hiện.")
    return redirect("letter_detail", letter.pk)


def _case(request, pk) -> Case:
    case = get_object_or_404(Case.objects.select_related("unit", "assigned_to"), pk=pk)
    if not perm.can_view_case(request.user, case):
        raise Http404("Không tìm thấy vụ việc.")
    return case


def deliver(request, pk):
    case = _case(request, pk)
    if not perm.can_edit_event(request.user, case, "delivered"):
        raise PermissionDenied("Bạn không có quyền ghi việc bàn giao cho vụ việc này.")
    form = DeliveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_delivery(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Đã ghi việc bàn giao {case.person_name} vào cơ sở.")
            return redirect("case_detail", case.pk)
    return render(request, "execution/deliver.html", {"form": form, "case": case})


def archive(request):
    as_of = legal.local_today()
    staff = _int(request.GET.get("staff"))
    t = selectors.table(request.user, as_of, selectors.stamp(request))
    everyone = selectors.archive_outstanding(request.user, as_of, t=t)
    rows = selectors.archive_outstanding(request.user, as_of, staff=staff, t=t) if staff else everyone
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    ctx = {"page": page, "by_staff": everyone.by_staff(), "period": selectors.archive_period(as_of), "as_of": as_of,
           "staff_id": staff, "total": len(rows), "overdue": rows.n_overdue}
    return render(request, "execution/archive.html", ctx)


def archive_record(request, pk):
    case = _case(request, pk)
    if not perm.can_edit_event(request.user, case, "archived"):
        raise PermissionDenied("Bạn không có quyền ghi việc nộp lưu hồ sơ của vụ việc này.")
    form = ArchiveForm(request.POST or None, initial={"date": legal.local_today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_archive(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Đã ghi nộp lưu hồ sơ kiểm sát của {case.person_name}.")
            return redirect("archive_list")
    row = selectors.case_row(case)
    due = selectors.archive_due(row.ended_on) if row and row.ended_on else None
    return render(request, "execution/archive_form.html", {"form": form, "case": case, "row": row, "due": due})
