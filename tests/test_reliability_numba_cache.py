"""Reliability: an unwritable or corrupted on-disk Numba cache must not break a call.

A child process runs lookups, TF-IDF and sparse-to-dense with ``NUMBA_CACHE_DIR``
pointing at a path that cannot be created, then at a cache whose files were
overwritten with garbage: the results are right and any warning is Numba's
caching warning.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np


CACHE_SCRIPT = textwrap.dedent(
    """
    import sys
    import warnings
    import numpy as np
    import scipy.sparse as sp
    warnings.simplefilter("always")
    import sparsedense
    from sparsedense.functional import embedding, sparse_to_dense

    out = sys.argv[1]
    rng = np.random.default_rng(3)
    W = rng.standard_normal((50, 8)).astype(np.float32)
    idx = rng.integers(0, 50, size=(4, 7))
    lookup = embedding(idx, W)
    X = sparsedense.TfidfVectorizer().fit_transform(
        ["the cat sat on the mat", "the dog ate my homework", "a cat and a dog"])
    C = sp.random(6, 50, density=0.2, format="csr", random_state=1, dtype=np.float32)
    dense = sparse_to_dense(C, W)
    np.savez(out, lookup=lookup, idx=idx, W=W, tfidf=X.toarray(), C=C.toarray(), dense=dense)
    print("OK")
    """
)


def _run_cache_script(tmp_path, cache_dir, tag):
    script = tmp_path / "cache_script.py"
    script.write_text(CACHE_SCRIPT)
    out = tmp_path / f"{tag}.npz"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir))
    proc = subprocess.run([sys.executable, str(script), str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    return proc, out


def _check_cache_run(proc, out):
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "OK", proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Error" not in proc.stderr.replace("NumbaWarning", ""), proc.stderr
    # any warning must be a Numba caching warning
    for line in proc.stderr.splitlines():
        if "Warning" in line:
            assert "NumbaWarning" in line and "cach" in line.lower(), proc.stderr
    r = np.load(out)
    assert np.array_equal(r["lookup"], r["W"][r["idx"]])
    np.testing.assert_allclose(r["dense"], r["C"] @ r["W"], rtol=1e-5, atol=1e-5)
    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

    want = SkTfidf().fit_transform(["the cat sat on the mat", "the dog ate my homework",
                                    "a cat and a dog"]).toarray()
    np.testing.assert_allclose(r["tfidf"], want, rtol=1e-12, atol=1e-12)


def test_unwritable_numba_cache_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc, out = _run_cache_script(tmp_path, blocker / "cache", "unwritable")
    print("stderr with an unwritable NUMBA_CACHE_DIR:\n", proc.stderr or "<empty>")
    _check_cache_run(proc, out)
    assert blocker.read_text() == "not a directory"


def test_corrupted_numba_cache(tmp_path):
    cache = tmp_path / "cache"
    proc, out = _run_cache_script(tmp_path, cache, "populate")
    _check_cache_run(proc, out)
    files = [p for p in cache.rglob("*") if p.suffix in (".nbi", ".nbc")]
    assert any(p.suffix == ".nbi" for p in files), "the first run did not populate the cache"
    for p in files:
        p.write_bytes(b"\x00garbage\xff" * 7)
    proc, out = _run_cache_script(tmp_path, cache, "corrupted")
    print("stderr with a corrupted cache:\n", proc.stderr or "<empty>")
    _check_cache_run(proc, out)
