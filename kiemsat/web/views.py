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


def home(request):
    """The home page: the unit at a glance (the deadline dashboard builds on it)."""
    qs = selectors.visible_cases(request.user)
    from django.db.models import Count

    by_stage = dict(qs.values_list("stage").annotate(n=Count("id")))
    mine = qs.filter(assigned_to=request.user).exclude(stage="closed").count()
    stages = [(k, v, by_stage.get(k, 0)) for k, v in STAGE_LABELS.items()]
    return render(request, "home.html", {"stages": stages, "total": sum(by_stage.values()), "mine": mine})


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
