"""Issue 10 item 2: a province's statistics regrouped under the successor unit. The July 2025 reform
as a fixture: VKSND huyện A, B, C end on 30/06/2025 and VKSND khu vực 1 takes their place (and later
absorbs huyện D through khu vực 2, to check a chain); VKSND huyện E is not reformed. Each case keeps
the unit of its time; "gộp theo đơn vị kế thừa" sums the predecessors into the unit that holds
their place today."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from kiemsat.org.models import Unit
from kiemsat.stats import periods as P
from kiemsat.stats import selectors as S

from .conftest import TODAY

D = dt.date
YEAR = P.custom(D(2025, 1, 1), D(2025, 12, 31))
LATE = D(2026, 1, 31)  # the report is made later


@pytest.fixture
def reform(db, make_case):
    end, start = D(2025, 6, 30), D(2025, 7, 1)
    kv1 = Unit.objects.create(name="Viện kiểm sát nhân dân khu vực 1", valid_from=start)
    kv2 = Unit.objects.create(name="Viện kiểm sát nhân dân khu vực 2", valid_from=start, valid_to=D(2025, 9, 30),
                              successor=kv1)
    u = {"KV1": kv1, "KV2": kv2}
    for key, name, succ in (("A", "huyện An Phú", kv1), ("B", "huyện Bình Giang", kv1), ("C", "huyện Cẩm Giàng", kv1),
                            ("D", "huyện Đông Triều", kv2), ("E", "huyện Ea Súp", None)):
        u[key] = Unit.objects.create(name=f"Viện kiểm sát nhân dân {name}", valid_to=end if succ else None,
                                     successor=succ)
    # newly accepted cases (thụ lý in 2025): A 2, B 1, C 0, D 1 (via KV2), E 1, KV1 3, KV2 1
    plan = {"A": [D(2025, 2, 3), D(2025, 5, 6)], "B": [D(2025, 3, 4)], "D": [D(2025, 4, 7)], "E": [D(2025, 6, 2)],
            "KV1": [D(2025, 7, 8), D(2025, 8, 11), D(2025, 10, 13)], "KV2": [D(2025, 8, 4)]}
    n = 0
    for key, days in plan.items():
        for day in days:
            n += 1
            make_case(f"Người Số {n}", unit_=u[key],
                      events=[{"code": "accepted", "date": day, "number": f"{n}/2025/TLHS-XLHC"}])
    return u


def _rows(rep):
    return {g.unit.pk: (r["new"], sorted(x.pk for x in g.merged)) for g, r in rep.by_unit}


def test_each_unit_on_its_own_row_by_default(reform, provincial):
    rep = S.report(S.scope_for(provincial), YEAR, LATE)
    rows = _rows(rep)
    u = reform
    assert {k: rows[u[k].pk][0] for k in ("A", "B", "C", "D", "E", "KV1", "KV2")} == \
        {"A": 2, "B": 1, "C": 0, "D": 1, "E": 1, "KV1": 3, "KV2": 1}
    assert rep.total["new"] == 9 and sum(r[0] for r in rows.values()) == 9
    assert not rep.scope.merged and all(not g.merged for g, _r in rep.by_unit)


def test_regrouped_under_the_successor(reform, provincial):
    u = reform
    rep = S.report(S.scope_for(provincial, merge=True), YEAR, LATE)
    rows = _rows(rep)
    # KV1 = A 2 + B 1 + C 0 + KV1 3 + (KV2 1 + D 1: KV2 was absorbed by KV1) ; E untouched
    assert rows[u["KV1"].pk] == (8, sorted(u[k].pk for k in ("A", "B", "C", "D", "KV2")))
    assert rows[u["E"].pk] == (1, [])
    assert not {u[k].pk for k in ("A", "B", "C", "D", "KV2")} & rows.keys()
    assert rep.total["new"] == 9 and sum(r[0] for r in rows.values()) == rep.total["new"]
    for k in ("carried", "total", "resolved", "remaining", "protests", "violations"):
        assert sum(r[k] for _g, r in rep.by_unit) == rep.total[k], k
    # the cases behind the successor's number are its predecessors' cases too
    b = S.behind(S.scope_for(provincial, merge=True), YEAR, "new", unit=u["KV1"].pk, today=LATE)
    assert b.count == 8 and set(b.qs.values_list("unit_id", flat=True)) == {u[k].pk for k in ("A", "B", "D", "KV1", "KV2")}


def test_one_unit_picked_with_and_without_its_predecessors(reform, provincial):
    u = reform
    assert S.report(S.scope_for(provincial, u["KV1"].pk), YEAR, LATE).total["new"] == 3
    assert S.report(S.scope_for(provincial, u["KV1"].pk, merge=True), YEAR, LATE).total["new"] == 8
    assert S.report(S.scope_for(provincial, u["KV2"].pk, merge=True), YEAR, LATE).total["new"] == 2  # KV2 + D
    assert S.report(S.scope_for(provincial, u["A"].pk, merge=True), YEAR, LATE).total["new"] == 2


def test_the_page_offers_the_option_and_keeps_it_in_links(client, reform, provincial, monkeypatch):
    from kiemsat.legal import services

    monkeypatch.setattr(services, "local_today", lambda: LATE)
    client.force_login(provincial)
    q = "ky=tuy-chon&tu=01/01/2025&den=31/12/2025"
    html = client.get(reverse("stats_report") + "?" + q).content.decode()
    assert 'name="gop"' in html and "Gộp theo đơn vị kế thừa" in html
    assert "Viện kiểm sát nhân dân huyện An Phú" in html and "gồm cả" not in html
    html = client.get(reverse("stats_report") + "?" + q + "&gop=1").content.decode()
    assert "gồm cả: Viện kiểm sát nhân dân huyện An Phú" in html and "gop=1" in html
    import re

    link = next(h.replace("&amp;", "&") for h in re.findall(r'href="(/thong-ke/vu-viec/\?[^"]+)"', html)
                if "chi_tieu=new" in h and f"don_vi_con={reform['KV1'].pk}" in h)
    assert "Thụ lý mới: 8 vụ việc" in client.get(link).content.decode()
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(client.get(reverse("stats_xlsx") + "?" + q + "&gop=1").content))
    names = [r[0] for r in wb["Theo đơn vị"].iter_rows(min_row=6, values_only=True) if r[0]]
    assert any(str(x).startswith("Viện kiểm sát nhân dân khu vực 1 (gồm cả:") for x in names)


def test_a_unit_user_gets_no_option(client, users, reform):
    client.force_login(users["leader"])
    html = client.get(reverse("stats_report") + "?ky=nam&nam=2025&gop=1").content.decode()
    assert 'name="gop"' not in html and "Chưa lập được báo cáo" not in html


def test_report_command_regroups(reform):
    out = io.StringIO()
    call_command("report", "--period", "01/01/2025..31/12/2025", "--today", "31/01/2026", "--gop", "--json",
                 stdout=out)
    data = json.loads(out.getvalue())
    rows = {r["unit"]: r for r in data["by_unit"]}
    assert data["merged"] is True and rows["Viện kiểm sát nhân dân khu vực 1"]["new"] == 8
    assert "Viện kiểm sát nhân dân huyện An Phú" in rows["Viện kiểm sát nhân dân khu vực 1"]["merged"]
    out = io.StringIO()
    call_command("report", "--period", "01/01/2025..31/12/2025", "--today", "31/01/2026", "--json", stdout=out)
    rows = {r["unit"]: r for r in json.loads(out.getvalue())["by_unit"]}
    assert rows["Viện kiểm sát nhân dân khu vực 1"]["new"] == 3 and rows["Viện kiểm sát nhân dân huyện An Phú"]["new"] == 2
