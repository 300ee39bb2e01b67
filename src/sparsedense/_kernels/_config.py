"""Project-wide Numba settings shared by every kernel module.

``FASTMATH`` leaves out ``nnan`` and ``ninf`` on purpose: with them, LLVM may
assume no NaN or inf exists, which makes ``np.isnan`` always false and lets NaN
in a user's data turn into silently wrong numbers.
"""

from __future__ import annotations

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

#: keyword arguments every kernel is compiled with
JIT_OPTIONS = {"cache": True, "nogil": True}


class _TolerantCache:
    """A kernel's on-disk cache that a damaged file cannot break.

    Numba unpickles its cache index and data files without catching errors,
    so one truncated or corrupted file (a crash in the middle of a write, a
    disk problem) would make every call of the kernel fail. This wrapper, put
    in place of each kernel's cache by :func:`harden_caches`, treats a file
    that cannot be read as absent: the kernel is compiled again and the index
    is rewritten, and a cache that cannot be written is left alone (the
    compiled code stays in memory). It uses only the cache's public methods.
    """

    def __init__(self, inner) -> None:
        self._inner = inner

    def load_overload(self, sig, target_context):
        try:
            return self._inner.load_overload(sig, target_context)
        except Exception:  # unreadable index or data file: compile again
            try:
                self._inner.flush()  # an empty index replaces the damaged one
            except Exception:
                pass
            return None

    def save_overload(self, sig, data):
        try:
            self._inner.save_overload(sig, data)
        except Exception:  # unwritable or damaged cache: keep the code in memory
            pass

    def __getattr__(self, name):
        return getattr(self._inner, name)


def _harden(dispatcher) -> None:
    if not isinstance(dispatcher._cache, _TolerantCache):
        dispatcher._cache = _TolerantCache(dispatcher._cache)


def harden_caches(namespace: dict) -> None:
    """Finish a kernel module: harden every dispatcher's cache and register serial twins.

    Called at the end of each kernel module with its ``globals()``; nothing is
    compiled. A parallel kernel ``name`` with a hand-written ``name_serial``
    in the module gets it registered as its twin (see
    :func:`sparsedense._kernels._dispatch.choose`).
    """
    from numba.core.dispatcher import Dispatcher

    from ._dispatch import register_twin

    for key, value in list(namespace.items()):
        if isinstance(value, Dispatcher):
            _harden(value)
            twin = namespace.get(key + "_serial")
            if value.targetoptions.get("parallel") and isinstance(twin, Dispatcher):
                register_twin(value, twin)


def parallel_kernel(func=None, **options):
    """``@njit(parallel=True)`` that also compiles a serial twin from the same code.

    The twin is the same function under the name ``<name>_serial`` (so its
    on-disk cache is its own) compiled without ``parallel``: ``prange`` runs
    as ``range``. It is put in the kernel's module under that name, beside its
    sibling, and registered for :func:`sparsedense._kernels._dispatch.choose`,
    the one place that picks between the two; nothing is compiled here.
    """
    if func is None:
        return lambda f: parallel_kernel(f, **options)
    from types import FunctionType

    from numba import njit

    from ._dispatch import register_twin

    kernel = njit(parallel=True, **JIT_OPTIONS, **options)(func)
    code = func.__code__.replace(co_name=func.__name__ + "_serial",
                                 co_qualname=func.__qualname__ + "_serial") \
        if hasattr(func.__code__, "co_qualname") else func.__code__
    twin_func = FunctionType(code, func.__globals__, func.__name__ + "_serial",
                             func.__defaults__, func.__closure__)
    twin_func.__qualname__ = func.__qualname__ + "_serial"
    twin_func.__module__ = func.__module__
    twin_func.__doc__ = f"Single-threaded :func:`{func.__name__}` (the same code and result)."
    twin = njit(**JIT_OPTIONS, **options)(twin_func)
    _harden(kernel)
    _harden(twin)
    register_twin(kernel, twin)
    func.__globals__[twin_func.__name__] = twin
    return kernel
