"""Numba kernels: plain functions on arrays, no validation, no Python objects.

One module per family. Every kernel is ``@njit(cache=True, nogil=True)`` and
assumes its inputs were validated and coerced by the public layer above it
(see ``sparsedense._base.validation``). Nothing here is compiled at import time.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType


@functools.cache
def family(name: str) -> ModuleType:
    """The kernel module ``name`` (e.g. ``"lookup"``), imported on its first use.

    Importing a kernel module imports Numba, so the public modules do it only
    when a kernel is first needed; a ``from .._kernels.lookup import ...``
    statement inside a function costs microseconds on every call, this a
    dictionary lookup once the module is loaded.

    >>> family("lookup").__name__
    'sparsedense._kernels.lookup'
    """
    return importlib.import_module(f"{__name__}.{name}")
