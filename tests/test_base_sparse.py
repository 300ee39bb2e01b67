"""Malformed scipy.sparse input is refused before any kernel reads it (issue 21).

A CSR whose column index is out of range or whose ``indptr`` runs backwards
used to crash the process (segfault) or read outside the weight table. Each
public function that takes a sparse matrix is called on every malformation in
a child process, so a crash fails the test instead of killing pytest; each
call must raise ValueError naming the bad array. A bounded hypothesis campaign
over random index arrays (also in a child process) checks that a valid
structure gives the reference result and an invalid one a ValueError.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

from sparsedense._base.sparse import check_csr, check_sparse_structure

#: run by the child process: every (caller, malformation) pair, one JSON line each
_CHILD = r'''
import json, sys
import numpy as np, scipy.sparse as sp
import sparsedense as sd
from sparsedense import functional as F
from sparsedense.similarity import cosine_similarity, topk_similar
from sparsedense.models import GloVe, ppmi

N = 12
rng = np.random.default_rng(0)
good = sp.random(N, N, density=0.3, format="csr", random_state=0, dtype=np.float64)
good.data[:] = rng.integers(1, 5, good.nnz)
W = rng.standard_normal((N, 3)).astype(np.float32)
words = [f"w{i}" for i in range(N)]
tfidf = sd.TfidfTransformer().fit(good)
lsa = sd.LSA(n_components=2, random_state=0).fit(good)


def malformed():
    X = good.copy(); X.indices[X.nnz // 2] = N + 1000; yield "csr index >= n_cols", X
    X = good.copy(); X.indices[1] = -3; yield "csr negative index", X
    X = good.copy(); X.indptr[4] = X.indptr[6] + 1; yield "csr indptr decreasing", X
    X = good.copy(); X.indptr[-1] = X.nnz + 50; yield "csr indptr past nnz", X
    X = good.copy(); X.indptr = X.indptr[:-2]; yield "csr indptr too short", X
    X = good.copy(); X.indptr = X.indptr + 1; yield "csr indptr not from 0", X
    X = good.tocsc(); X.indices[0] = N + 7; yield "csc index >= n_rows", X
    X = good.tocoo(); X.col = X.col.copy(); X.col[0] = N + 7; yield "coo col >= n_cols", X
    X = sp.csr_array(good.copy()); X.indices[2] = N; yield "csr_array index == n_cols", X


CALLERS = {
    "sparse_to_dense sum": lambda X: sd.sparse_to_dense(X, W),
    "sparse_to_dense mean": lambda X: sd.sparse_to_dense(X, W, mode="mean"),
    "sparse_to_dense max": lambda X: sd.sparse_to_dense(X, W, mode="max"),
    "TfidfTransformer.fit": lambda X: sd.TfidfTransformer().fit(X),
    "TfidfTransformer.transform": lambda X: tfidf.transform(X),
    "GloVe.fit": lambda X: GloVe(vector_size=4, epochs=1, seed=0).fit(X, words),
    "ppmi": lambda X: ppmi(X),
    "cosine_similarity": lambda X: cosine_similarity(X),
    "cosine_similarity dense B": lambda X: cosine_similarity(X, np.ones((2, N))),
    "topk_similar": lambda X: topk_similar(X, k=2),
    "topk_similar corpus": lambda X: topk_similar(np.ones((2, N)), X, k=2),
    "LSA.fit": lambda X: sd.LSA(n_components=2, random_state=0).fit(X),
    "LSA.transform": lambda X: lsa.transform(X),
    "onehot_to_indices": lambda X: F.onehot_to_indices(X),
    "embedding (one-hot)": lambda X: F.embedding(X, W),
}
for caller, call in CALLERS.items():
    for case, X in malformed():
        try:
            call(X)
            outcome = "no error"
        except ValueError as exc:
            outcome = "ValueError: " + str(exc)
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        print(json.dumps({"caller": caller, "case": case, "outcome": outcome}), flush=True)
'''


def test_every_caller_refuses_every_malformation():
    proc = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"child crashed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 15 * 9
    wrong = [r for r in rows if not r["outcome"].startswith("ValueError: ")
             or not any(name in r["outcome"] for name in (".indices", ".indptr", ".col"))]
    assert not wrong, "\n".join(f"{r['caller']} / {r['case']}: {r['outcome']}" for r in wrong)


def _csr(n_rows, n_cols, indptr, indices):
    X = sp.csr_matrix((n_rows, n_cols))
    X.indptr = np.asarray(indptr)
    X.indices = np.asarray(indices)
    X.data = np.ones(len(indices))
    return X


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_messages_name_the_array_value_and_position(dtype):
    X = _csr(3, 4, np.array([0, 2, 3, 4], dtype), np.array([0, 3, 4, 1], dtype))
    with pytest.raises(ValueError, match=r"^X\.indices\[2\] = 4 \(row 1\) is out of range for "
                                         r"4 columns \(valid: 0\.\.3\)"):
        check_csr(X)
    X = _csr(3, 4, np.array([0, 2, 1, 4], dtype), np.array([0, 3, 2, 1], dtype))
    with pytest.raises(ValueError, match=r"X\.indptr must be non-decreasing; X\.indptr\[2\] = 1 "
                                         r"< X\.indptr\[1\] = 2"):
        check_csr(X)
    X = _csr(3, 4, np.array([0, 2, 3, 9], dtype), np.array([0, 3, 2, 1], dtype))
    with pytest.raises(ValueError, match=r"X\.indptr\[-1\] = 9 is past the end of X\.indices "
                                         r"\(length 4\)"):
        check_csr(X)
    X = _csr(3, 4, np.array([0, 2, 4], dtype), np.array([0, 3, 2, 1], dtype))
    with pytest.raises(ValueError, match=r"X\.indptr has 3 entries; a CSR matrix of shape "
                                         r"\(3, 4\) needs 4"):
        check_csr(X)
    X = _csr(3, 4, np.array([0, 2, 3, 4], dtype), np.array([0, 3, 2, 1], dtype))
    X.indices = X.indices.astype(np.float64)
    with pytest.raises(TypeError, match=r"X\.indices must be integers; got dtype float64"):
        check_csr(X)


def test_valid_matrices_pass_unchanged():
    rng = np.random.default_rng(1)
    X = sp.random(30, 20, density=0.2, format="csr", random_state=rng)
    assert check_csr(X) is X  # already CSR, no copy asked: the same object
    for fmt in ("csc", "coo", "bsr", "lil", "dok", "dia"):
        Y = check_csr(X.asformat(fmt), "Y")
        assert isinstance(Y, sp.csr_matrix)
        np.testing.assert_array_equal(Y.toarray(), X.toarray())
    for empty in (sp.csr_matrix((0, 0)), sp.csr_matrix((0, 5)), sp.csr_matrix((4, 0)),
                  sp.csc_matrix((3, 2)), sp.coo_matrix((2, 2))):
        check_sparse_structure(empty)
        assert check_csr(empty).shape == empty.shape


def test_storage_past_the_end_is_dropped_not_read():
    """scipy allows indices/data longer than indptr[-1]; the extra slots are never used."""
    X = _csr(2, 3, [0, 1, 2], [0, 2, 99, -5])  # two garbage slots after the stored values
    Y = check_csr(X)
    assert Y.indices.tolist() == [0, 2]
    assert X.indices.tolist() == [0, 2, 99, -5]  # the caller's matrix is untouched
    W = np.eye(3, dtype=np.float32)
    from sparsedense import sparse_to_dense

    assert sparse_to_dense(X, W).tolist() == [[1, 0, 0], [0, 0, 1]]


def test_check_is_one_kernel_pass_over_the_indices():
    """No copy of a valid CSR, and the check reads indices only up to indptr[-1]."""
    X = sp.random(200, 50, density=0.1, format="csr", random_state=0)
    X.indices.flags.writeable = False
    X.indptr.flags.writeable = False
    assert check_csr(X) is X


#: the hypothesis campaign, run in a child process (a crash must fail the test, not pytest)
_FUZZ = r'''
import numpy as np, scipy.sparse as sp
from hypothesis import given, settings, strategies as st, HealthCheck
import sparsedense as sd
from sparsedense.similarity import cosine_similarity

@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.data())
def run(data):
    n_rows = data.draw(st.integers(0, 6))
    n_cols = data.draw(st.integers(1, 6))
    indptr = data.draw(st.lists(st.integers(-2, 12), min_size=n_rows + 1,
                                max_size=n_rows + 1))
    nnz = data.draw(st.integers(0, 12))
    indices = data.draw(st.lists(st.integers(-3, n_cols + 3), min_size=nnz, max_size=nnz))
    idx_dtype = data.draw(st.sampled_from([np.int32, np.int64]))
    X = sp.csr_matrix((n_rows, n_cols))
    X.indptr = np.array(indptr, dtype=idx_dtype)
    X.indices = np.array(indices, dtype=idx_dtype)
    X.data = np.arange(1, nnz + 1, dtype=np.float64)
    valid = (indptr[0] == 0 and all(a <= b for a, b in zip(indptr, indptr[1:]))
             and indptr[-1] <= nnz and all(0 <= j < n_cols for j in indices[:indptr[-1]]))
    W = np.arange(n_cols * 2, dtype=np.float64).reshape(n_cols, 2)
    for call in (lambda: sd.sparse_to_dense(X, W), lambda: sd.sparse_to_dense(X, W, "max"),
                 lambda: cosine_similarity(X), lambda: sd.TfidfTransformer().fit_transform(X)):
        try:
            out = call()
        except ValueError as exc:  # a valid matrix may be refused for another reason
            structural = any(w in str(exc) for w in ("X.indptr", "X.indices", "A.ind"))
            assert structural != valid, (indptr, indices, str(exc))
            continue
        assert valid, (indptr, indices)
    if valid:
        ref = np.zeros((n_rows, 2))
        for i in range(n_rows):
            for p in range(indptr[i], indptr[i + 1]):
                ref[i] += X.data[p] * W[indices[p]]
        np.testing.assert_allclose(sd.sparse_to_dense(X, W), ref)

run()
print("fuzz ok")
'''


def test_fuzz_malformed_structure_in_child():
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(_FUZZ)], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0 and "fuzz ok" in proc.stdout, \
        f"child failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
