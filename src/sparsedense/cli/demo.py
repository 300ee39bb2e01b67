"""``sparsedense demo``: the main job end to end on the shipped sample corpus."""

from __future__ import annotations

import argparse

import numpy as np

HELP = "run the library's main job on the shipped sample corpus"
EXAMPLE = """example:
  sparsedense demo            # TF-IDF of the sample corpus and each document's top terms
  sparsedense demo --docs 5   # show five documents
"""


def register(sub) -> None:
    p = sub.add_parser("demo", help=HELP, description=HELP, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, default=4, metavar="N",
                   help="number of documents to show (default: 4)")
    p.add_argument("--top", type=int, default=5, metavar="K",
                   help="top terms shown per document (default: 5)")


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def run(args: argparse.Namespace) -> int:
    from ..data import load_sample_corpus
    from ..text import TfidfVectorizer, one_hot

    if args.docs < 1 or args.top < 1:
        raise ValueError(f"--docs and --top must be >= 1; got {args.docs} and {args.top}")
    corpus = load_sample_corpus()
    vectorizer = TfidfVectorizer()
    X = vectorizer.fit_transform(corpus.texts)
    terms = vectorizer.get_feature_names_out()
    print("sparsedense demo: the sample corpus as sparse TF-IDF vectors")
    print(f"  documents: {X.shape[0]}  ({corpus.langs.count('en')} English, "
          f"{corpus.langs.count('ko')} Korean; topics: {', '.join(sorted(set(corpus.topics)))})")
    print(f"  TF-IDF matrix: {X.shape[0]} x {X.shape[1]} CSR, {X.nnz} stored values "
          f"({100.0 * X.nnz / (X.shape[0] * X.shape[1]):.2f}% dense)")
    print()
    # one document per topic and language where possible, first the Korean banking one
    picks: list[int] = []
    for lang, topic in [("ko", "banking"), ("en", "banking"), ("en", "weather"),
                        ("en", "sport"), ("en", "cooking"), ("ko", "weather"),
                        ("en", "technology"), ("en", "health")]:
        for i, (t, lg) in enumerate(zip(corpus.topics, corpus.langs)):
            if t == topic and lg == lang and i not in picks:
                picks.append(i)
                break
    picks = picks[: args.docs]
    print(f"Top {args.top} terms by TF-IDF weight:")
    for i in picks:
        row = X.getrow(i)
        order = np.argsort(-row.data, kind="stable")[: args.top]
        tops = ", ".join(f"{terms[row.indices[j]]} {row.data[j]:.2f}" for j in order)
        print(f"  doc {i:3d} [{corpus.topics[i]}/{corpus.langs[i]}] {_shorten(corpus.texts[i])}")
        print(f"          {tops}")
    print()
    words = [w for w in ("예금", "적금", "주택대출") if w in vectorizer.vocabulary_]
    if len(words) >= 2:
        ids = [vectorizer.vocabulary_[w] for w in words]
        H = one_hot(ids, len(terms))
        gram = (H @ H.T).toarray()
        print("One-hot vectors of " + ", ".join(words) + f" (length {len(terms)}):")
        print(f"  dot products between different words: {sorted(set(gram[~np.eye(len(ids), dtype=bool)].tolist()))}"
              " -- one-hot vectors are all orthogonal, so they say nothing about similarity.")
    return 0
