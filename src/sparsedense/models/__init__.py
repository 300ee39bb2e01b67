"""Trainers of dense word vectors: Word2Vec (skip-gram, CBOW) and its relatives.

Imported lazily: ``import sparsedense.models`` compiles nothing.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "Word2Vec": ".word2vec",
    "FastText": ".fasttext",
    "load_facebook_model": "._facebook",
    "load_facebook_vectors": "._facebook",
    "save_facebook_model": "._facebook",
    "cooccurrence_matrix": ".cooccurrence",
    "ppmi": ".ppmi",
    "PPMISVD": ".ppmi_svd",
    "GloVe": ".glove",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        from importlib import import_module

        value = getattr(import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
