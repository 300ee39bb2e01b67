"""LSA: truncated SVD of a count or TF-IDF matrix, the count-based route from sparse to dense.

Randomized SVD (Halko, Martinsson & Tropp, 2011), step for step as
scikit-learn's ``TruncatedSVD(algorithm="randomized")`` does it: a Gaussian
test matrix, ``n_iter`` power iterations normalized by LU, a QR, the small
SVD, and the same sign convention. The sparse products, which are most of
the work, go through this library's bag kernels (``X @ Q`` is
:func:`~sparsedense.functional.sparse_to_dense` with ``Q`` as the table,
parallel over rows); the dense factorizations are LAPACK's, on one thread.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp

from ._kernels import _tuning
from ._base.validation import as_array, check_param, check_samples, float_dtype, is_int
from ._base.sparse import bag_product, check_csr
from ._base.estimator import BaseEstimator, TransformerMixin
from ._base.errors import NotFittedError
from ._base.progress import Progress

_NORMALIZERS = ("auto", "LU", "QR", "none")


def _csr(X: Any, dtype) -> sp.csr_matrix:
    X = sp.csr_matrix(check_csr(X, "X") if sp.issparse(X) else X, dtype=dtype)
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def _check_input(X: Any):
    """A 2-D real array or sparse matrix (scikit-learn's refusals: ValueError)."""
    if not sp.issparse(X):
        X = as_array(X, "X")
    if X.ndim != 2 or X.dtype.kind not in "biuf":
        what = "complex data is not supported; " if X.dtype.kind == "c" else ""
        raise ValueError(f"X must be a 2-D numeric array or sparse matrix; {what}got shape "
                         f"{X.shape} and dtype {X.dtype}")
    return X


def _spmm(A: sp.csr_matrix, B: np.ndarray, between_lapack: bool = False) -> np.ndarray:
    """``A @ B`` for CSR ``A`` and dense ``B``, on the bag kernel (rows in parallel).

    ``between_lapack``: the product runs between LAPACK calls, where a parallel
    product pays only from the tuned ``LSA_PARALLEL_MIN_WORK`` multiply-adds (serial
    and parallel give the same result).
    """
    allow = not between_lapack or A.nnz * B.shape[1] >= _tuning.get("LSA_PARALLEL_MIN_WORK")
    return bag_product(A.indptr, A.indices, A.data, np.ascontiguousarray(B), 0, allow)


@functools.cache
def _blas_controllers():
    """threadpoolctl's view of the loaded BLAS libraries (found once: a few milliseconds),
    as two controllers: those whose thread count each calling thread sets for itself
    (the OpenMP layer), and those with one count for the whole process."""
    from threadpoolctl import ThreadpoolController

    ctl = ThreadpoolController()
    blas = [c for c in ctl.lib_controllers if c.user_api == "blas"]
    per_thread = [c.filepath for c in blas if getattr(c, "threading_layer", "") == "openmp"]
    shared = [c.filepath for c in blas if c.filepath not in per_thread]
    return ctl.select(filepath=per_thread), ctl.select(filepath=shared)


def _release_blas_control() -> None:
    """Let any thread set a process-wide BLAS thread count next: threadpoolctl (3.8) lets
    one Python thread at a time do so, and keeps it in control after a limit that is not
    used as a ``with`` block, silently ignoring the others."""
    import threadpoolctl

    release = getattr(getattr(threadpoolctl, "OpenBLASController", None),
                      "clear_controlling_thread", None)
    if release is not None:
        release(force=True)


class _OneBlasThread:
    """BLAS and LAPACK on one thread while a randomized SVD runs.

    The factorizations of its tall, thin matrices gain nothing from more
    threads, and BLAS threads left spinning after each call would take the
    cores from the sparse products between them. Where the thread count is
    one setting for the whole process, the limit is counted: the first SVD to
    enter sets it, the last to leave restores what the caller had. (A limit
    per call would let the first to leave raise it under a second still
    running, which then factors on two threads with other roundings, and the
    last to leave "restore" one thread for good.)
    """

    _lock = threading.Lock()
    _users = 0
    _shared = None  # the process-wide limit, while an SVD runs

    def __enter__(self) -> None:
        per_thread, shared = _blas_controllers()
        cls = type(self)
        with cls._lock:
            if cls._users == 0 and shared.lib_controllers:
                _release_blas_control()
                cls._shared = shared.limit(limits=1)
                _release_blas_control()
            cls._users += 1
        self._own = per_thread.limit(limits=1) if per_thread.lib_controllers else None

    def __exit__(self, *exc) -> None:
        if self._own is not None:
            self._own.restore_original_limits()
        cls = type(self)
        with cls._lock:
            cls._users -= 1
            if cls._users == 0 and cls._shared is not None:
                _release_blas_control()
                cls._shared.restore_original_limits()
                _release_blas_control()
                cls._shared = None


def _lu_normalize(Y: np.ndarray) -> np.ndarray:
    """``scipy.linalg.lu(Y, permute_l=True)[0]``, the permuted unit-lower factor ``P @ L``,
    taken from LAPACK's ``getrf`` directly: the same values (the same factorization),
    without scipy's assembling of the permutation, most of its time on a tall ``Y``."""
    getrf, = la.get_lapack_funcs(("getrf",), (Y,))
    lu, piv, _ = getrf(Y)  # (info > 0 only flags a zero pivot, as scipy's lu ignores it)
    n, m = Y.shape[0], min(Y.shape)
    L = np.tril(lu[:, :m], -1)
    L[np.arange(m), np.arange(m)] = 1
    perm = np.arange(n)
    for i, p in enumerate(piv[:m]):  # the row interchanges, in LAPACK's order
        perm[i], perm[p] = perm[p], perm[i]
    out = np.empty_like(L)
    out[perm] = L
    return out


def _svd_flip_v(u: np.ndarray, vt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``svd_flip(u_based_decision=False)``: largest |v| entry of each row > 0."""
    rows = np.arange(vt.shape[0])
    signs = np.sign(vt[rows, np.argmax(np.abs(vt), axis=1)])
    signs[signs == 0] = 1
    return u * signs, vt * signs[:, None]


def randomized_svd(X, n_components: int, *, n_oversamples: int = 10, n_iter: int = 5,
                   power_iteration_normalizer: str = "auto", random_state=None,
                   progress: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Truncated SVD ``X ≈ U @ diag(s) @ Vt`` of a sparse (or dense) matrix.

    The algorithm of ``sklearn.utils.extmath.randomized_svd`` (with
    ``transpose='auto'``) whose sparse products run on this library's
    kernels. Signs follow ``svd_flip(u_based_decision=False)``. With
    ``progress``, a bar of the power iterations (and the final SVD) on a
    terminal's standard error.

    Returns
    -------
    U : ndarray (n_samples, n_components)
    s : ndarray (n_components,), descending
    Vt : ndarray (n_components, n_features)
    """
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    A = _csr(X, dtype)
    AT = A.T.tocsr()
    AT.sum_duplicates()
    transpose = A.shape[0] < A.shape[1]
    M, MT = (AT, A) if transpose else (A, AT)
    size = n_components + n_oversamples
    if isinstance(random_state, np.random.Generator):
        Q = random_state.standard_normal((M.shape[1], size))
    else:  # the legacy generator scikit-learn uses: same seed, same test matrix, same result
        rs = (random_state if isinstance(random_state, np.random.RandomState)
              else np.random.RandomState(random_state))
        Q = rs.normal(size=(M.shape[1], size))
    Q = Q.astype(dtype, copy=False)
    if power_iteration_normalizer == "auto":
        power_iteration_normalizer = "none" if n_iter <= 2 else "LU"

    def normalize(Y):
        if power_iteration_normalizer == "LU":
            return _lu_normalize(Y)
        if power_iteration_normalizer == "QR":
            return la.qr(Y, mode="economic", check_finite=False)[0]
        return Y

    with Progress(f"SVD ({n_components} components)", total=n_iter + 1, unit="iteration",
                  quiet=not progress) as bar, _OneBlasThread():
        for _ in range(n_iter):
            Q = normalize(_spmm(M, Q, True))
            Q = normalize(_spmm(MT, Q, True))
            bar.update()
        Q = la.qr(_spmm(M, Q, True), mode="economic", check_finite=False)[0]
        B = _spmm(MT, Q, True).T  # Q.T @ M
        Uhat, s, Vt = la.svd(B, full_matrices=False, check_finite=False, lapack_driver="gesdd")
        bar.update()
        U = Q @ Uhat
    if transpose:
        U, Vt = Vt[:n_components].T, U[:, :n_components].T
    else:
        U, Vt = U[:, :n_components], Vt[:n_components]
    U, Vt = _svd_flip_v(U, Vt)
    return np.ascontiguousarray(U), s[:n_components], np.ascontiguousarray(Vt)


def _column_variance_sum(X: sp.csr_matrix) -> float:
    n = X.shape[0]
    sums = np.bincount(X.indices, weights=X.data, minlength=X.shape[1])
    squares = np.bincount(X.indices, weights=np.square(X.data, dtype=np.float64),
                          minlength=X.shape[1])
    means = sums / n
    return float(np.sum(squares / n - means * means))


class LSA(TransformerMixin, BaseEstimator):
    """Latent semantic analysis: dense document and term vectors from a sparse matrix.

    A truncated SVD of a document-term matrix (counts or TF-IDF), with
    scikit-learn's ``TruncatedSVD(algorithm="randomized")`` parameters,
    attributes and results (same explained variance and subspace); the sparse
    products run on this library's parallel kernels.

    Parameters
    ----------
    n_components : int, default=100
        Dimension of the dense vectors.
    n_oversamples : int, default=10
    n_iter : int, default=5
        Power iterations of the randomized range finder.
    power_iteration_normalizer : {'auto', 'LU', 'QR', 'none'}, default='auto'
    random_state : int, numpy RandomState or Generator, or None
        Seed of the Gaussian test matrix. An int (or RandomState) draws it as
        scikit-learn does, so the same seed gives the same components.

    Attributes
    ----------
    components_ : ndarray (n_components, n_features)
        ``components_.T`` holds one dense vector per term (vocabulary word).
    explained_variance_, explained_variance_ratio_ : ndarray (n_components,)
    singular_values_ : ndarray (n_components,)
    n_features_in_ : int

    Examples
    --------
    >>> from sparsedense import LSA, TfidfVectorizer, load_sample_corpus
    >>> docs = load_sample_corpus("en").texts
    >>> X = TfidfVectorizer().fit_transform(docs)
    >>> lsa = LSA(n_components=20, random_state=0)
    >>> doc_vectors = lsa.fit_transform(X)
    >>> doc_vectors.shape, lsa.components_.T.shape[1]
    ((300, 20), 20)
    >>> bool(lsa.explained_variance_ratio_.sum() > 0.1)
    True
    """

    def __init__(self, n_components: int = 100, *, n_oversamples: int = 10, n_iter: int = 5,
                 power_iteration_normalizer: str = "auto", random_state=None) -> None:
        self.n_components = n_components
        self.n_oversamples = n_oversamples
        self.n_iter = n_iter
        self.power_iteration_normalizer = power_iteration_normalizer
        self.random_state = random_state

    #: a bar of the power iterations on a terminal's stderr while fitting (set True by the
    #: command line; not a parameter, so LSA's parameters stay TruncatedSVD's)
    _progress = False

    def _input_tags(self) -> dict[str, bool]:
        return {"sparse": True}

    def _validate(self, X) -> sp.csr_matrix:
        owner = "LSA"
        for name, low in (("n_components", 1), ("n_oversamples", 1), ("n_iter", 0)):
            value = getattr(self, name)
            check_param(value, name, f"an int in the range [{low}, inf)",
                        is_int(value) and value >= low, owner=owner)
        normalizer = self.power_iteration_normalizer
        check_param(normalizer, "power_iteration_normalizer", f"a str among {set(_NORMALIZERS)}",
                    normalizer in _NORMALIZERS, owner=owner)
        X = _check_input(X)
        check_samples(X.shape, "LSA")
        dtype = float_dtype(X.dtype)
        X = _csr(X, dtype)
        if self.n_components > X.shape[1]:
            raise ValueError(f"n_components({self.n_components}) must be <= "
                             f"n_features({X.shape[1]}).")
        return X

    def fit(self, X, y=None) -> "LSA":
        """Fit the SVD on ``X`` (n_samples, n_features); returns ``self``."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit and return the dense document vectors ``X @ components_.T``."""
        X = self._validate(X)
        _, s, Vt = randomized_svd(
            X, self.n_components, n_oversamples=self.n_oversamples, n_iter=self.n_iter,
            power_iteration_normalizer=self.power_iteration_normalizer,
            random_state=self.random_state, progress=self._progress)
        self.components_ = Vt
        self.n_features_in_ = X.shape[1]
        X_new = _spmm(X, Vt.T, True)
        self.explained_variance_ = np.var(X_new, axis=0)
        full_var = _column_variance_sum(X)
        self.explained_variance_ratio_ = self.explained_variance_ / full_var
        self.singular_values_ = s
        return X_new

    def transform(self, X) -> np.ndarray:
        """Dense vectors of new documents: ``X @ components_.T``."""
        if not hasattr(self, "components_"):
            raise NotFittedError("This LSA instance is not fitted yet. Call 'fit' first.")
        X = _csr(_check_input(X), self.components_.dtype)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but LSA is expecting "
                             f"{self.n_features_in_} features as input.")
        return _spmm(X, self.components_.T)

    def inverse_transform(self, X) -> np.ndarray:
        """Back to the (dense) term space: ``X @ components_``."""
        if not hasattr(self, "components_"):
            raise NotFittedError("This LSA instance is not fitted yet. Call 'fit' first.")
        X = _check_input(X)
        if sp.issparse(X):
            X = X.toarray()
        if X.shape[1] != self.components_.shape[0]:
            raise ValueError(f"X has {X.shape[1]} columns, but LSA.inverse_transform expects "
                             f"n_components={self.components_.shape[0]}")
        return X @ self.components_
