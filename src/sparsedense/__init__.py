"""sparsedense: sparse and dense vector representations of text, on Numba kernels.

Text becomes sparse vectors (one-hot, bag-of-words counts, TF-IDF, hashed
features, in ``scipy.sparse``), and sparse vectors become dense ones. The public
names are imported lazily: ``import sparsedense`` loads neither Numba nor any
kernel, and nothing is compiled until a kernel is first called (compiled
kernels are cached on disk).

Examples
--------
>>> import sparsedense as sd
>>> X = sd.TfidfVectorizer().fit_transform(["deposit savings", "rain snow"])
>>> X.shape
(2, 4)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Vocabulary": "sparsedense.vocabulary",
    "CountVectorizer": "sparsedense.text",
    "EmbeddingVectorizer": "sparsedense.embed",
    "StaticModel": "sparsedense.static",
    "TfidfTransformer": "sparsedense.text",
    "TfidfVectorizer": "sparsedense.text",
    "HashingVectorizer": "sparsedense.text",
    "one_hot": "sparsedense.text",
    "ENGLISH_STOP_WORDS": "sparsedense.text",
    "NotFittedError": "sparsedense.text",
    "InvalidParameterError": "sparsedense._base.errors",
    "load_sample_corpus": "sparsedense.data",
    "Embedding": "sparsedense.nn",
    "EmbeddingBag": "sparsedense.nn",
    "LSA": "sparsedense.decomposition",
    "Vectors": "sparsedense.vectors",
    "load_vectors": "sparsedense.vectors",
    "cosine_similarity": "sparsedense.similarity",
    "topk_similar": "sparsedense.similarity",
    "sparse_to_dense": "sparsedense.functional",
    "quantize": "sparsedense.quantized",
    "QuantizedTable": "sparsedense.quantized",
    "RowSparseGrad": "sparsedense.grad",
    "warmup": "sparsedense._warmup",
    "machine_info": "sparsedense._kernels._tuning",
    "show_config": "sparsedense._kernels._tuning",
    "functional": None,
    "nn": None,
    "optim": None,
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from ._base.errors import InvalidParameterError
    from . import functional, nn, optim
    from .data import load_sample_corpus
    from .grad import RowSparseGrad
    from ._kernels._tuning import machine_info, show_config
    from .decomposition import LSA
    from .similarity import cosine_similarity, topk_similar
    from .vectors import Vectors, load_vectors
    from .functional import sparse_to_dense
    from .quantized import QuantizedTable, quantize
    from .nn import Embedding, EmbeddingBag
    from .embed import EmbeddingVectorizer
    from .static import StaticModel
    from .text import (
        ENGLISH_STOP_WORDS,
        CountVectorizer,
        HashingVectorizer,
        NotFittedError,
        TfidfTransformer,
        TfidfVectorizer,
        one_hot,
    )
    from .vocabulary import Vocabulary


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sparsedense' has no attribute {name!r}")
    module = _EXPORTS[name]
    if module is None:  # a submodule: sparsedense.functional, .nn, .optim
        value = importlib.import_module(f"sparsedense.{name}")
    else:
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
