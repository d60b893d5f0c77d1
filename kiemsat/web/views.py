from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.decorators import method_decorator

from kiemsat.cases import selectors
from kiemsat.domain.stage import STAGE_LABELS


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


PERIODS = {"month": "Tháng này", "quarter": "Quý này", "year": "Năm nay"}


def _period(kind: str, today):
    import datetime as dt

    if kind == "month":
        return dt.date(today.year, today.month, 1), today
    if kind == "quarter":
        return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    return dt.date(today.year, 1, 1), today


def home(request):
    """The dashboard: what is overdue or due soon (mine, the unit's), execution countdowns,
    violations found this period by responsible body."""
    from django.db.models import Count

    from kiemsat.legal import selectors as legal_selectors
    from kiemsat.legal.services import local_today

    qs = selectors.visible_cases(request.user)
    by_stage = dict(qs.values_list("stage").annotate(n=Count("id")))
    stages = [(k, v, by_stage.get(k, 0)) for k, v in STAGE_LABELS.items()]
    kind = request.GET.get("ky") if request.GET.get("ky") in PERIODS else "year"
    today = local_today()
    dash = legal_selectors.dashboard(request.user, today, _period(kind, today))
    from kiemsat.letters import selectors as letter_selectors

    return render(request, "home.html", {"stages": stages, "total": sum(by_stage.values()), "d": dash,
                                         "periods": PERIODS.items(), "kind": kind,
                                         "unanswered": letter_selectors.unanswered(request.user, today),
                                         "urge_again": letter_selectors.urge_again(request.user, today)})


@login_not_required
def bad_request(request, exception=None):
    return render(request, "error.html", {"code": 400, "title": "Yêu cầu không hợp lệ",
                                          "message": "Yêu cầu không hợp lệ. Vui lòng thử lại."}, status=400)


@login_not_required
def forbidden(request, exception=None):
    msg = str(exception) if exception and str(exception) else "Bạn không có quyền thực hiện thao tác này."
    return render(request, "error.html", {"code": 403, "title": "Không có quyền", "message": msg}, status=403)


@login_not_required
def not_found(request, exception=None):
    return render(request, "error.html", {"code": 404, "title": "Không tìm thấy",
                                          "message": "Không tìm thấy trang hoặc vụ việc này."}, status=404)


@login_not_required
def server_error(request):
    return render(request, "error.html", {"code": 500, "title": "Có lỗi xảy ra",
                                          "message": "Phần mềm gặp lỗi khi xử lý yêu cầu. Dữ liệu đã nhập chưa được lưu; "
                                                     "vui lòng thử lại hoặc báo quản trị."}, status=500)
