import datetime as dt

import pytest

from tests.letters.conftest import issue_all_the_way, leader, letter_unit  # noqa: F401  (fixtures)

D = dt.date


def applying(make_case, name="Nguyễn Văn Đức", *, number="1", effective=D(2025, 2, 5), extra=(), measure="CSCNBB",
             assigned=None, complex_=False, decided=D(2025, 1, 20)):
    """A case decided on `decided` (applying the measure, 12 months), effective on `effective` (recorded)."""
    events = [
        {"code": "accepted", "date": decided - dt.timedelta(days=14), "number": f"{number}/{decided.year}/TLHS-XLHC"},
        {"code": "decision", "date": decided, "number": f"{number}/{decided.year}/QĐ-XLHC", "outcome": "apply",
         "term_months": 12},
    ]
    if effective:
        events.append({"code": "effective", "date": effective})
    events.extend(extra)
    return make_case(name, assigned=assigned, events=events, measure=measure, complex=complex_)


@pytest.fixture
def exec_case(make_case, users):
    """Sent for execution and received by the police, not delivered."""
    return applying(make_case, assigned=users["prosecutor"], extra=[
        {"code": "sent_for_execution", "date": D(2025, 2, 10), "number": "12/TA"},
        {"code": "police_received", "date": D(2025, 2, 12)},
    ])
