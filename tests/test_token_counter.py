"""TokenCounter and Vocabulary.from_texts(max_memory=...): bounded-memory counting (issue 28).

- Exact counts while the table fits (the same vocabulary as before, whatever
  the chunking of the stream); a generator is read once.
- Past the budget, a Misra-Gries summary on a Zipf stream with a tiny budget:
  no count above the truth, none more than D below it, D <= N / (m + 1), every
  token left out occurred at most D times, every token above N / (m + 1) kept;
  the table stays within the budget; ``from_texts`` warns with the numbers.
- ``max_memory`` parsing and its errors (checked before the stream is read).
"""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

from sparsedense import Vocabulary
from sparsedense._token_counter import PER_COUNTER, TokenCounter, parse_memory


def zipf_stream(n_tokens: int, n_types: int, seed: int, chunk: int = 500):
    """Chunks ``(tokens, counts)`` of a Zipf(1.1) stream over ``n_types`` words, and the truth."""
    rng = np.random.default_rng(seed)
    ranks = np.minimum(rng.zipf(1.1, size=n_tokens), n_types) - 1
    words = np.array([f"w{i}" for i in range(n_types)], dtype=object)
    truth = collections.Counter(words[ranks].tolist())
    chunks = []
    for start in range(0, n_tokens, chunk):
        c = collections.Counter(words[ranks[start:start + chunk]].tolist())
        chunks.append((list(c), list(c.values())))
    return chunks, truth


def test_exact_while_the_table_fits():
    chunks, truth = zipf_stream(20_000, 3_000, seed=1)
    counter = TokenCounter("1GB")
    for tokens, counts in chunks:
        counter.add(tokens, counts)
    assert not counter.approximate and counter.error == 0 and counter.bound == 0
    assert dict(zip(counter.tokens, counter.counts.tolist())) == dict(truth)
    assert counter.total == sum(truth.values())


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("budget", [2_000, 8_000, 30_000])
def test_misra_gries_bound_on_a_zipf_stream(seed, budget):
    chunks, truth = zipf_stream(50_000, 20_000, seed=seed)
    counter = TokenCounter(budget)
    peak = 0
    for tokens, counts in chunks:
        counter.add(tokens, counts)
        assert counter.nbytes <= budget  # pruned back under the budget after each chunk
        peak = max(peak, len(counter.tokens))
    assert counter.approximate
    n, m, d = counter.total, counter.min_counters, counter.error
    assert n == sum(truth.values())
    assert 0 < d <= n / (m + 1) == counter.bound
    assert m <= budget // PER_COUNTER and peak <= budget // PER_COUNTER
    kept = dict(zip(counter.tokens, counter.counts.tolist()))
    for token, true in truth.items():
        estimate = kept.get(token, 0)
        assert true - d <= estimate <= true, (token, true, estimate, d)
        if true > n / (m + 1):
            assert token in kept
    # the bound is not vacuous: the heavy hitters are there with close counts
    top = [t for t, _ in truth.most_common(5)]
    assert all(t in kept for t in top)


def test_from_texts_is_unchanged_and_reads_a_generator_once():
    docs = [f"rain snow w{i % 7} and W{i % 3}" for i in range(10_000)]  # > one chunk
    gen = (d for d in docs)
    vocab = Vocabulary.from_texts(gen, max_memory=10**8, specials=["<pad>", "<unk>"])
    assert next(gen, None) is None
    counts = collections.Counter(t for d in docs for t in d.lower().split())
    want = sorted(counts, key=lambda t: (-counts[t], t))
    assert list(vocab) == ["<pad>", "<unk>", *want]
    assert vocab.counts.tolist() == [0, 0, *(counts[t] for t in want)]


def test_from_texts_over_budget_warns_and_keeps_the_frequent_tokens():
    rng = np.random.default_rng(7)
    ranks = np.minimum(rng.zipf(1.2, size=(3_000, 12)), 5_000)
    docs = [" ".join(f"w{r}" for r in row) for row in ranks]
    truth = collections.Counter(f"w{r}" for r in ranks.ravel())
    with pytest.warns(UserWarning, match=r"Misra-Gries .* m=\d+ .* N=36000 tokens") as rec:
        vocab = Vocabulary.from_texts(docs, max_memory="20KB")
    assert rec[0].filename == __file__  # points at the caller's line
    assert vocab.tokens[:3] == [t for t, _ in truth.most_common(3)]
    assert len(vocab) <= 20_000 // PER_COUNTER
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = Vocabulary.from_texts(docs)  # the default 1GB: exact, no warning
    assert dict(zip(exact, exact.counts.tolist())) == dict(truth)


@pytest.mark.parametrize("value, size", [
    ("1GB", 10**9), ("500MB", 5 * 10**8), ("2 GiB", 2 * 2**30), ("64kb", 64_000),
    (" 1.5KiB ", 1536), ("100", 100), ("7B", 7), (4096, 4096), (np.int64(10), 10),
])
def test_parse_memory(value, size):
    assert parse_memory(value) == size


@pytest.mark.parametrize("value, exc, match", [
    ("1 GX", ValueError, r"max_memory = '1 GX' is not a size; .*'1GB'"),
    ("GB", ValueError, "is not a size"),
    ("", ValueError, "is not a size"),
    ("-1GB", ValueError, "is not a size"),
    (0, ValueError, r"max_memory = 0 is 0 bytes; expected at least 1 byte"),
    ("0.1B", ValueError, "is 0 bytes"),
    (1.5e9, TypeError, r"max_memory must be .* got float 1500000000.0"),
    (True, TypeError, "got bool True"),
    (None, TypeError, "got NoneType None"),
])
def test_bad_max_memory_is_refused_before_the_stream_is_read(value, exc, match):
    with pytest.raises(exc, match=match):
        parse_memory(value)

    def stream():
        raise AssertionError("read")
        yield "never"  # pragma: no cover

    with pytest.raises(exc, match=match):
        Vocabulary.from_texts(stream(), max_memory=value)


def test_a_bad_document_is_named_by_its_position_in_the_stream():
    docs = ["a b"] * 5000 + [3]
    with pytest.raises(TypeError, match=r"raw_documents\[5000\] is int 3"):
        Vocabulary.from_texts(iter(docs))
