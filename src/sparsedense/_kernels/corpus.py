"""Corpus-file kernels: split UTF-8 bytes into sentences of whitespace-separated tokens.

A corpus file holds one sentence a line (lines end at ``b"\\n"``), tokens
separated by whitespace, exactly as gensim's ``LineSentence`` reads it:
``line.decode("utf-8").split()``. The kernel reproduces ``str.split()``
on the bytes: every character for which ``str.isspace()`` is true separates
tokens -- the ASCII ones (tab, line feed, vertical tab, form feed, carriage
return, the four information separators ``\\x1c``-``\\x1f``, space) and the
Unicode ones, matched by their UTF-8 encodings (U+0085, U+00A0, U+1680,
U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). Lines longer than
``max_sentence_length`` tokens are cut into several sentences, as
``LineSentence`` does.

The kernels report token boundaries only; turning the tokens into ids is the
interning kernel's job (``sparsedense._kernels.intern``) and decoding the
distinct words the caller's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS, harden_caches


@njit(**JIT_OPTIONS)
def _space_width(buf, i, end):
    """Byte length of the whitespace character starting at ``buf[i]``, or 0."""
    c = buf[i]
    if c == 32 or (9 <= c <= 13) or (28 <= c <= 31):
        return 1
    if c < 0xC2:
        return 0
    if c == 0xC2:
        if i + 1 < end and (buf[i + 1] == 0x85 or buf[i + 1] == 0xA0):
            return 2
        return 0
    if i + 2 >= end:
        return 0
    c1 = buf[i + 1]
    c2 = buf[i + 2]
    if c == 0xE1:
        return 3 if (c1 == 0x9A and c2 == 0x80) else 0
    if c == 0xE2:
        if c1 == 0x80 and (c2 <= 0x8A or c2 == 0xA8 or c2 == 0xA9 or c2 == 0xAF):
            return 3 if c2 >= 0x80 else 0
        if c1 == 0x81 and c2 == 0x9F:
            return 3
        return 0
    if c == 0xE3:
        return 3 if (c1 == 0x80 and c2 == 0x80) else 0
    return 0


@njit(**JIT_OPTIONS)
def _split_sentences(buf, start, end, max_sentence_length):
    """Tokens and sentences of the complete lines in ``buf[start:end]``.

    Returns ``(tok_start, tok_len, sent_len)``: the byte offset and length of
    every token in order, and the number of tokens of every sentence (a line,
    or a piece of at most ``max_sentence_length`` tokens of a long line; a
    line without tokens gives no sentence). ``buf[end - 1]`` is expected to be
    the end of the last line (a line feed, or the end of the file).
    """
    cap = max(16, (end - start) // 4)
    tok_start = np.empty(cap, np.int64)
    tok_len = np.empty(cap, np.int64)
    sent_cap = 16
    sent_len = np.empty(sent_cap, np.int64)
    n_tok = 0
    n_sent = 0
    i = start
    while i < end:
        # one line: buf[i:j]
        j = i
        while j < end and buf[j] != 10:
            j += 1
        in_line = 0
        k = i
        while k < j:
            w = _space_width(buf, k, j)
            if w > 0:
                k += w
                continue
            t0 = k
            while k < j and _space_width(buf, k, j) == 0:
                k += 1
            if n_tok == cap:
                cap *= 2
                a = np.empty(cap, np.int64)
                a[:n_tok] = tok_start[:n_tok]
                tok_start = a
                b = np.empty(cap, np.int64)
                b[:n_tok] = tok_len[:n_tok]
                tok_len = b
            tok_start[n_tok] = t0
            tok_len[n_tok] = k - t0
            n_tok += 1
            in_line += 1
            if in_line == max_sentence_length:
                if n_sent == sent_cap:
                    sent_cap *= 2
                    s = np.empty(sent_cap, np.int64)
                    s[:n_sent] = sent_len[:n_sent]
                    sent_len = s
                sent_len[n_sent] = in_line
                n_sent += 1
                in_line = 0
        # the rest of the line is a sentence of its own (lines without
        # tokens give none, as in LineSentence)
        if in_line > 0:
            if n_sent == sent_cap:
                sent_cap *= 2
                s = np.empty(sent_cap, np.int64)
                s[:n_sent] = sent_len[:n_sent]
                sent_len = s
            sent_len[n_sent] = in_line
            n_sent += 1
        i = j + 1
    return tok_start[:n_tok], tok_len[:n_tok], sent_len[:n_sent]


@njit(**JIT_OPTIONS)
def _remap_sentences(raw, sent_len, remap):
    """Map token ids through ``remap`` (-1: drop the token), keep the sentence ends.

    Returns ``(ids, ends)``: the kept ids (int32) back to back and the end of
    each sentence that kept at least one token.
    """
    ids = np.empty(raw.shape[0], np.int32)
    ends = np.empty(sent_len.shape[0], np.int64)
    n = 0
    n_sent = 0
    t = 0
    for s in range(sent_len.shape[0]):
        before = n
        for _ in range(sent_len[s]):
            v = remap[raw[t]]
            t += 1
            if v >= 0:
                ids[n] = v
                n += 1
        if n > before:
            ends[n_sent] = n
            n_sent += 1
    return ids[:n], ends[:n_sent]


harden_caches(globals())
