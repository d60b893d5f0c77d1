"""The columnar execution table (execution.fast) equals the case-by-case rows (execution.selectors,
the engine) on random cases: every status, date and end, whatever the events and the day."""

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kiemsat.domain import vector as V
from kiemsat.domain.calendar import WorkCalendar
from kiemsat.domain.events import Outcome
from kiemsat.domain.facts import CaseFacts, EventFact
from kiemsat.domain.rules import Ruleset
from kiemsat.execution import fast, selectors

RS = Ruleset.default()
CAL = WorkCalendar.default()
SUB = selectors._sub_ruleset(RS)
BASE = dt.date(2024, 3, 1)

days = st.integers(min_value=0, max_value=700)
maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731


@st.composite
def case(draw, i):
    decided = BASE + dt.timedelta(days=draw(st.integers(0, 200)))
    out = draw(st.sampled_from([Outcome.APPLY, Outcome.APPLY, Outcome.APPLY, Outcome.NOT_APPLY, Outcome.TERMINATE,
                                Outcome.SUSPEND, Outcome.COMMUNITY]))
    evs = [EventFact("accepted", decided - dt.timedelta(days=10), number=f"{i}/TL"),
           EventFact("decision", decided, number=f"{i}/QĐ", outcome=out, term_months=12)]
    after = lambda lo=0: decided + dt.timedelta(days=draw(st.integers(lo, 500)))  # noqa: E731
    if draw(st.booleans()):
        evs.append(EventFact("effective", after(5)))
    for code in ("sent_for_execution", "police_received", "delivered", "execution_exempted", "archived"):
        if draw(st.integers(0, 3)) == 0:
            evs.append(EventFact(code, after(10), number="x"))
    for code in ("evasion", "execution_postponed"):
        for _ in range(draw(st.integers(0, 2))):  # twice: the engine's path (fallback)
            start = after(10)
            end = draw(maybe(st.integers(1, 200)))
            evs.append(EventFact(code, start, end=start + dt.timedelta(days=end) if end else None))
    measure = draw(st.sampled_from(["CSCNBB", "CSGDBB", "TGD", "CSCNBB_MINOR"]))
    return CaseFacts(key=str(i), so_thu_ly=f"{i}/TL", person=f"P{i}", measure=measure, events=evs), out


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=12).flatmap(
    lambda xs: st.tuples(*[case(i) for i in range(len(xs))])), days)
def test_columns_equal_the_engine(cases, offset):
    as_of = BASE + dt.timedelta(days=offset)
    facts = [c for c, _ in cases]
    outs = [o for _, o in cases]
    cols = V.Columns.from_facts(facts)
    applies = np.array([o == Outcome.APPLY for o in outs])
    ending = np.array([o in selectors.ENDING_OUTCOMES for o in outs])
    res = fast._block(cols.block(0, len(facts)), RS, CAL, as_of, applies, ending)
    o = lambda d: d.toordinal() if d else 0  # noqa: E731
    for j, (f, out) in enumerate(cases):
        if res["fb"][j]:
            continue
        r = selectors.row_from_facts(f, out.value, RS, SUB, CAL, as_of)
        status = fast.STATUS_CODES[res["status"][j]] if applies[j] and res["status"][j] >= 0 else ""
        got = (status, int(res["eff"][j]), bool(res["est"][j]), int(res["expiry"][j]), int(res["ended"][j]),
               int(res["archived"][j]))
        assert got == (r.status, o(r.effective), r.estimated, o(r.expiry), o(r.ended_on), o(r.archived)), (f, as_of)
