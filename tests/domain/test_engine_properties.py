"""Property tests of the engine on random cases (hypothesis)."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from kiemsat.domain.calendar import WorkCalendar
from kiemsat.domain.engine import DUE_SOON, NOT_EVALUABLE, OK, OVERDUE, VIOLATION, evaluate, scan
from kiemsat.domain.events import EVENT_CODES, Outcome
from kiemsat.domain.facts import CaseFacts, EventFact
from kiemsat.domain.rules import Ruleset

CAL = WorkCalendar.default()
RS = Ruleset.default()
D = dt.date

day = st.dates(min_value=D(2021, 6, 1), max_value=D(2027, 12, 31))
opt_day = st.none() | day


@st.composite
def events(draw):
    out = []
    for code in draw(st.lists(st.sampled_from(EVENT_CODES), max_size=14)):
        date = draw(opt_day)
        received = draw(st.none() | day)
        end = draw(st.none() | day) if code in ("evasion", "execution_postponed", "session_postponed") else None
        kw = {}
        if code == "decision":
            kw = {"outcome": draw(st.none() | st.sampled_from(list(Outcome))), "term_months": draw(st.none() | st.integers(-5, 40))}
        if code == "session_held":
            kw = {"prosecutor_present": draw(st.none() | st.booleans())}
        out.append(EventFact(code=code, date=date, received=received, end=end, **kw))
    return out


cases = st.builds(
    CaseFacts,
    key=st.just("k"),
    so_thu_ly=st.just("1/2024"),
    person=st.just("A"),
    measure=st.sampled_from(["CSCNBB", "CSGDBB", "TGD", "CSCNBB_MINOR", "", "XYZ"]),
    complex=st.booleans(),
    events=events(),
    tracked=st.none() | st.frozensets(st.sampled_from(EVENT_CODES)),
)


@settings(max_examples=400, deadline=None)
@given(cases, day)
def test_findings_are_consistent(c, as_of):
    soon = CAL.add_wd(as_of, 2)
    for f in evaluate(c, RS, CAL, as_of, include_info=True):
        assert f.status in (VIOLATION, OVERDUE, DUE_SOON, OK, NOT_EVALUABLE)
        f.explanation  # always renders
        if f.status == VIOLATION:
            assert f.actual is not None
            if f.due is not None:
                assert f.actual > f.due and f.late >= 1
        if f.status == OVERDUE:
            assert f.actual is None and f.due < as_of and f.late is None
        if f.status == DUE_SOON:
            assert f.actual is None and as_of <= f.due <= soon
        if f.late is not None:
            assert f.status == VIOLATION
        if f.unit in ("WD", "D") and f.due is not None and f.rule != "decision.effective":
            assert CAL.is_working_day(f.due)
        if f.verified:
            assert not f.flags
        if f.status == NOT_EVALUABLE:
            assert f.reason


@settings(max_examples=150, deadline=None)
@given(st.lists(cases, max_size=4), day)
def test_scan_equals_filtered_evaluate(cs, as_of):
    for i, c in enumerate(cs):
        c.key = str(i)
    got = [(c.key, f.rule, f.status, f.due) for c, f in scan(cs, RS, CAL, as_of)]
    want = [
        (c.key, f.rule, f.status, f.due)
        for c in cs
        for f in evaluate(c, RS, CAL, as_of)
        if f.status in (VIOLATION, OVERDUE, DUE_SOON)
    ]
    assert got == want


@settings(max_examples=200, deadline=None)
@given(day, st.integers(0, 30))
def test_later_acceptance_never_earlier_due(a, gap):
    b = a + dt.timedelta(days=gap)
    as_of = D(2028, 6, 30)
    for rule in ("court.notify_acceptance", "court.decide"):
        fa = [f for f in evaluate(CaseFacts("a", "", "", "CSCNBB", events=[EventFact("accepted", a)]), RS, CAL, as_of) if f.rule == rule][0]
        fb = [f for f in evaluate(CaseFacts("b", "", "", "CSCNBB", events=[EventFact("accepted", b)]), RS, CAL, as_of) if f.rule == rule][0]
        if fa.due and fb.due:
            assert fb.due >= fa.due
