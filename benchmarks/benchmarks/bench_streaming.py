"""Streaming TF-IDF (issue 28): peak memory of a chunked fit, and partial_fit against fit.

``StreamingMemory`` -- peak RSS of fitting TF-IDF over a generated corpus
file (one document a line, the Zipf words of ``_corpus.py``), read in
chunks of 2,000 lines so that the corpus is never in memory:

* ``hashing``: ``HashingVectorizer(alternate_sign=False, norm=None)`` chunks
  into ``TfidfTransformer.partial_fit`` (2**20 columns);
* ``vocabulary``: the first pass of ``sparsedense vectorize --partial``
  (document frequencies of every word, summed chunk by chunk, then the
  vocabulary and idf of one ``fit``);
* ``cli``: the whole ``sparsedense vectorize --partial`` (both passes and the
  ``.npz`` written in parts), in this process.

The file's size comes from ``SPARSEDENSE_BENCH_SIZE``: ``small`` (20 MB, the
CI smoke run), a size such as ``2GB`` or ``500MB`` (the issue's goal is
2 GB under 300 MB of peak RSS), or by default 200 MB. It is written once per
run (``setup_cache``) into the benchmark's temporary directory.

``PartialFitThroughput`` -- ``TfidfVectorizer(vocabulary=...)``:
``partial_fit`` over chunks of the in-memory benchmark corpus against one
``fit`` of all of it (the issue's goal: the chunked fit at least 0.9x the
throughput of the one-shot fit), and ``TfidfTransformer.partial_fit`` over
row chunks of the count matrix against ``fit``.

Standalone (the 2 GB measurement, peak RSS from ``/usr/bin/time -v``)::

    python benchmarks/benchmarks/bench_streaming.py write /tmp/corpus.txt 2GB
    /usr/bin/time -v python benchmarks/benchmarks/bench_streaming.py fit /tmp/corpus.txt hashing
"""

from __future__ import annotations

import os
import sys

import numpy as np

if __package__:
    from ._corpus import SMALL, make_corpus
else:  # run as a script
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _corpus import SMALL, make_corpus  # type: ignore[no-redef]

CHUNK_LINES = 2_000
N_FEATURES = 2**20


def corpus_bytes() -> int:
    """The size of the generated corpus file, from ``SPARSEDENSE_BENCH_SIZE``."""
    from sparsedense._token_counter import parse_memory

    value = os.environ.get("SPARSEDENSE_BENCH_SIZE", "")
    if value == "small" or SMALL:
        return 20 * 10**6
    return parse_memory(value or "200MB", "SPARSEDENSE_BENCH_SIZE")


def write_corpus_file(path: str, size: int, seed: int = 0) -> int:
    """Write at least ``size`` bytes of Zipf documents (100-300 words a line); the lines.

    Built from the benchmark's 20,000 generated documents, their words
    shuffled anew for each block, so the file is as long as asked without
    holding more than a block.
    """
    rng = np.random.default_rng(seed)
    words = np.array(" ".join(make_corpus()).split(), dtype=object)
    written = lines = 0
    with open(path, "w", encoding="ascii") as fh:
        while written < size:
            ids = rng.integers(0, words.shape[0], size=200 * 2000)
            lengths = rng.integers(100, 301, size=2000)
            ends = np.cumsum(lengths)
            ends = ends[ends <= ids.shape[0]]
            block = words[ids]
            text = "\n".join(" ".join(block[a:b]) for a, b in
                             zip(np.concatenate(([0], ends[:-1])), ends)) + "\n"
            fh.write(text)
            written += len(text)
            lines += ends.shape[0]
    return lines


def _chunks(path: str):
    from sparsedense._base.chunks import iter_chunks

    with open(path, encoding="ascii") as fh:
        yield from iter_chunks((line.rstrip("\n") for line in fh), CHUNK_LINES)


def fit_in_chunks(path: str, mode: str):
    """Fit TF-IDF over the corpus file in chunks (see the module's docstring); the idf."""
    import sparsedense as sd

    if mode == "hashing":
        hv = sd.HashingVectorizer(n_features=N_FEATURES, alternate_sign=False, norm=None)
        tfidf = sd.TfidfTransformer()
        for chunk in _chunks(path):
            tfidf.partial_fit(hv.transform(chunk))
        return tfidf.idf_
    if mode == "vocabulary":
        vec = sd.TfidfVectorizer()
        vec._validate_vocabulary()
        stats = None
        for chunk in _chunks(path):
            part = vec._chunk_frequencies(chunk)
            stats = part if stats is None else stats.merge(part)
        vec._fit_from_frequencies(stats)
        return vec.idf_
    if mode == "cli":
        from sparsedense.cli import main

        out = os.path.join(os.path.dirname(path), "streamed.npz")
        try:
            main(["-q", "vectorize", path, "--partial", "-o", out])
        finally:
            for name in (out, out[:-4] + ".vocab.json"):
                if os.path.exists(name):
                    os.unlink(name)
        return None
    raise ValueError(f"mode must be 'hashing', 'vocabulary' or 'cli'; got {mode!r}")


class StreamingMemory:
    params = ["hashing", "vocabulary", "cli"]
    param_names = ["mode"]
    timeout = 3600
    number = 1
    repeat = 1

    def setup_cache(self):
        path = os.path.abspath("streaming_corpus.txt")
        write_corpus_file(path, corpus_bytes())
        return path

    def peakmem_fit_in_chunks(self, path, mode):
        fit_in_chunks(path, mode)


class PartialFitThroughput:
    params = [1_000, 10_000]
    param_names = ["chunk"]
    timeout = 600
    number = 1
    repeat = 5

    def setup(self, chunk):
        import sparsedense as sd

        self.docs = make_corpus()
        self.vocabulary = sd.CountVectorizer().fit(self.docs).get_feature_names_out()
        self.counts = sd.CountVectorizer(vocabulary=self.vocabulary).transform(self.docs)
        # the chunks a stream hands over (slicing them is not partial_fit's work)
        self.count_chunks = [self.counts[start:start + chunk]
                             for start in range(0, self.counts.shape[0], chunk)]
        sd.TfidfVectorizer(vocabulary=self.vocabulary).fit(self.docs[:100])  # compiles

    def time_vectorizer_fit(self, chunk):
        import sparsedense as sd

        sd.TfidfVectorizer(vocabulary=self.vocabulary).fit(self.docs)

    def time_vectorizer_partial_fit(self, chunk):
        import sparsedense as sd

        tv = sd.TfidfVectorizer(vocabulary=self.vocabulary)
        for start in range(0, len(self.docs), chunk):
            tv.partial_fit(self.docs[start:start + chunk])

    def time_transformer_fit(self, chunk):
        import sparsedense as sd

        sd.TfidfTransformer().fit(self.counts)

    def time_transformer_partial_fit(self, chunk):
        import sparsedense as sd

        t = sd.TfidfTransformer()
        for counts in self.count_chunks:
            t.partial_fit(counts)
        t.idf_  # computed once, after the last chunk


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "write":
        from sparsedense._token_counter import parse_memory

        n = write_corpus_file(sys.argv[2], parse_memory(sys.argv[3]))
        print(f"{sys.argv[2]}: {os.path.getsize(sys.argv[2])} bytes, {n} documents")
    elif len(sys.argv) == 4 and sys.argv[1] == "fit":
        fit_in_chunks(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
