"""Thin views over letters: parse the request, call a selector or a service, render.
Service refusals (ValidationError, PermissionDenied) become Vietnamese messages, never a 500."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kiemsat.audit.models import AuditEntry
from kiemsat.audit.services import record
from kiemsat.cases.models import Case
from kiemsat.domain import dates
from kiemsat.legal import selectors as legal_selectors
from kiemsat.legal import services as legal_services
from kiemsat.org import permissions as org_perm
from kiemsat.org.models import CASE_STAFF_ROLES, Role, User

from . import permissions as perm
from . import render as rendering
from . import selectors, services
from .forms import IssueForm, LetterEditForm, ReasonForm, ReplyForm, SettingsForm, TemplateUploadForm
from .models import KIND_SHORT, Kind, Letter, LetterTemplate, State


def _date(v: str | None) -> dt.date | None:
    if not v:
        return None
    r = dates.parse_date(v)
    return r.value if r.value and r.kind not in ("serial", "year") and not r.warning else None


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errs in exc.message_dict.values() for m in errs]
    return list(exc.messages)


def _error(request, exc: ValidationError) -> None:
    for m in _messages(exc):
        messages.error(request, m)


def _get_letter(request, pk) -> Letter:
    letter = get_object_or_404(Letter.objects.select_related("unit", "signer", "created_by", "approved_by",
                                                             "issued_by", "court", "agency"), pk=pk)
    if not perm.can_view(request.user, letter):
        raise Http404("Không tìm thấy văn bản.")
    return letter


# ------------------------------------------------------------------------------ register
def index(request):
    g = request.GET
    f = selectors.LetterFilters(kind=g.get("kind", ""), state=g.get("state", ""), year=_int(g.get("year")),
                                q=g.get("q", "").strip()[:100])
    today = services.today()
    year = f.year or today.year
    letters = list(selectors.register(request.user, f)[:300])
    for letter in letters:
        letter.recipient_text = selectors.recipient_text(letter)
    ctx = {
        "letters": letters, "f": f, "kinds": Kind.choices, "states": State.choices,
        "years": selectors.years(request.user), "can_draft": perm.can_draft(request.user),
        "unanswered": selectors.unanswered(request.user, today), "urge_again": selectors.urge_again(request.user, today),
        "stats_rows": _stats_rows(selectors.acceptance_stats(request.user, dt.date(year, 1, 1), dt.date(year, 12, 31))),
        "stats_year": year,
    }
    return render(request, "letters/index.html", ctx)


def _stats_rows(stats: dict) -> list[tuple[str, dict]]:
    return [(KIND_SHORT[Kind.COURT], stats[Kind.COURT.value]), (KIND_SHORT[Kind.PREVENTIVE], stats[Kind.PREVENTIVE.value]),
            ("Cộng", stats["all"])]


# ------------------------------------------------------------------------------ new letter
def _period(data) -> tuple[dt.date | None, dt.date | None, list[str]]:
    errors = []
    for key in ("from", "to"):
        if data.get(key) and _date(data.get(key)) is None:
            errors.append(f"Ngày “{data.get(key)[:20]}” không hợp lệ; nhập theo dạng dd/mm/yyyy.")
    return _date(data.get("from")), _date(data.get("to")), errors


def new(request):
    """GET: pick findings by kind, period, staff, rule, recipient. POST from the violations register
    (a selection, no kind yet): review it. POST with create=1: make the draft."""
    kinds = perm.drafting_kinds(request.user)
    if not kinds:
        raise PermissionDenied("Bạn không có quyền soạn văn bản.")
    data = request.POST if request.method == "POST" else request.GET
    today = services.today()
    date_from, date_to, errors = _period(data)
    if "from" not in data and "to" not in data:
        date_from, date_to = dt.date(today.year, 1, 1), today
    # POST: "f" = the findings ticked for the letter; "sel" = the whole selection brought from the
    # violations register (kept while the user switches the kind of letter)
    keys = services.parse_keys(data.getlist("f")) if request.method == "POST" else None
    shown = (services.parse_keys(data.getlist("sel")) or keys) if request.method == "POST" else None
    kind = data.get("kind") if data.get("kind") in kinds else None
    filters = legal_selectors.FindingFilters(date_from=date_from, date_to=date_to, rule=data.get("rule", ""),
                                             staff=_int(data.get("staff")))
    if request.method == "POST" and not shown:
        messages.error(request, "Chưa chọn phát hiện nào: hãy đánh dấu ít nhất một phát hiện để đưa vào văn bản.")
        if "create" not in data:
            return redirect(reverse("violations") + "?" + _query(date_from, date_to))
    if shown and kind is None:
        rows = selectors.candidates(request.user, Kind.COURT, filters, today, keys=shown)
        kind = services.guess_kind([c.row.f for c in rows])
        if kind not in kinds:
            kind = None
            messages.warning(request, "Các phát hiện đã chọn không cùng một loại văn bản: hãy chọn loại văn bản; "
                                      "những phát hiện không phù hợp sẽ không được đưa vào.")
    if request.method == "POST" and "create" in data and kind:
        try:
            letter = services.create_draft(actor=request.user, kind=kind, keys=keys or [], as_of=today,
                                           period_from=date_from, period_to=date_to,
                                           recipient=(data.get("recipient") or "").strip() or None)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, f"Đã tạo dự thảo {letter.kind_short} gồm {letter.findings.count()} phát hiện.")
            return redirect("letter_detail", letter.pk)
    kind = kind or kinds[0]
    org_id = _int(data.get("org"))
    selection = request.method == "POST"  # a selection (from the violations register, or a failed create)
    if selection:
        cands = selectors.candidates(request.user, kind, legal_selectors.FindingFilters(date_from, date_to), today,
                                     keys=shown or [])
        if shown and len(cands) < len(shown):
            messages.warning(request, f"{len(shown) - len(cands)} phát hiện đã chọn không phải vi phạm hay quá hạn "
                                      "trong kỳ (hoặc dữ liệu đã thay đổi) nên không đưa vào văn bản được.")
    else:
        cands = selectors.candidates(request.user, kind, filters, today, org_id=org_id)
    _, rs = legal_services.active_ruleset()
    body = services.RESPONSIBLE_OF[kind]
    ctx = {
        "kind": kind, "kinds": [(k, Kind(k).label) for k in kinds], "cands": cands, "errors": errors,
        "from_text": dates.fmt(date_from), "to_text": dates.fmt(date_to), "selection": selection,
        "selected": {f"{c}:{r}" for c, r in keys} if keys else None,
        "sel": [f"{c}:{r}" for c, r in shown or []],
        "rules": [(r.id, r.label) for r in rs.rules if r.responsible == body],
        "staff": User.objects.filter(unit_id=request.user.unit_id, role__in=[*CASE_STAFF_ROLES, Role.LEADER]),
        "orgs": selectors.orgs_of(cands) if not selection else [], "org_id": org_id, "rule": data.get("rule", ""),
        "staff_id": _int(data.get("staff")), "recipient": data.get("recipient", ""), "as_of": today,
        "n_eligible": sum(1 for c in cands if c.eligible),
    }
    return render(request, "letters/new.html", ctx)


def _query(a, b) -> str:
    from urllib.parse import urlencode

    return urlencode({"from": dates.fmt(a), "to": dates.fmt(b)})


# ------------------------------------------------------------------------------ one letter
def detail(request, pk):
    letter = _get_letter(request, pk)
    u = request.user
    ctx = {
        "letter": letter, **selectors.letter_detail(letter), "recipient": selectors.recipient_text(letter),
        "can": {"edit": perm.can_edit(u, letter), "submit": perm.can_submit(u, letter),
                "approve": perm.can_approve(u, letter), "return": perm.can_return(u, letter),
                "cancel": perm.can_cancel(u, letter), "issue": perm.can_issue(u, letter),
                "confirm": perm.can_confirm(u, letter), "reply": perm.can_reply(u, letter)},
        "issue_form": IssueForm(initial={"issued_on": services.today()}), "reason_form": ReasonForm(),
        "reply_form": ReplyForm(), "pdf": rendering.pdf_available(),
        "history": AuditEntry.objects.filter(object_type="letter", object_id=str(letter.pk)).order_by("id"),
        "steps": [(s, State(s).label) for s in (State.DRAFT, State.SUBMITTED, State.APPROVED, State.ISSUED)],
    }
    if letter.state == State.ISSUED and letter.is_recommendation and not letter.replies.exists():
        days, source, _law = services.reply_days_setting(letter.unit, letter.issued_on)
        ctx["follow_up"] = (letter.issued_on + dt.timedelta(days=days), source)
    return render(request, "letters/detail.html", ctx)


def edit(request, pk):
    letter = _get_letter(request, pk)
    if not perm.can_edit(request.user, letter):
        raise PermissionDenied("Chỉ người soạn hoặc lãnh đạo được sửa văn bản chưa duyệt.")
    form = LetterEditForm(request.POST or None, instance=Letter.objects.get(pk=letter.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_draft(actor=request.user, letter=letter, data=form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    for m in errs:
                        form.add_error(field if field in form.fields else None, m)
            else:
                for m in exc.messages:
                    form.add_error(None, m)
        else:
            messages.success(request, "Đã lưu.")
            return redirect("letter_detail", letter.pk)
    return render(request, "letters/edit.html", {"letter": letter, "form": form})


@require_POST
def action(request, pk, name):
    letter = _get_letter(request, pk)
    a = request.user
    try:
        if name == "submit":
            services.submit(actor=a, letter=letter)
            messages.success(request, "Đã trình lãnh đạo duyệt.")
        elif name == "approve":
            services.approve(actor=a, letter=letter)
            messages.success(request, "Đã duyệt văn bản.")
        elif name in ("return", "cancel"):
            form = ReasonForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            if name == "return":
                services.return_to_draft(actor=a, letter=letter, reason=reason)
                messages.success(request, "Đã trả lại văn bản để sửa.")
            else:
                services.cancel(actor=a, letter=letter, reason=reason)
                messages.success(request, "Đã hủy văn bản.")
        elif name == "issue":
            form = IssueForm(request.POST)
            if not form.is_valid():
                raise ValidationError([m for errs in form.errors.values() for m in errs])
            done = services.issue(actor=a, letter=letter, issued_on=form.cleaned_data["issued_on"])
            messages.success(request, f"Đã ban hành văn bản số {done.number_text} ngày {dates.fmt(done.issued_on)}.")
        elif name == "confirm":
            n = services.confirm_finding(actor=a, letter=letter, lf_id=_int(request.POST.get("lf")),
                                         note=request.POST.get("note", ""))
            messages.success(request, f"Đã xác nhận {n} phát hiện.")
        elif name == "confirm-all":
            n = services.confirm_finding(actor=a, letter=letter, lf_id=None, note=request.POST.get("note", ""))
            messages.success(request, f"Đã xác nhận {n} phát hiện.")
        elif name == "remove":
            services.remove_finding(actor=a, letter=letter, lf_id=_int(request.POST.get("lf")) or 0)
            messages.success(request, "Đã bỏ phát hiện khỏi văn bản.")
        else:
            raise Http404
    except ValidationError as exc:
        _error(request, exc)
    return redirect("letter_detail", letter.pk)


@require_POST
def reply(request, pk):
    letter = _get_letter(request, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        for errs in form.errors.values():
            for m in errs:
                messages.error(request, m)
        return redirect("letter_detail", letter.pk)
    try:
        services.record_reply(actor=request.user, letter=letter, **form.cleaned_data)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, "Đã ghi nhận trả lời.")
    return redirect("letter_detail", letter.pk)


def docx(request, pk):
    letter = _get_letter(request, pk)
    try:
        data = services.document(letter)
    except ValidationError as exc:
        _error(request, exc)
        return redirect("letter_detail", letter.pk)
    record("letter.download", letter, f"Tải {letter}")
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    resp["Content-Disposition"] = f'attachment; filename="{services.filename(letter)}"'
    return resp


def pdf(request, pk):
    letter = _get_letter(request, pk)
    try:
        data = rendering.to_pdf(services.document(letter))
    except ValidationError as exc:
        _error(request, exc)
        return redirect("letter_detail", letter.pk)
    except rendering.PdfUnavailable as exc:
        return render(request, "letters/no_pdf.html", {"letter": letter, "message": str(exc)})
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{services.filename(letter)[:-5]}.pdf"'
    return resp


def case_letters(request, case_pk):
    case = get_object_or_404(Case, pk=case_pk)
    if not org_perm.can_view_case(request.user, case):
        raise Http404("Không tìm thấy vụ việc.")
    return render(request, "letters/case.html", {"case": case, "letters": selectors.letters_for_case(request.user, case.pk)})


# ------------------------------------------------------------------------------ templates and settings
def templates(request):
    can = perm.can_manage_templates(request.user)
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can:
            raise PermissionDenied("Chỉ lãnh đạo được thay mẫu văn bản.")
        if form.is_valid():
            up = form.cleaned_data["file"]
            try:
                t = services.upload_template(actor=request.user, kind=form.cleaned_data["kind"], data=up.read(),
                                             filename=up.name, note=form.cleaned_data["note"])
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    for m in errs:
                        form.add_error(field if field in form.fields else None, m)
            else:
                messages.success(request, f"Đã tải lên và dùng mẫu mới: {t}.")
                return redirect("letter_templates")
    rows = []
    for k, label in Kind.choices:
        versions = list(LetterTemplate.objects.filter(kind=k).select_related("uploaded_by").defer("content"))
        rows.append({"kind": k, "label": label, "versions": versions,
                     "active": next((v for v in versions if v.is_active), None)})
    return render(request, "letters/templates.html", {"rows": rows, "form": form, "can": can,
                                                      "known": sorted(services.C.KNOWN_NAMES)})


@require_POST
def template_activate(request, kind):
    if kind not in Kind.values:
        raise Http404
    try:
        services.activate_template(actor=request.user, kind=kind, template_id=_int(request.POST.get("template")))
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, "Đã đổi mẫu đang dùng.")
    return redirect("letter_templates")


def template_download(request, kind, version=None):
    if kind not in Kind.values:
        raise Http404
    if version is None:
        data, name = rendering.shipped_template(kind), f"{kind}-mau-goc.docx"
    else:
        t = get_object_or_404(LetterTemplate, kind=kind, version=version)
        data, name = bytes(t.content), f"{kind}-phien-ban-{t.version}.docx"
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


def settings_view(request):
    unit = request.user.unit
    if unit is None:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào.")
    current = services.settings_for(unit)
    can = perm.can_change_settings(request.user)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST":
        if not can:
            raise PermissionDenied("Chỉ lãnh đạo đơn vị được thay đổi thiết lập văn bản.")
        if form.is_valid():
            try:
                services.update_settings(actor=request.user, unit=unit, data=form.cleaned_data)
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    for m in errs:
                        form.add_error(field if field in form.fields else None, m)
            else:
                messages.success(request, "Đã lưu thiết lập.")
                return redirect("letter_settings")
    days, source, law = services.reply_days_setting(unit, services.today())
    return render(request, "letters/settings.html", {"form": form, "can": can, "reply": (days, source, law),
                                                     "unit": unit})
