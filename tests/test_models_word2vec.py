"""Word2Vec and FastText: what they learn, the update kernels against numpy, gensim's rules."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sparsedense.models import FastText, Word2Vec
from sparsedense.models._corpus import Corpus
from sparsedense.models._vocab import ALWAYS_KEEP, noise_alias, sample_ints

TOPICS = [
    ["deposit", "savings", "interest", "account", "balance", "bank", "teller", "cheque"],
    ["mortgage", "loan", "house", "lender", "repayment", "property", "broker", "equity"],
    ["football", "goal", "keeper", "striker", "league", "match", "referee", "stadium"],
    ["violin", "cello", "orchestra", "concert", "melody", "sonata", "tempo", "chord"],
]


def planted_corpus(n_sentences: int = 800, length: int = 10, seed: int = 0) -> list[list[str]]:
    """Sentences whose words all come from one topic."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_sentences):
        topic = TOPICS[rng.integers(len(TOPICS))]
        out.append([topic[i] for i in rng.integers(len(topic), size=length)])
    return out


def topic_margin(wv) -> tuple[float, float]:
    """(mean same-topic cosine, mean cross-topic cosine) over the planted words."""
    words = [w for t in TOPICS for w in t]
    labels = np.repeat(np.arange(len(TOPICS)), len(TOPICS[0]))
    unit = np.stack([wv[w] / np.linalg.norm(wv[w]) for w in words]).astype(np.float64)
    sim = unit @ unit.T
    same = labels[:, None] == labels[None, :]
    off = ~np.eye(len(words), dtype=bool)
    return float(sim[same & off].mean()), float(sim[~same].mean())


SMALL = dict(vector_size=24, window=3, min_count=1, epochs=8, sample=0.0, seed=3)


@pytest.mark.parametrize("cls, sg", [(Word2Vec, 1), (Word2Vec, 0), (FastText, 1), (FastText, 0)])
def test_planted_topics_are_learned(cls, sg):
    extra = {"bucket": 5000} if cls is FastText else {}
    model = cls(planted_corpus(), sg=sg, **SMALL, **extra)
    same, cross = topic_margin(model.wv)
    assert same > cross + 0.3, (same, cross)
    # every word's nearest neighbour is from its own topic
    for topic in TOPICS:
        for w in topic:
            best = model.wv.most_similar(w, topn=1)[0][0]
            assert best in topic, (w, best)


# -- the update kernels against a numpy reference ---------------------------------------------

def _sig(f, table):
    from sparsedense._kernels.word2vec import EXP_TABLE_SIZE, MAX_EXP

    if f >= MAX_EXP:
        return np.float32(1.0)
    if f <= -MAX_EXP:
        return np.float32(0.0)
    return table[int((f + MAX_EXP) * (EXP_TABLE_SIZE / MAX_EXP / 2))]


def _step(x, y, work, label, alpha, table):
    g = np.float32((np.float32(label) - _sig(float(np.dot(x, y)), table)) * alpha)
    work += g * y
    y += g * x


def _run_kernel(sentence, syn0, syn1, sg, cbow_mean, noise_word, alpha, window=1):
    """One round of the real kernel on one sentence, one shard, every noise draw = noise_word."""
    from sparsedense._kernels.word2vec import sigmoid_table, train_round_serial
    from sparsedense.models.word2vec import _ShardBuffers

    V, D = syn0.shape
    ids = np.array(sentence, np.int32)
    ends = np.array([len(sentence)], np.int64)
    buf = _ShardBuffers(1, [V, V], D)
    buf.reserve([V, V])
    prob = np.zeros(V)  # every draw goes to its alias
    alias = np.full(V, noise_word, np.int32)
    train_round_serial(ids, ends, np.array([0, 1], np.int64), np.zeros(1), syn0, syn1,
                       *buf.local, *buf.slot, *buf.rows, *buf.n, *buf.seen, *buf.union,
                       np.array([7], np.uint64),
                       np.full(V, ALWAYS_KEEP, np.uint64), prob, alias, sigmoid_table(), sg,
                       window, False, 1, cbow_mean, np.float32(alpha), np.float32(alpha),
                       float(len(sentence)), False, np.zeros(1), np.zeros(1, np.int64))


@pytest.mark.parametrize("sg, cbow_mean", [(True, True), (False, True), (False, False)])
def test_update_kernel_matches_numpy_reference(sg, cbow_mean):
    from sparsedense._kernels.word2vec import sigmoid_table

    rng = np.random.default_rng(5)
    V, D, alpha = 5, 6, np.float32(0.1)
    syn0 = (rng.standard_normal((V, D)) * 0.5).astype(np.float32)
    syn1 = (rng.standard_normal((V, D)) * 0.5).astype(np.float32)
    sentence, noise = [0, 1, 2, 1], 3
    x_ref, y_ref = syn0.copy(), syn1.copy()
    table = sigmoid_table()
    n = len(sentence)
    for i, c in enumerate(sentence):
        ctx = [j for j in range(max(0, i - 1), min(n, i + 2)) if j != i]
        targets = [(c, 1.0)] + ([(noise, 0.0)] if noise != c else [])
        if sg:  # gensim's orientation: each context word predicts the center
            for j in ctx:
                work = np.zeros(D, np.float32)
                for t, label in targets:
                    _step(x_ref[sentence[j]], y_ref[t], work, label, alpha, table)
                x_ref[sentence[j]] += work
        else:
            neu1 = x_ref[[sentence[j] for j in ctx]].sum(axis=0)
            if cbow_mean:
                neu1 /= np.float32(len(ctx))
            work = np.zeros(D, np.float32)
            for t, label in targets:
                _step(neu1, y_ref[t], work, label, alpha, table)
            if not cbow_mean:
                work /= np.float32(len(ctx))
            for j in ctx:
                x_ref[sentence[j]] += work
    _run_kernel(sentence, syn0, syn1, sg, cbow_mean, noise, alpha)
    np.testing.assert_allclose(syn0, x_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, y_ref, rtol=1e-5, atol=1e-6)
    assert not np.array_equal(syn0[:3], (rng.standard_normal((V, D)) * 0.5)[:3])


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_fasttext_skipgram_kernel_matches_numpy_reference(scale):
    """One FastText skip-gram round against numpy: gensim's composite (the word row plus its
    n-gram rows, over the number of n-grams), saturated pairs skipped, noise words drawn anew
    every NOISE_PAIRS context words, the window's input gradient added to every row once."""
    from sparsedense._kernels.fasttext import NOISE_PAIRS, train_round_ft_serial
    from sparsedense._kernels.word2vec import MAX_EXP, _draw_noise, sigmoid_table
    from sparsedense.models.word2vec import _ShardBuffers

    rng = np.random.default_rng(11)
    V, B, D, alpha, window, negative = 4, 5, 6, np.float32(0.05), 2, 2
    subs = [[1, 3], [], [0, 0, 4], [2]]  # word 1 has no n-gram, word 2 one twice
    sub_ptr = np.cumsum([0] + [len(x) for x in subs]).astype(np.int64)
    sub_idx = np.array([b for x in subs for b in x], np.int64)
    syn0 = (rng.standard_normal((V, D)) * scale).astype(np.float32)
    syn1 = (rng.standard_normal((V, D)) * scale).astype(np.float32)
    syn2 = (rng.standard_normal((B, D)) * scale).astype(np.float32)
    prob, alias = noise_alias(np.array([5, 1, 3, 2], np.int64), 0.75)
    sentence = [0, 1, 2, 3, 0, 2]
    table = sigmoid_table()

    state = [np.uint64(7)]

    def draw():  # the kernel's generator, called from Python (its state comes back an int)
        out = []
        for _ in range(negative):
            s, v = _draw_noise(state[0], prob, alias)
            state[0] = np.uint64(s % 2**64)
            out.append(int(v))
        return out

    x_ref, y_ref, g_ref = syn0.copy(), syn1.copy(), syn2.copy()
    skipped, n = 0, len(sentence)
    for i, c in enumerate(sentence):
        ctx = [j for j in range(max(0, i - window), min(n, i + window + 1)) if j != i]
        noise = draw()
        neu = (x_ref[c] + g_ref[subs[c]].sum(axis=0)) / np.float32(max(len(subs[c]), 1))
        total = np.zeros(D, np.float32)
        for pair, j in enumerate(ctx):
            if pair > 0 and pair % NOISE_PAIRS == 0:
                noise = draw()
            work = np.zeros(D, np.float32)
            targets = [(sentence[j], 1.0)] + [(w, 0.0) for w in noise if w != sentence[j]]
            for t, label in targets:
                f = float(np.dot(neu, y_ref[t]))
                if abs(f) >= MAX_EXP:
                    skipped += 1
                    continue
                _step(neu, y_ref[t], work, label, alpha, table)
            total += work
        x_ref[c] += total
        for b in subs[c]:
            g_ref[b] += total
    assert skipped > 0 if scale > 1 else skipped == 0

    buf = _ShardBuffers(1, [V, V, B], D)
    buf.reserve([V, V, B])
    train_round_ft_serial(
        np.array(sentence, np.int32), np.array([n], np.int64), np.array([0, 1], np.int64),
        np.zeros(1), syn0, syn1, syn2, *buf.local, *buf.slot, *buf.rows, *buf.n, *buf.seen,
        *buf.union, np.array([7], np.uint64), np.full(V, ALWAYS_KEEP, np.uint64), prob, alias,
        table, sub_ptr, sub_idx, True, window, False, negative, True, alpha, alpha, float(n),
        False, np.zeros(1), np.zeros(1, np.int64))
    np.testing.assert_allclose(syn0, x_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, y_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn2, g_ref, rtol=1e-5, atol=1e-6)


def test_shards_merge_their_changes_in_shard_order():
    """Two shards touching the same rows: shared = start + change(shard 0) + change(shard 1)."""
    a = Word2Vec(vector_size=8, min_count=1, workers=2, seed=1, sample=0.0, epochs=1)
    corpus = [["a", "b", "c", "d"] * 3] * 4
    a.build_vocab(corpus)
    before = a.wv.vectors.copy()
    a.train(corpus, progress=False)
    assert not np.array_equal(before, a.wv.vectors)
    assert np.isfinite(a.wv.vectors).all() and np.isfinite(a.syn1neg).all()


# -- gensim's rules ---------------------------------------------------------------------------

def test_noise_alias_table_is_the_unigram_power_distribution():
    counts = np.array([50, 20, 20, 5, 1], np.int64)
    prob, alias = noise_alias(counts, 0.75)
    n = len(counts)
    implied = prob / n
    for i in range(n):
        implied[alias[i]] += (1 - prob[i]) / n
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(implied, expected, rtol=1e-12)


def test_sample_ints_follow_the_c_formula():
    counts = np.array([10_000, 1_000, 10, 1], np.int64)
    s = sample_ints(counts, 1e-3)
    t = 1e-3 * counts.sum()
    p = (np.sqrt(counts / t) + 1) * t / counts
    for i in range(4):
        if p[i] >= 1:
            assert s[i] == ALWAYS_KEEP
        else:
            assert s[i] == np.uint64(np.uint32(p[i] * (2 ** 32 - 1)))
    assert (sample_ints(counts, 0.0) == ALWAYS_KEEP).all()




def _gensim_corpus():
    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(300)]
    p = 1.0 / np.arange(1, 301)
    return [[vocab[i] for i in rng.choice(300, size=12, p=p / p.sum())] for _ in range(400)]


@pytest.mark.parametrize("params", [dict(min_count=5), dict(min_count=2, max_final_vocab=50),
                                    dict(min_count=1, max_vocab_size=120),
                                    dict(min_count=3, sample=1e-2)])
def test_vocabulary_and_subsampling_equal_gensims(params):
    gm = pytest.importorskip("gensim.models")
    corpus = _gensim_corpus()
    ours = Word2Vec(vector_size=8, **params)
    ours.build_vocab(corpus)
    theirs = gm.Word2Vec(vector_size=8, **params)
    theirs.build_vocab(corpus)
    assert set(ours.wv.index_to_key) == set(theirs.wv.index_to_key)
    for w in ours.wv.index_to_key:
        i = ours.wv.key_to_index[w]
        assert ours._counts[i] == theirs.wv.get_vecattr(w, "count")
    ours_s = sample_ints(ours._counts, ours.sample)
    for w in ours.wv.index_to_key:
        theirs_s = int(theirs.wv.get_vecattr(w, "sample_int"))
        mine = int(ours_s[ours.wv.key_to_index[w]])
        assert mine == theirs_s or (mine == int(ALWAYS_KEEP) and theirs_s == 2 ** 32 - 1), w
    # the vocabulary is sorted by descending count, as gensim's
    assert list(ours._counts) == sorted(ours._counts, reverse=True)
    assert ours.corpus_total_words == theirs.corpus_total_words
    assert ours.corpus_count == theirs.corpus_count


def test_initial_vectors_are_gensims():
    gm = pytest.importorskip("gensim.models")
    corpus = [["a", "b", "c"], ["b", "c"], ["c"]]
    ours = Word2Vec(vector_size=5, min_count=1, seed=11)
    ours.build_vocab(corpus)
    theirs = gm.Word2Vec(vector_size=5, min_count=1, seed=11)
    theirs.build_vocab(corpus)
    assert ours.wv.index_to_key == theirs.wv.index_to_key  # distinct counts: same order
    np.testing.assert_array_equal(ours.wv.vectors, theirs.wv.vectors)


def test_fasttext_ngram_hashes_equal_gensims():
    ft = pytest.importorskip("gensim.models.fasttext")
    from sparsedense.models.fasttext import ngram_buckets

    words = ["deposit", "예금", "a", "naïve", "😀x", "", "적금통장", "x" * 40]
    for min_n, max_n, bucket in [(3, 6, 2_000_000), (1, 3, 1000), (2, 2, 7)]:
        ptr, b = ngram_buckets(words, min_n, max_n, bucket)
        for i, w in enumerate(words):
            assert b[ptr[i]:ptr[i + 1]].tolist() == ft.ft_ngram_hashes(w, min_n, max_n, bucket)


def test_fasttext_oov_vector_is_the_mean_of_its_ngram_rows():
    from sparsedense.models.fasttext import ngram_buckets

    model = FastText(planted_corpus(200), bucket=3000, **SMALL)
    word = "depositing"
    assert not model.wv.has_index_for(word) and word in model.wv
    _, buckets = ngram_buckets([word], 3, 6, 3000)
    expected = model.wv.vectors_ngrams[buckets].sum(axis=0) / np.float32(len(buckets))
    np.testing.assert_array_equal(model.wv[word], expected)
    # in-vocabulary words: (word row + n-gram rows) / (1 + n), as gensim's adjust_vectors
    w = "deposit"
    i = model.wv.key_to_index[w]
    _, b = ngram_buckets([w], 3, 6, 3000)
    composed = (model.wv.vectors_vocab[i] + model.wv.vectors_ngrams[b].sum(axis=0)) / (1 + len(b))
    np.testing.assert_allclose(model.wv[w], composed, rtol=1e-5, atol=1e-7)


def test_fasttext_word_without_ngrams():
    model = FastText([["ab", "cd"]] * 5, vector_size=4, min_count=1, bucket=100, min_n=5,
                     max_n=6, epochs=1)
    with pytest.raises(KeyError, match="no character"):
        model.wv["xy"]
    assert "xy" not in model.wv


# -- sources, determinism, persistence --------------------------------------------------------

@pytest.mark.parametrize("cls", [Word2Vec, FastText])
def test_sentences_and_corpus_file_give_identical_vectors(cls, tmp_path):
    corpus = planted_corpus(300)
    corpus.append(["mortgage"] * 30)  # a long sentence, cut nowhere
    path = tmp_path / "corpus.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for s in corpus:
            fh.write("  ".join(s) + " \n")
        fh.write("\n   \n")  # lines without tokens are no sentences
    extra = {"bucket": 2000} if cls is FastText else {}
    a = cls(corpus, sg=1, workers=3, **SMALL, **extra)
    b = cls(corpus_file=path, sg=1, workers=3, **SMALL, **extra)
    assert a.wv.index_to_key == b.wv.index_to_key
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)


def test_corpus_file_splits_like_str_split(tmp_path):
    text = "a b\u00a0c\u3000d\x1ce\u2028f\u200bg \n\n  \nx\u2009y\tz\r\nlast"
    path = tmp_path / "c.txt"
    path.write_bytes(text.encode("utf-8"))
    expected = [s for s in (line.decode("utf-8").split() for line in path.read_bytes().split(b"\n"))
                if s]
    file_words = Corpus(corpus_file=path).word_counts()
    list_words = Corpus(sentences=expected).word_counts()
    assert file_words[0] == list_words[0] and (file_words[1] == list_words[1]).all()
    assert file_words[2:] == list_words[2:] == (sum(map(len, expected)), len(expected))


DETERMINISM = textwrap.dedent(
    """
    import sys
    import numpy as np
    from sparsedense.models import FastText, Word2Vec
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(400)]
    p = 1.0 / np.arange(1, 401)
    corpus = [[words[i] for i in rng.choice(400, size=20, p=p / p.sum())] for _ in range(3000)]
    out = {}
    for name, cls, kw in (("sg", Word2Vec, dict(sg=1)), ("cbow", Word2Vec, dict(sg=0)),
                          ("ft", FastText, dict(sg=1, bucket=3000))):
        m = cls(corpus, vector_size=16, min_count=2, epochs=2, workers=2, compute_loss=True,
                **kw)
        out[name] = m.wv.vectors
        out[name + "_out"] = m.syn1neg
        out[name + "_loss"] = np.array(m.training_loss_)
    np.savez(sys.argv[1], **out)
    """
)


def test_bit_identical_for_any_thread_count(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(DETERMINISM)
    results = []
    for threads in ("1", "2", "2"):
        out = tmp_path / f"out{len(results)}.npz"
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        subprocess.run([sys.executable, str(script), str(out)], check=True, env=env)
        results.append(np.load(out))
    for key in results[0].files:
        for other in results[1:]:
            assert results[0][key].tobytes() == other[key].tobytes(), key


@pytest.mark.parametrize("cls", [Word2Vec, FastText])
def test_save_load_continue_training(cls, tmp_path):
    corpus = planted_corpus(200)
    extra = {"bucket": 2000} if cls is FastText else {}
    a = cls(corpus, compute_loss=True, **SMALL, **extra)
    path = tmp_path / "model.npz"
    a.save(path)
    b = cls.load(path)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    assert b.training_loss_ == a.training_loss_ and b.epochs_trained_ == a.epochs_trained_
    assert b.wv.index_to_key == a.wv.index_to_key
    a.train(corpus, epochs=2, progress=False)
    b.train(corpus, epochs=2, progress=False)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    assert len(b.training_loss_) == SMALL["epochs"] + 2


def test_load_refuses_other_files(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, meta=np.array('{"format": "other"}'))
    with pytest.raises(ValueError, match="not a saved Word2Vec model"):
        Word2Vec.load(path)
    (tmp_path / "y.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a saved Word2Vec model"):
        Word2Vec.load(tmp_path / "y.npz")
    with pytest.raises(FileNotFoundError):
        Word2Vec.load(tmp_path / "missing.npz")


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    a = Word2Vec(planted_corpus(50), **SMALL)
    path = tmp_path / "m.npz"
    a.save(path)
    before = path.read_bytes()

    def half_write(fh, **arrays):
        fh.write(b"PK half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", half_write)
    with pytest.raises(OSError, match="disk full"):
        a.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_loss_and_callbacks():
    class Recorder:
        def __init__(self):
            self.events = []

        def on_epoch_begin(self, model):
            self.events.append("begin")

        def on_epoch_end(self, model):
            self.events.append(("end", model.epochs_trained_))

    rec = Recorder()
    model = Word2Vec(planted_corpus(300), compute_loss=True, callbacks=[rec],
                     **dict(SMALL, epochs=6))
    assert len(model.training_loss_) == 6
    assert all(isinstance(x, float) and x > 0 for x in model.training_loss_)
    assert model.training_loss_[-1] < model.training_loss_[0]
    assert rec.events == [e for k in range(1, 7) for e in ("begin", ("end", k))]
    no_loss = Word2Vec(planted_corpus(50), **SMALL)
    assert no_loss.training_loss_ == []


def test_learning_rate_end_alpha_zero_freezes_nothing_when_start_is_tiny():
    model = Word2Vec(planted_corpus(50), **SMALL)
    before = model.wv.vectors.copy()
    model.train(planted_corpus(50), epochs=1, start_alpha=1e-30, end_alpha=0.0, progress=False)
    np.testing.assert_allclose(model.wv.vectors, before, atol=1e-20)


# -- bad input --------------------------------------------------------------------------------

def _gen():
    yield ["a", "b"]


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(vector_size=0), ValueError, "vector_size must be an int >= 1; got 0"),
    (dict(vector_size=2.5), TypeError, "vector_size must be an int"),
    (dict(window=0), ValueError, "window must be an int >= 1; got 0"),
    (dict(negative=0), ValueError, "negative must be an int >= 1; got 0"),
    (dict(hs=1), ValueError, "hs=1 .*not implemented"),
    (dict(sg=2), ValueError, "sg must be 0 or 1; got 2"),
    (dict(alpha=-0.1), ValueError, "alpha must be a finite number > 0"),
    (dict(sample=-1), ValueError, "sample must be a finite number >= 0"),
    (dict(epochs=0), ValueError, "epochs must be an int >= 1"),
    (dict(workers=0), ValueError, "workers must be an int >= 1"),
    (dict(shrink_windows="yes"), TypeError, "shrink_windows must be a bool"),
    (dict(min_count=-1), ValueError, "min_count must be an int >= 0; got -1"),
])
def test_bad_parameters(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Word2Vec(**kwargs)


def test_bad_corpora(tmp_path):
    with pytest.raises(ValueError, match="corpus is empty"):
        Word2Vec([[]], min_count=1)
    with pytest.raises(ValueError, match="no word reaches min_count=5.*occurs 2 times"):
        Word2Vec([["a", "b"], ["a"]])
    with pytest.raises(TypeError, match=r"sentences\[1\]\[2\] is int 7; expected str"):
        Word2Vec([["a"], ["b", "c", 7]], min_count=1)
    with pytest.raises(TypeError, match=r"sentences\[0\] is str 'a b c'"):
        Word2Vec(["a b c"], min_count=1)
    with pytest.raises(TypeError, match="one-shot iterator .*generator"):
        Word2Vec(_gen(), min_count=1)
    with pytest.raises(TypeError, match="exactly one of sentences or corpus_file; got both"):
        Word2Vec([["a"]], corpus_file=tmp_path / "x", min_count=1)
    with pytest.raises(FileNotFoundError, match="no such file"):
        Word2Vec(corpus_file=tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok words\nbad \xff\xfe word\n")
    with pytest.raises(ValueError, match="not UTF-8"):
        Word2Vec(corpus_file=bad, min_count=1)


def test_failed_train_changes_nothing():
    model = Word2Vec(planted_corpus(50), **SMALL)
    before = model.wv.vectors.copy(), model.syn1neg.copy(), model.epochs_trained_
    with pytest.raises(TypeError, match="one-shot"):
        model.train(_gen())
    with pytest.raises(TypeError, match=r"sentences\[0\]\[0\] is bytes"):
        model.train([[b"deposit"]])
    with pytest.raises(ValueError, match="epochs must be an int >= 1; got 0"):
        model.train(epochs=0)
    np.testing.assert_array_equal(model.wv.vectors, before[0])
    np.testing.assert_array_equal(model.syn1neg, before[1])
    assert model.epochs_trained_ == before[2]


def test_train_before_build_vocab():
    with pytest.raises(RuntimeError, match="build_vocab"):
        Word2Vec().train([["a"]])


@pytest.mark.parametrize("kwargs, match", [
    (dict(min_n=0), "min_n must be an int >= 1"), (dict(bucket=-1), "bucket must be an int >= 0"),
])
def test_fasttext_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FastText(**kwargs)


def test_fasttext_similarity_and_queries_take_unseen_words():
    model = FastText(planted_corpus(300), bucket=3000, **SMALL)
    wv = model.wv
    unseen = "depositing"
    expected = float(np.dot(wv.get_vector(unseen, norm=True), wv.get_vector("deposit", norm=True)))
    assert wv.similarity(unseen, "deposit") == pytest.approx(expected)
    by_word = wv.most_similar(unseen, topn=3)
    by_vector = wv.most_similar(positive=[wv.get_vector(unseen, norm=True)], topn=3)
    assert [w for w, _ in by_word] == [w for w, _ in by_vector]
    with pytest.raises(KeyError):
        Word2Vec(planted_corpus(50), **SMALL).wv.similarity(unseen, "deposit")


def test_corpus_file_passes_after_the_first_give_the_same_chunks(tmp_path, monkeypatch):
    import sparsedense.models._corpus as corpus_mod

    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(s) for s in planted_corpus(200)) + "\n", encoding="utf-8")
    monkeypatch.setattr(corpus_mod, "BLOCK_BYTES", 500)  # many blocks
    corpus = Corpus(corpus_file=path)
    words, counts, _, _ = corpus.word_counts()
    k2i = {w: i for i, w in enumerate(words[::2])}
    other = {w: i for i, w in enumerate(words[1::3])}
    fresh = [list(Corpus(corpus_file=path).iter_chunks(k, 300)) for k in (k2i, other)]
    for key, expected in ((k2i, fresh[0]), (k2i, fresh[0]), (other, fresh[1]), (k2i, fresh[0])):
        got = list(corpus.iter_chunks(key, 300))  # from the kept ids, the kept chunks, or the file
        assert len(got) == len(expected)
        for (a, b), (c, d) in zip(got, expected):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
    monkeypatch.setattr(corpus_mod, "CACHE_WORDS", 10)  # too large to keep: read every time
    small = Corpus(corpus_file=path)
    small.word_counts()
    for _ in range(2):
        got = list(small.iter_chunks(k2i, 300))
        assert all((a == c).all() and (b == d).all() for (a, b), (c, d) in zip(got, fresh[0]))
