import json
import sys

from django.core.management.base import BaseCommand, CommandError

from kiemsat.imports.services import WorkbookError, check_file, import_workbook


class Command(BaseCommand):
    help = ("Nhập sổ theo dõi Excel của đơn vị (.xlsx, .xls, .ods): mỗi dòng một vụ việc; nhập lại cùng sổ "
            "không tạo trùng. --json in báo cáo từng dòng.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp sổ Excel")
        parser.add_argument("--dry-run", action="store_true", help="chạy thử: in báo cáo, không ghi gì")
        parser.add_argument("--json", action="store_true", help="in báo cáo từng dòng dạng JSON")
        parser.add_argument("--unit", default=None, help="tên đơn vị (mặc định: đơn vị duy nhất, hoặc theo tiêu đề sổ)")
        parser.add_argument("--court", default=None, help="tên Tòa án (mặc định: Tòa án duy nhất, hoặc cùng địa danh)")
        parser.add_argument("--profile", default=None, help="tên hồ sơ ánh xạ cột đã lưu")

    def handle(self, *args, **opts):
        from pathlib import Path

        path = Path(opts["file"])
        show_progress = not opts["json"] and sys.stderr.isatty()

        def progress(done, total):
            if show_progress:
                sys.stderr.write(f"\rĐang nhập {done}/{total} dòng…")
                sys.stderr.flush()

        try:
            if not path.is_file():
                raise WorkbookError(f"Không tìm thấy tệp {path}")
            check_file(path, path.name)
            report = import_workbook(path, actor=None, unit=opts["unit"], court=opts["court"], profile=opts["profile"],
                                     dry_run=opts["dry_run"], progress=progress)
        except WorkbookError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if show_progress:
                sys.stderr.write("\n")
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{report.file_name} → {report.unit} / {report.court}")
        for r in report.rows:
            if r.status == "skipped" or r.warnings:
                self.stdout.write(f"  [{r.sheet} dòng {r.row}] {r.status_label}: {r.name or '—'}"
                                  + (f" — {r.reason}" if r.reason and r.status == 'skipped' else ""))
                for w in r.warnings:
                    self.stdout.write(f"      · {w}")
        for w in report.warnings:
            self.stdout.write(f"  ! {w}")
        self.stdout.write(report.summary())
