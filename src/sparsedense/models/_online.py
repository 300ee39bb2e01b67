"""Online vocabulary growth of Word2Vec and FastText: gensim's ``build_vocab(update=True)``.

The words of a new corpus that reach ``min_count`` (in that corpus) and are
not in the vocabulary yet are appended after the existing words, in order of
first appearance (gensim does not re-sort on an update); every existing word's
count grows by its count in the new corpus. Existing rows are kept; the new
rows of the input table are gensim's (``prep_vectors``: the rows of a table of
the new size drawn from ``default_rng(seed)``), the new rows of ``syn1neg``
start at zero. FastText keeps its n-gram table; the new words' vectors are
composed from their own rows and their n-gram rows.

One difference: the subsampling thresholds (``sample``) of the next
:meth:`~sparsedense.models.Word2Vec.train` come from the grown counts, as
every training of this library computes them from the model's counts; gensim
computes them from the new corpus's counts alone. The noise distribution
uses the grown counts in both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._base.errors import NotTrainableError
from ._corpus import Corpus
from ._vocab import keep_word


def grow_vocabulary(model: Any, corpus: Corpus, trim_rule: Any, keep_raw_vocab: bool) -> None:
    """Add the new words of ``corpus`` to a model that has a vocabulary (see the module).

    Raises
    ------
    NotTrainableError
        (a RuntimeError, as gensim's) If the model has no vocabulary yet.
    """
    from .word2vec import initial_vectors

    o = model._owner
    if model.wv is None or len(model.wv) == 0 or getattr(model, "_counts", None) is None:
        raise NotTrainableError(
            f"{o}: build_vocab(update=True) adds words to the vocabulary of a model, but this "
            "model has none yet; build the vocabulary of a first corpus with build_vocab(corpus) "
            "(or the constructor) before an online update")
    model._check_trainable()  # the tables match the vocabulary before they are grown
    words, counts, total, n_sent = corpus.word_counts(model.max_vocab_size, trim_rule)
    effective = model.min_count
    if model.max_final_vocab is not None and model.max_final_vocab < len(words):
        effective = max(effective, int(np.sort(counts)[::-1][model.max_final_vocab]) + 1)
    k2i = model.wv.key_to_index
    old = list(model.wv.index_to_key)
    grown_counts = np.asarray(model._counts, np.int64).copy()
    new_words: list[str] = []
    new_counts: list[int] = []
    in_vocab = 0
    for w, c in zip(words, counts.tolist()):
        i = k2i.get(w)
        if i is not None:
            grown_counts[i] += c
            in_vocab += c
        elif keep_word(w, c, effective, trim_rule):
            new_words.append(w)
            new_counts.append(c)
            in_vocab += c
    n_old, n = len(old), len(old) + len(new_words)
    syn0_old, syn1_old = model._training_tables()[:2]
    syn0 = initial_vectors(model.seed, n, model.vector_size) if new_words else syn0_old
    syn0[:n_old] = syn0_old
    syn1 = np.concatenate((syn1_old, np.zeros((n - n_old, model.vector_size), np.float32)))
    extra = {"ngrams": model.wv.vectors_ngrams} if hasattr(model.wv, "vectors_ngrams") else {}
    model._set_state(old + new_words, np.concatenate((grown_counts, np.asarray(
        new_counts, np.int64))), np.ascontiguousarray(syn0), syn1, **extra)
    model.raw_vocab = dict(zip(words, counts.tolist())) if keep_raw_vocab else {}
    model.corpus_total_words = int(total)
    model.corpus_count = int(n_sent)
    model._vocab_corpus = corpus
    model._vocab_corpus_words = in_vocab
