"""Feature extraction of the vectorizers (text/_extract.py): tokens, chunks, hashing, lookup.

Against plain references (tests/reference.py, ``re``) and against the general
path: the fast tokenizer, chunked extraction, hashing straight from code points,
ASCII chunks lowercased at once, and the fixed-vocabulary lookup table.
"""

import numpy as np
import pytest
import sklearn.feature_extraction.text as sk
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from sparsedense import CountVectorizer
from sparsedense.text import _extract

from test_text_sklearn_parity import assert_same_matrix

SETTINGS = settings(max_examples=80, deadline=None)


TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@SETTINGS
@given(st.lists(TEXT, max_size=8), st.sampled_from([1, 2]))
def test_fast_tokenizer_matches_re(docs, min_len):
    state = _extract._FastWordFeatures((1, 1), None, min_len)
    ids, offsets, _ = state.chunk("".join(docs), np.array([len(d) for d in docs], np.int64))
    texts = state.features()
    for d, doc in enumerate(docs):
        got = [texts[i] for i in ids[offsets[d]:offsets[d + 1]]]
        assert got == reference.word_runs(doc, min_len)


@pytest.mark.parametrize("name", ["CountVectorizer", "TfidfVectorizer", "HashingVectorizer"])
@pytest.mark.parametrize("kwargs", [{}, {"ngram_range": (1, 2), "stop_words": "english"},
                                    {"analyzer": "char_wb", "ngram_range": (2, 3)},
                                    {"ngram_range": (1, 3)}])
def test_chunked_extraction_equals_one_chunk(monkeypatch, name, kwargs):
    import sparsedense
    from sparsedense.data import load_sample_corpus

    docs = load_sample_corpus().texts
    whole = getattr(sparsedense, name)(**kwargs).fit_transform(docs)
    monkeypatch.setattr(_extract, "CHUNK_SIZE", 7)
    chunked = getattr(sparsedense, name)(**kwargs).fit_transform(iter(docs))
    assert whole.shape == chunked.shape
    assert np.array_equal(whole.indptr, chunked.indptr)
    assert np.array_equal(whole.indices, chunked.indices)
    assert np.array_equal(whole.data, chunked.data)


HASH_DOCS = [
    "deposit savings deposit", "", "예금 적금 주택대출 예금", "x 😀 y😀z 𝔘𝔫𝔦 ab",
    "caf\u00e9 cafe\u0301 na\u00efve \u00c5ngstr\u00f6m", "lone \ud800 surrogate \udfff\ud83d",
    "a b c d e f g h", "tab\tnew\nline  spaces", "ß ẞ ǅ ﬁ", "\x00nul\x00 byte",
    # rows long enough for the bucketed sort (repeats: duplicates) and for the quicksort
    " ".join(f"w{i % 37}" for i in range(300)), " ".join(str(i) for i in range(5000)),
]


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 3), (2, 4), (3, 3)])
@pytest.mark.parametrize("n_features", [1, 5, 2**20])
@pytest.mark.parametrize("alternate_sign", [True, False])
@pytest.mark.parametrize("token_pattern", [r"(?u)\b\w\w+\b", r"\b\w+\b"])
def test_direct_hashing_equals_hashing_distinct_features(ngram_range, n_features,
                                                          alternate_sign, token_pattern):
    """Hashing tokens from code points == hashing each distinct feature string.

    Covers 1- to 4-byte UTF-8 (Hangul, emoji, astral letters), lone surrogates
    (hashed as 'surrogatepass' bytes, which scikit-learn cannot encode), NUL,
    n-grams across several lengths, collisions down to a single column
    (signed sums, zeros kept), and rows of every length the per-row key sort
    handles differently (insertion, bucketed, quicksort).
    """
    from sparsedense import HashingVectorizer

    hv = HashingVectorizer(ngram_range=ngram_range, n_features=n_features, norm=None,
                           alternate_sign=alternate_sign, token_pattern=token_pattern)
    direct = _extract.extract_hashed(hv, HASH_DOCS, n_features, alternate_sign)
    general = hv._hash_local_counts(_extract.extract_counts(hv, HASH_DOCS))
    for a, b in zip(direct, general):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert direct[1].size > 0


@pytest.mark.parametrize("kwargs", [{}, {"lowercase": False}, {"strip_accents": "unicode"},
                                    {"strip_accents": "ascii", "ngram_range": (1, 2)},
                                    {"strip_accents": lambda s: s.replace("A", "b")}])
@pytest.mark.parametrize("name", ["CountVectorizer", "HashingVectorizer"])
def test_ascii_chunks_lowered_at_once_match_scikit_learn(monkeypatch, kwargs, name):
    """Chunks of ASCII str documents are lowercased in one call; others one by one.

    Chunks of three: all-ASCII ones, one with a non-ASCII document, one with
    bytes (decoded first): the same matrix as scikit-learn's either way.
    """
    import sklearn.feature_extraction.text as sk

    import sparsedense

    monkeypatch.setattr(_extract, "CHUNK_SIZE", 3)
    docs = ["Deposit SAVINGS", "Rain and Snow", "MiXeD CaSe words", "Café AU lait", "plain",
            b"BYTES Doc", "ASCII again", "THE END", "x"]
    ours = getattr(sparsedense, name)(**kwargs).fit_transform(docs)
    theirs = getattr(sk, name)(**kwargs).fit_transform(docs)
    assert (abs(ours - theirs) > 1e-12).nnz == 0


def test_bad_document_position_across_ascii_chunks(monkeypatch):
    import sparsedense

    monkeypatch.setattr(_extract, "CHUNK_SIZE", 3)
    docs = ["a b", "c d", "e f", "g h", 17, "i j"]
    for cls in (sparsedense.CountVectorizer, sparsedense.HashingVectorizer):
        with pytest.raises(TypeError, match=r"raw_documents\[4\] is int"):
            cls().fit_transform(docs)


@pytest.mark.parametrize("token_pattern", [r"(?u)\b\w\w+\b", r"\b\w+\b"])
def test_fixed_vocabulary_lookup_equals_remapped_counts(token_pattern):
    """Looking tokens up in the vocabulary's table == interning, counting, remapping.

    The vocabulary holds words the documents use, words they never use, words
    the tokenizer cannot produce (a space, a single letter for \\w\\w+), a lone
    surrogate, Hangul and emoji; the unknown-token counts agree too.
    """
    from sparsedense import CountVectorizer

    vocab = {w: i for i, w in enumerate(
        ["savings", "예금", "x", "two words", "never", "\ud800", "deposit", "w3", "byte",
         "😀", "a", "café"])}
    docs = HASH_DOCS + ["café deposit deposit never 예금"]
    cv = CountVectorizer(vocabulary=vocab, token_pattern=token_pattern)
    cv._validate_vocabulary()
    table = _extract.vocabulary_lookup(cv.vocabulary_)
    assert table is not None and len(table) == len(vocab)
    indptr, indices, data, unknown, total = _extract.extract_fixed(cv, docs, table)
    local = _extract.extract_counts(cv, docs)
    new_col = np.array([vocab.get(f, -1) for f in local.features], dtype=np.int64)
    from sparsedense.text._count import remap_counts

    ref = remap_counts(local, new_col, len(vocab), np.int64)
    np.testing.assert_array_equal(indptr, ref.indptr)
    np.testing.assert_array_equal(indices, ref.indices)
    np.testing.assert_array_equal(data, ref.data)
    assert total == int(local.data.sum())
    assert unknown == int(local.data[new_col[local.indices] < 0].sum())
    assert data.sum() > 0


def test_vocabulary_lookup_is_rebuilt_for_another_vocabulary():
    a = {"alpha": 0, "beta": 1}
    b = {"beta": 0, "alpha": 1}
    from sparsedense import CountVectorizer

    cv = CountVectorizer(vocabulary=a).fit(["x"])
    ta = cv._vocabulary_table()  # kept by the estimator, not in a module-level registry
    assert cv._vocabulary_table() is ta
    cv.set_params(vocabulary=b).fit(["x"])
    tb = cv._vocabulary_table()
    assert ta is not tb and not hasattr(_extract, "_LOOKUPS")
    X = cv.transform(["alpha alpha beta"])
    assert X.toarray().tolist() == [[1, 2]]
    import pickle

    assert "_vocabulary_table_" not in vars(pickle.loads(pickle.dumps(cv)))
    assert _extract.vocabulary_lookup({1: 0}) is None  # not str keys: the general path


def test_fast_word_path_matches_regex_on_all_bmp_word_boundaries():
    """Every BMP code point as a separator or inside a token tokenizes like ``re``."""
    rng = np.random.default_rng(7)
    code_points = [c for c in range(0x20, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    chars = [chr(c) for c in code_points]
    rng.shuffle(chars)
    docs = ["ab" + "".join(chars[i:i + 40]) + "cd" for i in range(0, len(chars), 40)]
    for params in ({}, {"token_pattern": r"\b\w+\b"}, {"lowercase": False}):
        ours = CountVectorizer(**params)
        theirs = sk.CountVectorizer(**params)
        assert_same_matrix(ours.fit_transform(docs), theirs.fit_transform(docs))
        assert ours.vocabulary_ == theirs.vocabulary_
