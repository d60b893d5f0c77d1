"""kiemsat letter {kien-nghi-toa-an|kien-nghi-phong-ngua|don-doc} --from DATE --to DATE --out FILE.docx

Builds the draft letter from the findings "found in" the period (RULES.md: a violation by the date
of the late act, an overdue by its due date), as of --as-of (default today). Nothing is saved in
the register: the draft is for review; issuing (a number, a date) happens in the app. Findings
that are not verified and not yet confirmed by a leader are left out, and the command says so.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kiemsat.audit.services import record
from kiemsat.cases.models import Case
from kiemsat.domain import dates
from kiemsat.letters import services
from kiemsat.letters.models import Kind
from kiemsat.legal import services as legal
from kiemsat.org import permissions as org_perm
from kiemsat.org.models import Agency, Court, Unit


def _date(text: str, what: str):
    r = dates.parse_date(text)
    if r.value is None or r.kind in ("serial", "year") or r.warning:
        raise CommandError(f"{what} không hợp lệ: “{text}” (nhập dd/mm/yyyy hoặc YYYY-MM-DD).")
    return r.value


def _pick(model, text: str, what: str):
    if not text:
        return None
    qs = model.objects.filter(pk=int(text)) if text.isdigit() else model.objects.filter(name__iexact=text.strip())
    obj = qs.first()
    if obj is None:
        raise CommandError(f"Không tìm thấy {what} “{text}”.")
    return obj


class Command(BaseCommand):
    help = "Tạo dự thảo kiến nghị / văn bản đôn đốc (.docx) từ các phát hiện trong một kỳ"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=Kind.values, help="loại văn bản")
        parser.add_argument("--from", dest="date_from", required=True, help="từ ngày (dd/mm/yyyy)")
        parser.add_argument("--to", dest="date_to", required=True, help="đến ngày (dd/mm/yyyy)")
        parser.add_argument("--out", required=True, help="tệp .docx sẽ ghi")
        parser.add_argument("--as-of", default="", help="tính phát hiện đến ngày (mặc định: hôm nay)")
        parser.add_argument("--unit", default="", help="đơn vị ban hành: mã số hoặc tên (mặc định: đơn vị duy nhất)")
        parser.add_argument("--court", default="", help="chỉ các vụ việc của Tòa án này (mã số hoặc tên)")
        parser.add_argument("--agency", default="", help="chỉ các vụ việc của cơ quan đề nghị này (mã số hoặc tên)")
        parser.add_argument("--recipient", default="", help="ghi “Kính gửi” (mặc định: tự xác định)")

    def handle(self, *args, **o):
        kind = o["kind"]
        date_from, date_to = _date(o["date_from"], "Từ ngày"), _date(o["date_to"], "Đến ngày")
        if date_from > date_to:
            raise CommandError("Kỳ không hợp lệ: “từ ngày” sau “đến ngày”.")
        as_of = _date(o["as_of"], "Ngày tính") if o["as_of"] else legal.local_today()
        out = Path(o["out"])
        if out.suffix.lower() != ".docx":
            raise CommandError("Tệp ghi ra phải có đuôi .docx.")
        unit = _pick(Unit, o["unit"], "đơn vị")
        if unit is None:  # the one current unit whose lineage holds cases
            units = [u for u in Unit.objects.filter(is_provincial=False, successor__isnull=True)
                     if Case.objects.filter(unit_id__in=org_perm.unit_lineage(u.pk)).exists()]
            if len(units) != 1:
                raise CommandError("Có nhiều đơn vị (hoặc chưa có vụ việc nào): hãy chọn --unit (mã số hoặc tên).")
            unit = units[0]
        qs = Case.objects.filter(unit_id__in=org_perm.unit_lineage(unit.pk))
        court, agency = _pick(Court, o["court"], "Tòa án"), _pick(Agency, o["agency"], "cơ quan")
        if court:
            qs = qs.filter(court=court)
        if agency:
            qs = qs.filter(proposer=agency)
        keys = []
        for s in legal.scan(qs.order_by("pk"), as_of, (services.STATUS_OF[kind],)):
            f = s.finding
            found_on = f.actual if f.status == "violation" else f.due
            if services.eligibility(kind, f) or found_on is None or not (date_from <= found_on <= date_to):
                continue
            keys.append((s.case_id, f.rule))
        if not keys:
            raise CommandError(f"Không có phát hiện nào cho văn bản “{Kind(kind).label}” trong kỳ từ {dates.fmt(date_from)} "
                               f"đến {dates.fmt(date_to)} (tính đến {dates.fmt(as_of)}); không tạo tệp.")
        try:
            data, printed, left = services.preview_document(kind=kind, unit=unit, keys=keys, as_of=as_of,
                                                            period_from=date_from, period_to=date_to,
                                                            recipient=o["recipient"] or None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if not printed:
            raise CommandError(f"Cả {left} phát hiện đều chưa xác minh và chưa được lãnh đạo xác nhận; không tạo tệp. "
                               "Hãy tạo văn bản trên phần mềm để lãnh đạo xác nhận.")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        record("letter.cli_draft", None, f"Tạo dự thảo {Kind(kind).label} từ dòng lệnh: {printed} phát hiện, "
                                         f"kỳ {dates.fmt(date_from)}–{dates.fmt(date_to)}", {"out": str(out)})
        self.stdout.write(f"Đã ghi {out}: {printed} phát hiện (kỳ từ {dates.fmt(date_from)} đến {dates.fmt(date_to)}, "
                          f"tính đến {dates.fmt(as_of)}).")
        if left:
            self.stderr.write(f"{left} phát hiện chưa xác minh không được đưa vào: cần lãnh đạo xác nhận trên phần mềm.")
