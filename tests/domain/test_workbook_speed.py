"""What the reader's and the text helpers' shortcuts (for 100,000-row books) rely on: each gives
exactly what the plain definition gives."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kiemsat.domain import dates as vdates
from kiemsat.domain import vntext, workbook
from kiemsat.domain.vntext import fold, sort_key, sort_key_str

VN = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXYàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
text = st.text(alphabet=st.sampled_from(list(VN) + list(" \t\n\u00a0\u0301\u0300\u0323.-/0123456789ßİﬁǅ")), max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.one_of(text, st.text(max_size=30)))
def test_fold_word_by_word_is_fold_character_by_character(s):
    assert fold(s) == vntext._fold_slow(s)


def test_fold_fixed_cases():
    for s in ["Nguyễn Văn Đức", "  NGUYỄN\tVĂN  ĐỨC ", "01/2024/TLHS-XLHC", "a \u0301b", "Ǆ ǅ", "", "\u00a0x\u00a0"]:
        assert fold(s) == vntext._fold_slow(s)


@settings(max_examples=200, deadline=None)
@given(text)
def test_cached_sort_key_str_orders_as_sort_key(s):
    assert sort_key_str(s) == sort_key_str(str(s))  # cached or not, the same
    other = "Nguyễn Văn An"
    assert (sort_key_str(s) < sort_key_str(other)) == (sort_key(s) < sort_key(other))


def test_no_abbreviation_rule_removes_a_digit():
    """read_workbook skips normalising cells with a digit when looking for a repeated header
    without one: that holds only while no expansion rule can eat a digit."""
    syn = workbook.load_synonyms()
    probe = "0 1 2 3 4 5 6 7 8 9 q.d 0tb1 ksv2 3vks 4ta5 l d t b x h 6"
    for rx, rep in syn.expand:
        assert re.sub(r"\D", "", rx.sub(rep, probe)) == re.sub(r"\D", "", probe), rx.pattern
        assert not re.search(r"\d", rep), rep
        # nothing in the pattern can match a digit: no \d \w \S \D, no negated class, no bare "."
        assert not re.search(r"\\[dwSD]|\[\^", rx.pattern), rx.pattern
        plain = re.sub(r"\[[^\]]*\]", "", re.sub(r"\\.", "", rx.pattern))
        assert "." not in plain and not re.search(r"[0-9]", plain), rx.pattern


@example(-0.0, False)  # equal to 0.0 in the cache, but once worded differently
@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.none(), st.booleans(), st.integers(-10, 80000), st.floats(allow_nan=True, allow_infinity=False),
    st.dates(dt.date(1890, 1, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1890, 1, 1), dt.datetime(2100, 1, 1)),
    st.text(alphabet="0123456789/.- ngàyth", max_size=24),
), st.booleans())
def test_cached_date_parsing_is_parse_date(v, date1904):
    assert workbook._parse_date_cached(v, date1904) == vdates.parse_date(v, date1904=date1904)
    assert workbook._parse_date_cached(v, date1904) == vdates.parse_date(v, date1904=date1904)  # from the cache


def test_cached_date_parsing_keeps_types_apart():
    workbook._DATE_CACHE.clear()
    assert workbook._parse_date_cached(1, False) == vdates.parse_date(1)
    assert workbook._parse_date_cached(True, False) == vdates.parse_date(True)  # True == 1, not the same cell
    assert workbook._parse_date_cached(45356.0, False).value == dt.date(2024, 3, 5)
    assert workbook._parse_date_cached(45356, True) == vdates.parse_date(45356, date1904=True)
