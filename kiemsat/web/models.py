from django.conf import settings
from django.db import models


class TOTPDevice(models.Model):
    """Optional second factor (an authenticator app's 6-digit code) for an account, usually an administrator's."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp",
                                verbose_name="Tài khoản")
    secret = models.CharField(max_length=64)
    confirmed = models.BooleanField("Đã kích hoạt", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_counter = models.BigIntegerField(default=0)  # a code is accepted once (no replay)

    class Meta:
        verbose_name = "xác thực hai lớp"
