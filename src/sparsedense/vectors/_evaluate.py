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
    unit = kv.get_normed_vectors()
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
        model.append(float(np.dot(unit[ok_vocab[a]], unit[ok_vocab[b]])))
    if not gold:
        raise ValueError("no word pair has both words in the vocabulary")
    pearson = stats.pearsonr(gold, model)
    spearman = stats.spearmanr(gold, model)
    oov_ratio = float(oov) / (len(gold) + oov) * 100 if not dummy4unknown else \
        float(oov) / len(gold) * 100
    return (float(pearson[0]), float(pearson[1])), spearman, oov_ratio


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
    """:meth:`Vectors.evaluate_word_analogies` of ``kv``."""
    if similarity_function != "most_similar":
        raise ValueError(f"similarity_function must be 'most_similar' (the only query "
                         f"Vectors has for analogies); got {similarity_function!r}")
    ok_vocab = ok_vocab_of(kv, restrict_vocab, case_insensitive)
    sections: list[dict] = []
    section = None
    with open(analogies, encoding="utf8") as fh:
        for n, line in enumerate(fh, 1):
            if line.startswith(": "):
                if section:
                    sections.append(section)
                section = {"section": line.lstrip(": ").strip(), "correct": [],
                           "incorrect": []}
                continue
            if not line.strip():
                continue
            if section is None:
                raise ValueError(f"{analogies}: line {n}: missing section header before "
                                 "the first analogy")
            parts = line.split()
            if len(parts) != 4:
                raise ValueError(f"{analogies}: line {n}: expected 4 words; got "
                                 f"{line.rstrip()!r}")
            a, b, c, expected = [w.upper() for w in parts] if case_insensitive else parts
            if any(w not in ok_vocab for w in (a, b, c, expected)):
                if dummy4unknown:
                    section["incorrect"].append((a, b, c, expected))
                continue
            # the rows' own keys, not the upper-cased ones: no lookup table is swapped
            # while the query runs, so other threads can query kv meanwhile
            keys = kv.index_to_key
            sims = kv.most_similar(positive=[keys[ok_vocab[b]], keys[ok_vocab[c]]],
                                   negative=[keys[ok_vocab[a]]], topn=5,
                                   restrict_vocab=restrict_vocab)
            predicted = None  # gensim's rule: the first valid of the top 5, else the last
            for key, _ in sims:
                predicted = key.upper() if case_insensitive else key
                if predicted in ok_vocab and predicted not in (a, b, c):
                    break
            (section["correct"] if predicted == expected else section["incorrect"]).append(
                (a, b, c, expected))
    if section:
        sections.append(section)
    correct = sum(len(s["correct"]) for s in sections)
    incorrect = sum(len(s["incorrect"]) for s in sections)
    total = {"section": "Total accuracy",
             "correct": [q for s in sections for q in s["correct"]],
             "incorrect": [q for s in sections for q in s["incorrect"]]}
    sections.append(total)
    score = correct / (correct + incorrect) if correct + incorrect else 0.0
    return score, sections
