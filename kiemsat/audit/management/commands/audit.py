"""kiemsat audit verify [--expect-head HASH]   |   kiemsat audit head"""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Nhật ký: 'verify' kiểm tra chuỗi mã băm (có bị sửa, xóa không); 'head' in mã băm cuối"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "head"])
        parser.add_argument("--expect-head", default="",
                            help="mã băm cuối ghi trong một bản sao lưu / báo cáo: phải còn nằm trong chuỗi")

    def handle(self, *args, action, expect_head="", **opts):
        from kiemsat.audit.services import head, verify_chain

        if action == "head":
            h = head()
            self.stdout.write(f"{h['hash'] or '—'}  ({h['entries']} bản ghi)")
            return
        ok, n, msg = verify_chain(expect_head=expect_head or None)
        if not ok:
            raise CommandError(msg)
        self.stdout.write(msg)
        h = head()
        self.stdout.write(f"Mã băm cuối: {h['hash'] or '—'}")
