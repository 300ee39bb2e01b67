"""``sparsedense vectors``: convert word-vector files between formats, and describe them."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import OUTPUT_NOTE, add_unicode_errors, add_vector_file_options

HELP = ("convert word-vector files (word2vec text/binary, GloVe, fastText .bin, native) and "
        "describe them")
EXAMPLE = """examples:
  sparsedense vectors convert glove.6B.100d.txt glove.npz     # to the memory-mappable format
  sparsedense vectors convert vectors.bin vectors.txt --to word2vec
  sparsedense vectors convert cc.ko.300.vec ko.npz --quantize int8   # a quarter of the bytes
  sparsedense vectors info glove.npz
  sparsedense vectors evaluate vectors.txt --pairs wordsim353.tsv --analogies questions-words.txt
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
    c.add_argument("--from", dest="source_format", default="auto", metavar="FORMAT",
                   help="IN's format: auto (the default: from its content), word2vec, "
                        "word2vec-binary, glove, fasttext (a Facebook fastText .bin "
                        "model), native")
    c.add_argument("--to", dest="target_format", default=None,
                   choices=["word2vec", "word2vec-binary", "glove", "native"],
                   help="default: from OUT's extension (.npz native, .bin binary, else text)")
    c.add_argument("--quantize", choices=["int8", "int4", "float16"], default=None,
                   help="compress the table (a word2vec or GloVe IN is streamed into it, "
                        "never held as float32) and write it in the native format")
    i = action.add_parser("info", help="describe a vector file", epilog=EXAMPLE,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    i.add_argument("input", metavar="FILE")
    add_unicode_errors(i, "the file's words")
    add_unicode_errors(c, "IN's words")
    e = action.add_parser("evaluate", help="score word vectors on word-pair similarities and "
                          "analogies (gensim's evaluate_word_pairs / evaluate_word_analogies)",
                          epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("input", metavar="FILE")
    e.add_argument("--pairs", metavar="TSV", action="append", default=[],
                   help="word1 TAB word2 TAB score lines, e.g. wordsim353.tsv (repeatable)")
    e.add_argument("--analogies", metavar="TXT", action="append", default=[],
                   help="': section' and 'a b c d' lines, e.g. questions-words.txt (repeatable)")
    e.add_argument("--restrict-vocab", type=int, default=300000, metavar="N",
                   help="only the first N words of the file take part (gensim's default: "
                        "300000)")
    e.add_argument("--case-sensitive", action="store_true",
                   help="compare words as they are (default: case-insensitive, as gensim)")
    add_vector_file_options(e)
    add_unicode_errors(e, "the file's words")


def print_pairs(vectors, pairs: str, **options) -> None:
    """The word-pair scores of ``vectors`` on ``pairs``, in gensim's words."""
    from ._common import Progress
    from ._errors import no_such_file

    if not Path(pairs).is_file():
        raise no_such_file(pairs)
    with Progress(f"word pairs {Path(pairs).name}", stage=True):
        pearson, spearman, oov = vectors.evaluate_word_pairs(pairs, **options)
    print(f"Pearson correlation coefficient against {pairs}: {pearson[0]:.4f} with p-value "
          f"{pearson[1]:.4g}")
    print(f"Spearman rank-order correlation coefficient against {pairs}: "
          f"{float(spearman.statistic):.4f} with p-value {float(spearman.pvalue):.4g}")
    print(f"Pairs with unknown words ratio: {oov:.1f}%")


def _count_questions(path: str) -> int:
    with open(path, encoding="utf8", errors="replace") as fh:
        return sum(1 for line in fh if line.strip() and not line.startswith(": "))


def print_analogies(vectors, analogies: str, **options) -> None:
    """The analogy accuracy of ``vectors`` on ``analogies`` by section, in gensim's words."""
    from ._common import Progress
    from ._errors import no_such_file

    if not Path(analogies).is_file():
        raise no_such_file(analogies)
    with Progress(f"analogies {Path(analogies).name}", stage=True):
        score, sections = vectors.evaluate_word_analogies(analogies, **options)
    for section in sections:
        right, wrong = len(section["correct"]), len(section["incorrect"])
        if right + wrong or section["section"] == "Total accuracy":
            share = 100.0 * right / (right + wrong) if right + wrong else 0.0
            print(f"{section['section']}: {share:.1f}% ({right}/{right + wrong})")
    asked = _count_questions(analogies)
    evaluated = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    oov = 100.0 * (asked - evaluated) / asked if asked else 0.0
    print(f"Quadruplets with out-of-vocabulary words: {oov:.1f}%")
    if oov:
        print("NB: analogies containing out-of-vocabulary words were skipped from "
              "evaluation (not counted as wrong)")


def _evaluate(args: argparse.Namespace) -> int:
    from ._common import UsageError, load_vectors_with_progress, vector_file_options

    if not (args.pairs or args.analogies):
        raise UsageError("give --pairs FILE or --analogies FILE (or both)")
    if args.restrict_vocab < 1:
        raise UsageError(f"--restrict-vocab must be >= 1; got {args.restrict_vocab}")
    for path in (*args.pairs, *args.analogies):  # before loading a large vector file
        if not Path(path).is_file():
            from ._errors import no_such_file

            raise no_such_file(path)
    vectors = load_vectors_with_progress(args.input, args.quiet, **vector_file_options(args))
    options = {"restrict_vocab": args.restrict_vocab,
               "case_insensitive": not args.case_sensitive}
    for path in args.pairs:
        print_pairs(vectors, path, **options)
    for path in args.analogies:
        print_analogies(vectors, path, **options)
    return 0


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from .._base.progress import Progress
    from ._common import check_output, load_vectors_with_progress, writing

    if args.action == "evaluate":
        return _evaluate(args)
    if args.action == "convert":
        out = check_output(args.output)  # before reading a large file
        fmt = args.target_format or _BY_SUFFIX.get(out.suffix, "word2vec")
        if args.quantize and fmt != "native":
            from ._common import UsageError

            raise UsageError(f"--quantize {args.quantize} writes the native format: OUT must "
                             f"end in .npz (or give --to native); got {out.name} ({fmt})")
        vectors = load_vectors_with_progress(args.input, args.quiet, format_option="--from",
                                             format=args.source_format,
                                             unicode_errors=args.unicode_errors,
                                             quantize=args.quantize)
        with writing(out), Progress(f"writing {out}", quiet=args.quiet, stage=True):
            vectors.save(out, format=fmt)
        print(f"{len(vectors)} vectors of dimension {vectors.vector_size} -> {out} ({fmt})")
        return 0
    vectors = load_vectors_with_progress(args.input, args.quiet,
                                         unicode_errors=args.unicode_errors)
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
