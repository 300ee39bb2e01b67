"""Synthetic benchmark corpus: Zipf-distributed tokens over random "words".

The default corpus is 20,000 documents x 200 tokens over a vocabulary of
50,000 word types.  Word types are distinct lowercase ASCII strings of length
3-9 (so scikit-learn's default ``token_pattern`` keeps every one of them and
tokenisation gives back exactly the generated ids); the word of rank ``r``
(1-based) is drawn with probability proportional to ``1 / r``.

Everything comes from ``np.random.default_rng(seed)`` (seed 0 by default), so
the corpus is identical across runs, machines and processes.  Generation is
vectorised and takes about a second for the full size; the result is cached
in a module-level dict so that every benchmark run in one process shares it.
"""

from __future__ import annotations

import os

import numpy as np

#: ``SPARSEDENSE_BENCH_SIZE=small`` shrinks every workload (a CI smoke run of the
#: whole suite); the issues' sizes are the default
SMALL = os.environ.get("SPARSEDENSE_BENCH_SIZE", "") == "small"


def scaled(n: int, factor: int = 10) -> int:
    """``n``, or ``n // factor`` in a small run."""
    return max(1, n // factor) if SMALL else n


N_DOCS = scaled(20_000)
DOC_LEN = scaled(200, 4)
N_WORDS = scaled(50_000)
SEED = 0

MIN_WORD_LEN = 3
MAX_WORD_LEN = 9

# documents are assembled this many at a time, so that the temporary id and
# object arrays stay small (they would otherwise count towards the baseline
# peak memory of every ``peakmem_`` benchmark)
_CHUNK_DOCS = 2_000

_ALPHABET = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)

_CACHE: dict[tuple[int, int, int, int], list[str]] = {}


def _word_types(rng: np.random.Generator, n_words: int) -> np.ndarray:
    """``n_words`` distinct lowercase strings of length 3-9, in draw order."""
    words: dict[str, None] = {}
    while len(words) < n_words:
        # oversample a little: collisions are rare except among 3-letter words
        n = int((n_words - len(words)) * 1.1) + 16
        lengths = rng.integers(MIN_WORD_LEN, MAX_WORD_LEN + 1, size=n)
        letters = _ALPHABET[rng.integers(0, 26, size=(n, MAX_WORD_LEN))]
        # fixed-width byte strings, truncated to each word's length
        raw = letters.view(f"S{MAX_WORD_LEN}").ravel()
        for w, k in zip(raw.tolist(), lengths.tolist()):
            words.setdefault(w[:k].decode("ascii"), None)
            if len(words) == n_words:
                break
    return np.array(list(words), dtype=object)


def _zipf_p(n_words: int) -> np.ndarray:
    p = 1.0 / np.arange(1, n_words + 1, dtype=np.float64)
    return p / p.sum()


def make_corpus(
    n_docs: int = N_DOCS,
    doc_len: int = DOC_LEN,
    n_words: int = N_WORDS,
    seed: int = SEED,
) -> list[str]:
    """Return the (cached) corpus as a list of ``n_docs`` strings.

    Each document is ``doc_len`` space-separated tokens.  Smaller sizes (for
    quick runs or parity checks) are generated with the same procedure; note
    that a smaller ``n_docs`` is *not* a prefix of the full corpus -- use
    ``make_corpus()[:k]`` for that.
    """
    key = (int(n_docs), int(doc_len), int(n_words), int(seed))
    docs = _CACHE.get(key)
    if docs is not None:
        return docs

    rng = np.random.default_rng(seed)
    words = _word_types(rng, n_words)
    p = _zipf_p(n_words)

    docs = []
    for start in range(0, n_docs, _CHUNK_DOCS):
        rows = min(_CHUNK_DOCS, n_docs - start)
        ids = rng.choice(n_words, size=(rows, doc_len), p=p)
        docs.extend(map(" ".join, words[ids].tolist()))

    _CACHE[key] = docs
    return docs


def corpus_stats(docs: list[str]) -> dict[str, int]:
    """Small summary (number of documents, tokens, distinct types)."""
    n_tokens = 0
    types: set[str] = set()
    for d in docs:
        toks = d.split(" ")
        n_tokens += len(toks)
        types.update(toks)
    return {"n_docs": len(docs), "n_tokens": n_tokens, "n_types": len(types)}


if __name__ == "__main__":  # pragma: no cover - manual check
    import time

    t0 = time.perf_counter()
    corpus = make_corpus()
    t1 = time.perf_counter()
    print(f"generated in {t1 - t0:.2f} s")
    print(corpus_stats(corpus))
    print(corpus[0][:120])
