"""cooccurrence_matrix: exact equality with plain-Python nested loops, chunking, bad input.

The nested-loop reference (exact Fractions) is also checked against generated
corpora, windows, weightings, symmetry, chunk sizes and dtypes (hypothesis).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sparsedense import Vocabulary
from sparsedense.models import cooccurrence_matrix


# -- references -----------------------------------------------------------------
def naive_cooccurrence(sentences, words, window, weighting="harmonic", symmetric=True):
    """Nested loops over the tokens: exact sums (Fractions), unknown words dropped first."""
    index = {w: i for i, w in enumerate(words)}
    n = len(words)
    C = [[Fraction(0)] * n for _ in range(n)]
    for sentence in sentences:
        ids = [index[t] for t in sentence if t in index]
        for t in range(len(ids)):
            for u in range(len(ids)):
                d = abs(t - u)
                if d == 0 or d > window or (u > t and not symmetric):
                    continue
                C[ids[t]][ids[u]] += Fraction(1, d) if weighting == "harmonic" else 1
    return C


def as_dense(C, dtype):
    return np.array([[float(x) for x in row] for row in C], dtype=np.float64).astype(dtype)


def shifted_slices_cooccurrence(ids, ends, n_words, window, weighting, symmetric):
    """The vectorised numpy/scipy reference: pairs by shifted slices, summed by scipy (exact ints)."""
    L = math.lcm(*range(1, window + 1)) if weighting == "harmonic" else 1
    sent = np.repeat(np.arange(len(ends)), np.diff(np.concatenate(([0], ends))))
    rows, cols, vals = [], [], []
    for d in range(1, window + 1):
        same = sent[d:] == sent[:-d]
        right, left = ids[d:][same], ids[:-d][same]  # left precedes right
        w = L // d if weighting == "harmonic" else 1
        rows.append(right)
        cols.append(left)
        vals.append(np.full(right.shape[0], w, np.int64))
        if symmetric:
            rows.append(left)
            cols.append(right)
            vals.append(np.full(right.shape[0], w, np.int64))
    M = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_words, n_words)).tocsr()
    M.sum_duplicates()
    return M, L


def random_sentences(rng, n_sentences, n_types=8, max_len=12):
    words = [f"w{i}" for i in range(n_types)]
    p = 1.0 / np.arange(1, n_types + 1)
    p /= p.sum()
    out = []
    for _ in range(n_sentences):
        n = int(rng.integers(0, max_len + 1))
        out.append([words[i] for i in rng.choice(n_types, size=n, p=p)])
    out.append(["w0"])  # a one-word sentence
    out.append(["w1", "w1", "w1", "w1"])  # repeated words
    out.append([])
    return out


# -- exactness ------------------------------------------------------------------
@pytest.mark.parametrize("weighting", ["harmonic", "uniform"])
@pytest.mark.parametrize("symmetric", [True, False])
def test_equals_nested_loops_for_every_window(weighting, symmetric):
    rng = np.random.default_rng(0)
    sentences = random_sentences(rng, 25)
    for window in range(1, 11):
        C, vocab = cooccurrence_matrix(sentences, window=window, weighting=weighting,
                                       symmetric=symmetric, min_count=1)
        ref = naive_cooccurrence(sentences, vocab.tokens, window, weighting, symmetric)
        assert C.dtype == np.float32
        np.testing.assert_array_equal(C.toarray(), as_dense(ref, np.float32))
        assert C.has_canonical_format and (C.data != 0).all()
        if symmetric:
            assert (C != C.T).nnz == 0


@pytest.mark.parametrize("chunk_words", [1, 2, 3, 7, 20, 1000])
def test_one_chunk_or_many_give_the_same_matrix(chunk_words):
    rng = np.random.default_rng(1)
    sentences = random_sentences(rng, 60, n_types=15)
    for weighting, symmetric in (("harmonic", True), ("uniform", False)):
        kw = dict(window=4, weighting=weighting, symmetric=symmetric, min_count=1,
                  dtype=np.float64)
        one, _ = cooccurrence_matrix(sentences, **kw)
        many, vocab = cooccurrence_matrix(sentences, chunk_words=chunk_words, **kw)
        ref = naive_cooccurrence(sentences, vocab.tokens, 4, weighting, symmetric)
        np.testing.assert_array_equal(one.toarray(), as_dense(ref, np.float64))
        np.testing.assert_array_equal(many.toarray(), one.toarray())


def test_sentence_boundaries_are_respected():
    C, vocab = cooccurrence_matrix([["a", "b"], ["c", "d"]], window=10, min_count=1)
    i = vocab.token_to_id
    assert C[i("b"), i("c")] == 0 and C[i("a"), i("d")] == 0
    assert C[i("a"), i("b")] == 1 and C[i("c"), i("d")] == 1
    C, _ = cooccurrence_matrix([["a"], ["b"], ["a"]], window=3, min_count=1)
    assert C.nnz == 0 and C.shape == (2, 2)


def test_asymmetric_counts_the_left_context():
    C, vocab = cooccurrence_matrix([["x", "y", "z"]], window=2, symmetric=False, min_count=1)
    i = vocab.token_to_id
    assert C[i("y"), i("x")] == 1 and C[i("x"), i("y")] == 0
    assert C[i("z"), i("x")] == 0.5 and C[i("z"), i("y")] == 1


def test_unknown_words_are_dropped_before_windowing():
    # 'rare' is below min_count: 'a' and 'b' become neighbours (GloVe's cooccur does the same)
    sentences = [["a", "rare", "b"]] + [["a", "b"]] * 2
    C, vocab = cooccurrence_matrix(sentences, window=1, min_count=2)
    assert vocab.tokens == ["a", "b"]
    assert C[0, 1] == 3


def test_given_vocabulary_fixes_rows_and_keeps_zero_rows():
    sentences = [["a", "b", "c"], ["c", "b"]]
    C, vocab = cooccurrence_matrix(sentences, vocabulary=["c", "zzz", "a"], window=2)
    assert vocab.tokens == ["c", "zzz", "a"]
    ref = naive_cooccurrence(sentences, ["c", "zzz", "a"], 2)
    np.testing.assert_array_equal(C.toarray(), as_dense(ref, np.float32))
    assert C[1].nnz == 0
    C2, vocab2 = cooccurrence_matrix(sentences, vocabulary=vocab, window=2)
    assert vocab2 is vocab and (C2 != C).nnz == 0


def test_corpus_file_equals_sentences(tmp_path):
    rng = np.random.default_rng(2)
    sentences = [s for s in random_sentences(rng, 40, n_types=12) if s]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf-8")
    for first in (str(path), path):
        C_file, v_file = cooccurrence_matrix(first, window=3, min_count=2, chunk_words=5)
        C_list, v_list = cooccurrence_matrix(sentences, window=3, min_count=2)
        assert v_file.tokens == v_list.tokens
        np.testing.assert_array_equal(C_file.toarray(), C_list.toarray())
    C_file, _ = cooccurrence_matrix(path, vocabulary=v_list, window=3)
    np.testing.assert_array_equal(C_file.toarray(), C_list.toarray())


def test_min_count_and_vocabulary_order():
    sentences = [["b", "a", "a", "c"], ["a", "b"]]
    _, vocab = cooccurrence_matrix(sentences, min_count=2)
    assert vocab.tokens == ["a", "b"]
    assert list(vocab.counts) == [3, 2]


def test_large_corpus_parallel_path_exact_and_thread_independent():
    """Enough pairs for the parallel kernels; equals the vectorised scipy reference exactly."""
    rng = np.random.default_rng(3)
    n_types = 300
    p = 1.0 / np.arange(1, n_types + 1)
    ids = rng.choice(n_types, size=30000, p=p / p.sum())
    ends = np.unique(np.concatenate((rng.integers(1, 30000, 2000), [30000])))
    words = [f"t{i}" for i in range(n_types)]
    sentences = [[words[i] for i in ids[a:b]] for a, b in zip(np.concatenate(([0], ends[:-1])),
                                                              ends)]
    vocab = Vocabulary(words, unk_token=None, pad_token=None)
    before = numba.get_num_threads()
    try:
        for weighting, symmetric in (("harmonic", True), ("uniform", False)):
            ref, L = shifted_slices_cooccurrence(ids, ends, n_types, 10, weighting, symmetric)
            expected = (ref.toarray().astype(np.float64) / L).astype(np.float32)
            results = []
            for threads in (1, before):
                numba.set_num_threads(threads)
                for chunk in (None, 7000):
                    C, _ = cooccurrence_matrix(sentences, vocabulary=vocab, window=10,
                                               weighting=weighting, symmetric=symmetric,
                                               chunk_words=chunk)
                    results.append(C)
            for C in results:
                np.testing.assert_array_equal(C.toarray(), expected)
                assert np.array_equal(C.indices, results[0].indices)
    finally:
        numba.set_num_threads(before)


def test_wide_harmonic_window_sums_in_float64():
    rng = np.random.default_rng(4)
    sentences = random_sentences(rng, 30, n_types=6, max_len=30)
    C, vocab = cooccurrence_matrix(sentences, window=25, min_count=1, dtype=np.float64)
    ref = naive_cooccurrence(sentences, vocab.tokens, 25)
    np.testing.assert_allclose(C.toarray(), as_dense(ref, np.float64), rtol=1e-14)
    C2, _ = cooccurrence_matrix(sentences, window=25, min_count=1, dtype=np.float64)
    assert np.array_equal(C.data, C2.data)


@pytest.mark.parametrize("weighting", ["harmonic", "uniform"])
def test_a_window_beyond_every_sentence_is_the_longest_sentence(weighting):
    """No pair is farther apart than a sentence is long: a window of a billion (an 8 GB
    weight table before) or a million (the lcm of a million numbers: a hang) gives the
    matrix of a window as long as the longest sentence, to the bit, at once."""
    rng = np.random.default_rng(6)
    sentences = random_sentences(rng, 40, n_types=7, max_len=30)
    want, _ = cooccurrence_matrix(sentences, window=30, min_count=1, weighting=weighting,
                                  dtype=np.float64, chunk_words=50)
    for window in (10**6, 10**9, 2**62):
        got, _ = cooccurrence_matrix(sentences, window=window, min_count=1,
                                     weighting=weighting, dtype=np.float64, chunk_words=50)
        np.testing.assert_array_equal(got.toarray(), want.toarray())


def test_dtype_float64():
    C, _ = cooccurrence_matrix([["a", "b", "c", "d"]], window=3, min_count=1, dtype="float64")
    assert C.dtype == np.float64
    assert C[0, 3] == 1 / 3


# -- bad input ------------------------------------------------------------------
SENTENCES = [["a", "b", "c"], ["a", "c"]]


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(window=0), ValueError, ["window", "0"]),
    (dict(window=-3), ValueError, ["window", "-3"]),
    (dict(window=2.5), TypeError, ["window", "2.5"]),
    (dict(window=True), TypeError, ["window", "True"]),
    (dict(weighting="gaussian"), ValueError, ["weighting", "'gaussian'"]),
    (dict(weighting=None), TypeError, ["weighting", "None"]),
    (dict(symmetric="yes"), TypeError, ["symmetric", "'yes'"]),
    (dict(min_count=0), ValueError, ["min_count", "0"]),
    (dict(dtype=np.int32), TypeError, ["dtype"]),
    (dict(chunk_words=0), ValueError, ["chunk_words", "0"]),
    (dict(vocabulary="abc"), TypeError, ["vocabulary", "str"]),
    (dict(vocabulary=["a", 3]), TypeError, ["vocabulary[1]", "int"]),
    (dict(vocabulary=["a", "a"]), ValueError, ["vocabulary", "'a'"]),
])
def test_bad_parameters(kwargs, exc, words):
    with pytest.raises(exc) as info:
        cooccurrence_matrix(SENTENCES, **kwargs)
    for w in words:
        assert w in str(info.value)
    assert "cooccurrence_matrix" in str(info.value)


def test_empty_corpus_and_nothing_reaching_min_count(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        cooccurrence_matrix([[], []])
    with pytest.raises(ValueError, match="min_count=5"):
        cooccurrence_matrix(SENTENCES)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty"):
        cooccurrence_matrix(empty, min_count=1)
    with pytest.raises(FileNotFoundError, match="no such file"):
        cooccurrence_matrix(str(tmp_path / "missing.txt"))


def test_bad_corpus_types():
    with pytest.raises(TypeError, match="one-shot iterator"):
        cooccurrence_matrix(iter(SENTENCES), min_count=1)
    with pytest.raises(TypeError, match=r"sentences\[1\]"):
        cooccurrence_matrix([["a"], "b c"], min_count=1)
    with pytest.raises(TypeError, match=r"sentences\[0\]\[1\]"):
        cooccurrence_matrix([["a", 1]], min_count=1)


def test_the_callers_sentences_are_unchanged():
    sentences = [["a", "b"], ("b", "a", "c")]
    copy = [list(s) for s in sentences]
    cooccurrence_matrix(sentences, min_count=1)
    assert [list(s) for s in sentences] == copy


# -- property-based: generated corpora (hypothesis) ----------------------------

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=[HealthCheck.too_slow])

WORDS = ["a", "b", "c", "d", "e", "예금", "x"]
sentences = st.lists(st.lists(st.sampled_from(WORDS), min_size=0, max_size=14),
                     min_size=1, max_size=12)


@SETTINGS
@given(corpus=sentences, window=st.integers(1, 10),
       weighting=st.sampled_from(["harmonic", "uniform"]), symmetric=st.booleans(),
       chunk=st.sampled_from([None, 1, 3, 17]), dtype=st.sampled_from([np.float32, np.float64]),
       known=st.integers(2, len(WORDS)))
def test_cooccurrence_equals_nested_loops(corpus, window, weighting, symmetric, chunk, dtype,
                                          known):
    words = WORDS[:known]  # the others are unknown: dropped before windowing
    vocab = Vocabulary(words, unk_token=None, pad_token=None)
    C, got_vocab = cooccurrence_matrix(corpus, vocabulary=vocab, window=window,
                                       weighting=weighting, symmetric=symmetric, dtype=dtype,
                                       chunk_words=chunk, progress=False)
    assert list(got_vocab) == words and C.dtype == dtype and C.shape == (known, known)
    expected = as_dense(naive_cooccurrence(corpus, words, window, weighting, symmetric), dtype)
    if weighting == "uniform" or dtype == np.float64:
        np.testing.assert_array_equal(C.toarray(), expected)
    else:  # harmonic sums rounded once to float32 from an exact sum
        np.testing.assert_allclose(C.toarray(), expected, rtol=1e-6)
    assert C.has_canonical_format and (C.data != 0).all()
