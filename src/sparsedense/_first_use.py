"""The CLI's first-use note: is the kernels' disk cache cold for this machine?

A command whose kernels have no cached code for this CPU will compile them
(tens of seconds, silently): the CLI says so once on stderr, when the first
compile starts. Nothing here compiles a kernel; :mod:`sparsedense._warmup`
fills the cache ahead.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator, Sequence


def cached_for_this_machine(dispatcher) -> bool | None:
    """Whether ``dispatcher``'s disk cache holds code for this CPU, without compiling.

    Reads the kernel's cache index (Numba's own reader: a stale source stamp or
    another Numba version gives an empty index) and looks for an entry made
    for this CPU and its features. This is the one place that touches Numba
    internals for that; any error gives None (unknown), so that a change in
    Numba can only silence the first-use message, never break a command.
    """
    try:
        cache = dispatcher._cache
        cache = getattr(cache, "_inner", cache)  # _config._TolerantCache
        index = cache._cache_file._load_index()
        magic = dispatcher.targetctx.codegen().magic_tuple()
        return any(key[1] == magic for key in index)
    except Exception:
        return None


@contextlib.contextmanager
def note_first_compile(message: str) -> Iterator[None]:
    """Print ``message`` on stderr once, when the first kernel starts compiling in the block.

    A run that compiles nothing (everything cached, or an error found before
    any kernel runs) prints nothing. Uses Numba's event API, made for such
    listeners; without it, the message is printed at once.
    """
    try:
        from numba.core import event
        base = event.Listener
    except (ImportError, AttributeError):
        print(message, file=sys.stderr, flush=True)
        yield
        return

    class Once(base):
        said = False

        def on_start(self, ev) -> None:
            if not self.said:
                self.said = True
                with contextlib.suppress(OSError):  # a closed terminal must not stop a compile
                    print(message, file=sys.stderr, flush=True)

        def on_end(self, ev) -> None:
            pass

    with event.install_listener("numba:compile", Once()):
        yield


def cache_is_cold(names: Sequence[str]) -> bool:
    """True when none of the kernels ``names`` (``"module.name"``) has cached code for this CPU.

    Nothing is compiled; an unknown answer for any of them (see
    :func:`cached_for_this_machine`) counts as warm, so that the caller says nothing.
    """
    from . import _kernels

    for key in names:
        module, _, name = key.partition(".")
        try:
            dispatcher = getattr(importlib.import_module(f"{_kernels.__name__}.{module}"), name)
        except (ImportError, AttributeError):
            return False
        if cached_for_this_machine(dispatcher) is not False:
            return False
    return bool(names)
