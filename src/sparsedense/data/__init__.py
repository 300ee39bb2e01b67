"""The sample corpus shipped with sparsedense.

A few hundred short documents written for this project, in English and
Korean, over six topics (banking, weather, sport, cooking, technology,
health), so that similarities computed on it are meaningful to a reader.
The Korean banking documents speak of deposits and savings (예금, 적금) and
of housing loans (주택대출) in their own contexts, and sometimes together,
so that word vectors trained on them put 예금 close to 적금 and far from
주택대출, as the seed tutorial says (see ``sparsedense demo``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

TOPICS = ("banking", "weather", "sport", "cooking", "technology", "health")


@dataclass(frozen=True)
class SampleCorpus:
    """Documents with their topic and language labels (parallel lists)."""

    texts: list[str]
    topics: list[str]
    langs: list[str]

    def __len__(self) -> int:
        return len(self.texts)


def load_sample_corpus(lang: str | None = None) -> SampleCorpus:
    """Load the shipped sample corpus.

    Parameters
    ----------
    lang : {'en', 'ko'} or None, default=None
        Keep only the documents in this language (all when None).

    Returns
    -------
    SampleCorpus
        ``texts``, ``topics`` and ``langs``, one entry per document.

    Examples
    --------
    >>> from sparsedense import load_sample_corpus
    >>> corpus = load_sample_corpus()
    >>> len(corpus) > 300, sorted(set(corpus.langs))
    (True, ['en', 'ko'])
    >>> any("예금" in t for t in load_sample_corpus("ko").texts)
    True
    """
    if lang not in (None, "en", "ko"):
        raise ValueError(f"lang must be 'en', 'ko' or None; got {lang!r}")
    raw = resources.files(__name__).joinpath("sample_corpus.tsv").read_text("utf-8")
    texts, topics, langs = [], [], []
    for line in raw.splitlines():
        if not line.strip():
            continue
        topic, doc_lang, text = line.split("\t")
        if lang is None or doc_lang == lang:
            texts.append(text)
            topics.append(topic)
            langs.append(doc_lang)
    return SampleCorpus(texts, topics, langs)
