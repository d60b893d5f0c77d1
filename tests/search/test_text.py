"""Query folding, tone placement, highlighting (pure functions)."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from kiemsat.domain.vntext import fold
from kiemsat.search.text import Query, accent_key, fold_map, snippet, tone_variants


def test_tone_placement_variants():
    assert set(tone_variants("hoà")) == {"hoà", "hòa"}
    assert set(tone_variants("thủy")) == {"thủy", "thuỷ"}
    assert tone_variants("duc") == ["duc"]
    assert accent_key("hoà") == accent_key("hòa") != accent_key("hóa")
    assert accent_key("thuỷ") == accent_key("thủy")
    assert accent_key("Đào") != accent_key("dao")


def test_exactness():
    q = Query("Đào Đức")
    assert q.accented and q.exact_in("Đào Đức Anh") and not q.exact_in("Đạo Đức Anh")
    assert Query("hoà").exact_in("Nguyễn Thị Hòa") and Query("Thuỷ").exact_in("Lê Thủy")
    assert not Query("dao duc").accented and not Query("dao duc").exact_in("Dao Duc")
    nfd = unicodedata.normalize("NFD", "Đào Đức")
    assert Query(nfd).fts_exact() == Query("Đào Đức").fts_exact()
    assert Query(nfd).fts_folded() == Query("dao duc").fts_folded() == '"dao" AND "duc"*'


def test_snippet_highlights_the_original_and_escapes_everything_else():
    text = "Biên bản <script>alert(1)</script> lập ngày 12/3 đối với Đào Đức Hoà & người khác"
    html = snippet(text, Query("dao duc"))
    assert "<mark>Đào</mark> <mark>Đức</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    nfd = unicodedata.normalize("NFD", "Ông Đào Đức")
    assert snippet(nfd, Query("dao")).count("<mark>") == 1


@given(st.text(alphabet=st.sampled_from(list("aăâđeêoôơuưy ÀÁẢÃẠàáảãạĐđ-/0123456789\u0300\u0301")), max_size=40))
def test_fold_map_keeps_positions_and_folds_like_fold(s):
    t = unicodedata.normalize("NFC", s)
    folded, idx = fold_map(t)
    assert len(folded) == len(t) and list(idx) == list(range(len(t)))
    assert fold(folded) == fold(t)
