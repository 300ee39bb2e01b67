"""Word2vec training kernels: skip-gram and CBOW with negative sampling.

How the work is organised, and why
----------------------------------
*The update.* The inner loop is the one of the original word2vec C code and
of gensim's Cython loop (``word2vec_inner.pyx``): for a center word and each
context word of its (randomly shrunk) window, a dot product with the output
row of the center word and of ``negative`` noise words, a sigmoid, and two
axpy updates. gensim calls BLAS ``sdot``/``saxpy`` on 100-float vectors; here
the loops are inlined and vectorised by LLVM, with no call per operation.

*Shared negatives* (HogBatch, Ji et al. 2016). Skip-gram draws its noise
words once per center word and uses them for every context word of the
window, instead of once per (center, context) pair: the ``negative + 1``
output rows then stay in L1 cache for the whole window, and the random
reads of the output table -- the memory-bound part of the loop -- drop by a
factor of about ``2 * window``. CBOW draws per center word anyway. Quality is
unchanged on the benchmarks (see the docs). Noise words come from an alias
table (O(1) per draw) of the unigram^``ns_exponent`` distribution.

*Deterministic parallelism.* Hogwild (gensim, the C code) lets threads update
the shared tables without locks, so the result depends on scheduling. Here a
chunk of sentences is split into a fixed number of *shards* (``workers``, not
the thread count). Each shard trains sequentially on private copies of the
rows it touches (copied on first touch, so a shard sees its own updates at
once, as a Hogwild thread does); when every shard is done, each shard's
change of each row (its copy minus the shared row) is added to the shared
tables in shard order. Shards run in parallel, the merge is parallel over
rows, and every floating-point operation happens in an order fixed by the
data and the seed: the tables are bit-identical for any number of threads.
Rows untouched by a shard are never copied, so a chunk costs memory of the
order of the rows it touches.

The sigmoid is gensim's table (1000 entries over [-6, 6]); outside that
range the gradient saturates, as in the C code.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._config import FASTMATH, JIT_OPTIONS, harden_caches, parallel_kernel

MAX_EXP = 6.0
EXP_TABLE_SIZE = 1000


def sigmoid_table() -> np.ndarray:
    """gensim's table: ``sigmoid(x)`` at ``x = (i / 1000 * 2 - 1) * 6``."""
    x = (np.arange(EXP_TABLE_SIZE, dtype=np.float64) / EXP_TABLE_SIZE * 2 - 1) * MAX_EXP
    return (np.exp(x) / (np.exp(x) + 1)).astype(np.float32)


@njit(inline="always", **JIT_OPTIONS)
def _splitmix64(state):
    """Next ``(state, value)`` of the splitmix64 generator (Steele et al. 2014)."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@njit(**JIT_OPTIONS)
def shard_seed(seed, epoch, chunk, shard):
    """The starting state of one shard's generator, a function of its position only."""
    s = np.uint64(seed)
    s, a = _splitmix64(s ^ np.uint64(0x5DEECE66D))
    s, b = _splitmix64(a ^ np.uint64(epoch))
    s, c = _splitmix64(b ^ np.uint64(chunk))
    s, d = _splitmix64(c ^ np.uint64(shard))
    return d


@njit(inline="always", **JIT_OPTIONS)
def _draw_noise(state, prob, alias):
    """One draw from the alias table; returns ``(state, word)``."""
    state, r = _splitmix64(state)
    n = np.uint64(prob.shape[0])
    i = np.int64(((r >> np.uint64(32)) * n) >> np.uint64(32))
    u = np.float64(r & np.uint64(0xFFFFFFFF)) * (1.0 / 4294967296.0)
    if u < prob[i]:
        return state, i
    return state, np.int64(alias[i])


@njit(inline="always", **JIT_OPTIONS)
def _row(r, table, local, slot_of, rows, n_rows, s, cap):
    """Row of ``local`` holding shard ``s``'s copy of shared row ``r`` (copied on first touch).

    Shard ``s`` owns rows ``s * cap .. s * cap + cap - 1`` of ``local``.
    """
    k = slot_of[s, r]
    if k < 0:
        k = s * cap + n_rows[s]
        n_rows[s] += 1
        slot_of[s, r] = k
        rows[k] = r
        for d in range(table.shape[1]):
            local[k, d] = table[r, d]
    return k


@njit(fastmath=FASTMATH, inline="always", **JIT_OPTIONS)
def _sgd_step(x, xs, y, ys, work, label, alpha, exp_table, want_loss, skip_saturated=False):
    """One logistic step between input ``x[xs]`` and output ``y[ys]``; returns the loss.

    Accumulates the input's gradient in ``work`` and updates the output row.
    Outside [-6, 6] the sigmoid saturates (the C code's rule) or, with
    ``skip_saturated``, the pair is not trained at all (gensim's rule).
    """
    dim = work.shape[0]
    f = np.float32(0.0)
    for d in range(dim):
        f += x[xs, d] * y[ys, d]
    loss = 0.0
    if want_loss:
        z = np.float64(f) if label > 0 else -np.float64(f)
        loss = math.log1p(math.exp(-z)) if z > -30.0 else -z
    if f >= MAX_EXP:
        if skip_saturated:
            return loss
        sig = np.float32(1.0)
    elif f <= -MAX_EXP:
        if skip_saturated:
            return loss
        sig = np.float32(0.0)
    else:
        sig = exp_table[int((f + MAX_EXP) * (EXP_TABLE_SIZE / MAX_EXP / 2))]
    g = (label - sig) * alpha
    for d in range(dim):
        work[d] += g * y[ys, d]
        y[ys, d] += g * x[xs, d]
    return loss


@njit(inline="always", **JIT_OPTIONS)
def _sentence_alpha(done, total_words, alpha0, min_alpha):
    """The learning rate of a sentence starting after ``done`` of ``total_words`` words."""
    return np.float32(max(min_alpha, alpha0 - (alpha0 - min_alpha) * (done / total_words)))


@njit(inline="always", **JIT_OPTIONS)
def _subsample(ids, start, stop, sample_int, state, sent):
    """Copy the words of ``ids[start:stop]`` that frequent-word subsampling keeps into ``sent``.

    Returns ``(state, n)``: the generator's state and the number kept.
    """
    n = 0
    for t in range(start, stop):
        w = ids[t]
        if sample_int[w] < np.uint64(0xFFFFFFFF) + np.uint64(1):
            state, r = _splitmix64(state)
            if sample_int[w] < (r >> np.uint64(32)):
                continue
        sent[n] = w
        n += 1
    return state, n


@njit(inline="always", **JIT_OPTIONS)
def _window(state, i, n, window, shrink):
    """The (randomly shrunk) window ``lo:hi`` around position ``i`` of an ``n``-word sentence.

    Returns ``(state, lo, hi)``; the window includes ``i`` itself.
    """
    b = 0
    if shrink:
        state, r = _splitmix64(state)
        b = np.int64((r >> np.uint64(33)) % np.uint64(window))
    return state, max(0, i - window + b), min(n, i + window + 1 - b)


@njit(fastmath=FASTMATH, **JIT_OPTIONS)
def _train_shard(
    ids, ends, sent_lo, sent_hi, words_before, syn0, syn1, local0, local1, slot0, slot1,
    rows0, rows1, n0, n1, s, state, sample_int, prob, alias, exp_table, sg, window,
    shrink, negative, cbow_mean, alpha0, min_alpha, total_words, want_loss,
):
    """Train shard ``s`` on sentences ``sent_lo:sent_hi`` of the chunk.

    Returns ``(loss, effective_words)``.
    """
    dim = syn0.shape[1]
    work = np.empty(dim, np.float32)
    neu1 = np.empty((1, dim), np.float32)
    sent = np.empty(10000, np.int64)
    targets = np.empty(negative + 1, np.int64)
    loss = 0.0
    effective = 0
    done = words_before
    x = local0
    y = local1
    cap0 = local0.shape[0] // n0.shape[0]
    cap1 = local1.shape[0] // n1.shape[0]
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
            # center row, then the noise words (those equal to the center skipped)
            n_t = 1
            targets[0] = _row(c, syn1, local1, slot1, rows1, n1, s, cap1)
            for _ in range(negative):
                state, v = _draw_noise(state, prob, alias)
                if v == c:
                    continue
                targets[n_t] = _row(v, syn1, local1, slot1, rows1, n1, s, cap1)
                n_t += 1
            if sg:
                for j in range(lo, hi):
                    if j == i:
                        continue
                    xs = _row(sent[j], syn0, local0, slot0, rows0, n0, s, cap0)
                    for d in range(dim):
                        work[d] = 0.0
                    for k in range(n_t):
                        loss += _sgd_step(x, xs, y, targets[k], work,
                                          np.float32(1.0 if k == 0 else 0.0), alpha,
                                          exp_table, want_loss)
                    for d in range(dim):
                        x[xs, d] += work[d]
            else:
                count = hi - lo - 1
                for d in range(dim):
                    neu1[0, d] = 0.0
                    work[d] = 0.0
                for j in range(lo, hi):
                    if j == i:
                        continue
                    xs = _row(sent[j], syn0, local0, slot0, rows0, n0, s, cap0)
                    for d in range(dim):
                        neu1[0, d] += x[xs, d]
                if cbow_mean:
                    inv = np.float32(1.0) / np.float32(count)
                    for d in range(dim):
                        neu1[0, d] *= inv
                for k in range(n_t):
                    loss += _sgd_step(neu1, 0, y, targets[k], work,
                                      np.float32(1.0 if k == 0 else 0.0), alpha,
                                      exp_table, want_loss)
                if not cbow_mean:
                    inv = np.float32(1.0) / np.float32(count)
                    for d in range(dim):
                        work[d] *= inv
                for j in range(lo, hi):
                    if j == i:
                        continue
                    xs = slot0[s, sent[j]]
                    for d in range(dim):
                        x[xs, d] += work[d]
    return loss, effective


@njit(**JIT_OPTIONS)
def touched_rows(rows, n_rows, seen, union):
    """The distinct shared rows any shard copied, in shard order; returns their number.

    Marks them in ``seen`` (all False before; :func:`merge_block` clears them).
    """
    cap = rows.shape[0] // n_rows.shape[0]
    m = 0
    for s in range(n_rows.shape[0]):
        for k in range(s * cap, s * cap + n_rows[s]):
            r = rows[k]
            if not seen[r]:
                seen[r] = True
                union[m] = r
                m += 1
    return m


@njit(**JIT_OPTIONS)
def merge_block(table, local, slot_of, union, seen, b, m):
    """Add every shard's change (copy - shared row) of rows ``union[256 b : 256 b + 256]``.

    The changes go in shard order, each computed from the row as it was
    before the round: ``row + (copy_0 - row) + (copy_1 - row) + ...``, so the
    result depends on the data only. The shards' copies are forgotten.
    """
    dim = table.shape[1]
    acc = np.empty(dim, table.dtype)
    for i in range(256 * b, min(m, 256 * b + 256)):
        r = union[i]
        for d in range(dim):
            acc[d] = table[r, d]
        for s in range(slot_of.shape[0]):
            k = slot_of[s, r]
            if k >= 0:
                for d in range(dim):
                    acc[d] += local[k, d] - table[r, d]
                slot_of[s, r] = -1
        for d in range(dim):
            table[r, d] = acc[d]
        seen[r] = False


@parallel_kernel
def train_round(
    ids, ends, shard_lo, words_before, syn0, syn1, local0, local1, slot0, slot1,
    rows0, rows1, n0, n1, seen0, seen1, union0, union1, states, sample_int, prob, alias,
    exp_table, sg, window, shrink, negative, cbow_mean, alpha0, min_alpha, total_words,
    want_loss, losses, effective,
):
    """Train every shard of one chunk in parallel, then merge their changes in shard order.

    Shard ``s`` trains on sentences ``shard_lo[s]:shard_lo[s + 1]``; its loss
    and number of words kept by subsampling go to ``losses[s]`` and
    ``effective[s]``. Each shared row receives the shards' changes in shard
    order, whatever thread computes them.
    """
    n_shards = shard_lo.shape[0] - 1
    for s in prange(n_shards):
        n0[s] = 0
        n1[s] = 0
        losses[s], effective[s] = _train_shard(
            ids, ends, shard_lo[s], shard_lo[s + 1], words_before[s], syn0, syn1,
            local0, local1, slot0, slot1, rows0, rows1, n0, n1, s, states[s],
            sample_int, prob, alias, exp_table, sg, window, shrink, negative,
            cbow_mean, alpha0, min_alpha, total_words, want_loss)
    m0 = touched_rows(rows0, n0, seen0, union0)
    m1 = touched_rows(rows1, n1, seen1, union1)
    for b in prange((m0 + 255) // 256):  # each row merged by one thread
        merge_block(syn0, local0, slot0, union0, seen0, b, m0)
    for b in prange((m1 + 255) // 256):
        merge_block(syn1, local1, slot1, union1, seen1, b, m1)


harden_caches(globals())
