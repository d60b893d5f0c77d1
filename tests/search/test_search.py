"""Search from one box: people, số thụ lý, document numbers and document text; diacritic-insensitive
(đ, NFD input, old/new tone placement), exact accents first, grouped by case, only what the user may
read. Runs on SQLite (FTS5) and PostgreSQL (pg_trgm) alike."""

import datetime as dt
import unicodedata

import pytest
from django.db import connection
from django.urls import reverse

from kiemsat.cases import services as cases
from kiemsat.cases.models import Case
from kiemsat.documents import services as docs
from kiemsat.documents import worker
from kiemsat.search import index
from kiemsat.search.services import search

from ..documents.helpers import docx_bytes, pdf_bytes

D = dt.date


@pytest.fixture
def people(make_case, users):
    return {
        "dao": make_case("Đào Đức Anh", events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "12/2024/TLHS-XLHC"}]),
        "dao2": make_case("Đạo Đức Minh"),
        "dao3": make_case("Dao Duc Long"),
        "hoa": make_case("Nguyễn Thị Hòa", events=[{"code": "decision", "date": D(2024, 5, 2), "number": "45/2024/QĐ-XLHC",
                                                    "outcome": "apply", "term_months": 12}]),
        "thuy": make_case("Lê Thuỷ Tiên"),
        "other": make_case("Đào Văn Khác", unit_=users["other_leader"].unit),
    }


def names(result):
    return [g.case.person_name for g in result.groups]


def test_dao_duc_finds_every_spelling_and_exact_accents_come_first(people, users):
    r = search(users["leader"], "dao duc")
    assert set(names(r)) == {"Đào Đức Anh", "Đạo Đức Minh", "Dao Duc Long"}
    r = search(users["leader"], "Đào Đức")
    assert names(r)[0] == "Đào Đức Anh" and set(names(r)) == {"Đào Đức Anh", "Đạo Đức Minh", "Dao Duc Long"}
    assert r.groups[0].exact and not any(g.exact for g in r.groups[1:])
    assert "<mark>Đào</mark>" in r.groups[0].hits[0].html


def test_nfd_input_gives_the_same_result(people, users):
    nfd = unicodedata.normalize("NFD", "Đào Đức")
    assert names(search(users["leader"], nfd)) == names(search(users["leader"], "Đào Đức"))


@pytest.mark.parametrize("typed,found", [("hoà", "Nguyễn Thị Hòa"), ("hòa", "Nguyễn Thị Hòa"),
                                         ("thủy", "Lê Thuỷ Tiên"), ("thuỷ", "Lê Thuỷ Tiên"), ("THỦY", "Lê Thuỷ Tiên")])
def test_old_and_new_tone_placement(people, users, typed, found):
    r = search(users["leader"], typed)
    assert names(r) == [found] and r.groups[0].exact


def test_numbers(people, users):
    r = search(users["leader"], "12/2024")
    assert names(r) == ["Đào Đức Anh"] and r.groups[0].hits[0].kind == "so_thu_ly"
    r = search(users["leader"], "45/2024/QĐ")
    assert names(r) == ["Nguyễn Thị Hòa"] and any(h.kind == "number" for h in r.groups[0].hits)


def test_only_cases_the_user_may_read(people, users):
    assert "Đào Văn Khác" not in names(search(users["leader"], "dao"))
    assert names(search(users["other_leader"], "dao")) == ["Đào Văn Khác"]


def test_document_text_and_numbers_grouped_by_case(people, users):
    d1 = docs.attach(actor=users["leader"], case=people["hoa"], name="bien-ban.docx", number="77/BB-CA",
                     content=docx_bytes(["Biên bản vi phạm lập hồi 9 giờ", "tại thôn Đông Đoài, người vi phạm khai <b>"])).document
    docs.attach(actor=users["leader"], case=people["hoa"], name="qd.pdf",
                content=pdf_bytes(["Quyet dinh ve viec thon Dong Doai"]))
    worker.run_pending()
    r = search(users["leader"], "dong doai")
    assert names(r) == ["Nguyễn Thị Hòa"]
    hits = r.groups[0].hits
    assert {h.document.name for h in hits} == {"bien-ban.docx", "qd.pdf"}
    html = next(h.html for h in hits if h.document.pk == d1.pk)
    assert "<mark>Đông</mark> <mark>Đoài</mark>" in html and "&lt;b&gt;" in html
    assert names(search(users["leader"], "77/BB")) == ["Nguyễn Thị Hòa"]
    assert names(search(users["other_leader"], "dong doai")) == []


def test_index_follows_bulk_inserts_updates_and_deletes(people, users, unit):
    p = cases.prepare_case(actor=None, unit=unit, data={"person_name": "Phùng Thị Ngọc Diệp", "measure": "CSCNBB"},
                           events=[])
    cases.bulk_create_cases([p])
    assert names(search(users["leader"], "phung diep")) == ["Phùng Thị Ngọc Diệp"]
    c = people["dao3"]
    cases.update_case(actor=None, case=c, data={"person_name": "Dương Văn Long"})
    assert names(search(users["leader"], "duong long")) == ["Dương Văn Long"]
    assert "Dao Duc Long" not in names(search(users["leader"], "dao duc"))
    Case.objects.filter(pk=c.pk).delete()
    assert names(search(users["leader"], "duong long")) == []
    assert index.integrity(connection) == []


def test_demo_data_is_indexed(users, db):
    from kiemsat.cases.demo import make_demo_data

    make_demo_data(n_cases=30, seed=7)
    some = Case.objects.order_by("id").first()
    admin = users["admin"]
    admin.unit.is_provincial = True
    admin.unit.save()
    r = search(admin, some.person_name)
    assert some.pk in [g.case.pk for g in r.groups]


def test_the_page_and_the_box(people, client, users):
    client.force_login(users["leader"])
    html = client.get(reverse("search"), {"q": "dao duc"}).content.decode()
    assert "Đào Đức Anh" in html and 'id="global-search"' in html and "<mark>" in html
    html = client.get(reverse("search"), {"q": "<script>"}).content.decode()
    assert "<script>" not in html.split('id="main"')[1].split("</main>")[0].replace('<script src', '')
    r = client.get(reverse("search"), {"q": "thuy"}, HTTP_HX_REQUEST="true")
    assert "Lê Thuỷ Tiên" in r.content.decode() and "<html" not in r.content.decode()
    assert client.get(reverse("search"), {"q": ""}).status_code == 200
    assert client.get(reverse("search"), {"q": '"*)( OR NEAR'}).status_code == 200  # FTS syntax is never passed through


def test_lost_triggers_are_put_back_and_the_index_rebuilt(people, users, make_case):
    """A later migration that rebuilds cases_case on SQLite drops its triggers; post_migrate's ensure()
    puts them back (PostgreSQL: the indexes are ensured the same way)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            for t in ("search_cases_ai", "search_cases_ad", "search_cases_au"):
                cur.execute(f"DROP TRIGGER {t}")
        make_case("Khổng Minh Triết")  # not indexed while the triggers are gone
        assert names(search(users["leader"], "khong minh triet")) == []
        assert index.ensure(connection) is True
        assert index.ensure(connection) is False  # idempotent
    else:
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction has pending FK checks
            cur.execute("DROP INDEX search_case_folded_trgm")
        assert index.ensure(connection) is True
        make_case("Khổng Minh Triết")
    assert names(search(users["leader"], "khong minh triet")) == ["Khổng Minh Triết"]
    assert index.integrity(connection) == []


def test_postgres_without_rights_for_pg_trgm_says_what_to_do(monkeypatch):
    from django.db import DatabaseError

    class Cur:
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def execute(self, sql, params=None):
            self.last = sql
            if sql.startswith("CREATE EXTENSION"):
                raise DatabaseError("permission denied to create extension \"pg_trgm\"")

        def fetchone(self):
            return None

    class Conn:
        vendor = "postgresql"
        alias = "default"

        def cursor(self):
            return Cur()

    import contextlib

    from django.db import transaction

    monkeypatch.setattr(transaction, "atomic", lambda using=None: contextlib.nullcontext())
    with pytest.raises(index.SearchIndexError) as ei:
        index.ensure(Conn())
    assert "CREATE EXTENSION IF NOT EXISTS pg_trgm" in str(ei.value) and "permission denied" in str(ei.value)


def test_a_number_finds_only_cases_holding_the_whole_number(make_case, users):
    """A số thụ lý or decision number: on PostgreSQL the index is asked for the digit run only and the
    whole pattern is tested after it — the rows found must be exactly those holding the whole text."""
    a = make_case("Phạm Văn Số", events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "15672/2024/TLHS-XLHC"}])
    make_case("Phạm Văn Năm", events=[{"code": "accepted", "date": D(2023, 3, 1), "number": "15672/2023/TLHS-XLHC"}])
    make_case("Phạm Văn Sáu", events=[{"code": "accepted", "date": D(2024, 3, 1), "number": "5672/2024/TLHS-XLHC"}])
    assert names(search(users["leader"], "15672/2024/TLHS-XLHC")) == [a.person_name]
    assert set(names(search(users["leader"], "15672/"))) == {"Phạm Văn Số", "Phạm Văn Năm"}
    assert "Phạm Văn Sáu" in names(search(users["leader"], "5672/2024"))
    assert names(search(users["leader"], "Phạm 15672/2024")) == [a.person_name]


@pytest.mark.parametrize("typed,anchor", [("15672/2024/TLHS-XLHC", "%15672%"), ("12/2024/QĐ-TA", None),
                                          ("Nguyễn Văn A", None), ("BB-003 xã Hòa", "%003%"), ("2024", None),
                                          ("45/QĐ 1234567", "%1234567%")])
def test_postgres_anchor_is_the_longest_digit_run_that_is_not_a_year(typed, anchor):
    from kiemsat.search.backends import PostgresBackend
    from kiemsat.search.text import Query

    assert PostgresBackend._anchor(Query(typed)) == anchor


@pytest.mark.parametrize("typed,where", [
    ("Lê", "(c.x || '') LIKE %s"),
    ("Nguyễn Lê", "c.x LIKE %s AND (c.x || '') LIKE %s"),
    ("12/QĐ", "(c.x || '') LIKE %s"),  # runs "12" and "qd": no trigram either
    ("123/QĐ", "c.x LIKE %s"),
    ("Đào Đức A", "c.x LIKE %s AND c.x LIKE %s AND (c.x || '') LIKE %s"),
])
def test_postgres_words_without_a_trigram_stay_out_of_the_index(typed, where):
    from kiemsat.search.backends import PostgresBackend
    from kiemsat.search.text import Query

    assert PostgresBackend._where(Query(typed), "c.x") == where


def test_short_words_still_find_their_cases(people, users):
    assert names(search(users["leader"], "Lê")) == ["Lê Thuỷ Tiên"]
    assert set(names(search(users["leader"], "Đào Đức Anh"))) >= {"Đào Đức Anh"}
