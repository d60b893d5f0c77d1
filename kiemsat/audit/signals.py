from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .middleware import client_ip
from .services import record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record("login", user, "Đăng nhập", user=user, ip=client_ip(request) if request else "")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record("logout", user, "Đăng xuất", user=user, ip=client_ip(request) if request else "")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    name = (credentials or {}).get("username", "")
    record("login_failed", None, f"Đăng nhập không thành công: {name}"[:300], ip=client_ip(request) if request else "")
