"""Views of the digitised dossiers (thin: the work is in services / selectors)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from kiemsat.cases.models import Case, Event
from kiemsat.org import permissions as perm

from . import links, selectors, services, thumbs
from .extract import ocr_status
from .models import Document
from .uploads import StoreUploadHandler


def _case(request, pk) -> Case:
    case = get_object_or_404(Case, pk=pk)
    if not perm.can_view_case(request.user, case):
        raise Http404
    return case


def _doc(request, pk) -> Document:
    doc = selectors.visible_document(request.user, pk)
    if doc is None:
        raise Http404
    return doc


def _to_case(case):
    return redirect(reverse("case_detail", args=[case.pk]) + "#documents")


def _messages_of(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for ms in exc.message_dict.values() for m in ms)
    return " ".join(exc.messages)


def index(request):
    ctx = {"ocr": ocr_status(), "queue": selectors.queue_summary(),
           "problems": selectors.problem_documents(request.user), "can_approve": perm.can_approve(request.user)}
    return render(request, "documents/index.html", ctx)


@csrf_exempt
@require_POST
def upload(request, pk):
    """Files are spooled inside the data directory (the handler must be set before the body is read,
    hence CSRF is checked just after, as Django's documentation shows)."""
    request.upload_handlers = [StoreUploadHandler(request)]
    return _upload(request, pk)


@csrf_protect
def _upload(request, pk):
    case = _case(request, pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not perm.can_edit_case(request.user, case):
        if wants_json:
            return JsonResponse({"results": [{"name": "", "ok": False,
                                              "message": "Bạn không có quyền tải tệp lên hồ sơ vụ việc này."}]}, status=403)
        raise PermissionDenied("Bạn không có quyền tải tệp lên hồ sơ vụ việc này.")
    event = None
    if request.POST.get("event"):
        event = Event.objects.filter(case=case, pk=request.POST["event"]).first() if request.POST["event"].isdigit() else None
    item = request.POST.get("checklist_item", "")
    known = selectors.all_item_codes(case)
    if item and item not in known:
        item = ""
    results = []
    files = request.FILES.getlist("files")
    if not files:
        results.append({"name": "", "ok": False, "message": "Chưa chọn tệp nào."})
    for f in files:
        try:
            got = services.attach(actor=request.user, case=case, name=f.name, content=f, event=event,
                                  number=request.POST.get("number", ""), checklist_item=item)
        except ValidationError as exc:
            results.append({"name": f.name, "ok": False, "message": _messages_of(exc)})
            continue
        msg = "Đã nhận; đang chờ đọc chữ."
        if got.also_in:
            msg += " Tệp này cũng có trong hồ sơ: " + ", ".join(str(c) for c in got.also_in) + "."
        results.append({"name": got.document.name, "ok": True, "id": got.document.pk, "message": msg})
    if wants_json:
        return JsonResponse({"results": results}, status=200 if any(r["ok"] for r in results) else 400)
    for r in results:
        (messages.success if r["ok"] else messages.error)(request, f"{r['name']}: {r['message']}" if r["name"] else r["message"])
    return _to_case(case)


def view(request, pk):
    doc = _doc(request, pk)
    can_edit = perm.can_edit_case(request.user, doc.case)
    ctx = {"doc": doc, "case": doc.case, "can_edit": can_edit, "ocr": ocr_status(),
           "pages": range(1, min(doc.pages or 1, 60) + 1) if doc.kind in ("pdf", "tiff") else [],
           "events": list(doc.case.events.order_by("date", "id")) if can_edit else [],
           "checklist": (lambda cl: cl["rows"] + cl["supervision"]["rows"])(selectors.checklist_rows(doc.case)),
           "jobs": list(doc.jobs.order_by("-id")[:5])}
    return render(request, "documents/view.html", ctx)


def _file_response(request, doc: Document, inline: bool):
    try:
        path = services.open_for_reading(actor=request.user, doc=doc, inline=inline)
    except FileNotFoundError:
        return render(request, "error.html", {"title": "Không tìm thấy tệp",
                                              "message": "Tệp gốc không còn trong thư mục dữ liệu (có thể đã bị xóa "
                                                         "ngoài phần mềm). Hãy khôi phục từ bản sao lưu."}, status=410)
    resp = FileResponse(path.open("rb"), content_type=doc.content_type, as_attachment=not inline, filename=doc.name)
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, no-store"
    return resp


@xframe_options_sameorigin
def raw(request, pk):
    doc = _doc(request, pk)
    if doc.kind == "docx":
        return _file_response(request, doc, inline=False)
    return _file_response(request, doc, inline=True)


def download(request, pk):
    return _file_response(request, _doc(request, pk), inline=False)


def thumb(request, pk, page):
    doc = _doc(request, pk)
    width = 900 if request.GET.get("size") == "large" else 220
    try:
        path = thumbs.thumbnail(doc, page, width)
    except (ValueError, OSError) as exc:
        raise Http404 from exc
    resp = FileResponse(path.open("rb"), content_type="image/png")
    resp["Cache-Control"] = "private, max-age=3600"
    return resp


@require_POST
def delete(request, pk):
    doc = _doc(request, pk)
    case = doc.case
    try:
        services.delete_document(actor=request.user, doc=doc)
    except PermissionDenied:
        raise
    messages.success(request, f"Đã xóa tệp “{doc.name}” khỏi hồ sơ.")
    return _to_case(case)


@require_POST
def retry(request, pk):
    doc = _doc(request, pk)
    services.retry_text(actor=request.user, doc=doc)
    messages.info(request, "Đã xếp lại việc đọc chữ của tệp; kết quả sẽ có sau ít phút.")
    return redirect("document_view", pk=doc.pk)


@require_POST
def edit(request, pk):
    doc = _doc(request, pk)
    ev = request.POST.get("event", "")
    event = Event.objects.filter(case=doc.case, pk=ev).first() if ev.isdigit() else None
    item = request.POST.get("checklist_item", "")
    known = selectors.all_item_codes(doc.case)
    try:
        services.update_document(actor=request.user, doc=doc, number=request.POST.get("number", ""),
                                 checklist_item=item if item in known else "", event=event)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, "Đã lưu thông tin tệp.")
    return redirect("document_view", pk=doc.pk)


@require_POST
def checklist_mark(request, pk):
    case = _case(request, pk)
    marks = {k[5:]: v for k, v in request.POST.items() if k.startswith("item_")}
    try:
        changes = services.set_checklist(actor=request.user, case=case, marks=marks)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, f"Đã lưu danh mục hồ sơ ({len(changes)} thay đổi)." if changes else
                         "Danh mục hồ sơ không thay đổi.")
    return _to_case(case)


def checklist_edit(request):
    from .checklist_views import checklist_page

    return checklist_page(request)


def import_links(request):
    return links.import_page(request)


def problems(request):
    return redirect("documents")


