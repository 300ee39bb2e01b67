"""FastText training kernels: word2vec whose input vector is built from character n-grams.

A word's input vector is built from its own row of the word table and the
rows of the n-gram table its character n-grams hash to; the gradient of that
input goes, undivided, to every one of those rows (gensim does the same).
Everything else -- shards with private row copies merged in shard order, the
alias noise table, the sigmoid table -- is the word2vec kernel's
(``sparsedense._kernels.word2vec``), whose helpers are reused.

Skip-gram follows fastText's orientation: the *center* word (with its
n-grams) predicts each context word, with gensim's rules: the composite
input is the sum of the word row and its n-gram rows divided by the number
of n-grams (not by one more; by 1 for a word without n-grams), and a pair
whose dot product lies outside [-6, 6] is not trained. The composite is built
once per center word and its gradient accumulated over the whole window
before it is applied (as HogBatch does), so the n-gram rows, the expensive
part, are read and written once per center word instead of once per
(center, context) pair as in gensim. Noise words are drawn anew for every
``NOISE_PAIRS`` (2) context words: between one draw per window (Word2Vec's
rule, which hurts words known only through their n-grams) and one per pair
(gensim's, slower and no better on word similarity); the quality figures
are in docs/howto/benchmarks.rst ("Kernel design notes"). CBOW averages the
composite vectors of the context words (their mean, as in gensim's
``fasttext_fast_sentence_cbow_neg``).

Also here: the n-gram hashing of gensim/Facebook (``ft_hash_bytes``: 32-bit
FNV-1a over the UTF-8 bytes of ``<word>``, each byte sign-extended as a C
``char``; n-grams counted in characters, never splitting a UTF-8 sequence).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import FASTMATH, JIT_OPTIONS, harden_caches, parallel_kernel
from .word2vec import (
    _draw_noise,
    _row,
    _sentence_alpha,
    _sgd_step,
    _subsample,
    _window,
    merge_block,
    touched_rows,
)

#: skip-gram context words that share one draw of noise words
NOISE_PAIRS = 2


@njit(**JIT_OPTIONS)
def ngram_buckets(buf, starts, ends, min_n, max_n, bucket):
    """Buckets of the character n-grams of every word.

    ``buf[starts[w]:ends[w]]`` holds ``<word>``. Returns ``(ptr, buckets)``:
    word ``w``'s buckets are
    ``buckets[ptr[w]:ptr[w + 1]]``, in gensim's order (by start character,
    then length), duplicates kept.
    """
    n_words = starts.shape[0]
    ptr = np.zeros(n_words + 1, np.int64)
    cap = 16
    out = np.empty(cap, np.int64)
    n_out = 0
    for w in range(n_words):
        s = starts[w]
        e = ends[w]
        for i in range(s, e):
            if (buf[i] & 0xC0) == 0x80:
                continue
            j = i
            n = 1
            while j < e and n <= max_n:
                j += 1
                while j < e and (buf[j] & 0xC0) == 0x80:
                    j += 1
                if n >= min_n and not (n == 1 and (i == s or j == e)):
                    h = np.uint32(2166136261)
                    for k in range(i, j):
                        b = np.int32(np.int8(buf[k]))
                        h = np.uint32(h ^ np.uint32(b & 0xFFFFFFFF))
                        h = np.uint32(np.uint64(h) * np.uint64(16777619) & np.uint64(0xFFFFFFFF))
                    if n_out == cap:
                        cap *= 2
                        grown = np.empty(cap, np.int64)
                        grown[:n_out] = out[:n_out]
                        out = grown
                    out[n_out] = np.int64(h) % bucket
                    n_out += 1
                n += 1
        ptr[w + 1] = n_out
    return ptr, out[:n_out]


@njit(inline="always", **JIT_OPTIONS)
def _draw_noise_words(state, prob, alias, noise):
    """Fill ``noise`` with draws from the alias table; returns the generator's state."""
    for k in range(noise.shape[0]):
        state, v = _draw_noise(state, prob, alias)
        noise[k] = v
    return state


@njit(fastmath=FASTMATH, inline="always", **JIT_OPTIONS)
def _compose(w, syn0, syn2, local0, local2, slot0, slot2, rows0, rows2, n0, n2, s, cap0, cap2,
             sub_ptr, sub_idx, out, add):
    """``out (+)= word row + its n-gram rows``; returns the number of rows summed."""
    xs = _row(w, syn0, local0, slot0, rows0, n0, s, cap0)
    dim = out.shape[0]
    if add:
        for d in range(dim):
            out[d] += local0[xs, d]
    else:
        for d in range(dim):
            out[d] = local0[xs, d]
    for q in range(sub_ptr[w], sub_ptr[w + 1]):
        gs = _row(sub_idx[q], syn2, local2, slot2, rows2, n2, s, cap2)
        for d in range(dim):
            out[d] += local2[gs, d]
    return 1 + sub_ptr[w + 1] - sub_ptr[w]


@njit(fastmath=FASTMATH, inline="always", **JIT_OPTIONS)
def _spread(w, local0, local2, slot0, slot2, s, sub_ptr, sub_idx, work):
    """Add ``work`` to word ``w``'s row and each of its n-gram rows (already copied)."""
    dim = work.shape[0]
    xs = slot0[s, w]
    for d in range(dim):
        local0[xs, d] += work[d]
    for q in range(sub_ptr[w], sub_ptr[w + 1]):
        gs = slot2[s, sub_idx[q]]
        for d in range(dim):
            local2[gs, d] += work[d]


@njit(fastmath=FASTMATH, **JIT_OPTIONS)
def _train_shard_ft(
    ids, ends, sent_lo, sent_hi, words_before, syn0, syn1, syn2, local0, local1, local2,
    slot0, slot1, slot2, rows0, rows1, rows2, n0, n1, n2, s, state, sample_int, prob, alias,
    exp_table, sub_ptr, sub_idx, sg, window, shrink, negative, cbow_mean, alpha0, min_alpha,
    total_words, want_loss,
):
    """Train shard ``s`` on sentences ``sent_lo:sent_hi``; returns ``(loss, effective_words)``."""
    dim = syn0.shape[1]
    cap0 = local0.shape[0] // n0.shape[0]
    cap1 = local1.shape[0] // n1.shape[0]
    cap2 = local2.shape[0] // n2.shape[0]
    work = np.empty(dim, np.float32)
    total_work = np.empty(dim, np.float32)
    neu1 = np.empty((1, dim), np.float32)
    sent = np.empty(10000, np.int64)
    noise = np.empty(negative, np.int64)
    loss = 0.0
    effective = 0
    done = words_before
    for q in range(sent_lo, sent_hi):
        start = 0 if q == 0 else ends[q - 1]
        stop = ends[q]
        alpha = _sentence_alpha(done, total_words, alpha0, min_alpha)
        done += stop - start
        state, n = _subsample(ids, start, stop, sample_int, state, sent)
        effective += n
        for i in range(n):
            c = sent[i]
            state, lo, hi = _window(state, i, n, window, shrink)
            if hi - lo <= 1:
                continue
            state = _draw_noise_words(state, prob, alias, noise)
            if sg:
                rows_in = _compose(c, syn0, syn2, local0, local2, slot0, slot2, rows0, rows2,
                                   n0, n2, s, cap0, cap2, sub_ptr, sub_idx, neu1[0], False)
                # gensim's scale: the sum over the number of n-grams (1 without any)
                inv = np.float32(1.0) / np.float32(max(rows_in - 1, 1))
                for d in range(dim):
                    neu1[0, d] *= inv
                    total_work[d] = 0.0
                pair = 0
                for j in range(lo, hi):
                    if j == i:
                        continue
                    if pair > 0 and pair % NOISE_PAIRS == 0:  # fresh noise words
                        state = _draw_noise_words(state, prob, alias, noise)
                    pair += 1
                    target = sent[j]
                    for d in range(dim):
                        work[d] = 0.0
                    ys = _row(target, syn1, local1, slot1, rows1, n1, s, cap1)
                    loss += _sgd_step(neu1, 0, local1, ys, work, np.float32(1.0), alpha,
                                      exp_table, want_loss, True)
                    for k in range(negative):
                        if noise[k] == target:
                            continue
                        ys = _row(noise[k], syn1, local1, slot1, rows1, n1, s, cap1)
                        loss += _sgd_step(neu1, 0, local1, ys, work, np.float32(0.0), alpha,
                                          exp_table, want_loss, True)
                    for d in range(dim):
                        total_work[d] += work[d]
                _spread(c, local0, local2, slot0, slot2, s, sub_ptr, sub_idx, total_work)
            else:
                count = 0
                first = True
                for j in range(lo, hi):
                    if j == i:
                        continue
                    count += _compose(sent[j], syn0, syn2, local0, local2, slot0, slot2, rows0,
                                      rows2, n0, n2, s, cap0, cap2, sub_ptr, sub_idx, neu1[0],
                                      not first)
                    first = False
                inv = np.float32(1.0) / np.float32(count)
                if cbow_mean:
                    for d in range(dim):
                        neu1[0, d] *= inv
                for d in range(dim):
                    work[d] = 0.0
                ys = _row(c, syn1, local1, slot1, rows1, n1, s, cap1)
                loss += _sgd_step(neu1, 0, local1, ys, work, np.float32(1.0), alpha, exp_table,
                                  want_loss)
                for k in range(negative):
                    if noise[k] == c:
                        continue
                    ys = _row(noise[k], syn1, local1, slot1, rows1, n1, s, cap1)
                    loss += _sgd_step(neu1, 0, local1, ys, work, np.float32(0.0), alpha,
                                      exp_table, want_loss)
                if not cbow_mean:
                    for d in range(dim):
                        work[d] *= inv
                for j in range(lo, hi):
                    if j == i:
                        continue
                    _spread(sent[j], local0, local2, slot0, slot2, s, sub_ptr, sub_idx, work)
    return loss, effective


@parallel_kernel
def train_round_ft(
    ids, ends, shard_lo, words_before, syn0, syn1, syn2, local0, local1, local2, slot0, slot1,
    slot2, rows0, rows1, rows2, n0, n1, n2, seen0, seen1, seen2, union0, union1, union2, states,
    sample_int, prob, alias, exp_table, sub_ptr, sub_idx, sg, window, shrink, negative,
    cbow_mean, alpha0, min_alpha, total_words, want_loss, losses, effective,
):
    """Every shard of one chunk in parallel, then the shards' changes merged in shard order."""
    n_shards = shard_lo.shape[0] - 1
    for s in prange(n_shards):
        n0[s] = 0
        n1[s] = 0
        n2[s] = 0
        losses[s], effective[s] = _train_shard_ft(
            ids, ends, shard_lo[s], shard_lo[s + 1], words_before[s], syn0, syn1, syn2,
            local0, local1, local2, slot0, slot1, slot2, rows0, rows1, rows2, n0, n1, n2, s,
            states[s], sample_int, prob, alias, exp_table, sub_ptr, sub_idx, sg, window,
            shrink, negative, cbow_mean, alpha0, min_alpha, total_words, want_loss)
    m0 = touched_rows(rows0, n0, seen0, union0)
    m1 = touched_rows(rows1, n1, seen1, union1)
    m2 = touched_rows(rows2, n2, seen2, union2)
    for b in prange((m0 + 255) // 256):  # each row merged by one thread, shards in order
        merge_block(syn0, local0, slot0, union0, seen0, b, m0)
    for b in prange((m1 + 255) // 256):
        merge_block(syn1, local1, slot1, union1, seen1, b, m1)
    for b in prange((m2 + 255) // 256):
        merge_block(syn2, local2, slot2, union2, seen2, b, m2)


@njit(fastmath=FASTMATH, **JIT_OPTIONS)
def compose_vectors(syn0, syn2, sub_ptr, sub_idx, out):
    """gensim's ``adjust_vectors``: ``out[w] = (syn0[w] + sum of its n-gram rows) / (1 + n)``."""
    dim = syn0.shape[1]
    for w in range(syn0.shape[0]):
        for d in range(dim):
            out[w, d] = syn0[w, d]
        for q in range(sub_ptr[w], sub_ptr[w + 1]):
            g = sub_idx[q]
            for d in range(dim):
                out[w, d] += syn2[g, d]
        inv = np.float32(1.0) / np.float32(1 + sub_ptr[w + 1] - sub_ptr[w])
        for d in range(dim):
            out[w, d] *= inv


harden_caches(globals())
