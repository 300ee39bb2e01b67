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


def harden_caches(namespace: dict) -> None:
    """Wrap the cache of every Numba dispatcher in ``namespace`` (a kernel module's globals).

    Called at the end of each kernel module; nothing is compiled.
    """
    from numba.core.dispatcher import Dispatcher

    for value in list(namespace.values()):
        if isinstance(value, Dispatcher) and not isinstance(value._cache, _TolerantCache):
            value._cache = _TolerantCache(value._cache)
