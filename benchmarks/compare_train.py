"""Side by side: training word vectors with sparsedense and gensim (speed and quality).

Same corpus, same parameters (vector_size 100, window 5, min_count 5,
negative 5, epochs 5), both libraries in ONE process, contenders interleaved
run by run. Speed is words per second of ``train()`` (raw corpus words x
epochs / seconds; the vocabulary is built before the clock starts, for
both). Quality is the Spearman correlation on wordsim353 and simlex999
(``evaluate_word_pairs``), mean over 3 seeds, with the OOV ratio.

    python benchmarks/compare_train.py                 # the issue's comparison (minutes)
    python benchmarks/compare_train.py --quick         # small, for CI: runs and checks
    python benchmarks/compare_train.py --only speed --runs 5 --json out.json

The corpus is gensim's ``head500.noblanks.cor`` (331,339 words of Wikipedia
text) plus ``lee_background.cor`` when ``--corpus`` is not given; gensim
must be installed for its side and for the data files.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np

PARAMS = dict(vector_size=100, window=5, min_count=5, negative=5, epochs=5)


def gensim_data() -> str | None:
    try:
        import gensim
    except ImportError:
        return None
    return os.path.join(os.path.dirname(gensim.__file__), "test", "test_data")


def default_corpus(quick: bool) -> str:
    data = gensim_data()
    if data is None:
        raise SystemExit("gensim is not installed: give --corpus and evaluation files")
    out = os.path.join(tempfile.gettempdir(), f"sparsedense_train_corpus{'_quick' if quick else ''}.txt")
    if not os.path.exists(out):
        with open(out, "wb") as fh:
            for name in ("head500.noblanks.cor",) + (() if quick else ("lee_background.cor",)):
                with open(os.path.join(data, name), "rb") as src:
                    lines = src.read().splitlines(keepends=True)
                if quick:
                    lines = lines[:60]
                for line in lines:
                    fh.write(line if line.endswith(b"\n") else line + b"\n")
    return out


def count_words(path: str) -> int:
    with open(path, "rb") as fh:
        return sum(len(line.split()) for line in fh)


def sd_model(kind: str, sg: int, seed: int, workers: int, corpus: str):
    import sparsedense.models as models

    cls = models.FastText if kind == "fasttext" else models.Word2Vec
    model = cls(sg=sg, seed=seed, workers=workers, **PARAMS)
    model.build_vocab(corpus_file=corpus)
    return model


def gensim_model(kind: str, sg: int, seed: int, workers: int, corpus: str):
    from gensim.models import FastText, Word2Vec
    from gensim.models.word2vec import LineSentence

    cls = FastText if kind == "fasttext" else Word2Vec
    model = cls(sg=sg, seed=seed, workers=workers, **PARAMS)
    sentences = LineSentence(corpus)
    model.build_vocab(sentences)
    model._sentences = sentences
    return model


def train_sd(model) -> None:
    model.train(progress=False)


def train_gensim(model) -> None:
    model.train(model._sentences, total_examples=model.corpus_count, epochs=model.epochs)


def speed(args, corpus: str, words: int) -> list[dict]:
    """Words/s of every contender, interleaved run by run."""
    import numba

    rows = []
    warmed: set = set()
    threads = numba.config.NUMBA_NUM_THREADS
    for kind in args.kinds:
        for sg in (1, 0):
            if kind == "fasttext" and sg == 0 and not args.all:
                continue
            contenders = {
                f"sparsedense workers=2 threads={threads}": ("sd", 2, threads),
                "sparsedense workers=2 threads=1": ("sd", 2, 1),
                "gensim workers=2": ("gensim", 2, None),
                "gensim workers=1": ("gensim", 1, None),
            }
            times: dict[str, list[float]] = {k: [] for k in contenders}
            for _ in range(args.runs):
                for name, (lib, workers, nthreads) in contenders.items():
                    if lib == "sd":
                        numba.set_num_threads(nthreads)
                        if (kind, sg, nthreads) not in warmed:  # compile / load the cache
                            train_sd(sd_model(kind, sg, 1, workers, corpus))
                            warmed.add((kind, sg, nthreads))
                        model = sd_model(kind, sg, 1, workers, corpus)
                        t = time.perf_counter()
                        train_sd(model)
                        times[name].append(time.perf_counter() - t)
                        numba.set_num_threads(threads)
                    else:
                        model = gensim_model(kind, sg, 1, workers, corpus)
                        t = time.perf_counter()
                        train_gensim(model)
                        times[name].append(time.perf_counter() - t)
            base = statistics.median(times["gensim workers=2"])
            for name, ts in times.items():
                med = statistics.median(ts)
                rows.append({"kind": kind, "sg": sg, "contender": name,
                             "words_per_s": words * PARAMS["epochs"] / med,
                             "median_s": med, "min_s": min(ts), "max_s": max(ts),
                             "speedup_vs_gensim_workers2": base / med})
                print(f"{kind:8s} sg={sg} {name:34s} {words * PARAMS['epochs'] / med:>10,.0f} words/s"
                      f"  median {med:.2f}s [{min(ts):.2f}-{max(ts):.2f}]"
                      f"  x{base / med:.2f} vs gensim workers=2", flush=True)
    return rows


def read_pairs(path: str) -> list[tuple[str, str, float]]:
    """(word1, word2, score) of a wordsim353 / simlex999 file (``#`` lines skipped)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            a, b, score = line.rstrip("\n").split("\t")[:3]
            out.append((a.lower(), b.lower(), float(score)))
    return out


def oov_pair_spearman(wv, pairs) -> tuple[float, int]:
    """Spearman on the pairs with a word outside the vocabulary (FastText builds both vectors)."""
    from scipy import stats

    gold, model = [], []
    for a, b, score in pairs:
        if a in wv.key_to_index and b in wv.key_to_index:
            continue
        try:
            va, vb = np.asarray(wv[a], np.float64), np.asarray(wv[b], np.float64)
        except KeyError:
            continue
        na, nb = np.linalg.norm(va), np.linalg.norm(vb)
        if na == 0 or nb == 0:
            continue
        gold.append(score)
        model.append(float(va @ vb / (na * nb)))
    if len(gold) < 3:
        return float("nan"), len(gold)
    return float(stats.spearmanr(gold, model)[0]), len(gold)


def quality(args, corpus: str) -> list[dict]:
    """Spearman on wordsim353 / simlex999, mean over seeds, both libraries."""
    data = gensim_data()
    evals = {"wordsim353": os.path.join(data, "wordsim353.tsv"),
             "simlex999": os.path.join(data, "simlex999.txt")}
    rows = []
    for kind in args.kinds:
        for sg in (1, 0):
            for lib in ("sparsedense", "gensim"):
                scores: dict[str, list[float]] = {k: [] for k in evals}
                oov: dict[str, float] = {}
                for seed in args.seeds:
                    if lib == "sparsedense":
                        model = sd_model(kind, sg, seed, 2, corpus)
                        train_sd(model)
                    else:
                        model = gensim_model(kind, sg, seed, 2, corpus)
                        train_gensim(model)
                    for name, path in evals.items():
                        _, spearman, ratio = model.wv.evaluate_word_pairs(path)
                        scores[name].append(float(spearman[0]))
                        oov[name] = float(ratio)
                        if kind == "fasttext":
                            rho, n = oov_pair_spearman(model.wv, read_pairs(path))
                            scores.setdefault(name + "_oovpairs", []).append(rho)
                            oov[name + "_oovpairs"] = n
                row = {"kind": kind, "sg": sg, "library": lib}
                for name in list(scores):
                    row[name] = float(np.mean(scores[name]))
                    row[name + "_seeds"] = scores[name]
                    row[name + "_oov"] = oov[name]
                rows.append(row)
                print(f"{kind:8s} sg={sg} {lib:12s} " + "  ".join(
                    f"{n} {row[n]:.3f} ({', '.join(f'{s:.3f}' for s in row[n + '_seeds'])};"
                    f" {'pairs' if n.endswith('oovpairs') else 'oov'} {row[n + '_oov']:.1f}"
                    f"{'' if n.endswith('oovpairs') else '%'})" for n in scores), flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small corpus, one run (CI)")
    parser.add_argument("--corpus", help="a corpus file (one sentence a line)")
    parser.add_argument("--only", default="speed,quality", help="speed, quality or both")
    parser.add_argument("--kinds", default="word2vec,fasttext",
                        help="word2vec, fasttext or both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--all", action="store_true", help="also FastText CBOW")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    args.kinds = args.kinds.split(",")
    args.seeds = [int(s) for s in args.seeds.split(",")]
    if args.quick:
        args.runs, args.seeds = 1, [1]
    corpus = args.corpus or default_corpus(args.quick)
    words = count_words(corpus)
    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []
    print(f"corpus {corpus}: {words:,} words; cores {os.cpu_count()}; load average {load}",
          flush=True)
    results: dict[str, object] = {"corpus": corpus, "words": words, "load_start": load}
    only = args.only.split(",")
    if "speed" in only:
        results["speed"] = speed(args, corpus, words)
    if "quality" in only:
        results["quality"] = quality(args, corpus)
    results["load_end"] = open("/proc/loadavg").read().split()[:3] \
        if os.path.exists("/proc/loadavg") else []
    print(f"load average at the end {results['load_end']}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
