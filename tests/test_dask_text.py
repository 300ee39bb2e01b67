"""The vectorizers of sparsedense.dask (dask/_text.py) on a real cluster (2 worker processes).

Fitted over a bag of documents (or files, a dask dataframe series, a list),
they equal the single-machine vectorizers on the same documents: vocabulary,
idf and matrix; a bad document names its partition and changes nothing.
"""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("distributed")

import dask  # noqa: E402

import sparsedense as sd  # noqa: E402
import sparsedense.dask as sdd  # noqa: E402

from test_dask_graph import assert_known_chunks, assert_same_csr, bag_of  # noqa: E402


@pytest.fixture(scope="module")
def docs(sample_docs):
    # the sample corpus plus documents that make empty rows and repeated words
    return sample_docs + ["", "the the the", "예금 예금 적금"]


def test_hashing_blocks_equal_single_machine(client, docs):
    bag = bag_of(docs)
    X = sdd.HashingVectorizer(n_features=2**12).transform(bag)
    assert_known_chunks(X, len(docs))
    assert sp.issparse(X._meta) and X._meta.dtype == X.dtype == np.float64
    blocks = client.compute(X.to_delayed().ravel().tolist(), sync=True)
    start = 0
    single = sd.HashingVectorizer(n_features=2**12)
    for block, rows in zip(blocks, X.chunks[0]):
        assert_same_csr(block, single.transform(docs[start:start + rows]))
        start += rows
    assert_same_csr(X.compute(), single.transform(docs))


@pytest.mark.parametrize("params", [
    {},
    {"min_df": 2, "max_df": 0.5},
    {"max_features": 40},  # many ties in the total counts at the cut
    {"max_features": 25, "binary": True, "ngram_range": (1, 2)},
    {"analyzer": "char_wb", "ngram_range": (2, 3), "min_df": 3},
    {"stop_words": "english", "min_df": 0.01},
])
def test_count_fit_transform_equals_single_machine(client, docs, params):
    cv = sdd.CountVectorizer(**params)
    X = cv.fit_transform(bag_of(docs))
    assert_known_chunks(X, len(docs))
    single = sd.CountVectorizer(**params)
    want = single.fit_transform(docs)
    assert cv.vocabulary_ == single.vocabulary_
    assert cv.stop_words_ == single.stop_words_
    assert_same_csr(X.compute(), want)


@pytest.mark.parametrize("params", [
    {},
    {"sublinear_tf": True, "norm": "l1", "min_df": 2},
    {"max_features": 50, "smooth_idf": False},
    {"dtype": np.float32, "max_df": 0.3},
    {"use_idf": False},
])
def test_tfidf_fit_transform_equals_single_machine(client, docs, params):
    tv = sdd.TfidfVectorizer(**params)
    X = tv.fit_transform(bag_of(docs, 5), split_every=2)
    single = sd.TfidfVectorizer(**params)
    want = single.fit_transform(docs)
    assert tv.vocabulary_ == single.vocabulary_
    if single.use_idf:
        assert tv.idf_.dtype == single.idf_.dtype
        np.testing.assert_array_equal(tv.idf_, single.idf_)
    assert_same_csr(X.compute(), want, atol=1e-12)
    # the fitted estimator is an ordinary sparsedense vectorizer
    local = tv.to_local()
    assert type(local) is sd.TfidfVectorizer
    assert_same_csr(local.transform(docs), single.transform(docs))


def test_fixed_vocabulary_tfidf(client, docs):
    vocab = ["bank", "rain", "savings", "the", "예금"]
    tv = sdd.TfidfVectorizer(vocabulary=vocab).fit(bag_of(docs))
    single = sd.TfidfVectorizer(vocabulary=vocab).fit(docs)
    np.testing.assert_array_equal(tv.idf_, single.idf_)
    assert_same_csr(tv.transform(bag_of(docs, 3)).compute(), single.transform(docs))


def test_inputs_series_files_glob_gz_and_list(client, docs, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    single = sd.TfidfVectorizer().fit(docs)
    want = single.transform(docs)
    # one document per line, split over a plain and a gzipped file
    half = len(docs) // 2
    (tmp_path / "a.txt").write_text("\n".join(docs[:half]) + "\n", encoding="utf-8")
    with gzip.open(tmp_path / "b.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("\r\n".join(docs[half:]) + "\r\n")
    series = dd.from_pandas(pd.Series(docs, dtype=object), npartitions=4)
    inputs = {"series": series, "glob": str(tmp_path / "*.txt*"),
              "paths": [tmp_path / "a.txt", tmp_path / "b.txt.gz"], "list": docs}
    for kind, value in inputs.items():
        tv = sdd.TfidfVectorizer()
        X = tv.fit_transform(value)
        assert tv.vocabulary_ == single.vocabulary_, kind
        np.testing.assert_array_equal(tv.idf_, single.idf_)
        assert_known_chunks(X, len(docs))
        assert_same_csr(X.compute(), want, atol=1e-12)


def test_local_processes_scheduler(docs):
    with dask.config.set(scheduler="processes", num_workers=2):
        cv = sdd.CountVectorizer(min_df=2).fit(bag_of(docs, 4))
        X = cv.transform(docs).compute()
    single = sd.CountVectorizer(min_df=2)
    want = single.fit_transform(docs)
    assert cv.vocabulary_ == single.vocabulary_
    assert_same_csr(X, want)


def test_bad_document_names_its_partition_and_changes_nothing(client, docs):
    cv = sdd.CountVectorizer().fit(docs[:10])
    before = dict(cv.vocabulary_)
    bad = docs[:30] + [None] + docs[30:40]
    with pytest.raises(TypeError, match=r"in partition \d+ of the documents: "
                                        r"raw_documents\[\d+\] is NoneType None"):
        cv.fit(bag_of(bad, 4))
    assert cv.vocabulary_ == before


def test_partition_errors_are_new_objects_of_the_same_kind():
    """Raised ``from exc``, the error must never be ``exc`` itself (a cycle of causes that
    distributed's error report follows forever; a document error of a TypeError subclass
    once hung a worker this way)."""
    from sparsedense.dask._text import _in_partition
    from sparsedense._base.errors import DocumentTypeError

    for exc in (TypeError("t"), ValueError("v"), DocumentTypeError("d"),
                UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")):
        new = _in_partition(exc, 3)
        assert new is not exc
        assert str(new).startswith("in partition 3 of the documents: ")
        assert isinstance(new, TypeError if isinstance(exc, TypeError) else ValueError)
    assert type(_in_partition(DocumentTypeError("d"), 0)) is DocumentTypeError


def test_partial_fit_over_collections_equals_fit(client, docs):
    """Dask partial_fit: each collection by a tree, merged; idf_ as one fit of them all."""
    terms = sorted(sd.TfidfVectorizer(min_df=2).fit(docs).vocabulary_)
    parts = [docs[:7], docs[7:8], docs[8:]]
    vec = sdd.TfidfVectorizer(vocabulary=terms, sublinear_tf=True)
    for part in parts:
        assert vec.partial_fit(bag_of(part, 2)) is vec
    want = sd.TfidfVectorizer(vocabulary=terms, sublinear_tf=True).fit(docs)
    assert vec.idf_.tobytes() == want.idf_.tobytes()
    assert_same_csr(vec.to_local().transform(docs), want.transform(docs))
    # a fit's statistics are added to as well
    again = sdd.TfidfVectorizer(vocabulary=terms).fit(bag_of(docs, 3))
    again.partial_fit(bag_of(docs[:4], 1))
    assert again.idf_.tobytes() == sd.TfidfVectorizer(vocabulary=terms).fit(
        docs + docs[:4]).idf_.tobytes()
    counts = sdd.CountVectorizer(vocabulary=terms).partial_fit(bag_of(docs, 2))
    assert counts.vocabulary_ == {t: i for i, t in enumerate(terms)}


def test_partial_fit_without_a_vocabulary_is_refused_before_any_work(client, docs):
    vec = sdd.TfidfVectorizer(min_df=2)
    with pytest.raises(ValueError, match="partial_fit needs a fixed vocabulary"):
        vec.partial_fit(bag_of(docs, 2))
    assert not hasattr(vec, "vocabulary_")
