"""Thin views over the register: parse the request, call a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kiemsat.domain.events import EVENT_TYPE_BY_CODE, MEASURE_LABELS, OUTCOME_LABELS
from kiemsat.domain.stage import STAGE_LABELS
from kiemsat.org import permissions as perm
from kiemsat.org.models import CASE_STAFF_ROLES, Role, User

from . import selectors, services
from kiemsat.web.fields import apply_service_errors

from .forms import CaseForm, EventForm
from .models import Case, Event


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def register_list(request):
    g = request.GET
    f = selectors.RegisterFilters(
        q=g.get("q", "").strip()[:100], year=_int(g.get("year")), measure=g.get("measure", ""),
        stage=g.get("stage", ""), staff=_int(g.get("staff")), court=_int(g.get("court")),
        outcome=g.get("outcome", ""), unit=_int(g.get("unit")), sort=g.get("sort", selectors.DEFAULT_SORT),
    )
    qs = selectors.register(request.user, f)
    page = selectors.register_page(qs, g.get("page"), split=selectors.split_units(request.user, f), sort=f.sort)
    ctx = {"page": page, "f": f}
    if request.htmx and request.htmx.target == "register-rows":  # the rows only: no filter lists to read
        return render(request, "cases/_register_rows.html", ctx)
    ctx.update({
        "years": selectors.years(request.user),
        "measures": MEASURE_LABELS.items(), "stages": STAGE_LABELS.items(), "outcomes": OUTCOME_LABELS.items(),
        "staff": User.objects.filter(unit_id=request.user.unit_id, role__in=[*CASE_STAFF_ROLES, Role.LEADER]),
        "courts": selectors.courts(request.user),
        "can_create": perm.can_create_case(request.user),
    })
    return render(request, "cases/register.html", ctx)


def _get_case(request, pk) -> Case:
    case = get_object_or_404(Case.objects.select_related("unit", "court", "proposer", "assigned_to"), pk=pk)
    if not perm.can_view_case(request.user, case):
        raise Http404("Không tìm thấy vụ việc.")
    return case


def case_detail(request, pk):
    case = _get_case(request, pk)
    from kiemsat.audit.services import record

    record("case.view", case, f"Xem hồ sơ {case}")
    ctx = {
        "case": case,
        "timeline": selectors.case_timeline(case),
        "can_edit": perm.can_edit_case(request.user, case),
        "can_add_events": perm.can_add_events(request.user, case),
        "editable_codes": perm.editable_event_codes(request.user, case),
        "problems": services.date_problems(case),
        "event_types": EVENT_TYPE_BY_CODE,
    }
    from kiemsat.legal import selectors as legal_selectors
    from kiemsat.legal.services import local_today

    ctx["as_of"] = local_today()
    ctx["rows"] = legal_selectors.case_panel(case, ctx["as_of"])
    return render(request, "cases/detail.html", ctx)


def case_history(request, pk):
    case = _get_case(request, pk)
    rows = []
    for h in case.history.select_related("history_user").order_by("-history_date")[:200]:
        prev = h.prev_record
        changes = []
        if prev is not None:
            delta = h.diff_against(prev)
            changes = [(c.field, c.old, c.new) for c in delta.changes if c.field not in ("updated_at", "name_sort", "search_folded")]
        rows.append({"kind": "Vụ việc", "h": h, "changes": changes})
    for h in Event.history.filter(case_id=case.pk).select_related("history_user").order_by("-history_date")[:500]:
        prev = h.prev_record
        changes = []
        if prev is not None:
            changes = [(c.field, c.old, c.new) for c in h.diff_against(prev).changes]
        rows.append({"kind": EVENT_TYPE_BY_CODE[h.code].label if h.code in EVENT_TYPE_BY_CODE else h.code, "h": h, "changes": changes})
    rows.sort(key=lambda r: r["h"].history_date, reverse=True)
    return render(request, "cases/history.html", {"case": case, "rows": rows})


def case_create(request):
    if not perm.can_create_case(request.user):
        raise PermissionDenied("Bạn không có quyền tạo vụ việc.")
    is_leader = request.user.role == Role.LEADER
    suggestion = None
    if is_leader:  # the least loaded staff member, with the reason (workload app)
        from kiemsat.workload.selectors import suggest_assignee

        suggestion = suggest_assignee(request.user)
    initial_staff = suggestion.user.pk if suggestion and suggestion.user else request.user.pk
    form = CaseForm(request.POST or None, unit=request.user.unit, can_assign=is_leader,
                    initial={"assigned_to": initial_staff})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not is_leader:
            data.pop("assigned_to", None)
        try:
            case, _ = services.create_case(actor=request.user, unit=request.user.unit, data=data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Đã tạo vụ việc của {case.person_name}.")
            return redirect("case_detail", pk=case.pk)
    return render(request, "cases/case_form.html", {"form": form, "title": "Thêm vụ việc", "suggestion": suggestion})


def case_edit(request, pk):
    case = _get_case(request, pk)
    if not perm.can_edit_case(request.user, case):
        raise PermissionDenied("Bạn không có quyền sửa vụ việc này.")
    can_assign = perm.can_assign(request.user, case)
    initial = {f: getattr(case, f) for f in services.CASE_FIELDS}
    form = CaseForm(request.POST or None, unit=case.unit, can_assign=can_assign, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not can_assign:
            data.pop("assigned_to", None)
        try:
            services.update_case(actor=request.user, case=case, data=data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Đã lưu thay đổi.")
            return redirect("case_detail", pk=case.pk)
    return render(request, "cases/case_form.html", {"form": form, "case": case, "title": f"Sửa vụ việc – {case.person_name}"})


def event_add(request, pk):
    case = _get_case(request, pk)
    if not perm.can_add_events(request.user, case):
        raise PermissionDenied("Bạn không có quyền ghi sự kiện cho vụ việc này.")
    codes = perm.editable_event_codes(request.user, case)
    form = EventForm(request.POST or None, codes=codes, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_event(actor=request.user, case=case, code=form.cleaned_data["code"], **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Đã ghi sự kiện.")
            if "again" in request.POST:
                return redirect("event_add", pk=case.pk)
            return redirect("case_detail", pk=case.pk)
    return render(request, "cases/event_form.html", {"form": form, "case": case, "title": "Ghi sự kiện tố tụng",
                                                     "field_map": _event_field_map()})


def event_edit(request, pk, event_pk):
    case = _get_case(request, pk)
    event = get_object_or_404(Event, pk=event_pk, case=case)
    if not perm.can_edit_event(request.user, case, event.code):
        raise PermissionDenied("Bạn không có quyền sửa sự kiện này.")
    initial = {k: getattr(event, k) for k in ("date", "received", "end", "number", "outcome", "term_months", "note")}
    initial["prosecutor_present"] = {True: "1", False: "0"}.get(event.prosecutor_present, "")
    initial["code"] = event.code
    form = EventForm(request.POST or None, codes=[event.code], fixed_code=event.code, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(actor=request.user, event=event, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Đã lưu sự kiện.")
            return redirect("case_detail", pk=case.pk)
    return render(request, "cases/event_form.html", {"form": form, "case": case, "event": event, "title": "Sửa sự kiện",
                                                     "field_map": _event_field_map()})


def _event_field_map() -> dict:
    """Which optional fields each event type uses (the form shows only those)."""
    from kiemsat.domain.events import EVENT_TYPES

    return {t.code: {"number": t.has_number, "outcome": t.has_outcome, "presence": t.has_presence, "end": t.has_end}
            for t in EVENT_TYPES}


@require_POST
def event_delete(request, pk, event_pk):
    case = _get_case(request, pk)
    event = get_object_or_404(Event, pk=event_pk, case=case)
    services.delete_event(actor=request.user, event=event)
    messages.success(request, "Đã xóa sự kiện.")
    return redirect("case_detail", pk=case.pk)
