"""Vectors.evaluate_word_pairs / evaluate_word_analogies against gensim's formulas in numpy.

``evaluate_word_pairs``: scipy's pearson / spearman of the cosines over the
in-vocabulary pairs; ``evaluate_word_analogies``: 3CosAdd with the first
non-query word among the top 5 (references written from gensim 4's code).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sparsedense import Vectors

from test_vectors_vectors import unit_rows


# ---------------------------------------------------------------------------
# evaluate_word_pairs

PAIRS_KEYS = ["deposit", "savings", "mortgage", "Interest", "bank", "rain", "snow", "loan",
              "cash", "INTEREST"]


PAIRS_FILE = """# a hand-made similarity file
# word1\tword2\tscore
deposit\tsavings\t9.1
deposit\tmortgage\t3.5
bank\tloan\t7.4
Bank\tCash\t6.9
rain\tsnow\t8.2
rain\tdeposit\t0.8
interest\tloan\t6.0
mortgage\tloan\t8.8
cash\tdeposit\t7.7
snow\tunknownword\t2.0
savings\tsnow\t1.1
zzz\tyyy\t5.0
INTEREST\tbank\t5.5
"""


@pytest.fixture
def pairs_kv():
    rng = np.random.default_rng(4)
    return Vectors(PAIRS_KEYS, rng.standard_normal((len(PAIRS_KEYS), 8)).astype(np.float32))


def parse_pairs(text):
    out = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        a, b, s = line.split("\t")
        out.append((a, b, float(s)))
    return out


def ref_word_pairs(kv, pairs, case_insensitive, dummy4unknown, restrict_vocab=300000):
    keys = kv.index_to_key[:restrict_vocab]
    if case_insensitive:  # the first (lowest index) key of each upper-cased form wins
        vocab = {}
        for i, k in enumerate(keys):
            vocab.setdefault(k.upper(), i)
    else:
        vocab = {k: i for i, k in enumerate(keys)}
    U = unit_rows(kv.vectors)
    gold, model, oov = [], [], 0
    for a, b, s in pairs:
        if case_insensitive:
            a, b = a.upper(), b.upper()
        if a not in vocab or b not in vocab:
            oov += 1
            if dummy4unknown:
                gold.append(s)
                model.append(0.0)
            continue
        gold.append(s)
        model.append(U[vocab[a]] @ U[vocab[b]])
    ratio = 100.0 * oov / (len(gold) if dummy4unknown else len(gold) + oov)
    return stats.pearsonr(gold, model), stats.spearmanr(gold, model), ratio, len(gold)


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
@pytest.mark.parametrize("restrict_vocab", [300000, 8])
def test_evaluate_word_pairs_matches_scipy(tmp_path, pairs_kv, case_insensitive, dummy4unknown,
                                           restrict_vocab):
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS_FILE, encoding="utf8")
    pearson, spearman, oov = pairs_kv.evaluate_word_pairs(
        str(path), case_insensitive=case_insensitive, dummy4unknown=dummy4unknown,
        restrict_vocab=restrict_vocab)
    ref_p, ref_s, ref_oov, n = ref_word_pairs(pairs_kv, parse_pairs(PAIRS_FILE),
                                              case_insensitive, dummy4unknown, restrict_vocab)
    assert n >= 5
    np.testing.assert_allclose(pearson[0], ref_p[0], atol=1e-6)
    np.testing.assert_allclose(pearson[1], ref_p[1], rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(spearman[0], ref_s[0], atol=1e-6)
    np.testing.assert_allclose(spearman[1], ref_s[1], rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(oov, ref_oov, atol=1e-9)


def test_evaluate_word_pairs_oov_ratio_by_hand(tmp_path, pairs_kv):
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS_FILE, encoding="utf8")
    # 13 pairs; case-insensitive: 'snow/unknownword' and 'zzz/yyy' are unknown -> 2 / 13
    _, _, oov = pairs_kv.evaluate_word_pairs(str(path))
    np.testing.assert_allclose(oov, 100.0 * 2 / 13)
    # case-sensitive: also 'Bank/Cash', 'interest/loan' -> 4 / 13
    _, _, oov = pairs_kv.evaluate_word_pairs(str(path), case_insensitive=False)
    np.testing.assert_allclose(oov, 100.0 * 4 / 13)
    # dummy4unknown: 2 unknown among 13 scored pairs (unknown ones scored 0) -> 2 / 13
    _, _, oov = pairs_kv.evaluate_word_pairs(str(path), dummy4unknown=True)
    np.testing.assert_allclose(oov, 100.0 * 2 / 13)
    # dummy4unknown, case-sensitive: 4 unknown among 13 scored pairs
    _, _, oov = pairs_kv.evaluate_word_pairs(str(path), dummy4unknown=True,
                                             case_insensitive=False)
    np.testing.assert_allclose(oov, 100.0 * 4 / 13)


def test_evaluate_word_pairs_case_insensitive_uses_first_key(tmp_path):
    """'Interest' (index 0) and 'INTEREST' (index 1) both upper-case to INTEREST: index 0 wins."""
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1], [0.1, 1.0], [0.5, 0.5]], np.float32)
    kv = Vectors(["Interest", "INTEREST", "loan", "rain", "bank"], W)
    pairs = [("interest", "loan", 9.0), ("interest", "rain", 1.0), ("interest", "bank", 5.0)]
    pearson, spearman, oov = kv.evaluate_word_pairs(pairs)
    U = unit_rows(W)
    model = [U[0] @ U[2], U[0] @ U[3], U[0] @ U[4]]
    np.testing.assert_allclose(pearson[0], stats.pearsonr([9.0, 1.0, 5.0], model)[0], atol=1e-6)
    assert oov == 0.0


def test_evaluate_word_pairs_iterable_and_errors(tmp_path, pairs_kv):
    pairs = parse_pairs(PAIRS_FILE)
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS_FILE, encoding="utf8")
    from_file = pairs_kv.evaluate_word_pairs(str(path))
    from_list = pairs_kv.evaluate_word_pairs(pairs)
    np.testing.assert_allclose(from_file[0], from_list[0])
    np.testing.assert_allclose(from_file[1][0], from_list[1][0])
    with pytest.raises(ValueError, match="no word pair"):
        pairs_kv.evaluate_word_pairs([("zzz", "yyy", 1.0), ("qq", "deposit", 2.0)])
    bad = tmp_path / "bad.tsv"
    bad.write_text("deposit\tsavings\n", encoding="utf8")
    with pytest.raises(ValueError, match="line 1"):
        pairs_kv.evaluate_word_pairs(str(bad))


# ---------------------------------------------------------------------------
# evaluate_word_analogies

ANALOGY_KEYS = ["man", "woman", "king", "queen", "boy", "girl", "prince", "princess",
                "Paris", "France", "Rome", "Italy", "Berlin", "Germany", "noise"]


def analogy_table():
    """gender / royalty / youth axes, plus capital -> country as a constant offset."""
    rng = np.random.default_rng(11)
    d = 12
    male, female, royal, young = np.eye(d)[:4]
    offset = np.eye(d)[4] * 2.0
    vec = {
        "man": male, "woman": female, "king": male + royal, "queen": female + royal,
        "boy": male + young, "girl": female + young, "prince": male + royal + young,
        "princess": female + royal + young,
    }
    for city in ("Paris", "Rome", "Berlin"):
        vec[city] = rng.standard_normal(d) * 0.3 + np.eye(d)[5]
    vec["France"] = vec["Paris"] + offset
    vec["Italy"] = vec["Rome"] + offset
    vec["Germany"] = vec["Berlin"] + offset
    vec["noise"] = rng.standard_normal(d)
    W = np.stack([vec[k] for k in ANALOGY_KEYS]).astype(np.float32)
    W += rng.standard_normal(W.shape).astype(np.float32) * 0.01
    return W


ANALOGY_FILE = """: family
man king woman queen
man woman king queen
boy girl prince princess
king queen man woman
man boy king prince
man king woman girl
man king woman unknownword
: capital-common-countries
Paris France Rome Italy
paris france berlin germany
Rome Italy Berlin Germany
Paris France Rome noise
"""


def ref_analogies(kv, text, case_insensitive=True, dummy4unknown=False, restrict_vocab=300000):
    keys = kv.index_to_key[:restrict_vocab]
    W = np.asarray(kv.vectors)[:restrict_vocab]
    if case_insensitive:
        vocab = {}
        for i, k in enumerate(keys):
            vocab.setdefault(k.upper(), i)
    else:
        vocab = {k: i for i, k in enumerate(keys)}
    U = unit_rows(W)
    sections = []
    for line in text.splitlines():
        if line.startswith(": "):
            sections.append([line[2:].strip(), 0, 0])
            continue
        words = line.split()
        if case_insensitive:
            words = [w.upper() for w in words]
        a, b, c, expected = words
        if any(w not in vocab for w in words):
            if dummy4unknown:
                sections[-1][2] += 1
            continue
        mean = U[vocab[b]] + U[vocab[c]] - U[vocab[a]]
        mean /= np.linalg.norm(mean)
        scores = U @ mean
        ignore = {a, b, c}
        predicted = None
        for i in np.argsort(-scores, kind="stable"):
            word = keys[i].upper() if case_insensitive else keys[i]
            if word not in ignore:
                predicted = word
                break
        sections[-1][1 if predicted == expected else 2] += 1
    return sections


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
def test_evaluate_word_analogies_matches_reference(tmp_path, case_insensitive, dummy4unknown):
    kv = Vectors(ANALOGY_KEYS, analogy_table())
    path = tmp_path / "questions.txt"
    path.write_text(ANALOGY_FILE, encoding="utf8")
    score, sections = kv.evaluate_word_analogies(str(path), case_insensitive=case_insensitive,
                                                 dummy4unknown=dummy4unknown)
    ref = ref_analogies(kv, ANALOGY_FILE, case_insensitive, dummy4unknown)
    assert [s["section"] for s in sections] == ["family", "capital-common-countries",
                                                "Total accuracy"]
    got = [[s["section"], len(s["correct"]), len(s["incorrect"])] for s in sections[:-1]]
    assert got == ref
    correct = sum(r[1] for r in ref)
    total = sum(r[1] + r[2] for r in ref)
    np.testing.assert_allclose(score, correct / total)
    assert len(sections[-1]["correct"]) == correct
    assert len(sections[-1]["correct"]) + len(sections[-1]["incorrect"]) == total


def test_evaluate_word_analogies_by_hand(tmp_path):
    kv = Vectors(ANALOGY_KEYS, analogy_table())
    path = tmp_path / "questions.txt"
    path.write_text(ANALOGY_FILE, encoding="utf8")
    score, sections = kv.evaluate_word_analogies(str(path))
    family, capitals, total = sections
    # the five well-formed family analogies hold by construction, 'man king woman girl' not
    assert len(family["correct"]) == 5 and len(family["incorrect"]) == 1
    assert ("MAN", "KING", "WOMAN", "GIRL") in family["incorrect"]
    # the three capital analogies hold ('paris france ...' through case folding), 'noise' not
    assert len(capitals["correct"]) == 3 and len(capitals["incorrect"]) == 1
    np.testing.assert_allclose(score, 8 / 10)
    assert len(total["correct"]) == 8 and len(total["incorrect"]) == 2
    # case-sensitive: 'paris france berlin germany' is out of vocabulary, skipped
    score_cs, sections_cs = kv.evaluate_word_analogies(str(path), case_insensitive=False)
    assert len(sections_cs[1]["correct"]) == 2
    np.testing.assert_allclose(score_cs, 7 / 9)
    # key_to_index is restored afterwards
    assert kv.key_to_index == {k: i for i, k in enumerate(ANALOGY_KEYS)}


def test_evaluate_word_analogies_restrict_vocab(tmp_path):
    kv = Vectors(ANALOGY_KEYS, analogy_table())
    path = tmp_path / "questions.txt"
    path.write_text(ANALOGY_FILE, encoding="utf8")
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=8)
    ref = ref_analogies(kv, ANALOGY_FILE, restrict_vocab=8)
    got = [[s["section"], len(s["correct"]), len(s["incorrect"])] for s in sections[:-1]]
    assert got == ref
    assert got[1][1:] == [0, 0]  # no capital is in the first 8 keys


def test_evaluate_word_analogies_missing_header(tmp_path):
    kv = Vectors(ANALOGY_KEYS, analogy_table())
    path = tmp_path / "bad.txt"
    path.write_text("man king woman queen\n", encoding="utf8")
    with pytest.raises(ValueError, match="section"):
        kv.evaluate_word_analogies(str(path))


def test_analogies_do_not_swap_the_lookup_table_while_they_run(tmp_path):
    """Other threads may query the same Vectors during an evaluation (no key_to_index swap)."""
    keys = ["a", "b", "c", "d", "e", "A"]
    kv = Vectors(keys, np.random.default_rng(3).standard_normal((6, 4)).astype(np.float32))
    path = tmp_path / "q.txt"
    path.write_text(": s\na b c d\nA b c e\n")
    table = kv.key_to_index
    seen = []
    original = Vectors.most_similar

    def spy(self, *args, **kwargs):
        seen.append(self.key_to_index is table and dict(table) == dict(zip(keys, range(6))))
        return original(self, *args, **kwargs)

    Vectors.most_similar = spy
    try:
        kv.evaluate_word_analogies(path)
    finally:
        Vectors.most_similar = original
    assert seen == [True, True]
