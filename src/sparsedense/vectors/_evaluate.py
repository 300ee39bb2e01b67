"""gensim's evaluations of word vectors: word-pair similarity and analogy accuracy.

The functions behind :meth:`Vectors.evaluate_word_pairs` and
:meth:`Vectors.evaluate_word_analogies`, with gensim's rules for the
restricted, optionally case-insensitive vocabulary.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from ._checks import _check_restrict_vocab

if TYPE_CHECKING:
    from ._vectors import Vectors

#: the queries ``evaluate_word_analogies``' ``similarity_function`` may name (3CosAdd, 3CosMul)
ANALOGY_QUERIES = ("most_similar", "most_similar_cosmul")


def ok_vocab_of(kv: Vectors, restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
    """The (restricted) vocabulary as key -> row, upper-cased keys when case-insensitive."""
    restrict_vocab = _check_restrict_vocab(restrict_vocab)
    ok = [(w, i) for i, w in enumerate(kv.index_to_key[:restrict_vocab])]
    if case_insensitive:
        return {w.upper(): i for w, i in reversed(ok)}
    return dict(ok)


def evaluate_word_pairs(kv: Vectors, pairs: Any, delimiter: str = "\t", encoding: str = "utf8",
                        restrict_vocab: int = 300000, case_insensitive: bool = True,
                        dummy4unknown: bool = False):
    """:meth:`Vectors.evaluate_word_pairs` of ``kv``."""
    from scipy import stats

    ok_vocab = ok_vocab_of(kv, restrict_vocab, case_insensitive)
    gold, model = [], []
    oov = 0
    for a, b, sim in read_pairs(pairs, delimiter, encoding):
        if case_insensitive:
            a, b = a.upper(), b.upper()
        if a not in ok_vocab or b not in ok_vocab:
            oov += 1
            if dummy4unknown:
                model.append(0.0)
                gold.append(sim)
            continue
        gold.append(sim)
        unit = kv._unit_rows([ok_vocab[a], ok_vocab[b]])
        model.append(float(np.dot(unit[0], unit[1])))
    if not gold:
        raise ValueError("no word pair has both words in the vocabulary")
    pearson = stats.pearsonr(gold, model)
    spearman = stats.spearmanr(gold, model)
    oov_ratio = float(oov) / (len(gold) + oov) * 100 if not dummy4unknown else \
        float(oov) / len(gold) * 100
    return pearson, spearman, oov_ratio


def read_pairs(pairs: Any, delimiter: str, encoding: str):
    """``(word1, word2, score)`` from a file (``#`` comments and blank lines skipped) or
    an iterable."""
    if isinstance(pairs, (str, os.PathLike)):
        with open(pairs, encoding=encoding) as fh:
            for n, line in enumerate(fh, 1):
                if line.startswith("#") or not line.strip():
                    continue
                parts = line.rstrip("\n").split(delimiter)
                try:
                    a, b, sim = parts[0], parts[1], float(parts[2])
                except (IndexError, ValueError):
                    raise ValueError(f"{pairs}: line {n}: expected word1{delimiter!r}word2"
                                     f"{delimiter!r}score; got {line.rstrip()!r}") from None
                yield a, b, sim
    else:
        for a, b, sim in pairs:
            yield a, b, float(sim)


def evaluate_word_analogies(kv: Vectors, analogies: Any, restrict_vocab: int = 300000,
                            case_insensitive: bool = True, dummy4unknown: bool = False,
                            similarity_function: str = "most_similar",
                            ) -> tuple[float, list[dict]]:
    """:meth:`Vectors.evaluate_word_analogies` of ``kv``.

    ``kv`` is only read: the restricted vocabulary is a mapping of its own,
    and the searched rows are passed to each query as ``restrict_vocab``, so
    other threads may query ``kv`` meanwhile (see :class:`Vectors`).
    """
    if similarity_function not in ANALOGY_QUERIES:
        raise ValueError(f"similarity_function must be one of "
                         f"{', '.join(map(repr, ANALOGY_QUERIES))}; got {similarity_function!r}")
    query = getattr(kv, similarity_function)
    ok_vocab = ok_vocab_of(kv, restrict_vocab, case_insensitive)
    sections: list[dict] = []
    for kind, value in read_analogies(analogies, case_insensitive):
        if kind == "section":
            sections.append({"section": value, "correct": [], "incorrect": []})
        elif any(w not in ok_vocab for w in value):
            if dummy4unknown:
                sections[-1]["incorrect"].append(value)
        else:
            predicted = _predict(kv, query, ok_vocab, value, restrict_vocab, case_insensitive)
            sections[-1]["correct" if predicted == value[3] else "incorrect"].append(value)
    correct = sum(len(s["correct"]) for s in sections)
    incorrect = sum(len(s["incorrect"]) for s in sections)
    total = {"section": "Total accuracy",
             "correct": [q for s in sections for q in s["correct"]],
             "incorrect": [q for s in sections for q in s["incorrect"]]}
    sections.append(total)
    score = correct / (correct + incorrect) if correct + incorrect else 0.0
    return score, sections


def read_analogies(path: Any, case_insensitive: bool):
    """``("section", name)`` for each ``: name`` line of a ``questions-words.txt`` file and
    ``("question", (a, b, c, expected))`` for each analogy (upper-cased when
    ``case_insensitive``); blank lines are skipped."""
    seen_section = False
    with open(path, encoding="utf8") as fh:
        for n, line in enumerate(fh, 1):
            if line.startswith(": "):
                seen_section = True
                yield "section", line.lstrip(": ").strip()
                continue
            if not line.strip():
                continue
            if not seen_section:
                raise ValueError(f"{path}: line {n}: missing section header before "
                                 "the first analogy")
            parts = line.split()
            if len(parts) != 4:
                raise ValueError(f"{path}: line {n}: expected 4 words; got "
                                 f"{line.rstrip()!r}")
            yield "question", tuple(w.upper() for w in parts) if case_insensitive else \
                tuple(parts)


def _predict(kv: Vectors, query: Any, ok_vocab: dict[str, int], question: tuple,
             restrict_vocab: Any, case_insensitive: bool) -> str | None:
    """gensim's answer to "a is to b as c is to ?": the first of the top 5 of
    ``query(positive=[b, c], negative=[a])`` that is in ``ok_vocab`` and not
    a, b or c, else the last of the 5 (as ``ok_vocab`` spells it)."""
    a, b, c, _ = question
    # ok_vocab's keys may be upper-cased: ask with the rows' own keys
    keys = kv.index_to_key
    sims = query(positive=[keys[ok_vocab[b]], keys[ok_vocab[c]]],
                 negative=[keys[ok_vocab[a]]], topn=5, restrict_vocab=restrict_vocab)
    predicted = None
    for key, _ in sims:
        predicted = key.upper() if case_insensitive else key
        if predicted in ok_vocab and predicted not in (a, b, c):
            break
    return predicted
