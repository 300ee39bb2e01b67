"""``predict_output_word``: the center word a trained model expects between context words.

gensim's CBOW-style propagation, for skip-gram models too: the mean (``cbow_mean=1``) or
sum of the context words' input vectors, times the output table ``syn1neg``,
through a softmax over the vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .._base.params import Int, check_params
from .._base.validation import _short


def predict_output_word(model: Any, context_words_list: Iterable[Any],
                        topn: int = 10) -> list[tuple[str, float]] | None:
    """The ``topn`` most probable center words of ``context_words_list`` (see the module).

    Words may be given as str or as their row (int); those outside the
    vocabulary are skipped, and ``None`` is returned when none is left (as gensim).
    The softmax subtracts its largest logit first (gensim's plain ``exp``
    overflows on large logits); ties are broken by row, so the order is
    deterministic.
    """
    o = model._owner
    check_params({"topn": topn}, {"topn": Int(1)}, o)
    if getattr(model, "wv", None) is None or getattr(model, "syn1neg", None) is None:
        raise RuntimeError(f"{o}: predict_output_word needs the trained output table syn1neg "
                           "(a model built by build_vocab() or loaded with load()); this "
                           "model has none")
    if isinstance(context_words_list, (str, bytes)) or not isinstance(context_words_list,
                                                                      Iterable):
        raise TypeError(f"{o}: context_words_list must be a list of words (str) or rows (int); "
                        f"got {type(context_words_list).__name__} {_short(context_words_list)}")
    wv = model.wv
    n = len(wv)
    rows = []
    for w in context_words_list:
        if isinstance(w, (int, np.integer)) and not isinstance(w, bool):
            if 0 <= int(w) < n:
                rows.append(int(w))
        elif isinstance(w, str) and w in wv.key_to_index:
            rows.append(wv.key_to_index[w])
    if not rows:
        return None
    vectors = np.asarray(wv.vectors)
    l1 = np.sum(vectors[rows], axis=0)
    if model.cbow_mean:
        l1 /= len(rows)
    logits = np.dot(model.syn1neg, l1)
    prob = np.exp(logits - logits.max())
    prob /= prob.sum()
    top = np.argsort(-prob, kind="stable")[:int(topn)]
    return [(wv.index_to_key[i], float(prob[i])) for i in top.tolist()]
