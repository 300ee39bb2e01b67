"""Text analysis with scikit-learn's semantics: decode, preprocess, tokenize, n-grams.

The functions and the :class:`AnalyzerMixin` methods here reproduce, option
for option, what ``sklearn.feature_extraction.text`` does to a document
before counting, so that the vectorizers built on them give identical
features. Counting itself is not here: see :mod:`sparsedense.text._extract`,
which also has a Numba fast path for the default word tokenizer.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

from .._base.params import DEFAULT_TOKEN_PATTERN, TOKENIZER
from .._base.validation import check_param
from .._base.stacklevel import user_stacklevel

from ._stop_words import ENGLISH_STOP_WORDS

#: token patterns the Numba tokenizer implements, with their minimum token
#: length (``re.UNICODE`` is implied for ``str`` patterns, so ``(?u)`` is optional)
FAST_TOKEN_PATTERNS = {
    DEFAULT_TOKEN_PATTERN: 2,
    r"\b\w\w+\b": 2,
    r"(?u)\b\w+\b": 1,
    r"\b\w+\b": 1,
}

_WHITE_SPACES = re.compile(r"\s\s+")

#: ``tokenizer="<name>"`` -> the tokenizer it stands for (its defaults), as
#: "module:class", imported on first use (kiwipiepy is an optional extra)
NAMED_TOKENIZERS = {"kiwi": "sparsedense.text._korean:KoreanTokenizer"}


def named_tokenizer(name: str, owner: str) -> Callable[[str], list]:
    """The tokenizer a name of :data:`NAMED_TOKENIZERS` stands for, made with its defaults.

    ``tokenizer="kiwi"`` is ``tokenizer=KoreanTokenizer()``. Another name is
    refused like any bad parameter (:class:`InvalidParameterError`, a
    ValueError, naming ``tokenizer``, the value and the names accepted).
    """
    if name not in NAMED_TOKENIZERS:
        allowed, _ = TOKENIZER
        check_param(name, "tokenizer", allowed, False, owner=owner)
    module, _, cls = NAMED_TOKENIZERS[name].partition(":")
    return getattr(importlib.import_module(module), cls)()


def strip_accents_unicode(s: str) -> str:
    """Remove accents by NFKD decomposition and dropping combining marks.

    Examples
    --------
    >>> strip_accents_unicode("café naïve")
    'cafe naive'
    """
    if s.isascii():
        return s
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def strip_accents_ascii(s: str) -> str:
    """NFKD-decompose and keep only the ASCII characters.

    Examples
    --------
    >>> strip_accents_ascii("jalapeño 예금")
    'jalapeno '
    """
    return unicodedata.normalize("NFKD", s).encode("ASCII", "ignore").decode("ASCII")


def strip_tags(s: str) -> str:
    """Replace every ``<...>`` tag by a space (a basic HTML/XML stripper).

    Examples
    --------
    >>> strip_tags("<b>deposit</b> rates")
    ' deposit  rates'
    """
    return re.sub(r"<([^>]+)>", " ", s)


def _preprocess(doc: str, accent_function: Callable[[str], str] | None, lower: bool) -> str:
    if lower:
        doc = doc.lower()
    if accent_function is not None:
        doc = accent_function(doc)
    return doc


def _check_stop_list(stop: Any) -> frozenset | None:
    if stop == "english":
        return ENGLISH_STOP_WORDS
    if isinstance(stop, str):
        raise ValueError(f"not a built-in stop list: {stop}")
    if stop is None:
        return None
    return frozenset(stop)


def word_ngrams(tokens: list, ngram_range: tuple[int, int], stop_words=None) -> list:
    """Drop stop words, then all n-grams for n in ``ngram_range`` joined by spaces."""
    if stop_words is not None:
        tokens = [w for w in tokens if w not in stop_words]
    min_n, max_n = ngram_range
    if max_n == 1:
        return tokens
    out = list(tokens) if min_n == 1 else []
    start = 2 if min_n == 1 else min_n
    for n in range(start, min(max_n, len(tokens)) + 1):
        out.extend(map(" ".join, zip(*(tokens[k:] for k in range(n)))))
    return out


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams of ``text`` after collapsing runs of white space."""
    text = _WHITE_SPACES.sub(" ", text)
    min_n, max_n = ngram_range
    out = list(text) if min_n == 1 else []
    start = 2 if min_n == 1 else min_n
    length = len(text)
    for n in range(start, min(max_n, length) + 1):
        out.extend(text[i:i + n] for i in range(length - n + 1))
    return out


def char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams inside words only, each word padded with one space."""
    text = _WHITE_SPACES.sub(" ", text)
    min_n, max_n = ngram_range
    out: list[str] = []
    for w in text.split():
        w = " " + w + " "
        w_len = len(w)
        for n in range(min_n, max_n + 1):
            if w_len <= n:
                out.append(w)  # a short word counts once, whatever n
                break
            out.extend(w[i:i + n] for i in range(w_len - n + 1))
    return out


#: the methods scikit-learn documents as extension points: a subclass (or an
#: instance) that replaces one of them gets it called, as in scikit-learn
EXTENSION_POINTS = ("decode", "build_preprocessor", "build_tokenizer", "get_stop_words",
                    "build_analyzer")


class AnalyzerMixin:
    """Decoding, preprocessing, tokenizing and n-grams with scikit-learn's options."""

    def _replaced(self, name: str) -> bool:
        """True when a subclass or the instance replaces the method ``name`` of this mixin.

        The fast paths skip some of these methods (the Numba tokenizer stands in
        for ``build_tokenizer``); they ask this, once per call, and fall back to
        the replacing method. A few attribute lookups, never per document.
        """
        return (getattr(type(self), name) is not getattr(AnalyzerMixin, name)
                or name in vars(self))

    def decode(self, doc: Any) -> str:
        """Read (``input='filename'`` / ``'file'``) and decode one document to str."""
        if self.input == "filename":
            with open(doc, "rb") as fh:
                doc = fh.read()
        elif self.input == "file":
            doc = doc.read()
        if isinstance(doc, bytes):
            doc = doc.decode(self.encoding, self.decode_error)
        return doc

    def build_preprocessor(self) -> Callable[[str], str]:
        """The callable applied to a document before tokenizing."""
        if self.preprocessor is not None:
            return self.preprocessor
        if not self.strip_accents:
            accents = None
        elif callable(self.strip_accents):
            accents = self.strip_accents
        elif self.strip_accents == "ascii":
            accents = strip_accents_ascii
        elif self.strip_accents == "unicode":
            accents = strip_accents_unicode
        else:
            raise ValueError(f'Invalid value for "strip_accents": {self.strip_accents}')
        return partial(_preprocess, accent_function=accents, lower=self.lowercase)

    def build_tokenizer(self) -> Callable[[str], list]:
        """The callable that splits a preprocessed document into tokens.

        ``tokenizer`` itself when it is a callable; for a name of
        :data:`NAMED_TOKENIZERS` (``"kiwi"``), the tokenizer it names, with
        its defaults; else the ``token_pattern``'s ``findall``.
        """
        if isinstance(self.tokenizer, str):
            return named_tokenizer(self.tokenizer, type(self).__name__)
        if self.tokenizer is not None:
            return self.tokenizer
        pattern = re.compile(self.token_pattern)
        if pattern.groups > 1:
            raise ValueError(
                "More than 1 capturing group in token pattern. Only a single "
                "group should be captured."
            )
        return pattern.findall

    def get_stop_words(self) -> frozenset | None:
        """The effective stop word set (``'english'``, a collection, or None)."""
        return _check_stop_list(self.stop_words)

    def _check_stop_words_consistency(self, stop_words, preprocess, tokenize) -> bool | str | None:
        """Warn (once per stop list) when preprocessing and tokenizing a stop word makes new tokens.

        Returns scikit-learn's values: True if consistent, False if not, None
        when this stop list was checked already, ``"error"`` when the check
        could not run (a custom preprocessor or tokenizer that cannot take a word).
        """
        if id(self.stop_words) == getattr(self, "_stop_words_id", None):
            return None
        try:
            inconsistent = set()
            for w in stop_words or ():
                for token in tokenize(preprocess(w)):
                    if token not in stop_words:
                        inconsistent.add(token)
            self._stop_words_id = id(self.stop_words)
            if inconsistent:
                warnings.warn(
                    "Your stop_words may be inconsistent with your preprocessing. "
                    f"Tokenizing the stop words generated tokens {sorted(inconsistent)!r} "
                    "not in stop_words.",
                    stacklevel=user_stacklevel(),
                )
            return not inconsistent
        except Exception:  # a custom preprocessor/tokenizer that cannot take a word
            self._stop_words_id = id(self.stop_words)
            return "error"

    def _fast_token_min_len(self) -> int:
        """Minimum token length when the Numba tokenizer applies, else 0.

        It does not apply when a subclass replaces ``build_tokenizer`` or
        ``build_analyzer`` (the replacement is called instead).
        """
        if (self.analyzer == "word" and self.tokenizer is None
                and isinstance(self.token_pattern, str)
                and not self._replaced("build_tokenizer")
                and not self._replaced("build_analyzer")):
            return FAST_TOKEN_PATTERNS.get(self.token_pattern, 0)
        return 0

    def build_analyzer(self) -> Callable[[Any], list]:
        """The callable turning one raw document into its list of features."""
        if callable(self.analyzer):
            return partial(_analyze, analyzer=self.analyzer, decoder=self.decode)
        preprocess = self.build_preprocessor()
        ngram_range = tuple(self.ngram_range)
        if self.analyzer == "char":
            return partial(_analyze, ngrams=partial(char_ngrams, ngram_range=ngram_range),
                           preprocessor=preprocess, decoder=self.decode)
        if self.analyzer == "char_wb":
            return partial(_analyze, ngrams=partial(char_wb_ngrams, ngram_range=ngram_range),
                           preprocessor=preprocess, decoder=self.decode)
        if self.analyzer == "word":
            stop_words = self.get_stop_words()
            tokenize = self.build_tokenizer()
            self._check_stop_words_consistency(stop_words, preprocess, tokenize)
            return partial(
                _analyze,
                ngrams=partial(word_ngrams, ngram_range=ngram_range, stop_words=stop_words),
                tokenizer=tokenize, preprocessor=preprocess, decoder=self.decode,
            )
        raise ValueError(f"{self.analyzer} is not a valid tokenization scheme/analyzer")

    def _validate_ngram_range(self) -> None:
        min_n, max_n = self.ngram_range
        if min_n > max_n:
            raise ValueError(
                f"Invalid value for ngram_range={self.ngram_range} "
                "lower boundary larger than the upper boundary."
            )

    def _warn_for_unused_params(self) -> None:
        # a named tokenizer ignores the pattern as a callable does, but the
        # default pattern is left as it is without a warning (only one set
        # by hand is a mistake to point out)
        named = isinstance(self.tokenizer, str)
        if (self.tokenizer is not None and self.token_pattern is not None
                and not (named and self.token_pattern == DEFAULT_TOKEN_PATTERN)):
            warnings.warn("The parameter 'token_pattern' will not be used"
                          " since 'tokenizer' is not None'", stacklevel=user_stacklevel())
        if self.preprocessor is not None and callable(self.analyzer):
            warnings.warn("The parameter 'preprocessor' will not be used"
                          " since 'analyzer' is callable'", stacklevel=user_stacklevel())
        if (self.ngram_range != (1, 1) and self.ngram_range is not None
                and callable(self.analyzer)):
            warnings.warn("The parameter 'ngram_range' will not be used"
                          " since 'analyzer' is callable'", stacklevel=user_stacklevel())
        if self.analyzer != "word" or callable(self.analyzer):
            if self.stop_words is not None:
                warnings.warn("The parameter 'stop_words' will not be used"
                              " since 'analyzer' != 'word'", stacklevel=user_stacklevel())
            if self.token_pattern is not None and self.token_pattern != DEFAULT_TOKEN_PATTERN:
                warnings.warn("The parameter 'token_pattern' will not be used"
                              " since 'analyzer' != 'word'", stacklevel=user_stacklevel())
            if self.tokenizer is not None:
                warnings.warn("The parameter 'tokenizer' will not be used"
                              " since 'analyzer' != 'word'", stacklevel=user_stacklevel())


def _analyze(doc, analyzer=None, tokenizer=None, ngrams=None, preprocessor=None,
             decoder=None):
    if decoder is not None:
        doc = decoder(doc)
    if analyzer is not None:
        return analyzer(doc)
    if preprocessor is not None:
        doc = preprocessor(doc)
    if tokenizer is not None:
        doc = tokenizer(doc)
    if ngrams is not None:
        doc = ngrams(doc)
    return doc
