"""Use cases of execution supervision and archive submission. They record events through
`cases.services` (permissions, plausibility checks, summary, digest, audit all apply there)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kiemsat.audit.services import record
from kiemsat.cases import services as case_services
from kiemsat.cases.models import Case, Event
from kiemsat.letters import services as letter_services
from kiemsat.letters.models import Kind

from . import selectors


@transaction.atomic
def record_archive(*, actor, case: Case, date: dt.date | None, number: str) -> Event:
    """Nộp lưu hồ sơ kiểm sát: the "archived" event with the date and the archive reference."""
    number = (number or "").strip()
    errors = {}
    if date is None:
        errors["date"] = "Cần nhập ngày nộp lưu."
    elif date > case_services.local_today():
        errors["date"] = "Ngày nộp lưu ở sau ngày hôm nay."
    if not number:
        errors["number"] = "Cần nhập số lưu trữ (số hồ sơ nộp lưu)."
    if errors:
        raise ValidationError(errors)
    ev, _ = case_services.record_event(actor=actor, case=case, code="archived", date=date, number=number)
    return ev


@transaction.atomic
def record_delivery(*, actor, case: Case, date: dt.date | None, number: str, facility: str) -> Event:
    """Bàn giao người vào cơ sở: the "delivered" event, the handover record's number as its number
    and the facility as its note."""
    errors = {}
    if date is None:
        errors["date"] = "Cần nhập ngày bàn giao."
    if not (facility or "").strip():
        errors["note"] = "Cần nhập tên cơ sở tiếp nhận."
    if errors:
        raise ValidationError(errors)
    ev, _ = case_services.record_event(actor=actor, case=case, code="delivered", date=date,
                                       number=(number or "").strip(), note=f"Cơ sở: {facility.strip()}")
    return ev


def urge_letter(*, actor, case_ids: list[int], as_of: dt.date | None = None):
    """A draft đôn đốc letter (letters app) for the people chosen on the execution register: their
    overdue execution findings. Returns (letter, ids of people left out because nothing about them
    is overdue yet)."""
    if not case_ids:
        raise ValidationError("Chưa chọn người nào: hãy đánh dấu ít nhất một người để đôn đốc.")
    if actor is not None and not letter_services.perm.can_draft(actor, Kind.URGE):
        raise PermissionDenied("Bạn không có quyền soạn văn bản đôn đốc.")
    keys, without = selectors.urge_keys(case_ids, as_of, user=actor)
    if not keys:
        raise ValidationError("Những người đã chọn chưa có việc thi hành nào quá hạn (Công an nhận quyết định "
                              "chưa quá thời hạn bàn giao, chưa hết thời hiệu) nên chưa đôn đốc được.")
    letter = letter_services.create_draft(actor=actor, kind=Kind.URGE, keys=keys, as_of=as_of)
    return letter, without


def export_register(*, actor, rows, flt_label: str, as_of: dt.date) -> bytes:
    """The execution register as .xlsx (audited)."""
    import io

    import xlsxwriter

    from kiemsat.domain.dates import fmt

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Thi hành")
    bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1, "bg_color": "#F2F2F2"})
    title = wb.add_format({"bold": True, "font_size": 13})
    datef = wb.add_format({"num_format": "dd/mm/yyyy", "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.write(0, 0, f"SỔ THEO DÕI THI HÀNH QUYẾT ĐỊNH ÁP DỤNG BIỆN PHÁP XỬ LÝ HÀNH CHÍNH ({flt_label})", title)
    ws.write(1, 0, f"Tính đến ngày {fmt(as_of)}")
    heads = ["STT", "Họ và tên", "Số thụ lý", "Biện pháp", "Số quyết định", "Ngày quyết định", "Ngày hiệu lực",
             "Hiệu lực ước tính", "Ngày gửi thi hành", "Ngày Công an nhận", "Ngày bàn giao", "Số biên bản bàn giao",
             "Cơ sở", "Hoãn chấp hành", "Miễn chấp hành", "Trốn tránh", "Hết thời hiệu", "Còn lại (ngày)",
             "Tình trạng", "Ghi chú thời hiệu"]
    for c, h in enumerate(heads):
        ws.write(3, c, h, bold)

    def d(row, col, v):
        if v:
            ws.write_datetime(row, col, dt.datetime.combine(v, dt.time()), datef)

    def spans(xs):
        return "; ".join(f"{fmt(s.start)}–{fmt(s.end) if s.end else '…'}" for s in xs)

    for i, r in enumerate(rows, start=1):
        row = 3 + i
        ws.write_number(row, 0, i)
        ws.write(row, 1, r.person)
        ws.write(row, 2, r.so_thu_ly)
        ws.write(row, 3, r.measure_short)
        ws.write(row, 4, r.decision_number)
        d(row, 5, r.decision_date)
        d(row, 6, r.effective)
        ws.write(row, 7, "ước tính" if r.estimated else "")
        d(row, 8, r.sent)
        d(row, 9, r.police)
        d(row, 10, r.delivered)
        ws.write(row, 11, r.handover_no)
        ws.write(row, 12, r.facility_text, wrap)
        ws.write(row, 13, spans(r.postponements))
        d(row, 14, r.exempted)
        ws.write(row, 15, spans(r.evasions))
        d(row, 16, r.expiry)
        if r.days_left is not None and r.status in selectors.PENDING:
            ws.write_number(row, 17, r.days_left)
        ws.write(row, 18, r.status_label)
        ws.write(row, 19, r.expiry_note, wrap)
    for c, w in enumerate([5, 24, 18, 18, 14, 12, 12, 9, 12, 12, 12, 14, 24, 22, 12, 22, 12, 9, 26, 36]):
        ws.set_column(c, c, w)
    ws.freeze_panes(4, 2)
    ws.autofilter(3, 0, 3 + len(rows), len(heads) - 1)
    wb.close()
    from kiemsat.audit.context import current_actor

    record("export.execution", None, f"Xuất sổ thi hành ({flt_label}, {len(rows)} người)",
           user=None if current_actor() is not None else actor)
    return buf.getvalue()
