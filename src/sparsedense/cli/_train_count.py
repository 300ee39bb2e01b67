"""``sparsedense train --method glove | ppmi-svd``: the count-based methods of the train command.

The command itself (``cli/train.py``) owns the shared options (``--vector-size``,
``--epochs``, ``--window``, ``--min-count``, ``--seed``, ``--workers``) and
writes the vectors; this module adds the options of the count-based methods
and trains. Both methods count co-occurrences first
(:func:`sparsedense.models.cooccurrence_matrix`, window 10 and harmonic
weighting unless told otherwise).
"""

from __future__ import annotations

import argparse

from ._common import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the count-based methods (ignored by word2vec/fasttext)."""
    g = parser.add_argument_group("glove and ppmi-svd (co-occurrence counts)")
    g.add_argument("--cooc-weighting", default="harmonic", choices=["harmonic", "uniform"],
                   help="weight of a context word at distance d: 1/d or 1 (default: harmonic)")
    g.add_argument("--asymmetric", action="store_true",
                   help="count only the context to the left of each word")
    g.add_argument("--x-max", type=float, default=100.0, metavar="X",
                   help="glove: counts at or above X get full weight (default: 100)")
    g.add_argument("--glove-alpha", type=float, default=0.75, metavar="A",
                   help="glove: exponent of the weighting function (default: 0.75)")
    g.add_argument("--learning-rate", type=float, default=0.05, metavar="LR",
                   help="glove: AdaGrad learning rate (default: 0.05)")
    g.add_argument("--word-only", action="store_true",
                   help="glove: write the word vectors W alone, not W + context vectors")
    g.add_argument("--cds", type=float, default=0.75, metavar="A",
                   help="ppmi-svd: context-distribution smoothing exponent (default: 0.75)")
    g.add_argument("--shift", type=float, default=1.0, metavar="K",
                   help="ppmi-svd: subtract log(K) from the PMI (default: 1)")
    g.add_argument("--eigenvalue-weighting", type=float, default=0.5, metavar="P",
                   help="ppmi-svd: vectors U * s**P (default: 0.5; 0 is often better on "
                        "word similarity)")


def _cooccurrences(args: argparse.Namespace, corpus_path: str):
    from ..models import cooccurrence_matrix

    if getattr(args, "save_model", None):
        raise UsageError(f"--save-model is for word2vec/fasttext; --method {args.method} "
                         "writes its vectors only")
    return cooccurrence_matrix(
        corpus_path, window=10 if args.window is None else args.window,
        weighting=args.cooc_weighting, symmetric=not args.asymmetric,
        min_count=args.min_count, progress=not args.quiet)


def run_glove(args: argparse.Namespace, corpus_path: str):
    """Count co-occurrences, fit :class:`~sparsedense.models.GloVe`; returns its ``wv``."""
    from ..models import GloVe

    model = GloVe(vector_size=args.vector_size, x_max=args.x_max, alpha=args.glove_alpha,
                  learning_rate=args.learning_rate,
                  epochs=25 if args.epochs is None else args.epochs, seed=args.seed,
                  workers=args.workers, output="word" if args.word_only else "sum",
                  progress=not args.quiet)
    model._check_params()  # before counting: a bad option fails at once
    C, vocab = _cooccurrences(args, corpus_path)
    return model.fit(C, vocab).wv


def run_ppmi_svd(args: argparse.Namespace, corpus_path: str):
    """Count co-occurrences, fit :class:`~sparsedense.models.PPMISVD`; returns its ``wv``."""
    from ..models import PPMISVD

    if args.epochs is not None:
        raise UsageError("--epochs does not apply to --method ppmi-svd (no training loop)")
    model = PPMISVD(vector_size=args.vector_size, alpha=args.cds, shift=args.shift,
                    eigenvalue_weighting=args.eigenvalue_weighting, random_state=args.seed)
    model._check_params()
    C, vocab = _cooccurrences(args, corpus_path)
    from .._base.progress import Progress

    with Progress("PPMI and SVD", quiet=args.quiet, stage=True):
        return model.fit(C, vocab).wv


#: --method name -> function(args, corpus_path) -> Vectors
METHODS = {"glove": run_glove, "ppmi-svd": run_ppmi_svd}
