"""Trainers read a ``corpus_file`` plain or compressed (.gz, .bz2, .xz) alike.

Every trainer opens a corpus file through ``_base.files.open_binary`` (the
compression chosen by the suffix, as every other reader of the library), so
the compressed copies of one corpus give exactly the vectors, matrices and
vocabularies of the plain file -- and of the same sentences given as lists.
"""

from __future__ import annotations

import bz2
import gzip
import lzma

import numpy as np
import pytest

from sparsedense.models import PPMISVD, GloVe, Word2Vec, cooccurrence_matrix

#: suffix -> module that compresses the copy ("" is the plain file)
COMPRESSIONS = {"": None, ".gz": gzip, ".bz2": bz2, ".xz": lzma}
SUFFIXES = list(COMPRESSIONS)


def _sentences(seed: int = 0, n_sentences: int = 300) -> list[list[str]]:
    """A small corpus with a skewed vocabulary (some words below min_count)."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(40)] + ["예금", "적금"]
    p = 1.0 / np.arange(1, len(words) + 1)
    p /= p.sum()
    return [[words[j] for j in rng.choice(len(words), size=int(rng.integers(2, 12)), p=p)]
            for _ in range(n_sentences)]


SENTENCES = _sentences()


@pytest.fixture(scope="module")
def corpus_files(tmp_path_factory):
    """suffix -> path of one corpus, written plain and in every compression."""
    directory = tmp_path_factory.mktemp("corpus")
    data = ("\n".join(" ".join(s) for s in SENTENCES) + "\n").encode("utf-8")
    paths = {}
    for suffix, module in COMPRESSIONS.items():
        path = directory / f"corpus.txt{suffix}"
        path.write_bytes(data if module is None else module.compress(data))
        paths[suffix] = path
    assert len({p.read_bytes() for p in paths.values()}) == len(paths)  # really compressed
    return paths


@pytest.fixture(scope="module")
def word2vec_from_sentences():
    return Word2Vec(SENTENCES, vector_size=8, min_count=2, epochs=2, seed=3)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_word2vec_same_vectors_from_every_compression(corpus_files, word2vec_from_sentences,
                                                      suffix):
    expected = word2vec_from_sentences
    model = Word2Vec(corpus_file=corpus_files[suffix], vector_size=8, min_count=2, epochs=2,
                     seed=3)
    assert model.wv.index_to_key == expected.wv.index_to_key
    assert model.corpus_total_words == expected.corpus_total_words
    assert model.corpus_count == expected.corpus_count
    np.testing.assert_array_equal(model.wv.vectors, expected.wv.vectors)
    np.testing.assert_array_equal(model.syn1neg, expected.syn1neg)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_word2vec_build_vocab_with_max_vocab_size_reads_every_compression(corpus_files, suffix):
    """max_vocab_size counts the file line by line in Python: the other reading path."""
    expected = Word2Vec(vector_size=8, min_count=1, max_vocab_size=20)
    expected.build_vocab(SENTENCES)
    model = Word2Vec(vector_size=8, min_count=1, max_vocab_size=20)
    model.build_vocab(corpus_file=corpus_files[suffix])
    assert model.wv.index_to_key == expected.wv.index_to_key
    np.testing.assert_array_equal(model._counts, expected._counts)


@pytest.fixture(scope="module")
def cooccurrences_from_sentences():
    return cooccurrence_matrix(SENTENCES, window=3, min_count=2, progress=False)


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("as_str", [False, True])
def test_cooccurrence_matrix_same_from_every_compression(corpus_files,
                                                         cooccurrences_from_sentences, suffix,
                                                         as_str):
    path = corpus_files[suffix]
    C, vocab = cooccurrence_matrix(str(path) if as_str else path, window=3, min_count=2,
                                   progress=False)
    C_ref, vocab_ref = cooccurrences_from_sentences
    assert vocab.tokens == vocab_ref.tokens
    assert (C != C_ref).nnz == 0
    assert C.dtype == C_ref.dtype


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_cooccurrence_matrix_with_max_vocab_size_from_every_compression(corpus_files, suffix):
    C, vocab = cooccurrence_matrix(corpus_files[suffix], window=2, min_count=1,
                                   max_vocab_size=25, progress=False)
    C_ref, vocab_ref = cooccurrence_matrix(SENTENCES, window=2, min_count=1, max_vocab_size=25,
                                           progress=False)
    assert vocab.tokens == vocab_ref.tokens
    assert (C != C_ref).nnz == 0


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_glove_and_ppmisvd_fit_corpus_from_every_compression(corpus_files, suffix):
    options = dict(window=3, min_count=2, progress=False)
    glove = GloVe(vector_size=4, epochs=2, progress=False)
    expected = GloVe(vector_size=4, epochs=2, progress=False).fit_corpus(SENTENCES, **options)
    glove.fit_corpus(corpus_files[suffix], **options)
    assert glove.wv.index_to_key == expected.wv.index_to_key
    np.testing.assert_array_equal(glove.wv.vectors, expected.wv.vectors)

    svd = PPMISVD(vector_size=3, random_state=0).fit_corpus(corpus_files[suffix], **options)
    svd_ref = PPMISVD(vector_size=3, random_state=0).fit_corpus(SENTENCES, **options)
    np.testing.assert_array_equal(svd.wv.vectors, svd_ref.wv.vectors)
