"""Word vectors: the :class:`Vectors` table (gensim's ``KeyedVectors`` surface) and its files."""

from .._base.errors import FileDecodeError, TruncatedFileError
from ._io import load_vectors
from ._vectors import Vectors
from ._write import save_vectors

__all__ = ["Vectors", "load_vectors", "save_vectors", "TruncatedFileError", "FileDecodeError"]
