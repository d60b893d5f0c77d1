"""Answers kept for one request (kiemsat.web.memo): the units a user reads are looked up once per
page, yet a change of the units' succession, made anywhere, shows on the next request, and a save
during a request drops what was kept."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemsat.cases.selectors import holds_every_case, visible_cases
from kiemsat.org import permissions as perm
from kiemsat.org.models import Role, Unit
from kiemsat.web import memo


def test_outside_a_scope_every_call_computes():
    calls = []
    assert memo.per_request("k", lambda: calls.append(1) or 5) == 5
    assert memo.per_request("k", lambda: calls.append(1) or 6) == 6
    assert calls == [1, 1]
    assert not memo.active()


def test_inside_a_scope_once_and_scopes_do_not_leak():
    calls = []
    with memo.request_scope():
        assert memo.active()
        assert memo.per_request("k", lambda: calls.append(1) or 5) == 5
        assert memo.per_request("k", lambda: calls.append(1) or 6) == 5
        with memo.request_scope():  # a nested scope starts empty
            assert memo.per_request("k", lambda: 7) == 7
        assert memo.per_request("k", lambda: 8) == 5
    assert calls == [1]
    with memo.request_scope():
        assert memo.per_request("k", lambda: 9) == 9


def _chain(db_units):
    a, b, c = db_units
    a.successor = c
    a.save()
    b.successor = a  # b → a → c: c reads a's and b's cases
    b.save()
    return a, b, c


@pytest.fixture
def three_units(db):
    return [Unit.objects.create(name=f"Viện kiểm sát nhân dân huyện {n}") for n in ("Một", "Hai", "Ba")]


def test_lineage_in_a_scope_equals_outside_and_follows_a_save(three_units):
    a, b, c = _chain(three_units)
    outside = perm.unit_lineage(c.pk)
    assert sorted(outside) == sorted([c.pk, a.pk, b.pk]) and outside[0] == c.pk
    with memo.request_scope():
        assert perm.unit_lineage(c.pk) == outside
        with CaptureQueriesContext(connection) as q:
            for _ in range(5):
                perm.unit_lineage(c.pk)
                perm.unit_lineage(a.pk)
        assert len(q.captured_queries) == 0
        assert perm.unit_lineage(a.pk) == [a.pk, b.pk]
        b.successor = None  # a save in the same request: what was kept is dropped
        b.save()
        assert perm.unit_lineage(c.pk) == [c.pk, a.pk]
        assert perm.unit_lineage(a.pk) == [a.pk]


def test_lineage_cycle_terminates(three_units):
    a, b, _c = three_units
    Unit.objects.filter(pk=a.pk).update(successor=b)
    Unit.objects.filter(pk=b.pk).update(successor=a)
    with memo.request_scope():
        assert sorted(perm.unit_lineage(a.pk)) == sorted([a.pk, b.pk])
    assert sorted(perm.unit_lineage(b.pk)) == sorted([a.pk, b.pk])


def test_holds_every_case_is_kept_only_within_a_scope(unit, other_unit, make_case):
    make_case()
    assert holds_every_case([unit.pk])
    with memo.request_scope():
        assert holds_every_case([unit.pk])
        make_case(name="Trần Văn Khác", unit_=other_unit)  # a case saved: the scope forgets
        assert not holds_every_case([unit.pk])
    assert not holds_every_case([unit.pk])


def test_pages_see_a_succession_changed_elsewhere_on_the_next_request(client, make_user, three_units, make_case):
    """A unit's merger is recorded between two page views (here: by a raw update, as another process
    would): the second page already shows the predecessor's case — nothing is kept across requests."""
    a, b, c = three_units
    leader = make_user("lanhdao_c", Role.LEADER, unit_=c)
    old = make_case(name="Phạm Văn Cũ", unit_=b)
    client.force_login(leader)
    assert client.get(f"/vu-viec/{old.pk}/").status_code == 404
    Unit.objects.filter(pk=b.pk).update(successor=c)
    assert client.get(f"/vu-viec/{old.pk}/").status_code == 200
    assert old.pk in set(visible_cases(leader).values_list("pk", flat=True))
    Unit.objects.filter(pk=b.pk).update(successor=None)
    assert client.get(f"/vu-viec/{old.pk}/").status_code == 404


def test_a_page_reads_the_units_once(client, users, make_case):
    case = make_case(assigned=users["prosecutor"])
    client.force_login(users["leader"])
    for path in ("/", f"/vu-viec/{case.pk}/", "/so-thu-ly/"):
        client.get(path)
        with CaptureQueriesContext(connection) as q:
            assert client.get(path).status_code == 200
        unit_reads = [x["sql"] for x in q.captured_queries if 'FROM "org_unit"' in x["sql"] and "successor_id" in x["sql"]
                      and "WHERE" in x["sql"] and "IS NOT NULL" in x["sql"]]
        assert len(unit_reads) == 1, (path, unit_reads)


def test_a_post_is_not_memoised(client, users, make_case, monkeypatch):
    case = make_case(assigned=users["prosecutor"])
    client.force_login(users["leader"])
    seen = []
    real = memo.request_scope
    monkeypatch.setattr(memo, "request_scope", lambda: seen.append(1) or real())
    assert client.get(f"/vu-viec/{case.pk}/").status_code == 200
    assert len(seen) == 1
    resp = client.post(f"/vu-viec/{case.pk}/su-kien/them/", {"code": "document_request", "date": "01/01/2025"})
    assert resp.status_code in (200, 302)
    assert len(seen) == 1


def test_a_page_reads_the_active_ruleset_and_calendar_once(client, users, make_case):
    case = make_case(assigned=users["prosecutor"])
    client.force_login(users["leader"])
    for path in ("/", f"/vu-viec/{case.pk}/"):
        client.get(path)
        with CaptureQueriesContext(connection) as q:
            assert client.get(path).status_code == 200
        for table in ("legal_rulesetversion", "legal_calendarversion"):
            reads = [x["sql"] for x in q.captured_queries if f'FROM "{table}"' in x["sql"] and "is_active" in x["sql"]]
            assert len(reads) <= 1, (path, table, reads)


def test_a_new_ruleset_version_is_seen_by_the_next_page(client, users):
    from kiemsat.legal import services as legal

    client.force_login(users["leader"])
    client.get("/")
    pk, _ = legal.active_ruleset()
    row = legal.RulesetVersion.objects.get(pk=pk)
    new = legal.RulesetVersion.objects.create(label="v-mới", data=row.data, kind=row.kind, is_active=True, summary="thử")
    legal.RulesetVersion.objects.filter(pk=pk).update(is_active=False)
    seen = []
    with memo.request_scope():
        seen.append(legal.active_ruleset()[0])
    assert seen == [new.pk] and legal.active_ruleset()[0] == new.pk
