"""The columnar scan (kiemsat.domain.vector) gives exactly the engine's findings.

Every comparison is on every field of every finding — rule, status, due, actual, late, unit,
responsible, citation, verified, flags, reason, label, parameters used, start, alt_due and the
explanation — and on their order: the two shared samples at many dates, and hypothesis-generated
cases whose dates fall around Tết, the make-up Saturdays, the regime switch 31/01–01/02/2023, the
proposer cut-off 28/02/2025 and month ends, under altered rulesets and calendars.
"""

import copy
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiemsat.domain import vector
from kiemsat.domain.calendar import DEFAULT_CALENDAR_FILE, WorkCalendar
from kiemsat.domain.engine import DUE_SOON, OVERDUE, VIOLATION, scan
from kiemsat.domain.events import EVENT_CODES, Outcome
from kiemsat.domain.facts import CaseFacts, EventFact, facts_from_flat
from kiemsat.domain.rules import DEFAULT_RULESET_FILE, Ruleset

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples"
BOOKS = ["so-theo-doi-xlhc-2024", "so-theo-doi-xlhc-2022-2025"]
D = dt.date
ALERTS = (VIOLATION, OVERDUE, DUE_SOON)
CAL = WorkCalendar.default()
RS = Ruleset.default()


def full(c: CaseFacts, f) -> tuple:
    return (c.key, f.rule, f.status, f.due, f.actual, f.late, f.unit, f.responsible, f.citation, f.verified,
            tuple(f.flags), f.reason, f.label, f.params, f.start, f.alt_due, f.explanation)


def assert_same(cases, rs, cal, as_of, statuses=ALERTS) -> vector.Hits:
    want = [full(c, f) for c, f in scan(cases, rs, cal, as_of, statuses=statuses)]
    got = [full(c, f) for c, f in vector.scan_facts(cases, rs, cal, as_of, statuses=statuses)]
    assert got == want
    return vector.evaluate(vector.Columns.from_facts(cases), rs, cal, as_of, statuses=statuses)


# ------------------------------------------------------------------ rulesets and calendars
def _rules_json() -> dict:
    return json.loads(DEFAULT_RULESET_FILE.read_text(encoding="utf-8"))


def _rule(data, rid):
    return next(r for r in data["rules"] if r["id"] == rid)


def _all_verified() -> Ruleset:
    data = _rules_json()
    for r in data["rules"]:
        r["reading_status"] = "V"
        for p in (r.get("params") or {}).values():
            for node in (p.get("cases") or {"*": p}).values():
                node["status"] = "V"
                for v in (node.get("values") or {}).values():
                    if isinstance(v, dict):
                        v["status"] = "V"
    return Ruleset.from_json(data)


def _law_changes() -> Ruleset:
    """Dated values, filled nulls, new nulls: what a leader's changes make."""
    data = _rules_json()
    notify = _rule(data, "court.notify_acceptance")["params"]["period"]["cases"]
    notify["PL03"]["values"]["2025-01-01"] = {"value": 3, "status": "S", "citation": "giả định: thay đổi pháp luật"}
    notify["PL09"]["values"] = {"2014-01-20": 2}
    _rule(data, "court.decide")["params"]["complex_period"]["cases"]["PL03"]["values"]["2024-06-01"] = None
    deliver = _rule(data, "execution.deliver")["params"]["period"]["cases"]["CSCNBB"]["values"]
    deliver["2024-06-01"] = {"value": None, "status": "U", "citation": "giả định: chưa có căn cứ"}
    deliver["2024-09-01"] = {"value": 7, "status": "V", "citation": "giả định: 7 ngày"}
    _rule(data, "procuracy.archive")["params"]["period"]["values"] = {"2013-07-01": 30}
    _rule(data, "procuracy.recommendation_reply")["params"]["period"]["values"] = {"2013-07-01": 10}
    _rule(data, "court.postponed_session")["params"]["period"]["cases"]["PL03"]["values"] = {"2023-02-01": 5}
    _rule(data, "window.complaint")["params"]["period"]["cases"]["PL03"]["values"]["2025-07-01"] = 7
    _rule(data, "court.term_in_range")["params"]["range"]["cases"]["CSCNBB"]["values"]["2025-01-01"] = [6, 18]
    _rule(data, "execution.limitation")["params"]["period"]["cases"]["TGD"]["values"]["2024-01-01"] = 0
    _rule(data, "court.accept")["params"]["period"]["cases"]["PL03"]["values"] = {"2023-02-01": "một"}  # int() raises
    # a simple start -> act rule added in the data (engine._h_generic)
    data["rules"].append({"id": "court.extra_notice", "label": "Thông báo bổ sung", "responsible": "court",
                          "kind": "deadline", "unit": "D", "start": "document_request", "act": "archived",
                          "params": {"period": {"by": "regime", "cases": {"PL03": {"values": {"2023-02-01": 10},
                                                                          "status": "S", "citation": "giả định"}}}}})
    return Ruleset.from_json(data)


def _calendar_unconfirmed_2025() -> WorkCalendar:
    data = json.loads(DEFAULT_CALENDAR_FILE.read_text(encoding="utf-8"))
    for y in data["years"]:
        if y["year"] == 2025:
            y["confirmed"] = False
    return WorkCalendar.from_json(data)


RULESETS = {"default": RS, "verified": _all_verified(), "law": _law_changes()}
CALENDARS = {"default": CAL, "2025-provisional": _calendar_unconfirmed_2025()}


# ------------------------------------------------------------------ the samples
def _sample(book):
    f = SAMPLES / f"{book}.cases.json"
    if not f.exists():
        pytest.skip(f"sample {book} not available")
    return [facts_from_flat(o) for o in json.loads(f.read_text(encoding="utf-8"))]


SAMPLE_DATES = [D(2022, 6, 30), D(2023, 1, 31), D(2023, 2, 1), D(2024, 2, 15), D(2024, 2, 16), D(2024, 2, 19),
                D(2024, 12, 31), D(2025, 2, 28), D(2025, 3, 3), D(2025, 12, 31), D(2026, 11, 26)]


@pytest.mark.parametrize("book", BOOKS)
@pytest.mark.parametrize("as_of", SAMPLE_DATES)
def test_samples_same_findings(book, as_of):
    cases = _sample(book)
    hits = assert_same(cases, RS, CAL, as_of)
    assert not hits.fallback.any()  # every sample case is evaluated on the columns


@pytest.mark.parametrize("book", BOOKS)
def test_samples_expected_as_of(book):
    cases = _sample(book)
    expected = json.loads((SAMPLES / f"{book}.expected.json").read_text(encoding="utf-8"))
    as_of = D.fromisoformat(expected["as_of"])
    hits = assert_same(cases, RS, CAL, as_of)
    assert len(hits) >= len(expected["findings"])
    for statuses in [(VIOLATION,), (OVERDUE,), (DUE_SOON,), (VIOLATION, OVERDUE)]:
        assert_same(cases, RS, CAL, as_of, statuses)


@pytest.mark.parametrize("rs", list(RULESETS))
@pytest.mark.parametrize("cal", list(CALENDARS))
def test_samples_under_other_rulesets_and_calendars(rs, cal):
    for book in BOOKS:
        cases = _sample(book)
        for as_of in (D(2023, 2, 1), D(2024, 12, 31), D(2025, 12, 31)):
            assert_same(cases, RULESETS[rs], CALENDARS[cal], as_of)


# ------------------------------------------------------------------ random cases
ANCHORS = [
    D(2024, 2, 7), D(2024, 2, 14), D(2025, 1, 17), D(2025, 1, 24), D(2025, 2, 2), D(2026, 2, 13), D(2026, 2, 20),
    D(2024, 5, 4), D(2024, 4, 29), D(2025, 4, 26), D(2026, 1, 10), D(2026, 8, 22),  # make-up Saturdays, 30/4
    D(2023, 1, 31), D(2023, 2, 1), D(2025, 2, 28), D(2025, 3, 1), D(2024, 2, 29), D(2025, 8, 31), D(2022, 3, 24),
    D(2027, 2, 6), D(2028, 12, 30),  # provisional years
]
day = st.builds(lambda a, k: a + dt.timedelta(days=k), st.sampled_from(ANCHORS), st.integers(-12, 40))
far_day = st.sampled_from([D(1995, 5, 5), D(2055, 3, 3), D(2049, 12, 28)])  # outside the calendar's span
SIMPLE = [c for c in EVENT_CODES if c not in vector.FALLBACK_CODES]


@st.composite
def case_events(draw):
    out = []
    codes = draw(st.lists(st.sampled_from(SIMPLE), max_size=16, unique=True))
    if draw(st.integers(0, 7)) == 0:  # sometimes a challenge, a postponed session…, or a second event of a kind
        codes += draw(st.lists(st.sampled_from(EVENT_CODES), max_size=2))
    for code in codes:
        date = draw(st.none() | day | far_day) if draw(st.integers(0, 5)) == 0 else draw(day)
        received = draw(st.none() | day) if date is not None else draw(day)
        end = draw(st.none() | day) if code in ("evasion", "execution_postponed", "session_postponed") else None
        kw = {}
        if code == "decision":
            kw = {"outcome": draw(st.none() | st.sampled_from([*Outcome, Outcome.APPLY])),
                  "term_months": draw(st.none() | st.sampled_from([-3, 3, 6, 12, 18, 24, 36]))}
        if code == "session_held":
            kw = {"prosecutor_present": draw(st.none() | st.booleans())}
        out.append(EventFact(code=code, date=date, received=received, end=end, **kw))
    return out


cases = st.builds(
    CaseFacts,
    key=st.uuids().map(str),
    so_thu_ly=st.just("1/2024"),
    person=st.just("A"),
    measure=st.sampled_from(["CSCNBB", "CSCNBB", "CSGDBB", "TGD", "CSCNBB_MINOR", "", "XYZ"]),
    complex=st.booleans(),
    events=case_events(),
    tracked=st.none() | st.frozensets(st.sampled_from(EVENT_CODES)),
)
statuses = st.sampled_from([ALERTS, (VIOLATION,), (OVERDUE,), (DUE_SOON,), (OVERDUE, DUE_SOON)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(cases, min_size=1, max_size=25), day, statuses, st.sampled_from(list(RULESETS)),
       st.sampled_from(list(CALENDARS)))
def test_random_cases_same_findings(cs, as_of, sts, rs, cal):
    assert_same(cs, RULESETS[rs], CALENDARS[cal], as_of, sts)


def test_random_cases_mostly_on_the_columns():
    """The property above is not vacuous: most random cases are evaluated on the columns."""
    found = []

    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(st.lists(cases, min_size=20, max_size=20), day)
    def run(cs, as_of):
        hits = assert_same(cs, RS, CAL, as_of)
        found.append((len(cs) - int(hits.fallback.sum()), len(hits)))

    run()
    on_columns = sum(a for a, _ in found)
    assert on_columns > 0.5 * 20 * len(found)
    assert sum(b for _, b in found) > 0


# ------------------------------------------------------------------ the digest
@settings(max_examples=200, deadline=None)
@given(cases)
def test_the_digest_holds_what_the_rules_read(c):
    got = vector.unpack(vector.pack_facts(c))
    kept = [e for e in c.events if e.date or e.received]
    codes = [e.code for e in kept]
    assert got["complex"] == c.complex
    assert got["tracked"] == (None if c.tracked is None else frozenset(c.tracked))
    assert got["measure"] == (c.measure if c.measure in vector.MEASURES else None)
    assert got["present"] == frozenset(codes)
    assert got["dup"] == frozenset(x for x in codes if codes.count(x) > 1)
    for code in set(codes):
        assert got["dates"][code] == min(e.date or e.received for e in kept if e.code == code)
    if codes.count("decision") == 1:
        [d] = [e for e in kept if e.code == "decision"]
        ex = got["extra"]
        assert ex["decision.date"] == (d.date.toordinal() if d.date else 0)
        assert ex["decision.received"] == (d.received.toordinal() if d.received else 0)
        assert ex["decision.term"] == (0 if d.term_months is None else d.term_months + 32768)
        assert vector.OUTCOMES[ex["decision.outcome"]] == d.outcome


def _one(**kw):
    evs = kw.pop("events")
    return CaseFacts(key="k", so_thu_ly="1", person="A", measure=kw.pop("measure", "CSCNBB"),
                     events=[EventFact(code, d) for code, d in evs], **kw)


@pytest.mark.parametrize("why, case", [
    ("two acceptances", _one(events=[("accepted", D(2024, 2, 7)), ("accepted", D(2024, 3, 7))])),
    ("a complaint", _one(events=[("decision", D(2024, 2, 7)), ("complaint", D(2024, 2, 9))])),
    ("a postponed session", _one(events=[("session_order", D(2024, 2, 7)), ("session_postponed", D(2024, 2, 9))])),
    ("returned for completion", _one(events=[("ldtb_received", D(2024, 2, 7)), ("ldtb_returned", D(2024, 2, 9))])),
    ("an unknown measure", _one(measure="XYZ", events=[("accepted", D(2024, 2, 7))])),
    ("a checklist", _one(events=[("accepted", D(2024, 2, 7))], checklist={"x": False})),
])
def test_what_the_columns_leave_to_the_engine(why, case):
    plain = _one(events=[("accepted", D(2024, 2, 7))])
    cols = vector.Columns.from_facts([plain, case])
    hits = vector.evaluate(cols, RS, CAL, D(2025, 6, 30))
    assert hits.fallback.tolist() == [False, True], why
    assert_same([plain, case], RS, CAL, D(2025, 6, 30))


RECEIVED, RETURNED = D(2024, 2, 7), D(2024, 2, 9)


@pytest.mark.parametrize("events, accept_alert", [
    ([("court_received", RECEIVED), ("court_returned", RETURNED)], False),  # returned, not received again
    ([("court_received", RECEIVED), ("court_returned", RECEIVED)], False),  # returned the day it came
    ([("court_returned", RECEIVED), ("court_received", RETURNED)], True),  # received after the return
    ([("court_returned", RETURNED)], False),  # a return alone: no receipt to count from
    ([("court_received", RECEIVED), ("court_returned", RETURNED), ("accepted", D(2024, 3, 1))], True),  # accepted late
    ([("court_received", RECEIVED), ("court_returned", D(2025, 7, 1))], True),  # returned after the day looked at
])
@pytest.mark.parametrize("as_of", [D(2024, 2, 8), D(2024, 2, 9), D(2024, 2, 12), D(2025, 6, 30)])
def test_a_returned_dossier_on_the_columns(events, accept_alert, as_of):
    """court.accept (engine._h_accept) for a dossier the Court returned: evaluated on the columns, the
    same as the engine; an acceptance alert only while the dossier is waiting to be accepted."""
    case = _one(events=events)
    hits = assert_same([case], RS, CAL, as_of)
    assert not hits.fallback.any()
    if as_of == D(2025, 6, 30):  # long past every deadline: waiting → overdue; not waiting → nothing
        rules = {hits.finding(i).rule for i in range(len(hits))}
        assert ("court.accept" in rules) == accept_alert


def test_dates_outside_the_calendar_span_go_to_the_engine():
    """Where the scalar calendar would extend its span, the columns step aside."""
    from kiemsat.domain.calendar import parse_entries, parse_law, parse_years

    data = json.loads(DEFAULT_CALENDAR_FILE.read_text(encoding="utf-8"))
    cal = WorkCalendar(parse_entries(data["entries"]), parse_years(data["years"]), parse_law(data["law"]), span=(2024, 2024))
    assert dt.date.fromordinal(cal._base) > D(2021, 12, 28)
    plain = _one(events=[("court_received", D(2024, 2, 6)), ("accepted", D(2024, 2, 8))])
    early = _one(events=[("court_received", D(2021, 12, 28)), ("accepted", D(2022, 1, 5))])
    hits = vector.evaluate(vector.Columns.from_facts([plain, early]), RS, cal, D(2024, 6, 28))
    assert hits.fallback.tolist() == [False, True]
    assert_same([plain, early], RS, cal, D(2024, 6, 28))


def test_a_digest_of_another_layout_is_not_trusted():
    c = _one(events=[("accepted", D(2024, 2, 7))])
    good = vector.pack_facts(c)
    stale = np.frombuffer(good, dtype="<i4").copy()
    stale[0] ^= 1
    cols = vector.Columns([good, stale.tobytes(), None, b"\x01\x02"])
    assert cols.fallback.tolist() == [False, True, True, True]


def test_worked_examples_on_the_columns():
    """RULES.md examples 1 and 7 through the columns (not the fallback)."""
    late = _one(events=[("accepted", D(2024, 2, 7)), ("acceptance_notice", D(2024, 2, 19))])
    open_ = _one(events=[("accepted", D(2024, 2, 7))])
    cols = vector.Columns.from_facts([late, open_])
    hits = vector.evaluate(cols, RS, CAL, D(2024, 2, 16))
    got = {(int(hits.rows[i]), hits.finding(i).rule): hits.finding(i) for i in range(len(hits))}
    f = got[(1, "court.notify_acceptance")]
    assert (f.status, f.due) == (DUE_SOON, D(2024, 2, 16))
    hits = vector.evaluate(cols, RS, CAL, D(2024, 2, 19))
    got = {(int(hits.rows[i]), hits.finding(i).rule): hits.finding(i) for i in range(len(hits))}
    f = got[(0, "court.notify_acceptance")]
    assert (f.status, f.due, f.late, f.verified) == (VIOLATION, D(2024, 2, 16), 1, True)
    assert "nghỉ Tết 08–14/02" in f.explanation
    assert got[(1, "court.notify_acceptance")].status == OVERDUE


def test_columns_do_not_mutate_the_engine_inputs():
    data = copy.deepcopy(_rules_json())
    rs = Ruleset.from_json(data)
    c = _sample(BOOKS[0])
    assert_same(c, rs, CAL, D(2025, 1, 1))
    assert data == _rules_json()


def test_blocks_give_the_same_findings(monkeypatch):
    """Large scans are evaluated in blocks of cases: the blocks' findings are the same."""
    monkeypatch.setattr(vector, "BLOCK", 7)
    cases = _sample(BOOKS[1]) + _sample(BOOKS[0])
    for as_of in (D(2023, 2, 1), D(2024, 12, 31), D(2025, 12, 31)):
        assert_same(cases, RULESETS["law"], CAL, as_of)
        assert_same(cases, RS, CAL, as_of, (OVERDUE, DUE_SOON))
