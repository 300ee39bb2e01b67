"""Per-key attributes (vectors/_vecattrs.py): set_vecattr, get_vecattr, allocate_vecattrs,
add_vectors' extras, against gensim 4.4's KeyedVectors."""

from __future__ import annotations

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")

from gensim.models import KeyedVectors  # noqa: E402

from sparsedense import Vectors  # noqa: E402


def make_pair(n=5):
    keys = [f"k{i}" for i in range(n)]
    W = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    g = KeyedVectors(3)
    g.add_vectors(keys, W.copy())
    return Vectors(keys, W.copy()), g


@pytest.mark.parametrize("value", [7, 2.5, "tag", np.int32(4)])
def test_set_get_vecattr_as_gensim(value):
    ours, g = make_pair()
    for kv in (ours, g):
        kv.set_vecattr("k2", "attr", value)
        kv.set_vecattr(4, "attr", value)  # an int names a row
    assert ours.expandos["attr"].dtype == g.expandos["attr"].dtype
    np.testing.assert_array_equal(ours.expandos["attr"], g.expandos["attr"])
    assert ours.get_vecattr("k2", "attr") == g.get_vecattr("k2", "attr")
    assert type(ours.get_vecattr("k2", "attr")) is type(g.get_vecattr("k2", "attr"))


def test_type_conflicts_as_gensim():
    ours, g = make_pair()
    for kv in (ours, g):
        kv.set_vecattr("k1", "count", 3)
    for kv in (ours, g):
        with pytest.raises(TypeError, match="count"):
            kv.set_vecattr("k1", "count", 1.5)
    assert int(ours.get_vecattr("k1", "count")) == 3


def test_errors_change_nothing():
    ours, _ = make_pair()
    with pytest.raises(KeyError, match="'nope'"):
        ours.set_vecattr("nope", "count", 3)
    assert ours.expandos == {}  # gensim allocates the attribute before the KeyError
    with pytest.raises(KeyError, match="attribute 'count' is not stored.*none"):
        ours.get_vecattr("k1", "count")
    with pytest.raises(TypeError, match="attr must be a str; got int 5"):
        ours.set_vecattr("k1", 5, 1)


def test_add_vectors_grows_attributes_and_takes_extras():
    ours, g = make_pair()
    for kv in (ours, g):
        kv.set_vecattr("k0", "count", 9)
    ours.add_vectors(["n1", "n2"], np.ones((2, 3)), extras={"count": np.array([5, 6])})
    assert [int(ours.get_vecattr(k, "count")) for k in ["k0", "k1", "n1", "n2"]] == [9, 0, 5, 6]
    ours.add_vectors(["n3"], np.ones((1, 3)))  # no extras: 0, as gensim's allocate_vecattrs
    assert int(ours.get_vecattr("n3", "count")) == 0 and ours.expandos["count"].shape == (8,)
    ours.add_vectors(["k1", "n4"], np.zeros((2, 3)), extras={"count": [1, 2]}, replace=True)
    assert [int(ours.get_vecattr(k, "count")) for k in ["k1", "n4"]] == [1, 2]
    ours.add_vectors(["k0"], np.zeros((1, 3)), extras={"count": [100]})  # kept, as its vector
    assert int(ours.get_vecattr("k0", "count")) == 9
    assert (ours["k0"] == g["k0"]).all()


def test_extras_refused_before_any_change():
    ours, _ = make_pair()
    ours.set_vecattr("k0", "count", 9)
    with pytest.raises(TypeError, match=r"extras\['count'\] has dtype float64.*int64"):
        ours.add_vectors(["n1"], np.ones((1, 3)), extras={"count": [1.5]})
    with pytest.raises(TypeError, match="extras must be None or a dict.*list"):
        ours.add_vectors(["n1"], np.ones((1, 3)), extras=[1])
    assert len(ours) == 5 and ours.expandos["count"].shape == (5,)


def test_allocate_vecattrs_as_gensim():
    ours, g = make_pair()
    for kv in (ours, g):
        kv.allocate_vecattrs(["count", "tag"], [int, str])
        assert kv.expandos["count"].dtype == np.int64 and kv.expandos["tag"].dtype == object
    with pytest.raises(ValueError, match="same length"):
        ours.allocate_vecattrs(["a", "b"], [int])
