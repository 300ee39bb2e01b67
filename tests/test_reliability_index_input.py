"""Reliability: every function that takes integer indices, through every kind of index
input (issue #7).

Each case is run through each function and gives either the numpy reference
result, or the documented exception (type, argument name, offending value), and
in both cases no state changes: tables, ``out`` arrays, a module's remembered
lookup and the caller's index array are compared before and after.

Rules (DESIGN.md): any integer dtype, layout and Python lists are accepted;
bool, float, complex and object arrays (other than of Python ints) are refused
with TypeError; an index outside ``[0, num_embeddings)`` is an IndexError naming
the position and the value; a shape a function cannot take is a ValueError.
An index out of range leaves ``out`` and the table as they were (with
``max_norm`` too, which would otherwise rescale rows in place).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense as sd
from sparsedense import functional as F
from sparsedense.nn import Embedding, EmbeddingBag, RowSparseGrad

V, D = 10, 3
B1 = np.array([1, 2, 4, 7, 9])                # a valid 1-D index array (ascending)
B2 = np.array([[1, 2, 4], [5, 7, 9]])          # a valid 2-D one
B0 = np.array(4)                               # a valid 0-d one


def _with_last(b, value, dtype=np.int64):
    out = b.astype(dtype).copy()
    out.reshape(-1)[-1] = value
    return out


def _strided(b):
    wide = np.repeat(b, 2, axis=-1)
    view = wide[..., ::2]
    assert not view.flags.c_contiguous
    return view


def _readonly(b):
    b = b.copy()
    b.flags.writeable = False
    return b


# name -> (build from the valid base, outcome); outcome: "ok", ("index", value),
# ("type", word in the message), ("value", word in the message)
CASES = {
    "int8": (lambda b: b.astype(np.int8), "ok"),
    "int16": (lambda b: b.astype(np.int16), "ok"),
    "int32": (lambda b: b.astype(np.int32), "ok"),
    "int64": (lambda b: b.astype(np.int64), "ok"),
    "uint8": (lambda b: b.astype(np.uint8), "ok"),
    "uint64": (lambda b: b.astype(np.uint64), "ok"),
    "strided": (_strided, "ok"),
    "fortran": (lambda b: np.asfortranarray(b), "ok"),
    "readonly": (_readonly, "ok"),
    "list": (lambda b: b.tolist(), "ok"),
    "tuple": (lambda b: tuple(b.tolist()) if b.ndim == 1 else tuple(map(tuple, b.tolist())), "ok"),
    "object_ints": (lambda b: b.astype(object), "ok"),
    "negative": (lambda b: _with_last(b, -1), ("index", -1)),
    "equal_num_embeddings": (lambda b: _with_last(b, V), ("index", V)),
    "huge_2**40": (lambda b: _with_last(b, 2**40), ("index", 2**40)),
    "uint64_above_int64": (lambda b: _with_last(b, 2**63 + 5, np.uint64), ("index", 2**63 + 5)),
    "python_int_above_int64": (lambda b: _with_last(b.astype(object), 2**70, object),
                               ("index", 2**70)),
    "negative_int8": (lambda b: _with_last(b, -3, np.int8), ("index", -3)),
    "bool": (lambda b: b.astype(bool), ("type", "bool")),
    "float64": (lambda b: b.astype(np.float64), ("type", "float64")),
    "float32": (lambda b: b.astype(np.float32), ("type", "float32")),
    "float_list": (lambda b: b.astype(float).tolist(), ("type", "float64")),
    "complex": (lambda b: b.astype(complex), ("type", "complex")),
    "object_mixed": (lambda b: _with_last(b.astype(object), "x", object), ("type", "object")),
    "object_float": (lambda b: _with_last(b.astype(object), 1.5, object), ("type", "object")),
    "str": (lambda b: b.astype(str), ("type", "<U")),
}
# inputs of their own shape (not built from the base)
SHAPED = {
    "zero_d": B0,
    "python_int": 4,
    "numpy_int": np.int16(4),
    "empty_(0,)": np.zeros(0, dtype=np.int64),
    "empty_(2,0)": np.zeros((2, 0), dtype=np.int64),
    "empty_list": [],
    "empty_nested_list": [[], []],
}


def _weight():
    return np.arange(V * D, dtype=np.float32).reshape(V, D) / 7 - 2


def _shape(idx):
    """``np.shape``, also of a ragged list (the library must be the one to refuse it)."""
    try:
        return np.shape(idx)
    except ValueError:
        return (len(idx),)


def _ndim(idx):
    return len(_shape(idx))


def _bag_offsets(n):
    return [0, min(2, n)]


def _bag_ref(W, idx, offsets=None):
    idx = np.asarray(idx, dtype=np.int64)
    if idx.ndim == 2:
        return W[idx].sum(axis=1) if idx.shape[1] else np.zeros((idx.shape[0], W.shape[1]), W.dtype)
    bounds = list(offsets) + [idx.size]
    return np.stack([W[idx[a:b]].sum(axis=0) for a, b in zip(bounds[:-1], bounds[1:])])


class Fn:
    """One public function under the matrix: how to call it, its reference, its state."""

    name_in_message = "indices"
    ndims: tuple | None = None  # None: any

    def setup(self):
        self.W = _weight()

    def state(self):
        return {"W": self.W.copy()}

    def call(self, idx):
        raise NotImplementedError

    def reference(self, idx):
        raise NotImplementedError

    def check(self, got, want):
        np.testing.assert_array_equal(got, want)


class Embedding_(Fn):
    def call(self, idx):
        return F.embedding(idx, self.W)

    def reference(self, idx):
        return self.W[idx]


class EmbeddingOut(Fn):
    def setup(self):
        super().setup()
        self.out = None

    def call(self, idx):
        shape = _shape(idx) + (D,)
        self.out = np.full(shape, -99.0, dtype=np.float32)
        F.embedding(idx, self.W, out=self.out)
        return self.out

    def state(self):
        return {"W": self.W.copy()}

    def reference(self, idx):
        return self.W[idx]


class EmbeddingMaxNorm(Fn):
    def call(self, idx):
        return F.embedding(idx, self.W, max_norm=1.0)

    def reference(self, idx):
        from reference import embedding_renorm

        W = embedding_renorm(_weight(), idx, 1.0)
        return W[idx]


class EmbeddingBackward(Fn):
    def grad(self, shape):
        return np.arange(int(np.prod(shape)) * D, dtype=np.float32).reshape(shape + (D,)) / 3

    def call(self, idx):
        return F.embedding_backward(self.grad(_shape(idx)), idx, V)

    def reference(self, idx):
        from reference import embedding_backward

        return embedding_backward(self.grad(idx.shape), idx, V)


class EmbeddingBackwardSparse(EmbeddingBackward):
    def call(self, idx):
        g = F.embedding_backward(self.grad(_shape(idx)), idx, V, sparse=True)
        return g.to_dense()


class Bag2d(Fn):
    ndims = (2,)

    def call(self, idx):
        return F.embedding_bag(idx, self.W, mode="sum")

    def reference(self, idx):
        return _bag_ref(self.W, idx)

    def check(self, got, want):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


class Bag1d(Bag2d):
    ndims = (1,)

    def call(self, idx):
        return F.embedding_bag(idx, self.W, offsets=_bag_offsets(len(idx)) if _ndim(idx) == 1
                               else [0], mode="sum")

    def reference(self, idx):
        return _bag_ref(self.W, idx, _bag_offsets(idx.size))


class BagBackward(Fn):
    ndims = (2,)

    def call(self, idx):
        n_bags = _shape(idx)[0] if _ndim(idx) else 1
        gw, _ = F.embedding_bag_backward(np.ones((n_bags, D), np.float32), idx, self.W,
                                         mode="sum")
        return gw

    def reference(self, idx):
        from reference import embedding_backward

        return embedding_backward(np.ones(idx.shape + (D,), np.float32), idx, V)


class OneHot(Fn):
    name_in_message = "ids"
    ndims = (1,)

    def call(self, idx):
        return sd.one_hot(idx, V).toarray()

    def reference(self, idx):
        return np.eye(V, dtype=np.float32)[idx]


class IndicesToOneHot(OneHot):
    def call(self, idx):
        return F.indices_to_onehot(idx, V).toarray()


class RowSparseGrad_(Fn):
    ndims = (1,)

    def call(self, idx):
        n = int(np.prod(_shape(idx)))
        g = RowSparseGrad(idx, np.ones((n, D), np.float32), V)
        return g.to_dense()

    def reference(self, idx):
        out = np.zeros((V, D), np.float32)
        out[idx] = 1
        return out


class EmbeddingModule(Fn):
    """Embedding.forward; the module remembers the last good lookup for backward."""

    def setup(self):
        self.emb = Embedding.from_pretrained(_weight(), freeze=False)
        self.W = self.emb.weight
        self.emb([[0, 3]])  # a previous lookup that a failed call must not replace

    def state(self):
        flat, shape = self.emb._saved
        return {"W": self.W.copy(), "saved": flat.copy(), "shape": np.array(shape)}

    def call(self, idx):
        out = self.emb(idx)
        grad = self.emb.backward(np.ones(out.shape, np.float32))
        return out, grad

    def reference(self, idx):
        from reference import embedding_backward

        return self.W[idx], embedding_backward(np.ones(idx.shape + (D,), np.float32), idx, V)

    def check(self, got, want):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


class EmbeddingBagModule(Fn):
    ndims = (1, 2)

    def setup(self):
        self.bag = EmbeddingBag.from_pretrained(_weight(), freeze=False, mode="sum")
        self.W = self.bag.weight
        self.bag([[0, 3]])

    def state(self):
        idx, offsets, psw = self.bag._saved
        return {"W": self.W.copy(), "saved": idx.copy()}

    def call(self, idx):
        offsets = _bag_offsets(len(idx)) if _ndim(idx) == 1 else None
        out = self.bag(idx, offsets)
        gw, _ = self.bag.backward(np.ones(out.shape, np.float32))
        return out, gw

    def reference(self, idx):
        from reference import embedding_backward

        offsets = _bag_offsets(idx.size) if idx.ndim == 1 else None
        fwd = _bag_ref(self.W, idx, offsets)
        if idx.ndim == 1:
            bounds = offsets + [idx.size]
            # every position is in a bag: gradient is a count per row
            counts = np.bincount(idx[: bounds[-1]], minlength=V).astype(np.float32)
            return fwd, np.repeat(counts[:, None], D, axis=1)
        return fwd, embedding_backward(np.ones(idx.shape + (D,), np.float32), idx, V)

    def check(self, got, want):
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(got[1], want[1])


class VocabDecode(Fn):
    name_in_message = "ids"
    ndims = (1, 2)

    def setup(self):
        self.vocab = sd.Vocabulary([f"w{i}" for i in range(V)])

    def state(self):
        return {"tokens": np.array(self.vocab.tokens)}

    def call(self, idx):
        return self.vocab.decode(idx)

    def reference(self, idx):
        return np.array(self.vocab.tokens)[idx].tolist()

    def check(self, got, want):
        assert got == want


class VocabIdToToken(VocabDecode):
    name_in_message = "idx"
    ndims = (0,)

    def call(self, idx):
        return self.vocab.id_to_token(idx)

    def reference(self, idx):
        return self.vocab.tokens[int(idx)]


FUNCTIONS = {cls.__name__.rstrip("_"): cls for cls in [
    Embedding_, EmbeddingOut, EmbeddingMaxNorm, EmbeddingBackward, EmbeddingBackwardSparse,
    Bag2d, Bag1d, BagBackward, OneHot, IndicesToOneHot, RowSparseGrad_, EmbeddingModule,
    EmbeddingBagModule, VocabDecode, VocabIdToToken]}


def _input_snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy(), value.flags.writeable
    return repr(value), None


def _run(fn: Fn, value, outcome, ndim):
    fn.setup()
    before = fn.state()
    before_input = _input_snapshot(value)
    accepted = fn.ndims is None or ndim in fn.ndims
    if outcome == "ok" and accepted:
        got = fn.call(value)
        want = fn.reference(np.asarray(value, dtype=np.int64) if np.size(value) or
                            isinstance(value, np.ndarray) else
                            np.zeros(np.shape(value), np.int64))
        fn.check(got, want)
        if not isinstance(fn, (EmbeddingMaxNorm, EmbeddingModule, EmbeddingBagModule)):
            after = fn.state()
            for key in before:
                np.testing.assert_array_equal(after[key], before[key], err_msg=key)
    else:
        if outcome == "ok" and fn.ndims == (0,):
            exc, words = TypeError, ["one integer"]  # one id expected, an array given
        elif outcome == "ok":
            exc, words = ValueError, ["D"]  # "1-D", "2-D", "0-d"... the shape is wrong
        elif outcome[0] == "index" and accepted:
            exc, words = IndexError, [fn.name_in_message, f"= {outcome[1]}", f"{V}",
                                      f"valid: 0..{V - 1}"]
        elif outcome[0] == "type":
            exc, words = (TypeError, ValueError), [fn.name_in_message]
        else:  # out of range and of a shape the function refuses: either is fine
            exc, words = (IndexError, ValueError, TypeError), [fn.name_in_message]
        with pytest.raises(exc) as info:
            fn.call(value)
        msg = str(info.value)
        for w in words:
            assert w in msg, f"{w!r} not in {msg!r}"
        if isinstance(outcome, tuple) and outcome[0] == "type" and accepted:
            assert info.type is TypeError, msg
            assert outcome[1] in msg or (fn.ndims == (0,) and "one integer" in msg), msg
        after = fn.state()
        for key in before:
            np.testing.assert_array_equal(after[key], before[key], err_msg=key)
    snap, writeable = _input_snapshot(value)
    if isinstance(before_input[0], np.ndarray):
        np.testing.assert_array_equal(snap, before_input[0])
        assert writeable == before_input[1]
    else:
        assert snap == before_input[0]


def _base_for(fn_cls):
    ndims = fn_cls.ndims
    if ndims is None or 2 in ndims:
        return B2
    if 1 in ndims:
        return B1
    return B0


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fn_name", sorted(FUNCTIONS))
def test_index_case(fn_name, case):
    fn_cls = FUNCTIONS[fn_name]
    build, outcome = CASES[case]
    base = _base_for(fn_cls)
    if base.ndim == 0:
        if case in ("strided", "fortran", "list", "tuple"):
            pytest.skip("no such layout for one id")
        value = build(base.reshape(1))[0] if case not in ("readonly",) else _readonly(base)
        if case == "object_mixed":
            value = np.array("x", dtype=object)
        elif case == "object_float":
            value = np.array(1.5, dtype=object)
    else:
        value = build(base)
    _run(fn_cls(), value, outcome, np.ndim(value) if not isinstance(value, str) else 0)


@pytest.mark.parametrize("case", sorted(SHAPED))
@pytest.mark.parametrize("fn_name", sorted(FUNCTIONS))
def test_index_shape_case(fn_name, case):
    value = SHAPED[case]
    _run(FUNCTIONS[fn_name](), value, "ok", np.ndim(value))


@pytest.mark.parametrize("fn_name", sorted(FUNCTIONS))
def test_ragged_nested_list_is_a_value_error_naming_the_argument(fn_name):
    fn = FUNCTIONS[fn_name]()
    fn.setup()
    before = fn.state()
    with pytest.raises((ValueError, TypeError)) as info:
        fn.call([[1, 2], [3]])
    msg = str(info.value)
    assert fn.name_in_message in msg or "1-D" in msg or "one integer" in msg, msg
    after = fn.state()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


@pytest.mark.parametrize("fn_name", ["Embedding", "EmbeddingBackward", "Bag2d", "OneHot",
                                     "RowSparseGrad", "VocabDecode"])
@pytest.mark.parametrize("bad", [True, np.bool_(False), None, "3", 2.0])
def test_scalar_non_integers_are_refused(fn_name, bad):
    fn = FUNCTIONS[fn_name]()
    fn.setup()
    with pytest.raises((TypeError, ValueError)) as info:
        fn.call(bad)
    assert fn.name_in_message in str(info.value) or "D" in str(info.value)


# ------------------------------------------------------------------ offsets and bags

OFFSET_CASES = {
    "list": ([0, 2], None),
    "int8": (np.array([0, 2], np.int8), None),
    "uint64": (np.array([0, 2], np.uint64), None),
    "strided": (np.array([0, 9, 2, 9])[::2], None),
    "readonly": (_readonly(np.array([0, 2])), None),
    "empty_list": ([], None),
    "float": (np.array([0.0, 2.0]), (TypeError, "offsets")),
    "bool": (np.array([False, True]), (TypeError, "offsets")),
    "object_str": (np.array([0, "a"], dtype=object), (TypeError, "offsets")),
    "2-D": (np.array([[0, 2]]), (ValueError, "1-D")),
    "0-d": (np.array(0), (ValueError, "1-D")),
    "ragged": ([[0], [1, 2]], (ValueError, "offsets")),
    "not_from_0": ([1, 2], (ValueError, "offsets[0] = 1")),
    "decreasing": ([0, 3, 2], (ValueError, "offsets[2] = 2")),
    "negative": ([0, -1], (ValueError, "offsets[1] = -1")),
    "past_end": ([0, 6], (ValueError, "offsets[1] = 6")),
    "huge": ([0, 2**40], (ValueError, f"offsets[1] = {2**40}")),
    "uint64_huge": (np.array([0, 2**63 + 1], np.uint64), (ValueError, f"offsets[1] = {2**63 + 1}")),
}


@pytest.mark.parametrize("case", sorted(OFFSET_CASES))
@pytest.mark.parametrize("include_last_offset", [False, True])
def test_offsets_case(case, include_last_offset):
    offsets, outcome = OFFSET_CASES[case]
    W = _weight()
    before = W.copy()
    idx = np.array([1, 2, 4, 7, 9])
    if outcome is None:
        off = np.asarray(offsets, dtype=np.int64)
        if include_last_offset and off.size == 0:
            with pytest.raises(ValueError, match="offsets"):
                F.embedding_bag(idx, W, offsets, mode="sum", include_last_offset=True)
            return
        got = F.embedding_bag(idx, W, offsets, mode="sum", include_last_offset=include_last_offset)
        bounds = off.tolist() if include_last_offset else off.tolist() + [idx.size]
        want = np.stack([W[idx[a:b]].sum(axis=0) for a, b in zip(bounds[:-1], bounds[1:])]) \
            if len(bounds) > 1 else np.zeros((0, D), np.float32)
        np.testing.assert_allclose(got, want, rtol=1e-6)
    else:
        exc, word = outcome
        with pytest.raises(exc) as info:
            F.embedding_bag(idx, W, offsets, mode="sum", include_last_offset=include_last_offset)
        assert word in str(info.value), str(info.value)
        with pytest.raises(exc):
            F.embedding_bag_backward(np.ones((2, D), np.float32), idx, W, offsets, mode="sum",
                                     include_last_offset=include_last_offset)
    np.testing.assert_array_equal(W, before)


PSW_CASES = {
    "float32": (np.array([1, 2, 3, 4, 5], np.float32), None),
    "float64_strided": (np.arange(10, dtype=np.float64)[::2], None),
    "int": (np.array([1, 2, 3, 4, 5]), None),
    "list": ([1.0, 0.5, 2.0, 1.0, 3.0], None),
    "readonly": (_readonly(np.array([1.0, 2, 3, 4, 5])), None),
    "nan": (np.array([np.nan, 1, 1, 1, 1.0]), None),
    "wrong_length": (np.ones(4), (ValueError, "per_sample_weights has shape (4,)")),
    "2-D": (np.ones((1, 5)), (ValueError, "per_sample_weights has shape (1, 5)")),
    "bool": (np.ones(5, bool), (TypeError, "per_sample_weights")),
    "complex": (np.ones(5, complex), (TypeError, "per_sample_weights")),
    "ragged": ([[1.0], [1.0, 2.0]], (ValueError, "per_sample_weights")),
    "sparse": ("sparse", (TypeError, "per_sample_weights")),
}


@pytest.mark.parametrize("case", sorted(PSW_CASES))
@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_per_sample_weights_case(case, mode):
    psw, outcome = PSW_CASES[case]
    if isinstance(psw, str):
        psw = sp.csr_matrix(np.ones((1, 5)))
    W = _weight()
    before = W.copy()
    idx = np.array([1, 2, 4, 7, 9])
    offsets = [0, 2]
    if outcome is None:
        got = F.embedding_bag(idx, W, offsets, mode=mode, per_sample_weights=psw)
        from reference import embedding_bag

        want = embedding_bag(idx, W, offsets, mode=mode, per_sample_weights=np.asarray(psw))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, equal_nan=True)
        gw, gs = F.embedding_bag_backward(np.ones((2, D), np.float32), idx, W, offsets,
                                          mode=mode, per_sample_weights=psw)
        assert gs.shape == idx.shape
    else:
        exc, word = outcome
        with pytest.raises(exc) as info:
            F.embedding_bag(idx, W, offsets, mode=mode, per_sample_weights=psw)
        assert word in str(info.value), str(info.value)
    np.testing.assert_array_equal(W, before)


def test_empty_list_bag_then_backward():
    """``[]`` (a float64 array for numpy) is empty integers for a module, forward and back."""
    bag = EmbeddingBag.from_pretrained(_weight(), freeze=False, mode="sum")
    out = bag([], offsets=[0])
    np.testing.assert_array_equal(out, np.zeros((1, D), np.float32))
    gw, _ = bag.backward(np.ones((1, D), np.float32))
    np.testing.assert_array_equal(gw, np.zeros((V, D), np.float32))


# ---------------------------------------------------------------------------
# an index out of range leaves out= and the table unchanged


from reference import bit_identical as _same  # noqa: E402


@pytest.mark.parametrize("bad", [10, -1])
def test_embedding_out_of_range_leaves_out_and_weight(bad):
    W = np.arange(30, dtype=np.float32).reshape(10, 3)
    W_before = W.copy()
    idx = np.array([[1, 2, 4], [5, bad, 0]])
    out = np.full(idx.shape + (3,), -123.5, dtype=np.float32)
    with pytest.raises(IndexError) as info:
        F.embedding(idx, W, out=out)
    assert f"indices[1, 1] = {bad}" in str(info.value), str(info.value)
    assert np.all(out == -123.5)
    assert _same(W, W_before)
    # also with max_norm (which would otherwise rescale rows of W in place)
    with pytest.raises(IndexError):
        F.embedding(idx, W, max_norm=1.0, out=out)
    assert np.all(out == -123.5)
    assert _same(W, W_before)
