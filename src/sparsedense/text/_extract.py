"""From raw documents to a count matrix over *local* feature ids.

Both vectorizer families (vocabulary-based and hashing) start here. The
documents stream through in chunks; each chunk is analyzed, its features are
interned (given ids in order of first appearance, as scikit-learn's
``defaultdict`` does) and counted into CSR by a Numba kernel. The result is a
:class:`LocalCounts`: a canonical CSR matrix whose columns are those local ids,
plus the list of distinct features. The callers then map local ids to final
columns (alphabetical order and pruning for ``fit``, a fixed vocabulary for
``transform``, hash buckets for hashing) with one more kernel.

Two analysis paths give identical features:

* the **fast word path**, taken when the analyzer is ``'word'`` with the
  default token pattern and no custom tokenizer: documents are preprocessed
  in Python (``str.lower``, accent stripping, or the user's preprocessor),
  joined into one UTF-32 code point array, and tokenized, interned, filtered
  of stop words and combined into n-grams by Numba kernels; only distinct
  features ever become Python strings;
* the **general path** for everything else (char n-grams, custom tokenizer,
  analyzer or token pattern): features are produced by the Python analyzer and
  interned with a ``dict`` through C-level ``map``; counting is still a kernel.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .._kernels.counting import _count_csr, _filter_stream, _ngram_windows
from .._kernels.tokenize import (
    NON_WORD,
    WORD,
    _collect_unknown_code_points,
    _word_runs,
)
from .._base.validation import check_document as _check_document
from .._base.chunks import iter_chunks
from .._base.errors import DocumentTypeError
from .._base.intern import Interner

#: documents per chunk: bounds the memory of the code point and token arrays
CHUNK_SIZE = 4096

_WORD_RE = re.compile(r"\w")
#: class of every code point for Python's ``re`` ``\w``, filled lazily
_WORD_TABLE = np.zeros(0x110000, dtype=np.uint8)


#: every code point below this is classified in ``_WORD_TABLE`` (the BMP, filled at first use)
_BMP = 0x10000
_bmp_filled = False


def _fill_table(points: np.ndarray) -> None:
    chars = "".join(map(chr, points.tolist()))
    flags = re.sub(r"\W", "\x00", chars)  # keeps \w chars, zeroes the rest
    is_word = np.frombuffer(flags.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) != 0
    # "\x00" itself is not a word character, so the mapping is exact
    _WORD_TABLE[points] = np.where(is_word, WORD, NON_WORD)


def _classify_code_points(codes: np.ndarray) -> None:
    """Fill ``_WORD_TABLE`` for the code points of ``codes`` not classified yet.

    The whole BMP is classified once (a few milliseconds); after that only
    text with code points beyond it needs the scan for unknown ones.
    """
    global _bmp_filled
    if not _bmp_filled:
        _fill_table(np.arange(_BMP, dtype=np.int64))
        _bmp_filled = True
    if codes.size == 0 or int(codes.max()) < _BMP:
        return
    pending = _collect_unknown_code_points(codes, _WORD_TABLE)
    if pending.size:
        _fill_table(pending)


def check_document(doc, position: int) -> str:
    """A decoded document must be a str (the shared check, whose TypeError is also an
    AttributeError here: what scikit-learn raises for such a document)."""
    if isinstance(doc, str):
        return doc
    try:
        return _check_document(doc, position)
    except TypeError as exc:
        raise DocumentTypeError(*exc.args) from None


@dataclass
class LocalCounts:
    """Counts of each document over locally numbered features (canonical CSR)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    features: list = field(default_factory=list)

    @property
    def n_docs(self) -> int:
        return self.indptr.shape[0] - 1


def _count_chunk(ids: np.ndarray, offsets: np.ndarray, n_features: int):
    indices = np.empty(ids.shape[0], dtype=np.int64)
    data = np.empty(ids.shape[0], dtype=np.int64)
    indptr = _count_csr(ids, offsets, n_features, indices, data)
    nnz = int(indptr[-1])
    return indptr, indices[:nnz].copy(), data[:nnz].copy()


def _stack(parts: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not parts:
        return np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    indptrs, indices, data = zip(*parts)
    shifted = [indptrs[0]]
    base = int(indptrs[0][-1])
    for p in indptrs[1:]:
        shifted.append(p[1:] + base)
        base += int(p[-1])
    return np.concatenate(shifted), np.concatenate(indices), np.concatenate(data)


def word_tokens(text: str, lengths: np.ndarray, min_len: int):
    """The default-pattern tokens of documents: ``(codes, starts, lengths, doc_offsets)``.

    ``text`` holds the preprocessed documents back to back (``lengths[d]``
    characters each). ``codes`` are its UTF-32 code points; token ``t`` is
    ``codes[starts[t]:starts[t] + lengths[t]]`` and document ``d`` has tokens
    ``doc_offsets[d]:doc_offsets[d + 1]``.
    """
    bounds = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds[1:])
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    _classify_code_points(codes)
    starts, lens, offsets = _word_runs(codes, bounds, _WORD_TABLE, min_len)
    return codes, starts, lens, offsets


class _FastWordFeatures:
    """Interned tokens and n-grams of the fast word path, across chunks."""

    def __init__(self, ngram_range, stop_words, min_len: int) -> None:
        self.min_len = min_len
        self.min_n, self.max_n = ngram_range
        self.stop_words = stop_words
        self.tokens = Interner(np.uint32)
        self.ngrams = Interner(np.int64) if self.max_n > 1 else None
        self.token_texts: list[str] = []
        self.is_stop = np.zeros(0, dtype=np.bool_)

    def chunk(self, text: str, lengths: np.ndarray):
        codes, starts, lens, offsets = word_tokens(text, lengths, self.min_len)
        ids = self.tokens.intern(codes, starts, lens)
        self._sync_token_texts()
        if self.stop_words is not None:
            ids, offsets = _filter_stream(ids, offsets, self.is_stop)
        if self.ngrams is None:
            return ids, offsets, len(self.tokens)
        wstarts, wlens, woffsets = _ngram_windows(offsets, self.min_n, self.max_n)
        fids = self.ngrams.intern(ids, wstarts, wlens)
        return fids, woffsets, len(self.ngrams)

    def _sync_token_texts(self) -> None:
        known = len(self.token_texts)
        if len(self.tokens) > known:
            new = self.tokens.keys_as_text()[known:]
            self.token_texts.extend(new)
            if self.stop_words is not None:
                stop = np.fromiter((t in self.stop_words for t in new), dtype=np.bool_,
                                   count=len(new))
                self.is_stop = np.concatenate((self.is_stop, stop))

    def features(self) -> list[str]:
        if self.ngrams is None:
            return list(self.token_texts)
        texts = self.token_texts
        return [" ".join([texts[i] for i in key]) for key in self.ngrams.keys_as_id_tuples()]


def _text_steps(vectorizer):
    """``(to_text, analyze_text)``: decode + preprocess with position checks, then analyze.

    A document must be a str once decoded, unless the user's own
    ``preprocessor`` or ``analyzer`` takes something else (scikit-learn allows
    that, e.g. ``analyzer=lambda tokens: tokens`` on pre-tokenized input).
    A subclass's own ``build_analyzer`` gets the raw documents, as in scikit-learn.
    """
    if vectorizer._replaced("build_analyzer"):
        return (lambda doc, position: doc), vectorizer.build_analyzer()
    if callable(vectorizer.analyzer):
        analyzer = vectorizer.analyzer

        def to_text(doc, position):
            doc = vectorizer.decode(doc)
            if doc is np.nan:
                check_document(doc, position)
            return doc

        return to_text, analyzer
    preprocess = vectorizer.build_preprocessor()
    custom = vectorizer.preprocessor is not None or vectorizer._replaced("build_preprocessor")

    def to_text(doc, position):
        doc = vectorizer.decode(doc)
        if custom:
            if doc is np.nan:
                check_document(doc, position)
            return check_document(preprocess(doc), position)
        return preprocess(check_document(doc, position))

    analyzer = vectorizer.build_analyzer()  # validates analyzer / tokenizer options
    steps = analyzer.keywords
    tokenizer, ngrams = steps.get("tokenizer"), steps.get("ngrams")

    def analyze_text(text):
        return ngrams(tokenizer(text)) if tokenizer is not None else ngrams(text)

    return to_text, analyze_text


def _lowers_ascii_alike(vectorizer) -> bool:
    """True when preprocessing an ASCII str document is at most ``str.lower``.

    Then a chunk of ASCII documents can be lowercased in one call on their
    concatenation (ASCII lowercasing keeps every length, so the documents'
    bounds stay known); accent stripping leaves ASCII unchanged. Not so when a
    subclass replaces ``decode`` or ``build_preprocessor``.
    """
    return (vectorizer.input == "content" and vectorizer.preprocessor is None
            and vectorizer.strip_accents in (None, False, "ascii", "unicode")
            and not callable(vectorizer.analyzer)
            and not vectorizer._replaced("decode")
            and not vectorizer._replaced("build_preprocessor"))


def _preprocessed_chunks(vectorizer, raw_documents):
    """``(text, lengths)`` of CHUNK_SIZE preprocessed documents at a time, back to back."""
    to_text, _ = _text_steps(vectorizer)
    fast = _lowers_ascii_alike(vectorizer)
    position = 0
    for chunk in iter_chunks(raw_documents, CHUNK_SIZE):
        if fast and all(isinstance(doc, str) for doc in chunk):
            joined = "".join(chunk)
            if joined.isascii():  # O(1) in CPython
                position += len(chunk)
                yield (joined.lower() if vectorizer.lowercase else joined,
                       np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk)))
                continue
        docs = []
        for doc in chunk:
            docs.append(to_text(doc, position))
            position += 1
        yield "".join(docs), np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))


def extract_hashed(vectorizer, raw_documents, n_features: int, alternate_sign: bool):
    """Hashed counts ``(indptr, indices, data)`` of the fast word path without stop words.

    Tokens and word n-grams are hashed straight from their code points by a
    kernel, parallel for chunks of at least the tuned
    ``HASHING_PARALLEL_MIN_CODES`` code points: no interning, no feature
    strings. Same matrix as :func:`extract_counts` followed by hashing each
    distinct feature.
    """
    from .._kernels import _tuning
    from .._kernels._dispatch import choose
    from .._kernels.hashing import _hashed_word_csr

    min_n, max_n = (int(n) for n in vectorizer.ngram_range)
    min_len = vectorizer._fast_token_min_len()
    parts = []
    for text, lengths in _preprocessed_chunks(vectorizer, raw_documents):
        codes, starts, lens, offsets = word_tokens(text, lengths, min_len)
        kernel = choose(_hashed_word_csr, codes.shape[0],
                        codes.shape[0] >= _tuning.get("HASHING_PARALLEL_MIN_CODES"))
        parts.append(kernel(codes, starts, lens, offsets, min_n, max_n, n_features,
                            alternate_sign, 0))
    if not parts:
        return np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    return _stack(parts)


def vocabulary_lookup(vocabulary: dict) -> Interner | None:
    """A lookup-only table of a fixed vocabulary's words whose ids are their columns.

    A transform looks tokens up in it directly instead of interning them
    anew and remapping (the vectorizer keeps it, see
    ``CountVectorizer._vocabulary_table``). None when a key is not a str.
    """
    words = sorted(vocabulary, key=vocabulary.__getitem__)  # column order: ids are columns
    if not all(isinstance(w, str) for w in words):
        return None
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    starts = np.zeros(len(words), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    codes = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = Interner(np.uint32)
    table.intern(codes, starts, lengths)
    return table


def extract_fixed(vectorizer, raw_documents, table: Interner):
    """Counts over a fixed vocabulary, fast word path, unigrams, no stop words.

    Returns ``(indptr, indices, data, unknown, total)``: canonical CSR whose
    columns are the table's ids, the number of tokens not in the vocabulary,
    and the number of tokens.
    """
    min_len = vectorizer._fast_token_min_len()
    parts = []
    unknown = total = 0
    for text, lengths in _preprocessed_chunks(vectorizer, raw_documents):
        codes, starts, lens, offsets = word_tokens(text, lengths, min_len)
        ids = table.intern(codes, starts, lens, insert=False)
        total += ids.shape[0]
        unknown += int(np.count_nonzero(ids < 0))
        parts.append(_count_chunk(ids, offsets, len(table)))
    indptr, indices, data = _stack(parts)
    return indptr, indices, data, unknown, total


def extract_counts(vectorizer, raw_documents) -> LocalCounts:
    """Analyze and count ``raw_documents`` with ``vectorizer``'s options."""
    parts = []
    position = 0
    to_text, analyze_text = _text_steps(vectorizer)
    min_len = vectorizer._fast_token_min_len()
    if min_len:
        state = _FastWordFeatures(tuple(vectorizer.ngram_range), vectorizer.get_stop_words(),
                                  min_len)
        for text, lengths in _preprocessed_chunks(vectorizer, raw_documents):
            ids, offsets, n_features = state.chunk(text, lengths)
            parts.append(_count_chunk(ids, offsets, n_features))
        features = state.features()
    else:
        table: defaultdict = defaultdict()
        table.default_factory = table.__len__
        for chunk in iter_chunks(raw_documents, CHUNK_SIZE):
            analyzed = []
            for doc in chunk:
                feats = analyze_text(to_text(doc, position))
                analyzed.append(feats if isinstance(feats, list) else list(feats))
                position += 1
            flat = itertools.chain.from_iterable(analyzed)
            ids = np.fromiter(map(table.__getitem__, flat), dtype=np.int64)
            lengths = np.fromiter(map(len, analyzed), dtype=np.int64, count=len(analyzed))
            offsets = np.zeros(len(analyzed) + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
            parts.append(_count_chunk(ids, offsets, len(table)))
        features = list(table)
    indptr, indices, data = _stack(parts)
    return LocalCounts(indptr, indices, data, features)
