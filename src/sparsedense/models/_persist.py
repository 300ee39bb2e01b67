"""Saving and loading Word2Vec and FastText models: one npz file (see ``_modelfile``)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

_FORMAT_VERSION = 1


class _Persistent:
    """``save`` / ``load`` of a trainer; the subclass names its tables (``_table_specs``...)."""

    def _params(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in _PARAM_NAMES[self._owner]}

    def _table_specs(self, n_words: int) -> dict[str, tuple[tuple[int, ...], str]]:
        """Shape of every float32 table of a saved model, and where that shape comes from."""
        why = f"(len(words), vector_size) from the vocabulary of {n_words} words"
        return {"syn0": ((n_words, self.vector_size), why),
                "syn1neg": ((n_words, self.vector_size), why)}

    def _state_arrays(self) -> dict[str, np.ndarray]:
        return {"syn0": np.asarray(self.wv.vectors), "syn1neg": self.syn1neg}

    def save(self, path: str | os.PathLike) -> None:
        """Save the whole model (tables, vocabulary, counts, parameters) to ``path`` (npz).

        The file is written atomically; :meth:`load` gives a model that
        continues training exactly as this one would.
        """
        from . import _modelfile as mf

        if self.wv is None:
            raise RuntimeError(f"{self._owner}: nothing to save; build_vocab() first")
        mf.save_trainer(self, path, _FORMAT_VERSION)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Word2Vec":
        """Load a model written by :meth:`save`.

        The file is not trusted: every entry's dtype and shape is checked
        against the file's parameters and vocabulary before it is read, the
        counts must be >= 1, so that a damaged or hand-edited file cannot make
        the next :meth:`train` index out of bounds.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            If the file is not a saved model of this class, or an entry is
            missing, unexpected or does not match (the message names the file
            and the entry).
        """
        from . import _modelfile as mf

        return mf.load_trainer(cls, path, _PARAM_NAMES[cls._owner], _FORMAT_VERSION)

    def _restore(self, words: list[str], arrays: dict[str, np.ndarray]) -> None:
        self._set_state(words, arrays["counts"], np.ascontiguousarray(arrays["syn0"]),
                        np.ascontiguousarray(arrays["syn1neg"]))


#: the parameters a saved model's meta may hold (older files hold fewer: the rest default)
_PARAM_NAMES = {"Word2Vec": (
    "vector_size", "alpha", "window", "min_count", "max_vocab_size", "max_final_vocab", "sample",
    "seed", "workers", "min_alpha", "sg", "negative", "ns_exponent", "cbow_mean", "epochs",
    "shrink_windows", "compute_loss", "null_word", "sorted_vocab", "batch_words", "comment")}
_PARAM_NAMES["FastText"] = _PARAM_NAMES["Word2Vec"] + ("min_n", "max_n", "bucket", "word_ngrams")
