"""``sparsedense vectors``: convert word-vector files between formats, and describe them."""

from __future__ import annotations

import argparse

from ._common import OUTPUT_NOTE

HELP = "convert word-vector files (word2vec text/binary, GloVe, native) and describe them"
EXAMPLE = """examples:
  sparsedense vectors convert glove.6B.100d.txt glove.npz     # to the memory-mappable format
  sparsedense vectors convert vectors.bin vectors.txt --to word2vec
  sparsedense vectors info glove.npz
"""

_BY_SUFFIX = {".npz": "native", ".bin": "word2vec-binary", ".txt": "word2vec", ".vec": "word2vec"}


def register(sub) -> None:
    p = sub.add_parser("vectors", help=HELP, description=HELP, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    action = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = action.add_parser("convert", help="convert IN to OUT", epilog=EXAMPLE,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("input", metavar="IN")
    c.add_argument("output", metavar="OUT", help="the vector file to write; " +
                   OUTPUT_NOTE)
    c.add_argument("--from", dest="source_format", default="auto",
                   choices=["auto", "word2vec", "word2vec-binary", "glove", "native"])
    c.add_argument("--to", dest="target_format", default=None,
                   choices=["word2vec", "word2vec-binary", "glove", "native"],
                   help="default: from OUT's extension (.npz native, .bin binary, else text)")
    i = action.add_parser("info", help="describe a vector file", epilog=EXAMPLE,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    i.add_argument("input", metavar="FILE")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ._common import check_output, load_vectors_with_progress

    if args.action == "convert":
        out = check_output(args.output)  # before reading a large file
        vectors = load_vectors_with_progress(args.input, args.quiet, format=args.source_format)
        fmt = args.target_format or _BY_SUFFIX.get(out.suffix, "word2vec")
        vectors.save(out, format=fmt)
        print(f"{len(vectors)} vectors of dimension {vectors.vector_size} -> {out} ({fmt})")
        return 0
    vectors = load_vectors_with_progress(args.input, args.quiet)
    norms = vectors.norms
    print(f"{args.input}")
    print(f"  vectors:   {len(vectors)}")
    print(f"  dimension: {vectors.vector_size}")
    print(f"  dtype:     {vectors.weight.dtype}")
    if len(vectors):
        print(f"  norms:     min {norms.min():.4g}  median {np.median(norms):.4g}  "
              f"max {norms.max():.4g}")
        head = ", ".join(vectors.index_to_key[:8])
        print(f"  first keys: {head}{', ...' if len(vectors) > 8 else ''}")
    return 0
