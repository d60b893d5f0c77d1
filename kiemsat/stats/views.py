"""Statistics pages: the report for a period, the cases behind a number, the .xlsx / .docx exports.
Thin: the figures come from `selectors`, the files from `exports`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from kiemsat.audit.services import record
from kiemsat.cases.models import Case
from kiemsat.legal import services as legal
from kiemsat.legal.selectors import RESPONSIBLE_LABELS

from . import exports, selectors
from .forms import ReportForm

PAGE_SIZE = 50


def _read(request):
    """(form, period or None, scope, today) from the query string."""
    today = legal.local_today()
    choices = selectors.unit_choices(request.user)
    form = ReportForm(request.GET or None, units=choices, today=today)
    period = form.get_period()
    scope = selectors.scope_for(request.user, form.get_unit() if period else None, choices,
                                merge=form.get_merge() if period else False)
    return form, period, scope, today


def _query(period, scope) -> str:
    params = dict(period.params()) if period else {}
    if scope.unit is not None:
        params["don_vi"] = str(scope.unit.unit.pk)
    if scope.merged and scope.choices:
        params["gop"] = "1"
    return urlencode(params)


def report_page(request):
    form, period, scope, today = _read(request)
    rep = selectors.report(scope, period, today) if period else None
    ctx = {"form": form, "errors": form.error_list(), "rep": rep, "scope": scope, "q": _query(period, scope),
           "charts": exports.chart_data(rep) if rep else None}
    return render(request, "stats/report.html", ctx)


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def cases_page(request):
    with selectors.no_jit():
        return _cases_page(request)


def _cases_page(request):
    form, period, scope, today = _read(request)
    g = request.GET
    back = reverse("stats_report") + "?" + _query(period, scope)
    if period is None:
        for e in form.error_list():
            messages.error(request, e)
        return redirect(reverse("stats_report"))
    key = g.get("chi_tieu", "")
    measure = g.get("bien_phap", "")
    if measure and measure not in selectors.MEASURES:
        messages.warning(request, "Biện pháp không hợp lệ; hiển thị mọi biện pháp.")
        measure = ""
    unit = _int(g.get("don_vi_con"))
    body = g.get("co_quan", "")
    if body and body not in RESPONSIBLE_LABELS:
        messages.warning(request, "Cơ quan không hợp lệ; hiển thị mọi cơ quan.")
        body = ""
    _, rs = legal.active_ruleset()
    rule = g.get("quy_tac", "")
    if rule and rule not in rs:
        messages.warning(request, "Quy tắc không hợp lệ; hiển thị mọi quy tắc.")
        rule = ""
    status = g.get("tinh_trang", "") if g.get("tinh_trang") in ("violation", "overdue") else ""
    try:
        b = selectors.behind(scope, period, key, measure=measure, unit=unit, rule=rule, body=body, status=status,
                             today=today)
    except KeyError:
        messages.error(request, "Chỉ tiêu không hợp lệ.")
        return redirect(back)
    except LookupError:
        messages.info(request, f"Chỉ tiêu “{selectors.BY_KEY[key].label}”: {selectors.NO_DATA}.")
        return redirect(back)
    if b.ids is not None:
        page = Paginator(b.ids, PAGE_SIZE).get_page(g.get("page"))
        by_id = Case.objects.select_related("court", "assigned_to", "unit").in_bulk(list(page.object_list))
        rows = [by_id[i] for i in page.object_list if i in by_id]
    else:
        qs = b.qs.select_related("court", "assigned_to", "unit").order_by("-thu_ly_date", "-id")
        page = Paginator(qs, PAGE_SIZE).get_page(g.get("page"))
        rows = list(page.object_list)
    counted = selectors.events_behind(key, period, [c.pk for c in rows])
    for c in rows:
        c.stat_findings = b.findings.get(c.pk, [])
        c.stat_events = counted.get(c.pk, [])
    filters = []
    if measure:
        filters.append(("Biện pháp", selectors.MEASURE_SHORT[selectors.Measure(measure)]))
    if unit is not None:
        gname = next((x.unit.name for x in (scope.groups or scope.choices) if x.unit.pk == unit), "—")
        filters.append(("Đơn vị", gname))
    if rule:
        filters.append(("Quy tắc", f"{rule} – {rs[rule].label}"))
    if body:
        filters.append(("Cơ quan", RESPONSIBLE_LABELS[body]))
    if status:
        filters.append(("Tình trạng", "Vi phạm" if status == "violation" else "Quá hạn"))
    ctx = {"b": b, "period": period, "scope": scope, "page": page, "rows": rows, "back": back, "filters": filters,
           "as_of": min(period.end, today), "show_unit": bool(scope.choices),
           "show_events": b.indicator.source in ("event", "event_cases")}
    return render(request, "stats/cases.html", ctx)


def _export(request, kind: str):
    form, period, scope, today = _read(request)
    if period is None:
        for e in form.error_list():
            messages.error(request, e)
        return redirect(reverse("stats_report"))
    rep = selectors.report(scope, period, today)
    if kind == "xlsx":
        data = exports.xlsx(rep)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = exports.docx(rep, request.user)
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    record(f"export.stats_{kind}", None, f"Xuất báo cáo thống kê {period.label} – {scope.label} ({kind})")
    resp = HttpResponse(data, content_type=ctype)
    resp["Content-Disposition"] = (f'attachment; filename="bao-cao-thong-ke-{period.start:%Y%m%d}-'
                                   f'{period.end:%Y%m%d}.{kind}"')
    return resp


def report_xlsx(request):
    return _export(request, "xlsx")


def report_docx(request):
    return _export(request, "docx")
