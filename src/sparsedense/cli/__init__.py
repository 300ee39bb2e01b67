"""The ``sparsedense`` command line: one module per command, one entry point.

Every command reports a user's mistake (a missing file, bad input) as one
line on standard error and exit status 2, without a traceback (``--debug``
shows it).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from . import demo, embed, neighbors, train, vectorize, vectors
from ._common import UsageError

#: command name -> module with ``register(subparsers)`` and ``run(args) -> int``
COMMANDS = {"demo": demo, "vectorize": vectorize, "embed": embed, "neighbors": neighbors,
            "vectors": vectors, "train": train}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparsedense",
        description="Sparse and dense vector representations of text.",
        epilog="Examples: sparsedense demo; sparsedense embed corpus.txt --lsa 100 -o docs.npy",
    )
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
        return int(COMMANDS[args.command].run(args) or 0)
    except (UsageError, OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        if args.debug:
            raise
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"sparsedense {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"sparsedense {args.command}: interrupted", file=sys.stderr)
        return 130
