"""Word2Vec (and FastText, which shares its trainer): what they learn, gensim's rules, sources,
determinism, persistence, bad input.

The update kernels against numpy: test_kernels_word2vec.py and test_kernels_fasttext.py;
what only FastText has: test_models_fasttext.py.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sparsedense.models import FastText, Word2Vec
from sparsedense.models._vocab import ALWAYS_KEEP, sample_ints

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


# -- shards (models/_shards.py) ---------------------------------------------------------------


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
        out[name] = m.wv.vectors.copy()
        out[name + "_out"] = m.syn1neg.copy()
        out[name + "_loss"] = np.array(m.training_loss_)
        more = [s[:10] + [f"new{(k + j) % 7}" for j in range(3)] for k, s in enumerate(corpus[:300])]
        m.build_vocab(more, update=True)  # online vocabulary growth, then training on
        m.train(more, total_examples=m.corpus_count, epochs=1)
        out[name + "_online"] = m.wv.vectors
        out[name + "_predict"] = np.array([q for _, q in m.predict_output_word(words[:3], topn=5)])
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
    (dict(negative=0), ValueError, "negative must be an int >= 1 and <= 65536; got 0"),
    # a model file fuzzed to negative=8,768,573,629 loaded, then failed an allocation
    # inside the training kernel (SystemError)
    (dict(negative=8_768_573_629), ValueError, "negative must be an int >= 1 and <= 65536"),
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


@pytest.mark.parametrize("cls", [Word2Vec, FastText])
def test_get_latest_training_loss_is_the_last_train_calls(cls):
    extra = {"bucket": 2000} if cls is FastText else {}
    params = dict(SMALL, sg=1, epochs=3)
    model = cls(planted_corpus(200), compute_loss=True, **params, **extra)
    assert model.get_latest_training_loss() == pytest.approx(sum(model.training_loss_), rel=1e-12)
    assert model.get_latest_training_loss() > 0
    model.train(planted_corpus(50, seed=5), epochs=2)
    assert len(model.training_loss_) == 5
    assert model.get_latest_training_loss() == pytest.approx(sum(model.training_loss_[3:]),
                                                             rel=1e-12)
    model.train(planted_corpus(50, seed=5), epochs=1, compute_loss=False)
    assert model.get_latest_training_loss() == 0.0  # gensim's value without compute_loss
    quiet = cls(planted_corpus(200), **params, **extra)
    assert quiet.get_latest_training_loss() == 0.0 and cls().get_latest_training_loss() == 0.0
    # asking for the loss changes no vector
    with_loss = cls(planted_corpus(200), compute_loss=True, **params, **extra)
    np.testing.assert_array_equal(with_loss.wv.vectors, quiet.wv.vectors)


@pytest.mark.parametrize("sg", [0, 1])
def test_latest_training_loss_is_near_gensims(sg):
    """Same loss definition (-log sigmoid of the true and noise scores); the draws differ."""
    gm = pytest.importorskip("gensim.models")
    corpus = planted_corpus(800)
    params = dict(SMALL, epochs=5, sg=sg, compute_loss=True, workers=1)
    ours = Word2Vec(corpus, **params).get_latest_training_loss()
    theirs = gm.Word2Vec(corpus, **params).get_latest_training_loss()
    assert ours == pytest.approx(theirs, rel=0.1)
