"""The same jobs on Dask: vectorizers, sparse -> dense and top-k over dask collections.

``sparsedense.dask`` has the names of the single-machine API wherever a job
can run on a cluster; each partition of the input is handled by the
single-machine code (no second kernel), and the results equal the
single-machine ones (see each function). It needs the ``dask`` extra::

    pip install "sparsedense[dask]"     # dask[array,bag,dataframe] and distributed

Inputs are a ``dask.bag`` of documents, a dask Series of text, a glob or a
list of paths (one document per line, ``.gz`` too; see :func:`read_text`),
or a plain list of documents. Outputs are ``dask.array`` objects with known
chunks, one row block per input partition, computed by whatever scheduler
is active: the local ones (``dask.config.set(scheduler="processes")``) or a
``distributed.Client``.
"""

from __future__ import annotations

try:
    from dask import array as _array, bag as _bag
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "sparsedense.dask needs Dask, which is not installed: install the 'dask' extra with "
        "pip install 'sparsedense[dask]' (dask[array,bag,dataframe] and distributed)"
    ) from exc
del _array, _bag

from ._cluster import batch_config
from ._dense import EmbeddingVectorizer, sparse_to_dense
from ._graph import as_bag, iter_blocks, read_text
from ._similarity import topk_similar
from ._text import CountVectorizer, HashingVectorizer, TfidfVectorizer

__all__ = [
    "CountVectorizer",
    "EmbeddingVectorizer",
    "HashingVectorizer",
    "TfidfVectorizer",
    "as_bag",
    "batch_config",
    "iter_blocks",
    "read_text",
    "sparse_to_dense",
    "topk_similar",
]
