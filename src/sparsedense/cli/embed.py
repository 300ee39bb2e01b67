"""``sparsedense embed``: the main job, count vectors of a corpus to dense document embeddings.

With ``--vectors`` the corpus streams in chunks twice (document frequencies,
then embeddings, each chunk's rows appended to the output as computed), so
memory stays bounded whatever the corpus size; ``-`` (stdin) is first spooled
to a temporary file. With ``--lsa`` the TF-IDF matrix (sparse) is held in
memory for the SVD.

The output (``.npy``, or ``.npz`` holding the array ``embeddings``) is built
under a unique temporary name beside it, its room reserved first, and renamed
over it when complete (:func:`sparsedense._base.files.atomic_array`): a failure, a
full disk, Ctrl-C or SIGTERM leaves no file behind and the previous output as
it was, and no other name is ever written.

With ``--scheduler ADDRESS`` (a running ``dask scheduler``) or ``--workers N``
(a local cluster of N processes) the ``--vectors`` job runs on Dask through
:class:`sparsedense.dask.EmbeddingVectorizer`: the corpus files are read by
the workers (they must see the same paths), the idf is a tree reduction, and
the client writes each block into the output as it arrives, so the file is
the same as the single-machine one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from .._base import files as files_mod
from ._coverage import Coverage, case_warning_folded as _case_warning_folded
from ._common import (
    OUTPUT_NOTE,
    Progress,
    UsageError,
    add_text_options,
    add_vector_file_options,
    array_output,
    check_output,
    chunks,
    corpus_files,
    empty_corpus,
    empty_vocabulary,
    iter_documents,
    text_options,
)

HELP = "convert the count vectors of a corpus to dense document embeddings"
EXAMPLE = """examples:
  sparsedense embed corpus.txt --vectors glove.6B.100d.txt --mode mean -o docs.npy
  sparsedense embed corpus/ --lsa 100 --normalize l2 -o docs.npz
  sparsedense embed corpus/ --vectors glove.npz --workers 2 -o docs.npy
  sparsedense embed corpus/ --vectors glove.npz --scheduler tcp://10.0.0.1:8786 -o docs.npy
  sparsedense embed corpus.txt --model path/to/model2vec -o docs.npy
  sparsedense embed corpus.txt --vectors glove.6B.100d.txt --weighting sif -o docs.npy
"""


def register(sub) -> None:
    p = sub.add_parser("embed", help=HELP, description=HELP, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", metavar="CORPUS")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--vectors", metavar="FILE", help="word vectors (word2vec, GloVe, fastText .bin, native)")
    src.add_argument("--lsa", type=int, metavar="N", help="N-dimensional LSA of the TF-IDF")
    src.add_argument("--model", metavar="FOLDER",
                     help="a model2vec model folder (downloaded beforehand; needs the static "
                          "extra): its tokenizer and token vectors, mean per document")
    p.add_argument("--weighting", choices=["tfidf", "count", "binary", "sif", "usif"],
                   default=None,
                   help="tfidf (the default with --vectors), count, binary; sif or usif "
                        "(Arora et al. 2017, Ethayarajh 2018; the corpus is held in memory, "
                        "with --vectors or --model; --model alone: model2vec's mean)")
    p.add_argument("--quantize", choices=["int8", "int4", "float16"], default=None,
                   help="compress the --vectors table and embed through it (streamed in)")
    p.add_argument("--mode", choices=["mean", "sum", "max"], default="mean")
    p.add_argument("--normalize", choices=["l2"], default=None)
    p.add_argument("--chunk-size", type=int, default=10000, help="documents per chunk")
    add_text_options(p)
    add_vector_file_options(p)
    p.add_argument("--seed", type=int, default=0, help="random seed of the LSA")
    p.add_argument("-o", "--output", required=True,
                   help="output .npy, or .npz holding the array 'embeddings'; " + OUTPUT_NOTE)
    cluster = p.add_mutually_exclusive_group()
    cluster.add_argument("--scheduler", metavar="ADDRESS",
                         help="run the --vectors job on the Dask scheduler at ADDRESS "
                              "(needs the dask extra; workers must read the corpus paths)")
    cluster.add_argument("--workers", type=int, metavar="N",
                         help="run the --vectors job on a local Dask cluster of N processes")


def _spool_stdin() -> str:
    """Standard input copied to a new temporary file (removed here if the copy fails)."""
    fd, path = tempfile.mkstemp(prefix="sparsedense-stdin-", suffix=".txt")
    try:
        with os.fdopen(fd, "wb") as fh:
            shutil.copyfileobj(sys.stdin.buffer, fh)
    except BaseException as exc:
        os.unlink(path)
        from .._base.files import NoSpaceError, is_no_space

        if is_no_space(exc):
            raise NoSpaceError(exc.errno, f"{Path(path).parent}: no space left on device for "
                                          "the copy of standard input (set TMPDIR to a "
                                          "directory with room)") from exc
        raise
    return path


def _save(out: Path, array: np.ndarray) -> None:
    with array_output(out, array.shape, array.dtype, key="embeddings") as rows:
        rows.write(array)


def _embed_lsa(args, files) -> np.ndarray:
    from ..decomposition import LSA
    from ..text import TfidfVectorizer

    n_docs = 0
    with Progress("reading", unit="doc", quiet=args.quiet) as bar:
        def docs():
            nonlocal n_docs
            for d in iter_documents(files, args.encoding, args.unicode_errors, args._shown):
                n_docs += 1
                bar.update()
                yield d
        try:
            X = TfidfVectorizer(**text_options(args)).fit_transform(docs())
        except ValueError as exc:
            if n_docs == 0:
                raise empty_corpus(args.corpus) from None
            if "empty vocabulary" in str(exc):
                raise empty_vocabulary(args.corpus) from None
            raise
    if args.lsa < 1 or args.lsa > X.shape[1]:
        raise UsageError(f"--lsa {args.lsa}: must be between 1 and the number of distinct "
                         f"words ({X.shape[1]})")
    lsa = LSA(args.lsa, random_state=args.seed)
    lsa._progress = not args.quiet  # a bar of its power iterations
    D = lsa.fit_transform(X)
    if args.normalize == "l2":
        from ..similarity import normalize_rows

        D = normalize_rows(D)
    return D


def _embed_static(args, files, out: Path) -> int:
    """``--model`` (model2vec's mean, chunk by chunk) and ``--weighting sif|usif`` (in memory)."""
    from ._common import load_vectors_with_progress, vector_file_options

    if args.model is not None:
        from ..static import StaticModel

        try:
            table = StaticModel.from_pretrained(args.model)
        except (FileNotFoundError, ImportError, ValueError) as exc:
            raise UsageError(f"--model {args.model}: {exc}") from None
        words = None
    else:
        table = load_vectors_with_progress(args.vectors, args.quiet, **vector_file_options(args))
        words = table.index_to_key
    def docs():
        return iter_documents(files, args.encoding, args.unicode_errors, args._shown)

    if args.weighting is None:  # --model alone: model2vec's mean, streamed chunk by chunk
        n_docs = sum(1 for _ in docs())
        if n_docs == 0:
            raise empty_corpus(args.corpus)
        with array_output(out, (n_docs, table.dim), table.embedding.dtype,
                          key="embeddings") as rows, \
                Progress("embedding", total=n_docs, unit="doc", quiet=args.quiet) as bar:
            for chunk in chunks(docs(), args.chunk_size):
                rows.write(table.encode(chunk, normalize=args.normalize == "l2"))
                bar.update(len(chunk))
        return n_docs
    from ..embed import EmbeddingVectorizer

    options = {} if args.model is not None else text_options(args)
    ev = EmbeddingVectorizer(table, weighting=args.weighting, normalize=args.normalize,
                             **options)
    with Progress(f"{args.weighting}", unit="doc", quiet=args.quiet, stage=True), \
            _case_warning_folded():
        corpus = list(docs())
        if not corpus:
            raise empty_corpus(args.corpus)
        try:
            D = ev.fit_transform(corpus)
        except ValueError as exc:
            raise UsageError(f"--weighting {args.weighting}: {exc}") from None
    _save(out, D)
    if words is not None:
        coverage = Coverage()
        coverage.add(D, ev.n_skipped_tokens_, ev.n_tokens_)
        coverage.report(args, words)
    return len(corpus)


def _embed_vectors(args, files, out: Path) -> int:
    from ..embed import EmbeddingVectorizer
    from ..quantized import value_dtype
    from ._common import load_vectors_with_progress, vector_file_options

    vectors = load_vectors_with_progress(args.vectors, args.quiet, quantize=args.quantize,
                                         **vector_file_options(args))
    ev = EmbeddingVectorizer(vectors, weighting=args.weighting, mode=args.mode,
                             normalize=args.normalize, **text_options(args))
    # pass 1: the weighting (document count and frequencies), chunk by chunk
    n_docs = 0
    with Progress("counting", unit="doc", quiet=args.quiet) as bar, _case_warning_folded():
        for chunk in chunks(iter_documents(files, args.encoding, args.unicode_errors,
                                           args._shown), args.chunk_size):
            ev.partial_fit(chunk)
            n_docs += len(chunk)
            bar.update(len(chunk))
    if n_docs == 0:
        raise empty_corpus(args.corpus)
    # pass 2: embeddings, appended chunk by chunk to the output
    dim, dtype = vectors.weight.shape[1], value_dtype(vectors.weight)
    coverage = Coverage()
    with array_output(out, (n_docs, dim), dtype, key="embeddings") as rows, \
            Progress("embedding", total=n_docs, unit="doc", quiet=args.quiet) as bar:
        for chunk in chunks(iter_documents(files, args.encoding, args.unicode_errors,
                                           args._shown), args.chunk_size):
            D = ev.transform(chunk)
            coverage.add(D, ev.n_skipped_tokens_, ev.n_tokens_)
            rows.write(D)
            bar.update(len(chunk))
    coverage.report(args, vectors.index_to_key)
    return n_docs


@contextlib.contextmanager
def _dask_client(args):
    """A ``distributed.Client`` on ``--scheduler`` or on a new local cluster of ``--workers``."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--scheduler and --workers need Dask: install the dask extra with "
                         "pip install 'sparsedense[dask]'") from None
    if args.scheduler:
        try:
            client = Client(args.scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"--scheduler {args.scheduler}: cannot connect ({exc})") from None
        with client:
            yield client
        return
    import dask

    from ..dask import batch_config

    # the workers use every core: their monitors turned down (see batch_config)
    with dask.config.set(batch_config()), \
            LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                         dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def _blocksize(files: list[str], n_workers: int) -> int:
    """Bytes per partition: about 4 partitions per worker, between 1 and 64 MiB."""
    total = sum(os.path.getsize(f) for f in files if files_mod.compression_of(f) is None)
    return int(min(64 << 20, max(1 << 20, total // max(1, 4 * n_workers))))


@contextlib.contextmanager
def _shared_table(weight: np.ndarray, local: bool):
    """The table the workers read: on a local cluster, memory-mapped from a temporary ``.npy``.

    Then the graph holds the file's path and the worker processes map the
    same pages (one copy in memory and in the shared cache, nothing sent);
    on two workers here the embed job took 6% less time than with a copy
    of the table in each worker. A table already memory-mapped, a remote
    cluster (``--scheduler``: its workers may not see our files), or a
    temporary directory without room: the table itself, a key of the graph.
    The file is removed after the cluster is closed.
    """
    from .._base.files import memmap_source

    if not local or memmap_source(weight) is not None:
        yield weight
        return
    with tempfile.TemporaryDirectory(prefix="sparsedense-embed-",
                                     ignore_cleanup_errors=True) as tmp:
        path = Path(tmp) / "table.npy"
        try:
            np.save(path, np.ascontiguousarray(weight))
            mapped = np.load(path, mmap_mode="r")
        except OSError:
            yield weight
            return
        yield mapped


def _embed_vectors_dask(args, files, out: Path) -> int:
    from .._base.errors import NoSamplesError
    from ._common import load_vectors_with_progress, vector_file_options

    vectors = load_vectors_with_progress(args.vectors, args.quiet, **vector_file_options(args))
    with _shared_table(vectors.weight, local=args.scheduler is None) as weight, \
            _dask_client(args) as client:
        from ..dask import EmbeddingVectorizer, iter_blocks, read_text

        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        bag = read_text(files, blocksize=_blocksize(files, n_workers), encoding=args.encoding)
        ev = EmbeddingVectorizer(weight, vectors.index_to_key,
                                 weighting=args.weighting, mode=args.mode,
                                 normalize=args.normalize, **text_options(args))
        try:
            with _case_warning_folded():
                ev.fit(bag)
        except NoSamplesError:
            raise empty_corpus(args.corpus) from None
        D = ev.transform(bag)
        n_docs, dim = D.shape
        if n_docs == 0:
            raise empty_corpus(args.corpus)
        coverage = Coverage()
        # appended in order (the workers compute ahead; a block waits on its worker)
        with array_output(out, (n_docs, dim), D.dtype, key="embeddings") as rows, \
                Progress("embedding", total=n_docs, unit="doc", quiet=args.quiet) as bar:
            for block in iter_blocks(D, client):
                coverage.add(block)
                rows.write(block)
                bar.update(block.shape[0])
    coverage.report(args, vectors.index_to_key)
    return n_docs


def _dask_decode_error(args, files: list[str], exc: UnicodeDecodeError) -> UsageError:
    """The file and line of a worker's decode error (found again here, on the client)."""
    from ._errors import decode_error

    hint = ("pass its --encoding (--unicode-errors replace is for the run without --workers "
            "and --scheduler)")
    for name in files:
        try:
            for _ in iter_documents([name], args.encoding, args.unicode_errors, args._shown):
                pass
        except UsageError as err:
            err.hint = hint
            return err
    return decode_error(args.corpus, args.encoding, exc, hint=hint)


def run(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix not in (".npy", ".npz"):
        raise UsageError(f"{out}: the output must end in .npy or .npz")
    if args.chunk_size < 1:
        raise UsageError(f"--chunk-size must be >= 1; got {args.chunk_size}")
    on_dask = args.scheduler is not None or args.workers is not None
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be >= 1; got {args.workers}")
    if on_dask and args.lsa is not None:
        raise UsageError("--scheduler and --workers run the --vectors job; the LSA runs on "
                         "one machine (leave them out)")
    if on_dask and args.unicode_errors != "strict":
        raise UsageError(f"--unicode-errors {args.unicode_errors} is for the run on one machine "
                         "(the Dask workers read the corpus strictly), leave it out or fix the "
                         "file's encoding with --encoding")
    if args.quantize is not None and (on_dask or args.lsa is not None):
        raise UsageError(f"--quantize {args.quantize} compresses the --vectors table on one "
                         "machine; leave it out with --lsa, --scheduler and --workers")
    static = args.model is not None or args.weighting in ("sif", "usif")
    if args.quantize is not None and static:
        raise UsageError(f"--quantize {args.quantize} compresses the --vectors table of a "
                         "tfidf, count or binary embedding; leave it out with --model and "
                         "--weighting sif|usif")
    if args.model is not None and args.weighting not in (None, "sif", "usif"):
        raise UsageError(f"--weighting {args.weighting} goes with --vectors; --model takes "
                         "sif, usif or none (the model's mean)")
    if args.lsa is not None and args.weighting in ("sif", "usif"):
        raise UsageError(f"--weighting {args.weighting} goes with --vectors or --model, "
                         "not --lsa")
    if args.model is not None and (args.vectors_format != "auto" or args.limit is not None):
        raise UsageError("--vectors-format and --limit go with --vectors, not --model")
    if static and (on_dask or args.mode != "mean"):
        raise UsageError("--model and --weighting sif|usif average on one machine: leave out "
                         "--scheduler, --workers and --mode")
    if args.weighting is None and args.model is None:
        args.weighting = "tfidf"
    if args.lsa is not None and (args.vectors_format != "auto" or args.limit is not None):
        raise UsageError("--vectors-format and --limit go with --vectors, not --lsa")
    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit must be >= 1; got {args.limit}")
    check_output(out)  # before the work
    spooled = None
    args._shown = {}
    try:
        if args.corpus == "-":
            spooled = _spool_stdin()
            files = [spooled]
            args._shown[spooled] = "<stdin>"
        else:
            files = corpus_files(args.corpus)
        if args.lsa is not None:
            D = _embed_lsa(args, files)
            _save(out, D)
            n_docs, dim = D.shape
        elif static:
            n_docs = _embed_static(args, files, out)
            dim = None
        elif on_dask:
            try:
                n_docs = _embed_vectors_dask(args, files, out)
            except UnicodeDecodeError as exc:  # a worker's error: its message is lost on the way
                raise _dask_decode_error(args, files, exc) from None
            dim = None
        else:
            n_docs = _embed_vectors(args, files, out)
            dim = None
    finally:
        if spooled:
            os.unlink(spooled)
    print(f"{n_docs} documents embedded -> {out}" + (f" ({dim} dimensions)" if dim else ""))
    return 0
