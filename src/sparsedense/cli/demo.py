"""``sparsedense demo``: the main job end to end on the shipped sample corpus.

TF-IDF (sparse) -> LSA (dense document and word vectors, or a word-vector
file with ``--vectors``) -> nearest documents and nearest words, and the
one-hot vs dense contrast the seed tutorial is about.
"""

from __future__ import annotations

import argparse

import numpy as np

from ._common import OUTPUT_NOTE, check_output

HELP = "run the library's main job on the shipped sample corpus"
EXAMPLE = """examples:
  sparsedense demo                    # TF-IDF -> LSA -> neighbours, on the sample corpus
  sparsedense demo --docs 5 --top 3
  sparsedense demo --vectors vectors.txt   # document vectors from a word-vector file too
  sparsedense demo --plot map.png          # 2-D map of words and documents (matplotlib)
"""

#: words whose neighbours the demo shows (English and Korean)
QUERY_WORDS = ("deposit", "mortgage", "rain", "football", "예금", "축구")


def register(sub) -> None:
    p = sub.add_parser("demo", help=HELP, description=HELP, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, default=4, metavar="N",
                   help="number of documents to show (default: 4)")
    p.add_argument("--top", type=int, default=5, metavar="K",
                   help="top terms / neighbours shown (default: 5)")
    p.add_argument("--components", type=int, default=50, metavar="D",
                   help="LSA dimensions (default: 50)")
    p.add_argument("--vectors", metavar="FILE", default=None,
                   help="also embed the documents with this word-vector file")
    p.add_argument("--plot", metavar="FILE.png", default=None,
                   help="write a 2-D map of chosen words and documents (needs matplotlib); "
                        "the file is " + OUTPUT_NOTE)


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _pick_documents(corpus, n: int) -> list[int]:
    picks: list[int] = []
    for lang, topic in [("ko", "banking"), ("en", "banking"), ("en", "weather"),
                        ("en", "sport"), ("en", "cooking"), ("ko", "weather"),
                        ("en", "technology"), ("en", "health")]:
        for i, (t, lg) in enumerate(zip(corpus.topics, corpus.langs)):
            if t == topic and lg == lang and i not in picks:
                picks.append(i)
                break
    return picks[:n]


def run(args: argparse.Namespace) -> int:
    from ..data import load_sample_corpus
    from ..decomposition import LSA
    from ..functional import sparse_to_dense
    from ..similarity import cosine_similarity, topk_similar
    from ..text import TfidfVectorizer, one_hot
    from ..vectors import Vectors

    if args.docs < 1 or args.top < 1:
        raise ValueError(f"--docs and --top must be >= 1; got {args.docs} and {args.top}")
    if args.plot:
        check_output(args.plot)
    corpus = load_sample_corpus()
    vectorizer = TfidfVectorizer()
    X = vectorizer.fit_transform(corpus.texts)
    terms = vectorizer.get_feature_names_out()
    if not 1 <= args.components <= min(X.shape) - 1:
        raise ValueError(f"--components must be between 1 and {min(X.shape) - 1}; "
                         f"got {args.components}")
    print("sparsedense demo: the sample corpus, from sparse TF-IDF to dense vectors")
    print(f"  documents: {X.shape[0]}  ({corpus.langs.count('en')} English, "
          f"{corpus.langs.count('ko')} Korean; topics: {', '.join(sorted(set(corpus.topics)))})")
    print(f"  TF-IDF matrix: {X.shape[0]} x {X.shape[1]} CSR, {X.nnz} stored values "
          f"({100.0 * X.nnz / (X.shape[0] * X.shape[1]):.2f}% dense)")
    lsa = LSA(args.components, random_state=0)
    lsa.fit(X)
    W = np.ascontiguousarray(lsa.components_.T, dtype=np.float32)  # one vector per word
    D = sparse_to_dense(X, W, mode="sum", normalize="l2")           # one vector per document
    print(f"  LSA: {X.shape[1]} words and {X.shape[0]} documents -> {W.shape[1]}-dimensional "
          f"dense vectors ({100 * lsa.explained_variance_ratio_.sum():.0f}% of the variance)")
    print()

    picks = _pick_documents(corpus, args.docs)
    idx, scores = topk_similar(D[picks], D, k=args.top + 1)
    print(f"Top {args.top} TF-IDF terms and nearest documents (cosine of LSA vectors):")
    for row, i in enumerate(picks):
        r = X.getrow(i)
        order = np.argsort(-r.data, kind="stable")[: args.top]
        tops = ", ".join(f"{terms[r.indices[j]]} {r.data[j]:.2f}" for j in order)
        print(f"  doc {i:3d} [{corpus.topics[i]}/{corpus.langs[i]}] {_shorten(corpus.texts[i])}")
        print(f"          terms: {tops}")
        near = [(int(j), float(s)) for j, s in zip(idx[row], scores[row]) if j != i][: args.top]
        print("          near:  " + ", ".join(
            f"doc {j} [{corpus.topics[j]}] {s:.2f}" for j, s in near))
    print()

    words = Vectors(terms.tolist(), W)
    shown = [w for w in QUERY_WORDS if w in words]
    if shown:
        print(f"Nearest words (cosine of LSA word vectors), top {args.top}:")
        for w, near in zip(shown, words.most_similar_batch(shown, topn=args.top)):
            print(f"  {w:<10} " + ", ".join(f"{k} {s:.2f}" for k, s in near))
        print()

    trio = [w for w in ("예금", "적금", "주택대출") if w in words]
    if len(trio) == 3:
        ids = [words.key_to_index[w] for w in trio]
        onehot = cosine_similarity(one_hot(ids, len(words)))
        dense = cosine_similarity(W[ids])
        print("One-hot vs dense (the seed's banking words 예금, 적금, 주택대출):")
        print(f"  one-hot cosine  예금-적금 {onehot[0, 1]:.2f}   예금-주택대출 {onehot[0, 2]:.2f}"
              "   (distinct one-hot vectors are always orthogonal)")
        print(f"  dense cosine    예금-적금 {dense[0, 1]:.2f}   예금-주택대출 {dense[0, 2]:.2f}"
              "   (LSA vectors carry the relation)")

    if args.vectors:
        from ._common import load_vectors_with_progress

        table = load_vectors_with_progress(args.vectors, args.quiet)
        mapping = {w: i for i, w in enumerate(table.index_to_key)}
        from ..text import TfidfVectorizer as _T

        Xv = _T(vocabulary=mapping, dtype=table.weight.dtype).fit_transform(corpus.texts)
        Dv = sparse_to_dense(Xv, np.asarray(table.weight), mode="mean", normalize="l2")
        same = np.mean([corpus.topics[int(j)] == corpus.topics[i] for i, j in enumerate(
            topk_similar(Dv, k=1, exclude_self=True)[0][:, 0])])
        print()
        print(f"With {args.vectors} ({len(table)} words x {table.vector_size}): nearest document "
              f"has the same topic for {100 * same:.0f}% of documents")
    if args.plot:
        _plot(args.plot, words, shown, D, corpus, picks)
    return 0


def _plot(path: str, words, shown: list[str], D: np.ndarray, corpus, picks: list[int]) -> None:
    from ._plot import write_demo_map  # the drawing (font, labels): cli/_plot.py

    write_demo_map(path, words, shown, D, corpus, picks)
    print(f"\nmap written to {path}")
