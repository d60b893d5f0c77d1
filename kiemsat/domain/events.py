"""The procedural events of a case: the one vocabulary shared by the models, the engine,
the importer, the forms and the exports.

Pure Python (no Django import). Event codes are stable identifiers stored in the database;
labels are what the user sees.

Sources: LEGAL-NOTES Part A §2.1 as corrected by Part B (the procedure under Pháp lệnh 03/2022
and 09/2014, Nghị định 116/2021, Luật XLVPHC).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    PROPOSER = "proposer"
    COURT = "court"
    CHALLENGE = "challenge"
    EFFECT = "effect"
    EXECUTION = "execution"
    PROCURACY = "procuracy"


PHASE_LABELS = {
    Phase.PROPOSER: "Cơ quan đề nghị",
    Phase.COURT: "Tòa án",
    Phase.CHALLENGE: "Khiếu nại, kiến nghị, kháng nghị",
    Phase.EFFECT: "Hiệu lực",
    Phase.EXECUTION: "Thi hành",
    Phase.PROCURACY: "Viện kiểm sát",
}


class Outcome(StrEnum):
    """What a Court decision decided (PL03 Điều 8; PL09 likewise)."""

    APPLY = "apply"
    NOT_APPLY = "not_apply"
    TERMINATE = "terminate"  # đình chỉ
    SUSPEND = "suspend"  # tạm đình chỉ
    COMMUNITY = "community"  # giáo dục dựa vào cộng đồng


OUTCOME_LABELS = {
    Outcome.APPLY: "Áp dụng",
    Outcome.NOT_APPLY: "Không áp dụng",
    Outcome.TERMINATE: "Đình chỉ",
    Outcome.SUSPEND: "Tạm đình chỉ",
    Outcome.COMMUNITY: "Giáo dục dựa vào cộng đồng",
}


class AppealResult(StrEnum):
    """How the provincial court (Tòa án nhân dân cấp tỉnh) ruled on the khiếu nại, kiến nghị, kháng nghị
    against a decision (PL 03/2022 Điều 36: "Không chấp nhận khiếu nại, kiến nghị, kháng nghị; giữ
    nguyên quyết định…", or accepting them — changing or annulling the decision — wholly or in part).
    Recorded on the `appeal_decision` event. A separate vocabulary from Outcome: the packed case digest
    (domain/vector.py) encodes Outcome's order, and the deadline engine does not read this one."""

    ACCEPTED = "accepted"  # chấp nhận: sửa hoặc hủy quyết định bị khiếu nại, kiến nghị, kháng nghị
    PARTLY = "partly"  # chấp nhận một phần
    REJECTED = "rejected"  # không chấp nhận, giữ nguyên quyết định


APPEAL_RESULT_LABELS = {
    AppealResult.ACCEPTED: "Chấp nhận (sửa hoặc hủy quyết định)",
    AppealResult.PARTLY: "Chấp nhận một phần",
    AppealResult.REJECTED: "Không chấp nhận, giữ nguyên quyết định",
}
# the results that count as a protest accepted (wholly or in part) in the statistics
APPEAL_ACCEPTING = (AppealResult.ACCEPTED, AppealResult.PARTLY)


class Measure(StrEnum):
    """The measure the Court is asked to apply."""

    CSCNBB = "CSCNBB"  # đưa vào cơ sở cai nghiện bắt buộc
    CSGDBB = "CSGDBB"  # đưa vào cơ sở giáo dục bắt buộc
    TGD = "TGD"  # đưa vào trường giáo dưỡng
    MINOR_CSCNBB = "CSCNBB_MINOR"  # người 12–<18 tuổi, Pháp lệnh 01/2022 — not a BPXLHC


MEASURE_LABELS = {
    Measure.CSCNBB: "Đưa vào cơ sở cai nghiện bắt buộc",
    Measure.CSGDBB: "Đưa vào cơ sở giáo dục bắt buộc",
    Measure.TGD: "Đưa vào trường giáo dưỡng",
    Measure.MINOR_CSCNBB: "Đưa người từ đủ 12 đến dưới 18 tuổi vào cơ sở cai nghiện bắt buộc",
}

MEASURE_SHORT = {
    Measure.CSCNBB: "Cai nghiện bắt buộc",
    Measure.CSGDBB: "Giáo dục bắt buộc",
    Measure.TGD: "Trường giáo dưỡng",
    Measure.MINOR_CSCNBB: "Cai nghiện bắt buộc (người chưa thành niên)",
}


@dataclass(frozen=True)
class EventType:
    code: str
    label: str
    phase: Phase
    order: int  # position in the normal procedure, for sorting a timeline
    has_number: bool = False  # a document number (số văn bản / số thụ lý / số quyết định)
    has_end: bool = False  # an end date (evasion to, postponement until)
    has_outcome: bool = False  # decision outcome + term in months
    has_presence: bool = False  # session: prosecutor present or absent
    scheduled: bool = False  # may be dated in the future (a session fixed for next week)
    has_appeal_result: bool = False  # the provincial court's ruling on the challenges (AppealResult)


def _types() -> tuple[EventType, ...]:
    P, C, H, E, X, V = (
        Phase.PROPOSER,
        Phase.COURT,
        Phase.CHALLENGE,
        Phase.EFFECT,
        Phase.EXECUTION,
        Phase.PROCURACY,
    )
    rows = [
        # Proposer (cơ quan lập hồ sơ, Phòng LĐTBXH until 02/2025, the police after)
        ("detected", "Phát hiện người sử dụng trái phép chất ma túy / vi phạm", P, {}),
        ("dossier_prepared", "Lập hồ sơ đề nghị", P, {"has_number": True}),
        ("dossier_notice", "Người bị đề nghị nhận thông báo đọc hồ sơ", P, {}),
        ("dossier_forwarded", "Chuyển hồ sơ để xem xét (sau thời hạn đọc hồ sơ)", P, {}),
        ("ldtb_received", "Phòng LĐTBXH nhận hồ sơ", P, {}),
        ("ldtb_returned", "Phòng LĐTBXH trả hồ sơ để bổ sung", P, {}),
        ("transferred_to_court", "Chuyển hồ sơ đề nghị sang Tòa án", P, {"has_number": True}),
        # Court
        ("court_received", "Tòa án nhận hồ sơ đề nghị", C, {}),
        ("court_returned", "Tòa án trả lại hồ sơ (chưa đầy đủ)", C, {"has_number": True}),
        ("accepted", "Thụ lý", C, {"has_number": True}),
        ("complex_declared", "Xác định vụ việc phức tạp", C, {}),
        ("acceptance_notice", "Thông báo thụ lý", C, {"has_number": True}),
        ("document_request", "Yêu cầu bổ sung tài liệu", C, {"has_number": True}),
        ("session_order", "Quyết định mở phiên họp", C, {"has_number": True, "scheduled": True}),
        ("session_postponed", "Hoãn phiên họp", C, {"has_number": True, "has_end": True}),
        ("session_held", "Phiên họp", C, {"has_presence": True, "scheduled": True}),
        ("decision", "Quyết định", C, {"has_number": True, "has_outcome": True}),
        ("decision_sent", "Tòa án gửi quyết định", C, {"has_number": True}),
        # Challenges
        ("complaint", "Khiếu nại", H, {}),
        ("proposer_recommendation", "Kiến nghị của cơ quan đề nghị", H, {"has_number": True}),
        ("protest", "Kháng nghị của Viện kiểm sát", H, {"has_number": True}),
        ("challenge_forwarded", "Chuyển hồ sơ lên Tòa án cấp trên", H, {"has_number": True}),
        ("appeal_decision", "Quyết định giải quyết của Tòa án cấp trên", H,
         {"has_number": True, "has_appeal_result": True}),
        # Effect
        ("effective", "Quyết định có hiệu lực pháp luật", E, {}),
        # Execution
        ("sent_for_execution", "Gửi quyết định để thi hành", X, {"has_number": True}),
        ("police_received", "Công an nhận quyết định", X, {}),
        ("delivered", "Bàn giao người vào cơ sở", X, {"has_number": True}),
        ("execution_postponed", "Hoãn chấp hành", X, {"has_number": True, "has_end": True}),
        ("execution_exempted", "Miễn chấp hành", X, {"has_number": True}),
        ("evasion", "Trốn tránh thi hành", X, {"has_end": True}),
        # Procuracy
        ("archived", "Nộp lưu hồ sơ kiểm sát", V, {"has_number": True}),  # number: the archive reference
    ]
    return tuple(
        EventType(code=c, label=label, phase=ph, order=i, **kw) for i, (c, label, ph, kw) in enumerate(rows)
    )


EVENT_TYPES: tuple[EventType, ...] = _types()
EVENT_TYPE_BY_CODE: dict[str, EventType] = {t.code: t for t in EVENT_TYPES}
EVENT_CODES: tuple[str, ...] = tuple(t.code for t in EVENT_TYPES)
EXECUTION_CODES = frozenset(t.code for t in EVENT_TYPES if t.phase == Phase.EXECUTION)

# Challenges recorded on a case stop the effective date from being computed (RULES.md decision.effective).
CHALLENGE_CODES = frozenset({"complaint", "proposer_recommendation", "protest"})


# --- The flat view of a case -------------------------------------------------------------
# The samples' .cases.json and `kiemsat cases --json` describe a case as one flat object: the
# last date of each kind of event. This table says which event (and which of its attributes)
# each flat key stands for. The importer and the compatibility export both use it.
#   key -> (event code, attribute)   attribute: "date" (document date), "received" (date the
#   Procuracy received it), "number", "outcome", "term_months", "prosecutor_present"
FLAT_EVENT_FIELDS: dict[str, tuple[str, str]] = {
    "detected": ("detected", "date"),
    "dossier_prepared": ("dossier_prepared", "date"),
    "ldtb_received": ("ldtb_received", "date"),
    "ldtb_transferred": ("transferred_to_court", "date"),
    "court_received": ("court_received", "date"),
    "so_thu_ly": ("accepted", "number"),
    "accepted": ("accepted", "date"),
    "notice_date": ("acceptance_notice", "date"),
    "notice_vks_received": ("acceptance_notice", "received"),
    "session_order": ("session_order", "date"),
    "session_date": ("session_held", "date"),
    "ksv_present": ("session_held", "prosecutor_present"),
    "decision_no": ("decision", "number"),
    "decision_date": ("decision", "date"),
    "outcome": ("decision", "outcome"),
    "term_months": ("decision", "term_months"),
    "decision_vks_received": ("decision", "received"),
    "effective_recorded": ("effective", "date"),
    "police_received": ("police_received", "date"),
    "delivered": ("delivered", "date"),
    "archived": ("archived", "date"),
}

# Flat keys that describe the case itself rather than an event.
FLAT_CASE_FIELDS = ("name", "birth_year", "address", "measure", "proposer", "complex", "vks_proposal", "staff")


def appeal_result_from_label(text: str | None) -> AppealResult | None:
    """'Chấp nhận một phần' -> AppealResult.PARTLY; also the code itself ('partly'). None otherwise."""
    if not text:
        return None
    t = " ".join(text.split()).casefold()
    for k, v in APPEAL_RESULT_LABELS.items():
        if t in (k.value, v.casefold()):
            return k
    return None


def outcome_from_label(text: str | None) -> Outcome | None:
    """'Áp dụng' -> Outcome.APPLY (exact labels only; free-text parsing lives in the importer)."""
    if not text:
        return None
    for k, v in OUTCOME_LABELS.items():
        if v.casefold() == text.strip().casefold():
            return k
    return None
