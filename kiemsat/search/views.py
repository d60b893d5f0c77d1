from django.shortcuts import render

from . import services


def search_page(request):
    q = request.GET.get("q", "")
    result = services.search(request.user, q) if q.strip() else None
    from kiemsat.documents.extract import ocr_status

    ctx = {"q": q, "result": result, "ocr": ocr_status()}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "search/_results.html", ctx)
    return render(request, "search/index.html", ctx)
