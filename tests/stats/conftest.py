"""A hand-made register for the statistics tests: every indicator of Tháng 03/2025
(01/03/2025 – 31/03/2025) counted by hand in test_indicators.py. Regime PL03, calendar 2025
(no holiday in February–April before 30/04). Each case says what it is there for."""

import datetime as dt

import pytest

from kiemsat.org.models import Role, Unit, User

D = dt.date
TODAY = D(2025, 6, 30)  # the report is made later: figures as of the period's end


def ev(code, date, **kw):
    return {"code": code, "date": date, **kw}


def decided(acc, notice, order, held, dec, outcome, present=True, term=None, received=None, extra=()):
    """A case through its decision, every court step on time unless the dates say otherwise."""
    out = [ev("accepted", acc, number=f"{acc:%d%m}/{acc.year}/TLHS-XLHC"), ev("acceptance_notice", notice),
           ev("session_order", order), ev("session_held", held, prosecutor_present=present),
           ev("decision", dec, outcome=outcome, term_months=term, received=received or dec)]
    return out + list(extra)


@pytest.fixture
def register(make_case, unit, other_unit):
    """The cases, by letter."""
    c = {}
    # A: thụ lý 20/02 (carried), applied 05/03 (resolved, CSCNBB), session 03/03 with the prosecutor; not delivered
    c["A"] = make_case("Nguyễn Văn An", events=decided(D(2025, 2, 20), D(2025, 2, 21), D(2025, 2, 24), D(2025, 3, 3),
                                                       D(2025, 3, 5), "apply", term=12, received=D(2025, 3, 6)))
    # B: thụ lý 03/03 (new), no decision: court.decide due 18/03 → overdue in the period; remaining past the limit
    c["B"] = make_case("Trần Văn Bình", events=[ev("accepted", D(2025, 3, 3), number="B/2025/TLHS-XLHC"),
                                                ev("acceptance_notice", D(2025, 3, 4))])
    # C: thụ lý 10/03 (new), notice 14/03 (due 12/03: a violation, 2 WD late), not applied 17/03
    c["C"] = make_case("Lê Văn Cường", events=decided(D(2025, 3, 10), D(2025, 3, 14), D(2025, 3, 11), D(2025, 3, 13),
                                                      D(2025, 3, 17), "not_apply", received=D(2025, 3, 18)))
    # D: thụ lý on the period's last day (31/03), terminated on the next period's first day (01/04)
    c["D"] = make_case("Phạm Văn Dũng", events=[ev("accepted", D(2025, 3, 31), number="D/2025/TLHS-XLHC"),
                                                ev("acceptance_notice", D(2025, 4, 1)),
                                                ev("decision", D(2025, 4, 1), outcome="terminate", received=D(2025, 4, 1))])
    # E: applied in February (not in the total); police received 20/02, delivered 05/03 (due 25/02: a violation)
    c["E"] = make_case("Hoàng Văn Em", events=decided(D(2025, 2, 3), D(2025, 2, 4), D(2025, 2, 5), D(2025, 2, 12),
                                                      D(2025, 2, 14), "apply", term=12,
                                                      extra=[ev("police_received", D(2025, 2, 20)),
                                                             ev("delivered", D(2025, 3, 5))]))
    # F: dossier received 05/03 and returned 06/03: counted apart, never accepted
    c["F"] = make_case("Vũ Văn Phúc", events=[ev("court_received", D(2025, 3, 5)), ev("court_returned", D(2025, 3, 6))])
    # G: thụ lý 24/02 (carried), session 04/03 WITHOUT the prosecutor (a violation), tạm đình chỉ 10/03
    c["G"] = make_case("Đỗ Văn Giang", events=decided(D(2025, 2, 24), D(2025, 2, 25), D(2025, 2, 25), D(2025, 3, 4),
                                                      D(2025, 3, 10), "suspend", present=False,
                                                      received=D(2025, 3, 11)))
    # H: applied in January, never delivered (not delivered at the end)
    c["H"] = make_case("Bùi Văn Hải", events=decided(D(2025, 1, 6), D(2025, 1, 7), D(2025, 1, 8), D(2025, 1, 10),
                                                     D(2025, 1, 13), "apply", term=12, received=D(2025, 1, 14)))
    # I: applied 07/02/2024, effective recorded 10/03/2024: the statute expires 10/03/2025 (in the period), not delivered
    c["I"] = make_case("Ngô Văn Ích", events=decided(D(2024, 2, 1), D(2024, 2, 2), D(2024, 2, 5), D(2024, 2, 7),
                                                     D(2024, 2, 7), "apply", term=12,
                                                     extra=[ev("effective", D(2024, 3, 10))]))
    # J: thụ lý 17/02 (carried), not applied 03/03, the Procuracy protests on 06/03
    c["J"] = make_case("Dương Văn Khánh", events=decided(D(2025, 2, 17), D(2025, 2, 18), D(2025, 2, 26), D(2025, 3, 3),
                                                         D(2025, 3, 3), "not_apply", received=D(2025, 3, 4),
                                                         extra=[ev("protest", D(2025, 3, 6), number="01/QĐ-VKS")]))
    # L: a decision in the period on a case without ngày thụ lý (cannot be counted)
    c["L"] = make_case("Lý Văn Long", events=[ev("decision", D(2025, 3, 12), outcome="terminate", received=D(2025, 3, 12))])
    # M: thụ lý 02/12/2024 (carried), never decided: past the limit since 17/12/2024 (not a violation OF the period)
    c["M"] = make_case("Mai Văn Minh", events=[ev("accepted", D(2024, 12, 2), number="M/2024/TLHS-XLHC"),
                                               ev("acceptance_notice", D(2024, 12, 3))])
    # N: a CSGDBB case accepted 05/03 (new) and applied 14/03 (resolved); not delivered
    c["N"] = make_case("Cao Văn Nam", measure="CSGDBB",
                       events=decided(D(2025, 3, 5), D(2025, 3, 6), D(2025, 3, 6), D(2025, 3, 12), D(2025, 3, 14),
                                      "apply", term=12))
    # K: another unit's case, thụ lý 10/03, no decision (decide due 25/03: overdue) — only a provincial user counts it
    c["K"] = make_case("Khúc Văn Khoa", unit_=other_unit,
                       events=[ev("accepted", D(2025, 3, 10), number="K/2025/TLHS-XLHC"),
                               ev("acceptance_notice", D(2025, 3, 11))])
    return c


def _letter(unit, kind, cases, issued_on=None, state="issued", replies=()):
    """A letter as kiemsat.letters stores it once issued (written directly: the figures only read it)."""
    from kiemsat.legal import services as legal
    from kiemsat.letters.models import Letter, LetterFinding, LetterReply

    rv, _ = legal.active_ruleset()
    cv, _ = legal.active_calendar()
    n = Letter.objects.count() + 1
    letter = Letter.objects.create(unit=unit, kind=kind, state=state, as_of=issued_on or D(2025, 3, 1),
                                   recipient="Chánh án Tòa án nhân dân huyện An Lạc", summary="Kiến nghị",
                                   ruleset_version_id=rv, calendar_version_id=cv, issued_on=issued_on,
                                   year=issued_on.year if issued_on else None, number=n if issued_on else None,
                                   number_text=f"{n:02d}/KN-VKS" if issued_on else "")
    for c in cases:
        LetterFinding.objects.create(letter=letter, case=c, person=c.person_name, rule="court.notify_acceptance",
                                     status="violation", as_of=letter.as_of, ruleset_version_id=rv,
                                     calendar_version_id=cv)
    for day, result in replies:
        LetterReply.objects.create(letter=letter, date=day, result=result)
    return letter


@pytest.fixture
def letters(register, unit, other_unit):
    """Kiến nghị of the unit: L1 (20/03, accepted), L2 (25/03, no reply), L7 (31/03, partly then accepted:
    the latest reply decides) are of March; L3 (05/02) is not; L4 is an urging letter (not a kiến nghị);
    L5 a draft; L6 another unit's (rejected)."""
    c = register
    return {
        "L1": _letter(unit, "kien-nghi-toa-an", [c["C"], c["G"]], D(2025, 3, 20), replies=[(D(2025, 3, 28), "accepted")]),
        "L2": _letter(unit, "kien-nghi-phong-ngua", [c["B"]], D(2025, 3, 25)),
        "L3": _letter(unit, "kien-nghi-toa-an", [c["M"]], D(2025, 2, 5), replies=[(D(2025, 2, 20), "partly")]),
        "L4": _letter(unit, "don-doc", [c["I"]], D(2025, 3, 10)),
        "L5": _letter(unit, "kien-nghi-toa-an", [c["A"]], None, state="draft"),
        "L6": _letter(other_unit, "kien-nghi-toa-an", [c["K"]], D(2025, 3, 15), replies=[(D(2025, 3, 30), "rejected")]),
        "L7": _letter(unit, "kien-nghi-toa-an", [c["D"]], D(2025, 3, 31),
                      replies=[(D(2025, 4, 10), "partly"), (D(2025, 4, 20), "accepted")]),
    }


@pytest.fixture
def provincial(db):
    unit = Unit.objects.create(name="Viện kiểm sát nhân dân tỉnh Hải Dương", short_name="VKS tỉnh", is_provincial=True)
    u = User(username="vkstinh", full_name="Phạm Thị Tỉnh", role=Role.LEADER, unit=unit)
    u.set_password("mat-khau-thu-nghiem-2025")
    u.save()
    return u
