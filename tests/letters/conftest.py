import datetime as dt
import io
import json

import pytest
from docx import Document
from docx.oxml.ns import qn

from tests.legal.test_findings import SAMPLES, store_flat_cases

SAMPLE = "so-theo-doi-xlhc-2024"
D = dt.date
PERIOD = (D(2024, 1, 1), D(2024, 12, 31))
ISSUED_ON = D(2025, 1, 6)


@pytest.fixture
def letter_unit(unit):
    """The test unit with what a letter's header needs."""
    unit.parent_name = "VIỆN KIỂM SÁT NHÂN DÂN TỈNH BÌNH AN"
    unit.symbol = "VKS-AL"
    unit.place = "An Lạc"
    unit.save()
    return unit


@pytest.fixture
def leader(users):
    u = users["leader"]
    u.title = "Viện trưởng"
    u.save()
    return u


@pytest.fixture
def sample(letter_unit, court, users, leader):
    """The shared sample's cases in the database, and its expected file (as_of, findings)."""
    objs = json.loads((SAMPLES / f"{SAMPLE}.cases.json").read_text(encoding="utf-8"))
    expected = json.loads((SAMPLES / f"{SAMPLE}.expected.json").read_text(encoding="utf-8"))
    store_flat_cases(objs, letter_unit, court)
    return {"as_of": D.fromisoformat(expected["as_of"]), "findings": expected["findings"], "cases": objs}


def keys_for(user, kind, as_of, period=PERIOD, only=None):
    """The (case id, rule) of every finding a letter of `kind` may hold in the period."""
    from kiemsat.legal.selectors import FindingFilters
    from kiemsat.letters import selectors

    cands = selectors.candidates(user, kind, FindingFilters(*period), as_of)
    return [(c.row.case_id, c.row.f.rule) for c in cands if c.eligible and (only is None or only(c))]


def draft(user, kind, as_of, keys=None, **kw):
    from kiemsat.letters import services

    keys = keys_for(user, kind, as_of) if keys is None else keys
    return services.create_draft(actor=user, kind=kind, keys=keys, as_of=as_of, period_from=PERIOD[0],
                                 period_to=PERIOD[1], **kw)


def issue_all_the_way(letter, author, leader, on=ISSUED_ON):
    """Leader confirms the unverified findings, author submits, leader approves and issues."""
    from kiemsat.letters import services

    services.confirm_finding(actor=leader, letter=letter, note="Đã đối chiếu hồ sơ")
    letter = services.submit(actor=author, letter=letter)
    letter = services.approve(actor=leader, letter=letter)
    return services.issue(actor=leader, letter=letter, issued_on=on)


def paragraphs(data: bytes) -> list[str]:
    """Every paragraph's text in document order, table cells included."""
    doc = Document(io.BytesIO(data))
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in doc.element.body.iter(qn("w:p"))]


def doc_of(data: bytes):
    return Document(io.BytesIO(data))
