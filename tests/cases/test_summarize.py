"""summarize() in one pass gives what its definition says: the summary columns as they were computed
kind by kind (the definition is kept here, as the oracle), on random events — repeated kinds,
equal dates, missing dates, receipts and ends, numbers, ids."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from kiemsat.cases import services as cs
from kiemsat.cases.models import Case
from kiemsat.domain.events import Outcome
from kiemsat.domain.stage import stage_of
from kiemsat.domain.vntext import fold, sort_key_str

CODES = ["detected", "court_received", "accepted", "court_returned", "decision", "effective", "delivered",
         "execution_exempted", "archived", "sent_for_execution", "police_received"]


def definition(case, events):
    """The summary columns, kind by kind (summarize before it became one pass)."""
    by_code = {}
    for e in events:
        by_code.setdefault(e.code, []).append(e)

    def first(code):
        xs = [e for e in by_code.get(code, []) if e.date]
        return min(xs, key=lambda e: e.date) if xs else None

    def last(code):
        xs = [e for e in by_code.get(code, []) if e.date]
        return max(xs, key=lambda e: (e.date, e.pk or 0)) if xs else None

    out = {}
    acc = first("accepted") or (by_code.get("accepted") or [None])[0]
    out["so_thu_ly"] = (acc.number if acc else "") or ""
    out["thu_ly_date"] = acc.date if acc else None
    rec = first("court_received")
    out["received_date"] = rec.date if rec else None
    dec = last("decision")
    out["decision_date"] = dec.date if dec else None
    out["outcome"] = dec.outcome if dec else ""
    out["term_months"] = dec.term_months if dec else None
    outcome = Outcome(out["outcome"]) if out["outcome"] else None
    out["stage"] = stage_of({c for c, xs in by_code.items() if any(e.date for e in xs)}, outcome)
    dates = [d for e in events for d in (e.date, e.received, e.end) if d]
    out["last_date"] = max(dates) if dates else None
    done = [e.date for code in ("delivered", "execution_exempted") for e in by_code.get(code, ()) if e.date]
    out["done_date"] = min(done) if done else None
    eff = [e.date for e in by_code.get("decision", ()) if e.date]
    eff += [e.date or e.received for e in by_code.get("effective", ()) if e.date or e.received]
    out["effective_floor"] = min(eff) if eff else None
    out["name_sort"] = sort_key_str(case.person_name)
    numbers = " ".join(e.number for e in events if e.number)
    out["search_folded"] = fold(" ".join([case.person_name, out["so_thu_ly"], numbers, case.id_number or ""]))
    return out


days = st.one_of(st.none(), st.dates(min_value=dt.date(2023, 12, 25), max_value=dt.date(2024, 1, 8)))


@st.composite
def event_lists(draw):
    n = draw(st.integers(0, 9))
    events = []
    for i in range(n):
        e = cs.NewEvent(draw(st.sampled_from(CODES)), date=draw(days), received=draw(days), end=draw(days),
                        number=draw(st.sampled_from(["", "01/2024/TLHS-XLHC", "02/QĐ", "Số 7"])),
                        outcome=draw(st.sampled_from(["", Outcome.APPLY.value, Outcome.NOT_APPLY.value])),
                        term_months=draw(st.sampled_from([None, 12, 24])))
        e.pk = draw(st.sampled_from([None, i + 1, 100 - i]))
        events.append(e)
    return events


@settings(max_examples=400, deadline=None)
@given(events=event_lists(), name=st.sampled_from(["Nguyễn Văn An", "Đỗ Thị Đào", ""]),
       id_number=st.sampled_from(["", "001090012345"]))
def test_one_pass_gives_the_definition(events, name, id_number):
    case = Case(person_name=name, id_number=id_number)
    cs.summarize(case, events)
    want = definition(case, events)
    assert {k: getattr(case, k) for k in want} == want
    assert case.year == cs._year_of(case)
