"""The ``sparsedense`` command line: one module per command, one entry point.

Every command reports a user's mistake (a missing file, bad input) as one
line on standard error, ``sparsedense CMD: error: PATH: [line N: ]WHAT, WHAT TO DO``,
and exit status 2, without a traceback (``--debug`` shows it); a full disk
is exit status 1 (see ``_errors.py``). Every file a command writes appears
whole or not at all: it is built under a temporary name beside its target,
removed on any error or interruption (Ctrl-C: status 130; SIGTERM and SIGHUP
are handled the same way: status 128 + the signal's number).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from . import demo, embed, neighbors, train, vectorize, vectors, warmup
from ._errors import UsageError, describe

#: command name -> module with ``register(subparsers)`` and ``run(args) -> int``
COMMANDS = {"demo": demo, "vectorize": vectorize, "embed": embed, "neighbors": neighbors,
            "vectors": vectors, "train": train, "warmup": warmup}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparsedense",
        description="Sparse and dense vector representations of text.",
        epilog="Examples: sparsedense demo; sparsedense embed corpus.txt --lsa 100 -o docs.npy. "
               "Output files are written to a temporary file beside them and renamed when "
               "complete: an existing output is replaced only then (a symbolic link is replaced "
               "by the new file, not followed), and a failure, a full disk (exit status 1), "
               "Ctrl-C or SIGTERM leaves it as it was and no temporary file behind.",
    )
    parser.add_argument("--version", action="version", version=f"sparsedense {_version()}")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress output on standard error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="sparsedense: %(message)s")
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with _signals_raise(), _first_use_note(args.command, args.quiet):
            return int(COMMANDS[args.command].run(args) or 0)
    except BaseException as exc:
        stop = _stop_signal(exc)
        if stop is not None:
            return _report_stop(args.command, stop)
        if not isinstance(exc, (UsageError, OSError, ValueError, KeyError, TypeError,
                                IndexError)) or args.debug:
            raise
        message, status = describe(exc)  # status 1: the machine's fault (a full disk)
        print(f"sparsedense {args.command}: error: {message}", file=sys.stderr)
        return status


def _version() -> str:
    """The installed distribution's version, else the package's own."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("sparsedense")
    except (ImportError, PackageNotFoundError):
        from .. import __version__

        return __version__


#: per command: kernels of which every run compiles at least one (helpers that the serial
#: and the parallel variant share), so the disk cache is cold for the command when none of
#: them has code for this CPU; and about how long its first run takes then (seconds, on
#: a 2-core machine)
FIRST_USE = {
    "demo": (("exact_topk._exact_row", "similarity._gram_upper_row"), 60),
    "vectorize": (("tokenize._word_runs",), 20),
    "embed": (("bag._bag_max_row",), 40),
    "neighbors": (("exact_topk._exact_row", "similarity._row_norms_serial",
                   "similarity._row_norms"), 20),
    "vectors": (("parse._parse_text_row", "parse._scan_binary", "parse._write_decimal",
                 "similarity._row_norms_serial", "similarity._row_norms"), 10),
    "train": (("corpus._split_sentences",), 45),
}


def _first_use_note(command: str, quiet: bool):
    """Around a command: say once on stderr that it compiles kernels, if its cache is cold.

    Said when the first kernel starts compiling, so that a run that compiles
    nothing (an error found first) says nothing.
    """
    if quiet or command not in FIRST_USE:
        return contextlib.nullcontext()
    from .._first_use import cache_is_cold, note_first_compile

    names, seconds = FIRST_USE[command]
    if not cache_is_cold(names):
        return contextlib.nullcontext()
    return note_first_compile(f"sparsedense: compiling kernels for this machine, first run "
                              f"only (about {seconds} s; run `sparsedense warmup` to do it "
                              "ahead)")


def _stop_signal(exc: BaseException) -> BaseException | None:
    """The KeyboardInterrupt or :class:`Terminated` that ``exc`` is or comes from, or None.

    A signal's exception raised while Numba dispatches a call (its handler
    runs between two bytecodes of the dispatcher's Python part) comes out
    as a SystemError caused by it: still an interruption, not an error.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (KeyboardInterrupt, Terminated)):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _report_stop(command: str, stop: BaseException) -> int:
    """One line on standard error; the exit status of a program stopped by the signal."""
    signum = stop.signum if isinstance(stop, Terminated) else signal.SIGINT
    text = "interrupted" if signum == signal.SIGINT else \
        f"terminated ({signal.Signals(signum).name})"
    with contextlib.suppress(OSError):  # SIGHUP: the terminal may be gone
        print(f"sparsedense {command}: {text}", file=sys.stderr)
    return 128 + int(signum)


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the program runs so that clean-up code runs.

    A BaseException (like KeyboardInterrupt), so that ``except Exception``
    does not swallow it; ``signum`` is the signal's number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: the signals that stop a command like Ctrl-C does (temporary files removed)
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                      if hasattr(signal, name))


def _raise_terminated(signum: int, frame) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second signal stops at once, as usual
    raise Terminated(signum)


@contextlib.contextmanager
def _signals_raise():
    """SIGTERM and SIGHUP raise :class:`Terminated` while the block runs (main thread only).

    Python's default for them ends the process at once, skipping every
    ``finally`` and so leaving temporary files behind; the handlers before
    are restored afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in _STOP_SIGNALS:
        if signal.getsignal(signum) == signal.SIG_IGN:  # e.g. nohup: keep ignoring it
            continue
        previous[signum] = signal.signal(signum, _raise_terminated)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
