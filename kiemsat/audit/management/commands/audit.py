"""kiemsat audit verify [--expect-head HASH]   |   kiemsat audit head
kiemsat audit daily [--date dd/mm/yyyy] [--to DIR]   (the daily report with the day's head hash)"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Nhật ký: 'verify' kiểm tra chuỗi mã băm (có bị sửa, xóa không); 'head' in mã băm cuối; "
            "'daily' lập báo cáo nhật ký ngày (kèm mã băm cuối của ngày)")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "head", "daily"])
        parser.add_argument("--expect-head", default="",
                            help="mã băm cuối ghi trong một bản sao lưu / báo cáo: phải còn nằm trong chuỗi")
        parser.add_argument("--date", default="", help="daily: ngày báo cáo, dd/mm/yyyy (mặc định: hôm nay)")
        parser.add_argument("--to", default="", help="daily: ghi báo cáo vào thư mục này (tên tệp theo ngày)")

    def handle(self, *args, action, expect_head="", date="", to="", **opts):
        from kiemsat.audit.services import head, verify_chain

        if action == "head":
            h = head()
            self.stdout.write(f"{h['hash'] or '—'}  ({h['entries']} bản ghi)")
            return
        if action == "daily":
            return self._daily(date, to)
        ok, n, msg = verify_chain(expect_head=expect_head or None)
        if not ok:
            raise CommandError(msg)
        self.stdout.write(msg)
        h = head()
        self.stdout.write(f"Mã băm cuối: {h['hash'] or '—'}")

    def _daily(self, date: str, to: str):
        from django.utils import timezone

        from kiemsat.audit import daily
        from kiemsat.domain import dates

        day = timezone.localdate()
        if date:
            r = dates.parse_date(date)
            if r.value is None or r.kind in ("serial", "year") or r.warning:
                raise CommandError(f"Ngày không hợp lệ: “{date}” (nhập dd/mm/yyyy).")
            if r.value > day:
                raise CommandError(f"Chưa đến ngày {r.value:%d/%m/%Y}.")
            day = r.value
        text = daily.as_text(daily.daily_report(day))
        if to:
            folder = Path(to)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / daily.file_name(day)
                path.write_text(text, encoding="utf-8")
            except OSError as e:
                raise CommandError(f"Không ghi được báo cáo vào {folder}: {e.strerror or e}") from e
            self.stdout.write(f"Đã ghi {path}")
        else:
            self.stdout.write(text)
