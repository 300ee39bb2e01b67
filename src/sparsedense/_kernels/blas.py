"""BLAS routines that NumPy does not expose, called through SciPy's ``cython_blas``.

``syrk`` computes one triangle of ``A @ A.T``: half the products of the GEMM that
``A @ A.T`` runs. The routine's address comes from SciPy's table of its
Cython BLAS functions (the BLAS NumPy and SciPy already load) and is called
through ``ctypes``, which releases the GIL for the call as NumPy's products do.
"""

from __future__ import annotations

import ctypes
import functools

import numpy as np

_INT_P = ctypes.POINTER(ctypes.c_int)
#: the scalar type of each precision's routine
_SCALAR = {np.dtype(np.float32): ("ssyrk", ctypes.c_float),
           np.dtype(np.float64): ("dsyrk", ctypes.c_double)}


@functools.cache
def _syrk(dtype: np.dtype):
    """The ``?syrk`` of ``dtype`` as a ctypes function (looked up once)."""
    from numba.extending import get_cython_function_address

    name, scalar = _SCALAR[dtype]
    address = get_cython_function_address("scipy.linalg.cython_blas", name)
    scalar_p = ctypes.POINTER(scalar)
    proto = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_char_p, _INT_P, _INT_P, scalar_p,
                             ctypes.c_void_p, _INT_P, scalar_p, ctypes.c_void_p, _INT_P)
    return proto(address), scalar


def syrk_upper(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Write the upper triangle (diagonal included) of ``a @ a.T`` into ``out``.

    ``a`` is C-contiguous ``(n, k)``, ``out`` C-contiguous ``(n, n)`` of the same
    float dtype; the strictly lower triangle of ``out`` is left as it was. In
    BLAS's column-major terms ``out`` is the lower triangle of ``C = A^T A`` with
    ``A = a.T`` (``k x n``, leading dimension ``k``), so nothing is copied.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.arange(6.0).reshape(3, 2)
    >>> out = np.zeros((3, 3))
    >>> syrk_upper(a, out).tolist()
    [[1.0, 3.0, 5.0], [0.0, 13.0, 23.0], [0.0, 0.0, 41.0]]
    """
    n, k = a.shape
    fn, scalar = _syrk(a.dtype)
    def ref(value):
        return ctypes.byref(ctypes.c_int(value))

    # (the leading dimensions are at least 1 even for an empty operand, as BLAS requires)
    fn(b"L", b"T", ref(n), ref(k), ctypes.byref(scalar(1.0)), a.ctypes.data, ref(max(k, 1)),
       ctypes.byref(scalar(0.0)), out.ctypes.data, ref(max(n, 1)))
    return out
