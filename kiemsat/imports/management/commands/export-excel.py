from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kiemsat.audit.services import record
from kiemsat.cases.models import Case
from kiemsat.imports.export import export_register
from kiemsat.imports.models import ImportBatch
from kiemsat.imports.services import local_today


class Command(BaseCommand):
    help = "Xuất sổ thụ lý ra tệp Excel (.xlsx) theo mẫu sổ của đơn vị: mọi vụ việc, của một đơn vị, hoặc của một lần nhập"

    def add_arguments(self, parser):
        parser.add_argument("output", help="tệp .xlsx sẽ tạo")
        parser.add_argument("--batch", type=int, default=None, help="chỉ các vụ việc của lần nhập số …")
        parser.add_argument("--office", default="", help="tên đơn vị (mặc định: tất cả)")

    def handle(self, *args, output, batch, office, **opts):
        qs = Case.objects.all()
        unit_name, subtitle = office, ""
        if batch is not None:
            b = ImportBatch.objects.filter(pk=batch).select_related("unit").first()
            if b is None:
                raise CommandError(f"Không có lần nhập số {batch}")
            qs = qs.filter(import_rows__batch=b).distinct()
            unit_name = b.unit.name if b.unit_id else unit_name
            subtitle = f"nhập từ {b.file_name}"
        if office:
            qs = qs.filter(unit__name=office)
        if not unit_name:
            names = list(qs.values_list("unit__name", flat=True).distinct()[:2])
            unit_name = names[0] if len(names) == 1 else ""
        out = Path(output)
        if out.suffix.lower() != ".xlsx":
            raise CommandError("Tệp xuất phải có đuôi .xlsx")
        data = export_register(qs, unit_name=unit_name, as_of=local_today(), subtitle=subtitle)
        out.write_bytes(data)
        n = qs.count()
        record("cases.export_xlsx", None, f"Xuất {n} vụ việc ra Excel (dòng lệnh) vào {out.name}",
               {"batch": batch, "office": office or None, "cases": n})
        self.stdout.write(f"Đã xuất {n} vụ việc ra {out}")
