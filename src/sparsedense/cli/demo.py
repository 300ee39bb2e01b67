"""``sparsedense demo``: the main job end to end on the shipped sample corpus.

TF-IDF (sparse) -> LSA (dense document and word vectors, or a word-vector
file with ``--vectors``) -> nearest documents and nearest words, and the
one-hot vs dense contrast the seed tutorial is about: its Korean words
예금, 적금 and 주택대출, split by the Korean tokenizer (the ``korean``
extra) and given PPMI-SVD vectors, where 예금 is close to 적금 and far from
주택대출.
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

#: the seed tutorial's words: 예금 (deposit) is close to 적금 (savings), far from 주택대출
SEED_WORDS = ("예금", "적금", "주택대출")
#: the Korean tokenizer's extra dictionary word: kiwi alone splits 주택대출 into 주택 + 대출
SEED_USER_WORDS = ("주택대출",)
#: the PPMI-SVD settings of the Korean word vectors (the tests check the claim with them)
SEED_PPMI = {"vector_size": 30, "min_count": 1, "random_state": 0}


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
    from ..similarity import topk_similar
    from ..text import TfidfVectorizer
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

    _print_seed_words(corpus, words)

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


def seed_word_vectors(texts: list[str]):
    """PPMI-SVD word vectors of Korean ``texts``, split by the Korean tokenizer.

    The demo's settings (``SEED_USER_WORDS``, ``SEED_PPMI``); raises
    ImportError (naming the ``korean`` extra) without kiwipiepy.
    """
    from ..models import PPMISVD
    from ..text import KoreanTokenizer

    sentences = KoreanTokenizer(user_words=SEED_USER_WORDS).tokenize_batch(texts)
    return PPMISVD(sentences, **SEED_PPMI).wv


def _print_seed_words(corpus, words) -> None:
    """The seed's claim: one-hot cosines are 0, dense ones put 예금 near 적금, far from 주택대출.

    ``words`` (the TF-IDF vocabulary) gives the one-hot vectors when the
    Korean tokenizer is missing.
    """
    from ..similarity import cosine_similarity
    from ..text import one_hot

    ko = [t for t, lg in zip(corpus.texts, corpus.langs) if lg == "ko"]
    try:
        wv = seed_word_vectors(ko)
    except ImportError:
        wv = None
    vocab = words if wv is None else wv
    if not all(w in vocab for w in SEED_WORDS):
        return
    ids = [vocab.key_to_index[w] for w in SEED_WORDS]
    onehot = cosine_similarity(one_hot(ids, len(vocab)))
    print("One-hot vs dense (the seed's banking words 예금, 적금, 주택대출):")
    print(f"  one-hot cosine  예금-적금 {onehot[0, 1]:.2f}   예금-주택대출 {onehot[0, 2]:.2f}"
          "   (distinct one-hot vectors are always orthogonal)")
    if wv is None:
        print("  dense cosine    needs the Korean tokenizer: pip install 'sparsedense[korean]'")
        return
    dense = cosine_similarity(wv.vectors[ids])
    print(f"  dense cosine    예금-적금 {dense[0, 1]:.2f}   예금-주택대출 {dense[0, 2]:.2f}"
          f"   gap {dense[0, 1] - dense[0, 2]:.2f}   (related words are close)")
    print(f"                  (PPMI-SVD, {wv.vector_size} dimensions, on the {len(ko)} Korean "
          "documents split by KoreanTokenizer)")


def _plot(path: str, words, shown: list[str], D: np.ndarray, corpus, picks: list[int]) -> None:
    from ._plot import write_demo_map  # the drawing (font, labels): cli/_plot.py

    write_demo_map(path, words, shown, D, corpus, picks)
    print(f"\nmap written to {path}")
