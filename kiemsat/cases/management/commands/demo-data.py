import time

from django.core.management.base import BaseCommand, CommandError

from kiemsat.audit.services import record
from kiemsat.cases.demo import DEMO_PASSWORD, PROVINCIAL_STAFF, STAFF, make_demo_data, make_province_demo


class Command(BaseCommand):
    help = ("Tạo dữ liệu mẫu (hư cấu): một đơn vị, cán bộ và các vụ việc ở mọi giai đoạn; "
            "với --units N: một tỉnh gồm Viện kiểm sát cấp tỉnh và N đơn vị, mỗi đơn vị 100.000 vụ việc")

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=None,
                            help="số vụ việc (mặc định 70; với --units: số vụ việc của mỗi đơn vị, mặc định 100.000)")
        parser.add_argument("--units", type=int, default=None,
                            help="tạo một tỉnh gồm N đơn vị khu vực (tài khoản kv1.lanhdao, kv2.ksv1…) "
                                 "và Viện kiểm sát cấp tỉnh (tài khoản tinh.lanhdao)")
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, cases, units, seed, **opts):
        t = time.perf_counter()
        if units is None:
            n = make_demo_data(70 if cases is None else cases, seed=seed)
            record("demo.create", None, f"Tạo {n} vụ việc mẫu")
            self.stdout.write(f"Đã tạo {n} vụ việc mẫu trong {time.perf_counter() - t:.1f} giây.")
            self.stdout.write("Tài khoản (mật khẩu chung: %s): %s" % (DEMO_PASSWORD, ", ".join(u for u, *_ in STAFF)))
            return
        if not 1 <= units <= 400:
            raise CommandError("Số đơn vị phải từ 1 đến 400.")
        per_unit = 100_000 if cases is None else cases

        def progress(i, made):
            self.stdout.write(f"  đơn vị {i}/{units}: {made:,} vụ việc ({time.perf_counter() - t:.0f} giây)".replace(",", "."))
            self.stdout.flush()

        n = make_province_demo(units, per_unit, seed=seed, progress=progress)
        record("demo.create", None, f"Tạo dữ liệu mẫu cấp tỉnh: {units} đơn vị, {n} vụ việc")
        self.stdout.write(f"Đã tạo {n} vụ việc mẫu của {units} đơn vị trong {time.perf_counter() - t:.1f} giây.")
        self.stdout.write("Tài khoản (mật khẩu chung: %s): %s; mỗi đơn vị i: kv<i>.%s" % (
            DEMO_PASSWORD, ", ".join(u for u, *_ in PROVINCIAL_STAFF), ", kv<i>.".join(u for u, *_ in STAFF)))
