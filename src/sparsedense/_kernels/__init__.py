"""Numba kernels: plain functions on arrays, no validation, no Python objects.

One module per family. Every kernel is ``@njit(cache=True, nogil=True)`` and
assumes its inputs were validated and coerced by the public layer above it
(see ``sparsedense._base.validation``). Nothing here is compiled at import time.
"""
