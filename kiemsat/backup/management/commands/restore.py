"""kiemsat restore FILE --passphrase-file F --data-dir NEW_DIR [--replace]"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from kiemsat.backup.archive import BackupError

from .backup import key_from


class Command(BaseCommand):
    help = ("Khôi phục một bản sao lưu vào thư mục dữ liệu trống (--data-dir THƯ_MỤC_MỚI); "
            "--replace thay dữ liệu hiện tại sau khi kiểm tra, dữ liệu cũ được giữ lại riêng")

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp sao lưu (.kiemsat.age)")
        parser.add_argument("--passphrase-file", help="tệp chứa mật khẩu sao lưu")
        parser.add_argument("--identity-file", help="tệp khóa bí mật age (nếu sao lưu bằng khóa công khai)")
        parser.add_argument("--replace", action="store_true",
                            help="thay dữ liệu hiện có (hãy dừng phần mềm trước); dữ liệu cũ được chuyển sang thư mục truoc-khoi-phuc-…")

    def handle(self, *args, file, replace=False, **opts):
        from kiemsat.audit.services import record
        from kiemsat.backup import services

        try:
            key = key_from(opts, encrypting=False)
            self.stdout.write("Đang giải mã và kiểm tra bản sao lưu…")
            res = services.restore(file, key, replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        call_command("migrate", interactive=False, verbosity=0, skip_checks=True)  # a backup from an older version
        m = res.manifest
        from kiemsat.backup.models import Backup

        # the row of the backup that produced this snapshot was still "running" when it was taken
        Backup.objects.filter(status=Backup.Status.RUNNING).update(
            status=Backup.Status.FAILED, progress=0, message="Bản ghi nằm trong chính bản sao lưu (đang chạy khi chụp); xem nhật ký.")
        record("backup.restore", None, f"Khôi phục từ bản sao lưu tạo lúc {m['created_at']}",
               {"file": str(file), "audit_head_in_backup": m["audit_head"]["hash"],
                "kept_aside": str(res.aside) if res.aside else ""})
        from kiemsat.audit.services import verify_chain

        ok, n, msg = verify_chain()
        self.stdout.write(f"Đã khôi phục bản sao lưu tạo lúc {m['created_at']} ({len(m['members'])} tệp).")
        if res.aside:
            self.stdout.write(f"Dữ liệu cũ được giữ tại: {res.aside}")
        self.stdout.write(("Nhật ký: " if ok else "CẢNH BÁO – nhật ký: ") + msg)
