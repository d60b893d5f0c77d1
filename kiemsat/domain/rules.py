"""The rule catalogue as data (RULES.md): a versioned Ruleset parsed from JSON. Pure Python.

A rule's numbers, citations and statuses live in its parameters. A parameter is keyed by the case's
regime (PL03 / PL09 / PL01) or measure (CSCNBB / CSGDBB / TGD / CSCNBB_MINOR), or not keyed, and
each key holds dated values like an OpenFisca parameter:

    "period": {"by": "regime", "cases": {
        "PL03": {"values": {"2023-02-01": 2}, "status": "V", "citation": "Pháp lệnh 03/2022/UBTVQH15, Điều 12 khoản 1"},
        "PL09": {"values": {"2014-01-20": null}, "status": "U", "citation": "…"}}}

A dated value may also be an object {"value": …, "status": …, "citation": …, "note": …} that
overrides the key's status / citation from that date. `null` means "cannot be evaluated".
The value in force on the date of the event that starts the period is used.
"""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_RULESET_FILE = DATA_DIR / "ruleset-default.json"

STATUSES = ("V", "S", "U")
UNITS = ("WD", "D", "M")
RESPONSIBLE = ("court", "proposer", "police", "procuracy")


@dataclass(frozen=True, slots=True)
class ParamValue:
    value: Any  # None = null (cannot evaluate)
    status: str  # V | S | U
    citation: str
    note: str = ""
    since: dt.date | None = None


_MISSING = object()


@dataclass(slots=True)
class Param:
    name: str
    by: str | None  # "regime" | "measure" | None
    # key ("*" when not keyed) -> (sorted start ordinals, values)
    nodes: dict[str, tuple[tuple[int, ...], tuple[ParamValue, ...]]]

    def get(self, key: str | None, on: dt.date | None) -> ParamValue | None:
        """The value for `key` in force on `on`; None when the parameter has no value for that key
        or date (the rule does not apply). A ParamValue whose .value is None is a null parameter."""
        nodes = self.nodes
        node = nodes.get(key) if self.by else None
        if node is None:
            node = nodes.get("*")
            if node is None:
                return None
        ords, vals = node
        if on is None:
            return vals[-1]
        if len(ords) == 1:
            return vals[0] if on >= vals[0].since else None
        i = bisect_right(ords, on.toordinal()) - 1
        return vals[i] if i >= 0 else None

    def values(self, key: str | None) -> tuple[ParamValue, ...]:
        """Every value `key` has had or will have (all versions), oldest first."""
        node = self.nodes.get(key) if self.by else None
        if node is None:
            node = self.nodes.get("*")
        return node[1] if node is not None else ()


@dataclass(slots=True)
class RuleDef:
    id: str
    label: str
    responsible: str | None
    kind: str  # deadline | fact | window | effective | due_soon_only
    unit: str | None
    applies_to: str  # adult | minor | all
    start: str | None  # event code that starts the period
    act: str | None  # event code of the act
    start_label: str
    act_label: str
    overdue: str  # tracked | both_recorded | never
    params: dict[str, Param]
    reading_status: str = "V"  # status of the reading (interpretation) the rule takes
    reading: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> Param | None:
        return self.params.get(name)


@dataclass(frozen=True, slots=True)
class Regime:
    code: str
    label: str
    date_from: dt.date | None
    date_to: dt.date | None
    measures: frozenset[str] | None  # None = any measure except those claimed by another regime
    citation: str = ""


class Ruleset:
    """A parsed ruleset version. Build with `Ruleset.from_json(data)` (or `Ruleset.default()`)."""

    def __init__(self, id: str, title: str, regimes: list[Regime], rules: list[RuleDef], meta: dict | None = None):
        self.id = id
        self.version = id
        self.title = title
        self.regimes = regimes
        self.rules = rules
        self.by_id = {r.id: r for r in rules}
        self.meta = meta or {}
        self._measure_regime = {m: r for r in regimes if r.measures for m in r.measures}
        self._dated = [r for r in regimes if not r.measures]

    def __repr__(self) -> str:
        return f"<Ruleset {self.id} ({len(self.rules)} rules)>"

    def __getitem__(self, rule_id: str) -> RuleDef:
        return self.by_id[rule_id]

    def __contains__(self, rule_id: str) -> bool:
        return rule_id in self.by_id

    def regime_for(self, measure: str, accepted: dt.date | None) -> Regime | None:
        """The procedural regime of a case: by measure (minors: PL01), else by the date of thụ lý."""
        r = self._measure_regime.get(measure)
        if r is not None:
            return r
        if accepted is None:
            return None
        for r in self._dated:
            if (r.date_from is None or accepted >= r.date_from) and (r.date_to is None or accepted <= r.date_to):
                return r
        return None

    # ------------------------------------------------------------------ parsing
    @classmethod
    def from_json(cls, data: dict | str | Path | None = None) -> Ruleset:
        if data is None:
            data = DEFAULT_RULESET_FILE
        if isinstance(data, (str, Path)):
            data = json.loads(Path(data).read_text(encoding="utf-8"))
        regimes = [
            Regime(
                code=r["code"],
                label=r.get("label", r["code"]),
                date_from=_date(r.get("from")),
                date_to=_date(r.get("to")),
                measures=frozenset(r["measures"]) if r.get("measures") else None,
                citation=r.get("citation", ""),
            )
            for r in data.get("regimes", ())
        ]
        rules = [_parse_rule(r) for r in data.get("rules", ())]
        meta = {k: v for k, v in data.items() if k not in ("rules", "regimes")}
        return cls(id=str(data.get("id", "")), title=data.get("title", ""), regimes=regimes, rules=rules, meta=meta)

    @classmethod
    def default(cls) -> Ruleset:
        global _DEFAULT
        if _DEFAULT is None:
            _DEFAULT = cls.from_json()
        return _DEFAULT


_DEFAULT: Ruleset | None = None


def _date(v) -> dt.date | None:
    if v in (None, ""):
        return None
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def _parse_node(name: str, node: dict) -> tuple[tuple[int, ...], tuple[ParamValue, ...]]:
    status = node.get("status", "U")
    citation = node.get("citation", "")
    note = node.get("note", "")
    if status not in STATUSES:
        raise ValueError(f"parameter {name}: status must be V, S or U, not {status!r}")
    items = sorted(((_date(k), v) for k, v in (node.get("values") or {}).items()), key=lambda kv: kv[0])
    if not items:
        raise ValueError(f"parameter {name}: no values")
    ords, vals = [], []
    for since, v in items:
        if isinstance(v, dict) and "value" in v:
            pv = ParamValue(
                value=v["value"],
                status=v.get("status", status),
                citation=v.get("citation", citation),
                note=v.get("note", note),
                since=since,
            )
        else:
            pv = ParamValue(value=v, status=status, citation=citation, note=note, since=since)
        if pv.status not in STATUSES:
            raise ValueError(f"parameter {name}: bad status {pv.status!r}")
        ords.append(since.toordinal())
        vals.append(pv)
    return tuple(ords), tuple(vals)


def _parse_param(name: str, obj: dict) -> Param:
    by = obj.get("by")
    if by:
        if by not in ("regime", "measure"):
            raise ValueError(f"parameter {name}: 'by' must be 'regime' or 'measure'")
        nodes = {k: _parse_node(f"{name}[{k}]", v) for k, v in obj.get("cases", {}).items()}
    else:
        nodes = {"*": _parse_node(name, obj)}
    return Param(name=name, by=by, nodes=nodes)


_RULE_KEYS = {
    "id", "label", "responsible", "kind", "unit", "applies_to", "start", "act", "start_label", "act_label",
    "overdue", "params", "reading", "reading_status",
}


def _parse_rule(r: dict) -> RuleDef:
    rid = r["id"]
    unit = r.get("unit")
    if unit is not None and unit not in UNITS:
        raise ValueError(f"rule {rid}: unit must be one of {UNITS}")
    resp = r.get("responsible")
    if resp is not None and resp not in RESPONSIBLE:
        raise ValueError(f"rule {rid}: responsible must be one of {RESPONSIBLE}")
    return RuleDef(
        id=rid,
        label=r.get("label", rid),
        responsible=resp,
        kind=r.get("kind", "deadline"),
        unit=unit,
        applies_to=r.get("applies_to", "all"),
        start=r.get("start"),
        act=r.get("act"),
        start_label=r.get("start_label", ""),
        act_label=r.get("act_label", ""),
        overdue=r.get("overdue", "tracked"),
        params={k: _parse_param(f"{rid}.{k}", v) for k, v in (r.get("params") or {}).items()},
        reading_status=r.get("reading_status", "V"),
        reading=r.get("reading", ""),
        extra={k: v for k, v in r.items() if k not in _RULE_KEYS},
    )
