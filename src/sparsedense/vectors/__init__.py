"""Word vectors: the :class:`Vectors` table (gensim's ``KeyedVectors`` surface) and its files."""

from ._vectors import Vectors

__all__ = ["Vectors", "load_vectors"]


def __getattr__(name):
    if name in ("load_vectors", "save_vectors"):
        from . import _io

        return getattr(_io, name)
    raise AttributeError(f"module 'sparsedense.vectors' has no attribute {name!r}")
