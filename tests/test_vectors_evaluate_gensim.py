"""Vectors' evaluations against gensim's KeyedVectors (skipped without gensim).

``evaluate_word_pairs`` on gensim's ``wordsim353.tsv`` and
``evaluate_word_analogies`` on its ``questions-words.txt`` (restricted), with
tables built over their words: the same correlations, out-of-vocabulary
ratio, sections and questions answered.
"""

from __future__ import annotations

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")

from gensim.test.utils import datapath  # noqa: E402

from test_vectors_vectors_gensim import make_pair, random_words  # noqa: E402


# ---------------------------------------------------------------------------
# evaluate_word_pairs on gensim's wordsim353.tsv


def wordsim_words():
    words: dict[str, None] = {}
    with open(datapath("wordsim353.tsv"), encoding="utf8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            a, b, _ = line.rstrip("\n").split("\t")
            words.setdefault(a, None)
            words.setdefault(b, None)
    return list(words)


@pytest.fixture(scope="module")
def wordsim_pair():
    """Most of wordsim353's words (about 15 % left out), some upper-cased, plus random words."""
    rng = np.random.default_rng(10)
    words = wordsim_words()
    kept = [w for w in words if rng.random() > 0.15]
    kept = [w.upper() if rng.random() < 0.1 else w for w in kept]
    extra = [w for w in random_words(rng, 1500) if w not in set(words)]
    keys = kept + extra
    order = rng.permutation(len(keys))
    keys = [keys[i] for i in order]
    W = rng.standard_normal((len(keys), 25)).astype(np.float32)
    return keys, W, *make_pair(keys, W)


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
@pytest.mark.parametrize("restrict_vocab", [300000, 900])
def test_evaluate_word_pairs_same_as_gensim(wordsim_pair, case_insensitive, dummy4unknown,
                                            restrict_vocab):
    _, _, sd, g = wordsim_pair
    path = datapath("wordsim353.tsv")
    kw = dict(case_insensitive=case_insensitive, dummy4unknown=dummy4unknown,
              restrict_vocab=restrict_vocab)
    p, s, oov = sd.evaluate_word_pairs(path, **kw)
    gp, gs, goov = g.evaluate_word_pairs(path, **kw)
    assert 0 < oov < 100
    np.testing.assert_allclose(p[0], gp[0], atol=1e-6)
    np.testing.assert_allclose(p[1], gp[1], rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(s[0], gs[0], atol=1e-6)
    np.testing.assert_allclose(s[1], gs[1], rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(oov, goov, atol=1e-9)
    assert sd.key_to_index == g.key_to_index  # both restored


# ---------------------------------------------------------------------------
# evaluate_word_analogies on gensim's questions-words.txt (restricted)

LINES_PER_SECTION = 120


@pytest.fixture(scope="module")
def analogy_setup(tmp_path_factory):
    """The first 120 questions of each section, and vectors with per-section offsets.

    For each question ``a b c d`` the vectors follow ``b = a + offset + noise``
    and ``d = c + offset + noise`` where not yet set, so that a good share of
    the analogies hold and the rest do not. About 5 % of the words are left
    out (questions with them are out of vocabulary).
    """
    rng = np.random.default_rng(11)
    text, count = [], 0
    with open(datapath("questions-words.txt"), encoding="utf8") as fh:
        for line in fh:
            if line.startswith(": "):
                text.append(line)
                count = 0
            elif count < LINES_PER_SECTION:
                text.append(line)
                count += 1
    path = tmp_path_factory.mktemp("analogies") / "questions-words-small.txt"
    path.write_text("".join(text), encoding="utf8")
    d = 30
    vec: dict[str, np.ndarray] = {}
    offset = None
    for line in text:
        if line.startswith(": "):
            offset = rng.standard_normal(d) * 1.5
            continue
        a, b, c, e = line.split()
        for x, y in ((a, b), (c, e)):
            if x not in vec:
                vec[x] = rng.standard_normal(d)
            if y not in vec:
                vec[y] = vec[x] + offset + rng.standard_normal(d) * 0.6
    words = [w for w in vec if rng.random() > 0.05]
    extra = [w for w in random_words(rng, 300) if w not in vec]
    keys = words + extra
    W = np.stack([vec[w] if w in vec else rng.standard_normal(d) for w in keys]).astype(np.float32)
    return str(path), keys, W, *make_pair(keys, W)


def section_counts(sections):
    return [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in sections]


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
def test_evaluate_word_analogies_same_as_gensim(analogy_setup, case_insensitive, dummy4unknown):
    path, _, _, sd, g = analogy_setup
    kw = dict(case_insensitive=case_insensitive, dummy4unknown=dummy4unknown)
    score, sections = sd.evaluate_word_analogies(path, **kw)
    gscore, gsections = g.evaluate_word_analogies(path, **kw)
    counts = section_counts(sections)
    assert counts == section_counts(gsections)
    total = counts[-1]
    assert total[0] == "Total accuracy" and total[1] > 50 and total[2] > 50  # a real mix
    np.testing.assert_allclose(score, gscore, atol=1e-12)
    for s, gs in zip(sections, gsections):  # the very same questions, in order
        assert s["correct"] == gs["correct"] and s["incorrect"] == gs["incorrect"]


def test_evaluate_word_analogies_restrict_vocab_same_as_gensim(analogy_setup):
    path, _, _, sd, g = analogy_setup
    score, sections = sd.evaluate_word_analogies(path, restrict_vocab=400)
    gscore, gsections = g.evaluate_word_analogies(path, restrict_vocab=400)
    assert section_counts(sections) == section_counts(gsections)
    np.testing.assert_allclose(score, gscore, atol=1e-12)


def test_evaluate_word_analogies_case_variants_same_as_gensim(tmp_path):
    """Keys that differ only by case: the query keys are left out by row, as in gensim.

    With ``case_insensitive`` gensim maps every form to the row of its first
    (most frequent) key, leaves those rows out of ``most_similar(topn=5)``
    (it asks for 5 + 3 and drops the query rows) and then skips the other
    case variants of a, b, c. Here ``king + woman - man`` ranks woman, Woman
    (0.65), king, King, KinG (0.44), then queen (0.42): gensim's top 5 without
    the rows of king / woman / man is Woman, King, KinG, queen, ... and it
    predicts 'queen'; a top 5 that keeps the query rows holds no candidate.
    """
    d = 6
    male, female, royal, extra = np.eye(d)[:4]
    vec = {"man": male, "king": male + 3 * royal, "King": male + 3 * royal,
           "KinG": male + 3 * royal, "woman": female, "Woman": female,
           "queen": female + 3 * royal + 5 * extra, "other": -female, "thing": -royal}
    keys = list(vec)
    rng = np.random.default_rng(12)
    W = np.stack([vec[k] for k in keys]).astype(np.float32)
    W += rng.standard_normal(W.shape).astype(np.float32) * 1e-4
    sd, g = make_pair(keys, W)
    path = tmp_path / "q.txt"
    path.write_text(": family\nman king woman queen\n", encoding="utf8")
    gscore, gsections = g.evaluate_word_analogies(str(path))
    score, sections = sd.evaluate_word_analogies(str(path))
    assert gscore == 1.0  # gensim finds 'queen'
    assert section_counts(sections) == section_counts(gsections)
    assert score == gscore


def test_evaluate_word_pairs_returns_gensims_types(wordsim_pair):
    """scipy's result objects, as gensim returns them (not plain tuples)."""
    _, _, sd, g = wordsim_pair
    p, s, oov = sd.evaluate_word_pairs(datapath("wordsim353.tsv"))
    gp, gs, goov = g.evaluate_word_pairs(datapath("wordsim353.tsv"))
    assert type(p) is type(gp) and type(s) is type(gs) and type(oov) is type(goov)
    np.testing.assert_allclose((p.statistic, p.pvalue), (gp.statistic, gp.pvalue), rtol=1e-4)
    np.testing.assert_allclose((s.statistic, s.pvalue), (gs.statistic, gs.pvalue), rtol=1e-4)
    low, high = p.confidence_interval()  # the rest of scipy's result works too
    assert low < p.statistic < high


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_evaluate_word_analogies_cosmul_same_as_gensims_cosmul(analogy_setup, monkeypatch,
                                                             case_insensitive):
    """similarity_function='most_similar_cosmul' answers by 3CosMul.

    gensim 4.4 accepts the name and still calls ``most_similar``: its
    reference here is its own evaluation with ``most_similar`` bound to its
    ``most_similar_cosmul`` (which ignores ``restrict_vocab``; the default
    300000 is more than the table holds).
    """
    path, _, _, sd, g = analogy_setup
    kw = dict(case_insensitive=case_insensitive)
    monkeypatch.setattr(g, "most_similar", lambda positive, negative, topn, restrict_vocab:
                        g.most_similar_cosmul(positive, negative, topn=topn))
    gscore, gsections = g.evaluate_word_analogies(path, **kw)
    score, sections = sd.evaluate_word_analogies(path, similarity_function="most_similar_cosmul",
                                                 **kw)
    add_score, _ = sd.evaluate_word_analogies(path, **kw)
    assert section_counts(sections) == section_counts(gsections)
    for s, gs in zip(sections, gsections):
        assert s["correct"] == gs["correct"] and s["incorrect"] == gs["incorrect"]
    assert score == gscore and score != add_score  # 3CosMul, not 3CosAdd
