"""Compile every kernel ahead of first use: :func:`warmup` and the cache probe of the CLI.

Numba compiles a kernel the first time it is called with a new signature and
keeps the machine code on disk (``cache=True``: ``__pycache__`` beside the
kernel modules, or ``NUMBA_CACHE_DIR``). A cold cache makes the first call of
a command take tens of seconds; :func:`warmup` pays that once, ahead (e.g. in
a Docker build), by running each public entry point on tiny inputs, so that
every signature the public API uses is compiled and saved. (The CLI's probe of
a cold cache is :mod:`sparsedense._first_use`.)
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: kernels that warmup() does not reach on purpose: "module.name" -> reason (a serial twin
#: exists for the rule that every parallel kernel has one: tests/test_kernels_dispatch.py)
NOT_REACHED_ALLOWED: dict[str, str] = {
    "bag._zero_rows_serial": "functional/_bag.py calls _zero_rows only when use_parallel() "
                             "is true for the same work: choose() gives the parallel variant",
}


def not_for_this_cpu(found: dict[str, Any]) -> list[str]:
    """Kernels this process never runs, whose modules serve only CPUs (or systems) with
    a feature it lacks: AMX byte tiles (``int8_tiles``); bfloat16 products, AMX tiles
    or AVX-512 BF16 (``bf16_topk``). Sorted ``"module.name"`` strings."""
    from ._kernels._tiles import tiles_usable
    from ._topk_tiles import screen_kind

    lacking = set()
    if not tiles_usable("INT8_TILES"):
        lacking.add("int8_tiles")
    if screen_kind() is None:
        lacking.add("bf16_topk")
    return sorted(key for key in found if key.split(".", 1)[0] in lacking)


def kernels() -> dict[str, Any]:
    """Every Numba dispatcher defined in the modules of ``sparsedense._kernels``.

    Keyed ``"<module>.<name>"``; importing the modules compiles nothing.
    """
    from numba.core.dispatcher import Dispatcher

    from . import _kernels

    found: dict[str, Any] = {}
    for info in pkgutil.iter_modules(_kernels.__path__):
        module = importlib.import_module(f"{_kernels.__name__}.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, Dispatcher) and value.py_func.__module__ == module.__name__:
                found[f"{info.name}.{name}"] = value
    return found


def _callees(dispatcher, by_id: dict[int, str]) -> set[str]:
    """The kernels ``dispatcher``'s code calls by a global name (compiled into it)."""
    names: set[str] = set()
    codes = [dispatcher.py_func.__code__]
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    scope = dispatcher.py_func.__globals__
    return {by_id[id(scope[n])] for n in names if n in scope and id(scope[n]) in by_id}


def not_reached(found: dict[str, Any]) -> list[str]:
    """Kernels with no compiled signature in this process and not called by one that has.

    A kernel loaded from the disk cache carries the code of the kernels it
    calls, which are then neither compiled nor loaded themselves: they count
    as reached through their caller.
    """
    by_id = {id(d): key for key, d in found.items()}
    reached = {key for key, d in found.items() if d.signatures}
    todo = list(reached)
    while todo:
        for callee in _callees(found[todo.pop()], by_id):
            if callee not in reached:
                reached.add(callee)
                todo.append(callee)
    return sorted(set(found) - reached)


def _counts(found: dict[str, Any]) -> tuple[int, int]:
    """(signatures compiled, signatures loaded from the disk cache) so far in this process."""
    compiled = loaded = 0
    for d in found.values():
        stats = d.stats
        compiled += sum(stats.cache_misses.values())
        loaded += sum(stats.cache_hits.values())
    return compiled, loaded


def _tuned_for(parallel: bool):
    """Every size test of the public layer takes a kernel: the serial or the parallel one.

    The tuned constants (:mod:`sparsedense._kernels._tuning`) choose per call
    between a peer's path (``*_MAX_*``: numpy below it) and a serial and a
    parallel kernel (``*_MIN_*``: parallel from it). Tiny inputs with the
    real values would mostly take numpy and the serial kernels; these
    overrides make them take every kernel, in two passes. Compile-time
    constants and sizes (tasks, tiles) are left alone.
    """
    from ._kernels import _tuning

    values = {}
    for row in _tuning.table():
        name = row["name"]
        if row["compile_time"]:
            continue
        if "_MAX_" in name:
            values[name] = 0
        elif "_MIN_" in name:
            values[name] = 0 if parallel else sys.maxsize
    # a short call takes the threads while the pool is awake (_pool): always, or never
    values["POOL_SPIN_MICROSECONDS"] = sys.maxsize if parallel else 0
    values["INT8_SCREEN"] = 1  # the int8 screen's kernels, on a CPU that routes past them too
    # the tile screen's kernels (where the CPU has tiles) for tiny inputs, in both passes
    values["TOPK_TILES_FROM_PAIRS"] = values["TOPK_TILES_FROM_QUERIES"] = 0
    values["TOPK_BF16_DOTS_FROM_PAIRS"] = 0  # ... and where it has AVX-512 BF16
    values["INT8_TILES_FROM_PAIRS"] = 0  # the int8 screen's tile kernel (where the CPU has it)
    return _tuning.override(**values)


# -- the steps: each runs a family of public calls on tiny inputs ------------------------------

_DOCS = ["the bank raised the deposit rate", "rain and snow in the mountains today",
         "the savings bank opened a new branch", "snow fell on the mountains and the rain stopped",
         "은행 예금 금리가 올랐다", "오늘 산에 눈과 비가 내렸다", "café naïve résumé",
         "beyond the BMP: 𝐛𝐨𝐥𝐝 𝔣𝔯𝔞𝔨𝔱𝔲𝔯 🙂"]
#: a document with more distinct words than an interner's first table holds (it grows)
_MANY_WORDS = " ".join(f"t{i}" for i in range(700))
_SENTENCES = [d.split() for d in _DOCS] * 4
_INDEX_DTYPES = (np.int32, np.int64)


class _Step:
    """Arguments of one step: float dtype, whether the parallel variants run, a scratch dir."""

    def __init__(self, dtype: np.dtype, parallel: bool, scratch: str) -> None:
        self.dtype = dtype
        self.parallel = parallel
        self.scratch = scratch
        self.rng = np.random.default_rng(0)

    @property
    def workers(self) -> int:
        return 2 if self.parallel else 1

    def table(self, rows: int = 20, dim: int = 6) -> np.ndarray:
        return self.rng.standard_normal((rows, dim)).astype(self.dtype)

    def csr(self, rows: int = 5, cols: int = 20, index_dtype=np.int32):
        import scipy.sparse as sp

        X = sp.random(rows, cols, density=0.3, format="csr", random_state=1, dtype=self.dtype)
        X.indices = X.indices.astype(index_dtype)
        X.indptr = X.indptr.astype(index_dtype)
        return X


def _text(s: _Step) -> None:
    from .text import CountVectorizer, HashingVectorizer, TfidfTransformer, TfidfVectorizer, one_hot
    from .vocabulary import Vocabulary

    for kwargs in ({}, {"ngram_range": (1, 2), "stop_words": "english", "binary": True},
                   {"analyzer": "char", "ngram_range": (2, 3)}, {"analyzer": "char_wb"},
                   {"lowercase": False, "min_df": 1, "max_df": 0.9, "max_features": 8}):
        cv = CountVectorizer(**kwargs)
        counts = cv.fit_transform(_DOCS)
        cv.transform(_DOCS[:3])
        CountVectorizer(vocabulary=cv.get_feature_names_out()).transform(_DOCS[:2])
    CountVectorizer(ngram_range=(1, 2)).fit([_MANY_WORDS])
    tv = TfidfVectorizer(dtype=s.dtype, sublinear_tf=True)
    tv.fit_transform(_DOCS)
    tv.transform(_DOCS[:2])
    for norm in ("l1", "l2", None):
        TfidfTransformer(norm=norm).fit_transform(counts.astype(s.dtype))
        for kwargs in ({}, {"analyzer": "char", "ngram_range": (1, 3)},
                       {"ngram_range": (1, 2), "alternate_sign": False, "binary": True}):
            HashingVectorizer(n_features=64, norm=norm, dtype=s.dtype, **kwargs).transform(_DOCS)
    for it in _INDEX_DTYPES:
        one_hot(np.array([0, 2, 1], dtype=it), 4, dtype=s.dtype)
    Vocabulary.from_tokens(_SENTENCES).encode_batch(_DOCS[:3])
    Vocabulary.from_texts(_DOCS)


def _embedding_vectorizer(s: _Step) -> None:
    from .text import EmbeddingVectorizer

    words = sorted({w.lower() for d in _SENTENCES for w in d})
    weight = s.table(len(words), 6)
    for weighting in ("tfidf", "count", "binary"):
        for mode in ("sum", "mean", "max"):
            EmbeddingVectorizer(weight, words, weighting=weighting, mode=mode,
                                normalize="l2").fit_transform(_DOCS)


def _functional(s: _Step) -> None:
    from . import functional as F
    from ._kernels import _tuning

    # parallel pass: more rows, so the work passes any per-call threshold besides the tuned one
    V, D = (40, 8) if s.parallel else (20, 6)
    W = s.table(V, D)
    for it in _INDEX_DTYPES:
        idx = s.rng.integers(0, V, (4, 5)).astype(it)
        flat = idx.ravel()
        offsets = np.array([0, 3, 3, 9], dtype=it)
        F.embedding(idx, W)
        with _tuning.override(LOOKUP_SMALL_MAX_BYTES=sys.maxsize):  # (in the caches)
            F.embedding(idx, W)
        F.embedding(idx, W.copy(), padding_idx=0, max_norm=1.0)
        F.embedding(idx, W, out=np.empty(idx.shape + (D,), W.dtype))
        g = np.ones(idx.shape + (D,), W.dtype)
        for sparse in (False, True):
            for scale in (False, True):
                F.embedding_backward(g, idx, V, padding_idx=1, scale_grad_by_freq=scale,
                                     sparse=sparse)
        # a huge table and a small batch: the rows are sorted, not counted
        F.embedding_backward(g, idx, 5000, sparse=True)
        psw = s.rng.random(flat.shape[0]).astype(W.dtype)
        frequent = np.where(np.arange(40) % 4 == 0, 3, np.arange(40) % V).astype(it)
        psw_frequent = s.rng.random(40).astype(W.dtype)
        for mode in ("sum", "mean", "max"):
            F.embedding_bag(idx, W, mode=mode)
            out = F.embedding_bag(flat, W, offsets, mode=mode, padding_idx=0)
            F.embedding_bag(flat, W.copy(), offsets, mode=mode, max_norm=1.0,
                            include_last_offset=True)
            if mode != "max":
                F.embedding_bag(flat, W, offsets, mode=mode, per_sample_weights=psw)
            for sparse in (False, True):
                for scale in (False, True) if mode != "max" else (False,):
                    F.embedding_bag_backward(np.ones_like(out), flat, W, offsets, mode=mode,
                                             padding_idx=2, sparse=sparse,
                                             scale_grad_by_freq=scale)
                if mode != "max":
                    F.embedding_bag_backward(np.ones_like(out), flat, W, offsets, mode=mode,
                                             per_sample_weights=psw, sparse=sparse)
                    # a row in many bags: its gradient is built by streaming the bags
                    F.embedding_bag_backward(np.ones((4, D), W.dtype), frequent, W,
                                             np.arange(0, 40, 10, dtype=it), mode=mode,
                                             per_sample_weights=psw_frequent, sparse=sparse)
        X = s.csr(6, V, index_dtype=it)
        for mode in ("sum", "mean", "max"):
            for normalize in (None, "l2"):
                F.sparse_to_dense(X, W, mode=mode, normalize=normalize)
        F.onehot_to_indices(F.indices_to_onehot(idx[0], V, dtype=W.dtype))


def _quantized(s: _Step) -> None:
    from . import functional as F
    from ._kernels import _tuning
    from .quantized import quantize
    from .similarity import topk_similar

    V, D = (40, 8) if s.parallel else (20, 6)
    W = s.table(V, D).astype(np.float32)
    for dtype in ("int8", "int4", "float16"):
        qt = quantize(W, dtype)
        qt.dequantize()
        for it in _INDEX_DTYPES:
            idx = s.rng.integers(0, V, (4, 5)).astype(it)
            flat = idx.ravel()
            offsets = np.array([0, 3, 3, 9], dtype=it)
            F.embedding(idx, qt)
            psw = s.rng.random(flat.shape[0]).astype(np.float32)
            for mode in ("sum", "mean", "max"):
                F.embedding_bag(flat, qt, offsets, mode=mode)
                if mode != "max":
                    F.embedding_bag(flat, qt, offsets, mode=mode, per_sample_weights=psw)
                F.sparse_to_dense(s.csr(6, V, index_dtype=it), qt, mode=mode)
        topk_similar(W[:3], qt, k=2)
        native = s.table(V, D)  # the step's dtype: the exact re-rank's canonical scores in it
        # (more than one group of queries, _kernels/int8_dots.GROUP, for the parallel screen)
        n_q = 25 if s.parallel else 3
        for table in (W, native):
            for metric in ("cosine", "dot"):
                topk_similar(table[:n_q], quantize(table, dtype), k=2, metric=metric,
                             rerank=table)
                if dtype == "int8":  # the vector products' kernel, where tiles take the rest
                    with _tuning.override(INT8_TILES_FROM_PAIRS=sys.maxsize):
                        topk_similar(table[:n_q], quantize(table, dtype), k=2, metric=metric,
                                     rerank=table)


def _nn_optim(s: _Step) -> None:
    from .nn import Embedding, EmbeddingBag
    from .optim import SGD, Adagrad, SparseAdam

    W = s.table(40, 8)
    idx = s.rng.integers(0, 40, (6, 4))
    # (optimizer, gradient kinds it takes): momentum and weight decay need dense gradients
    makers = [(lambda m: SGD(m, lr=0.1), (False, True)),
              (lambda m: SGD(m, lr=0.1, momentum=0.9, weight_decay=0.1), (False,)),
              (lambda m: Adagrad(m, lr=0.1), (False, True)),
              (lambda m: SparseAdam(m, lr=0.1), (True,))]
    for make, kinds in makers:
        for sparse in kinds:
            emb = Embedding.from_pretrained(W.copy(), freeze=False, sparse=sparse)
            bag = EmbeddingBag.from_pretrained(W.copy(), freeze=False, sparse=sparse,
                                               mode="mean")
            opt = make([emb, bag])
            for _ in range(2):
                out = emb(idx)
                emb.backward(np.ones_like(out))
                out = bag(idx)
                bag.backward(np.ones_like(out))
                opt.step()
                opt.zero_grad()


def _similarity(s: _Step) -> None:
    import scipy.sparse as sp

    from ._kernels import _tuning
    from .decomposition import LSA
    from .similarity import cosine_similarity, normalize_rows, topk_similar

    A, B = s.table(12, 6), s.table(30, 6)
    cosine_similarity(A)
    cosine_similarity(A, B)
    normalize_rows(A)
    for k in (1, 3):
        topk_similar(A, B, k=k)
        topk_similar(A, k=k, exclude_self=True)
        topk_similar(A, B, k=k, metric="dot", block_size=4)
        # past the few queries each row multiplies itself: the bfloat16 products (tiles or
        # vectors) where the CPU has them, and BLAS's screen
        with _tuning.override(TOPK_FEW_QUERIES=0):
            topk_similar(A, B, k=k)
            topk_similar(A, B, k=k, metric="dot")
            with _tuning.override(TOPK_TILES=0, TOPK_BF16_DOTS=0):
                topk_similar(A, B, k=k)
    for it in _INDEX_DTYPES:
        X, Y = s.csr(8, 30, index_dtype=it), s.csr(12, 30, index_dtype=it)
        cosine_similarity(X)
        cosine_similarity(X, Y)
        cosine_similarity(X, Y, dense_output=False)
        # a column in every row: multiplied densely
        common = sp.hstack([np.ones((12, 1), dtype=s.dtype), s.csr(12, 29)], format="csr")
        common.indices = common.indices.astype(it)
        common.indptr = common.indptr.astype(it)
        cosine_similarity(common)
        with _tuning.override(COSINE_DENSE_MIN_ROWS=sys.maxsize):  # its columns by our kernel
            cosine_similarity(common)
        topk_similar(X, Y, k=3)
        topk_similar(X, k=2, exclude_self=True)
        lsa = LSA(n_components=3, random_state=0)
        lsa.fit_transform(s.csr(20, 30, index_dtype=it))
        lsa.transform(X)


def _vectors(s: _Step) -> None:
    from .vectors import Vectors, load_vectors

    keys = [f"w{i}" for i in range(30)]
    vec = Vectors(keys, s.table(30, 6))
    vec.most_similar("w1", topn=3)
    vec.most_similar(positive=["w1", "w2"], negative=["w3"], topn=3)
    vec.most_similar_batch(["w1", "w4"], topn=3)
    vec.similar_by_vector(vec.get_vector("w5"), topn=2)
    vec.get_normed_vectors()
    vec.norms
    vec.distances("w1", ["w2", "w3"])
    vec.doesnt_match(["w1", "w2", "w3"])
    for fmt, name in (("word2vec", "v.txt"), ("word2vec-binary", "v.bin"), ("glove", "g.txt"),
                      ("native", "v.npz")):
        path = os.path.join(s.scratch, name)
        vec.save(path, format=fmt)
        load_vectors(path, format=fmt, dtype=s.dtype).most_similar("w2", topn=2)
        if fmt != "native":  # streamed into a compressed table, keys in a compact store
            load_vectors(path, format=fmt, quantize="int8").most_similar("w2", topn=2)


def _models(s: _Step) -> None:
    from .models import FastText, GloVe, PPMISVD, Word2Vec, cooccurrence_matrix, ppmi

    corpus = os.path.join(s.scratch, "corpus.txt")
    with open(corpus, "w", encoding="utf-8") as fh:
        fh.write("\n".join(" ".join(d) for d in _SENTENCES) + "\n")
    common = {"vector_size": 8, "min_count": 1, "epochs": 1, "workers": s.workers, "seed": 1}
    for sg in (0, 1):
        Word2Vec(_SENTENCES, sg=sg, **common).wv.most_similar("bank", topn=2)
        Word2Vec(corpus_file=corpus, sg=sg, **common)
        FastText(_SENTENCES, sg=sg, min_n=2, max_n=3, bucket=100, **common).wv["unseen"]
    FastText(corpus_file=corpus, min_n=2, max_n=3, bucket=100, **common)
    for weighting in ("harmonic", "uniform"):
        for symmetric in (True, False):
            C, vocab = cooccurrence_matrix(_SENTENCES, window=3, weighting=weighting,
                                           symmetric=symmetric, min_count=1, dtype=s.dtype,
                                           progress=False)
            ppmi(C)
            ppmi(C, positive=False)
    cooccurrence_matrix(corpus, window=3, min_count=1, dtype=s.dtype, chunk_words=16,
                        progress=False)
    GloVe(vector_size=4, epochs=2, workers=s.workers, progress=False).fit(C, vocab)
    GloVe(vector_size=4, epochs=1, workers=s.workers, progress=False).fit_corpus(
        _SENTENCES, window=3, min_count=1)
    PPMISVD(vector_size=3, random_state=0).fit(C, vocab)


#: (name, step) in the order warmup() runs them
STEPS: tuple[tuple[str, Callable[[_Step], None]], ...] = (
    ("text", _text), ("embedding vectorizer", _embedding_vectorizer),
    ("functional", _functional), ("compressed tables", _quantized), ("nn + optim", _nn_optim), ("similarity + LSA", _similarity),
    ("vectors", _vectors), ("models", _models))


def _check_dtypes(dtypes: Any) -> list[np.dtype]:
    if isinstance(dtypes, (str, bytes)) or not isinstance(dtypes, Sequence):
        raise TypeError(f"dtypes must be a sequence of float dtypes; got {dtypes!r}")
    out = []
    for i, value in enumerate(dtypes):
        try:
            dtype = np.dtype(value)
        except TypeError:
            raise TypeError(f"dtypes[{i}] = {value!r} is not a dtype (expected 'float32' or "
                            "'float64')") from None
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtypes[{i}] = {value!r}: expected 'float32' or 'float64'")
        out.append(dtype)
    if not out:
        raise ValueError("dtypes is empty: expected at least one of 'float32', 'float64'")
    return out


def warmup(*, progress: bool | None = None,
           dtypes: Sequence[Any] = ("float32", "float64")) -> dict[str, Any]:
    """Compile (or load from the disk cache) every kernel signature the public API uses.

    Runs each public entry point (vectorizers, one-hot, embeddings and bags
    forward and backward, ``sparse_to_dense``, optimizers, similarity and
    top-k, LSA, vector files and queries, the trainers and co-occurrences)
    on tiny inputs for each of ``dtypes`` with 32- and 64-bit indices, once
    with the serial kernels and once with the parallel ones forced (the
    tuned size thresholds overridden, so that tiny inputs reach every kernel). Later
    calls in any process on this machine then load the kernels from the
    cache instead of compiling them (seconds instead of tens of seconds).

    Parameters
    ----------
    progress : bool or None, default=None
        ``False``: no progress bar. Otherwise a bar on standard error when it
        is a terminal and tqdm is installed.
    dtypes : sequence of {'float32', 'float64'}, default=('float32', 'float64')
        The float types to compile for.

    Returns
    -------
    dict
        ``kernels`` (number of kernels found), ``compiled`` and ``loaded``
        (signatures compiled here / loaded from the disk cache by this call),
        ``signatures`` (signatures in memory afterwards), ``seconds``,
        ``cache_dir`` (the directory Numba caches the kernels in, ``None`` if
        unknown), ``not_reached`` (kernels that still have no code, sorted
        ``"module.name"`` strings; empty when every kernel was reached) and
        ``not_for_this_cpu`` (:func:`not_for_this_cpu`: kernels for features
        this CPU lacks, which it never runs).

    Raises
    ------
    TypeError
        ``dtypes`` is not a sequence of dtypes.
    ValueError
        A dtype other than float32 or float64, or none.

    Notes
    -----
    The parallel kernels run only from the main thread: called from another
    thread, they are listed in ``not_reached``.

    Examples
    --------
    >>> import sparsedense as sd
    >>> report = sd.warmup(progress=False, dtypes=["float32"])  # doctest: +SKIP
    >>> report["not_reached"]  # doctest: +SKIP
    []
    """
    from ._base.progress import Progress

    float_dtypes = _check_dtypes(dtypes)
    if progress not in (None, True, False):
        raise TypeError(f"progress must be True, False or None; got {progress!r}")
    found = kernels()
    start = time.perf_counter()
    before = _counts(found)
    total = 2 * len(float_dtypes) * len(STEPS)
    with warnings.catch_warnings(), \
            tempfile.TemporaryDirectory(prefix="sparsedense-warmup-") as scratch, \
            Progress("compiling kernels", total=total, unit="step",
                     quiet=progress is False) as bar:
        warnings.simplefilter("ignore")  # about the tiny inputs, not the user's data
        for parallel in (False, True):
            with _tuned_for(parallel):
                for dtype in float_dtypes:
                    for _, step in STEPS:
                        step(_Step(dtype, parallel, scratch))
                        bar.update()
    after = _counts(found)
    return {"kernels": len(found), "compiled": after[0] - before[0],
            "loaded": after[1] - before[1],
            "signatures": sum(len(d.signatures) for d in found.values()),
            "seconds": round(time.perf_counter() - start, 2),
            "cache_dir": _cache_dir(found),
            "not_reached": not_reached(found), "not_for_this_cpu": not_for_this_cpu(found)}


def _cache_dir(found: dict[str, Any]) -> str | None:
    for d in found.values():
        try:
            return str(d.stats.cache_path)
        except Exception:  # caching disabled for this kernel
            continue
    return None
