"""The vector-file parsing kernels called directly: serial == parallel, cached, nogil, lazy."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


def test_parallel_and_serial_kernels_agree(rng):
    from sparsedense._kernels.parse import POW10, _line_bounds, _parse_text_rows, \
        _parse_text_rows_serial

    w = rng.standard_normal((300, 40)).astype(np.float32)
    data = "".join(f"w{i} " + " ".join("%.6f" % v for v in row) + "\n"
                   for i, row in enumerate(w.tolist())).encode()
    buf = np.frombuffer(data, np.uint8)
    starts, ends, _ = _line_bounds(buf, 0, 10**9)
    outs = []
    for kernel in (_parse_text_rows, _parse_text_rows_serial):
        arrays = [np.empty((300, 40), np.float32)] + [np.empty(300, np.int64) for _ in range(3)]
        kernel(buf, starts, ends, *arrays, POW10)
        outs.append(arrays)
    for a, b in zip(*outs):
        assert np.array_equal(a, b)


def test_parse_kernels_are_cached_nogil_and_lazy():
    import subprocess
    import sys

    from sparsedense._kernels import parse

    kernels = [getattr(parse, n) for n in dir(parse) if hasattr(getattr(parse, n), "py_func")]
    assert len(kernels) >= 10
    for kernel in kernels:
        assert kernel._cache.__class__.__name__ != "NullCache", kernel.__name__
        assert kernel.targetoptions.get("nogil"), kernel.__name__
    # loading the vector-file module loads no Numba and no kernel family; the plain-Python
    # helpers of _kernels (the tuning constants, the dispatch rule) may come with it
    code = ("import sys, sparsedense.vectors._io\n"
            "assert 'numba' not in sys.modules\n"
            "helpers = {'sparsedense._kernels', 'sparsedense._kernels._tuning',\n"
            "           'sparsedense._kernels._dispatch', 'sparsedense._kernels._pool'}\n"
            "loaded = {m for m in sys.modules if m.startswith('sparsedense._kernels')}\n"
            "assert loaded <= helpers, sorted(loaded - helpers)\n")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
