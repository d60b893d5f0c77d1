"""What the columns of a unit's book can stand for, in Vietnamese: the choices of the mapping
preview, the headers of the export and the labels of the import report."""

from __future__ import annotations

from kiemsat.domain.events import FLAT_CASE_FIELDS, FLAT_EVENT_FIELDS
from kiemsat.domain.workbook import load_synonyms

# Every field a column may be mapped to. For the flat keys the label is also the export's header,
# chosen so that it maps back to the same field (tests check this).
FIELD_LABELS: dict[str, str] = {
    "stt": "STT",
    "name": "Họ và tên",
    "birth_year": "Năm sinh",
    "address": "Nơi cư trú",
    "measure": "Biện pháp",
    "proposer": "Cơ quan đề nghị",
    "detected": "Ngày phát hiện",
    "dossier_prepared": "Ngày lập hồ sơ đề nghị",
    "ldtb_received": "Ngày Phòng LĐTBXH nhận hồ sơ",
    "ldtb_transferred": "Ngày Phòng LĐTBXH chuyển hồ sơ sang Tòa án",
    "court_received": "Ngày Tòa án nhận hồ sơ",
    "so_thu_ly": "Số thụ lý",
    "accepted": "Ngày thụ lý",
    "complex": "Vụ việc phức tạp",
    "notice_date": "Ngày thông báo thụ lý",
    "notice_vks_received": "Ngày VKS nhận thông báo thụ lý",
    "flag_notice_late": "Cột của sổ: vi phạm thông báo thụ lý",
    "session_order": "Ngày QĐ mở phiên họp",
    "session_date": "Ngày mở phiên họp",
    "ksv_present": "KSV tham gia phiên họp",
    "decision_no": "Số quyết định",
    "decision_date": "Ngày quyết định",
    "outcome": "Kết quả",
    "term_months": "Thời hạn (tháng)",
    "decision_vks_received": "Ngày VKS nhận quyết định",
    "flag_decision_late": "Cột của sổ: vi phạm gửi quyết định",
    "effective_recorded": "Ngày quyết định có hiệu lực",
    "police_received": "Ngày Công an nhận quyết định",
    "delivered": "Ngày đưa vào cơ sở",
    "limitation_expiry": "Cột của sổ: hết thời hiệu thi hành",
    "execution_status": "Cột của sổ: tình trạng thi hành",
    "vks_proposal": "Đề xuất của Viện kiểm sát",
    "staff": "Cán bộ được phân công",
    "archived": "Ngày nộp lưu hồ sơ kiểm sát",
    "note": "Ghi chú",
    "scan": "Đường dẫn hồ sơ số hóa",
}

# The flat view's keys in the order of the samples' .cases.json (and of the export).
FLAT_ORDER: tuple[str, ...] = (
    "name", "birth_year", "address", "measure", "proposer",
    "detected", "dossier_prepared", "ldtb_received", "ldtb_transferred", "court_received",
    "so_thu_ly", "accepted", "complex", "notice_date", "notice_vks_received",
    "session_order", "session_date", "ksv_present",
    "decision_no", "decision_date", "outcome", "term_months", "decision_vks_received",
    "effective_recorded", "police_received", "delivered", "vks_proposal", "staff", "archived",
)
assert set(FLAT_ORDER) == set(FLAT_CASE_FIELDS) | set(FLAT_EVENT_FIELDS)

SKIP = ""  # the "bỏ qua" choice


def label(field: str | None) -> str:
    if not field:
        return "bỏ qua"
    return FIELD_LABELS.get(field, field)


def field_choices() -> list[tuple[str, str]]:
    """(value, label) for the mapping select: "bỏ qua" then every field the reader knows."""
    names = list(load_synonyms().fields)
    names += [k for k in FLAT_ORDER if k not in names]
    return [(SKIP, "— bỏ qua —")] + [(n, label(n)) for n in names]
