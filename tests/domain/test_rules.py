"""The ruleset data (RULES.md as data): completeness, statuses, dated values, regimes."""

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from kiemsat.domain.rules import DEFAULT_RULESET_FILE, Ruleset

D = dt.date
RS = Ruleset.default()
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
RULES_MD = SHARED / "domain" / "RULES.md"

ALL_IDS = [
    "court.accept", "court.return_incomplete", "court.notify_acceptance", "court.decide", "court.hold_session",
    "court.postponed_session", "court.session_without_procurator", "court.send_decision", "court.forward_challenge",
    "court.send_for_execution", "court.term_in_range", "window.complaint", "window.proposer", "window.protest",
    "decision.effective", "proposer.prepare_dossier", "proposer.forward_dossier", "proposer.review_transfer",
    "proposer.dossier_complete", "execution.deliver", "execution.limitation", "minor.decide",
    "minor.complaint_window", "minor.term_in_range", "procuracy.protest", "procuracy.recommendation_reply",
    "procuracy.archive",
]


def test_every_rule_id_is_in_the_data():
    assert set(ALL_IDS) <= set(RS.by_id)


@pytest.mark.skipif(not RULES_MD.exists(), reason="shared/domain/RULES.md not available")
def test_every_rule_id_of_rules_md_is_in_the_data():
    text = RULES_MD.read_text(encoding="utf-8")
    ids = set(re.findall(r"^\| `([a-z]+\.[a-z_]+)` \|", text, flags=re.M))
    assert len(ids) >= 25
    assert ids <= set(RS.by_id), ids - set(RS.by_id)


def test_ruleset_has_version_and_valid_parameters():
    assert RS.id
    for rule in RS.rules:
        assert rule.label
        assert rule.responsible in (None, "court", "proposer", "police", "procuracy")
        assert rule.unit in (None, "WD", "D", "M")
        for p in rule.params.values():
            for _ords, vals in p.nodes.values():
                for pv in vals:
                    assert pv.status in ("V", "S", "U")
                    assert pv.citation, (rule.id, p.name)


@pytest.mark.parametrize(
    "rule,key,on,value,status",
    [
        ("court.notify_acceptance", "PL03", D(2024, 1, 1), 2, "V"),
        ("court.notify_acceptance", "PL09", D(2022, 1, 1), None, "U"),
        ("court.accept", "PL03", D(2024, 1, 1), 1, "S"),
        ("court.accept", "PL09", D(2022, 1, 1), 1, "V"),
        ("court.decide", "PL03", D(2024, 1, 1), 15, "V"),
        ("court.postponed_session", "PL03", D(2024, 1, 1), None, "U"),
        ("court.postponed_session", "PL09", D(2022, 1, 1), 5, "V"),
        ("court.send_decision", "PL09", D(2022, 1, 1), 2, "S"),
        ("window.complaint", "PL03", D(2024, 1, 1), 5, "V"),
        ("window.complaint", "PL09", D(2022, 1, 1), 3, "S"),
        ("window.protest", "PL03", D(2024, 1, 1), 5, "U"),
        ("proposer.review_transfer", "CSCNBB", D(2025, 2, 28), 2, "V"),
        ("proposer.review_transfer", "CSCNBB", D(2025, 3, 1), None, "U"),
        ("proposer.prepare_dossier", "CSCNBB", D(2022, 1, 1), 5, "V"),
        ("execution.deliver", "CSCNBB", D(2024, 4, 15), 5, "V"),
        ("execution.deliver", "TGD", D(2024, 4, 15), 5, "S"),
        ("execution.limitation", "TGD", D(2024, 6, 8), 6, "V"),
        ("execution.limitation", "CSCNBB", D(2024, 6, 8), 12, "V"),
        ("execution.limitation", "CSCNBB_MINOR", D(2024, 6, 8), None, "U"),
        ("court.send_for_execution", "CSCNBB", D(2024, 6, 8), 3, "V"),
        ("procuracy.archive", None, D(2024, 6, 8), None, "U"),
        ("procuracy.recommendation_reply", None, D(2024, 6, 8), None, "U"),
    ],
)
def test_parameter_values(rule, key, on, value, status):
    name = "period"
    pv = RS[rule].params[name].get(key, on)
    assert pv is not None
    assert pv.value == value
    assert pv.status == status


def test_proposer_rules_do_not_apply_before_2022():
    assert RS["proposer.prepare_dossier"].params["period"].get("CSCNBB", D(2021, 12, 31)) is None


def test_term_ranges():
    r = RS["court.term_in_range"].params["range"]
    assert r.get("CSCNBB", D(2024, 1, 1)).value == [12, 24]
    assert r.get("TGD", D(2024, 1, 1)).value == [6, 24]
    assert RS["minor.term_in_range"].params["range"].get(None, D(2024, 1, 1)).value == [6, 12]


@pytest.mark.parametrize(
    "measure,accepted,regime",
    [
        ("CSCNBB", D(2023, 1, 30), "PL09"),
        ("CSCNBB", D(2023, 1, 31), "PL09"),
        ("CSCNBB", D(2023, 2, 1), "PL03"),
        ("TGD", D(2025, 6, 1), "PL03"),
        ("CSCNBB_MINOR", D(2024, 6, 1), "PL01"),
    ],
)
def test_regime(measure, accepted, regime):
    assert RS.regime_for(measure, accepted).code == regime


def test_a_leader_change_is_new_data_not_code():
    data = json.loads(DEFAULT_RULESET_FILE.read_text(encoding="utf-8"))
    d2 = copy.deepcopy(data)
    d2["id"] = "default-2026.1-sửa"
    for r in d2["rules"]:
        if r["id"] == "court.notify_acceptance":
            # a change in the law: a new dated value inside the parameter
            r["params"]["period"]["cases"]["PL03"]["values"]["2027-01-01"] = {"value": 3, "status": "U", "citation": "giả định"}
    rs2 = Ruleset.from_json(d2)
    p = rs2["court.notify_acceptance"].params["period"]
    assert p.get("PL03", D(2026, 12, 31)).value == 2
    assert p.get("PL03", D(2027, 1, 1)).value == 3
    assert p.get("PL03", D(2027, 1, 1)).status == "U"
    assert rs2.id != RS.id


def test_bad_data_is_rejected():
    with pytest.raises(ValueError):
        Ruleset.from_json({"id": "x", "rules": [{"id": "a.b", "unit": "weeks"}]})
    with pytest.raises(ValueError):
        Ruleset.from_json(
            {"id": "x", "rules": [{"id": "a.b", "params": {"period": {"values": {"2024-01-01": 1}, "status": "X"}}}]}
        )
