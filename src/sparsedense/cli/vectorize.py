"""``sparsedense vectorize``: a corpus to a sparse count / binary / TF-IDF / hashed matrix."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ._common import (
    OUTPUT_NOTE,
    Progress,
    UsageError,
    add_tokenizer_options,
    add_unicode_errors,
    atomic_output,
    check_output,
    corpus_files,
    empty_corpus,
    empty_vocabulary,
    iter_documents,
    tokenizer_options,
)

HELP = "turn a corpus into a sparse matrix (scipy .npz) and its vocabulary"
EXAMPLE = """example:
  sparsedense vectorize corpus.txt --weighting tfidf --min-df 2 -o X.npz
  (writes X.npz and X.vocab.json, the column names; CORPUS is a text file
   with one document per line, a directory of .txt files, or - for stdin)
"""


def add_vectorizer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weighting", choices=["count", "binary", "tfidf", "hashing"],
                   default="tfidf", help="value of each word in a document (default: tfidf)")
    p.add_argument("--min-df", type=float, default=1, help="drop words in fewer documents "
                   "(a count, or a proportion when < 1)")
    p.add_argument("--max-df", type=float, default=1.0, help="drop words in more documents "
                   "(a proportion when <= 1, else a count)")
    p.add_argument("--max-features", type=int, default=None, help="keep the most frequent words")
    p.add_argument("--ngram-range", type=int, nargs=2, default=(1, 1), metavar=("MIN", "MAX"))
    p.add_argument("--stop-words", choices=["english"], default=None)
    p.add_argument("--no-lowercase", action="store_true", help="keep the case of the text")
    p.add_argument("--n-features", type=int, default=2**20, help="columns for hashing")
    p.add_argument("--encoding", default="utf-8", help="of the corpus (default: utf-8)")
    add_unicode_errors(p, "the corpus")
    add_tokenizer_options(p)


def _df(value: float):
    return int(value) if float(value).is_integer() and value >= 1 else float(value)


def build_vectorizer(args: argparse.Namespace):
    from ..text import CountVectorizer, HashingVectorizer, TfidfVectorizer

    common = dict(lowercase=not args.no_lowercase, stop_words=args.stop_words,
                  ngram_range=tuple(args.ngram_range), **tokenizer_options(args))
    if args.weighting == "hashing":
        return HashingVectorizer(n_features=args.n_features, **common)
    limits = dict(min_df=_df(args.min_df), max_df=_df(args.max_df) if args.max_df > 1 else
                  float(args.max_df), max_features=args.max_features)
    if args.weighting == "tfidf":
        return TfidfVectorizer(**common, **limits)
    return CountVectorizer(binary=args.weighting == "binary", **common, **limits)


def register(sub) -> None:
    p = sub.add_parser("vectorize", help=HELP, description=HELP, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", metavar="CORPUS")
    p.add_argument("-o", "--output", required=True,
                   help="output .npz (scipy.sparse.save_npz; '.npz' is added to a name without "
                        "it); " + OUTPUT_NOTE)
    p.add_argument("--vocabulary-out", default=None,
                   help="where to write the column names (default: OUTPUT.vocab.json), "
                        "written the same way")
    add_vectorizer_options(p)


def _output_paths(args: argparse.Namespace) -> tuple[Path, Path]:
    """The matrix's and the vocabulary's paths, checked before the work."""
    out = Path(args.output)
    if out.suffix != ".npz":
        out = out.with_name(out.name + ".npz")
    vocab_path = Path(args.vocabulary_out) if args.vocabulary_out else \
        out.with_name(out.name[: -len(".npz")] + ".vocab.json")
    check_output(out)
    if args.weighting != "hashing":
        check_output(vocab_path)
    return out, vocab_path


def run(args: argparse.Namespace) -> int:
    import scipy.sparse as sp

    files = corpus_files(args.corpus)
    out, vocab_path = _output_paths(args)
    vectorizer = build_vectorizer(args)
    n_docs = 0
    with Progress("reading", unit="doc", quiet=args.quiet) as bar:
        def docs():
            nonlocal n_docs
            for d in iter_documents(files, args.encoding, args.unicode_errors):
                n_docs += 1
                bar.update()
                yield d
        try:
            X = vectorizer.fit_transform(docs())
        except ValueError as exc:
            if n_docs == 0:
                raise empty_corpus(args.corpus) from None
            if "max_df corresponds to < documents than min_df" in str(exc):
                raise UsageError(f"--max-df {args.max_df:g} keeps fewer documents than "
                                 f"--min-df {args.min_df:g} needs", args.corpus,
                                 hint="raise --max-df or lower --min-df") from None
            if "empty vocabulary" in str(exc):  # scikit-learn's words for it
                raise empty_vocabulary(args.corpus, "--stop-words, --min-df and --max-df"
                                       ) from None
            raise
    if X.shape[0] == 0:
        raise empty_corpus(args.corpus)
    with atomic_output(out) as tmp:
        sp.save_npz(tmp, X.tocsr())
        if args.weighting != "hashing":
            with atomic_output(vocab_path) as vtmp:
                with open(vtmp, "w", encoding="utf-8") as fh:
                    json.dump(vectorizer.get_feature_names_out().tolist(), fh, ensure_ascii=False)
    print(f"{X.shape[0]} documents x {X.shape[1]} features, {X.nnz} stored values -> {out}"
          + ("" if args.weighting == "hashing" else f" (+ {vocab_path})"))
    return 0
