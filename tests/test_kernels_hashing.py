"""The hashing kernel called directly: scikit-learn's MurmurHash3 columns and signs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsedense._kernels.hashing import _hash_features

SETTINGS = settings(max_examples=80, deadline=None)


@SETTINGS
@given(st.lists(st.binary(max_size=20), min_size=1, max_size=20),
       st.sampled_from([1, 7, 16, 2**20, 2**31 - 2]))
def test_murmurhash_columns_and_signs_match_sklearn(features, n_features):
    from sklearn.utils import murmurhash3_32

    buf = np.frombuffer(b"".join(features), dtype=np.uint8)
    offsets = np.zeros(len(features) + 1, np.int64)
    np.cumsum([len(f) for f in features], out=offsets[1:])
    cols, signs = _hash_features(buf, offsets, n_features, True, 0)
    for f, c, s in zip(features, cols, signs):
        h = murmurhash3_32(f, seed=0, positive=False)
        want = (2147483647 - (n_features - 1)) % n_features if h == -2**31 else abs(h) % n_features
        assert c == want
        assert s == (1.0 if h >= 0 else -1.0)
