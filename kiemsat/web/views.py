from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.decorators import method_decorator

from kiemsat.cases import selectors
from kiemsat.domain.stage import STAGE_LABELS


PENDING = "kiemsat_otp_pending"
OTP_MAX_TRIES = 5
OTP_MAX_AGE = 300  # seconds between the password and the code


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """Password first; an account with two-step verification then gives its 6-digit code."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if "otp" in request.POST:
            return self._second_step(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        import time

        from .models import TOTPDevice

        user = form.get_user()
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            self.request.session[PENDING] = {"uid": user.pk, "backend": getattr(user, "backend", ""),
                                             "at": time.time(), "tries": 0, "next": self.get_redirect_url()}
            return render(self.request, "registration/login_otp.html", {"username": user.get_username()})
        return super().form_valid(form)

    def _second_step(self, request):
        import time

        from django.contrib import messages
        from django.contrib.auth import login as auth_login
        from django.shortcuts import redirect

        from kiemsat.audit.middleware import client_ip
        from kiemsat.audit.services import record
        from kiemsat.org.models import User

        from . import totp
        from .models import TOTPDevice

        pending = request.session.get(PENDING)
        if not pending or time.time() - pending["at"] > OTP_MAX_AGE:
            request.session.pop(PENDING, None)
            messages.error(request, "Phiên đăng nhập đã hết hạn; hãy nhập lại mật khẩu.")
            return redirect("login")
        user = User.objects.filter(pk=pending["uid"], is_active=True).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
        if user is None or device is None:
            request.session.pop(PENDING, None)
            return redirect("login")
        if totp.check(device, request.POST.get("otp", "")):
            request.session.pop(PENDING, None)
            auth_login(request, user, backend=pending["backend"] or None)
            nxt = pending.get("next") or ""
            return redirect(nxt or self.get_default_redirect_url())
        pending["tries"] += 1
        record("login_failed", user, f"Sai mã xác thực hai lớp: {user.get_username()}", user=user, ip=client_ip(request))
        if pending["tries"] >= OTP_MAX_TRIES:
            request.session.pop(PENDING, None)
            messages.error(request, "Nhập sai mã xác thực quá nhiều lần; hãy đăng nhập lại từ đầu.")
            return redirect("login")
        request.session[PENDING] = pending
        return render(request, "registration/login_otp.html", {"username": user.get_username(), "error": True,
                                                               "left": OTP_MAX_TRIES - pending["tries"]})


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
    from kiemsat.legal import selectors as legal_selectors
    from kiemsat.legal.services import local_today

    by_stage = selectors.stage_counts(request.user)
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
