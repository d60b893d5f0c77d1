import json

from django.core.management.base import BaseCommand

from kiemsat.cases.export import flat_cases


class Command(BaseCommand):
    help = "In danh sách vụ việc (--json: mỗi vụ việc một đối tượng phẳng, như .cases.json của sổ mẫu)"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="in JSON")
        parser.add_argument("--office", default="", help="tên đơn vị (mặc định: tất cả)")

    def handle(self, *args, **opts):
        rows = flat_cases(office=opts["office"])
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            for r in rows:
                self.stdout.write(f"{r.get('so_thu_ly') or '—':<24} {r['name']}")
