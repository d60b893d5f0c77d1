from django.conf import settings
from django.db import models


class Backup(models.Model):
    """One backup run (command line or the web button): where it went and whether it was verified."""

    class Status(models.TextChoices):
        RUNNING = "running", "Đang sao lưu"
        OK = "ok", "Đã sao lưu và kiểm tra"
        FAILED = "failed", "Không thành công"

    started_at = models.DateTimeField("Bắt đầu", auto_now_add=True)
    finished_at = models.DateTimeField("Kết thúc", null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name="Người thực hiện")
    status = models.CharField("Trạng thái", max_length=10, choices=Status.choices, default=Status.RUNNING)
    progress = models.PositiveSmallIntegerField("Tiến độ (%)", default=0)
    step = models.CharField("Bước", max_length=200, blank=True)
    path = models.CharField("Tệp", max_length=500, blank=True)
    size = models.BigIntegerField("Dung lượng (byte)", default=0)
    sha256 = models.CharField("Mã băm tệp", max_length=64, blank=True)
    verified = models.BooleanField("Đã kiểm tra", default=False)
    encryption = models.CharField("Mã hóa", max_length=20, blank=True)  # passphrase | recipient
    head_hash = models.CharField("Mã băm cuối nhật ký", max_length=64, blank=True)
    message = models.TextField("Thông báo", blank=True)

    class Meta:
        verbose_name = "bản sao lưu"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.path or f"Sao lưu #{self.pk}"

    @property
    def filename(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]
