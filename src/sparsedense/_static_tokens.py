"""The token ids of a batch of sentences: the tokenizer's, or its ids memoised per word.

A tokenizer of the BERT family (a per-character normalizer, a pre-tokenizer
that splits on whitespace, then a model applied to each piece) tokenizes the
words of a sentence independently: the ids of a sentence are the ids of its
whitespace-separated words, concatenated. For such a tokenizer the ids of
each distinct word are computed once (by the tokenizer itself, on the word)
and a batch becomes one ``str.split`` per sentence, one dictionary look-up
per word and a few array operations; real text repeats its words (Zipf), so
the tokenizer sees a small share of them. The shortcut is taken only where it
is exact:

* the normalizer is absent or built from ``BertNormalizer``, ``Lowercase``,
  ``NFD``/``NFC``/``NFKD``/``NFKC``, ``StripAccents`` (per character);
* the pre-tokenizer is ``BertPreTokenizer``, ``Whitespace`` or
  ``WhitespaceSplit``, alone or in a sequence with ``Punctuation`` and
  ``Digits`` (all split inside a word only);
* no added token contains whitespace, the model has no BPE dropout;
* the sentence is ASCII without control characters other than tab, line
  feed and carriage return (there Python's ``str.split`` and the tokenizer
  agree on what whitespace is).

Every other sentence, and every sentence of another tokenizer, goes through
``encode_batch_fast`` as a whole. Truncation to ``max_length`` tokens keeps
the first tokens in both cases, as the tokenizer does without special tokens.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np

_NORMALIZERS = {"BertNormalizer", "Lowercase", "NFD", "NFC", "NFKD", "NFKC", "StripAccents"}
_SPLITTERS = {"BertPreTokenizer", "Whitespace", "WhitespaceSplit"}
_LOCAL_SPLITS = _SPLITTERS | {"Punctuation", "Digits"}
#: the ASCII characters on which str.split and the tokenizers could disagree
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: the word between two sentences in the memo's one split (a control character: never
#: in a sentence the memo reads)
_SEPARATOR = "\x00"
#: distinct words kept before the memo starts over (bounds its memory)
MAX_WORDS = 1 << 20
#: new words tokenized together, joined by spaces, in one text of the tokenizer's batch
LEARN_CHUNK = 2048


def _members(node: dict | None, key: str) -> list[dict]:
    if node is None:
        return []
    if node.get("type") == "Sequence":
        return [m for child in node.get(key, []) for m in _members(child, key)]
    return [node]


def words_are_independent(tokenizer: Any) -> bool:
    """Whether the tokenizer's ids of a sentence are its words' ids concatenated (see above)."""
    spec = json.loads(tokenizer.to_str())
    normalizers = _members(spec.get("normalizer"), "normalizers")
    splits = _members(spec.get("pre_tokenizer"), "pretokenizers")
    model = spec.get("model") or {}
    return (all(n.get("type") in _NORMALIZERS for n in normalizers)
            and bool(splits) and all(s.get("type") in _LOCAL_SPLITS for s in splits)
            and any(s.get("type") in _SPLITTERS for s in splits)
            and not any(re.search(r"\s", t.get("content", ""))
                        for t in spec.get("added_tokens") or [])
            and not model.get("dropout"))


def _concatenated(segments: list[tuple[np.ndarray, np.ndarray]], owner: np.ndarray,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """One (indptr, ids) from per-subset ones; ``owner[k]``: the sentence of segment ``k``."""
    ptrs, ids, base = [np.zeros(1, dtype=np.int64)], [], 0
    for indptr, values in segments:
        ptrs.append(indptr[1:] + base)
        ids.append(values)
        base += int(indptr[-1])
    ptr = np.concatenate(ptrs)
    flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    order = np.argsort(owner, kind="stable")  # segment of each sentence, in sentence order
    return _gather(ptr[:-1][order], np.diff(ptr)[order], flat)


def _gather(starts: np.ndarray, lengths: np.ndarray, flat: np.ndarray,
            ) -> tuple[np.ndarray, np.ndarray]:
    """``concat(flat[starts[i]:starts[i] + lengths[i]])`` and its indptr, without a loop."""
    indptr = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    total = int(indptr[-1])
    if total == 0:
        return indptr, np.zeros(0, dtype=np.int64)
    pos = np.repeat(starts - indptr[:-1], lengths) + np.arange(total, dtype=np.int64)
    return indptr, flat[pos]


def _truncated(indptr: np.ndarray, ids: np.ndarray, max_length: int | None,
               ) -> tuple[np.ndarray, np.ndarray]:
    """The first ``max_length`` ids of each row."""
    lengths = np.diff(indptr)
    if max_length is None or not (lengths > max_length).any():
        return indptr, ids
    return _gather(indptr[:-1], np.minimum(lengths, max_length), ids)


class TokenIds:
    """The token ids of sentences (no special tokens), as ``tokenizer.encode_batch_fast``.

    ``TokenIds(tokenizer)(sentences, max_length)`` gives ``(indptr, ids)``:
    the ids of sentence ``i`` are ``ids[indptr[i]:indptr[i + 1]]``. The
    tokenizer is copied (padding off); the word memo is used when
    :func:`words_are_independent`.
    """

    def __init__(self, tokenizer: Any) -> None:
        self._lock = threading.Lock()  # one batch at a time: the memo and the truncation
        self.encoder = copy.deepcopy(tokenizer)
        self.encoder.no_padding()
        self.memo = words_are_independent(tokenizer)
        if self.memo:
            self.word_encoder = copy.deepcopy(self.encoder)
            self.word_encoder.no_truncation()
        self._reset()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _reset(self) -> None:
        # word 0 is the separator between sentences: no token
        self.words: dict[str, int] = {_SEPARATOR: 0}
        self.starts = np.zeros(1, dtype=np.int64)
        self.lengths = np.zeros(1, dtype=np.int64)
        self.flat = np.zeros(0, dtype=np.int64)

    def _encode(self, sentences: list[str], max_length: int | None,
                ) -> tuple[np.ndarray, np.ndarray]:
        """The tokenizer on whole sentences."""
        if max_length is None:
            self.encoder.no_truncation()
        else:
            self.encoder.enable_truncation(max_length)
        encodings = self.encoder.encode_batch_fast(sentences, add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64,
                              count=len(encodings))
        indptr = np.zeros(len(encodings) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        ids = np.fromiter(chain.from_iterable(e.ids for e in encodings), dtype=np.int64,
                          count=int(indptr[-1]))
        return indptr, ids

    def _learn(self, new: list[str]) -> None:
        """Add the ids of words not seen yet: the tokenizer runs on them joined by spaces,
        a few thousand words per text, and each token goes to the word its offset is in."""
        chunks = [new[i:i + LEARN_CHUNK] for i in range(0, len(new), LEARN_CHUNK)]
        encodings = self.word_encoder.encode_batch([" ".join(c) for c in chunks],
                                                   add_special_tokens=False)
        lengths, ids = [], []
        for chunk, encoding in zip(chunks, encodings):
            n_chars = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
            word_at = np.zeros(len(chunk), dtype=np.int64)
            np.cumsum(n_chars[:-1] + 1, out=word_at[1:])
            token_at = np.array(encoding.offsets, dtype=np.int64).reshape(-1, 2)[:, 0]
            owner = np.searchsorted(word_at, token_at, side="right") - 1
            if owner.size and (np.diff(owner) < 0).any():  # not in word order: one by one
                alone = self.word_encoder.encode_batch_fast(chunk, add_special_tokens=False)
                lengths.append(np.fromiter((len(e.ids) for e in alone), dtype=np.int64,
                                           count=len(alone)))
                ids.append(np.fromiter(chain.from_iterable(e.ids for e in alone),
                                       dtype=np.int64, count=int(lengths[-1].sum())))
                continue
            lengths.append(np.bincount(owner, minlength=len(chunk)).astype(np.int64))
            ids.append(np.asarray(encoding.ids, dtype=np.int64))
        lengths_new = np.concatenate(lengths)
        starts = np.zeros(len(new), dtype=np.int64)
        np.cumsum(lengths_new[:-1], out=starts[1:])
        base = len(self.words)
        self.words.update(zip(new, range(base, base + len(new))))
        self.starts = np.concatenate([self.starts, starts + self.flat.shape[0]])
        self.lengths = np.concatenate([self.lengths, lengths_new])
        self.flat = np.concatenate([self.flat, *ids])

    def _memoised(self, sentences: list[str], max_length: int | None,
                  ) -> tuple[np.ndarray, np.ndarray]:
        """The words' memoised ids, concatenated per sentence, then truncated.

        The sentences are split in one call, joined around a separator word
        (a control character, which the sentences here do not hold).
        """
        words = f" {_SEPARATOR} ".join(sentences).split()
        if len(words) == max(len(sentences) - 1, 0):  # separators only (or no sentence)
            return np.zeros(len(sentences) + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
        lookup = itemgetter(*words)  # one word: an int, several: a tuple
        try:
            found = lookup(self.words)
        except KeyError:  # words not seen yet: learned together, then looked up again
            distinct = set(words)
            distinct.discard(_SEPARATOR)
            new = distinct.difference(self.words)
            if len(self.words) + len(new) > MAX_WORDS:  # start over with this batch's words
                self._reset()
                new = distinct
            self._learn(sorted(new))
            found = lookup(self.words)
        index = np.array(found, dtype=np.int64).reshape(-1)
        tok_ptr, ids = _gather(self.starts[index], self.lengths[index], self.flat)
        # a sentence ends at its separator (which has no token) or at the end
        ends = np.flatnonzero(index == 0)
        bounds = np.concatenate([[0], ends, [index.shape[0]]])
        return _truncated(tok_ptr[bounds], ids, max_length)

    def __call__(self, sentences: list[str], max_length: int | None,
                 ) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            return self._ids(sentences, max_length)

    def _ids(self, sentences: list[str], max_length: int | None,
             ) -> tuple[np.ndarray, np.ndarray]:
        if not self.memo:
            return self._encode(sentences, max_length)
        joined = "".join(sentences)  # the usual case, every sentence plain ASCII, in one pass
        if joined.isascii() and _CONTROL.search(joined) is None:
            return self._memoised(sentences, max_length)
        fast = np.fromiter((s.isascii() and _CONTROL.search(s) is None for s in sentences),
                           dtype=bool, count=len(sentences))
        if fast.all():
            return self._memoised(sentences, max_length)
        if not fast.any():
            return self._encode(sentences, max_length)
        at_fast, at_slow = np.flatnonzero(fast), np.flatnonzero(~fast)
        segments = [self._memoised([sentences[i] for i in at_fast], max_length),
                    self._encode([sentences[i] for i in at_slow], max_length)]
        return _concatenated(segments, np.concatenate([at_fast, at_slow]))
