"""The register's paging at scale: every page, read from either end, is exactly the slice of the full
ordering; counts, years and courts follow changes of the register (the per-process cache)."""

import datetime as dt

import pytest

from kiemsat.cases import selectors, services
from kiemsat.cases.demo import make_demo_data
from kiemsat.cases.models import Case

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def demo(db):
    make_demo_data(230, seed=3, today=TODAY)  # some cases have no thụ lý date, many share a date
    from kiemsat.org.models import User

    return User.objects.get(username="lanhdao")


@pytest.mark.parametrize("sort", list(selectors.SORTS))
def test_every_page_is_the_slice_of_the_ordering(demo, sort):
    f = selectors.RegisterFilters(sort=sort)
    qs = selectors.register(demo, f)
    full = list(qs.values_list("pk", flat=True))
    assert len(full) == 230 and len(set(full)) == 230
    per = 20
    pages = -(-len(full) // per)
    for n in range(1, pages + 1):
        page = selectors.register_page(qs, n, per_page=per)
        assert [c.pk for c in page] == full[(n - 1) * per:n * per], (sort, n)
        assert page.paginator.count == 230 and page.paginator.num_pages == pages


def test_filtered_pages_and_out_of_range(demo):
    f = selectors.RegisterFilters(stage="decided")
    qs = selectors.register(demo, f)
    full = list(qs.values_list("pk", flat=True))
    page = selectors.register_page(qs, 999, per_page=7)  # past the end: the last page
    assert [c.pk for c in page] == full[(page.number - 1) * 7:]
    assert selectors.register_page(qs, "x", per_page=7).number == 1


def test_cached_lists_follow_changes(demo, court):
    qs = selectors.register(demo, selectors.RegisterFilters())
    assert selectors.register_page(qs, 1).paginator.count == 230
    years = selectors.years(demo)
    assert court.pk not in {c.pk for c in selectors.courts(demo)}
    case, _ = services.create_case(actor=None, unit=demo.unit, data={"person_name": "Mới Thêm", "measure": "CSCNBB",
                                                                     "court": court}, events=[])
    assert selectors.register_page(selectors.register(demo, selectors.RegisterFilters()), 1).paginator.count == 231
    assert court.pk in {c.pk for c in selectors.courts(demo)}
    old = Case.objects.exclude(year=None).order_by("year").first()
    assert selectors.years(demo) == years
    services.record_event(actor=None, case=case, code="court_received", date=dt.date(2019, 3, 4))
    services.record_event(actor=None, case=case, code="accepted", date=dt.date(2019, 3, 5), number="999/2019/TLHS-XLHC")
    assert 2019 in selectors.years(demo) and (old.year == 2019 or 2019 not in years)
    counts = selectors.stage_counts(demo)
    assert sum(counts.values()) == 231


@pytest.mark.parametrize("sort", list(selectors.SORTS))
def test_lineage_pages_read_unit_by_unit(db, sort):
    """A unit's user on a province database: its lineage's units read one by one (PostgreSQL) gives
    exactly the pages of the plain query."""
    from kiemsat.cases.demo import make_province_demo
    from kiemsat.org.models import User

    make_province_demo(3, 40, seed=4, today=TODAY)
    user = User.objects.get(username="kv2.lanhdao")
    f = selectors.RegisterFilters(sort=sort)
    split = selectors.split_units(user, f)
    assert split is not None and len(split) == 2  # khu vực 2 and the huyện it succeeded
    qs = selectors.register(user, f)
    full = list(qs.values_list("pk", flat=True))
    assert len(full) == 40
    for n in range(1, 5):
        page = selectors.register_page(qs, n, per_page=12, split=split, sort=sort)
        assert [c.pk for c in page] == full[(n - 1) * 12:n * 12], (sort, n)
    assert selectors.split_units(user, selectors.RegisterFilters(unit=split[0])) is None
