"""Vocabulary: a fixed dictionary token <-> id, the rows of an embedding table.

``len(vocab)`` is the ``num_embeddings`` of an embedding table built on it;
``vocab.encode(...)`` turns text into the integer ids an embedding looks up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._base.files import atomic_write
from ._base.validation import check_ids

_FORMAT = "sparsedense.Vocabulary"
_VERSION = 1
_UNKNOWN_POLICIES = ("unk", "error", "drop")
#: documents counted at a time by from_texts (the stream is never held whole)
_CHUNK_DOCS = 4096


def _shifted(exc: Exception, offset: int) -> Exception:
    """``exc`` saying ``raw_documents[i + offset]`` where it says ``raw_documents[i]``."""
    import re

    text = str(exc)
    match = re.match(r"raw_documents\[(\d+)\]", text)
    if match is None or offset == 0:
        return exc
    try:
        return type(exc)(f"raw_documents[{int(match.group(1)) + offset}]{text[match.end():]}")
    except Exception:  # pragma: no cover - an exception class not made from a message
        return exc


class Vocabulary:
    """A fixed, ordered dictionary between tokens and integer ids.

    Ids are ``0 .. len(vocab) - 1``. Build one from a corpus with
    :meth:`from_texts` or :meth:`from_tokens`, where special tokens come first
    (in the order given) and the other tokens follow by descending frequency,
    ties broken by code point order of the tokens (the order of Python's
    ``sorted``), so the same counts always give the same ids whatever the
    order of the documents.

    Parameters
    ----------
    tokens : sequence of str
        The tokens, in id order. Must be distinct.
    counts : sequence of int, optional
        Corpus frequency of each token (0 for specials); kept for reference.
    unk_token : str or None, default="<unk>"
        The token unknown words map to, if it is in ``tokens``.
    pad_token : str or None, default="<pad>"
        The token used to pad encoded batches, if it is in ``tokens``.

    Attributes
    ----------
    unk_id, pad_id : int or None
        Ids of the unknown and padding tokens when present.

    Examples
    --------
    >>> from sparsedense import Vocabulary
    >>> vocab = Vocabulary.from_texts(["I love you", "you love deposits"],
    ...                               specials=["<pad>", "<unk>"])
    >>> len(vocab), list(vocab)
    (6, ['<pad>', '<unk>', 'love', 'you', 'deposits', 'i'])
    >>> vocab.encode("I love savings").tolist()
    [5, 2, 1]
    >>> vocab.decode([5, 2, 3])
    ['i', 'love', 'you']
    >>> vocab.encode_batch(["I love you", "love"], padding=True)
    array([[5, 2, 3],
           [2, 0, 0]])
    """

    def __init__(self, tokens: Sequence[str], counts: Sequence[int] | None = None, *,
                 unk_token: str | None = "<unk>", pad_token: str | None = "<pad>",
                 lowercase: bool = True, token_pattern: str = r"(?u)\b\w+\b",
                 tokenizer=None) -> None:
        tokens = list(tokens)
        index: dict[str, int] = {}
        for i, tok in enumerate(tokens):
            if not isinstance(tok, str):
                raise TypeError(f"tokens[{i}] is {type(tok).__name__} {tok!r}; expected str")
            if index.setdefault(tok, i) != i:
                raise ValueError(
                    f"tokens[{i}] = {tok!r} repeats tokens[{index[tok]}]; tokens must be distinct"
                )
        if counts is None:
            counts_arr = np.zeros(len(tokens), dtype=np.int64)
        else:
            counts_arr = np.asarray(counts, dtype=np.int64)
            if counts_arr.shape != (len(tokens),):
                raise ValueError(
                    f"counts must have one entry per token ({len(tokens)}); "
                    f"got shape {counts_arr.shape}"
                )
        self._tokens = tokens
        self._index = index
        self.counts = counts_arr
        self.unk_token = unk_token
        self.pad_token = pad_token
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.unk_id = index.get(unk_token) if unk_token is not None else None
        self.pad_id = index.get(pad_token) if pad_token is not None else None

    # -- building ----------------------------------------------------------
    @classmethod
    def from_tokens(cls, token_lists: Iterable[Sequence[str]], min_count: int = 1,
                    max_size: int | None = None, specials: Sequence[str] = (),
                    **kwargs: Any) -> "Vocabulary":
        """Build from already tokenized documents (an iterable of token lists).

        Parameters
        ----------
        token_lists : iterable of sequences of str
        min_count : int, default=1
            Tokens seen fewer times are left out (specials are always kept).
        max_size : int, optional
            At most this many entries in all, specials included.
        specials : sequence of str, default=()
            Tokens given the first ids, in this order (e.g. ``"<pad>"``, ``"<unk>"``).
        **kwargs
            ``unk_token``, ``pad_token`` and the tokenizer settings used later by
            :meth:`encode` (see the class parameters).
        """
        if isinstance(token_lists, str) or not isinstance(token_lists, Iterable):
            raise TypeError("token_lists must be an iterable of token lists; got "
                            f"{type(token_lists).__name__} {token_lists!r:.80}")
        table: dict[str, int] = {}
        get = table.get
        for d, tokens in enumerate(token_lists):
            if isinstance(tokens, str):
                raise TypeError(
                    f"token_lists[{d}] is a str; expected a list of tokens "
                    "(use Vocabulary.from_texts for raw text)"
                )
            if not isinstance(tokens, Iterable):
                raise TypeError(f"token_lists[{d}] is {type(tokens).__name__} {tokens!r:.80}; "
                                "expected a list of tokens")
            for t, tok in enumerate(tokens):
                if not isinstance(tok, str):
                    raise TypeError(
                        f"token_lists[{d}][{t}] is {type(tok).__name__} {tok!r}; expected str"
                    )
                table[tok] = get(tok, 0) + 1
        return cls._from_counts(list(table), np.fromiter(table.values(), np.int64,
                                                         count=len(table)),
                                min_count, max_size, specials, kwargs)

    @classmethod
    def from_texts(cls, texts: Iterable[str], min_count: int = 1, max_size: int | None = None,
                   specials: Sequence[str] = (), tokenizer=None, *, lowercase: bool = True,
                   token_pattern: str = r"(?u)\b\w+\b", max_memory: int | str = "1GB",
                   **kwargs: Any) -> "Vocabulary":
        """Build from raw texts, tokenized like :meth:`encode` will tokenize.

        The default tokenizer lowercases and keeps every run of word characters
        (``(?u)\\b\\w+\\b``, so one-letter words such as "I" and Hangul words are
        tokens); it runs in the same Numba kernel as the vectorizers. Pass
        ``tokenizer`` (a callable str -> list of str) to use your own.

        ``texts`` may be any iterable, of any length (a generator reading a
        file larger than memory): it is read once, in chunks of documents,
        and the token counts are kept in about ``max_memory`` bytes.

        Parameters
        ----------
        texts : iterable of str
        min_count, max_size, specials, **kwargs
            As in :meth:`from_tokens`.
        tokenizer, lowercase, token_pattern
            How texts are split into tokens (kept for :meth:`encode`).
        max_memory : int or str, default="1GB"
            Budget of the table of token counts: bytes, or a size such as
            ``"500MB"`` or ``"2GiB"``. While the distinct tokens fit (about
            ``sys.getsizeof(token) + 64`` bytes each) the counts are exact.
            Past it, the table becomes a Misra-Gries summary: with ``m``
            counters after a prune and ``N`` tokens in all, every count is
            underestimated by at most ``N / (m + 1)``, a token left out
            occurred at most that often, and any token more frequent is kept.
            A :class:`UserWarning` then says so, with ``m``, ``N`` and the bound.

        Raises
        ------
        TypeError, ValueError
            A ``max_memory`` that is not a size (see above), checked before
            ``texts`` is read.

        Examples
        --------
        >>> from sparsedense import Vocabulary
        >>> lines = (line for line in ["rain and snow", "rain", "snow and rain"])
        >>> vocab = Vocabulary.from_texts(lines, max_memory="100MB")
        >>> list(vocab), vocab.counts.tolist()
        (['rain', 'and', 'snow'], [3, 2, 2])
        """
        from ._base.chunks import iter_chunks
        from ._base.validation import check_documents
        from ._kernels.counting import _column_stats
        from ._token_counter import TokenCounter
        from .text import CountVectorizer

        check_documents(texts)
        counter = TokenCounter(max_memory)
        cv = CountVectorizer(lowercase=lowercase, token_pattern=token_pattern,
                             tokenizer=tokenizer)
        offset = 0
        for chunk in iter_chunks(texts, _CHUNK_DOCS):
            try:
                local = cv._local_counts(chunk)
            except (TypeError, ValueError) as exc:  # its position in the chunk -> in texts
                raise _shifted(exc, offset) from None
            offset += len(chunk)
            _, counts = _column_stats(local.indices, local.data, len(local.features))
            counter.add(local.features, counts)
        if counter.approximate:
            import warnings

            from ._base.stacklevel import user_stacklevel

            warnings.warn(
                f"Vocabulary.from_texts: the distinct tokens outgrew max_memory={max_memory!r}; "
                f"the counts are a Misra-Gries summary of at least m={counter.min_counters} "
                f"counters over N={counter.total} tokens: each count is at most "
                f"{counter.error} (<= N/(m+1) = {counter.bound:.6g}) below the true one, and a "
                "token left out occurred at most as often. Raise max_memory for exact counts",
                UserWarning, stacklevel=user_stacklevel(),
            )
        kwargs.update(lowercase=lowercase, token_pattern=token_pattern, tokenizer=tokenizer)
        return cls._from_counts(counter.tokens, counter.counts, min_count, max_size, specials,
                                kwargs)

    @classmethod
    def _from_counts(cls, tokens: list, counts: np.ndarray, min_count, max_size, specials,
                     kwargs) -> "Vocabulary":
        from ._base.validation import check_int, is_int

        min_count = check_int(min_count, "min_count", 1, owner="Vocabulary")
        specials = list(specials)
        if len(set(specials)) != len(specials):
            raise ValueError(f"specials must be distinct; got {specials!r}")
        if max_size is not None:
            if not is_int(max_size) or max_size < len(specials):
                raise ValueError(
                    f"max_size must be an int >= len(specials) = {len(specials)}; got {max_size!r}"
                )
        special_set = set(specials)
        keep = [i for i in range(len(tokens))
                if counts[i] >= min_count and tokens[i] not in special_set]
        # descending count, ties by the token itself (code point order)
        keep.sort(key=lambda i: tokens[i])
        keep.sort(key=lambda i: -counts[i])
        if max_size is not None:
            keep = keep[: max_size - len(specials)]
        count_of = dict(zip(tokens, counts.tolist()))
        all_tokens = specials + [tokens[i] for i in keep]
        all_counts = [count_of.get(s, 0) for s in specials] + [int(counts[i]) for i in keep]
        return cls(all_tokens, all_counts, **kwargs)

    # -- lookups -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._tokens)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._index

    def __getitem__(self, token: str) -> int:
        return self.token_to_id(token)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return (self._tokens == other._tokens and self.unk_token == other.unk_token
                and self.pad_token == other.pad_token
                and np.array_equal(self.counts, other.counts))

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self._tokens[:5])
        more = ", ..." if len(self) > 5 else ""
        return f"Vocabulary(size={len(self)}, tokens=[{head}{more}])"

    @property
    def tokens(self) -> list[str]:
        """All tokens in id order (a copy)."""
        return list(self._tokens)

    def token_to_id(self, token: str, unknown: str = "unk") -> int:
        """Id of ``token``; an unknown token gives the unk id, or KeyError if there is none."""
        i = self._index.get(token)
        if i is not None:
            return i
        if unknown == "unk" and self.unk_id is not None:
            return self.unk_id
        raise KeyError(self._unknown_message(token))

    def id_to_token(self, idx: int) -> str:
        """Token of id ``idx`` (IndexError naming the valid range otherwise)."""
        if type(idx) is int and 0 <= idx < len(self._tokens):
            return self._tokens[idx]
        if isinstance(idx, (list, tuple, str, bytes)) or np.ndim(idx) != 0:
            raise TypeError(f"idx must be one integer id; got {type(idx).__name__} "
                            f"{idx!r} (use decode for many ids)")
        return self._tokens[int(check_ids(idx, "idx", len(self), "len(vocab)"))]

    def _unknown_message(self, token: Any) -> str:
        return (f"token {token!r} is not in the vocabulary (size {len(self)}) and it has no "
                f"unk token; pass unknown='drop' to skip unknown tokens")

    # -- encoding --------------------------------------------------------------
    def tokenize(self, text: str) -> list[str]:
        """Split a text the way this vocabulary was built."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str; got {type(text).__name__} {text!r}")
        if self.tokenizer is not None:
            return list(self.tokenizer(text))
        import re

        return re.findall(self.token_pattern, text.lower() if self.lowercase else text)

    def _resolve_unknown(self, unknown: str | None) -> str:
        if unknown is None:
            return "unk" if self.unk_id is not None else "error"
        if unknown not in _UNKNOWN_POLICIES:
            from ._base.errors import InvalidParameterError

            raise InvalidParameterError(f"unknown must be one of {_UNKNOWN_POLICIES} or None; "
                                        f"got {unknown!r}")
        if unknown == "unk" and self.unk_id is None:
            raise ValueError(
                f"unknown='unk' needs an unk token, but {self.unk_token!r} is not in the vocabulary"
            )
        return unknown

    def _encode_one(self, item: Any, policy: str, where: str) -> np.ndarray:
        if isinstance(item, str):
            tokens = self.tokenize(item)
        elif isinstance(item, (list, tuple)):
            tokens = item
        else:
            raise TypeError(
                f"{where} is {type(item).__name__}; expected a text (str) or a list of tokens"
            )
        get = self._index.get
        ids = list(map(get, tokens))
        if None in ids:
            for t, tok in enumerate(tokens):  # an unknown token: is it a token at all?
                if not isinstance(tok, str):
                    raise TypeError(f"{where}[{t}] is {type(tok).__name__} {tok!r}; "
                                    "expected a str token")
            if policy == "unk":
                ids = [self.unk_id if i is None else i for i in ids]
            elif policy == "drop":
                ids = [i for i in ids if i is not None]
            else:
                bad = ids.index(None)
                raise KeyError(self._unknown_message(tokens[bad]))
        return np.asarray(ids, dtype=np.int64)

    def encode(self, data: str | Sequence[str], *, unknown: str | None = None) -> np.ndarray:
        """Ids of one text (a str, tokenized) or of one token list, as a 1-D int64 array.

        Parameters
        ----------
        data : str or list of str
            A text, or a list of tokens (not tokenized further).
        unknown : {'unk', 'error', 'drop'} or None, default=None
            What an unknown token becomes: the unk id, a KeyError naming it, or
            nothing. None means 'unk' when the vocabulary has an unk token,
            else 'error'.
        """
        return self._encode_one(data, self._resolve_unknown(unknown), "data")

    def encode_batch(self, items: Iterable[str | Sequence[str]], *, unknown: str | None = None,
                     padding: bool = False, max_length: int | None = None,
                     ) -> list[np.ndarray] | np.ndarray:
        """Ids of many texts or token lists.

        Returns a list of 1-D arrays, or with ``padding=True`` one 2-D int64
        array of shape ``(n, length)`` padded at the end with the pad id, where
        ``length`` is the longest sequence (cut to ``max_length`` if given).
        """
        if isinstance(items, str) or not isinstance(items, Iterable):
            raise TypeError("encode_batch expects an iterable of texts or token lists, "
                            f"not a single {type(items).__name__} (use encode for one text)")
        from ._base.validation import check_int

        max_length = check_int(max_length, "max_length", 0, allow_none=True)
        policy = self._resolve_unknown(unknown)
        rows = [self._encode_one(item, policy, f"items[{i}]") for i, item in enumerate(items)]
        if max_length is not None:
            rows = [r[:max_length] for r in rows]
        if not padding:
            return rows
        if self.pad_id is None:
            raise ValueError(
                f"padding=True needs a pad token, but {self.pad_token!r} is not in the "
                "vocabulary (add it to specials)"
            )
        width = max((r.shape[0] for r in rows), default=0)
        out = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        for i, r in enumerate(rows):
            out[i, : r.shape[0]] = r
        return out

    def decode(self, ids, *, skip_specials: bool = False) -> list:
        """Tokens of a 1-D id array (a list), or of each row of a 2-D one (a list of lists).

        With ``skip_specials``, the pad and unk tokens are left out.
        """
        arr = check_ids(ids, "ids", len(self), "len(vocab)")
        skip = {i for i in (self.pad_id, self.unk_id) if i is not None} if skip_specials else set()
        toks = self._tokens
        if arr.ndim == 1:
            return [toks[i] for i in arr.tolist() if i not in skip]
        if arr.ndim == 2:
            return [[toks[i] for i in row if i not in skip] for row in arr.tolist()]
        raise ValueError(f"ids must be 1-D or 2-D; got shape {arr.shape}")

    # -- persistence -----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        if self.tokenizer is not None:
            raise ValueError("a Vocabulary with a custom tokenizer callable cannot be saved; "
                             "save it with tokenizer=None and set the tokenizer after loading")
        return {"format": _FORMAT, "version": _VERSION, "tokens": self._tokens,
                "counts": self.counts.tolist(), "unk_token": self.unk_token,
                "pad_token": self.pad_token, "lowercase": self.lowercase,
                "token_pattern": self.token_pattern}

    def save(self, path: str | Path) -> None:
        """Write the vocabulary as JSON (atomically: a failed save leaves the old file)."""
        payload = self.to_dict()
        with atomic_write(path, "w", encoding="ascii") as fh:
            # ensure_ascii escapes everything, lone surrogates included: lossless
            json.dump(payload, fh, ensure_ascii=True)

    @classmethod
    def load(cls, path: str | Path) -> "Vocabulary":
        """Read a vocabulary written by :meth:`save`.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            If the file is not a valid sparsedense vocabulary (the message names it).
        """
        path = Path(path)
        raw = path.read_bytes()
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, too deep, too long
            raise ValueError(f"{path}: not a sparsedense vocabulary file "
                             f"({type(exc).__name__}: {str(exc)[:200]})") from None
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError(f"{path}: not a sparsedense vocabulary file "
                             f"(missing 'format': {_FORMAT!r})")
        if payload.get("version") != _VERSION or isinstance(payload.get("version"), bool):
            raise ValueError(f"{path}: unsupported vocabulary version "
                             f"{payload.get('version')!r} (this version reads {_VERSION})")
        tokens, counts = payload.get("tokens"), payload.get("counts")
        if (not isinstance(tokens, list) or not isinstance(counts, list)
                or len(tokens) != len(counts)
                or not all(isinstance(c, int) and not isinstance(c, bool) for c in counts)):
            raise ValueError(f"{path}: damaged vocabulary file ('tokens' and 'counts' must be "
                             "lists of equal length, counts integers)")
        for i, c in enumerate(counts):  # corpus frequencies: never negative, int64
            if not 0 <= c < 2 ** 63:
                raise ValueError(f"{path}: damaged vocabulary file ('counts'[{i}] = {c}; "
                                 "expected an int in 0..2**63-1)")
        settings = {"unk_token": payload.get("unk_token"), "pad_token": payload.get("pad_token"),
                    "lowercase": payload.get("lowercase", True),
                    "token_pattern": payload.get("token_pattern", r"(?u)\b\w+\b")}
        for name, value in settings.items():
            ok = (isinstance(value, bool) if name == "lowercase" else
                  isinstance(value, str) if name == "token_pattern" else
                  value is None or isinstance(value, str))
            if ok and name == "token_pattern":
                import re

                try:
                    re.compile(value)
                except re.error:
                    ok = False
            if not ok:
                raise ValueError(f"{path}: damaged vocabulary file ({name!r} is "
                                 f"{str(value)[:80]!r})")
        try:
            return cls(tokens, counts, **settings)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueError(f"{path}: damaged vocabulary file ({exc})") from None
