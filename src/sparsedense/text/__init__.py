"""The sparse side: text to one-hot, count, TF-IDF and hashed CSR matrices.

The vectorizers follow scikit-learn's ``sklearn.feature_extraction.text``
(names, parameters, defaults, attributes and output), with Numba kernels
doing the counting, hashing and weighting.
"""

from ._analyzer import strip_accents_ascii, strip_accents_unicode, strip_tags
from .._base.errors import NotFittedError  # noqa: F401  (scikit-learn has it here too)
from ._count import CountVectorizer
from ._hashing import HashingVectorizer
from ._korean import KoreanTokenizer
from ._onehot import one_hot
from ._stop_words import ENGLISH_STOP_WORDS
from ._tfidf import TfidfTransformer, TfidfVectorizer
# the statistics fits add up (partial_fit, the Dask fit, Vocabulary.from_texts): shared
# plumbing for the packages above text/, not part of the public API
from ._stats import DocumentFrequencies  # noqa: F401

__all__ = [
    "ENGLISH_STOP_WORDS",
    "CountVectorizer",
    "EmbeddingVectorizer",
    "HashingVectorizer",
    "KoreanTokenizer",
    "NotFittedError",
    "TfidfTransformer",
    "TfidfVectorizer",
    "one_hot",
    "strip_accents_ascii",
    "strip_accents_unicode",
    "strip_tags",
]


def __getattr__(name: str):
    # EmbeddingVectorizer lives above text/ (it uses text/ and functional/);
    # imported on first use, since sparsedense.embed imports this package.
    if name == "EmbeddingVectorizer":
        from ..embed import EmbeddingVectorizer

        return EmbeddingVectorizer
    raise AttributeError(f"module 'sparsedense.text' has no attribute {name!r}")
