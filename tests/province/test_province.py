"""A province on one database: each unit sees its own cases (and those of the units it succeeded), the
provincial procuracy sees every unit read-only, with per-unit and total reports."""

import datetime as dt

import pytest
from django.urls import reverse

from kiemsat.cases.demo import make_province_demo
from kiemsat.cases.models import Case
from kiemsat.org import permissions as perm
from kiemsat.org.models import Unit, User

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def province(db):
    make_province_demo(3, 60, seed=9, today=TODAY)
    units = {u.short_name: u for u in Unit.objects.all()}
    return units


def _login(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def _lineage_cases(short_name):
    u = Unit.objects.get(short_name=short_name)
    return Case.objects.filter(unit_id__in=perm.unit_lineage(u.pk))


def test_demo_province_shape(province):
    assert Case.objects.count() == 180
    prov = Unit.objects.get(is_provincial=True)
    assert not Case.objects.filter(unit=prov).exists()
    for i in (1, 2, 3):
        new = Unit.objects.get(short_name=f"VKSND KV{i}")
        olds = list(new.predecessors.all())
        assert len(olds) == 1 and olds[0].valid_to == dt.date(2025, 6, 30)
        # old cases keep the unit of their time: received before the reform → the huyện unit
        assert Case.objects.filter(unit=olds[0]).exists() and Case.objects.filter(unit=new).exists()
        assert not Case.objects.filter(unit=olds[0], received_date__gte=dt.date(2025, 7, 1)).exists()


def test_register_scoping(client, province):
    r = _login(client, "tinh.lanhdao").get(reverse("register"))
    assert r.status_code == 200 and r.context["page"].paginator.count == 180
    kv2 = Unit.objects.get(short_name="VKSND KV2")
    r = client.get(reverse("register"), {"unit": kv2.pk})
    assert r.context["page"].paginator.count == Case.objects.filter(unit=kv2).count() > 0
    client.logout()
    r = _login(client, "kv1.ksv1").get(reverse("register"))
    mine = _lineage_cases("VKSND KV1")
    assert r.context["page"].paginator.count == mine.count() == 60  # its own and its predecessor's
    assert {c.pk for c in r.context["page"].object_list} <= set(mine.values_list("pk", flat=True))
    # asking for another unit's cases gives nothing
    r = client.get(reverse("register"), {"unit": kv2.pk})
    assert r.context["page"].paginator.count == 0


def test_case_page_scoping_and_read_only(client, province):
    other = _lineage_cases("VKSND KV2").order_by("pk").first()
    old = Case.objects.filter(unit__short_name__startswith="VKSND huyện", unit__successor__short_name="VKSND KV1").first()
    c = _login(client, "tinh.lanhdao")
    assert c.get(reverse("case_detail", args=[other.pk])).status_code == 200
    assert c.get(reverse("case_edit", args=[other.pk])).status_code == 403
    assert c.get(reverse("event_add", args=[other.pk])).status_code == 403
    assert c.get(reverse("case_create")).status_code == 403
    client.logout()
    c = _login(client, "kv1.lanhdao")
    assert c.get(reverse("case_detail", args=[other.pk])).status_code == 404
    # the successor's staff open and edit the predecessor's case; it keeps its unit
    r = c.get(reverse("case_detail", args=[old.pk]))
    assert r.status_code == 200
    assert c.get(reverse("case_edit", args=[old.pk])).status_code == 200
    assert Case.objects.get(pk=old.pk).unit.valid_to == dt.date(2025, 6, 30)


def test_violations_scoping(client, province):
    r = _login(client, "tinh.lanhdao").get(reverse("violations"))
    assert r.status_code == 200
    units_seen = {Case.objects.get(pk=row.case_id).unit.successor_id or Case.objects.get(pk=row.case_id).unit_id
                  for row in r.context["rows"]}
    assert len(units_seen) == 3
    client.logout()
    r = _login(client, "kv3.lanhdao").get(reverse("violations"))
    mine = set(_lineage_cases("VKSND KV3").values_list("pk", flat=True))
    ids = {row.case_id for row in r.context["rows"]}
    assert ids and ids <= mine


def test_stats_per_unit_and_total(client, province):
    r = _login(client, "tinh.lanhdao").get(reverse("stats_report"), {"ky": "nam", "nam": 2026})
    assert r.status_code == 200
    rep = r.context["rep"]
    names = [g.unit.short_name for g, _ in rep.by_unit]
    assert {"VKSND KV1", "VKSND KV2", "VKSND KV3"} <= set(names)
    for key in ("new", "total", "resolved", "remaining"):
        assert sum(row.get(key) or 0 for _, row in rep.by_unit) == rep.total[key]
    per_unit = {g.unit.pk: row for g, row in rep.by_unit}
    client.logout()
    r = _login(client, "kv2.lanhdao").get(reverse("stats_report"), {"ky": "nam", "nam": 2026})
    mine = r.context["rep"]
    kv2 = Unit.objects.get(short_name="VKSND KV2")
    old2 = kv2.predecessors.get()
    for key in ("new", "total", "resolved"):
        assert mine.total[key] == (per_unit.get(kv2.pk, {}).get(key) or 0) + (per_unit.get(old2.pk, {}).get(key) or 0)
