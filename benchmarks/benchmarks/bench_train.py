"""Training word vectors: sparsedense Word2Vec / FastText against gensim, words per second.

Parameterised over ``impl`` so one ``asv run`` records every contender on the
same machine; the figure is the *ratio* of each row to the ``sparsedense``
row. The workload is the issue's: gensim's ``head500.noblanks.cor`` (331,339
words of Wikipedia text, shipped with gensim's tests) -- its first 50 lines in
a small run -- trained for one epoch with vector_size 100, window 5,
min_count 5, negative 5:

* ``sparsedense``: ``Word2Vec`` / ``FastText`` with ``workers=2`` (shards,
  deterministic) on the default number of threads, from the corpus file;
* ``gensim-2`` / ``gensim-1``: gensim's classes with ``workers=2`` / ``1``
  over ``LineSentence`` of the same file.

The vocabulary is built in ``setup`` (not timed) and one warm-up epoch runs
(Numba compilation or cache loading). Each timed call trains one more epoch
of the same model. ``benchmarks/compare_train.py`` runs the full comparison
(5 epochs, both architectures, quality on wordsim353/simlex999 over 3 seeds).
n/a rows say why (``setup`` raises NotImplementedError with the reason, which
``asv run --show-stderr`` prints): every row when gensim is not installed (the
corpus is gensim's), and FastText with ``sg=0`` (FastText is compared with
skip-gram only).
"""

from __future__ import annotations

import os
import tempfile

from ._corpus import SMALL

PARAMS = dict(vector_size=100, window=5, min_count=5, negative=5, seed=1)


def _corpus_path() -> str:
    import gensim

    src = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data",
                       "head500.noblanks.cor")
    if not SMALL:
        return src
    out = os.path.join(tempfile.gettempdir(), "sparsedense_bench_train_small.cor")
    if not os.path.exists(out):
        with open(src, "rb") as fh:
            lines = fh.read().split(b"\n")[:50]
        with open(out, "wb") as fh:
            fh.write(b"\n".join(lines) + b"\n")
    return out


class Train:
    """One more training epoch of the same model; n/a: FastText with sg=0, or no gensim."""

    params = (["word2vec", "fasttext"], [1, 0], ["sparsedense", "gensim-2", "gensim-1"])
    param_names = ["model", "sg", "impl"]
    timeout = 600
    number = 1
    repeat = (1, 3, 60.0)

    def setup(self, model, sg, impl):
        import importlib.util

        if importlib.util.find_spec("gensim") is None:
            raise NotImplementedError("n/a: gensim is not installed (its corpus and its rows)")
        if model == "fasttext" and sg == 0:
            raise NotImplementedError("n/a: FastText is compared with skip-gram only (sg=1)")
        path = _corpus_path()
        extra = {"bucket": 200_000} if model == "fasttext" else {}
        if impl == "sparsedense":
            from sparsedense.models import FastText, Word2Vec

            cls = FastText if model == "fasttext" else Word2Vec
            self.model = cls(sg=sg, workers=2, epochs=1, **PARAMS, **extra)
            self.model.build_vocab(corpus_file=path)
            self.run = lambda: self.model.train(progress=False)
        else:
            from gensim.models import FastText, Word2Vec
            from gensim.models.word2vec import LineSentence

            cls = FastText if model == "fasttext" else Word2Vec
            workers = int(impl.split("-")[1])
            self.model = cls(sg=sg, workers=workers, epochs=1, **PARAMS, **extra)
            sentences = LineSentence(path)
            self.model.build_vocab(sentences)
            self.run = lambda: self.model.train(sentences, total_examples=self.model.corpus_count,
                                                epochs=1)
        self.run()  # warm-up: compilation / cache loading, first touch of the tables

    def time_train_one_epoch(self, model, sg, impl):
        self.run()
