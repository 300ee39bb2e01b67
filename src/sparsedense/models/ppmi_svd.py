"""PPMISVD: word vectors from a truncated SVD of the PPMI matrix (Levy, Goldberg & Dagan 2015)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._base.estimator import BaseEstimator
from .._base.params import Int, RandomState, Real
from ..vectors import Vectors
from ._from_corpus import COUNT_CONSTRAINTS, _FromCorpus

_OWNER = "PPMISVD"


def check_vocabulary_for(C, vocabulary: Any, owner: str):
    """The vocabulary as a Vocabulary whose size is the matrix's (ValueError otherwise)."""
    from .cooccurrence import as_vocabulary

    vocab = as_vocabulary(vocabulary, owner)
    if len(vocab) != C.shape[0]:
        raise ValueError(f"{owner}: C has {C.shape[0]} rows but the vocabulary has {len(vocab)} "
                         "words; they must match (row i is word i)")
    return vocab


class PPMISVD(_FromCorpus, BaseEstimator):
    """Word vectors ``U @ diag(s) ** p`` from a truncated SVD of the PPMI matrix.

    The count-based route of Levy, Goldberg & Dagan (*Improving
    Distributional Similarity with Lessons Learned from Word Embeddings*,
    TACL 2015): co-occurrence counts, shifted positive PMI with smoothed
    context counts (:func:`~sparsedense.models.ppmi`), and the top
    ``vector_size`` singular vectors, computed by the randomized SVD of
    :class:`~sparsedense.LSA` (:func:`sparsedense.decomposition.randomized_svd`)
    on this library's sparse kernels. ``p = eigenvalue_weighting``: ``0``
    keeps ``U`` alone (often best on word similarity), ``1`` is the
    classical ``U @ diag(s)``.

    Trained at once from a corpus, as :class:`~sparsedense.models.Word2Vec`
    (``PPMISVD(sentences, window=5, min_count=1)``), or from a co-occurrence
    matrix by :meth:`fit`. Otherwise a scikit-learn estimator: keyword-only
    parameters stored as given, validated by :meth:`fit` (and at once with a
    corpus).

    Parameters
    ----------
    sentences : iterable of lists of str, optional
        A re-iterable corpus: the model counts its co-occurrences with
        :func:`~sparsedense.models.cooccurrence_matrix` (``window``,
        ``min_count``, ``max_vocab_size``, ``weighting``, ``symmetric``) and
        fits them, as :meth:`fit_corpus`. Not a parameter (``get_params``
        leaves it out).
    corpus_file : str or path-like, optional
        The same from a text file, one sentence a line.
    vector_size : int, default=100
    alpha : float in (0, 1], default=0.75
        Context-distribution smoothing.
    shift : float > 0, default=1.0
        Subtract ``log(shift)`` from the PMI (SPPMI).
    eigenvalue_weighting : float, default=0.5
        The power ``p`` of the singular values.
    n_iter : int, default=5
        Power iterations of the randomized SVD.
    n_oversamples : int, default=10
    random_state : int, RandomState, Generator or None, default=None
        Seed of the SVD's test matrix (an int gives reproducible vectors).
    window, min_count, max_vocab_size, weighting, symmetric
        The co-occurrence options of :meth:`fit_corpus` and of a corpus given
        here (:func:`~sparsedense.models.cooccurrence_matrix`'s, with its
        defaults: 10, 5, None, ``"harmonic"``, True).

    Attributes
    ----------
    wv : Vectors
        One vector per word of the vocabulary.
    singular_values_ : ndarray of shape (vector_size,)
    vocabulary_ : Vocabulary
    n_features_in_ : int

    Examples
    --------
    >>> from sparsedense.models import PPMISVD
    >>> sentences = [["deposit", "savings", "bank"], ["loan", "mortgage", "bank"],
    ...              ["river", "water", "fish"], ["fish", "boat", "water"]] * 20
    >>> model = PPMISVD(vector_size=4, random_state=0)
    >>> model = model.fit_corpus(sentences, min_count=1)
    >>> model.wv.vectors.shape
    (9, 4)
    >>> model.wv.most_similar("river", topn=1)[0][0] in {"water", "fish", "boat"}
    True
    >>> same = PPMISVD(sentences, vector_size=4, random_state=0, min_count=1)
    >>> bool((same.wv.vectors == model.wv.vectors).all())
    True
    """

    _owner = _OWNER
    #: the parameters, checked by :meth:`fit` in this order
    _constraints = {
        "vector_size": Int(1),
        "n_iter": Int(0),
        "n_oversamples": Int(1),
        "alpha": Real(0.0, 1.0, low_open=True),
        "shift": Real(0.0, low_open=True),
        "eigenvalue_weighting": Real(-10.0, 10.0),
        "random_state": RandomState(),
        **COUNT_CONSTRAINTS,
    }

    def __init__(self, sentences: Iterable[Sequence[str]] | None = None, *,
                 corpus_file: str | os.PathLike | None = None, vector_size: int = 100,
                 alpha: float = 0.75, shift: float = 1.0, eigenvalue_weighting: float = 0.5,
                 n_iter: int = 5, n_oversamples: int = 10, random_state: Any = None,
                 window: int = 10, min_count: int = 5, max_vocab_size: int | None = None,
                 weighting: str = "harmonic", symmetric: bool = True) -> None:
        self.vector_size = vector_size
        self.alpha = alpha
        self.shift = shift
        self.eigenvalue_weighting = eigenvalue_weighting
        self.n_iter = n_iter
        self.n_oversamples = n_oversamples
        self.random_state = random_state
        self.window = window
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.weighting = weighting
        self.symmetric = symmetric
        self._train_on(sentences, corpus_file)

    def fit(self, C: Any, vocabulary: Any) -> "PPMISVD":
        """Learn the word vectors from a co-occurrence matrix.

        Parameters
        ----------
        C : scipy.sparse matrix or 2-D array of shape (n_words, n_words)
            Non-negative co-occurrence counts, row and column ``i`` word ``i``.
        vocabulary : Vocabulary or sequence of str
            The ``n_words`` words.

        Returns
        -------
        self
        """
        from ..decomposition import randomized_svd
        from .ppmi import check_counts, ppmi

        self._check_params()
        X = check_counts(C, _OWNER, square=True)
        vocab = check_vocabulary_for(X, vocabulary, _OWNER)
        if self.vector_size > X.shape[0]:
            raise ValueError(f"{_OWNER}: vector_size={self.vector_size} must be <= the number "
                             f"of words ({X.shape[0]})")
        M = ppmi(X, alpha=self.alpha, shift=self.shift)
        U, s, _ = randomized_svd(M, self.vector_size, n_oversamples=self.n_oversamples,
                                 n_iter=self.n_iter, random_state=self.random_state)
        p = float(self.eigenvalue_weighting)
        vectors = U * (s ** p if p != 0.0 else np.ones_like(s))
        self.wv = Vectors(vocab.tokens, np.ascontiguousarray(vectors, dtype=np.float32))
        self.singular_values_ = s
        self.vocabulary_ = vocab
        self.n_features_in_ = X.shape[1]
        return self

    def fit_corpus(self, sentences: Iterable[Sequence[str]] | str | os.PathLike,
                   **cooccurrence_options: Any) -> "PPMISVD":
        """Count co-occurrences with :func:`~sparsedense.models.cooccurrence_matrix`, then fit.

        ``sentences`` (a str or path is a corpus file) and
        ``cooccurrence_options`` are passed on; an option not given is the
        model's (``window``, ``min_count``, ...). Returns ``self``.
        """
        from .cooccurrence import cooccurrence_matrix

        self._check_params()
        options = {**self._cooccurrence_options(), **cooccurrence_options}
        C, vocab = cooccurrence_matrix(sentences, **options)
        return self.fit(C, vocab)
