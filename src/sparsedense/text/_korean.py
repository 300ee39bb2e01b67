"""Korean tokenisation: :class:`KoreanTokenizer`, an adapter of kiwipiepy's morphological analyser.

Korean writes particles and endings onto the word (예금을, 예금은, 예금이:
"deposit" as object, topic, subject), so a regular expression that splits on
spaces makes one feature per inflected form and drops one-syllable nouns
(돈, 집, 빚). :class:`KoreanTokenizer` asks `kiwipiepy
<https://github.com/bab2min/kiwipiepy>`_ for the morphemes and keeps the
content words: 예금을, 예금은 and 예금이 all give 예금.

kiwipiepy is an optional dependency (``pip install 'sparsedense[korean]'``).
It is imported when a tokenizer is made, never by ``import sparsedense``; its
analyser (a few hundred MB, about a second to load) is loaded on the first
call and shared by every tokenizer with the same dictionary.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["DEFAULT_KEEP", "KoreanTokenizer", "kiwi_available"]

#: the part-of-speech tags kept by default (the Sejong tag set kiwi uses):
#: common, proper nouns, numerals, pronouns, verb and adjective stems,
#: roots, and foreign words, hanja and numbers written in the text
DEFAULT_KEEP = ("NNG", "NNP", "NR", "NP", "VV", "VA", "XR", "SL", "SH", "SN")

#: every tag kiwi gives (irregular stems carry a suffix, VV-I, VA-R, ...: the
#: part before '-' is the one ``keep`` names)
KIWI_TAGS = frozenset({
    "NNG", "NNP", "NNB", "NR", "NP", "VV", "VA", "VX", "VCP", "VCN", "MM", "MAG", "MAJ",
    "IC", "JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ", "JX", "JC", "EP", "EF", "EC",
    "ETN", "ETM", "XPN", "XSN", "XSV", "XSA", "XSM", "XR", "SF", "SP", "SS", "SSO", "SSC",
    "SE", "SO", "SW", "SL", "SH", "SN", "SB", "UN", "W_URL", "W_EMAIL", "W_MENTION",
    "W_HASHTAG", "W_SERIAL", "W_EMOJI", "Z_CODA", "Z_SIOT",
    "USER0", "USER1", "USER2", "USER3", "USER4",
})

#: the tags whose stems ``lemma=True`` writes in dictionary form (stem + 다)
_PREDICATES = frozenset({"VV", "VA", "VX", "VCP", "VCN"})

_MISSING = ("KoreanTokenizer needs kiwipiepy, which is not installed: "
            "pip install 'sparsedense[korean]'")

#: loaded analysers, by (user words, num_workers): one per dictionary, the
#: last few kept (each holds a few hundred MB)
_KIWIS: OrderedDict = OrderedDict()
_KIWIS_MAX = 4
_KIWIS_LOCK = threading.Lock()


def _import_kiwi():
    try:
        import kiwipiepy
    except ImportError as exc:
        raise ImportError(_MISSING) from exc
    return kiwipiepy


def kiwi_available() -> bool:
    """True when kiwipiepy can be imported (the ``korean`` extra is installed)."""
    try:
        _import_kiwi()
    except ImportError:
        return False
    return True


def _user_word(entry: Any, position: int) -> tuple[str, str | None]:
    """``entry`` of ``user_words`` as a (word, tag or None) pair, or a ValueError/TypeError."""
    if isinstance(entry, str):
        word, tag = entry, None
    elif (isinstance(entry, (tuple, list)) and len(entry) == 2
          and all(isinstance(e, str) for e in entry)):
        word, tag = entry
    else:
        raise TypeError(f"user_words[{position}] = {entry!r} must be a word (str) or a "
                        "(word, tag) pair of str")
    if not word or any(c.isspace() for c in word):
        raise ValueError(f"user_words[{position}] = {entry!r}: the word must be non-empty "
                         "and have no white space")
    if tag is not None and tag not in KIWI_TAGS:
        raise ValueError(f"user_words[{position}] = {entry!r}: {tag!r} is not a kiwi "
                         "part-of-speech tag (e.g. 'NNG', 'NNP', 'VV')")
    return word, tag


#: the weight of a compound user word over its parts (kiwi's ``score``, added
#: to its head's): the least that kept every compound of the tests whole
#: beside particles and other user words, with a margin
_COMPOUND_SCORE = 5.0


def _add_user_word(kiwi, word: str, tag: str | None) -> None:
    """Add ``word`` to kiwi's dictionary; a compound of nouns as a variant of its head.

    A word kiwi reads as two or more nouns (주택대출: 주택 + 대출) is added as
    a variant of its last noun, the head of a Korean compound (``orig_word``
    대출, tagged like it unless ``tag`` says otherwise), so kiwi's language
    model scores it like 대출 in context. Added as a bare new word instead
    (kiwi's default), the words around two neighbouring user words are
    misread (주택대출 이자 적금통장 loses 이자). Any other word is added as it
    is, tagged ``tag`` (NNP when None).
    """
    parts = kiwi.tokenize(word)
    if len(parts) >= 2 and all(t.tag in ("NNG", "NNP") for t in parts):
        head = parts[-1]
        try:
            kiwi.add_user_word(word, tag or head.tag, _COMPOUND_SCORE, orig_word=head.form)
            return
        except ValueError:  # no head of that tag in the dictionary: a plain word
            pass
    kiwi.add_user_word(word, tag or "NNP")


def _load_kiwi(user_words: tuple[tuple[str, str | None], ...], num_workers: int | None):
    """The shared analyser for this dictionary, loaded on first use."""
    key = (user_words, num_workers)
    with _KIWIS_LOCK:
        kiwi = _KIWIS.get(key)
        if kiwi is not None:
            _KIWIS.move_to_end(key)
            return kiwi
        kiwipiepy = _import_kiwi()
        kiwi = kiwipiepy.Kiwi(num_workers=num_workers)
        for word, tag in user_words:
            _add_user_word(kiwi, word, tag)
        _KIWIS[key] = kiwi
        while len(_KIWIS) > _KIWIS_MAX:
            _KIWIS.popitem(last=False)
        return kiwi


class KoreanTokenizer:
    """Split Korean text into content words with kiwipiepy: nouns and verb/adjective stems.

    A callable ``tok(text) -> list[str]``, usable wherever a tokenizer is
    (``CountVectorizer(tokenizer=KoreanTokenizer())``, or ``tokenizer="kiwi"``,
    which is the same thing with the defaults), and
    :meth:`tokenize_batch` for a corpus (the trainers' ``sentences``).
    Particles (J*), endings (E*), suffixes, punctuation and symbols are
    dropped; 예금을, 예금은 and 예금이 all give 예금.

    Parameters
    ----------
    keep : iterable of str, default=DEFAULT_KEEP
        The part-of-speech tags (the Sejong set kiwi uses) whose morphemes are
        kept: by default ``("NNG", "NNP", "NR", "NP", "VV", "VA", "XR", "SL",
        "SH", "SN")``, i.e. common and proper nouns, numerals, pronouns, verb
        and adjective stems, roots (깨끗 of 깨끗하다), and the foreign words,
        hanja and numbers of the text. Bound nouns (NNB: 것, 수, 원, 개월) are
        left out: like stop words they are in nearly every sentence; add
        ``"NNB"`` to keep them. Irregular stems (kiwi's VV-I, VA-R, ...) are
        matched by their base tag.
    user_words : iterable of str or (str, str), default=()
        Words added to the analyser's dictionary (``Kiwi.add_user_word``), a
        word alone or a ``(word, tag)`` pair: a compound such as 주택대출,
        which kiwi splits into 주택 + 대출, then stays one token, before a
        particle (주택대출이) and inside a longer compound (주택대출금리 gives
        주택대출 + 금리) too; written with a space (주택 대출) it stays two.
        A compound of nouns is added as a variant of its last noun, whose tag
        it takes unless the pair gives one (see Notes); any other word alone
        is tagged NNP (a proper noun, kiwi's default). A user word whose tag
        is not in ``keep`` is found and dropped.
    lemma : bool, default=True
        Write verb and adjective stems in dictionary form, stem + 다 (넣었다
        gives 넣다, 도왔다 gives 돕다), as Korean dictionaries, konlpy's
        ``stem=True`` and most Korean word2vec tutorials do: the form a reader
        types in ``most_similar("넣다")``, and verbs stay apart from nouns of
        the same spelling (가다 vs 가). With ``lemma=False`` the bare stem
        (넣, 돕) is written, as kiwi gives it.
    num_workers : int or None, default=None
        Threads of kiwi's batched analysis in :meth:`tokenize_batch` (kiwi's
        meaning: None or -1 all cores, 0 one thread). One call of the
        tokenizer analyses one text in the calling thread either way.

    Raises
    ------
    ImportError
        When kiwipiepy is not installed (the message names the ``korean`` extra).
    TypeError, ValueError
        For a ``keep`` tag kiwi does not have, or a malformed ``user_words`` entry.

    See Also
    --------
    sparsedense.text.CountVectorizer : ``tokenizer="kiwi"`` uses this tokenizer.

    Notes
    -----
    The analyser is loaded on the first call (about a second, a few hundred
    MB) and shared by all tokenizers with the same ``user_words`` and
    ``num_workers``. A tokenizer pickles without it (vectorizers are pickled
    and shipped to Dask workers), and loads it again where it is next used.
    A compound user word is added as a variant (kiwi's ``orig_word``) of
    its head, 주택대출 of 대출, with a weight above its parts: kiwi's language
    model then reads the words around it as it would around 대출. Added as
    a bare new word, as ``Kiwi.add_user_word(word)`` does, two user words
    close together make kiwi misread the words between them (주택대출 이자
    적금통장 loses 이자).

    Tokens are not lowercased: the vectorizers lowercase the text before
    calling their tokenizer (``lowercase=True``).

    Examples
    --------
    >>> from sparsedense.text import KoreanTokenizer
    >>> tok = KoreanTokenizer()
    >>> tok("예금을 넣었다. 예금은 안전하고, 예금이 많다.")
    ['예금', '넣다', '예금', '안전', '예금', '많다']
    >>> tok("돈과 집, 빚")
    ['돈', '집', '빚']
    >>> tok("주택대출 이자")
    ['주택', '대출', '이자']
    >>> KoreanTokenizer(user_words=["주택대출"])("주택대출 이자")
    ['주택대출', '이자']
    >>> tok.tokenize_batch(["예금을 넣었다", "적금이 만기다"])
    [['예금', '넣다'], ['적금', '만기']]
    """

    def __init__(self, keep: Iterable[str] = DEFAULT_KEEP, user_words: Iterable = (),
                 lemma: bool = True, num_workers: int | None = None) -> None:
        # stored as tuples (a tuple is kept as is, so scikit-learn's clone sees
        # the same objects); checked here, so a mistake fails where it is made
        self.keep = keep if isinstance(keep, (tuple, str)) else tuple(keep)
        self.user_words = (user_words if isinstance(user_words, (tuple, str))
                           else tuple(user_words))
        self.lemma = lemma
        self.num_workers = num_workers
        self._check()
        _import_kiwi()

    def _check(self) -> None:
        if isinstance(self.keep, str):
            raise TypeError(f"keep must be an iterable of tags, not a str; got {self.keep!r}")
        for i, tag in enumerate(self.keep):
            if not isinstance(tag, str) or tag not in KIWI_TAGS:
                raise ValueError(f"keep[{i}] = {tag!r} is not a kiwi part-of-speech tag; "
                                 f"expected some of {sorted(KIWI_TAGS)}")
        if isinstance(self.user_words, str):
            raise TypeError("user_words must be an iterable of words, not a str; got "
                            f"{self.user_words!r}")
        for i, entry in enumerate(self.user_words):
            _user_word(entry, i)
        if not isinstance(self.lemma, bool):
            raise TypeError(f"lemma must be a bool; got {self.lemma!r}")
        if self.num_workers is not None and (isinstance(self.num_workers, bool)
                                             or not isinstance(self.num_workers, int)
                                             or self.num_workers < -1):
            raise ValueError(f"num_workers must be None or an int >= -1; "
                             f"got {self.num_workers!r}")

    # -- the analyser ------------------------------------------------------

    @property
    def kiwi(self):
        """The ``kiwipiepy.Kiwi`` analyser, with ``user_words`` added (loaded on first use)."""
        kiwi = self.__dict__.get("_kiwi")
        if kiwi is None:
            words = tuple(_user_word(e, i) for i, e in enumerate(self.user_words))
            kiwi = _load_kiwi(words, self.num_workers)
            self.__dict__["_kiwi"] = kiwi
            self.__dict__["_keep"] = frozenset(self.keep)
        return kiwi

    def _words(self, tokens) -> list[str]:
        keep = self.__dict__["_keep"]
        out = []
        for t in tokens:
            tag = t.tag.partition("-")[0]  # VV-I, VA-R: irregular, regular stems
            if tag in keep:
                out.append(t.form + "다" if self.lemma and tag in _PREDICATES else t.form)
        return out

    # -- the public calls --------------------------------------------------

    def __call__(self, text: str) -> list[str]:
        """The kept morphemes of one text, in order (a list of str)."""
        if not isinstance(text, str):
            raise TypeError(f"KoreanTokenizer takes a str; got {type(text).__name__}")
        return self._words(self.kiwi.tokenize(text))

    def tokenize_batch(self, texts: Iterable[str]) -> list[list[str]]:
        """The tokens of each text: ``[tok(t) for t in texts]``, with kiwi's threads.

        Kiwi analyses the texts on ``num_workers`` threads
        (``Kiwi.tokenize`` on an iterable); the tokens equal one call per
        text. A list of token lists, ready for the trainers' ``sentences``:
        ``Word2Vec(sentences=tok.tokenize_batch(lines))``.

        Parameters
        ----------
        texts : iterable of str
            The documents (one sentence or line each, or longer texts).

        Returns
        -------
        list of list of str
        """
        return list(self.iter_batch(texts))

    def iter_batch(self, texts: Iterable[str]) -> Iterator[list[str]]:
        """:meth:`tokenize_batch` as a generator, for a corpus read lazily (one list a text)."""
        kiwi = self.kiwi

        def checked():
            for i, text in enumerate(texts):
                if not isinstance(text, str):
                    raise TypeError(f"texts[{i}] must be a str; got {type(text).__name__}")
                yield text

        for tokens in kiwi.tokenize(checked()):
            yield self._words(tokens)

    # -- scikit-learn's parameter protocol, pickling, equality --------------

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's parameters (scikit-learn's protocol: ``clone`` works)."""
        return {"keep": self.keep, "user_words": self.user_words, "lemma": self.lemma,
                "num_workers": self.num_workers}

    def set_params(self, **params) -> KoreanTokenizer:
        """Set constructor parameters (scikit-learn's protocol); the analyser is reloaded."""
        valid = self.get_params()
        for name in params:
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for KoreanTokenizer; "
                                 f"expected one of {sorted(valid)}")
        new = type(self)(**{**valid, **params})  # checks before anything changes
        self.__dict__.clear()
        self.__dict__.update(new.__dict__)
        return self

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def _key(self) -> tuple:
        words = tuple(_user_word(e, i) for i, e in enumerate(self.user_words))
        return (self.keep, words, self.lemma, self.num_workers)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        defaults = {"keep": DEFAULT_KEEP, "user_words": (), "lemma": True, "num_workers": None}
        args = [f"{name}={value!r}" for name, value in self.get_params().items()
                if value != defaults[name]]
        return f"KoreanTokenizer({', '.join(args)})"
