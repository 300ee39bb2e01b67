"""``sparsedense warmup``: compile every kernel for this machine ahead of first use."""

from __future__ import annotations

import argparse

HELP = "compile every kernel for this machine now (the first run of a command is then fast)"
EXAMPLE = """examples:
  sparsedense warmup                    # once after installing, e.g. in a Dockerfile
  sparsedense warmup --dtype float32    # only the float32 kernels
  NUMBA_CACHE_DIR=/opt/numba-cache sparsedense warmup

Numba compiles each kernel on its first call and keeps the code on disk
(beside the package in __pycache__, or in NUMBA_CACHE_DIR). Run this where
the commands will run, with the same NUMBA_CACHE_DIR and CPU.
"""


def register(sub) -> None:
    p = sub.add_parser("warmup", help=HELP, description=HELP, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dtype", dest="dtypes", action="append", choices=["float32", "float64"],
                   help="float type to compile for (repeatable; default: both)")


def run(args: argparse.Namespace) -> int:
    from .._warmup import NOT_REACHED_ALLOWED, warmup

    report = warmup(progress=False if args.quiet else None,
                    dtypes=tuple(args.dtypes or ("float32", "float64")))
    print(f"{report['kernels']} kernels: {report['compiled']} signatures compiled, "
          f"{report['loaded']} loaded from the cache, in {report['seconds']:.1f} s")
    print(f"cache: {report['cache_dir'] or 'unknown (caching disabled?)'}")
    skip = set(NOT_REACHED_ALLOWED) | set(report["not_for_this_cpu"])
    missed = [name for name in report["not_reached"] if name not in skip]
    if missed:  # a kernel the warm-up does not run yet: compiled on its first use instead
        print(f"not compiled ({len(missed)}): {', '.join(missed)}")
    return 0
