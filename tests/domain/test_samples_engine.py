"""THE KEY TEST: the engine reproduces the samples' expected findings exactly.

For each sample book, every case of `.cases.json` (tracked = the keys present in the flat object)
is evaluated as of the `.expected.json` `as_of`; the violation and overdue findings must equal the
expected ones on (so_thu_ly, rule, status, due, actual, late, responsible). The fixtures are read
from ../shared/samples at test time.
"""

import datetime as dt
import json
from pathlib import Path

import pytest

from kiemsat.domain.calendar import WorkCalendar
from kiemsat.domain.engine import OVERDUE, VIOLATION, evaluate, scan
from kiemsat.domain.facts import facts_from_flat
from kiemsat.domain.rules import Ruleset

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples"
BOOKS = ["so-theo-doi-xlhc-2024", "so-theo-doi-xlhc-2022-2025"]
KEYS = ("so_thu_ly", "rule", "status", "due", "actual", "late", "responsible")


def _load(book):
    cases_file = SAMPLES / f"{book}.cases.json"
    expected_file = SAMPLES / f"{book}.expected.json"
    if not cases_file.exists() or not expected_file.exists():
        pytest.skip(f"sample {book} not available")
    return json.loads(cases_file.read_text(encoding="utf-8")), json.loads(expected_file.read_text(encoding="utf-8"))


@pytest.mark.parametrize("book", BOOKS)
def test_sample_findings_match_exactly(book):
    flat, expected = _load(book)
    rs, cal = Ruleset.default(), WorkCalendar.default()
    as_of = dt.date.fromisoformat(expected["as_of"])
    got = []
    for obj in flat:
        c = facts_from_flat(obj)
        for f in evaluate(c, rs, cal, as_of):
            if f.status in (VIOLATION, OVERDUE):
                got.append(tuple(f.to_json(c)[k] for k in KEYS))
    want = [tuple(f[k] for k in KEYS) for f in expected["findings"]]
    assert len(got) == len(set(got))
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing and not extra, {"missing": missing, "extra": extra}
    assert len(got) == len(want)


@pytest.mark.parametrize("book", BOOKS)
def test_sample_units_and_scan(book):
    flat, expected = _load(book)
    rs, cal = Ruleset.default(), WorkCalendar.default()
    as_of = dt.date.fromisoformat(expected["as_of"])
    cases = [facts_from_flat(o) for o in flat]
    by_key = {(f["so_thu_ly"], f["rule"]): f for f in expected["findings"]}
    n = 0
    for c, f in scan(cases, rs, cal, as_of, statuses=(VIOLATION, OVERDUE)):
        e = by_key[(c.so_thu_ly, f.rule)]
        assert f.unit == e["unit"]
        assert f.explanation
        assert f.citation
        n += 1
    assert n == len(expected["findings"])


@pytest.mark.parametrize("book", BOOKS)
def test_sample_replay_never_raises(book):
    """Replaying the book at past dates: every case gives valid findings."""
    flat, _expected = _load(book)
    rs, cal = Ruleset.default(), WorkCalendar.default()
    cases = [facts_from_flat(o) for o in flat]
    for as_of in (dt.date(2022, 6, 30), dt.date(2023, 1, 31), dt.date(2023, 2, 1), dt.date(2024, 2, 16), dt.date(2025, 3, 3)):
        for c in cases:
            for f in evaluate(c, rs, cal, as_of, include_info=True):
                assert f.status in ("violation", "overdue", "due_soon", "ok", "not_evaluable")
                if f.due is not None and f.status in ("overdue",):
                    assert f.due < as_of
                if f.actual is not None and f.rule not in ("decision.effective",):
                    assert f.actual <= as_of
