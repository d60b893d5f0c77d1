import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from kiemsat.cases.models import Case
from kiemsat.domain import engine
from kiemsat.legal.services import local_today, scan


class Command(BaseCommand):
    help = "In các kết quả kiểm tra thời hạn (vi phạm, quá hạn, sắp đến hạn) tính đến một ngày"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="in JSON (mảng đối tượng)")
        parser.add_argument("--as-of", default="", help="tính đến ngày YYYY-MM-DD (mặc định: hôm nay, giờ Việt Nam)")
        parser.add_argument("--all", action="store_true", help="in cả kết quả đúng hạn và không đánh giá được")
        parser.add_argument("--office", default="", help="tên đơn vị (mặc định: tất cả)")

    def handle(self, *args, **opts):
        try:
            as_of = dt.date.fromisoformat(opts["as_of"]) if opts["as_of"] else local_today()
        except ValueError as exc:
            raise CommandError(f"Ngày không hợp lệ: {opts['as_of']} (cần dạng YYYY-MM-DD)") from exc
        qs = Case.objects.all()
        if opts["office"]:
            qs = qs.filter(unit__name=opts["office"])
            if not qs.exists():
                raise CommandError(f"Không có vụ việc nào của đơn vị “{opts['office']}”.")
        statuses = None if opts["all"] else (engine.VIOLATION, engine.OVERDUE, engine.DUE_SOON)
        rows = [s.finding.to_json(s.facts) for s in scan(qs.order_by("pk"), as_of, statuses)]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for r in rows:
            self.stdout.write(f"{r['so_thu_ly'] or '—':<22} {r['rule']:<34} {r['status']:<13} hạn {r['due'] or '—'} "
                              f"thực tế {r['actual'] or '—'} {r['person']}")
        self.stdout.write(f"{len(rows)} kết quả tính đến {as_of:%d/%m/%Y}.")
