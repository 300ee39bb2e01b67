"""``sparsedense embed``: the main job, count vectors of a corpus to dense document embeddings.

With ``--vectors`` the corpus streams in chunks twice (document frequencies,
then embeddings written into a memory-mapped ``.npy``), so memory stays
bounded whatever the corpus size; ``-`` (stdin) is first spooled to a
temporary file. With ``--lsa`` the TF-IDF matrix (sparse) is held in memory
for the SVD.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from ._common import Progress, UsageError, atomic_output, chunks, corpus_files, iter_documents

HELP = "convert the count vectors of a corpus to dense document embeddings"
EXAMPLE = """examples:
  sparsedense embed corpus.txt --vectors glove.6B.100d.txt --mode mean -o docs.npy
  sparsedense embed corpus/ --lsa 100 --normalize l2 -o docs.npz
"""


def register(sub) -> None:
    p = sub.add_parser("embed", help=HELP, description=HELP, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", metavar="CORPUS")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--vectors", metavar="FILE", help="word vectors (word2vec, GloVe, native)")
    src.add_argument("--lsa", type=int, metavar="N", help="N-dimensional LSA of the TF-IDF")
    p.add_argument("--weighting", choices=["tfidf", "count", "binary"], default="tfidf")
    p.add_argument("--mode", choices=["mean", "sum", "max"], default="mean")
    p.add_argument("--normalize", choices=["l2"], default=None)
    p.add_argument("--chunk-size", type=int, default=10000, help="documents per chunk")
    p.add_argument("--encoding", default="utf-8")
    p.add_argument("--seed", type=int, default=0, help="random seed of the LSA")
    p.add_argument("-o", "--output", required=True, help="output .npy or .npz")


def _spool_stdin() -> str:
    fd, path = tempfile.mkstemp(prefix="sparsedense-stdin-", suffix=".txt")
    with os.fdopen(fd, "wb") as fh:
        shutil.copyfileobj(sys.stdin.buffer, fh)
    return path


def _save(out: Path, array: np.ndarray) -> None:
    with atomic_output(out) as tmp:
        if out.suffix == ".npz":
            np.savez(tmp, embeddings=array)
        else:
            np.save(tmp, array)


def _embed_lsa(args, files) -> np.ndarray:
    from ..decomposition import LSA
    from ..text import TfidfVectorizer

    with Progress("reading", unit="doc", quiet=args.quiet) as bar:
        def docs():
            for d in iter_documents(files, args.encoding):
                bar.update()
                yield d
        X = TfidfVectorizer().fit_transform(docs())
    if args.lsa < 1 or args.lsa > X.shape[1]:
        raise UsageError(f"--lsa {args.lsa}: must be between 1 and the number of distinct "
                         f"words ({X.shape[1]})")
    with Progress(f"LSA ({args.lsa} components)", total=1, unit="fit", quiet=args.quiet) as bar:
        D = LSA(args.lsa, random_state=args.seed).fit_transform(X)
        bar.update()
    if args.normalize == "l2":
        from ..similarity import normalize_rows

        D = normalize_rows(D)
    return D


def _embed_vectors(args, files, out: Path) -> int:
    from ..functional import sparse_to_dense
    from ..text import CountVectorizer, TfidfTransformer
    from ._common import load_vectors_with_progress

    vectors = load_vectors_with_progress(args.vectors, args.quiet)
    weight = np.asarray(vectors.weight)
    mapping = {w: i for i, w in enumerate(vectors.index_to_key)}
    counter = CountVectorizer(vocabulary=mapping, binary=args.weighting == "binary",
                              dtype=weight.dtype)
    # pass 1: number of documents and document frequencies
    n_docs = 0
    df = np.zeros(len(mapping), dtype=np.int64)
    with Progress("counting", unit="doc", quiet=args.quiet) as bar:
        for chunk in chunks(iter_documents(files, args.encoding), args.chunk_size):
            X = counter.transform(chunk)
            n_docs += X.shape[0]
            df += np.bincount(X.indices, minlength=len(mapping))
            bar.update(len(chunk))
    if n_docs == 0:
        raise UsageError(f"{args.corpus}: the corpus is empty")
    tfidf = None
    if args.weighting == "tfidf":
        tfidf = TfidfTransformer()
        tfidf.idf_ = tfidf.idf_from_df(df, n_docs, weight.dtype)
        tfidf.n_features_in_ = len(mapping)
    # pass 2: embeddings, written chunk by chunk into the output
    target = out if out.suffix == ".npy" else out.with_suffix(".npy")
    with atomic_output(target) as tmp:
        dense = np.lib.format.open_memmap(tmp, mode="w+", dtype=weight.dtype,
                                          shape=(n_docs, weight.shape[1]))
        row = 0
        with Progress("embedding", total=n_docs, unit="doc", quiet=args.quiet) as bar:
            for chunk in chunks(iter_documents(files, args.encoding), args.chunk_size):
                X = counter.transform(chunk)
                if tfidf is not None:
                    X = tfidf.transform(X)
                dense[row:row + X.shape[0]] = sparse_to_dense(X, weight, mode=args.mode,
                                                              normalize=args.normalize)
                row += X.shape[0]
                bar.update(len(chunk))
        dense.flush()
        del dense
    if out.suffix == ".npz":
        array = np.load(target, mmap_mode="r")
        _save(out, np.asarray(array))
        del array
        target.unlink()
    return n_docs


def run(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix not in (".npy", ".npz"):
        raise UsageError(f"{out}: the output must end in .npy or .npz")
    if args.chunk_size < 1:
        raise UsageError(f"--chunk-size must be >= 1; got {args.chunk_size}")
    spooled = None
    try:
        if args.corpus == "-":
            spooled = _spool_stdin()
            files = [spooled]
        else:
            files = corpus_files(args.corpus)
        if args.lsa is not None:
            D = _embed_lsa(args, files)
            _save(out, D)
            n_docs, dim = D.shape
        else:
            n_docs = _embed_vectors(args, files, out)
            dim = None
    finally:
        if spooled:
            os.unlink(spooled)
    print(f"{n_docs} documents embedded -> {out}" + (f" ({dim} dimensions)" if dim else ""))
    return 0
