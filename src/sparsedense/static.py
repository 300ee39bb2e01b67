"""StaticModel: model2vec's static sentence embeddings, encoded through our embedding bag.

A model2vec model is one vector per subword token; a sentence is the mean
of its tokens' vectors. This module reads and writes model2vec's folders
(``model.safetensors``, ``tokenizer.json``, ``config.json``) and encodes a
batch of sentences with one ``encode_batch`` of the ``tokenizers`` package,
one CSR matrix (rows = sentences) and one call of
:func:`~sparsedense.functional.sparse_to_dense`: no Python loop per sentence
beyond reading the tokenizer's output (and, for tokenizers of the BERT
family, a memo of each word's ids: see ``_static_tokens``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._static_tokens import TokenIds

DEFAULT_MAX_LENGTH = 512
_UNSET: Any = type("_Unset", (), {"__repr__": lambda self: "<the model's max_length>"})()
_LAYOUTS = (  # (safetensors file, its table's name, config file, tokenizer file), as model2vec
    ("model.safetensors", "embeddings", "config.json", "tokenizer.json"),
    ("model.safetensors", "embedding.weight", "config_sentence_transformers.json",
     "tokenizer.json"),
    ("0_StaticEmbedding/model.safetensors", "embedding.weight",
     "config_sentence_transformers.json", "0_StaticEmbedding/tokenizer.json"),
)


def _require(module: str):
    """Import ``tokenizers`` or ``safetensors.numpy``, or say which extra brings it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"StaticModel needs the {module.split('.')[0]!r} package: install "
                          "the static extra with pip install 'sparsedense[static]'") from None


def _local_folder(path: Any) -> Path:
    """The model folder, or a FileNotFoundError that says how to get it (nothing is downloaded)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a folder path (str or os.PathLike); got "
                        f"{type(path).__name__}")
    folder = Path(path)
    if folder.is_dir():
        return folder
    text = os.fspath(path)
    if not folder.exists() and text.count("/") == 1 and not text.startswith((".", "/", "~")):
        raise FileNotFoundError(
            f"path={text!r} is not a local folder; it looks like a Hugging Face hub id. "
            "StaticModel loads local folders only (no network): download it first, e.g. "
            f"'huggingface-cli download {text} --local-dir {text.split('/')[1]}', then pass "
            "that folder")
    raise FileNotFoundError(f"path={text!r} is not a folder (expected a model2vec model "
                            "folder holding model.safetensors, tokenizer.json and config.json)")


def _unk_token_id(tokenizer: Any) -> int | None:
    """The id of the tokenizer's unknown token (dropped from every sentence), as model2vec."""
    model = tokenizer.model
    if hasattr(model, "unk_token"):  # WordPiece, BPE, WordLevel
        token = model.unk_token
        return None if token is None else tokenizer.token_to_id(token)
    return json.loads(tokenizer.to_str())["model"].get("unk_id")  # Unigram


def _float_table(embedding: Any) -> np.ndarray:
    table = np.asarray(embedding)
    if table.ndim != 2:
        raise ValueError(f"vectors must be 2-D (tokens x dim); got shape {table.shape}")
    if table.dtype.kind not in "fiu" or table.dtype.kind == "b":
        raise TypeError(f"vectors must be a real array; got dtype {table.dtype}")
    if table.dtype not in (np.float32, np.float64):  # float16 / int8 tables: float32 rows
        table = table.astype(np.float32)
    return table


class StaticModel:
    """A model2vec static embedding model: subword tokens to vectors, sentences to their mean.

    ``encode`` gives what ``model2vec.StaticModel.encode`` gives (within
    float32 rounding) on the same folder: each sentence is cut to
    ``max_length * median token length`` characters, tokenized without
    special tokens and truncated to ``max_length`` tokens; unknown tokens
    are dropped; the sentence vector is the mean over its remaining tokens
    of ``weights[t] * vectors[token_mapping[t]]`` (``weights`` and
    ``token_mapping`` present in vocabulary-quantised models, identity
    otherwise); a sentence without tokens gives zeros; ``normalize`` scales
    to unit length. For a tokenizer of the BERT family the ids of each
    distinct word are computed once and remembered (the same ids).

    Parameters
    ----------
    vectors : ndarray of shape (n_rows, dim)
        One row per token (or per cluster, with ``token_mapping``). float16
        and int8 tables are converted to float32 (model2vec keeps float16).
    tokenizer : tokenizers.Tokenizer
        Copied; its padding is turned off for encoding.
    config : dict, optional
        model2vec's ``config.json`` fields (kept and written back).
    normalize : bool, default=False
    weights : ndarray of shape (n_tokens,), optional
        A factor per token id.
    token_mapping : ndarray of int of shape (n_tokens,), optional
        The row of ``vectors`` of each token id.
    max_length : int or None, default=512
        The default truncation of :meth:`encode`, in tokens (None: none).

    Attributes
    ----------
    embedding, weights, token_mapping, tokenizer, config, normalize, max_length
        As given. ``tokens`` are the tokenizer's tokens by id, ``dim`` the
        vector size.

    See Also
    --------
    EmbeddingVectorizer : with ``weight=StaticModel`` and ``weighting='sif'``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense import StaticModel
    >>> W = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    >>> model = StaticModel.from_vectors(W, ["deposit", "savings", "rain"])
    >>> model.encode(["Deposit savings", "rain and snow", ""]).tolist()
    [[0.5, 0.5], [1.0, 1.0], [0.0, 0.0]]
    """

    def __init__(self, vectors: Any, tokenizer: Any, config: dict | None = None, *,
                 normalize: bool = False, weights: Any = None, token_mapping: Any = None,
                 max_length: int | None = DEFAULT_MAX_LENGTH) -> None:
        tokenizers = _require("tokenizers")
        if not isinstance(tokenizer, tokenizers.Tokenizer):
            raise TypeError(f"tokenizer must be a tokenizers.Tokenizer; got "
                            f"{type(tokenizer).__name__}")
        self.embedding = _float_table(vectors)
        vocab = tokenizer.get_vocab()
        tokens = [""] * len(vocab)
        for token, i in vocab.items():
            if 0 <= i < len(tokens):
                tokens[i] = token
        self.tokens = tokens
        n_rows, n_tokens = self.embedding.shape[0], len(tokens)
        if token_mapping is not None:
            from ._base.validation import check_ids

            token_mapping = check_ids(token_mapping, "token_mapping", n_rows, "len(vectors)")
            if token_mapping.shape != (n_tokens,):
                raise ValueError(f"token_mapping has shape {token_mapping.shape}; it must give "
                                 f"one row for each of the tokenizer's {n_tokens} tokens")
        elif n_rows != n_tokens:
            raise ValueError(f"vectors has {n_rows} rows but the tokenizer has {n_tokens} "
                             "tokens; they must match (or pass token_mapping)")
        if weights is not None:
            weights = np.asarray(weights, dtype=self.embedding.dtype)
            if weights.shape != (n_tokens,):
                raise ValueError(f"weights has shape {weights.shape}; it must have one value "
                                 f"for each of the tokenizer's {n_tokens} tokens")
        self.weights = weights
        self.token_mapping = token_mapping
        self.tokenizer = tokenizer
        self._ids = TokenIds(tokenizer)  # copies it (padding off)
        self._unk = _unk_token_id(tokenizer)
        self.median_token_length = int(np.median([len(t) for t in tokens])) if tokens else 0
        self.config = dict(config or {})
        self.normalize = bool(normalize)
        self.max_length = max_length
        self.config.update(normalize=self.normalize, max_length=max_length)

    @property
    def dim(self) -> int:
        """The length of a sentence vector."""
        return int(self.embedding.shape[1])

    # -- reading and writing model2vec folders -------------------------------------------

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, *, normalize: bool | None = None,
                        max_length: Any = _UNSET) -> "StaticModel":
        """Load a model2vec model from a local folder (never from the network).

        Parameters
        ----------
        path : str or path-like
            A folder in model2vec's layout (``model.safetensors`` holding
            ``embeddings`` and optionally ``weights`` and ``mapping``,
            ``tokenizer.json``, ``config.json``), or sentence-transformers'
            ``StaticEmbedding`` layout, as model2vec reads them.
        normalize : bool, optional
            Overrides ``config.json``'s ``normalize`` (default False).
        max_length : int or None, optional
            Overrides ``config.json``'s ``max_length`` (default 512).

        Raises
        ------
        FileNotFoundError
            ``path`` is not a folder (a hub id is named as such: download it
            first), or a file of the layout is missing.
        ImportError
            Without the ``static`` extra (``tokenizers``, ``safetensors``).
        """
        folder = _local_folder(path)
        for tensors, key, config, tokenizer in _LAYOUTS:
            if all((folder / f).is_file() for f in (tensors, config, tokenizer)):
                break
        else:
            raise FileNotFoundError(f"{os.fspath(path)!r} holds no model2vec model: expected "
                                    "model.safetensors, tokenizer.json and config.json")
        arrays = _require("safetensors.numpy").load_file(str(folder / tensors))
        if key not in arrays:
            raise ValueError(f"{folder / tensors}: no tensor named {key!r} "
                             f"(found: {', '.join(sorted(arrays)) or 'none'})")
        with open(folder / config, encoding="utf-8") as fh:
            cfg = json.load(fh)
        tok = _require("tokenizers").Tokenizer.from_file(str(folder / tokenizer))
        return cls(arrays[key], tok, cfg,
                   normalize=cfg.get("normalize", False) if normalize is None else normalize,
                   weights=arrays.get("weights"), token_mapping=arrays.get("mapping"),
                   max_length=cfg.get("max_length", DEFAULT_MAX_LENGTH)
                   if max_length is _UNSET else max_length)

    def save_pretrained(self, path: str | os.PathLike) -> None:
        """Write the model as a model2vec folder (model2vec's ``from_pretrained`` reads it).

        ``model.safetensors`` (``embeddings``, and ``weights`` / ``mapping``
        when present), ``tokenizer.json``, ``config.json`` and the
        ``modules.json`` that lets sentence-transformers load it too. The
        folder is created if needed; each file is replaced whole.
        """
        from ._base.files import atomic_path, atomic_write

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"embeddings": np.ascontiguousarray(self.embedding)}
        if self.weights is not None:
            arrays["weights"] = np.ascontiguousarray(self.weights)
        if self.token_mapping is not None:
            arrays["mapping"] = np.ascontiguousarray(self.token_mapping)
        with atomic_path(folder / "model.safetensors") as tmp:
            _require("safetensors.numpy").save_file(arrays, tmp)
        with atomic_path(folder / "tokenizer.json") as tmp:
            self.tokenizer.save(tmp, pretty=False)
        cfg = dict(self.config, embedding_dtype=self.embedding.dtype.name)
        cfg.pop("vocabulary_quantization", None)
        if self.token_mapping is not None:
            cfg["vocabulary_quantization"] = int(self.embedding.shape[0])
        modules = [{"idx": 0, "name": "0", "path": ".",
                    "type": "sentence_transformers.models.StaticEmbedding"}]
        if self.normalize:
            modules.append({"idx": 1, "name": "1", "path": "1_Normalize",
                            "type": "sentence_transformers.models.Normalize"})
        for name, content in (("config.json", cfg), ("modules.json", modules)):
            with atomic_write(folder / name) as fh:
                json.dump(content, fh, indent=4)

    @classmethod
    def from_vectors(cls, vectors: Any, vocabulary: Any = None, tokenizer: Any = None, *,
                     lowercase: bool = True, normalize: bool = False,
                     max_length: int | None = DEFAULT_MAX_LENGTH) -> "StaticModel":
        """A StaticModel from word vectors: a :class:`~sparsedense.Vectors`, or a table and words.

        Parameters
        ----------
        vectors : Vectors or ndarray of shape (n_words, dim)
        vocabulary : sequence of str, optional
            The words of the rows (with a table; None with a Vectors).
        tokenizer : tokenizers.Tokenizer, optional
            Row ``i`` of the model is the vector of its token ``i`` (zeros for
            a token without a vector). By default a word-level tokenizer over
            the words: split on whitespace and punctuation
            (``tokenizers``' ``Whitespace``), lowercased when ``lowercase``,
            with an ``[UNK]`` token (a zero row) for every other word.
        lowercase, normalize, max_length
            The default tokenizer's lowercasing; as in :class:`StaticModel`.
        """
        if hasattr(vectors, "index_to_key") and hasattr(vectors, "weight"):
            if vocabulary is not None:
                raise ValueError("pass either a Vectors object, or vectors and vocabulary, "
                                 "not both")
            table, words = np.asarray(vectors.weight), list(vectors.index_to_key)
        else:
            if vocabulary is None:
                raise ValueError("vocabulary (the words of the rows) is required with a table")
            table, words = _float_table(vectors), [str(w) for w in vocabulary]
        table = _float_table(table)
        if len(words) != table.shape[0]:
            raise ValueError(f"vocabulary has {len(words)} words but vectors has "
                             f"{table.shape[0]} rows; they must match")
        tokenizers = _require("tokenizers")
        if tokenizer is None:
            row = {w: i for i, w in enumerate(words)}
            unk = "[UNK]"
            while unk in row:
                unk = f"[{unk}]"
            vocab = dict(row, **{unk: len(words)})
            tokenizer = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token=unk))
            tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
            if lowercase:
                tokenizer.normalizer = tokenizers.normalizers.Lowercase()
            table = np.concatenate([table, np.zeros((1, table.shape[1]), table.dtype)])
        else:
            row = {w: i for i, w in enumerate(words)}
            vocab = tokenizer.get_vocab()
            out = np.zeros((len(vocab), table.shape[1]), dtype=table.dtype)
            for token, i in vocab.items():
                if token in row:
                    out[i] = table[row[token]]
            table = out
        return cls(table, tokenizer, normalize=normalize, max_length=max_length)

    # -- encoding -------------------------------------------------------------------------

    def _token_rows(self, sentences: Sequence[str],
                    max_length: int | None) -> tuple[sp.csr_matrix, int]:
        """Sentences x tokens CSR: the token ids of each sentence (unknown dropped), value 1;
        and the number of unknown tokens dropped.

        Entries keep the tokens' order (duplicates are not merged).
        """
        if max_length is not None:
            cut = max_length * self.median_token_length
            sentences = [s[:cut] for s in sentences]
        indptr, ids = self._ids(sentences, max_length)
        n_unknown = 0
        if self._unk is not None:
            keep = ids != self._unk
            n_unknown = int(ids.shape[0] - np.count_nonzero(keep))
            if n_unknown:
                kept = np.zeros(ids.shape[0] + 1, dtype=np.int64)
                np.cumsum(keep, out=kept[1:])
                indptr, ids = kept[indptr], ids[keep]
        data = np.ones(ids.shape[0], dtype=self.embedding.dtype)
        X = sp.csr_matrix((data, ids, indptr), shape=(len(sentences), len(self.tokens)))
        return X, n_unknown

    def _sum_rows(self, X: sp.csr_matrix, normalize: bool) -> np.ndarray:
        """Row ``s`` of the result: sum over entries ``(s, t, x)`` of ``x * weights[t] *
        vectors[token_mapping[t]]`` (one bag-kernel call), l2-normalized if asked."""
        from .functional import sparse_to_dense

        data = X.data
        if self.weights is not None:
            data = data * self.weights[X.indices]
        indices = X.indices if self.token_mapping is None else self.token_mapping[X.indices]
        rows = sp.csr_matrix((data, indices, X.indptr),
                             shape=(X.shape[0], self.embedding.shape[0]))
        return sparse_to_dense(rows, self.embedding, mode="sum",
                               normalize="l2" if normalize else None)

    def _check_sentences(self, sentences: Any) -> tuple[list[str], bool]:
        single = isinstance(sentences, str)
        if single:
            return [sentences], True
        if not isinstance(sentences, Sequence) and not hasattr(sentences, "__iter__"):
            raise TypeError(f"sentences must be a string or a sequence of strings; got "
                            f"{type(sentences).__name__}")
        sentences = list(sentences)
        for i, s in enumerate(sentences):
            if not isinstance(s, str):
                raise TypeError(f"sentences[{i}] is a {type(s).__name__}; every sentence "
                                "must be a str")
        return sentences, False

    def _batches(self, n: int, batch_size: int, show_progress_bar: bool):
        from ._base.progress import Progress
        from ._base.validation import check_int

        batch_size = check_int(batch_size, "batch_size", 1)
        with Progress("encoding", total=n, unit="sentence",
                      quiet=not show_progress_bar) as bar:
            for start in range(0, n, batch_size):
                stop = min(n, start + batch_size)
                yield start, stop
                bar.update(stop - start)

    def encode(self, sentences: str | Sequence[str], *, max_length: Any = _UNSET,
               normalize: bool | None = None, batch_size: int = 1024,
               show_progress_bar: bool = False, use_multiprocessing: bool = True,
               multiprocessing_threshold: int = 10_000) -> np.ndarray:
        """One vector per sentence: the mean of its tokens' vectors (model2vec's ``encode``).

        Parameters
        ----------
        sentences : str or sequence of str
            A single string gives a 1-D vector.
        max_length : int or None, optional
            Truncation in tokens (None: none); default the model's ``max_length``.
        normalize : bool, optional
            Default the model's ``normalize``.
        batch_size : int, default=1024
            Sentences tokenized (by ``tokenizers``, on all cores) and reduced together.
        show_progress_bar : bool, default=False
        use_multiprocessing, multiprocessing_threshold
            Accepted for model2vec's signature and ignored: the tokenizer
            already runs a batch on every core.

        Returns
        -------
        ndarray of shape (n_sentences, dim), or (dim,) for one string
            dtype of the table (float32 or float64). Sentences without a known
            token give zeros.

        Notes
        -----
        **Shape:** ``(n,)`` sentences -> ``(n, dim)``. The naive equivalent of
        a sentence is ``(weights[ids, None] * vectors[token_mapping[ids]]).mean(0)``
        over its token ids.
        """
        sentences, single = self._check_sentences(sentences)
        max_length = self.max_length if max_length is _UNSET else max_length
        normalize = self.normalize if normalize is None else bool(normalize)
        out = np.zeros((len(sentences), self.dim), dtype=self.embedding.dtype)
        for start, stop in self._batches(len(sentences), batch_size, show_progress_bar):
            X, _ = self._token_rows(sentences[start:stop], max_length)
            block = self._sum_rows(X, normalize)
            if not normalize:
                counts = np.diff(X.indptr)
                block /= np.maximum(counts, 1)[:, None].astype(block.dtype)
            out[start:stop] = block
        return out[0] if single else out

    def encode_as_sequence(self, sentences: str | Sequence[str], *, max_length: int | None = None,
                           batch_size: int = 1024, show_progress_bar: bool = False,
                           use_multiprocessing: bool = True,
                           multiprocessing_threshold: int = 10_000,
                           ) -> list[np.ndarray] | np.ndarray:
        """The vector of each token of each sentence (model2vec's ``encode_as_sequence``).

        As :meth:`encode` before the mean: a list of arrays of shape
        ``(n_tokens_i, dim)`` (``(0, dim)`` for a sentence without a known
        token), or one array for a single string. Truncation happens only when
        ``max_length`` is given here, as in model2vec.
        """
        sentences, single = self._check_sentences(sentences)
        out: list[np.ndarray] = []
        for start, stop in self._batches(len(sentences), batch_size, show_progress_bar):
            X, _ = self._token_rows(sentences[start:stop], max_length)
            rows = X.indices if self.token_mapping is None else self.token_mapping[X.indices]
            vecs = self.embedding[rows]
            if self.weights is not None:
                vecs *= self.weights[X.indices][:, None]
            out.extend(np.split(vecs, X.indptr[1:-1]))
        return out[0] if single else out

    def __repr__(self) -> str:
        return (f"StaticModel(tokens={len(self.tokens)}, rows={self.embedding.shape[0]}, "
                f"dim={self.dim}, normalize={self.normalize}, max_length={self.max_length})")
