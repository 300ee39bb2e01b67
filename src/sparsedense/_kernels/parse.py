"""Parsing and formatting kernels for word-vector files (word2vec, GloVe).

The kernels work on the bytes of a whole file (``np.frombuffer(data, np.uint8)``)
and never raise for bad data: they report what they found (token counts, the
number of tokens they could not parse, where a record ends early) and the
Python layer above (``sparsedense.vectors._io``) turns that into an error
naming the line.

Numbers are parsed exactly like Python's ``float()`` (correctly rounded), then
cast to the table's dtype, so a value read here is ``dtype(float(token))``
bit for bit. The fast path is Clinger's: a decimal mantissa ``m`` of at most
18 significant digits and a decimal exponent ``e``; when ``m < 2**53`` and
``|e| <= 22`` both ``m`` and ``10**e`` are exact float64 numbers, so
``m * 10**e`` (or ``m / 10**-e``) is one IEEE operation, hence correctly
rounded. Any other token (more digits, a far exponent, ``nan``, ``inf``,
garbage) is left to Python's ``float()``: the kernel counts those tokens per
line, and the caller re-parses those lines.

Formatting (the inverse) writes, for each float32 value, the shortest decimal
string that reads back as the same float32: the number of significant digits
(1 to 9) is bisected, each candidate checked with the parser's own exact
fast path. Values the fast path cannot check (NaN, inf, magnitudes below about
1e-14 or from 1e22 up) are flagged for the caller to format in Python.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._config import JIT_OPTIONS, harden_caches

#: 10**0 .. 10**22, every one exact in float64 (read-only constant table)
POW10 = np.array([10.0 ** k for k in range(23)], dtype=np.float64)
POW10.setflags(write=False)

_SPACE = 32
_NEWLINE = 10
_MAX_EXACT = 9007199254740992  # 2**53
_MAX_SIG_DIGITS = 18  # 10**18 < 2**63: the mantissa fits in int64


@njit(**JIT_OPTIONS)
def _is_rstrip_space(c):
    """The bytes ``bytes.rstrip()`` removes: space, \\t, \\n, \\v, \\f, \\r."""
    return c == 32 or (9 <= c <= 13)


@njit(**JIT_OPTIONS)
def _line_bounds(buf, start, max_lines):
    """Start and end of each line of ``buf[start:]``, at most ``max_lines`` of them.

    A line ends before its ``\\n``; its end is moved left past trailing
    whitespace (the bytes ``bytes.rstrip`` removes, so ``\\r\\n`` endings and
    trailing spaces are dropped). Text after the last ``\\n`` is a line if it
    is not empty. Returns ``(starts, ends, stop)`` where ``stop`` is the offset
    just after the last line returned (``len(buf)`` when every line was read).
    """
    n_buf = buf.shape[0]
    cap = 1024
    starts = np.empty(cap, dtype=np.int64)
    ends = np.empty(cap, dtype=np.int64)
    n = 0
    i = start
    while i < n_buf and n < max_lines:
        j = i
        while j < n_buf and buf[j] != _NEWLINE:
            j += 1
        e = j
        while e > i and _is_rstrip_space(buf[e - 1]):
            e -= 1
        if n == cap:
            cap *= 2
            bigger = np.empty(cap, dtype=np.int64)
            bigger[:n] = starts[:n]
            starts = bigger
            bigger = np.empty(cap, dtype=np.int64)
            bigger[:n] = ends[:n]
            ends = bigger
        starts[n] = i
        ends[n] = e
        n += 1
        i = j + 1
    stop = min(i, n_buf)
    return starts[:n], ends[:n], stop


@njit(**JIT_OPTIONS)
def _parse_number(buf, i, end, pow10):
    """Parse the decimal number starting at ``buf[i]`` (fast path only).

    Returns ``(value, ok, j)``: ``j`` is where scanning stopped; ``ok`` is True
    when ``buf[i:j]`` is a whole token (followed by a space or ``end``) in the
    grammar ``[+-]? digits [. digits] [(e|E) [+-] digits]`` that the fast path
    can round exactly; ``value`` is then ``float(buf[i:j])``.
    """
    j = i
    neg = False
    c = buf[j]
    if c == 45:
        neg = True
        j += 1
    elif c == 43:
        j += 1
    m = 0
    nsig = 0  # digits from the first nonzero one on
    ndigits = 0
    frac = 0  # digits after the decimal point
    point = False
    too_long = False
    while j < end:
        c = buf[j]
        d = np.int64(c) - 48
        if 0 <= d <= 9:
            ndigits += 1
            frac += point
            if nsig < _MAX_SIG_DIGITS:
                m = m * 10 + d
                nsig += m != 0
            else:
                too_long = True
        elif c == 46 and not point:
            point = True
        else:
            break
        j += 1
    if ndigits == 0:
        return 0.0, False, j
    exp = 0
    if j < end and (buf[j] == 101 or buf[j] == 69):
        j += 1
        exp_neg = False
        if j < end and (buf[j] == 45 or buf[j] == 43):
            exp_neg = buf[j] == 45
            j += 1
        exp_digits = 0
        while j < end:
            c = buf[j]
            if c < 48 or c > 57:
                break
            if exp < 100000:
                exp = exp * 10 + (c - 48)
            exp_digits += 1
            j += 1
        if exp_digits == 0:
            return 0.0, False, j
        if exp_neg:
            exp = -exp
    if j < end and buf[j] != _SPACE:
        return 0.0, False, j
    if too_long:
        return 0.0, False, j
    value = 0.0
    if m != 0:
        e10 = exp - frac
        if m > _MAX_EXACT or e10 > 22 or e10 < -22:
            return 0.0, False, j
        value = np.float64(m)
        if e10 >= 0:
            value = value * pow10[e10]
        else:
            value = value / pow10[-e10]
    if neg:
        value = -value
    return value, True, j


@njit(**JIT_OPTIONS)
def _parse_text_row(buf, start, end, out, r, pow10):
    """Parse one line ``buf[start:end]``: a word, then numbers into ``out[r]``.

    The word is everything up to the first space. Tokens after it are
    separated by runs of spaces. The first ``out.shape[1]`` numbers go to
    ``out[r]``; a token the fast path cannot parse leaves 0 there and is
    counted. Returns ``(word_end, n_tokens, n_slow)``.
    """
    dim = out.shape[1]
    i = start
    while i < end and buf[i] != _SPACE:
        i += 1
    word_end = i
    col = 0
    slow = 0
    while True:
        while i < end and buf[i] == _SPACE:
            i += 1
        if i >= end:
            break
        value, ok, j = _parse_number(buf, i, end, pow10)
        if not ok:
            while j < end and buf[j] != _SPACE:
                j += 1
            value = 0.0
            if col < dim:
                slow += 1
        if col < dim:
            out[r, col] = value
        col += 1
        i = j
    return word_end, col, slow


@njit(parallel=True, **JIT_OPTIONS)
def _parse_text_rows(buf, starts, ends, out, word_ends, n_tokens, n_slow, pow10):
    """Parse every line (see :func:`_parse_text_row`); lines are split between threads.

    Writes ``word_ends[r]``, ``n_tokens[r]`` (numbers found after the word) and
    ``n_slow[r]`` (tokens among the first ``dim`` that need Python's
    ``float()``). Each line writes only its own row: the result does not
    depend on the thread count.
    """
    for r in prange(starts.shape[0]):
        w, t, s = _parse_text_row(buf, starts[r], ends[r], out, r, pow10)
        word_ends[r] = w
        n_tokens[r] = t
        n_slow[r] = s


@njit(**JIT_OPTIONS)
def _parse_text_rows_serial(buf, starts, ends, out, word_ends, n_tokens, n_slow, pow10):
    """Single-threaded :func:`_parse_text_rows` (small files, and callers in threads)."""
    for r in range(starts.shape[0]):
        w, t, s = _parse_text_row(buf, starts[r], ends[r], out, r, pow10)
        word_ends[r] = w
        n_tokens[r] = t
        n_slow[r] = s


@njit(**JIT_OPTIONS)
def _scan_binary(buf, pos, n, dim, word_starts, word_ends, vec_starts):
    """Walk at most ``n`` word2vec binary records from ``buf[pos]``, copying nothing.

    A record is: optional ``\\n`` bytes (skipped, as gensim does), the word
    (bytes up to the next space), a space, then ``4 * dim`` bytes of
    little-endian float32, whose offset goes to ``vec_starts[r]``. Returns
    ``(n_read, status, pos)``: status 0 = all read; 1 = no space after the
    word before the end (record ``n_read`` starts at ``pos``); 2 = the vector
    of record ``n_read`` is cut short (its word is in ``word_starts``/``word_ends``).
    Every record reported read lies inside ``buf``, so the caller can size the
    table from ``n_read`` and copy with :func:`_gather_records`.
    """
    n_buf = buf.shape[0]
    nbytes = 4 * dim
    for r in range(n):
        while pos < n_buf and buf[pos] == _NEWLINE:
            pos += 1
        ws = pos
        while pos < n_buf and buf[pos] != _SPACE:
            pos += 1
        if pos >= n_buf:
            return r, 1, ws
        word_starts[r] = ws
        word_ends[r] = pos
        pos += 1
        if n_buf - pos < nbytes:
            return r, 2, pos
        vec_starts[r] = pos
        pos += nbytes
    return n, 0, pos


@njit(**JIT_OPTIONS)
def _gather_records(buf, vec_starts, raw):
    """Copy ``raw.shape[1]`` bytes from each ``buf[vec_starts[r]:]`` into ``raw[r]``."""
    nbytes = raw.shape[1]
    for r in range(vec_starts.shape[0]):
        p = vec_starts[r]
        for k in range(nbytes):
            raw[r, k] = buf[p + k]


@njit(**JIT_OPTIONS)
def _gather_words(buf, starts, ends, sep):
    """The bytes ``buf[starts[i]:ends[i]]`` of every word, joined by the byte ``sep``."""
    n = starts.shape[0]
    total = 0
    for i in range(n):
        total += ends[i] - starts[i]
    out = np.empty(total + max(n - 1, 0), dtype=np.uint8)
    p = 0
    for i in range(n):
        if i > 0:
            out[p] = sep
            p += 1
        for k in range(starts[i], ends[i]):
            out[p] = buf[k]
            p += 1
    return out


# -- formatting ----------------------------------------------------------------

@njit(**JIT_OPTIONS)
def _reads_back(n, e10, x, pow10):
    """True if the decimal ``n * 10**e10`` parses (exactly, as float32) to ``x``."""
    v = np.float64(n)
    if e10 >= 0:
        v = v * pow10[e10]
    else:
        v = v / pow10[-e10]
    return np.float32(v) == x


@njit(**JIT_OPTIONS)
def _nearest_with_digits(x, a, k, p, pow10):
    """The ``p``-significant-digit decimal ``(n, e10)`` nearest ``a`` if it reads back as ``x``.

    ``n = -1`` if none does; ``n = -2`` if the exponent is beyond the exact
    check (``|e10| > 22``). ``a = float64(x) > 0`` and ``k ~ floor(log10(a))``.
    """
    e10 = k - p + 1
    if e10 > 22 or e10 < -22:
        return -2, 0
    if e10 >= 0:
        scaled = a / pow10[e10]
    else:
        scaled = a * pow10[-e10]
    f = math.floor(scaled)
    n = np.int64(f)
    frac = scaled - f
    # ``scaled`` carries one rounding (relative error <= 2**-53): only when it lies
    # this close to a half-way point is the nearest integer uncertain, so try both
    eps = 1e-15 * scaled
    if frac > 0.5 + eps:
        n += 1
    elif frac >= 0.5 - eps:
        if n > 0 and _reads_back(n, e10, x, pow10):
            return n, e10
        n += 1
    if n > 0 and _reads_back(n, e10, x, pow10):
        return n, e10
    return -1, 0


@njit(**JIT_OPTIONS)
def _shortest_float32(x, pow10):
    """Shortest decimal ``(n, e10)`` with ``float32(n * 10**e10) == x`` for finite ``x > 0``.

    Reading back is monotone in the number of digits (a p-digit decimal is
    also a (p+1)-digit one), so the shortest of 1 to 9 significant digits (9
    always suffice for float32) is found by bisection. Returns ``n = -1`` when
    the fast-path check cannot decide (an exponent beyond 10**±22), which the
    range check up front makes rare.
    """
    a = np.float64(x)
    # k = floor(log10(a)): estimated from the binary exponent (never too high), then fixed
    e2 = math.frexp(a)[1]  # a = m * 2**e2, 0.5 <= m < 1
    k = int(math.floor((e2 - 1) * 0.30102999566398120))
    if k < -14 or k > 21:  # 9 digits need 10**(k - 8) >= 10**-22; 10**(k + 1) is in POW10
        return -1, 0
    if k + 1 >= 0:
        k += a >= pow10[k + 1]
    else:
        k += a * pow10[-(k + 1)] >= 1.0
    lo = 1
    hi = 9
    best_n = -1
    best_e = 0
    while lo < hi:
        mid = (lo + hi) // 2
        n, e10 = _nearest_with_digits(x, a, k, mid, pow10)
        if n >= 0:
            hi = mid
            best_n = n
            best_e = e10
        else:
            lo = mid + 1
    if best_n < 0:  # 1..8 digits do not suffice: 9 do
        best_n, best_e = _nearest_with_digits(x, a, k, 9, pow10)
    if best_n < 0:
        return -1, 0
    return best_n, best_e


@njit(**JIT_OPTIONS)
def _write_digits(out, p, n, nd):
    """Write the ``nd`` decimal digits of ``n > 0`` at ``out[p:p + nd]``."""
    q = p + nd - 1
    while q >= p:
        out[q] = 48 + n % 10
        n //= 10
        q -= 1


@njit(**JIT_OPTIONS)
def _insert_point(out, p, nd, after):
    """Insert ``'.'`` after the first ``after`` of the ``nd`` digits at ``out[p:]``."""
    for q in range(p + nd, p + after, -1):
        out[q] = out[q - 1]
    out[p + after] = 46


@njit(**JIT_OPTIONS)
def _write_decimal(out, p, neg, n, e10):
    """Write ``-? n * 10**e10`` at ``out[p]`` like Python's ``repr``; return the new offset.

    Positional notation when the leading digit's exponent is in [-4, 16),
    scientific (``1.5e-05``) otherwise. Trailing zeros of ``n`` are dropped.
    """
    while n % 10 == 0:
        n //= 10
        e10 += 1
    nd = 1
    t = n // 10
    while t > 0:
        nd += 1
        t //= 10
    lead = nd - 1 + e10  # exponent of the leading digit
    if neg:
        out[p] = 45
        p += 1
    if -4 <= lead < 16:
        if e10 >= 0:
            _write_digits(out, p, n, nd)
            p += nd
            for _ in range(e10):
                out[p] = 48
                p += 1
        elif lead >= 0:
            _write_digits(out, p, n, nd)
            _insert_point(out, p, nd, lead + 1)
            p += nd + 1
        else:
            out[p] = 48
            out[p + 1] = 46
            p += 2
            for _ in range(-lead - 1):
                out[p] = 48
                p += 1
            _write_digits(out, p, n, nd)
            p += nd
    else:
        _write_digits(out, p, n, nd)
        if nd > 1:
            _insert_point(out, p, nd, 1)
            p += 1
        p += nd
        out[p] = 101
        ex = lead
        if ex < 0:
            out[p + 1] = 45
            ex = -ex
        else:
            out[p + 1] = 43
        p += 2
        if ex >= 100:
            out[p] = 48 + ex // 100
            p += 1
        out[p] = 48 + (ex // 10) % 10
        out[p + 1] = 48 + ex % 10
        p += 2
    return p


#: bytes one formatted float32 can take, with its separator
FORMAT_MAX_BYTES = 24


@njit(**JIT_OPTIONS)
def _format_float32_rows(table, word_bytes, word_offsets, out, row_ends, needs_python, pow10):
    """Write a line ``word v1 v2 ... vD\\n`` for every row of a float32 table.

    ``word_bytes[word_offsets[r]:word_offsets[r + 1]]`` is the encoded word of
    row ``r``. Each value is written as its shortest round-trip decimal. Line
    ``k`` ends at ``row_ends[k]`` in ``out``, which must hold
    ``FORMAT_MAX_BYTES * dim + 2`` bytes per row plus the words. A row holding a
    value this kernel cannot format (see :func:`_shortest_float32`) gets
    ``needs_python[k] = True`` and its line is left incomplete for the caller
    to replace. Returns the number of bytes written.
    """
    dim = table.shape[1]
    p = 0
    for k in range(table.shape[0]):
        for b in range(word_offsets[k], word_offsets[k + 1]):
            out[p] = word_bytes[b]
            p += 1
        needs_python[k] = False
        for c in range(dim):
            out[p] = _SPACE
            p += 1
            x = table[k, c]
            if x == 0:
                if math.copysign(1.0, np.float64(x)) < 0:
                    out[p] = 45
                    p += 1
                out[p] = 48
                p += 1
                continue
            if not np.isfinite(x):
                needs_python[k] = True
                continue
            neg = x < 0
            ax = -x if neg else x
            n, e10 = _shortest_float32(ax, pow10)
            if n < 0:
                needs_python[k] = True
                continue
            p = _write_decimal(out, p, neg, n, e10)
        out[p] = _NEWLINE
        p += 1
        row_ends[k] = p
    return p


harden_caches(globals())
