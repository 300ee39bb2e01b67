"""The trainers' sentence source (models/_corpus.py): splitting and chunking corpus files."""

from __future__ import annotations

import numpy as np

from sparsedense.models._corpus import Corpus

from test_models_word2vec import planted_corpus


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
