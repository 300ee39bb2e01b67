"""``sparsedense train``: learn word vectors from a corpus file and write them to a vector file."""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ._common import OUTPUT_NOTE, UsageError, check_kiwi, check_output, no_such_file, writing
from ._errors import first_bad_utf8_line

HELP = "train word vectors (word2vec, fastText, GloVe, PPMI-SVD) on a corpus, one sentence a line"
EXAMPLE = """examples:
  sparsedense train corpus.txt -o vectors.txt --sg                # skip-gram, word2vec text format
  sparsedense train corpus.txt.gz -o vectors.npz --subwords       # fastText, native format
  sparsedense train corpus.txt -o vectors.bin --vector-size 300 --epochs 10 --workers 4
  sparsedense train corpus.txt -o vectors.txt --method ppmi-svd --eigenvalue-weighting 0
  sparsedense train corpus.txt -o vectors.txt --method glove --epochs 25
  sparsedense train korean.txt -o vectors.txt --tokenizer kiwi      # Korean text as it is

The corpus is read as gensim's LineSentence does: one sentence a line, tokens
separated by whitespace (lowercase and tokenize it beforehand). With
--tokenizer kiwi each line is lowercased and split into its Korean nouns and
verb stems first (예금을 넣었다 -> 예금 넣다; sparsedense.text.KoreanTokenizer,
pip install 'sparsedense[korean]'), as `sparsedense embed --tokenizer kiwi`
reads documents, so the words of the vectors are the words it looks up. The same
corpus, options and --seed give the same vectors, whatever the machine's
thread count. The output format follows OUT's extension (.npz native,
.bin word2vec binary, anything else word2vec text) unless --format is given.
--save-model writes sparsedense's model file (.npz), or with --method fasttext
and a .bin name Facebook fastText's model format (gensim's save_facebook_model),
which fastText, gensim and sparsedense's load_facebook_model continue.
"""

_BY_SUFFIX = {".npz": "native", ".bin": "word2vec-binary"}


def _methods() -> dict:
    """Training method name -> function(args, corpus_path) -> Vectors."""
    from ._train_count import METHODS  # the count-based methods: GloVe, PPMI-SVD

    return {"word2vec": _train_word2vec, "fasttext": _train_word2vec, **METHODS}


def register(sub) -> None:
    p = sub.add_parser("train", help=HELP, description=HELP, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", metavar="CORPUS", help="text file (.gz/.bz2 too), one sentence a line")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="vector file to write; " + OUTPUT_NOTE)
    p.add_argument("--method", default="word2vec", choices=sorted(_methods()),
                   help="default: word2vec (fasttext with --subwords)")
    p.add_argument("--sg", action="store_true", help="skip-gram (default: CBOW)")
    p.add_argument("--subwords", action="store_true",
                   help="fastText: character n-gram vectors (same as --method fasttext)")
    p.add_argument("--vector-size", type=int, default=100, metavar="N")
    p.add_argument("--epochs", type=int, default=None, metavar="N",
                   help="default: the method's (5 for word2vec/fastText)")
    p.add_argument("--window", type=int, default=None, metavar="N",
                   help="default: the method's (5 for word2vec/fastText)")
    p.add_argument("--min-count", type=int, default=5, metavar="N")
    p.add_argument("--negative", type=int, default=5, metavar="N")
    p.add_argument("--sample", type=float, default=1e-3, metavar="T")
    p.add_argument("--seed", type=int, default=1, metavar="N")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="shards trained in parallel (the result depends on it, not on threads)")
    p.add_argument("--format", default=None,
                   choices=["word2vec", "word2vec-binary", "glove", "native"],
                   help="default: from OUT's extension")
    p.add_argument("--save-model", metavar="PATH",
                   help="also save the whole model (to continue training later), written "
                        "the same way as OUT; a .bin PATH (--method fasttext only) is "
                        "written in Facebook fastText's .bin model format")
    p.add_argument("--tokenizer", choices=["whitespace", "kiwi"], default="whitespace",
                   help="whitespace: the corpus is tokenized already (the default); kiwi: "
                        "Korean text, split into nouns and verb stems by kiwipiepy "
                        "(pip install 'sparsedense[korean]')")
    from ._train_count import add_arguments

    add_arguments(p)


def _train_word2vec(args: argparse.Namespace, corpus: str):
    from ..models import FastText, Word2Vec

    cls = FastText if args.method == "fasttext" else Word2Vec
    options = {"vector_size": args.vector_size, "min_count": args.min_count,
               "negative": args.negative, "sample": args.sample, "seed": args.seed,
               "workers": args.workers, "sg": int(args.sg)}
    if args.epochs is not None:
        options["epochs"] = args.epochs
    if args.window is not None:
        options["window"] = args.window
    model = cls(**options)
    model.build_vocab(corpus_file=corpus)
    model.train(progress=not args.quiet)
    if args.save_model and _is_facebook_bin(args.save_model):
        from ..models import save_facebook_model

        save_facebook_model(model, args.save_model)
    elif args.save_model:
        model.save(args.save_model)
    args._trained_words = model.corpus_total_words * model.epochs
    return model.wv


def _is_facebook_bin(path: str) -> bool:
    """Whether a --save-model name asks for fastText's .bin model format (.bin, .bin.gz...)."""
    name = Path(path).name.lower()
    return name.endswith(".bin") or any(name.endswith(f".bin{z}") for z in (".gz", ".bz2", ".xz"))


def _raise_if_not_utf8(corpus: Path) -> None:
    """A training error from a corpus that is not UTF-8: the file's first bad line, in one line.

    Looked for only after a training error (the trainers read bytes; a word
    that is not UTF-8 fails when the vocabulary is decoded).
    """
    where = first_bad_utf8_line(corpus)
    if where is not None:
        line, column, reason = where
        raise UsageError(f"not valid utf-8 text ({reason} at byte {column} of the line)", corpus,
                         line=line, hint="train reads UTF-8: convert the file first (e.g. iconv "
                                         "-f latin1 -t utf-8)") from None


@contextlib.contextmanager
def _tokenized(corpus: Path, tokenizer: str, quiet: bool) -> Iterator[str]:
    """The path of the corpus as the trainers read it: itself, or its words by ``tokenizer``.

    With ``"kiwi"`` each line, lowercased, is tokenized by
    :class:`~sparsedense.text.KoreanTokenizer` (kiwi's batched analysis) into
    a temporary file, one sentence a line, deleted after training; the
    trainers then read that file as any corpus (same shards, same results).
    """
    if tokenizer == "whitespace":
        yield str(corpus)
        return
    from .._base.files import open_text
    from .._base.progress import Progress
    from ..text import KoreanTokenizer

    with tempfile.TemporaryDirectory(prefix="sparsedense-train-") as tmp:
        path = os.path.join(tmp, "corpus.txt")
        with open_text(corpus) as src, open(path, "w", encoding="utf-8") as out, \
                Progress("tokenizing with kiwi", unit="line", quiet=quiet) as bar:
            for tokens in KoreanTokenizer().iter_batch(line.lower() for line in src):
                if tokens:
                    out.write(" ".join(tokens))
                    out.write("\n")
                bar.update()
        if os.path.getsize(path) == 0:
            raise UsageError("no Korean word in the corpus (every line is empty after "
                             "--tokenizer kiwi)", corpus,
                             hint="check the file, or train without --tokenizer kiwi")
        yield path


def run(args: argparse.Namespace) -> int:
    from .._base.progress import Progress
    from ..vectors import Vectors

    if args.subwords:
        if args.method not in ("word2vec", "fasttext"):
            raise UsageError(f"--subwords goes with --method fasttext, not {args.method}")
        args.method = "fasttext"
    corpus = Path(args.corpus)
    if not corpus.exists():
        raise no_such_file(corpus)
    if not corpus.is_file():
        raise UsageError("not a file", corpus, hint="give one text file, one sentence a line")
    out = Path(args.output)
    fmt = args.format or _BY_SUFFIX.get(out.suffix, "word2vec")
    if args.save_model and _is_facebook_bin(args.save_model) and args.method != "fasttext":
        raise UsageError(f"a .bin model file is Facebook fastText's format, written for "
                         f"--method fasttext only, not {args.method}", args.save_model,
                         hint="give a .npz name for sparsedense's model file")
    if args.tokenizer == "kiwi":
        check_kiwi()
    for target in (out, args.save_model):
        if target is not None:
            check_output(target)  # before hours of training
    start = time.perf_counter()
    try:
        with writing(args.save_model or out), \
                _tokenized(corpus, args.tokenizer, args.quiet) as path:
            vectors = _methods()[args.method](args, path)
    except ValueError:
        _raise_if_not_utf8(corpus)
        raise
    seconds = time.perf_counter() - start
    if not isinstance(vectors, Vectors):
        raise TypeError(f"method {args.method} returned {type(vectors).__name__}, not Vectors")
    plain = Vectors(vectors.index_to_key, vectors.vectors)  # the vocabulary's vectors only
    with writing(out), Progress(f"writing {out}", quiet=args.quiet, stage=True):
        plain.save(out, format=fmt)
    words = getattr(args, "_trained_words", None)
    rate = f", {words / seconds:,.0f} words/s" if words else ""
    if not args.quiet:
        print(f"{len(plain)} vectors of dimension {plain.vector_size} trained with "
              f"{args.method} in {seconds:.1f} s{rate} -> {out} ({fmt})")
    return 0
