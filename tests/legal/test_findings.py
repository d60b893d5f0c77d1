"""Findings through the database: the samples' cases stored as events give exactly the
findings the workbooks imply; the case panel, dashboard, violations register and the CLI."""

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiemsat.cases import services as case_services
from kiemsat.cases.models import Case
from kiemsat.domain.events import FLAT_EVENT_FIELDS, outcome_from_label
from kiemsat.legal import selectors, services
from kiemsat.org.models import Agency

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
KEY = ("so_thu_ly", "rule", "status", "due", "actual", "late", "responsible")
D = dt.date


def store_flat_cases(objs, unit, court):
    """Store the sample's flat cases as cases with events (what the import does, minus reading)."""
    agencies = {}
    for o in objs:
        per: dict[str, dict] = {}
        for key, (code, attr) in FLAT_EVENT_FIELDS.items():
            if key not in o or o[key] in (None, ""):
                continue
            v = o[key]
            if attr in ("date", "received"):
                v = D.fromisoformat(v)
            elif attr == "outcome":
                v = outcome_from_label(v).value
            per.setdefault(code, {})[attr] = v
        events = []
        for code, attrs in per.items():
            if "date" not in attrs and "received" not in attrs:
                continue
            events.append({"code": code, **attrs})
        tracked = sorted({code for k, (code, _a) in FLAT_EVENT_FIELDS.items() if k in o})
        if o.get("proposer") and o["proposer"] not in agencies:
            agencies[o["proposer"]] = Agency.objects.create(name=o["proposer"])
        case_services.create_case(
            actor=None, unit=unit, strict=False, source=Case.Source.IMPORT, tracked_events=tracked, events=events,
            data={"person_name": o["name"], "birth_year": o.get("birth_year"), "measure": o["measure"], "court": court,
                  "proposer": agencies.get(o.get("proposer")), "complex": bool(o.get("complex")),
                  "residence": o.get("address") or "", "vks_proposal": o.get("vks_proposal") or ""})


@pytest.mark.parametrize("sample", ["so-theo-doi-xlhc-2024", "so-theo-doi-xlhc-2022-2025"])
def test_samples_through_the_database_give_exactly_the_expected_findings(sample, unit, court):
    objs = json.loads((SAMPLES / f"{sample}.cases.json").read_text(encoding="utf-8"))
    expected = json.loads((SAMPLES / f"{sample}.expected.json").read_text(encoding="utf-8"))
    store_flat_cases(objs, unit, court)
    as_of = D.fromisoformat(expected["as_of"])
    got = {tuple(s.finding.to_json(s.facts)[k] for k in KEY)
           for s in services.scan(Case.objects.all(), as_of, ("violation", "overdue"))}
    want = {tuple(f[k] for k in KEY) for f in expected["findings"]}
    assert got - want == set(), "extra findings"
    assert want - got == set(), "missing findings"


@pytest.fixture
def late_notice_case(make_case, users):
    # RULES.md worked example 1: thụ lý Wed 07/02/2024, notice dated 19/02/2024 → 1 WD late
    return make_case("Phạm Văn Hải", assigned=users["prosecutor"], events=[
        {"code": "court_received", "date": D(2024, 2, 7)},
        {"code": "accepted", "date": D(2024, 2, 7), "number": "09/2024/TLHS-XLHC"},
        {"code": "acceptance_notice", "date": D(2024, 2, 19)},
    ])


def test_case_panel_explains_the_late_notice(client, users, late_notice_case):
    client.force_login(users["prosecutor"])
    html = client.get(f"/vu-viec/{late_notice_case.pk}/").content.decode()
    assert "Thời hạn" in html
    assert "16/02/2024" in html and "Vi phạm, chậm 01 ngày làm việc" in html
    assert "Pháp lệnh 03/2022/UBTVQH15, Điều 12 khoản 1" in html


def test_panel_replays_a_past_date(client, users, make_case):
    case = make_case("Lê Văn Bảy", events=[{"code": "accepted", "date": D(2024, 2, 7), "number": "10/2024"}])
    client.force_login(users["leader"])
    html = client.get(f"/vu-viec/{case.pk}/thoi-han/", {"as_of": "15/02/2024"}).content.decode()
    assert "Sắp đến hạn" in html
    html = client.get(f"/vu-viec/{case.pk}/thoi-han/", {"as_of": "19/02/2024"}).content.decode()
    assert "Quá hạn" in html


def test_dashboard_shows_my_overdue_and_the_units(client, users, make_case):
    today = services.local_today()
    make_case("Ngô Văn Mười", assigned=users["prosecutor"],
              events=[{"code": "accepted", "date": today - dt.timedelta(days=40), "number": "1/TL"}])
    make_case("Đinh Thị Mai", assigned=users["specialist"],
              events=[{"code": "accepted", "date": today - dt.timedelta(days=40), "number": "2/TL"}])
    client.force_login(users["prosecutor"])
    r = client.get("/")
    d = r.context["d"]
    assert {x.person for x in d["mine"]} == {"Ngô Văn Mười"}
    assert {x.person for x in d["unit"]} == {"Ngô Văn Mười", "Đinh Thị Mai"}
    assert all(x.f.status in ("overdue", "due_soon") for x in d["unit"])


def test_dashboard_counts_violations_by_body_and_lists_execution(client, users, make_case):
    today = services.local_today()
    dec = today - dt.timedelta(days=60)
    make_case("Trương Văn Tài", events=[
        {"code": "accepted", "date": dec - dt.timedelta(days=10), "number": "3/TL"},
        {"code": "acceptance_notice", "date": dec - dt.timedelta(days=1)},  # late
        {"code": "decision", "date": dec, "outcome": "apply", "term_months": 12},
    ])
    client.force_login(users["leader"])
    d = client.get("/", {"ky": "year"}).context["d"]
    if (dec - dt.timedelta(days=1)).year == today.year:
        assert dict(d["by_body"]).get("Tòa án", 0) >= 1
    ex = d["execution"]
    assert [r.person for r in ex] == ["Trương Văn Tài"]
    assert ex[0].estimated and ex[0].expiry is not None and ex[0].days_left > 0


def test_violations_register_filters_and_exports(client, users, late_notice_case, make_case):
    client.force_login(users["leader"])
    r = client.get("/vi-pham/", {"from": "01/01/2024", "to": "31/12/2024"})
    rows = r.context["rows"]
    assert any(x.f.rule == "court.notify_acceptance" and x.f.late == 1 for x in rows)
    r = client.get("/vi-pham/", {"from": "01/01/2024", "to": "31/12/2024", "responsible": "police"})
    assert all(x.f.responsible == "police" for x in r.context["rows"])
    r = client.get("/vi-pham/", {"from": "01/03/2024", "to": "31/12/2024", "rule": "court.notify_acceptance"})
    assert r.context["rows"] == []  # the late act (19/02/2024) is outside the period
    r = client.get("/vi-pham/", {"from": "32/13/2024"})
    assert r.status_code == 200 and "không hợp lệ" in r.content.decode()

    x = client.get("/vi-pham/xuat-excel/", {"from": "01/01/2024", "to": "31/12/2024"})
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(x.content)).get_sheet_by_index(0).to_python()
    header = sheet[3]
    assert header[1] == "Họ và tên" and "Căn cứ pháp lý" in header
    body = [row for row in sheet[4:] if row[3] == "court.notify_acceptance"]
    assert body and body[0][1] == "Phạm Văn Hải" and body[0][9] == 1


def test_findings_cli_contract(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("KIEMSAT_DATA_DIR", "DATABASE_URL")}
    base = [sys.executable, "-m", "kiemsat", "--data-dir", str(tmp_path)]
    subprocess.run([*base, "demo-data", "--cases", "60"], env=env, check=True, capture_output=True)
    out = subprocess.run([*base, "findings", "--json", "--as-of", "2026-11-26"], env=env, check=True,
                         capture_output=True, text=True).stdout
    rows = json.loads(out)
    assert rows, "demo data has late steps"
    need = {"so_thu_ly", "court", "office", "person", "rule", "status", "due", "actual", "late", "unit",
            "responsible", "citation", "verified"}
    assert all(need <= set(r) for r in rows)
    assert {r["status"] for r in rows} <= {"violation", "overdue", "due_soon"}
    assert all(r["late"] is None for r in rows if r["status"] != "violation")
    all_rows = json.loads(subprocess.run([*base, "findings", "--json", "--all", "--as-of", "2026-11-26"], env=env,
                                         check=True, capture_output=True, text=True).stdout)
    assert {"ok", "not_evaluable"} <= {r["status"] for r in all_rows}
    bad = subprocess.run([*base, "findings", "--as-of", "26/11/2026"], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "Ngày không hợp lệ" in bad.stderr and "Traceback" not in bad.stderr


def test_a_change_of_events_changes_the_findings(late_notice_case):
    f = {x.f.rule: x.f for x in selectors.case_panel(late_notice_case, D(2024, 12, 31))}
    assert f["court.notify_acceptance"].status == "violation"
    ev = late_notice_case.events.get(code="acceptance_notice")
    case_services.update_event(actor=None, event=ev, date=D(2024, 2, 16))
    f = {x.f.rule: x.f for x in selectors.case_panel(late_notice_case, D(2024, 12, 31))}
    assert f["court.notify_acceptance"].status == "ok"


def test_a_user_with_no_unit_gets_empty_pages_not_errors(client, make_user, make_case):
    from kiemsat.org.models import Role

    make_case("Người Có Vụ Việc", events=[{"code": "accepted", "date": D(2024, 2, 7), "number": "1/2024"}])
    u = make_user("khongdonvi", Role.PROSECUTOR, unit_=None)
    u.unit = None
    u.save()
    client.force_login(u)
    for url in ("/", "/vi-pham/", "/so-thu-ly/", "/thong-ke/"):
        r = client.get(url)
        assert r.status_code == 200, url
    assert len(services.scan(Case.objects.filter(unit_id__in=[]))) == 0


def _watch_by_brute_force(qs, as_of):
    from kiemsat.domain.engine import effective_date, limitation_expiry

    _, rs = services.active_ruleset()
    _, cal = services.active_calendar()
    everyone = []
    for c in services.facts_for(qs=qs.filter(outcome="apply", stage__in=["decided", "execution"])):
        if any(e.code in ("delivered", "execution_exempted") for e in c.events):
            continue
        eff = effective_date(c, rs, cal, as_of)
        if eff.date is None or eff.date > as_of:
            continue
        everyone.append((limitation_expiry(eff.date, c.measure, rs, cal).due, int(c.key)))
    everyone.sort()
    return everyone


def test_execution_watch_picks_exactly_the_nearest_expiries(db):
    """The dashboard's shortcut (evaluate only the earliest decisions) gives the same first rows
    as evaluating every candidate."""
    from kiemsat.cases.demo import make_demo_data

    make_demo_data(600, seed=11, today=D(2026, 11, 26))
    as_of = D(2026, 11, 26)
    qs = Case.objects.all()
    everyone = _watch_by_brute_force(qs, as_of)
    assert len(everyone) > 12
    for limit in (1, 5, 12):
        got = selectors.execution_watch(qs, as_of, limit=limit)
        assert [(r.expiry, r.case_id) for r in got] == everyone[:limit]


def test_execution_watch_with_an_effective_date_before_the_decision_or_a_second_decision(db):
    """The shortcut's order is a true lower bound of the expiry even when the recorded effective date
    was typed before the decision, or a later decision moved the case's decision date while the
    engine counts from the first: those people are among the nearest expiries, not dropped."""
    from kiemsat.cases.demo import make_demo_data

    as_of = D(2026, 11, 26)
    make_demo_data(600, seed=11, today=as_of)
    qs = Case.objects.all()
    pending = [c for c in qs.filter(outcome="apply", stage__in=["decided", "execution"]).order_by("decision_date", "pk")
               if not c.events.filter(code__in=["delivered", "execution_exempted"]).exists()]
    no_effective = [c for c in pending if not c.events.filter(code="effective").exists()]
    late, early = no_effective[-3:], no_effective[:2]  # (a recorded effective date: the engine takes the last)
    assert len(late) == 3 and len(early) == 2 and not set(late) & set(early)
    for c in late[:2]:  # decided recently; effective typed a year and a half before the decision
        case_services.record_event(actor=None, case=c, code="effective", strict=False,
                                   date=c.decision_date - dt.timedelta(days=550))
    # … or known only by the day the Procuracy received it (the engine takes that date)
    case_services.record_event(actor=None, case=late[2], code="effective", strict=False, date=None,
                               received=late[2].decision_date - dt.timedelta(days=500))
    for c in early:  # a second decision near today: the decision date column moves, the first decision counts
        case_services.record_event(actor=None, case=c, code="decision", strict=False, date=as_of - dt.timedelta(days=3),
                                   outcome="apply", term_months=12)
    everyone = _watch_by_brute_force(qs, as_of)
    ranks = {pk: i for i, (_d, pk) in enumerate(everyone)}
    odd = [c.pk for c in late + early]
    assert set(odd) <= set(ranks)  # all five are on the list…
    reach = max(ranks[pk] for pk in odd) + 1
    assert reach < len(everyone) // 2  # … near its top, where the shortcut stops reading
    for limit in (1, 5, 12, 30, reach):
        got = selectors.execution_watch(qs, as_of, limit=limit)
        assert [(r.expiry, r.case_id) for r in got] == everyone[:limit]


def test_the_dashboard_follows_every_change_at_once(users, make_case):
    """The dashboard keeps its scan between requests, but a new event, a new ruleset version or
    another day gives a fresh one."""
    today = services.local_today()
    case = make_case("Hà Văn Chín", assigned=users["prosecutor"],
                     events=[{"code": "accepted", "date": today - dt.timedelta(days=40), "number": "5/TL"}])
    rules = lambda: {r.f.rule for r in selectors.dashboard(users["prosecutor"], today)["mine"]}  # noqa: E731
    assert "court.notify_acceptance" in rules()
    case_services.record_event(actor=None, case=case, code="acceptance_notice", date=today - dt.timedelta(days=39))
    assert "court.notify_acceptance" not in rules()
    assert selectors.dashboard(users["prosecutor"], today + dt.timedelta(days=1))["as_of"] == today + dt.timedelta(days=1)
