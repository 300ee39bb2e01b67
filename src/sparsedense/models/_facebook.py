"""Facebook fastText ``.bin`` models as trainers: gensim's ``load_facebook_model``,
``load_facebook_vectors`` and ``save_facebook_model``.

A ``.bin`` holds what continuing the training needs: the arguments (window,
negative, min_count, sample, n-gram lengths, bucket), the vocabulary with its
counts (the noise distribution and the subsampling), the input matrix (word
rows, then n-gram rows) and the output matrix (negative sampling's
``syn1neg``, one row per word). The file is read by
:func:`sparsedense.vectors.read_fasttext_bin`; this module builds a
:class:`~sparsedense.models.FastText` from it, and writes one back with
:func:`sparsedense.vectors.write_fasttext_bin`.
"""

from __future__ import annotations

import os

import numpy as np

from .._base.errors import UnsupportedOptionError
from .._base.validation import check_int
from ..vectors import FastTextVectors, load_vectors, read_fasttext_bin, write_fasttext_bin
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


def save_facebook_model(model: FastText, path: str | os.PathLike, encoding: str = "utf-8",
                        lr_update_rate: int = 100, word_ngrams: int = 1) -> None:
    """Write a trained :class:`~sparsedense.models.FastText` as a Facebook fastText ``.bin``.

    gensim's ``save_facebook_model``, and the same file: the new format
    (version 12) with the arguments ``dim=vector_size, ws=window,
    epoch=epochs, min_count, neg=negative, word_ngrams, loss=2`` (negative
    sampling), ``model`` (1 cbow, 2 skipgram), ``bucket, minn=min_n,
    maxn=max_n, lr_update_rate, t=sample``; the vocabulary with its counts
    and ``ntokens=corpus_total_words``; the input matrix
    (``wv.vectors_vocab`` rows, then ``wv.vectors_ngrams`` rows) and the
    output matrix ``syn1neg``. fastText, gensim's and our
    :func:`load_facebook_model` continue it; ``load_vectors`` reads its
    vectors. The learning rate is not in the format (as in gensim).

    The file is written atomically (see
    :func:`~sparsedense.vectors.write_fasttext_bin`): a failure leaves
    ``path`` as it was.

    Parameters
    ----------
    model : FastText
        A model with a vocabulary (after ``build_vocab``, usually trained).
    path : str or path-like
        The file to write (``.gz``, ``.bz2``, ``.xz``: compressed).
    encoding : str, default='utf-8'
        How the words are encoded.
    lr_update_rate, word_ngrams : int, default=100, 1
        Arguments of fastText's own trainer that FastText does not use,
        written as given (gensim's defaults, fastText's too).

    Raises
    ------
    TypeError
        ``model`` is not a FastText.
    RuntimeError
        The model has no vocabulary yet.
    UnsupportedOptionError
        A model set to hierarchical softmax (``hs=1``; FastText trains with
        negative sampling only, so only a changed attribute gets here).
    ValueError
        A word ``encoding`` cannot encode; a bad ``lr_update_rate`` or
        ``word_ngrams``.
    FileNotFoundError, PermissionError
        ``path``'s directory is missing or not writable (nothing written).

    Examples
    --------
    >>> import os, tempfile
    >>> from sparsedense.models import (FastText, load_facebook_model,
    ...                                 save_facebook_model)
    >>> sentences = [["bank", "river", "money"], ["money", "bank", "loan"]] * 20
    >>> model = FastText(sentences, vector_size=8, min_count=1, epochs=2,
    ...                  bucket=100, seed=1)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.bin")
    >>> save_facebook_model(model, path)
    >>> again = load_facebook_model(path)
    >>> again.wv.index_to_key == model.wv.index_to_key
    True
    >>> bool((again.wv["bank"] == model.wv["bank"]).all())
    True
    """
    if not isinstance(model, FastText):
        raise TypeError(f"save_facebook_model: model must be a sparsedense FastText; got "
                        f"{type(model).__name__}")
    lr_update_rate = check_int(lr_update_rate, "lr_update_rate", 1, 2**31 - 1,
                               owner="save_facebook_model")
    word_ngrams = check_int(word_ngrams, "word_ngrams", 1, 2**31 - 1,
                            owner="save_facebook_model")
    if getattr(model, "hs", 0) or model.negative < 1:
        raise UnsupportedOptionError(
            f"save_facebook_model: the model is set to hs={getattr(model, 'hs', 0)}, "
            f"negative={model.negative}; FastText trains with negative sampling only (hs=0, "
            "negative >= 1), whose output matrix syn1neg is what the file holds")
    wv = model.wv
    if wv is None:
        raise RuntimeError("save_facebook_model: the model has no vocabulary; build_vocab() "
                           "(and train()) first")
    args = {"ws": model.window, "epoch": model.epochs, "min_count": model.min_count,
            "neg": model.negative, "word_ngrams": word_ngrams, "loss": 2,
            "model": 2 if model.sg else 1, "lr_update_rate": lr_update_rate,
            "t": model.sample}
    write_fasttext_bin(path, wv, args, model._counts, int(model.corpus_total_words),
                       model.syn1neg, encoding=encoding)
