"""GloVe: word vectors fitted to the log co-occurrence counts (Pennington et al. 2014)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._base.estimator import BaseEstimator
from .._base.params import Bool, Int, OneOf, Real
from ..vectors import Vectors
from ._from_corpus import COUNT_CONSTRAINTS, _FromCorpus
from ._shards import DEFAULT_WORKERS, WORKERS_MAX

_OWNER = "GloVe"
#: gradient components are clipped to [-GRAD_CLIP, GRAD_CLIP] (glove.c's value)
GRAD_CLIP = 100.0
_FORMAT = "sparsedense.GloVe"
_FORMAT_VERSION = 1
_PARAMS = ("vector_size", "x_max", "alpha", "learning_rate", "epochs", "seed", "workers",
           "output", "progress", "window", "min_count", "max_vocab_size", "weighting",
           "symmetric")


class GloVe(_FromCorpus, BaseEstimator):
    """GloVe word vectors: a weighted least-squares fit of word and context vectors to log counts.

    The model is ``W[i] @ Wc[j] + b[i] + bc[j] ~ log C[i, j]``.

    AdaGrad over the stored entries of a co-occurrence matrix, each weighted
    by ``f(x) = min(1, (x / x_max) ** alpha)``, with word and context tables
    and biases -- the model and update of GloVe's ``glove.c`` (see
    :mod:`sparsedense._kernels.glove` for the exact arithmetic). Differences
    on purpose:

    * the result is **deterministic**: the same matrix, parameters and
      ``seed`` give bit-identical vectors for any number of threads. Instead
      of Hogwild threads, ``workers`` shards train on blocks of entries that
      share no word and no context row (DSGD), each in an order drawn from
      the seed; so results depend on ``workers``, not on the threads running
      them (``NUMBA_NUM_THREADS`` sets those);
    * the entries are shuffled again every epoch (``glove.c`` reads one
      shuffled file in the same order every epoch);
    * the tables are float32.

    Trained at once from a corpus, as :class:`~sparsedense.models.Word2Vec`
    (``GloVe(sentences, window=5, min_count=1)``), or from a co-occurrence
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
    x_max : float > 0, default=100
        Counts at or above ``x_max`` get weight 1.
    alpha : float in (0, 1], default=0.75
        Exponent of the weighting function.
    learning_rate : float > 0, default=0.05
    epochs : int, default=25
    seed : int, default=1
        0 to 2**64 - 1. Initial tables (uniform in ``[-0.5, 0.5) / vector_size``, as
        ``glove.c``) and shuffling.
    workers : int, optional
        Shards trained in parallel, 1 to 256 (as Word2Vec; default 2; see above).
    output : {"sum", "word"}, default="sum"
        ``wv`` holds ``W + Wc`` (GloVe's default output) or ``W`` alone.
    progress : bool, default=True
        A progress bar on a terminal's standard error.
    window, min_count, max_vocab_size, weighting, symmetric
        The co-occurrence options of :meth:`fit_corpus` and of a corpus given
        here (:func:`~sparsedense.models.cooccurrence_matrix`'s, with its
        defaults: 10, 5, None, ``"harmonic"``, True).

    Attributes
    ----------
    wv : Vectors
    word_vectors_, context_vectors_ : ndarray of shape (n_words, vector_size)
        ``W`` and ``Wc`` (float32).
    word_biases_, context_biases_ : ndarray of shape (n_words,)
    training_loss_ : list of float
        Loss of each epoch, ``sum f(x) * diff ** 2 / 2`` over the entries,
        divided by their number (the figure ``glove.c`` prints).
    vocabulary_ : Vocabulary

    Examples
    --------
    >>> from sparsedense.models import GloVe
    >>> sentences = [["deposit", "savings", "bank"], ["loan", "mortgage", "bank"],
    ...              ["river", "water", "fish"], ["fish", "boat", "water"]] * 20
    >>> model = GloVe(vector_size=8, epochs=30, x_max=10)
    >>> model = model.fit_corpus(sentences, min_count=1, progress=False)
    >>> model.wv.vectors.shape
    (9, 8)
    >>> bool(model.training_loss_[-1] < model.training_loss_[0])
    True
    >>> model.wv.most_similar("river", topn=1)[0][0] in {"water", "fish", "boat"}
    True
    >>> same = GloVe(sentences, vector_size=8, epochs=30, x_max=10, min_count=1,
    ...              progress=False)
    >>> bool((same.wv.vectors == model.wv.vectors).all())
    True
    """

    _owner = _OWNER
    #: the parameters, checked by :meth:`fit` in this order
    _constraints = {
        "vector_size": Int(1),
        "epochs": Int(1),
        "seed": Int(0, 2**64 - 1),  # the generators mix it as a uint64
        "workers": Int(1, WORKERS_MAX, none=True),
        "x_max": Real(0.0, low_open=True),
        "alpha": Real(0.0, 1.0, low_open=True),
        "learning_rate": Real(0.0, low_open=True),
        "output": OneOf("sum", "word"),
        "progress": Bool(),
        **COUNT_CONSTRAINTS,
    }

    def __init__(self, sentences: Iterable[Sequence[str]] | None = None, *,
                 corpus_file: str | os.PathLike | None = None, vector_size: int = 100,
                 x_max: float = 100.0, alpha: float = 0.75, learning_rate: float = 0.05,
                 epochs: int = 25, seed: int = 1, workers: int | None = None,
                 output: str = "sum", progress: bool = True, window: int = 10,
                 min_count: int = 5, max_vocab_size: int | None = None,
                 weighting: str = "harmonic", symmetric: bool = True) -> None:
        self.vector_size = vector_size
        self.x_max = x_max
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.seed = seed
        self.workers = workers
        self.output = output
        self.progress = progress
        self.window = window
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.weighting = weighting
        self.symmetric = symmetric
        self._train_on(sentences, corpus_file)

    def fit(self, C: Any, vocabulary: Any) -> "GloVe":
        """Train on a co-occurrence matrix; returns ``self``.

        Parameters
        ----------
        C : scipy.sparse matrix or 2-D array of shape (n_words, n_words)
            Non-negative co-occurrence counts (e.g. from
            :func:`~sparsedense.models.cooccurrence_matrix`); only the stored
            non-zero entries are fitted.
        vocabulary : Vocabulary or sequence of str
            The ``n_words`` words.
        """
        from .ppmi import check_counts
        from .ppmi_svd import check_vocabulary_for

        self._check_params()
        X = check_counts(C, _OWNER, square=True)
        vocab = check_vocabulary_for(X, vocabulary, _OWNER)
        if X.nnz == 0:
            raise ValueError(f"{_OWNER}: C has no non-zero entry; nothing to fit")
        n, dim = X.shape[0], int(self.vector_size)
        T = DEFAULT_WORKERS if self.workers is None else int(self.workers)
        entries = _Blocks(X, T, float(self.x_max), float(self.alpha))
        W, Wc, b, bc = _initial_tables(self.seed, n, dim)
        history = self._train(entries, W, Wc, b, bc)
        self.word_vectors_, self.context_vectors_ = W, Wc
        self.word_biases_, self.context_biases_ = b, bc
        self.training_loss_ = history
        self.vocabulary_ = vocab
        self.n_features_in_ = n
        table = W + Wc if self.output == "sum" else W.copy()
        self.wv = Vectors(vocab.tokens, table)
        return self

    def _train(self, entries: "_Blocks", W: np.ndarray, Wc: np.ndarray, b: np.ndarray,
               bc: np.ndarray) -> list[float]:
        """AdaGrad on the tables in place, ``epochs`` times; returns each epoch's mean loss.

        An epoch trains the ``T`` strata of :class:`_Blocks` in turn, the
        ``T`` shards of a stratum in parallel, each in an order drawn from
        the seed, the epoch, the stratum and the shard.
        """
        from .._kernels._dispatch import choose
        from .._kernels.glove import train_stratum
        from .._kernels.word2vec import shard_seed
        from .._base.progress import Progress

        T, nnz, dim = entries.T, entries.n_entries, W.shape[1]
        G, Gc, Gb, Gbc = (np.ones(a.shape, np.float32) for a in (W, Wc, b, bc))
        kernel = choose(train_stratum, nnz * dim, allow=T > 1)
        lr = np.float32(self.learning_rate)
        clip = np.float32(GRAD_CLIP)
        losses = np.zeros(T, np.float64)
        history = []
        with Progress(f"{_OWNER} training", total=self.epochs * nnz, unit="pair",
                      quiet=not self.progress) as bar:
            for epoch in range(int(self.epochs)):
                total = 0.0
                for k in range(T):
                    lo, hi = entries.stratum(k)
                    states = np.array([shard_seed(self.seed, epoch, k, s) for s in range(T)],
                                      dtype=np.uint64)
                    kernel(entries.rows, entries.cols, entries.logx, entries.fx, entries.perm,
                           lo, hi, states, W, Wc, b, bc, G, Gc, Gb, Gbc, lr, clip, losses)
                    total += float(losses.sum())
                    bar.update(int((hi - lo).sum()))
                history.append(total / nnz)
        return history

    def save(self, path: str | os.PathLike) -> None:
        """Save the fitted model (tables, biases, vocabulary, losses, parameters) as npz.

        Written atomically; :meth:`load` checks every entry against the file's
        parameters and vocabulary.
        """
        import json

        from .._base.files import atomic_path
        from .._base.errors import NotFittedError

        if not hasattr(self, "word_vectors_"):
            raise NotFittedError(f"This {_OWNER} instance is not fitted yet; call fit() or "
                                 "fit_corpus() before save()")
        vocab = self.vocabulary_
        meta = {"format": _FORMAT, "version": _FORMAT_VERSION,
                "params": {k: getattr(self, k) for k in _PARAMS},
                "training_loss_": [float(x) for x in self.training_loss_]}
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, meta=np.array(json.dumps(meta)),
                         words=np.array(json.dumps(vocab.tokens)),
                         counts=np.asarray(vocab.counts, np.int64),
                         word_vectors=self.word_vectors_, context_vectors=self.context_vectors_,
                         word_biases=self.word_biases_, context_biases=self.context_biases_)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "GloVe":
        """Load a model written by :meth:`save`; every entry is checked first.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            If the file is not a saved GloVe model, or an entry is missing,
            unexpected or does not match (the message names the file and the entry).
        """
        from ..vocabulary import Vocabulary
        from . import _modelfile as mf

        with mf.ModelFile(path, _OWNER) as f:
            if "meta" not in f.entries:
                raise ValueError(f"{str(f.path)!r} is not a saved {_OWNER} model "
                                 "(no 'meta' entry)")
            meta = mf.check_meta(f, f.json("meta"), _FORMAT, _FORMAT_VERSION)
            params = mf.meta_params(f, meta, _PARAMS)
            model = cls(**params)
            try:
                model._check_params()
            except (TypeError, ValueError) as exc:
                raise f.error("meta", f"has bad parameters: {exc}") from None
            losses = mf.meta_losses(f, meta)
            f.check_entries(["meta", "words", "counts", "word_vectors", "context_vectors",
                             "word_biases", "context_biases"])
            words = mf.check_words(f, f.json("words"))
            n, dim = len(words), int(model.vector_size)
            why = f"from the vocabulary of {n} words and vector_size={dim}"
            counts = f.array("counts", np.int64, (n,), why)
            if counts.shape[0] and int(counts.min()) < 0:
                raise f.error("counts", f"holds {int(counts.min())}; expected counts >= 0")
            tables = {name: f.array(name, np.float32, (n, dim), why)
                      for name in ("word_vectors", "context_vectors")}
            biases = {name: f.array(name, np.float32, (n,), why)
                      for name in ("word_biases", "context_biases")}
        W, Wc = tables["word_vectors"], tables["context_vectors"]
        model.word_vectors_, model.context_vectors_ = W, Wc
        model.word_biases_, model.context_biases_ = biases["word_biases"], biases["context_biases"]
        model.training_loss_ = losses
        model.vocabulary_ = Vocabulary(words, counts, unk_token=None, pad_token=None)
        model.n_features_in_ = n
        model.wv = Vectors(words, W + Wc if model.output == "sum" else W.copy())
        return model

    def fit_corpus(self, sentences: Iterable[Sequence[str]] | str | os.PathLike,
                   **cooccurrence_options: Any) -> "GloVe":
        """Count co-occurrences with :func:`~sparsedense.models.cooccurrence_matrix`, then fit.

        ``sentences`` (a str or path is a corpus file) and
        ``cooccurrence_options`` are passed on; an option not given is the
        model's (``window``, ``min_count``, ..., ``progress``). Returns ``self``.
        """
        from .cooccurrence import cooccurrence_matrix

        self._check_params()
        options = {**self._cooccurrence_options(), "progress": self.progress,
                   **cooccurrence_options}
        C, vocab = cooccurrence_matrix(sentences, **options)
        return self.fit(C, vocab)


def _initial_tables(seed: int, n: int, dim: int) -> list[np.ndarray]:
    """``W, Wc, b, bc`` as ``glove.c`` starts them: uniform in ``[-0.5, 0.5) / dim``, float32.

    Drawn in this order from ``numpy.random.default_rng(seed)``.
    """
    rng = np.random.default_rng(seed)
    return [((rng.random(shape, dtype=np.float32) - 0.5) / dim).astype(np.float32)
            for shape in ((n, dim), (n, dim), n, n)]


class _Blocks:
    """The stored entries sorted into the ``T x T`` blocks of (word group, context group).

    Word ``w`` is in group ``w % T``. ``perm`` indexes the entries; block
    ``(a, c)`` is ``perm[ptr[a * T + c]:ptr[a * T + c + 1]]``, shuffled in
    place by the kernel every time it is trained.
    """

    def __init__(self, X, T: int, x_max: float, alpha: float) -> None:
        rows = np.repeat(np.arange(X.shape[0], dtype=np.int32), np.diff(X.indptr))
        cols = X.indices.astype(np.int32, copy=False)
        x = X.data.astype(np.float64)
        block = (rows % T).astype(np.int64) * T + cols % T
        order = np.argsort(block, kind="stable")
        self.rows = np.ascontiguousarray(rows[order])
        self.cols = np.ascontiguousarray(cols[order])
        x = x[order]
        self.logx = np.log(x).astype(np.float32)
        self.fx = np.minimum(1.0, (x / x_max) ** alpha).astype(np.float32)
        self.ptr = np.zeros(T * T + 1, np.int64)
        np.cumsum(np.bincount(block, minlength=T * T), out=self.ptr[1:])
        self.perm = np.arange(x.shape[0], dtype=np.int64)
        self.n_entries = int(x.shape[0])
        self.T = T

    def stratum(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(lo, hi)`` of each shard's block in stratum ``k``.

        Shard ``s`` has block ``(s, (s + k) % T)``: no two shards share a row group or a
        column group.
        """
        T = self.T
        blocks = np.array([s * T + (s + k) % T for s in range(T)], np.int64)
        return self.ptr[blocks], self.ptr[blocks + 1]
