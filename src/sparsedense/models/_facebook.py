"""Facebook fastText ``.bin`` models as trainers: gensim's ``load_facebook_model`` and
``load_facebook_vectors``.

A ``.bin`` holds what continuing the training needs: the arguments (window,
negative, min_count, sample, n-gram lengths, bucket), the vocabulary with its
counts (the noise distribution and the subsampling), the input matrix (word
rows, then n-gram rows) and the output matrix (negative sampling's
``syn1neg``, one row per word). The file is read by
:func:`sparsedense.vectors.read_fasttext_bin`; this module builds a
:class:`~sparsedense.models.FastText` from it.
"""

from __future__ import annotations

import os

import numpy as np

from .._base.errors import UnsupportedOptionError
from ..vectors import FastTextVectors, load_vectors, read_fasttext_bin
from .fasttext import FastText

#: fastText's ``loss`` values
_LOSSES = {1: "hierarchical softmax (hs)", 2: "negative sampling (ns)", 3: "softmax",
           4: "one-vs-all (ova)"}


def load_facebook_vectors(path: str | os.PathLike, encoding: str = "utf-8",
                          unicode_errors: str = "strict") -> FastTextVectors:
    """The word vectors of a Facebook fastText ``.bin`` model (gensim's name).

    The same as ``load_vectors(path, format="fasttext", encoding=encoding,
    unicode_errors=unicode_errors)``; see :func:`~sparsedense.vectors.load_vectors`.

    Examples
    --------
    >>> from sparsedense.models import load_facebook_vectors
    >>> callable(load_facebook_vectors)
    True
    """
    return load_vectors(path, format="fasttext", encoding=encoding,
                        unicode_errors=unicode_errors)


def load_facebook_model(path: str | os.PathLike, encoding: str = "utf-8",
                        unicode_errors: str = "strict") -> FastText:
    """A :class:`~sparsedense.models.FastText` that continues a Facebook fastText model.

    gensim's ``load_facebook_model``: the model's parameters come from the
    file's arguments (``vector_size=dim, window=ws, epochs=epoch,
    negative=neg, sg=(model == skipgram), min_count, sample=t, min_n=minn,
    max_n=maxn, bucket``), its vocabulary and counts from the dictionary, and
    its tables from the two matrices, so :meth:`~FastText.train` goes on from
    where fastText stopped. The learning rate is not in the file: ``alpha``
    is the default, as in gensim. ``corpus_total_words`` is the file's token
    count.

    Parameters
    ----------
    path : str or path-like
        The ``.bin`` file.
    encoding, unicode_errors : str, default='utf-8', 'strict'
        How the vocabulary's words are decoded, as in
        :func:`~sparsedense.vectors.load_vectors`.

    Returns
    -------
    FastText

    Raises
    ------
    UnsupportedOptionError
        (A ValueError and a NotImplementedError.) For a model trained with
        another loss than negative sampling (hierarchical softmax, softmax,
        one-vs-all: FastText trains with negative sampling only; gensim loads
        them, and hs models train on in gensim), for a supervised model (as
        gensim) or a quantized one. ``load_vectors`` still reads the vectors
        of the first kind.
    ValueError, TruncatedFileError, FileDecodeError
        For a damaged file, as :func:`~sparsedense.vectors.load_vectors`; or a
        word count below 1, or an output matrix that is not one row per word.

    Examples
    --------
    >>> from sparsedense.models import load_facebook_model
    >>> callable(load_facebook_model)
    True
    """
    model_file = read_fasttext_bin(path, encoding=encoding, unicode_errors=unicode_errors)
    args, wv, source = model_file.args, model_file.wv, os.fspath(path)
    if args["loss"] != 2:
        kind = _LOSSES.get(args["loss"], f"loss={args['loss']}")
        raise UnsupportedOptionError(
            f"{source}: the model was trained with {kind}; FastText continues models of "
            "negative sampling only (load_vectors reads this model's vectors)")
    if args["neg"] < 1 or args["ws"] < 1 or args["epoch"] < 1:
        raise ValueError(f"{source}: the model's arguments neg={args['neg']}, ws={args['ws']}, "
                         f"epoch={args['epoch']} cannot be trained on (each must be >= 1)")
    n = len(wv)
    output, counts = model_file.output, model_file.counts
    if output.shape != (n, wv.vector_size):
        raise ValueError(f"{source}: the output matrix has shape {output.shape}; negative "
                         f"sampling needs one row per word: ({n}, {wv.vector_size})")
    if n and int(counts.min()) < 1:
        word = wv.index_to_key[int(np.argmin(counts))]
        raise ValueError(f"{source}: the word {word!r} has count {int(counts.min())}; "
                         "training needs counts >= 1")
    model = FastText(vector_size=wv.vector_size, window=args["ws"], epochs=args["epoch"],
                     negative=args["neg"], sg=int(args["model"] == 2),
                     min_count=max(args["min_count"], 0), sample=max(args["t"], 0.0),
                     min_n=max(wv.min_n, 1), max_n=wv.max_n, bucket=wv.bucket)
    model._restore(wv.index_to_key, {"counts": counts, "syn0": wv.vectors_vocab,
                                     "syn1neg": output, "ngrams": wv.vectors_ngrams})
    model.corpus_total_words = int(model_file.ntokens)
    return model
