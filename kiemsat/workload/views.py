"""Thin views: the workload page (leaders) and reassignment."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kiemsat.cases.models import Case
from kiemsat.legal import services as legal
from kiemsat.org import permissions as perm
from kiemsat.web.fields import apply_service_errors

from . import selectors, services
from .conf import weights
from .forms import ReassignForm

PERIODS = {"thang": "Tháng này", "quy": "Quý này", "nam": "Năm nay"}


def _period(kind: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if kind == "nam":
        return dt.date(today.year, 1, 1), today
    if kind == "quy":
        return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    return today.replace(day=1), today


def can_view(user) -> bool:
    return perm.can_approve(user) and user.unit_id is not None


def workload(request):
    if not can_view(request.user):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị xem được trang phân công, cân đối công việc.")
    today = legal.local_today()
    kind = request.GET.get("ky") if request.GET.get("ky") in PERIODS else "thang"
    period = _period(kind, today)
    from kiemsat.execution.selectors import stamp

    rows = selectors.loads(request.user, today, period, stamp=stamp(request))
    chart = {"labels": [r.name for r in rows], "scores": [r.score for r in rows],
             "open": [r.open_cases for r in rows]}
    ctx = {"rows": rows, "as_of": today, "period": period, "kind": kind, "periods": PERIODS.items(),
           "w": weights(), "chart": chart, "suggestion": selectors.suggest_assignee(request.user, today, computed=rows),
           "num": selectors.num}
    return render(request, "workload/index.html", ctx)


@require_POST
def reassign(request, pk):
    case = get_object_or_404(Case, pk=pk)
    if not perm.can_view_case(request.user, case):
        raise Http404("Không tìm thấy vụ việc.")
    if not perm.can_assign(request.user, case):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được phân công lại vụ việc.")
    form = ReassignForm(request.POST, unit_id=request.user.unit_id)
    if form.is_valid():
        try:
            services.reassign(actor=request.user, case=case, to=form.cleaned_data["to"],
                              reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Đã phân công lại vụ việc cho {form.cleaned_data['to'].full_name}.")
            return redirect("case_detail", case.pk)
    for errs in form.errors.values():
        for e in errs:
            messages.error(request, e)
    return redirect("case_detail", case.pk)
