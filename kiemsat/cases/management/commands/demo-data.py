import time

from django.core.management.base import BaseCommand

from kiemsat.audit.services import record
from kiemsat.cases.demo import DEMO_PASSWORD, STAFF, make_demo_data


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu (hư cấu): một đơn vị, cán bộ và các vụ việc ở mọi giai đoạn"

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=70, help="số vụ việc (mặc định 70)")
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, cases, seed, **opts):
        t = time.perf_counter()
        n = make_demo_data(cases, seed=seed)
        record("demo.create", None, f"Tạo {n} vụ việc mẫu")
        self.stdout.write(f"Đã tạo {n} vụ việc mẫu trong {time.perf_counter() - t:.1f} giây.")
        self.stdout.write("Tài khoản (mật khẩu chung: %s): %s" % (DEMO_PASSWORD, ", ".join(u for u, *_ in STAFF)))
