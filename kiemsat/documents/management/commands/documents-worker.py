from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Đọc chữ các tệp hồ sơ số hóa (lớp chữ PDF, DOCX, OCR tiếng Việt) đang chờ; chạy nền, không cần broker"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="chạy hết các việc đang chờ rồi dừng")
        parser.add_argument("--interval", type=float, default=3.0, help="số giây chờ khi không có việc")

    def handle(self, once, interval, **opts):
        import time

        from kiemsat.documents.extract import ocr_status
        from kiemsat.documents.worker import run_pending

        ok, msg = ocr_status()
        self.stdout.write(msg)
        if once:
            n = run_pending()
            self.stdout.write(f"Đã xử lý {n} tệp.")
            return
        self.stdout.write("Đang chờ việc (Ctrl+C để dừng)…")
        try:
            while True:
                if not run_pending(max_jobs=20):
                    time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Đã dừng.")
