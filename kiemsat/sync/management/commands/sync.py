"""kiemsat sync: offline sync by file (a unit exports a signed, encrypted bundle; the province imports it)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kiemsat.org.models import Unit
from kiemsat.sync import keys, services


class Command(BaseCommand):
    help = ("Đồng bộ qua tệp: đơn vị xuất gói (export), Viện kiểm sát cấp tỉnh nhập gói (import); "
            "thiết lập khóa (unit-key, province-key, register)")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{export,import,unit-key,province-key,register}")
        p = sub.add_parser("export", help="xuất gói của đơn vị vào một thư mục (USB)")
        p.add_argument("--to", required=True, help="thư mục ghi gói (ví dụ ổ USB)")
        p.add_argument("--documents", action="store_true", help="kèm các tệp hồ sơ số hóa")
        p = sub.add_parser("import", help="nhập một gói ở Viện kiểm sát cấp tỉnh")
        p.add_argument("file", help="tệp .kiemsat-sync")
        p = sub.add_parser("unit-key", help="thiết lập đơn vị gửi, mã đồng bộ, khóa nhận của tỉnh; in khóa công khai")
        p.add_argument("--unit", default="", help="tên hoặc mã số đơn vị (khi máy có nhiều đơn vị)")
        p.add_argument("--code", default="", help="mã đồng bộ của đơn vị (mặc định theo ký hiệu văn bản)")
        p.add_argument("--recipient", default=None, help="khóa nhận của Viện kiểm sát cấp tỉnh (age1…)")
        sub.add_parser("province-key", help="in khóa nhận (age1…) của Viện kiểm sát cấp tỉnh để gửi cho các đơn vị")
        p = sub.add_parser("register", help="đăng ký mã và khóa công khai của một đơn vị ở tỉnh")
        p.add_argument("--code", required=True)
        p.add_argument("--unit", required=True, help="tên hoặc mã số đơn vị ở tỉnh")
        p.add_argument("--public-key", required=True, help="khóa công khai ed25519:… do đơn vị đọc cho")

    def handle(self, *args, action, **o):
        try:
            getattr(self, "do_" + action.replace("-", "_"))(**o)
        except (ValidationError, services.BundleError, keys.KeyError_) as exc:
            msgs = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(msgs)) from None

    def _unit(self, text):
        if not text:
            return None
        u = Unit.objects.filter(pk=int(text)).first() if text.isdigit() else Unit.objects.filter(name=text).first()
        if u is None:
            raise CommandError(f"Không có đơn vị «{text}».")
        return u

    def do_export(self, to, documents, **o):
        path, log = services.export_bundle(actor=None, to_dir=Path(to), documents=documents)
        c = log.counts
        size = f"{log.size:,}".replace(",", ".")
        self.stdout.write(f"Đã ghi {path} ({size} byte): {c['cases']} vụ việc, {c['events']} sự kiện, "
                          f"{c['letters']} văn bản, {c['documents']} tệp hồ sơ ({c['files']} kèm nội dung).")

    def do_import(self, file, **o):
        p = Path(file)
        if not p.is_file():
            raise CommandError(f"Không tìm thấy tệp {p}.")
        bi = services.import_bundle(actor=None, data=p.read_bytes(), filename=p.name)
        self.stdout.write(f"Đã nhập gói của {bi.unit} (mã {bi.origin}): {services.counts_text(bi.counts)}.")

    def do_unit_key(self, unit, code, recipient, **o):
        ident = services.set_identity(actor=None, unit=self._unit(unit), code=code, recipient=recipient)
        pub = keys.public_text(keys.signing_key(ident.code))
        self.stdout.write(f"Đơn vị: {ident.unit}\nMã đồng bộ: {ident.code}\nKhóa công khai: {pub}\n"
                          f"Dấu vân tay: {keys.fingerprint(pub)}\n"
                          f"Khóa nhận của tỉnh: {ident.recipient or '(chưa có — thêm --recipient age1…)'}")

    def do_province_key(self, **o):
        self.stdout.write(keys.province_recipient())

    def do_register(self, code, unit, public_key, **o):
        uk = services.register_unit_key(actor=None, code=code, unit=self._unit(unit), public_key=public_key)
        self.stdout.write(f"Đã đăng ký mã {uk.code} cho {uk.unit} (dấu vân tay {keys.fingerprint(uk.public_key)}).")
