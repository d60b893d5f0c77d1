import json

from django.core.management.base import BaseCommand, CommandError

from kiemsat.domain.dates import parse_date
from kiemsat.stats import periods, selectors
from kiemsat.stats.exports import as_json, n


class Command(BaseCommand):
    help = ("Báo cáo thống kê của một kỳ (mọi đơn vị, hoặc một đơn vị với --unit). Kỳ: 2025 (năm báo cáo), "
            "6T1/2025, Q1/2025, 3/2025 (tháng), 01/01/2025..31/03/2025")

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="kỳ báo cáo")
        parser.add_argument("--unit", type=int, default=None, help="mã đơn vị (kèm các đơn vị tiền thân)")
        parser.add_argument("--gop", action="store_true",
                            help="bảng theo đơn vị: gộp số liệu của đơn vị đã sáp nhập vào đơn vị kế thừa")
        parser.add_argument("--today", default="", help="ngày lập báo cáo dd/mm/yyyy (mặc định: hôm nay)")
        parser.add_argument("--json", action="store_true", help="in JSON")

    def handle(self, *args, **opts):
        try:
            period = periods.parse_cli(opts["period"])
        except periods.PeriodError as exc:
            raise CommandError(str(exc)) from exc
        today = None
        if opts["today"]:
            today = parse_date(opts["today"]).value
            if today is None:
                raise CommandError(f"Ngày không hợp lệ: {opts['today']}")
        try:
            scope = selectors.scope_all(opts["unit"], merge=opts["gop"])
        except LookupError as exc:
            raise CommandError(f"Không có đơn vị mã {opts['unit']}.") from exc
        rep = selectors.report(scope, period, today)
        if opts["json"]:
            self.stdout.write(json.dumps(as_json(rep), ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{scope.label} – {period.label} (tính đến {rep.as_of:%d/%m/%Y})")
        group = None
        for ind, v in rep.indicators():
            if ind.group != group:
                group = ind.group
                self.stdout.write(f"\n{group.upper()}")
            self.stdout.write(f"{'  ' * ind.indent}{ind.label}: {n(v)}")
