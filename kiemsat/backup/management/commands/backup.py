"""kiemsat backup --to DIR [--passphrase-file F | --recipient AGE_PUBLIC_KEY]
kiemsat backup verify FILE [--passphrase-file F | --identity-file KEYFILE]"""

from __future__ import annotations

import getpass
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kiemsat.backup.archive import BackupError, Key, read_identity_file, read_passphrase_file


def key_from(opts, *, encrypting: bool) -> Key:
    if opts.get("passphrase_file"):
        return Key(passphrase=read_passphrase_file(opts["passphrase_file"]))
    if encrypting and opts.get("recipient"):
        return Key(recipients=[opts["recipient"]])
    if not encrypting and opts.get("identity_file"):
        return Key(identities=read_identity_file(opts["identity_file"]))
    if encrypting and getattr(settings, "KIEMSAT_BACKUP_RECIPIENT", ""):
        return Key(recipients=[settings.KIEMSAT_BACKUP_RECIPIENT])
    if not sys.stdin.isatty():
        raise CommandError("Cần --passphrase-file TỆP" + (" hoặc --recipient KHÓA_CÔNG_KHAI" if encrypting else
                                                            " hoặc --identity-file TỆP_KHÓA") + ".")
    pw = getpass.getpass("Mật khẩu sao lưu: ")
    if encrypting:
        if len(pw) < 12:
            raise CommandError("Mật khẩu sao lưu cần ít nhất 12 ký tự.")
        if getpass.getpass("Nhập lại mật khẩu: ") != pw:
            raise CommandError("Hai lần nhập mật khẩu không khớp.")
    return Key(passphrase=pw)


class Command(BaseCommand):
    help = "Sao lưu (mã hóa age) cơ sở dữ liệu và tệp đính kèm ra một thư mục (USB); 'verify TỆP' kiểm tra một bản sao lưu"

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["verify"], help="verify: kiểm tra một bản sao lưu")
        parser.add_argument("file", nargs="?", help="tệp sao lưu cần kiểm tra")
        parser.add_argument("--to", dest="to", help="thư mục đích (ví dụ ổ USB)")
        parser.add_argument("--passphrase-file", help="tệp chứa mật khẩu sao lưu (dòng đầu)")
        parser.add_argument("--recipient", help="khóa công khai age của đơn vị (age1…)")
        parser.add_argument("--identity-file", help="tệp khóa bí mật age (để kiểm tra bản mã hóa bằng khóa công khai)")

    def handle(self, *args, action=None, file=None, to=None, **opts):
        from kiemsat.backup import services

        try:
            if action == "verify":
                if not file:
                    raise CommandError("Cần đường dẫn tệp sao lưu: kiemsat backup verify TỆP --passphrase-file F")
                opened = services.verify_file(file, key_from(opts, encrypting=False))
                m = opened.manifest
                self.stdout.write(f"Bản sao lưu nguyên vẹn: {file}")
                self.stdout.write(f"  tạo lúc {m['created_at']}, phiên bản {m['app_version']}, cơ sở dữ liệu {m['database']['vendor']}")
                self.stdout.write(f"  {len(m['members'])} tệp, mã băm khớp; nhật ký {m['audit_head']['entries']} bản ghi, "
                                  f"mã băm cuối {m['audit_head']['hash'] or '—'}")
                return
            if file:
                raise CommandError("Không hiểu tham số " + file)
            if not to:
                raise CommandError("Cần --to THƯ_MỤC (ví dụ ổ USB).")
            key = key_from(opts, encrypting=True)
            from kiemsat.__main__ import ensure_migrated

            ensure_migrated()
            from kiemsat.backup.models import Backup

            rec = Backup.objects.create(step="Dòng lệnh", encryption="recipient" if key.recipients else "passphrase")
            services.run_recorded(rec, to, key)
            rec.refresh_from_db()
            if rec.status != Backup.Status.OK:
                raise CommandError(rec.message)
            self.stdout.write(f"Đã sao lưu và kiểm tra: {rec.path} ({rec.size} byte)")
            self.stdout.write(f"  sha256 {rec.sha256}")
            self.stdout.write(f"  mã băm cuối nhật ký {rec.head_hash or '—'}")
            if rec.message:
                self.stdout.write("  " + rec.message)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
