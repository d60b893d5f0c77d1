"""Views over findings: the case's deadline panel, the violations register and its export."""

from __future__ import annotations

import datetime as dt
import io

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from kiemsat.audit.services import record
from kiemsat.cases.models import Case
from kiemsat.domain import dates, engine
from kiemsat.org import permissions as perm
from kiemsat.org.models import CASE_STAFF_ROLES, Role, User

from . import selectors, services


def _date(v: str | None) -> dt.date | None:
    if not v:
        return None
    r = dates.parse_date(v)
    return r.value if r.value and r.kind not in ("serial", "year") else None


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def case_deadlines(request, pk):
    case = get_object_or_404(Case, pk=pk)
    if not perm.can_view_case(request.user, case):
        raise Http404
    as_of = _date(request.GET.get("as_of")) or services.local_today()
    return render(request, "legal/_panel.html", {"rows": selectors.case_panel(case, as_of), "as_of": as_of, "case": case})


def _filters(request) -> tuple[selectors.FindingFilters, list[str]]:
    g = request.GET
    errors = []
    today = services.local_today()
    f = selectors.FindingFilters(
        date_from=_date(g.get("from")), date_to=_date(g.get("to")), responsible=g.get("responsible", ""),
        rule=g.get("rule", ""), staff=_int(g.get("staff")),
        status=g.get("status", "") if g.get("status") in ("violation", "overdue", "due_soon") else "",
    )
    for key in ("from", "to"):
        if g.get(key) and _date(g.get(key)) is None:
            errors.append(f"Ngày “{g.get(key)[:20]}” không hợp lệ; nhập theo dạng dd/mm/yyyy.")
    if "from" not in g and "to" not in g:
        f.date_from, f.date_to = dt.date(today.year, 1, 1), today
    return f, errors


VIOLATIONS_PAGE = 200


def violations(request):
    from django.core.paginator import Paginator

    f, errors = _filters(request)
    rows = selectors.findings_register(request.user, f)  # built a page at a time
    page = Paginator(rows, VIOLATIONS_PAGE).get_page(request.GET.get("page"))
    _, rs = services.active_ruleset()
    ctx = {
        "rows": page.object_list, "page": page, "total": len(rows), "f": f, "errors": errors, "rules": [(r.id, r.label) for r in rs.rules if r.responsible],
        "bodies": selectors.RESPONSIBLE_LABELS.items(),
        "staff": User.objects.filter(unit_id=request.user.unit_id, role__in=[*CASE_STAFF_ROLES, Role.LEADER]),
        "from_text": dates.fmt(f.date_from) if f.date_from else "", "to_text": dates.fmt(f.date_to) if f.date_to else "",
    }
    return render(request, "legal/violations.html", ctx)


def violations_xlsx(request):
    import xlsxwriter

    f, _ = _filters(request)
    rows = selectors.findings_register(request.user, f)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Vi phạm")
    bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1, "bg_color": "#F2F2F2"})
    title = wb.add_format({"bold": True, "font_size": 13})
    datef = wb.add_format({"num_format": "dd/mm/yyyy", "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    period = f"từ {dates.fmt(f.date_from) or '…'} đến {dates.fmt(f.date_to) or '…'}"
    ws.write(0, 0, f"SỔ VI PHẠM THỜI HẠN ({period})", title)
    ws.write(1, 0, f"Lập ngày {dates.fmt(services.local_today())}")
    heads = ["STT", "Họ và tên", "Số thụ lý", "Quy tắc", "Nội dung", "Cơ quan chịu trách nhiệm", "Tình trạng",
             "Hạn", "Ngày thực hiện", "Số ngày chậm", "Đơn vị tính", "Căn cứ pháp lý", "Diễn giải", "Ghi chú"]
    for c, h in enumerate(heads):
        ws.write(3, c, h, bold)
    for i, r in enumerate(rows, start=1):
        row = 3 + i
        ws.write_number(row, 0, i)
        ws.write(row, 1, r.person)
        ws.write(row, 2, r.so_thu_ly)
        ws.write(row, 3, r.f.rule)
        ws.write(row, 4, r.f.label, wrap)
        ws.write(row, 5, r.responsible_label)
        ws.write(row, 6, r.status_text)
        if r.f.due:
            ws.write_datetime(row, 7, dt.datetime.combine(r.f.due, dt.time()), datef)
        if r.f.actual:
            ws.write_datetime(row, 8, dt.datetime.combine(r.f.actual, dt.time()), datef)
        if r.f.late is not None:
            ws.write_number(row, 9, r.f.late)
        ws.write(row, 10, selectors.UNIT_WORDS.get(r.f.unit or "", ""))
        ws.write(row, 11, r.f.citation, wrap)
        ws.write(row, 12, r.f.explanation, wrap)
        ws.write(row, 13, "; ".join(r.f.flags))
    widths = [5, 24, 20, 26, 36, 16, 22, 11, 13, 8, 14, 40, 60, 30]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.freeze_panes(4, 2)
    ws.autofilter(3, 0, 3 + len(rows), len(heads) - 1)
    wb.close()
    record("export.violations", None, f"Xuất sổ vi phạm {period} ({len(rows)} dòng)")
    resp = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="so-vi-pham-{services.local_today():%Y%m%d}.xlsx"'
    return resp


STATUS_CHOICES = [("", "Vi phạm và quá hạn"), ("violation", "Vi phạm"), ("overdue", "Quá hạn"),
                  ("due_soon", "Sắp đến hạn")]
_ = engine  # statuses come from the engine's vocabulary
