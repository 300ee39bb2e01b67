"""``sparsedense neighbors``: nearest words, analogies and word-pair evaluation."""

from __future__ import annotations

import argparse

from ._common import add_unicode_errors, add_vector_file_options

HELP = "nearest words of word vectors, analogies, and word-similarity evaluation"
EXAMPLE = """examples:
  sparsedense neighbors --vectors vectors.txt deposit savings -k 5
  sparsedense neighbors --vectors vectors.txt --analogy man king woman
  sparsedense neighbors --vectors vectors.txt --pairs wordsim353.tsv
"""


def register(sub) -> None:
    p = sub.add_parser("neighbors", help=HELP, description=HELP, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("words", nargs="*", metavar="WORD")
    p.add_argument("--vectors", required=True, metavar="FILE")
    p.add_argument("-k", type=int, default=10, help="neighbours per word (default: 10)")
    p.add_argument("--analogy", nargs=3, metavar=("A", "B", "C"),
                   help="A is to B as C is to ? (most_similar(positive=[B, C], negative=[A]))")
    p.add_argument("--pairs", metavar="TSV", help="evaluate on word pairs (word1 TAB word2 TAB "
                   "score), as gensim's evaluate_word_pairs (also: sparsedense vectors evaluate)")
    add_vector_file_options(p)
    add_unicode_errors(p, "the vector file's words")


def _table(rows: list[tuple[str, float]]) -> str:
    width = max((len(k) for k, _ in rows), default=4)
    return "\n".join(f"  {k:<{width}}  {s:+.4f}" for k, s in rows)


def run(args: argparse.Namespace) -> int:
    from ._common import UsageError, load_vectors_with_progress, vector_file_options
    from .vectors import print_pairs

    if not (args.words or args.analogy or args.pairs):
        raise UsageError("give WORDs, --analogy A B C, or --pairs FILE")
    if args.k < 1:
        raise UsageError(f"-k must be >= 1; got {args.k}")
    vectors = load_vectors_with_progress(args.vectors, args.quiet, **vector_file_options(args))
    for word in (*args.words, *(args.analogy or ())):
        if word not in vectors:
            try:
                vectors.get_index(word)  # KeyError naming the word and close matches
            except KeyError as exc:
                raise UsageError(str(exc.args[0]) if exc.args else repr(word),
                                 args.vectors) from None
    if args.words:
        results = vectors.most_similar_batch(args.words, topn=args.k)
        for word, rows in zip(args.words, results):
            print(f"{word}:")
            print(_table(rows))
    if args.analogy:
        a, b, c = args.analogy
        rows = vectors.most_similar(positive=[b, c], negative=[a], topn=args.k)
        print(f"{a} : {b} :: {c} : ?")
        print(_table(rows))
    if args.pairs:
        print_pairs(vectors, args.pairs)
    return 0
