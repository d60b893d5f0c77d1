"""The array helpers of the report equal numpy's plain answers (np.unique, np.isin per unit)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kiemsat.stats.selectors import _distinct, _per_unit

ids = st.lists(st.integers(0, 3_000_000), max_size=300).map(lambda xs: np.array(xs, dtype=np.int64))


@settings(max_examples=200, deadline=None)
@given(ids)
def test_distinct_is_np_unique(xs):
    got = _distinct(xs)
    assert got.dtype == np.int64
    assert np.array_equal(got, np.unique(xs))


def test_distinct_of_large_sparse_ids_falls_back_to_np_unique():
    xs = np.array([5, 10**12, 5, 7], dtype=np.int64)
    assert _distinct(xs).tolist() == [5, 7, 10**12]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-1, 40), max_size=300), st.lists(st.lists(st.integers(0, 45), max_size=6), max_size=8))
def test_per_unit_sums_equal_isin(units, groups):
    units = np.array(units, dtype=np.int64)
    per = _per_unit(units)
    for g in groups:
        assert sum(per.get(u, 0) for u in set(g)) == int(np.isin(units, g).sum())
