"""Word vectors: the :class:`Vectors` table (gensim's ``KeyedVectors`` surface), its subword
variant :class:`FastTextVectors`, and their files."""

from .._base.errors import FileDecodeError, TruncatedFileError
from ._fasttext import FastTextVectors, ngram_buckets
from ._quantized import QuantizedVectors
from ._vectors import Vectors

__all__ = ["Vectors", "QuantizedVectors", "FastTextVectors", "ngram_buckets", "load_vectors",
           "save_vectors", "read_fasttext_bin", "write_fasttext_bin", "TruncatedFileError",
           "FileDecodeError"]


def __getattr__(name: str):
    # the file readers and writers (json, zipfile, the compressors) load on first use,
    # so importing Vectors (and the trainers that return it) stays cheap
    if name == "load_vectors":
        from ._io import load_vectors

        return load_vectors
    if name == "read_fasttext_bin":
        from ._fasttext_bin import read_fasttext_bin

        return read_fasttext_bin
    if name == "write_fasttext_bin":
        from ._fasttext_bin import write_fasttext_bin

        return write_fasttext_bin
    if name == "save_vectors":
        from ._write import save_vectors

        return save_vectors
    raise AttributeError(f"module 'sparsedense.vectors' has no attribute {name!r}")
