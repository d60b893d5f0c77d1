"""Where a case stands in the procedure, derived from its events. Pure Python."""

from __future__ import annotations

from enum import StrEnum

from .events import Outcome


class Stage(StrEnum):
    PROPOSER = "proposer"  # the dossier is still with the proposing agency
    RECEIVED = "received"  # the Court received it, not yet accepted
    RETURNED = "returned"  # the Court returned the dossier as incomplete
    ACCEPTED = "accepted"  # thụ lý, no decision yet
    DECIDED = "decided"  # decision applying the measure, not yet effective
    EXECUTION = "execution"  # effective, person not delivered yet
    DELIVERED = "delivered"  # delivered to the facility
    CLOSED = "closed"  # not applied / terminated / exempted / archived


STAGE_LABELS = {
    Stage.PROPOSER: "Đang lập, xem xét hồ sơ",
    Stage.RECEIVED: "Tòa án đã nhận hồ sơ",
    Stage.RETURNED: "Tòa án trả lại hồ sơ",
    Stage.ACCEPTED: "Đã thụ lý, chưa quyết định",
    Stage.DECIDED: "Đã quyết định, chưa có hiệu lực",
    Stage.EXECUTION: "Chờ thi hành",
    Stage.DELIVERED: "Đã bàn giao vào cơ sở",
    Stage.CLOSED: "Đã kết thúc",
}


def stage_of(codes: set[str], outcome: Outcome | None) -> Stage:
    """codes: the event codes recorded on the case; outcome: of its last decision."""
    if "archived" in codes:
        return Stage.CLOSED
    if "decision" in codes:
        if outcome != Outcome.APPLY:
            return Stage.CLOSED
        if "execution_exempted" in codes:
            return Stage.CLOSED
        if "delivered" in codes:
            return Stage.DELIVERED
        if codes & {"effective", "sent_for_execution", "police_received"}:
            return Stage.EXECUTION
        return Stage.DECIDED
    if "accepted" in codes:
        return Stage.ACCEPTED
    if "court_returned" in codes:
        return Stage.RETURNED
    if "court_received" in codes:
        return Stage.RECEIVED
    return Stage.PROPOSER
