"""Vectors queried from several threads while ``evaluate_word_analogies`` runs.

Vectors' docstring promises that queries may run in several threads at once.
An evaluation restricted to the first ``restrict_vocab`` rows is a query too:
it must restrict the vocabulary it searches without changing the object, so
that a lookup of a word beyond the restriction in another thread (``key in
kv``, ``kv.key_to_index``, ``most_similar``...) gives the same answer as when
nothing else runs.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from sparsedense.vectors import Vectors

N_KEYS, DIM, RESTRICT = 400, 8, 40
ROUNDS = 4


def _table() -> tuple[list[str], np.ndarray]:
    keys = [f"w{i:03d}" for i in range(N_KEYS)]
    return keys, np.random.default_rng(23).standard_normal((N_KEYS, DIM)).astype(np.float32)


@pytest.fixture(scope="module")
def kv() -> Vectors:
    return Vectors(*_table())


@pytest.fixture(scope="module")
def analogies(tmp_path_factory) -> str:
    """Questions on the first RESTRICT words, and some on words beyond them (skipped)."""
    keys, _ = _table()
    rng = np.random.default_rng(5)
    lines = [": inside"]
    lines += [" ".join(keys[r] for r in rng.choice(RESTRICT, 4, replace=False))
              for _ in range(120)]
    lines.append(": partly outside")
    lines += [" ".join(keys[r] for r in rng.choice(N_KEYS, 4, replace=False))
              for _ in range(30)]
    path = tmp_path_factory.mktemp("analogies") / "questions.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def frequent_switches():
    """Let the interpreter switch threads often, so the threads interleave finely."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def _lookups(kv: Vectors, words: list[str]) -> list:
    """What another thread asks about ``words``: membership, rows, vectors, neighbours."""
    return [(w in kv, kv.key_to_index.get(w), kv.has_index_for(w), kv.get_index(w),
             kv[w].tobytes(), kv.most_similar(w, topn=3)) for w in words]


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_lookups_in_other_threads_during_an_evaluation(kv, analogies, frequent_switches,
                                                       case_insensitive):
    beyond = kv.index_to_key[RESTRICT::29]  # words outside the restricted vocabulary
    inside = kv.index_to_key[:RESTRICT:7]
    expected = _lookups(kv, beyond + inside)
    expected_score = kv.evaluate_word_analogies(analogies, restrict_vocab=RESTRICT,
                                                case_insensitive=case_insensitive)
    assert 0 < len(expected_score[1][0]["correct"]) + len(expected_score[1][0]["incorrect"])
    errors: list[BaseException] = []
    wrong: list = []
    scores: list = []
    started, done = threading.Event(), threading.Event()
    during = [0]  # rounds of lookups made while an evaluation ran

    def evaluate() -> None:
        try:
            for _ in range(ROUNDS):
                scores.append(kv.evaluate_word_analogies(
                    analogies, restrict_vocab=RESTRICT, case_insensitive=case_insensitive))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            done.set()

    def look_up() -> None:
        try:
            while True:
                running = started.is_set() and not done.is_set()
                got = _lookups(kv, beyond + inside)
                if got != expected:
                    wrong.append(got)
                started.set()
                if done.is_set():
                    return
                during[0] += running
        except BaseException as exc:  # a KeyError for a word the evaluation hid
            errors.append(exc)
            started.set()

    threads = [threading.Thread(target=look_up) for _ in range(2)]
    for t in threads:
        t.start()
    started.wait(60)
    evaluator = threading.Thread(target=evaluate)
    evaluator.start()
    for t in [evaluator, *threads]:
        t.join(120)
    assert not errors, errors
    assert not wrong, f"{len(wrong)} rounds of lookups differ from the single-threaded ones"
    assert during[0] > 0  # the lookups did overlap the evaluations
    assert scores == [expected_score] * ROUNDS


class _Watched(Vectors):
    """Vectors that records every rebinding of its tables once ``watching`` is set."""

    watching = False

    def __setattr__(self, name: str, value) -> None:
        if self.watching and name in ("key_to_index", "index_to_key", "weight"):
            self.rebound.append(name)
        super().__setattr__(name, value)


class _WatchedDict(dict):
    """A dict that records every change made to it in place."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.changes: list[str] = []

    def __setitem__(self, key, value) -> None:
        self.changes.append("setitem")
        super().__setitem__(key, value)

    def __delitem__(self, key) -> None:
        self.changes.append("delitem")
        super().__delitem__(key)

    def update(self, *args, **kwargs) -> None:
        self.changes.append("update")
        super().update(*args, **kwargs)

    def pop(self, *args):
        self.changes.append("pop")
        return super().pop(*args)

    def popitem(self):
        self.changes.append("popitem")
        return super().popitem()

    def clear(self) -> None:
        self.changes.append("clear")
        super().clear()

    def setdefault(self, key, default=None):
        self.changes.append("setdefault")
        return super().setdefault(key, default)


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("restrict_vocab", [RESTRICT, None])
def test_evaluation_leaves_the_lookup_table_alone(analogies, case_insensitive, restrict_vocab):
    """key_to_index stays the same dict with the same content during the evaluation."""
    keys, weight = _table()
    kv = _Watched(keys, weight)
    table = _WatchedDict(kv.key_to_index)
    kv.key_to_index = table
    kv.rebound = []
    kv.watching = True
    content = dict(table)
    rows = list(kv.index_to_key)
    seen = []
    original = Vectors.get_normed_vectors

    def observe(self):  # every query of the evaluation reads the unit vectors
        seen.append(self.key_to_index is table and dict(table) == content)
        return original(self)

    Vectors.get_normed_vectors = observe
    try:
        kv.evaluate_word_analogies(analogies, restrict_vocab=restrict_vocab,
                                   case_insensitive=case_insensitive)
    finally:
        Vectors.get_normed_vectors = original
    assert kv.rebound == []
    assert table.changes == []
    assert seen and all(seen)
    assert kv.key_to_index is table and dict(table) == content
    assert kv.index_to_key == rows
