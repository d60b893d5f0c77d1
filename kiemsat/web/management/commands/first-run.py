from django.core.management import call_command
from django.core.management.base import BaseCommand

from kiemsat.cases.demo import DEMO_PASSWORD
from kiemsat.cases.models import Case
from kiemsat.org.models import User


class Command(BaseCommand):
    help = "Chuẩn bị lần chạy đầu: tạo cơ sở dữ liệu, nạp dữ liệu mẫu nếu còn trống, in cách đăng nhập"

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="không nạp dữ liệu mẫu")

    def handle(self, *args, no_demo=False, **opts):
        from django.conf import settings

        if not no_demo and not Case.objects.exists() and not User.objects.exists():
            call_command("demo-data")
        self.stdout.write(f"Dữ liệu ở: {settings.DATA_DIR}")
        if User.objects.filter(username="lanhdao").exists():
            self.stdout.write(
                "Đăng nhập: tài khoản lanhdao (lãnh đạo), ksv1 (kiểm sát viên), thihanh (kiểm sát thi hành), "
                f"quantri (quản trị) — mật khẩu mẫu: {DEMO_PASSWORD}"
            )
