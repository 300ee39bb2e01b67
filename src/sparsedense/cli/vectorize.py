"""``sparsedense vectorize``: a corpus to a sparse count / binary / TF-IDF / hashed matrix."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ._common import (
    OUTPUT_NOTE,
    Progress,
    UsageError,
    add_tokenizer_options,
    add_unicode_errors,
    atomic_output,
    check_output,
    chunks,
    corpus_files,
    empty_corpus,
    empty_vocabulary,
    iter_documents,
    tokenizer_options,
)

HELP = "turn a corpus into a sparse matrix (scipy .npz) and its vocabulary"
EXAMPLE = """example:
  sparsedense vectorize corpus.txt --weighting tfidf --min-df 2 -o X.npz
  (writes X.npz and X.vocab.json, the column names; CORPUS is a text file
   with one document per line, a directory of .txt files, or - for stdin)
  sparsedense vectorize big.txt --partial -o X.npz
  (a corpus larger than memory: read twice in chunks, the same X.npz)
"""


def add_vectorizer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weighting", choices=["count", "binary", "tfidf", "hashing"],
                   default="tfidf", help="value of each word in a document (default: tfidf)")
    p.add_argument("--min-df", type=float, default=1, help="drop words in fewer documents "
                   "(a count, or a proportion when < 1)")
    p.add_argument("--max-df", type=float, default=1.0, help="drop words in more documents "
                   "(a proportion when <= 1, else a count)")
    p.add_argument("--max-features", type=int, default=None, help="keep the most frequent words")
    p.add_argument("--ngram-range", type=int, nargs=2, default=(1, 1), metavar=("MIN", "MAX"))
    p.add_argument("--stop-words", choices=["english"], default=None)
    p.add_argument("--no-lowercase", action="store_true", help="keep the case of the text")
    p.add_argument("--n-features", type=int, default=2**20, help="columns for hashing")
    p.add_argument("--encoding", default="utf-8", help="of the corpus (default: utf-8)")
    add_unicode_errors(p, "the corpus")
    add_tokenizer_options(p)


def _df(value: float):
    return int(value) if float(value).is_integer() and value >= 1 else float(value)


def build_vectorizer(args: argparse.Namespace):
    from ..text import CountVectorizer, HashingVectorizer, TfidfVectorizer

    common = dict(lowercase=not args.no_lowercase, stop_words=args.stop_words,
                  ngram_range=tuple(args.ngram_range), **tokenizer_options(args))
    if args.weighting == "hashing":
        return HashingVectorizer(n_features=args.n_features, **common)
    limits = dict(min_df=_df(args.min_df), max_df=_df(args.max_df) if args.max_df > 1 else
                  float(args.max_df), max_features=args.max_features)
    if args.weighting == "tfidf":
        return TfidfVectorizer(**common, **limits)
    return CountVectorizer(binary=args.weighting == "binary", **common, **limits)


def register(sub) -> None:
    p = sub.add_parser("vectorize", help=HELP, description=HELP, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", metavar="CORPUS")
    p.add_argument("-o", "--output", required=True,
                   help="output .npz (scipy.sparse.save_npz; '.npz' is added to a name without "
                        "it); " + OUTPUT_NOTE)
    p.add_argument("--vocabulary-out", default=None,
                   help="where to write the column names (default: OUTPUT.vocab.json), "
                        "written the same way")
    add_vectorizer_options(p)
    p.add_argument("--partial", action="store_true",
                   help="stream the corpus in chunks (for one larger than memory): a first "
                        "pass counts the words (document frequencies), a second writes the "
                        "matrix in parts; the same output as without --partial, in memory "
                        "bounded by the vocabulary and one chunk (CORPUS must be a file or a "
                        "directory: it is read twice)")
    p.add_argument("--chunk-size", type=int, default=2_000, metavar="N",
                   help="documents per chunk with --partial (default: 2000; memory grows "
                        "with it, speed hardly)")
    p.add_argument("--hashing", action="store_true",
                   help="with --partial: hashed columns (--n-features) instead of a "
                        "vocabulary, so memory does not grow with the vocabulary; the "
                        "weighting (e.g. tfidf) applies to the hashed counts")


def _output_paths(args: argparse.Namespace) -> tuple[Path, Path]:
    """The matrix's and the vocabulary's paths, checked before the work."""
    out = Path(args.output)
    if out.suffix != ".npz":
        out = out.with_name(out.name + ".npz")
    vocab_path = Path(args.vocabulary_out) if args.vocabulary_out else \
        out.with_name(out.name[: -len(".npz")] + ".vocab.json")
    check_output(out)
    if args.weighting != "hashing":
        check_output(vocab_path)
    return out, vocab_path


def run(args: argparse.Namespace) -> int:
    import scipy.sparse as sp

    if args.partial or args.hashing:
        return run_partial(args)
    files = corpus_files(args.corpus)
    out, vocab_path = _output_paths(args)
    vectorizer = build_vectorizer(args)
    n_docs = 0
    with Progress("reading", unit="doc", quiet=args.quiet) as bar:
        def docs():
            nonlocal n_docs
            for d in iter_documents(files, args.encoding, args.unicode_errors):
                n_docs += 1
                bar.update()
                yield d
        try:
            X = vectorizer.fit_transform(docs())
        except ValueError as exc:
            if n_docs == 0:
                raise empty_corpus(args.corpus) from None
            err = fit_error(exc, args)
            if err is exc:
                raise
            raise err from None
    if X.shape[0] == 0:
        raise empty_corpus(args.corpus)
    with atomic_output(out) as tmp:
        sp.save_npz(tmp, X.tocsr())
        if args.weighting != "hashing":
            write_vocabulary(vocab_path, vectorizer)
    report(args, X.shape, X.nnz, out,
           None if args.weighting == "hashing" else vocab_path)
    return 0


def write_vocabulary(path: Path, vectorizer) -> None:
    """The column names, as a JSON list, written atomically."""
    with atomic_output(path) as vtmp:
        with open(vtmp, "w", encoding="utf-8") as fh:
            json.dump(vectorizer.get_feature_names_out().tolist(), fh, ensure_ascii=False)


def report(args: argparse.Namespace, shape: tuple, nnz: int, out: Path, vocab_path) -> None:
    """The one line on standard output saying what was written."""
    print(f"{shape[0]} documents x {shape[1]} features, {nnz} stored values -> {out}"
          + ("" if vocab_path is None else f" (+ {vocab_path})"))


def fit_error(exc: ValueError, args: argparse.Namespace) -> Exception:
    """A vectorizer's refusal of the corpus in the command's words (or ``exc`` itself)."""
    if "max_df corresponds to < documents than min_df" in str(exc):
        return UsageError(f"--max-df {args.max_df:g} keeps fewer documents than "
                          f"--min-df {args.min_df:g} needs", args.corpus,
                          hint="raise --max-df or lower --min-df")
    if "empty vocabulary" in str(exc):  # scikit-learn's words for it
        return empty_vocabulary(args.corpus, "--stop-words, --min-df and --max-df")
    return exc


# -- --partial: the corpus read twice in chunks, the matrix written in parts -----------
def _check_partial(args: argparse.Namespace) -> None:
    if args.hashing and not args.partial:
        raise UsageError("--hashing goes with --partial", hint="add --partial")
    if args.corpus == "-":
        raise UsageError("--partial reads the corpus twice, so it cannot be - (standard input)",
                         hint="give a file or a directory of .txt files")
    if args.chunk_size < 1:
        raise UsageError(f"--chunk-size must be >= 1; got {args.chunk_size}")


def _partial_vectorizers(args: argparse.Namespace):
    """``(vectorizer, transformer)``: what counts a chunk, and the TfidfTransformer of
    ``--hashing --weighting tfidf`` (fitted by its own pass; else None)."""
    if not args.hashing or args.weighting == "hashing":
        return build_vectorizer(args), None
    from ..text import HashingVectorizer, TfidfTransformer

    vec = HashingVectorizer(n_features=args.n_features, alternate_sign=False, norm=None,
                            binary=args.weighting == "binary", lowercase=not args.no_lowercase,
                            stop_words=args.stop_words, ngram_range=tuple(args.ngram_range),
                            **tokenizer_options(args))
    return vec, TfidfTransformer() if args.weighting == "tfidf" else None


def _read_chunks(files: list[str], args: argparse.Namespace, bar: Progress):
    for chunk in chunks(iter_documents(files, args.encoding, args.unicode_errors),
                        args.chunk_size):
        yield chunk
        bar.update(len(chunk))


def _first_pass(vec, tfidf, files: list[str], args: argparse.Namespace) -> int | None:
    """Fit ``vec`` (a vocabulary) or ``tfidf`` (hashed counts) chunk by chunk; the documents.

    None when there is nothing to fit (plain hashing: one pass only).
    """
    from ..text import CountVectorizer

    vocabulary = isinstance(vec, CountVectorizer)
    if not vocabulary and tfidf is None:
        vec.fit([])  # checks the parameters
        return None
    if vocabulary:  # the checks of fit, before the corpus is read
        from .._base.params import validate_params

        validate_params(vec, vec._constraints)
        vec._validate_ngram_range()
        vec._warn_for_unused_params()
        vec._validate_vocabulary()
        if hasattr(vec, "_check_params"):
            vec._check_params()
    vec.build_analyzer()
    stats = None
    with Progress("counting (pass 1 of 2)", unit="doc", quiet=args.quiet) as bar:
        for chunk in _read_chunks(files, args, bar):
            if vocabulary:
                part = vec._chunk_frequencies(chunk)
                stats = part if stats is None else stats.merge(part)
            else:
                tfidf.partial_fit(vec.transform(chunk))
    n_docs = stats.n_samples if vocabulary and stats is not None else \
        getattr(getattr(tfidf, "_stats", None), "n_samples", 0)
    if not n_docs:
        raise empty_corpus(args.corpus)
    if vocabulary:
        try:
            vec._fit_from_frequencies(stats)
        except ValueError as exc:
            err = fit_error(exc, args)
            if err is exc:
                raise
            raise err from None
    return n_docs


def run_partial(args: argparse.Namespace) -> int:
    """``vectorize --partial``: the output of :func:`run`, in memory bounded by the
    vocabulary and one chunk (and by one chunk only with ``--hashing``)."""
    _check_partial(args)
    files = corpus_files(args.corpus)
    hashed = args.hashing or args.weighting == "hashing"
    out, vocab_path = _output_paths(args)
    vocab_path = None if hashed else vocab_path
    vec, tfidf = _partial_vectorizers(args)
    n_docs = _first_pass(vec, tfidf, files, args)
    n_cols = args.n_features if hashed else len(vec.vocabulary_)
    pass_name = "writing" if n_docs is None else "writing (pass 2 of 2)"
    with CsrParts(out, n_cols) as parts, \
            Progress(pass_name, total=n_docs, unit="doc", quiet=args.quiet) as bar:
        for chunk in _read_chunks(files, args, bar):
            X = vec.transform(chunk)
            parts.append(X if tfidf is None else tfidf.transform(X, copy=False))
        if parts.n_rows == 0:
            raise empty_corpus(args.corpus)
        if n_docs is not None and parts.n_rows != n_docs:
            raise UsageError(f"the corpus changed while it was read: {n_docs} documents in "
                             f"the first pass, {parts.n_rows} in the second", args.corpus)
        with atomic_output(out) as tmp:
            parts.write(tmp)
            if vocab_path is not None:
                write_vocabulary(vocab_path, vec)
    report(args, (parts.n_rows, n_cols), parts.nnz, out, vocab_path)
    return 0


class CsrParts:
    """A CSR matrix received in row blocks and written as one ``.npz`` of ``scipy.sparse``.

    The blocks' values, column indices and row ends go to three temporary
    files beside the output as they come, so memory holds one block;
    :meth:`write` then copies them, a block at a time, into the archive
    :func:`scipy.sparse.save_npz` writes (compressed members ``indices``,
    ``indptr``, ``format``, ``shape``, ``data``; index dtype int32 unless the
    size needs int64). The temporary files are removed on leaving the
    ``with`` block, whatever happened.
    """

    #: values copied at a time by :meth:`write`
    BLOCK = 1 << 20

    def __init__(self, out: Path, n_cols: int) -> None:
        self.out = Path(out)
        self.n_cols = int(n_cols)
        self.n_rows = 0
        self.nnz = 0
        self.dtype: np.dtype | None = None
        self.is_array = False
        self._files: dict[str, tuple[str, object]] = {}

    def __enter__(self) -> "CsrParts":
        try:
            for name in ("data", "indices", "indptr"):
                fd, path = tempfile.mkstemp(dir=self.out.parent, prefix=f".{self.out.name}.",
                                            suffix=f".{name}.part")
                self._files[name] = (path, os.fdopen(fd, "w+b"))
        except BaseException:
            self.__exit__()
            raise
        self._files["indptr"][1].write(np.zeros(1, np.int64).tobytes())
        return self

    def __exit__(self, *exc) -> None:
        for path, fh in self._files.values():
            fh.close()
            try:
                os.unlink(path)
            except FileNotFoundError:  # pragma: no cover - removed by someone else
                pass
        self._files = {}

    def append(self, X) -> None:
        """Add the rows of the CSR matrix ``X`` (``n_cols`` columns, one dtype for all)."""
        import scipy.sparse as sp

        if X.shape[1] != self.n_cols:
            raise ValueError(f"a block of {X.shape[1]} columns for a matrix of {self.n_cols}")
        if self.dtype is None:
            self.dtype, self.is_array = X.dtype, isinstance(X, sp.sparray)
        n = X.indptr[-1]
        self._files["data"][1].write(np.ascontiguousarray(X.data[:n], self.dtype).tobytes())
        self._files["indices"][1].write(X.indices[:n].astype(np.int64).tobytes())
        self._files["indptr"][1].write((X.indptr[1:].astype(np.int64) + self.nnz).tobytes())
        self.nnz += int(n)
        self.n_rows += X.shape[0]

    def write(self, path: str | os.PathLike) -> None:
        """The ``.npz`` of all the blocks, at ``path`` (an atomic output's temporary file)."""
        from .._base.sparse import index_dtype

        idx = np.dtype(index_dtype(self.nnz, self.n_cols))
        dtype = np.dtype(self.dtype if self.dtype is not None else np.float64)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                             allowZip64=True) as zf:
            self._copy(zf, "indices", np.int64, idx, self.nnz)
            self._copy(zf, "indptr", np.int64, idx, self.n_rows + 1)
            for name, value in (("format", b"csr"), ("shape", (self.n_rows, self.n_cols))):
                with zf.open(f"{name}.npy", "w") as member:
                    np.lib.format.write_array(member, np.asanyarray(value))
            self._copy(zf, "data", dtype, dtype, self.nnz)
            if self.is_array:
                with zf.open("_is_array.npy", "w") as member:
                    np.lib.format.write_array(member, np.asanyarray(True))

    def _copy(self, zf: zipfile.ZipFile, name: str, stored, dtype: np.dtype, n: int) -> None:
        """Member ``name``: the temporary file of ``stored`` values as ``n`` values of ``dtype``."""
        fh = self._files[name][1]
        fh.flush()
        fh.seek(0)
        stored = np.dtype(stored)
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                  "shape": (n,)}
        with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array_header_1_0(member, header)
            while True:
                raw = fh.read(self.BLOCK * stored.itemsize)
                if not raw:
                    break
                member.write(np.frombuffer(raw, dtype=stored).astype(dtype, copy=False)
                             .tobytes())
