"""Word2Vec: skip-gram and CBOW with negative sampling, gensim's names and semantics.

The training loop itself is a Numba kernel (``sparsedense._kernels.word2vec``,
whose docstring explains the design: inlined updates, negatives shared across
a skip-gram window, deterministic shards merged in a fixed order). This module
validates parameters, builds the vocabulary with gensim's rules, streams the
corpus in chunks of word ids and keeps the model state.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._base.errors import NotTrainableError
from .._base.params import Bool, Flag, Func, Implemented, Int, Real, Text, check_params
from ..vectors import Vectors
from ._corpus import Corpus
from ._vocab import noise_alias, sample_ints, select_vocabulary
from ._persist import _Persistent
from ._shards import DEFAULT_WORKERS, WORKERS_MAX, _Run, _ShardBuffers, _shard_words, _split_shards

#: in-vocabulary words each shard trains on between two merges. Longer rounds
#: copy and merge fewer rows per word, so they train faster; a shard then sees
#: the other shards' updates later. Word2Vec's rows tolerate that at four times
#: gensim's job size of 10,000 words; FastText keeps 10,000 (its n-gram rows are
#: shared by many words, and the vectors of unseen words suffer from long rounds).
SHARD_WORDS = 40000
#: gensim's ``MAX_WORDS_IN_BATCH``, the default of ``batch_words``
MAX_WORDS_IN_BATCH = 10000

#: the most noise words per positive (gensim suggests 5-20; any more is a damaged file)
NEGATIVE_MAX = 1 << 16

#: the constructor's parameters, checked in this order (the first bad one is reported)
_CONSTRAINTS = {
    "vector_size": Int(1),
    "alpha": Real(0.0, low_open=True),
    "min_alpha": Real(0.0),
    "window": Int(1),
    "min_count": Int(0),  # gensim's 0 keeps every word, as 1
    "max_vocab_size": Int(1, none=True),
    "max_final_vocab": Int(1, none=True),
    "sample": Real(0.0),
    "seed": Int(0, 2**64 - 1),  # the generators mix it as a uint64
    "workers": Int(1, WORKERS_MAX, none=True),
    # before negative: gensim's hs=1 comes with negative=0
    "hs": Implemented(Flag(), (0,), "hs=1 (hierarchical softmax) is not implemented; use "
                                   "negative sampling (hs=0, negative >= 1)"),
    # noise words per positive; each training thread holds that many draws (a file's
    # absurd value is refused here, not met as a failed allocation inside the kernel)
    "negative": Int(1, NEGATIVE_MAX),
    "ns_exponent": Real(-10.0, 10.0),
    "epochs": Int(1),
    "batch_words": Int(1),
    "sg": Flag(),
    "cbow_mean": Flag(),
    "null_word": Flag(),
    "sorted_vocab": Flag(),
    "shrink_windows": Bool(),
    "compute_loss": Bool(),
    "hashfxn": Func(),
    "trim_rule": Func(none=True),
    "comment": Text(none=True),
}
#: :meth:`Word2Vec.build_vocab`'s options
_BUILD_VOCAB_CONSTRAINTS = {
    "progress_per": Int(1),
    "keep_raw_vocab": Bool(),
    "trim_rule": Func(none=True),
    "update": Bool(),
}
#: :meth:`Word2Vec.train`'s options, once ``None`` is replaced by the model's value
_TRAIN_CONSTRAINTS = {
    "epochs": Int(1),
    "total_examples": Int(1, none=True),
    "total_words": Int(1, none=True),
    "word_count": Int(0),
    "queue_factor": Int(1),
    "report_delay": Real(0.0),
    "start_alpha": Real(0.0, low_open=True),
    "end_alpha": Real(0.0),
    "compute_loss": Bool(none=True),
}


class Word2Vec(_Persistent):
    """Learn word vectors from a corpus with skip-gram or CBOW and negative sampling.

    The names, defaults and semantics are gensim's ``Word2Vec``: frequent-word
    subsampling (``sample``), noise words drawn from the unigram distribution
    raised to ``ns_exponent``, a learning rate decaying linearly from
    ``alpha`` to ``min_alpha`` over all epochs, windows shrunk at random
    (``shrink_windows``), CBOW averaging or summing its context
    (``cbow_mean``). Differences on purpose:

    * the result is **deterministic**: the same corpus, parameters and
      ``seed`` give bit-identical vectors, for any number of threads and run
      after run (gensim is only reproducible with one worker thread);
    * ``workers`` is the number of *shards* a chunk of the corpus is split
      into and trained on in parallel (results depend on it, not on the
      number of threads actually running them; ``NUMBA_NUM_THREADS`` sets
      those);
    * skip-gram shares its noise words across the window of a center word
      (HogBatch), see :mod:`sparsedense._kernels.word2vec`;
    * hierarchical softmax (``hs=1``) is not implemented;
    * ``training_loss_`` holds one float64 loss per epoch (gensim keeps a
      float32 running total that stops growing on large corpora);
      :meth:`get_latest_training_loss` is their sum over the last
      :meth:`train` call;
    * training ends with a cheap check of a sample of the vectors: when they
      collapsed onto one direction (mean cosine above 0.99, as CBOW FastText
      does on a small corpus), a ``UserWarning`` says so and what to try.

    The vocabulary grows online as gensim's (``build_vocab(corpus,
    update=True)``), and :meth:`predict_output_word` is gensim's.

    Parameters
    ----------
    sentences : iterable of lists of str, optional
        A re-iterable corpus (a list, or an object whose ``__iter__`` starts
        over). Given with ``corpus_file`` or alone, the model is built and
        trained at once; otherwise call :meth:`build_vocab` and :meth:`train`.
    corpus_file : str or path-like, optional
        A text file (``.gz``/``.bz2``/``.xz`` too), one sentence a line, tokens
        separated by whitespace: the fast path (read by Numba kernels). The
        same tokens give the same vectors as ``sentences``.
    vector_size : int, default=100
    alpha : float, default=0.025
        Initial learning rate.
    window : int, default=5
        Maximum distance between the center and a context word.
    min_count : int, default=5
        Words seen fewer times are ignored (0 and 1 keep every word).
    max_vocab_size : int, optional
        Memory cap while counting words (gensim's pruning rule).
    max_final_vocab : int, optional
        Raise ``min_count`` as needed to keep at most this many words.
    sample : float, default=1e-3
        Downsampling threshold of frequent words (0 disables it).
    seed : int, default=1
        0 to 2**64 - 1.
    workers : int, optional
        Shards trained in parallel, 1 to 256 (``WORKERS_MAX``; default 2; see
        above).
    min_alpha : float, default=1e-4
        Final learning rate.
    sg : {0, 1}, default=0
        1 for skip-gram, 0 for CBOW.
    hs : {0}, default=0
        Only negative sampling is implemented.
    negative : int, default=5
        Noise words per positive example, 1 to 65,536 (``NEGATIVE_MAX``).
    ns_exponent : float, default=0.75
    cbow_mean : {0, 1}, default=1
        CBOW input: 1 the mean of the context vectors, 0 their sum.
    epochs : int, default=5
    shrink_windows : bool, default=True
        Draw each window's size uniformly in ``1..window``.
    callbacks : sequence, default=()
        Objects with ``on_epoch_end(model)`` (and optionally
        ``on_epoch_begin``, ``on_train_begin``, ``on_train_end``), as in gensim.
    compute_loss : bool, default=False
        Record the loss of each epoch in ``training_loss_``.
    hashfxn : callable, default=hash
        Accepted for gensim's signature and stored; no effect, as in gensim 4.4,
        whose initial vectors also come from ``seed`` alone.
    null_word : {0, 1}, default=0
        1 adds gensim's padding word ``"\\0"`` (count 1) to the vocabulary.
    trim_rule : callable, optional
        ``trim_rule(word, count, min_count)`` returns ``gensim.utils.RULE_KEEP``
        (2), ``RULE_DISCARD`` (1) or ``RULE_DEFAULT`` (0, the ``min_count``
        rule) for every counted word, as in gensim; used by the vocabulary built
        here, not stored.
    sorted_vocab : {0, 1}, default=1
        1 orders the vocabulary by descending count (ties: code point order);
        0 keeps the order in which the words first occur in the corpus.
    batch_words : int, default=10000
        Accepted for gensim's signature; no effect here (the corpus is cut into
        rounds of ``SHARD_WORDS`` words per shard, see ``workers``).
    comment : str, optional
        Stored, as in gensim.

    Attributes
    ----------
    wv : Vectors
        The word vectors (gensim's ``KeyedVectors`` surface).
    syn1neg : ndarray of shape (len(wv), vector_size)
        The output (context) table.
    training_loss_ : list of float
        Loss of every epoch trained with ``compute_loss=True``.
    epochs_trained_ : int
    corpus_total_words : int
        Raw tokens in the corpus (gensim's name).

    Examples
    --------
    >>> from sparsedense.models import Word2Vec
    >>> sentences = [["deposit", "savings", "bank"], ["mortgage", "loan", "bank"]] * 50
    >>> model = Word2Vec(sentences, vector_size=16, min_count=1, epochs=3, seed=7)
    >>> model.wv["bank"].shape
    (16,)
    >>> model2 = Word2Vec(sentences, vector_size=16, min_count=1, epochs=3, seed=7)
    >>> bool((model.wv.vectors == model2.wv.vectors).all())  # deterministic
    True
    """

    _owner = "Word2Vec"
    _round_words = SHARD_WORDS  # per shard, between merges

    def __init__(self, sentences: Iterable[Sequence[str]] | None = None,
                 corpus_file: str | os.PathLike | None = None, vector_size: int = 100,
                 alpha: float = 0.025, window: int = 5, min_count: int = 5,
                 max_vocab_size: int | None = None, max_final_vocab: int | None = None,
                 sample: float = 1e-3, seed: int = 1, workers: int | None = None,
                 min_alpha: float = 1e-4, sg: int = 0, hs: int = 0, negative: int = 5,
                 ns_exponent: float = 0.75, cbow_mean: int = 1, epochs: int = 5,
                 shrink_windows: bool = True, callbacks: Sequence[Any] = (),
                 compute_loss: bool = False, hashfxn: Any = hash, null_word: int = 0,
                 trim_rule: Any = None, sorted_vocab: int = 1,
                 batch_words: int = MAX_WORDS_IN_BATCH, comment: str | None = None) -> None:
        check_params(locals(), _CONSTRAINTS, self._owner)  # the arguments, before anything else
        self.vector_size = int(vector_size)
        self.alpha = float(alpha)
        self.min_alpha = float(min_alpha)
        self.window = int(window)
        self.min_count = int(min_count)
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.sample = float(sample)
        self.seed = int(seed)
        self.workers = DEFAULT_WORKERS if workers is None else int(workers)
        self.sg = int(sg)
        self.hs = 0
        self.negative = int(negative)
        self.ns_exponent = float(ns_exponent)
        self.cbow_mean = int(cbow_mean)
        self.epochs = int(epochs)
        self.shrink_windows = bool(shrink_windows)
        self.callbacks = tuple(callbacks)
        self.compute_loss = bool(compute_loss)
        self.hashfxn = hashfxn
        self.null_word = int(null_word)
        self.sorted_vocab = int(sorted_vocab)
        self.batch_words = int(batch_words)
        self.comment = comment
        self.raw_vocab: dict[str, int] = {}
        self.wv: Vectors | None = None
        self.syn1neg: np.ndarray | None = None
        self.training_loss_: list[float] = []
        self.epochs_trained_ = 0
        self.corpus_total_words = 0
        self.corpus_count = 0
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences, corpus_file, trim_rule=trim_rule)
            self.train(sentences, corpus_file)

    # -- vocabulary ------------------------------------------------------------
    def build_vocab(self, corpus_iterable: Iterable[Sequence[str]] | None = None,
                    corpus_file: str | os.PathLike | None = None, update: bool = False,
                    progress_per: int = 10000, keep_raw_vocab: bool = False,
                    trim_rule: Any = None) -> "Word2Vec":
        """Count the corpus, keep the words reaching ``min_count``, initialise the tables.

        The input table starts as gensim's does (uniform in
        ``[-1/vector_size, 1/vector_size)`` from ``numpy.random.default_rng(seed)``),
        the output table at zero. Building again starts the model over.

        ``trim_rule`` is gensim's (see the class parameters); ``keep_raw_vocab``
        keeps every counted word and its count in ``raw_vocab``;
        ``progress_per`` (a logging interval in gensim) has no effect.

        ``update=True`` is gensim's online update: the new corpus's words
        reaching ``min_count`` are appended to the vocabulary with new random
        rows, the existing rows and counts are kept (counts grow); see
        :mod:`sparsedense.models._online`. It raises a ``RuntimeError``
        (``NotTrainableError``) on a model without vocabulary, as gensim.
        """
        o = self._owner
        check_params({"progress_per": progress_per, "keep_raw_vocab": keep_raw_vocab,
                      "trim_rule": trim_rule, "update": update}, _BUILD_VOCAB_CONSTRAINTS, o)
        corpus = Corpus(corpus_iterable, corpus_file, owner=o)
        if update:
            from ._online import grow_vocabulary

            grow_vocabulary(self, corpus, trim_rule, bool(keep_raw_vocab))
            return self
        words, counts, total, n_sent = corpus.word_counts(self.max_vocab_size, trim_rule)
        vocab = select_vocabulary(words, counts, self.min_count, self.max_final_vocab, o,
                                  trim_rule=trim_rule, sorted_vocab=bool(self.sorted_vocab),
                                  null_word=bool(self.null_word))
        self.raw_vocab = dict(zip(words, counts.tolist())) if keep_raw_vocab else {}
        syn0 = initial_vectors(self.seed, len(vocab), self.vector_size)
        self._set_state(vocab.tokens, vocab.counts, syn0,
                        np.zeros((len(vocab), self.vector_size), np.float32))
        self.corpus_total_words = int(total)
        self.corpus_count = int(n_sent)
        self.epochs_trained_ = 0
        self.training_loss_ = []
        self._vocab_corpus = corpus
        self._vocab_corpus_words = None  # in-vocabulary words of that corpus: the counts' sum
        return self

    def _set_state(self, words: list[str], counts: np.ndarray, syn0: np.ndarray,
                   syn1neg: np.ndarray) -> None:
        self.wv = Vectors(words, syn0)
        self.syn1neg = syn1neg
        self._counts = np.asarray(counts, np.int64)
        self.wv.expandos["count"] = self._counts  # gensim's wv.get_vecattr(word, "count")

    # -- training --------------------------------------------------------------
    def train(self, corpus_iterable: Iterable[Sequence[str]] | None = None,
              corpus_file: str | os.PathLike | None = None, total_examples: int | None = None,
              total_words: int | None = None, epochs: int | None = None,
              start_alpha: float | None = None, end_alpha: float | None = None,
              word_count: int = 0, queue_factor: int = 2, report_delay: float = 1.0,
              compute_loss: bool | None = None, callbacks: Sequence[Any] | None = None, *,
              progress: bool = True) -> "Word2Vec":
        """Train on a corpus (usually the one given to :meth:`build_vocab`).

        gensim's signature and meaning. Training continues from the current
        tables, so calling it again (or on a loaded model) goes on learning.
        The learning rate decays linearly from ``start_alpha`` (default
        ``alpha``) to ``end_alpha`` (default ``min_alpha``, never gone below)
        over the ``epochs`` of this call (default ``epochs``), by the progress
        through the corpus that gensim uses: sentences out of
        ``total_examples``, else raw words out of ``total_words``, else (not
        in gensim, which requires one of them) the corpus itself -- counted from
        the vocabulary when it is the one it was built from, otherwise in one
        extra pass. ``compute_loss`` and ``callbacks`` default to the model's.
        ``word_count`` (unused by gensim too), ``queue_factor`` and
        ``report_delay`` (thread-queue and logging settings) have no effect.

        Returns
        -------
        self
            (gensim returns the trained and raw word counts.)
        """
        from .._base.progress import Progress

        self._check_trainable()
        epochs = self.epochs if epochs is None else epochs
        start_alpha = self.alpha if start_alpha is None else start_alpha
        end_alpha = self.min_alpha if end_alpha is None else end_alpha
        check_params(locals(), _TRAIN_CONSTRAINTS, self._owner)
        compute_loss = self.compute_loss if compute_loss is None else bool(compute_loss)
        callbacks = self.callbacks if callbacks is None else tuple(callbacks)
        corpus = self._training_corpus(corpus_iterable, corpus_file)
        key_to_index = self.wv.key_to_index
        per_epoch, pass_words = self._words_per_epoch(corpus, total_examples, total_words)
        run = self._start_run(start_alpha, end_alpha, epochs * per_epoch, compute_loss)
        self._notify(callbacks, "on_train_begin")
        self._latest_training_loss = 0.0
        with Progress(f"{self._owner} training", total=epochs * pass_words, unit="word",
                      quiet=not progress) as bar:
            for e in range(epochs):
                self._notify(callbacks, "on_epoch_begin")
                loss = self._train_epoch(run, corpus, key_to_index, e * per_epoch, bar)
                self.epochs_trained_ += 1
                if compute_loss:
                    self.training_loss_.append(float(loss))
                    self._latest_training_loss += float(loss)
                self._epoch_done()
                self._notify(callbacks, "on_epoch_end")
        self._notify(callbacks, "on_train_end")
        from ._health import warn_if_collapsed

        warn_if_collapsed(self)
        return self

    def get_latest_training_loss(self) -> float:
        """The loss summed over the epochs of the last :meth:`train` call (gensim's).

        0.0 when that call ran without ``compute_loss`` (as gensim); the
        loss of each epoch is in ``training_loss_``.
        """
        return float(getattr(self, "_latest_training_loss", 0.0))

    def predict_output_word(self, context_words_list: Iterable[Any],
                            topn: int = 10) -> list[tuple[str, float]] | None:
        """The ``topn`` most probable center words between ``context_words_list``, as gensim.

        The softmax over ``syn1neg`` of the mean (``cbow_mean=1``) or sum of the
        context's vectors, for skip-gram models too; words (str) or rows
        (int) outside the vocabulary are skipped, ``None`` when none is left.
        See :mod:`sparsedense.models._predict`.

        Examples
        --------
        >>> from sparsedense.models import Word2Vec
        >>> sentences = [["deposit", "savings", "bank"],
        ...              ["mortgage", "loan", "bank"]] * 50
        >>> model = Word2Vec(sentences, vector_size=16, min_count=1, epochs=20, seed=7)
        >>> model.predict_output_word(["mortgage", "bank"], topn=1)[0][0]
        'loan'
        >>> round(sum(p for _, p in model.predict_output_word(["loan"], topn=5)), 6)
        1.0
        """
        from ._predict import predict_output_word

        return predict_output_word(self, context_words_list, topn)

    def _notify(self, callbacks: Sequence[Any], event: str) -> None:
        """Call method ``event`` (``"on_epoch_end"``, ...) of each callback that has it."""
        for cb in callbacks:
            if hasattr(cb, event):
                getattr(cb, event)(self)

    def _training_corpus(self, corpus_iterable: Iterable[Sequence[str]] | None,
                         corpus_file: str | os.PathLike | None) -> Corpus:
        """The corpus given to :meth:`train`, else the one the vocabulary was built from."""
        if corpus_iterable is None and corpus_file is None:
            corpus = getattr(self, "_vocab_corpus", None)
            if corpus is None:
                raise TypeError(f"{self._owner}: train() needs corpus_iterable or corpus_file")
            return corpus
        return Corpus(corpus_iterable, corpus_file, owner=self._owner)

    def _start_run(self, start_alpha: float, end_alpha: float, total: float,
                   compute_loss: bool) -> _Run:
        """What every round of one :meth:`train` call shares."""
        from .._kernels.word2vec import sigmoid_table

        tables = self._training_tables()
        sample_int = sample_ints(self._counts, self.sample)
        prob, alias = noise_alias(self._counts, self.ns_exponent)
        return _Run(tables, self._shard_buffers(), sample_int, prob, alias, sigmoid_table(),
                    start_alpha, end_alpha, total, compute_loss)

    def _train_epoch(self, run: _Run, corpus: Corpus, key_to_index: dict[str, int],
                     done: float, bar: Any) -> float:
        """One pass over the corpus, a round per chunk; returns the pass's loss.

        ``done`` is the schedule's progress (in-vocabulary words) before the
        pass; each shard's random state comes from the seed, the epoch, the
        chunk and the shard, so no draw depends on the threads.
        """
        from .._kernels.word2vec import shard_seed

        shards = self.workers
        global_epoch = self.epochs_trained_
        loss = 0.0
        for chunk_no, (ids, ends) in enumerate(
                corpus.iter_chunks(key_to_index, self._round_words * shards)):
            shard_lo = _split_shards(ends, shards)
            starts = np.concatenate(([0], ends))[shard_lo[:-1]]
            words_before = (done + starts).astype(np.float64)
            states = np.array([shard_seed(self.seed, global_epoch, chunk_no, s)
                               for s in range(shards)], dtype=np.uint64)
            loss += self._run_round(run, ids, ends, shard_lo, words_before, states)
            done += int(ids.shape[0])
            bar.update(int(ids.shape[0]))
        return loss

    def _words_per_epoch(self, corpus: Corpus, total_examples: int | None,
                         total_words: int | None) -> tuple[float, int]:
        """In-vocabulary words of one epoch of the schedule (gensim's meaning), and of one pass.

        gensim measures an epoch's progress as sentences out of
        ``total_examples``, else raw words out of ``total_words``; the kernel
        measures in-vocabulary words, so a pass of the corpus counts as
        ``declared / actual`` of an epoch in both.
        """
        same = getattr(self, "_vocab_corpus", None)
        if same is not None and (same.sentences is corpus.sentences and
                                 same.corpus_file == corpus.corpus_file):
            in_vocab = getattr(self, "_vocab_corpus_words", None)
            if in_vocab is None:
                in_vocab = int(self._counts.sum()) - (1 if self._null_word_index() >= 0 else 0)
            raw, sentences = self.corpus_total_words, self.corpus_count
        elif total_examples is None and total_words is None:
            in_vocab = sum(int(ids.shape[0]) for ids, _ in
                           corpus.iter_chunks(self.wv.key_to_index, 1 << 20))
            raw = sentences = 1
        else:
            words, counts, raw, sentences = corpus.word_counts()
            k2i = self.wv.key_to_index
            in_vocab = int(sum(c for w, c in zip(words, counts.tolist()) if w in k2i))
        if in_vocab < 1:
            raise ValueError(f"{self._owner}: no word of the corpus is in the vocabulary of "
                             f"{len(self.wv)} words; nothing to train on")
        if total_examples is not None:
            return in_vocab * total_examples / max(sentences, 1), in_vocab
        if total_words is not None:
            return in_vocab * total_words / max(raw, 1), in_vocab
        return float(in_vocab), in_vocab

    def _null_word_index(self) -> int:
        """Row of gensim's padding word ``"\\0"`` when ``null_word`` added it, else -1."""
        return self.wv.key_to_index.get("\0", -1) if self.null_word else -1

    def _check_trainable(self) -> None:
        """The tables and counts the kernels will index match the vocabulary (cheap: shapes only).

        A model whose ``wv`` (or ``syn1neg``) was assigned by hand is refused
        here rather than trained out of bounds.
        """
        o = self._owner
        if self.wv is None:
            raise NotTrainableError(f"{o}: call build_vocab() before train()")
        counts = getattr(self, "_counts", None)
        n = len(self.wv)
        if counts is None or self.syn1neg is None:
            raise NotTrainableError(
                f"{o}: wv holds {n} words but the model has no training state for them (word "
                "counts, syn1neg): wv was assigned by hand; build the vocabulary with "
                "build_vocab() (or load a model saved with save()) before train()")
        shapes = {"wv.vectors": self._training_tables()[0], "syn1neg": self.syn1neg}
        for name, table in shapes.items():
            if not (isinstance(table, np.ndarray) and table.shape == (n, self.vector_size)
                    and table.dtype == np.float32):
                got = (f"shape {table.shape} and dtype {table.dtype}"
                       if isinstance(table, np.ndarray) else type(table).__name__)
                raise NotTrainableError(
                    f"{o}: {name} has {got}; training needs float32 of shape "
                    f"({n}, {self.vector_size}) (len(wv), vector_size)")
        if counts.shape != (n,):
            raise NotTrainableError(f"{o}: the model has {counts.shape[0]} word counts for "
                                    f"{n} words in wv; build_vocab() again")
        if not (self.syn1neg.flags.c_contiguous and self.syn1neg.flags.writeable):
            self.syn1neg = np.ascontiguousarray(self.syn1neg).copy()

    def _epoch_done(self) -> None:
        """Bring ``wv`` up to date with the trained tables."""
        self.wv._invalidate()

    def _training_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """The (input, output) tables the kernel updates in place."""
        syn0 = self.wv.vectors
        if not (syn0.dtype == np.float32 and syn0.flags.c_contiguous and syn0.flags.writeable):
            syn0 = np.ascontiguousarray(syn0, dtype=np.float32)
            expandos = self.wv.expandos
            self.wv = Vectors(self.wv.index_to_key, syn0)
            self.wv.expandos.update(expandos)
        return syn0, self.syn1neg

    def _shard_buffers(self) -> "_ShardBuffers":
        return _ShardBuffers(self.workers, [len(self._counts)] * 2, self.vector_size)

    def _row_needs(self, ids, ends, shard_lo) -> list[int]:
        """Upper bounds of the rows each shard copies, per table."""
        words = int(_shard_words(ends, shard_lo).max())
        return [words, words * (self.negative + 1)]

    def _run_round(self, run: _Run, ids: np.ndarray, ends: np.ndarray, shard_lo: np.ndarray,
                   words_before: np.ndarray, states: np.ndarray) -> float:
        """Train the shards of one chunk and merge them; returns the round's loss."""
        from .._kernels._dispatch import choose
        from .._kernels.word2vec import train_round

        syn0, syn1 = run.tables
        budget = run.budget
        budget.reserve(self._row_needs(ids, ends, shard_lo))
        losses = np.zeros(self.workers, np.float64)
        effective = np.zeros(self.workers, np.int64)
        kernel = choose(train_round, 1 << 20, allow=self.workers > 1)
        kernel(ids, ends, shard_lo, words_before, syn0, syn1, *budget.local, *budget.slot,
               *budget.rows, *budget.n, *budget.seen, *budget.union, states, run.sample_int,
               run.prob, run.alias, run.exp_table,
               bool(self.sg), self.window, self.shrink_windows, self.negative,
               bool(self.cbow_mean), np.float32(run.start_alpha), np.float32(run.end_alpha),
               float(run.total), run.compute_loss, losses, effective)
        return float(losses.sum())

    def __repr__(self) -> str:
        n = 0 if self.wv is None else len(self.wv)
        return (f"{self._owner}<vocab={n}, vector_size={self.vector_size}, "
                f"{'sg' if self.sg else 'cbow'}, alpha={self.alpha}>")


def initial_vectors(seed: int, rows: int, dim: int) -> np.ndarray:
    """gensim's initial vectors: float32, uniform in ``[-1/dim, 1/dim)``.

    Drawn from ``numpy.random.default_rng(seed)``, as gensim 4.4 does.
    """
    rng = np.random.default_rng(seed=seed)
    vectors = rng.random((rows, dim), dtype=np.float32)
    vectors *= 2.0
    vectors -= 1.0
    vectors /= dim
    return vectors
