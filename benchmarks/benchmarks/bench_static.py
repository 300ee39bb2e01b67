"""Static sentence embeddings: ``sparsedense.StaticModel.encode`` against its peers.

The same model2vec folder is encoded by sparsedense, by
``model2vec.StaticModel.encode`` (its defaults: batches of 1,024, a thread
pool above 10,000 sentences) and by sentence-transformers' ``StaticEmbedding``
(n/a when sentence-transformers is not installed: it is not in the bench
extra). The data (fixed seeds, built once per process):

* sentences: ``_corpus.make_corpus`` with 100,000 documents of 20 tokens
  over 50,000 random lowercase words (Zipf);
* the model: a WordPiece tokenizer (30,000 tokens, BERT's normalizer and
  pre-tokenizer) trained on the first 20,000 sentences, and a random
  float32 table of 30,000 x 256 (the shape of model2vec's potion-base-8M).

``track_tokenize_share`` is the share of the encode time spent getting the
token ids: for the peers ``Tokenizer.encode_batch_fast`` over the same
batches (the part no bag kernel can speed up); for sparsedense its own token
ids (the tokenizer, or for this BERT-style tokenizer a memo of each word's
ids, cold). "sparsedense (cold memo)" empties the memo before each call,
as on a model's first call; "sparsedense" keeps it between calls. ``setup`` checks once per process that each contender
agrees with sparsedense on the first 1,000 sentences (1e-6).

Run as a script for a side-by-side table (interleaved runs, medians)::

    python benchmarks/benchmarks/bench_static.py                    # 100,000 sentences
    python benchmarks/benchmarks/bench_static.py --sentences 5000 --runs 2
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np

if __package__:
    from ._corpus import make_corpus, scaled
    from ._peers import require
else:  # run as a script
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks._corpus import make_corpus, scaled
    from benchmarks._peers import require

N_SENTENCES = scaled(100_000)
SENTENCE_LEN = 20
VOCAB_SIZE = 30_000
DIM = 256
SEED = 0
BATCH_SIZE = 1024
N_CHECK = 1_000
IMPLS = ["sparsedense", "sparsedense (cold memo)", "model2vec", "sentence-transformers"]

_CACHE: dict = {}


def make_sentences(n: int = N_SENTENCES) -> list[str]:
    return make_corpus(n_docs=n, doc_len=SENTENCE_LEN, n_words=50_000, seed=SEED)


def make_folder(n: int = N_SENTENCES) -> str:
    """The model2vec folder of the benchmark (written once per process)."""
    if "folder" not in _CACHE:
        from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

        sentences = make_sentences(n)
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=True)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        trainer = trainers.WordPieceTrainer(vocab_size=VOCAB_SIZE, show_progress=False,
                                            special_tokens=["[PAD]", "[UNK]"])
        tok.train_from_iterator(sentences[:20_000], trainer)
        rng = np.random.default_rng(SEED)
        table = rng.standard_normal((tok.get_vocab_size(), DIM)).astype(np.float32)
        import sparsedense as sd

        folder = tempfile.mkdtemp(prefix="sparsedense-bench-static-")
        sd.StaticModel(table, tok).save_pretrained(folder)
        _CACHE["folder"] = folder
    return _CACHE["folder"]


def load(impl: str, folder: str):
    """The contender's encode function (sentences -> array) on ``folder``."""
    if impl in ("sparsedense", "sparsedense (cold memo)"):
        require("tokenizers")
        import sparsedense as sd

        model = sd.StaticModel.from_pretrained(folder)
        if impl == "sparsedense":
            return lambda s: model.encode(s, batch_size=BATCH_SIZE)

        def cold(sentences):  # every word tokenized again, as on a model's first call
            model._ids._reset()
            return model.encode(sentences, batch_size=BATCH_SIZE)
        return cold
    if impl == "model2vec":
        require("model2vec")
        from model2vec import StaticModel

        model = StaticModel.from_pretrained(folder)
        return lambda s: model.encode(s, batch_size=BATCH_SIZE)
    require("sentence_transformers")
    import torch  # noqa: F401  (sentence-transformers runs on torch)
    from sentence_transformers.models import StaticEmbedding
    from tokenizers import Tokenizer

    from safetensors.numpy import load_file

    table = load_file(os.path.join(folder, "model.safetensors"))["embeddings"]
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    module = StaticEmbedding(tok, embedding_weights=table)

    def encode(sentences):
        out = []
        with torch.inference_mode():
            for i in range(0, len(sentences), BATCH_SIZE):
                features = module.tokenize(sentences[i:i + BATCH_SIZE])
                out.append(module(features)["sentence_embedding"].numpy())
        return np.concatenate(out)
    return encode


def our_tokens_only(folder: str, cold: bool = True):
    """sparsedense's token ids of an encode, alone (the word memo emptied first if ``cold``)."""
    import sparsedense as sd

    model = sd.StaticModel.from_pretrained(folder)

    def run(sentences):
        if cold:
            model._ids._reset()
        for i in range(0, len(sentences), BATCH_SIZE):
            model._token_rows(sentences[i:i + BATCH_SIZE], model.max_length)
    return run


def tokenize_only(folder: str):
    """The tokenizer call of an encode, alone (the same batches, no special tokens)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(512)

    def run(sentences):
        for i in range(0, len(sentences), BATCH_SIZE):
            tok.encode_batch_fast(sentences[i:i + BATCH_SIZE], add_special_tokens=False)
    return run


def check(impl: str, encode, folder: str) -> None:
    """``encode`` agrees with sparsedense on the first sentences (the reference)."""
    sentences = make_sentences()[:N_CHECK]
    ours = load("sparsedense", folder)(sentences)
    got = np.asarray(encode(sentences), dtype=np.float64)
    diff = float(np.max(np.abs(got - ours)))
    assert diff <= 1e-6, f"{impl}: max |difference| from sparsedense = {diff:.3g} > 1e-6"


class StaticEncode:
    """Encoding 100,000 sentences with one model2vec model."""

    params = [IMPLS]
    param_names = ["impl"]
    timeout = 1200
    number = 1
    repeat = 3

    def setup(self, impl):
        self.folder = make_folder()
        self.sentences = make_sentences()
        self.encode = load(impl, self.folder)
        key = ("checked", impl)
        if key not in _CACHE:
            check(impl, self.encode, self.folder)
            self.encode(self.sentences[:BATCH_SIZE])  # compile and warm up
            _CACHE[key] = True

    def time_encode(self, impl):
        self.encode(self.sentences)

    def peakmem_encode(self, impl):
        self.encode(self.sentences)

    def track_tokenize_share(self, impl):
        if impl.startswith("sparsedense"):
            tokens = our_tokens_only(self.folder, cold=impl != "sparsedense")
            tokens(self.sentences)  # the memo warm for the warm contender
        else:
            tokens = tokenize_only(self.folder)
        t0 = time.perf_counter()
        tokens(self.sentences)
        t1 = time.perf_counter()
        self.encode(self.sentences)
        t2 = time.perf_counter()
        return (t1 - t0) / (t2 - t1)

    track_tokenize_share.unit = "share of encode time"


def main(argv: list[str] | None = None) -> int:
    import argparse
    import platform

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sentences", type=int, default=N_SENTENCES)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor()) \
        if os.path.exists("/proc/cpuinfo") else platform.processor()
    print(f"# {cpu}, {os.cpu_count()} CPUs, {args.sentences:,} sentences x {SENTENCE_LEN} "
          f"words, model {VOCAB_SIZE:,} x {DIM}, batches of {BATCH_SIZE}")
    folder = make_folder(args.sentences)
    sentences = make_sentences(args.sentences)
    contenders, missing = {}, {}
    for impl in IMPLS:
        try:
            contenders[impl] = load(impl, folder)
            check(impl, contenders[impl], folder)
            contenders[impl](sentences[:BATCH_SIZE])
        except NotImplementedError as exc:
            missing[impl] = str(exc)
    contenders["tokenizer alone"] = tokenize_only(folder)
    contenders["our token ids alone"] = our_tokens_only(folder)
    contenders["our token ids, warm"] = our_tokens_only(folder, cold=False)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.runs):  # interleaved: the noise of a shared machine is spread
        for name, fn in contenders.items():
            t = time.perf_counter()
            fn(sentences)
            times[name].append(time.perf_counter() - t)
    med = {name: float(np.median(t)) for name, t in times.items()}
    ours = med["sparsedense"]
    print(f"{'contender':<26}{'median s':>10}{'peer/ours':>11}{'tokenize share':>16}")
    alone = ("tokenizer alone", "our token ids alone", "our token ids, warm")
    part = {"sparsedense": "our token ids, warm", "sparsedense (cold memo)": "our token ids alone"}
    for name in contenders:
        ratio = f"{med[name] / ours:.2f}" if name not in alone else ""
        tokens = med[part.get(name, "tokenizer alone")]
        share = f"{tokens / med[name]:.0%}" if name not in alone else ""
        print(f"{name:<26}{med[name]:>10.3f}{ratio:>11}{share:>16}")
    print("peer/ours: > 1 when sparsedense (warm word memo) is faster; tokenize share: the "
          "token ids' part of each encode (sparsedense: its memo; peers: the tokenizer)")
    for name, why in missing.items():
        print(f"{name:<26}{'n/a':>10}  ({why})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
