"""Streaming a training corpus: word counts, then sentences as arrays of word ids.

Shared by every trainer (Word2Vec, FastText, the co-occurrence matrix). A
corpus comes either as ``sentences`` -- a re-iterable of token lists, read
once per pass -- or as ``corpus_file`` -- a text file (``.gz``, ``.bz2`` or
``.xz`` too, by its suffix), one sentence a line, tokens separated by whitespace (gensim's
``LineSentence`` rules, including cutting lines longer than
``MAX_SENTENCE_LENGTH`` tokens into pieces). The file path never builds
Python lists: blocks of bytes are split by a Numba kernel and the tokens
interned into ids by the hash-table kernel of the vectorizers.

Both sources give the same stream of sentences for the same tokens, and
:func:`iter_chunks` cuts that stream into the same chunks (whole sentences,
at least ``chunk_words`` in-vocabulary words each), so a trainer fed from
either source sees bit-identical input.

Memory: one block of the file (``BLOCK_BYTES``) or one chunk of sentences at a
time, plus the table of distinct words; a file of at most ``CACHE_WORDS``
words is also kept as ids (4 bytes a word) after its first pass, so that the
later passes (the epochs) neither read nor intern it again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

#: lines longer than this many tokens are cut into several sentences (gensim's value)
MAX_SENTENCE_LENGTH = 10000
#: bytes of a corpus file read per block
BLOCK_BYTES = 1 << 24
#: a corpus file of at most this many words is kept as ids after its first pass
#: (4 bytes a word), so later passes (epochs) do not read and intern it again
CACHE_WORDS = 1 << 26


class Corpus:
    """A re-readable token stream from ``sentences`` or ``corpus_file``.

    Parameters
    ----------
    sentences : iterable of lists of str, optional
        Must be re-iterable (a list, or an object whose ``__iter__`` starts
        over); a one-shot iterator such as a generator is refused, since a
        second pass over it would silently be empty.
    corpus_file : str or path-like, optional
        A text file, one sentence a line (UTF-8), plain or compressed (``.gz``,
        ``.bz2``, ``.xz``: see :func:`~sparsedense._base.files.open_binary`).
    owner : str
        Name used in error messages.
    """

    def __init__(self, sentences: Iterable[Any] | None = None,
                 corpus_file: str | os.PathLike | None = None, *, owner: str = "corpus") -> None:
        if (sentences is None) == (corpus_file is None):
            raise TypeError(f"{owner} needs exactly one of sentences or corpus_file; got "
                            f"{'both' if sentences is not None else 'neither'}")
        if sentences is not None:
            if isinstance(sentences, (str, bytes)):
                raise TypeError(f"sentences must be an iterable of token lists; got a "
                                f"{type(sentences).__name__} {sentences[:40]!r}")
            try:
                it = iter(sentences)
            except TypeError:
                raise TypeError(f"sentences must be an iterable of token lists; got "
                                f"{type(sentences).__name__}") from None
            if it is sentences:
                raise TypeError(
                    f"sentences is a one-shot iterator ({type(sentences).__name__}): training "
                    "reads the corpus once per epoch, so it must be re-iterable; pass a list, "
                    "an object whose __iter__ starts over, or corpus_file")
        else:
            path = Path(os.fspath(corpus_file))
            if not path.is_file():
                from .._base.errors import CorpusFileNotFoundError

                what = "a directory" if path.is_dir() else "no such file"
                raise CorpusFileNotFoundError(f"corpus_file {str(path)!r}: {what}")
            corpus_file = path
        self.sentences = sentences
        self.corpus_file = corpus_file
        self.owner = owner

    # -- raw token blocks ------------------------------------------------------
    def _file_blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Blocks of the file: ``(buf, tok_start, tok_len, sent_len)`` over whole lines."""
        from .._base.files import open_binary
        from .._kernels.corpus import _split_sentences

        carry = b""
        with open_binary(self.corpus_file) as fh:
            while True:
                data = fh.read(BLOCK_BYTES)
                last = not data
                data = carry + data
                if not data:
                    break
                cut = len(data) if last else data.rfind(b"\n") + 1
                if cut == 0:  # no complete line yet: read on
                    carry = data
                    continue
                carry = data[cut:]
                buf = np.frombuffer(data, dtype=np.uint8)
                tok_start, tok_len, sent_len = _split_sentences(buf, 0, cut, MAX_SENTENCE_LENGTH)
                yield buf, tok_start, tok_len, sent_len
                if last:
                    break

    def _sentence_lists(self) -> Iterator[list]:
        """The sentences of the ``sentences`` source, each checked, long ones cut."""
        for i, sentence in enumerate(self.sentences):
            if isinstance(sentence, (str, bytes)) or not hasattr(sentence, "__len__"):
                raise TypeError(
                    f"sentences[{i}] is {type(sentence).__name__} {_short(sentence)}; expected a "
                    "list of str tokens (split your text into words first)")
            if not isinstance(sentence, list):
                sentence = list(sentence)
            for j, tok in enumerate(sentence):
                if type(tok) is not str and not isinstance(tok, str):
                    raise TypeError(f"sentences[{i}][{j}] is {type(tok).__name__} {_short(tok)}; "
                                    "expected str")
            for s in range(0, len(sentence), MAX_SENTENCE_LENGTH):
                yield sentence[s:s + MAX_SENTENCE_LENGTH]

    def _file_sentence_lists(self) -> Iterator[list]:
        """The file's sentences as Python lists (gensim's ``LineSentence``), for the slow path."""
        for buf, tok_start, tok_len, sent_len in self._file_blocks():
            data = buf.tobytes()
            t = 0
            for n in sent_len.tolist():
                words = []
                for k in range(t, t + n):
                    raw = data[tok_start[k]:tok_start[k] + tok_len[k]]
                    try:
                        words.append(raw.decode("utf-8"))
                    except UnicodeDecodeError as exc:
                        raise ValueError(f"corpus_file {str(self.corpus_file)!r} is not UTF-8: "
                                         f"the word {raw!r} has an invalid byte "
                                         f"({exc.reason})") from None
                t += n
                yield words

    # -- pass 1: counts --------------------------------------------------------
    def word_counts(self, max_vocab_size: int | None = None, trim_rule: Any = None,
                    ) -> tuple[list[str], np.ndarray, int, int]:
        """``(words, counts, total_words, n_sentences)``; words in order of first appearance.

        With ``max_vocab_size``, gensim's memory cap applies while counting:
        whenever a sentence takes the number of distinct words above it, the
        words seen fewer than ``min_reduce`` times are forgotten and
        ``min_reduce`` (starting at 1) goes up by one -- so the counts are then
        approximate, as in gensim. (The file is then read line by line in
        Python, since the cap is checked after every sentence.) ``trim_rule``
        (gensim's) may keep or forget a word instead at each such pruning.
        """
        if self.corpus_file is None or max_vocab_size is not None:
            counts: dict[str, int] = {}
            total = n_sent = 0
            min_reduce = 1
            for sentence in (self._sentence_lists() if self.corpus_file is None
                             else self._file_sentence_lists()):
                for tok in sentence:
                    counts[tok] = counts.get(tok, 0) + 1
                total += len(sentence)
                n_sent += 1
                if max_vocab_size is not None and len(counts) > max_vocab_size:
                    from ._vocab import keep_word

                    counts = {w: c for w, c in counts.items()
                              if keep_word(w, c, min_reduce, trim_rule)}
                    min_reduce += 1
            return list(counts), np.fromiter(counts.values(), np.int64, len(counts)), total, n_sent
        from .._base.intern import Interner

        interner = Interner(np.uint8)
        counts_arr = np.zeros(0, np.int64)
        total = n_sent = 0
        raw_blocks: list | None = []  # the tokens as ids, kept for the next pass when small
        for buf, tok_start, tok_len, sent_len in self._file_blocks():
            ids = interner.intern(buf, tok_start, tok_len)
            if raw_blocks is not None:
                raw_blocks.append((ids.astype(np.int32), sent_len))
                if total + ids.shape[0] > CACHE_WORDS:
                    raw_blocks = None
            if len(interner) > counts_arr.shape[0]:
                counts_arr = np.concatenate(
                    (counts_arr, np.zeros(max(len(interner), 2 * counts_arr.shape[0])
                                          - counts_arr.shape[0], np.int64)))
            counts_arr += np.bincount(ids, minlength=counts_arr.shape[0])
            total += int(tok_len.shape[0])
            n_sent += int(sent_len.shape[0])
        self._interner = interner
        self._raw_blocks = raw_blocks
        words = self._words_cache = self._decode_words(interner)
        return list(words), counts_arr[: len(interner)].copy(), total, n_sent

    def _decode_words(self, interner) -> list[str]:
        pool = interner.pool[: interner.pool_len].tobytes()
        starts = interner.key_start[: interner.n_keys].tolist()
        lens = interner.key_len[: interner.n_keys].tolist()
        words = []
        for s, n in zip(starts, lens):
            try:
                words.append(pool[s:s + n].decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise ValueError(f"corpus_file {str(self.corpus_file)!r} is not UTF-8: the word "
                                 f"{pool[s:s + n]!r} has an invalid byte ({exc.reason})") from None
        return words

    # -- pass 2..: id chunks ---------------------------------------------------
    def iter_chunks(self, key_to_index: dict[str, int],
                    chunk_words: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(ids, sent_ends)`` chunks of whole sentences in corpus order.

        ``ids`` (int32) holds the in-vocabulary words of the chunk's sentences
        back to back (unknown words dropped), ``sent_ends`` (int64) the end of
        each sentence in ``ids``. Every chunk but the last holds at least
        ``chunk_words`` words; sentences left empty are dropped.
        """
        chunker = _Chunker(chunk_words)
        if self.corpus_file is not None:
            yield from self._file_chunks(key_to_index, chunker)
            return
        ids: list[int] = []
        ends: list[int] = []
        get = key_to_index.get
        for sentence in self._sentence_lists():
            before = len(ids)
            ids.extend(i for i in map(get, sentence) if i is not None)
            if len(ids) > before:
                ends.append(len(ids))
            if len(ids) >= 65536:
                yield from chunker.feed(np.array(ids, np.int32), np.array(ends, np.int64))
                ids, ends = [], []
        yield from chunker.feed(np.array(ids, np.int32), np.array(ends, np.int64))
        yield from chunker.flush()

    def _file_chunks(self, key_to_index: dict[str, int],
                     chunker: "_Chunker") -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """:meth:`iter_chunks` of the file: read and turned into ids by the kernels.

        The chunks of a file of at most ``CACHE_WORDS`` in-vocabulary words are
        kept, so that later passes (epochs) with the same vocabulary skip the
        reading and interning.
        """
        from .._kernels.corpus import _remap_sentences

        key = (id(key_to_index), len(key_to_index), chunker.chunk_words)
        cached = getattr(self, "_chunk_cache", None)
        if cached is not None and cached[0] == key:
            yield from cached[1]
            return
        interner = getattr(self, "_interner", None)
        if interner is None:
            self.word_counts()
            interner = self._interner
        remap = np.full(len(interner) + 1, -1, np.int32)  # remap[-1]: a word never seen
        for idx, word in enumerate(self._words_of(interner)):
            remap[idx] = key_to_index.get(word, -1)
        kept: list | None = []
        n_kept = 0

        def keep(chunks):
            nonlocal kept, n_kept
            for chunk in chunks:
                if kept is not None:
                    n_kept += chunk[0].shape[0]
                    if n_kept <= CACHE_WORDS:
                        kept.append(chunk)
                    else:
                        kept = None
                yield chunk

        raw_blocks = getattr(self, "_raw_blocks", None)
        if raw_blocks is None:
            raw_blocks = ((interner.intern(buf, tok_start, tok_len, insert=False), sent_len)
                          for buf, tok_start, tok_len, sent_len in self._file_blocks())
        for raw, sent_len in raw_blocks:
            ids_arr, ends_arr = _remap_sentences(raw, sent_len, remap)
            yield from keep(chunker.feed(ids_arr, ends_arr))
        yield from keep(chunker.flush())
        if kept is not None:
            self._chunk_cache = (key, kept)
            self._raw_blocks = None  # the chunks replace the raw ids

    def _words_of(self, interner) -> list[str]:
        words = getattr(self, "_words_cache", None)
        if words is None or len(words) != len(interner):
            words = self._words_cache = self._decode_words(interner)
        return words


class _Chunker:
    """Cut a stream of sentences (ids + sentence ends) into chunks of >= ``chunk_words`` words."""

    def __init__(self, chunk_words: int) -> None:
        self.chunk_words = int(chunk_words)
        self.ids: list[np.ndarray] = []
        self.ends: list[np.ndarray] = []
        self.n = 0

    def feed(self, ids: np.ndarray, ends: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        pos = 0  # ids[:pos] already handed on
        e = 0
        while e < ends.shape[0]:
            need = self.chunk_words - self.n
            # first sentence end reaching the chunk size
            k = int(np.searchsorted(ends, pos + need, side="left"))
            if k >= ends.shape[0]:
                break
            self.ids.append(ids[pos:ends[k]])
            self.ends.append(ends[e:k + 1] - pos + self.n)
            pos = int(ends[k])
            e = k + 1
            yield self._take()
        if e < ends.shape[0]:
            self.ids.append(ids[pos:ends[-1]])
            self.ends.append(ends[e:] - pos + self.n)
            self.n += int(ends[-1]) - pos

    def _take(self) -> tuple[np.ndarray, np.ndarray]:
        ids = np.concatenate(self.ids).astype(np.int32, copy=False)
        ends = np.concatenate(self.ends).astype(np.int64, copy=False)
        self.ids, self.ends, self.n = [], [], 0
        return ids, ends

    def flush(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if self.ids:
            yield self._take()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
