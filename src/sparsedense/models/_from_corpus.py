"""Count-based trainers (GloVe, PPMISVD) built from a corpus at construction, as Word2Vec.

``GloVe(sentences, window=5, min_count=1)`` counts the co-occurrences of the
corpus with :func:`~sparsedense.models.cooccurrence_matrix` (the same reader
and vocabulary rules as Word2Vec) and fits the matrix: the same vectors, bit
for bit, as ``cooccurrence_matrix(sentences, window=5, min_count=1)`` followed
by ``fit(C, vocabulary)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from .._base.params import check_params
from .._base.validation import _short
from .cooccurrence import _CONSTRAINTS as _COOC_CONSTRAINTS

#: the co-occurrence options a count-based trainer takes, with cooccurrence_matrix's defaults
COUNT_PARAMS = ("window", "min_count", "max_vocab_size", "weighting", "symmetric")
COUNT_CONSTRAINTS = {name: _COOC_CONSTRAINTS[name] for name in COUNT_PARAMS}
#: the corpus arguments: training input, not parameters (scikit-learn's clone omits them)
_CORPUS_ARGS = ("sentences", "corpus_file")


class _FromCorpus:
    """Mixin: ``__init__(sentences=None, *, corpus_file=None, ...)`` trains when given a corpus.

    The host declares its parameters' ``_constraints`` and the name its
    messages give it (``_owner``); :meth:`_check_params` checks them.
    """

    _constraints: dict[str, Any]
    _owner: str

    def _check_params(self) -> None:
        """Check the parameters against ``_constraints``; the first bad one raises."""
        check_params({name: getattr(self, name) for name in self._constraints},
                     self._constraints, self._owner)

    @classmethod
    def _get_param_names(cls) -> list[str]:
        return [n for n in super()._get_param_names() if n not in _CORPUS_ARGS]

    def _cooccurrence_options(self) -> dict[str, Any]:
        """The model's co-occurrence options, as keyword arguments of cooccurrence_matrix."""
        return {name: getattr(self, name) for name in COUNT_PARAMS}

    def _train_on(self, sentences: Iterable[Sequence[str]] | None,
                  corpus_file: str | os.PathLike | None) -> None:
        """``fit_corpus`` of ``sentences`` or ``corpus_file`` when either is given (checked first)."""
        if sentences is None and corpus_file is None:
            return
        owner = type(self).__name__
        if sentences is not None and corpus_file is not None:
            raise TypeError(f"{owner} needs at most one of sentences or corpus_file; got both")
        if isinstance(sentences, (str, bytes, os.PathLike)):
            raise TypeError(f"{owner}: sentences must be an iterable of token lists; got "
                            f"{type(sentences).__name__} {_short(sentences)} (pass a file "
                            "as corpus_file=)")
        if corpus_file is not None and not isinstance(corpus_file, (str, os.PathLike)):
            raise TypeError(f"{owner}: corpus_file must be a path (str or path-like); got "
                            f"{type(corpus_file).__name__} {_short(corpus_file)}")
        self.fit_corpus(sentences if sentences is not None else corpus_file)
