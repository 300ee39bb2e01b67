"""gensim's vocabulary rules for trainers: which words are kept, how often they are sampled.

Plain numpy, shared by Word2Vec, FastText and the co-occurrence matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._base.validation import _short
from .._base.errors import NotTrainableError
from ..vocabulary import Vocabulary

#: ``sample_int`` value of a word that subsampling always keeps
ALWAYS_KEEP = np.uint64(1 << 32)


#: gensim.utils' trim_rule answers
RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2
#: gensim's padding word (``null_word=1``)
NULL_WORD = "\0"


def keep_word(word: str, count: int, min_count: int,
              trim_rule: Callable[[str, int, int], Any] | None) -> bool:
    """gensim's ``keep_vocab_item``: the rule's answer, or ``count >= min_count`` by default."""
    if trim_rule is None:
        return count >= min_count
    answer = trim_rule(word, count, min_count)
    if answer == RULE_KEEP:
        return True
    if answer == RULE_DISCARD:
        return False
    return count >= min_count


def select_vocabulary(words: list[str], counts: np.ndarray, min_count: int,
                      max_final_vocab: int | None, owner: str,
                      trim_rule: Callable[[str, int, int], Any] | None = None,
                      sorted_vocab: bool = True, null_word: bool = False) -> Vocabulary:
    """Words kept for training, most frequent first (ties: code point order).

    As gensim: ``max_final_vocab`` raises the effective ``min_count`` to the
    count of the first word beyond the cap plus one (so ties at the cap are all
    dropped), never lowers it; ``trim_rule(word, count, effective_min_count)``
    may keep or discard any word instead; ``sorted_vocab=False`` keeps the
    order of ``words`` (first appearance); ``null_word`` adds ``"\\0"`` with
    count 1 (before the sort, as gensim).

    Raises
    ------
    NotTrainableError
        (a ValueError and RuntimeError) If the corpus has no words, or none is kept.
    """
    if not words:
        raise NotTrainableError(f"{owner}: the corpus is empty (no tokens); nothing to train on")
    effective = min_count
    if max_final_vocab is not None and max_final_vocab < len(words):
        ordered = np.sort(counts)[::-1]
        effective = max(effective, int(ordered[max_final_vocab]) + 1)
    if trim_rule is None:
        keep = counts >= effective
    else:
        keep = np.fromiter((keep_word(w, c, effective, trim_rule)
                            for w, c in zip(words, counts.tolist())), np.bool_, len(words))
    if not keep.any():
        cap = f" (raised to {effective} by max_final_vocab={max_final_vocab})" \
            if effective != min_count else ""
        rule = f" or kept by trim_rule={_short(trim_rule)}" if trim_rule is not None else ""
        raise NotTrainableError(
            f"{owner}: no word reaches min_count={min_count}{cap}{rule}: the most frequent word "
            f"occurs {int(counts.max())} times in {len(words)} distinct words; lower min_count "
            "or give a larger corpus")
    idx = np.flatnonzero(keep)
    tokens = [words[i] for i in idx.tolist()]
    kept = counts[idx].astype(np.int64)
    if null_word and NULL_WORD not in set(tokens):
        tokens.append(NULL_WORD)
        kept = np.append(kept, np.int64(1))
    if sorted_vocab:
        order = sorted(range(len(tokens)), key=lambda i: (-int(kept[i]), tokens[i]))
        tokens = [tokens[i] for i in order]
        kept = kept[np.asarray(order, np.int64)]
    return Vocabulary(tokens, kept, unk_token=None, pad_token=None)


def sample_ints(counts: np.ndarray, sample: float) -> np.ndarray:
    """gensim's downsampling thresholds: keep a word when ``sample_int >= uint32 random``.

    A word of count ``v`` is kept with probability
    ``(sqrt(v / t) + 1) * t / v`` (capped at 1), ``t = sample * total`` --
    the formula of the word2vec C code that gensim uses.
    """
    out = np.full(counts.shape[0], ALWAYS_KEEP, dtype=np.uint64)
    if not sample:
        return out
    total = float(counts.sum())
    threshold = sample * total if sample < 1.0 else float(int(sample * (3 + np.sqrt(5)) / 2))
    v = counts.astype(np.float64)
    prob = (np.sqrt(v / threshold) + 1) * (threshold / v)
    low = prob < 1.0
    out[low] = (prob[low] * (2 ** 32 - 1)).astype(np.uint32).astype(np.uint64)
    return out


def noise_alias(counts: np.ndarray, ns_exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """Alias table (Vose's method) of the noise distribution ``count ** ns_exponent``.

    Returns ``(prob, alias)``: draw ``i`` uniformly, keep it with probability
    ``prob[i]``, else take ``alias[i]``. Deterministic (no randomness here).
    """
    w = counts.astype(np.float64) ** ns_exponent
    n = w.shape[0]
    scaled = w * (n / w.sum())
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    scaled = scaled.tolist()
    while small and large:
        s = small.pop()
        g = large.pop()
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = scaled[g] + scaled[s] - 1.0
        (small if scaled[g] < 1.0 else large).append(g)
    return prob, alias
