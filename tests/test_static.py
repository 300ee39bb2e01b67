"""StaticModel: model2vec folders read, encoded and written; parity with model2vec itself."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import sparsedense as sd
from sparsedense import StaticModel

tokenizers = pytest.importorskip("tokenizers")
pytest.importorskip("safetensors")

TEXTS = sd.load_sample_corpus().texts
SENTENCES = TEXTS[:40] + [
    "",  # no token: zeros
    "☃☃ €€",  # unknown characters only: [UNK] tokens, dropped
    "deposit ☃ savings ☃",  # unknown tokens among known ones
    "rain " * 700,  # longer than max_length tokens and than its character cut
    "x" * 5000,  # one long word: cut by characters first
]


def wordpiece(vocab_size: int = 300):
    """A WordPiece tokenizer trained on the sample corpus (BERT's normalizer and splitting)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size,
                                        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"])
    tok.train_from_iterator(TEXTS, trainer)
    return tok


@pytest.fixture(scope="module")
def tokenizer():
    return wordpiece()


@pytest.fixture(scope="module")
def table(tokenizer):
    rng = np.random.default_rng(7)
    return rng.standard_normal((tokenizer.get_vocab_size(), 12)).astype(np.float32)


@pytest.fixture(scope="module")
def plain_folder(tmp_path_factory, tokenizer, table):
    """A model2vec folder written by model2vec (or by us, without model2vec)."""
    path = tmp_path_factory.mktemp("plain")
    try:
        import model2vec
    except ImportError:
        StaticModel(table, tokenizer, max_length=16).save_pretrained(path)
    else:
        model2vec.StaticModel(table, tokenizer, max_length=16).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def quantized_folder(tmp_path_factory, tokenizer, table):
    """A vocabulary-quantised folder: 10 rows, a token -> row ``mapping`` and token ``weights``."""
    model2vec = pytest.importorskip("model2vec")
    rng = np.random.default_rng(8)
    n = tokenizer.get_vocab_size()
    weights = rng.uniform(0.1, 2.0, n).astype(np.float32)
    mapping = rng.integers(0, 10, n)
    path = tmp_path_factory.mktemp("quantized")
    model2vec.StaticModel(table[:10], tokenizer, weights=weights, token_mapping=mapping,
                          normalize=True).save_pretrained(path)
    return path


def naive_terms(model: StaticModel, sentence: str, max_length: int | None) -> np.ndarray:
    """The float64 terms ``weight * vector`` of one sentence's tokens, model2vec's definition."""
    if max_length is not None:
        sentence = sentence[:max_length * model.median_token_length]
    tok = copy.deepcopy(model.tokenizer)
    tok.no_truncation()  # model2vec saves its tokenizer.json with its truncation on
    ids = tok.encode(sentence, add_special_tokens=False).ids
    if max_length is not None:
        ids = ids[:max_length]
    unk = model.tokenizer.token_to_id("[UNK]")
    ids = np.array([i for i in ids if i != unk], dtype=np.int64)
    rows = ids if model.token_mapping is None else model.token_mapping[ids]
    vecs = model.embedding[rows].astype(np.float64).reshape(ids.size, model.dim)
    if model.weights is not None:
        vecs = vecs * model.weights[ids, None]
    return vecs


def naive_encode(model: StaticModel, sentence: str, max_length: int | None) -> np.ndarray:
    """The model2vec definition for one sentence, written out."""
    vecs = naive_terms(model, sentence, max_length)
    if vecs.shape[0] == 0:
        return np.zeros(model.dim, dtype=model.embedding.dtype)
    v = vecs.mean(axis=0)
    if model.normalize:
        v = v / np.linalg.norm(v)
    return v

def assert_close_to_peer(model: StaticModel, got: np.ndarray, want: np.ndarray,
                         max_length: int | None, normalize: bool = True) -> None:
    """Two float32 encodes agree within 1e-6, plus what their ways of summing may differ.

    Both sum a sentence's terms ``weight * vector`` in order, in float32, but
    model2vec (numpy) rounds each product before adding it and the bag kernel
    fuses the two (one FMA, one rounding). To first order numpy's sum is within
    ``2**-24 * (sum_k |S_k| + sum_k |t_k|)`` of the exact one and ours within
    ``2**-24 * sum_k |S_k|`` (``S_k`` the partial sums), so they differ by at most
    the sum of the two (scaled as the mean or the normalisation scales the sum).
    Short sentences stay within about 1e-6; the 512-token one may differ by
    tens of ulps, as the tokenizer trained for the test (its ties differ from
    run to run) sends it to rows with more or less cancellation.
    """
    tol = np.zeros(got.shape)
    for i, sentence in enumerate(SENTENCES):
        terms = naive_terms(model, sentence, max_length)
        if terms.shape[0] == 0:
            continue
        partial = np.abs(np.cumsum(terms, axis=0)).sum(axis=0)
        err = 1.01 * 2.0**-24 * (2 * partial + np.abs(terms).sum(axis=0))
        total = terms.sum(axis=0)
        if normalize:
            norm = np.linalg.norm(total)
            tol[i] = (err + np.abs(total) / norm * np.linalg.norm(err)) / norm
        else:
            tol[i] = err / terms.shape[0]
    excess = np.abs(got.astype(np.float64) - want) - (1e-6 + 1e-6 * np.abs(want) + tol)
    assert excess.max() <= 0, (np.unravel_index(excess.argmax(), excess.shape), excess.max())


@pytest.mark.parametrize("max_length", [None, 4, 16, 512])
def test_encode_is_the_naive_mean(plain_folder, max_length):
    model = StaticModel.from_pretrained(plain_folder)
    got = model.encode(SENTENCES, max_length=max_length)
    want = np.stack([naive_encode(model, s, max_length) for s in SENTENCES])
    # the naive mean is exact (float64); a float32 sum of 700 equal tokens drifts by up to
    # ~700 * 2**-24 relative, more than 1e-5 (the peer test, same order of sums, is 1e-6)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert got.dtype == np.float32 and not got[SENTENCES.index("")].any()
    assert not got[SENTENCES.index("☃☃ €€")].any()


@pytest.mark.parametrize("max_length", ["default", None, 3, 16])
@pytest.mark.parametrize("normalize", [None, True, False])
def test_parity_with_model2vec(plain_folder, max_length, normalize):
    model2vec = pytest.importorskip("model2vec")
    theirs = model2vec.StaticModel.from_pretrained(plain_folder)
    ours = StaticModel.from_pretrained(plain_folder)
    kw = {} if max_length == "default" else {"max_length": max_length}
    want = theirs.encode(SENTENCES, normalize=normalize, use_multiprocessing=False, **kw)
    got = ours.encode(SENTENCES, normalize=normalize, batch_size=7, **kw)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert got.dtype == want.dtype
    single = ours.encode("deposit and savings", normalize=normalize, **kw)
    assert single.shape == (ours.dim,)
    np.testing.assert_allclose(single, theirs.encode("deposit and savings",
                                                     normalize=normalize, **kw), atol=1e-6)


def test_parity_with_model2vec_quantized(quantized_folder):
    model2vec = pytest.importorskip("model2vec")
    theirs = model2vec.StaticModel.from_pretrained(quantized_folder)
    ours = StaticModel.from_pretrained(quantized_folder)
    assert ours.token_mapping is not None and ours.weights is not None and ours.normalize
    for kw in ({}, {"max_length": 5}, {"normalize": False}):
        assert_close_to_peer(ours, ours.encode(SENTENCES, **kw),
                             theirs.encode(SENTENCES, use_multiprocessing=False, **kw),
                             kw.get("max_length", ours.max_length), kw.get("normalize", True))
    want = np.stack([naive_encode(ours, s, 512) for s in SENTENCES])  # float64: see above
    np.testing.assert_allclose(ours.encode(SENTENCES), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("max_length", [None, 6])
def test_encode_as_sequence_parity(quantized_folder, max_length):
    model2vec = pytest.importorskip("model2vec")
    theirs = model2vec.StaticModel.from_pretrained(quantized_folder)
    ours = StaticModel.from_pretrained(quantized_folder)
    want = theirs.encode_as_sequence(SENTENCES, max_length=max_length,
                                     use_multiprocessing=False)
    got = ours.encode_as_sequence(SENTENCES, max_length=max_length, batch_size=5)
    assert [g.shape for g in got] == [w.shape for w in want]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
    assert ours.encode_as_sequence("deposit").shape[1] == ours.dim


def test_batches_do_not_change_a_sentence(plain_folder):
    model = StaticModel.from_pretrained(plain_folder)
    whole = model.encode(SENTENCES)
    for size in (1, 2, 1000):
        assert np.array_equal(model.encode(SENTENCES, batch_size=size), whole)
    assert model.encode([]).shape == (0, model.dim)


def test_save_pretrained_round_trip(tmp_path, quantized_folder):
    ours = StaticModel.from_pretrained(quantized_folder)
    ours.save_pretrained(tmp_path / "copy")
    again = StaticModel.from_pretrained(tmp_path / "copy")
    assert np.array_equal(again.encode(SENTENCES), ours.encode(SENTENCES))
    config = json.loads((tmp_path / "copy" / "config.json").read_text())
    assert config["vocabulary_quantization"] == 10 and config["normalize"] is True
    model2vec = pytest.importorskip("model2vec")
    theirs = model2vec.StaticModel.from_pretrained(tmp_path / "copy")
    assert_close_to_peer(ours, ours.encode(SENTENCES),
                         theirs.encode(SENTENCES, use_multiprocessing=False), ours.max_length)


def test_config_and_overrides(plain_folder):
    model = StaticModel.from_pretrained(plain_folder)
    assert model.max_length == 16 and model.normalize is False
    model = StaticModel.from_pretrained(plain_folder, normalize=True, max_length=None)
    assert model.max_length is None and model.normalize is True
    norms = np.linalg.norm(model.encode(SENTENCES[:5]), axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-6)


def test_from_vectors_words():
    W = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    model = StaticModel.from_vectors(W, ["deposit", "savings", "rain"])
    got = model.encode(["Deposit savings!", "rain rain deposit", "", "snow"])
    np.testing.assert_allclose(got, [[0.5, 0.5], [1.0, 2 / 3], [0, 0], [0, 0]], rtol=1e-6)
    vectors = sd.Vectors(["deposit", "savings", "rain"], W)
    same = StaticModel.from_vectors(vectors).encode(["Deposit savings!"])
    assert np.array_equal(same, got[:1])


def test_from_vectors_with_a_tokenizer(tmp_path, tokenizer):
    vocab = tokenizer.get_vocab()
    words = ["deposit", "rain", "not-a-token"]
    W = np.arange(6, dtype=np.float32).reshape(3, 2) + 1
    model = StaticModel.from_vectors(W, words, tokenizer)
    assert model.embedding.shape == (len(vocab), 2)
    if "deposit" in vocab:
        assert np.array_equal(model.embedding[vocab["deposit"]], W[0])
    model.save_pretrained(tmp_path)
    assert np.array_equal(StaticModel.from_pretrained(tmp_path).embedding, model.embedding)


def test_errors(tmp_path, tokenizer, table):
    with pytest.raises(FileNotFoundError, match="hub id.*download it first"):
        StaticModel.from_pretrained("minishlab/potion-base-8M")
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        StaticModel.from_pretrained(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="model.safetensors, tokenizer.json"):
        StaticModel.from_pretrained(tmp_path)
    with pytest.raises(TypeError, match="path must be a folder path"):
        StaticModel.from_pretrained(3)
    with pytest.raises(TypeError, match="tokenizers.Tokenizer; got dict"):
        StaticModel(table, {})
    with pytest.raises(ValueError, match=r"vectors has 5 rows but the tokenizer has \d+"):
        StaticModel(table[:5], tokenizer)
    with pytest.raises(IndexError, match="token_mapping"):
        StaticModel(table[:5], tokenizer, token_mapping=np.full(len(table), 5))
    with pytest.raises(ValueError, match="weights has shape"):
        StaticModel(table, tokenizer, weights=np.ones(3))
    model = StaticModel(table, tokenizer)
    with pytest.raises(TypeError, match=r"sentences\[1\] is a int"):
        model.encode(["a", 1])
    with pytest.raises(ValueError, match="batch_size"):
        model.encode(["a"], batch_size=0)
    with pytest.raises(ValueError, match="3 words but vectors has 2 rows"):
        StaticModel.from_vectors(np.eye(2, dtype=np.float32), ["a", "b", "c"])
