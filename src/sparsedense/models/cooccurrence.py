"""The word co-occurrence matrix: a corpus to a sparse word x context count matrix.

The corpus streams through :class:`~sparsedense.models._corpus.Corpus` in
chunks of whole sentences; the Numba kernels of
:mod:`sparsedense._kernels.cooc` reduce each chunk's pairs to a CSR, and the
chunk CSRs are merged as they come (see :func:`cooccurrence_matrix`, Notes).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._base.params import Bool, FloatDType, Int, OneOf, check_params
from .._base.validation import _short
from ..vocabulary import Vocabulary

_OWNER = "cooccurrence_matrix"
#: words per chunk by default (about 16 bytes each, plus the chunk's CSR)
CHUNK_WORDS = 1 << 22
#: largest lcm(1..window) for which harmonic weights are summed as exact integers
_MAX_EXACT_SCALE = 1 << 24
#: the parameters of :func:`cooccurrence_matrix`, checked in this order
_CONSTRAINTS = {
    "window": Int(1),
    "min_count": Int(1),
    "max_vocab_size": Int(1, none=True),
    "chunk_words": Int(1, none=True),
    "weighting": OneOf("harmonic", "uniform"),
    "symmetric": Bool(),
    "progress": Bool(),
    "dtype": FloatDType(),
}


def as_vocabulary(vocabulary: Any, owner: str, name: str = "vocabulary") -> Vocabulary:
    """A :class:`Vocabulary` or a sequence of distinct str as a Vocabulary (no specials)."""
    if isinstance(vocabulary, Vocabulary):
        return vocabulary
    if isinstance(vocabulary, (str, bytes)) or not isinstance(vocabulary, (Sequence, np.ndarray)):
        raise TypeError(f"{owner}: {name} must be a Vocabulary or a sequence of str words; "
                        f"got {type(vocabulary).__name__} {_short(vocabulary)}")
    words = list(vocabulary)
    for i, w in enumerate(words):
        if not isinstance(w, str):
            raise TypeError(f"{owner}: {name}[{i}] is {type(w).__name__} {_short(w)}; "
                            "expected str")
    try:
        return Vocabulary(words, unk_token=None, pad_token=None)
    except ValueError as exc:
        raise ValueError(f"{owner}: {name}: {exc}") from None


def _scale(window: int, weighting: str) -> tuple[float, np.dtype]:
    """``(scale, dtype)`` of the sums (C = sums / scale): integer sums of ``lcm(1..window) / d``
    for harmonic weights while that lcm stays small (exact), float sums of ``1 / d`` beyond."""
    if weighting == "uniform":
        return 1.0, np.dtype(np.int64)
    lcm = 1
    for d in range(2, window + 1):  # (stops early: a huge window is not a huge loop)
        lcm = math.lcm(lcm, d)
        if lcm > _MAX_EXACT_SCALE:
            return 1.0, np.dtype(np.float64)
    return float(lcm), np.dtype(np.int64)


def _weights(reach: int, weighting: str, scale: float, dtype: np.dtype) -> np.ndarray:
    """``weight[d]`` for the distances ``d <= reach`` (index 0 unused), in ``dtype``."""
    if weighting == "uniform":
        return np.ones(reach + 1, dtype)
    d = np.arange(1, reach + 1)
    weight = np.zeros(reach + 1, dtype)
    weight[1:] = int(scale) // d if dtype.kind == "i" else 1.0 / d
    return weight


class _Accumulator:
    """Chunk CSRs merged as they come: a stack of partial sums, like a binary counter.

    A new chunk is pushed; while the two top entries hold the same number of
    chunks they are merged. So at most ``log2(chunks) + 1`` partial matrices
    exist, of geometrically growing sizes, and every pair entry is merged
    ``O(log chunks)`` times.
    """

    def __init__(self, n_words: int) -> None:
        self.n = n_words
        self.stack: list[tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []

    def push(self, csr) -> None:
        self.stack.append((1, csr))
        while len(self.stack) >= 2 and self.stack[-1][0] == self.stack[-2][0]:
            (n_b, b), (n_a, a) = self.stack.pop(), self.stack.pop()
            self.stack.append((n_a + n_b, _merge(a, b)))

    def result(self, acc_dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.stack:
            return (np.zeros(self.n + 1, np.int64), np.zeros(0, np.int32),
                    np.zeros(0, acc_dtype))
        _, total = self.stack.pop()
        while self.stack:
            total = _merge(self.stack.pop()[1], total)
        return total


def _merge(a, b):
    from .._kernels import cooc
    from .._kernels._dispatch import choose

    a_ptr, a_idx, a_val = a
    b_ptr, b_idx, b_val = b
    n = a_ptr.shape[0] - 1
    work = a_idx.shape[0] + b_idx.shape[0]
    lens = np.empty(n, np.int64)
    choose(cooc.merge_count, work)(a_ptr, a_idx, b_ptr, b_idx, lens)
    out_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(lens, out=out_ptr[1:])
    out_idx = np.empty(int(out_ptr[-1]), np.int32)
    out_val = np.empty(int(out_ptr[-1]), a_val.dtype)
    choose(cooc.merge_write, work)(
        a_ptr, a_idx, a_val, b_ptr, b_idx, b_val, out_ptr, out_idx, out_val)
    return out_ptr, out_idx, out_val


def _chunk_csr(ids: np.ndarray, ends: np.ndarray, n_words: int, window: int, symmetric: bool,
               weight: np.ndarray):
    """One chunk's co-occurrences as a CSR ``(indptr, indices, sums)`` with sorted indices."""
    from .._kernels import cooc
    from .._kernels._dispatch import balanced_order, choose, use_parallel

    occurrences = np.bincount(ids, minlength=n_words)
    word_ptr = np.zeros(n_words + 1, np.int64)
    np.cumsum(occurrences, out=word_ptr[1:])
    pos_dtype = np.int32 if ids.shape[0] < 2**31 - window else np.int64
    positions = np.empty(ids.shape[0], pos_dtype)
    win_lo = np.empty(ids.shape[0], pos_dtype)
    win_hi = np.empty(ids.shape[0], pos_dtype)
    cooc.chunk_index(ids, ends, window, symmetric, word_ptr, positions, win_lo, win_hi)
    visits = int(ids.shape[0]) * window * (2 if symmetric else 1)
    par = use_parallel(visits)
    order = balanced_order(occurrences) if par else np.arange(n_words, dtype=np.int64)
    parts = _threads() if par else 1  # balanced_order deals the rows to this many parts
    bounds = np.array([sum(len(range(c, n_words, parts)) for c in range(p))
                       for p in range(parts + 1)], np.int64)
    args = (ids, word_ptr, positions, win_lo, win_hi)
    nuniq = np.empty(n_words, np.int64)
    choose(cooc.chunk_reduce_count, visits)(
        *args, order, bounds, nuniq)
    out_ptr = np.zeros(n_words + 1, np.int64)
    np.cumsum(nuniq, out=out_ptr[1:])
    del nuniq
    out_cols = np.empty(int(out_ptr[-1]), np.int32)
    out_vals = np.empty(int(out_ptr[-1]), weight.dtype)
    choose(cooc.chunk_reduce_write, visits)(
        *args, weight, order, bounds, out_ptr, out_cols, out_vals)
    return out_ptr, out_cols, out_vals


def _threads() -> int:
    import numba

    return max(1, numba.get_num_threads())


def cooccurrence_matrix(sentences_or_corpus_file: Iterable[Sequence[str]] | str | os.PathLike,
                        vocabulary: Vocabulary | Sequence[str] | None = None, window: int = 10,
                        weighting: str = "harmonic", symmetric: bool = True, min_count: int = 5,
                        max_vocab_size: int | None = None, dtype: Any = np.float32, *,
                        chunk_words: int | None = None, progress: bool = True,
                        ) -> tuple[Any, Vocabulary]:
    """Count how often words occur near each other: a sparse word x context matrix.

    Entry ``(i, j)`` sums, over every occurrence of word ``i``, the weight of
    each occurrence of word ``j`` within ``window`` tokens of it in the same
    sentence: ``1 / distance`` (``weighting="harmonic"``, as GloVe's
    ``cooccur`` tool) or ``1`` (``"uniform"``). With ``symmetric=True`` the
    context on both sides counts, so ``C`` is symmetric; with
    ``symmetric=False`` only the context to the *left* of word ``i`` does
    (``C[i, j]``: ``j`` precedes ``i``).

    Parameters
    ----------
    sentences_or_corpus_file : iterable of lists of str, or str or path-like
        A re-iterable corpus of token lists, or the path of a text file
        (``.gz``/``.bz2``/``.xz`` too), one sentence a line, tokens separated by
        whitespace (gensim's ``LineSentence`` rules: lines of more than
        10,000 tokens are cut). A ``str`` is always a path.
    vocabulary : Vocabulary or sequence of str, optional
        The words (rows and columns, in this order). By default the words
        reaching ``min_count``, most frequent first (gensim's rules, as
        :class:`~sparsedense.models.Word2Vec`); ``min_count`` and
        ``max_vocab_size`` are then ignored.
    window : int, default=10
        Maximum distance between a word and its context.
    weighting : {"harmonic", "uniform"}, default="harmonic"
    symmetric : bool, default=True
    min_count : int, default=5
    max_vocab_size : int, optional
        Memory cap while counting words (gensim's pruning rule).
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
    chunk_words : int, optional
        Words per chunk (bounds the memory of the pairs; see Notes). By
        default about ``4 * 2**20 / (window * (1 + symmetric))``.
    progress : bool, default=True
        A progress bar on a terminal's standard error.

    Returns
    -------
    C : scipy.sparse.csr_matrix of shape (len(vocabulary), len(vocabulary))
        Sorted indices, no explicit zeros.
    vocabulary : Vocabulary
        Row (and column) ``i`` is word ``vocabulary.tokens[i]``; its counts are
        the words' corpus frequencies.

    Raises
    ------
    TypeError
        A bad type of argument (e.g. ``window=2.5``, ``symmetric="yes"``).
    ValueError
        ``window < 1``, an unknown ``weighting``, an empty corpus, or no word
        reaching ``min_count``.
    FileNotFoundError
        A corpus path that is not a file.

    Notes
    -----
    *Words outside the vocabulary* are dropped before windowing, so a window
    spans over them (as GloVe's ``cooccur``, which skips out-of-vocabulary
    words before filling its window, and gensim's Word2Vec do); the distance
    between two words is counted in vocabulary words.

    *Memory.* The corpus streams in chunks of whole sentences
    (``chunk_words`` words each, default 4Mi). A chunk costs 16 bytes a
    word (its ids, and each occurrence's position and window, sorted by
    word) plus a bitset and an accumulator per thread; its rows are computed
    one word at a time from the windows of the word's occurrences, straight
    into a CSR of distinct pairs with exact int64 sums (12 bytes an entry):
    the ``window`` (or ``2 * window`` when symmetric) pairs of each word are
    never stored. The chunk CSRs are merged like a binary counter: at most
    ``log2(chunks) + 1`` partial matrices of geometrically growing size
    exist, so the peak is about one chunk plus two to three times the final
    matrix -- the order of the result, not of the pairs of the corpus.

    *Exactness.* Harmonic weights are summed as integers (multiples of
    ``1 / lcm(1..window)``, for windows up to 18; beyond, in float64), so the
    matrix is exact before its single rounding to ``dtype``, and identical
    for any chunking and any number of threads.

    Examples
    --------
    >>> from sparsedense.models import cooccurrence_matrix
    >>> sentences = [["the", "bank", "loan"], ["the", "river", "bank"]]
    >>> C, vocab = cooccurrence_matrix(sentences, window=2, min_count=1)
    >>> vocab.tokens
    ['bank', 'the', 'loan', 'river']
    >>> C.toarray()
    array([[0. , 1.5, 1. , 1. ],
           [1.5, 0. , 0.5, 1. ],
           [1. , 0.5, 0. , 0. ],
           [1. , 1. , 0. , 0. ]], dtype=float32)
    """
    dtype = check_params(locals(), _CONSTRAINTS, _OWNER)["dtype"]  # the arguments, first
    from .._base.progress import Progress
    from .._base.sparse import make_csr
    from ._corpus import Corpus
    from ._vocab import select_vocabulary

    o = _OWNER
    if isinstance(sentences_or_corpus_file, (str, os.PathLike)):
        corpus = Corpus(corpus_file=sentences_or_corpus_file, owner=o)
    else:
        corpus = Corpus(sentences_or_corpus_file, owner=o)
    if vocabulary is None:
        words, counts, _, _ = corpus.word_counts(max_vocab_size)
        vocab = select_vocabulary(words, counts, min_count, None, o)
    else:
        vocab = as_vocabulary(vocabulary, o)
        if corpus.corpus_file is not None:
            corpus.word_counts()  # the file path interns tokens in this pass
    n_words = len(vocab)
    key_to_index = dict(zip(vocab.tokens, range(n_words)))
    scale, sum_dtype = _scale(int(window), weighting)
    if chunk_words is None:
        chunk_words = CHUNK_WORDS
    total = int(np.asarray(vocab.counts).sum()) if vocabulary is None else None
    acc = _Accumulator(n_words)
    with Progress("co-occurrences", total=total, unit="word", quiet=not progress) as bar:
        for ids, ends in corpus.iter_chunks(key_to_index, int(chunk_words)):
            # no pair is farther apart than the chunk's longest sentence
            longest = int(np.diff(ends, prepend=0).max()) if ends.shape[0] else 1
            reach = max(1, min(int(window), longest - 1))
            weight = _weights(reach, weighting, scale, sum_dtype)
            acc.push(_chunk_csr(ids, ends, n_words, reach, bool(symmetric), weight))
            bar.update(int(ids.shape[0]))
    indptr, indices, sums = acc.result(sum_dtype)
    data = sums.astype(np.float64)
    if scale != 1.0:
        data /= scale
    C = make_csr(indptr, indices, data.astype(dtype, copy=False), (n_words, n_words))
    return C, vocab


__all__ = ["cooccurrence_matrix"]
