"""vector.without: the binary-search mask every per-process cache uses to drop the changed cases
(cases.selectors register columns, execution.fast, legal.fast) equals ~np.isin."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kiemsat.domain.vector import without


@settings(max_examples=300, deadline=None)
@given(st.sets(st.integers(1, 400), max_size=200), st.lists(st.integers(-5, 420), max_size=40))
def test_without_equals_isin(ids, changed):
    ids = np.array(sorted(ids), dtype=np.int64)
    ch = np.unique(np.array(changed, dtype=np.int64))
    assert np.array_equal(without(ids, ch), ~np.isin(ids, ch))
