"""The class layer of the dense side: modules that hold a weight table (like ``torch.nn``).

A module holds state (``weight``, ``grad``, what the last forward needs for
its backward) and calls the stateless functions of
:mod:`sparsedense.functional`, which call the kernels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import functional as F
from ._base.errors import InvalidParameterError
from ._base.validation import (
    check_mode,
    check_padding_idx,
    check_real,
    check_int,
    check_weight,
)
from .grad import RowSparseGrad
from .quantized import QuantizedTable

__all__ = ["Embedding", "EmbeddingBag", "RowSparseGrad"]


def _table_of(embeddings: Any) -> Any:
    """The array of a :class:`~sparsedense.Vectors`, or ``embeddings`` itself."""
    if hasattr(embeddings, "index_to_key") and hasattr(embeddings, "weight"):
        return embeddings.weight
    return embeddings


def _pretrained(embeddings: Any, freeze: bool, max_norm: Any) -> Any:
    """The table of ``from_pretrained``: a float table, or a frozen compressed one."""
    table = _table_of(embeddings)
    if isinstance(table, QuantizedTable):
        if not freeze:
            raise ValueError("a QuantizedTable's rows are read-only: from_pretrained needs "
                             "freeze=True with it (train a float table, then quantize it)")
        if max_norm is not None:
            raise ValueError("max_norm renormalizes rows in place, but a QuantizedTable's "
                             "rows are read-only; pass max_norm=None")
        return table
    return check_weight(table, name="embeddings")


class _Table:
    """What Embedding and EmbeddingBag share: the table, its gradient, freezing."""

    def _init_table(self, num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                    scale_grad_by_freq, sparse, dtype, seed, weight, freeze) -> None:
        owner = type(self).__name__
        num_embeddings = check_int(num_embeddings, "num_embeddings", 1, owner=owner)
        embedding_dim = check_int(embedding_dim, "embedding_dim", 1, owner=owner)
        self.padding_idx = None if padding_idx is None else check_padding_idx(
            padding_idx, num_embeddings)
        self.max_norm = (None if max_norm is None
                         else check_real(max_norm, "max_norm", 0, low_open=True))
        self.norm_type = check_real(norm_type, "norm_type", 0, low_open=True, allow_inf=True)
        self.scale_grad_by_freq = bool(scale_grad_by_freq)
        self.sparse = bool(sparse)
        if weight is None:
            dtype = np.dtype(dtype)
            if dtype not in (np.float32, np.float64):
                raise InvalidParameterError(f"dtype must be float32 or float64; got {dtype}")
            rng = np.random.default_rng(seed)
            weight = rng.standard_normal((num_embeddings, embedding_dim), dtype=dtype)
            if self.padding_idx is not None:
                weight[self.padding_idx] = 0
        else:
            if not isinstance(weight, QuantizedTable):
                weight = check_weight(weight)
            if weight.shape != (num_embeddings, embedding_dim):
                raise ValueError(f"_weight has shape {weight.shape}; expected "
                                 f"({num_embeddings}, {embedding_dim})")
        self.weight = weight
        self.requires_grad = not freeze
        self.grad: np.ndarray | RowSparseGrad | None = None

    @property
    def num_embeddings(self) -> int:
        return self.weight.shape[0]

    @property
    def embedding_dim(self) -> int:
        return self.weight.shape[1]

    def _check_trainable(self) -> None:
        if not self.requires_grad:
            raise RuntimeError(f"this {type(self).__name__} is frozen "
                               "(from_pretrained(..., freeze=True)); it has no gradient. "
                               "Use freeze=False to train it.")
        if self._saved is None:
            raise RuntimeError(f"backward() needs a forward call first: call the "
                               f"{type(self).__name__} on indices")

    def _accumulate(self, grad) -> None:
        if self.grad is None:
            self.grad = grad.copy()
        elif isinstance(grad, RowSparseGrad):
            self.grad = self.grad + grad
        else:
            self.grad += grad

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``grad`` becomes None, as torch's default)."""
        self.grad = None

    def _repr_options(self) -> list[str]:
        extra = [f"{self.num_embeddings}", f"{self.embedding_dim}"]
        if self.padding_idx is not None:
            extra.append(f"padding_idx={self.padding_idx}")
        if self.max_norm is not None:
            extra.append(f"max_norm={self.max_norm}")
        if self.norm_type != 2.0:
            extra.append(f"norm_type={self.norm_type}")
        if self.scale_grad_by_freq:
            extra.append("scale_grad_by_freq=True")
        if self.sparse:
            extra.append("sparse=True")
        return extra


class Embedding(_Table):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim`` (torch's ``nn.Embedding``).

    ``emb(indices)`` returns ``weight[indices]`` (shape ``indices.shape +
    (embedding_dim,)``) and remembers the indices; ``emb.backward(grad_output)``
    returns the gradient of that lookup with respect to ``weight`` and adds it
    to ``emb.grad``, which an optimizer from :mod:`sparsedense.optim` applies.

    Parameters
    ----------
    num_embeddings : int
        Size of the dictionary (e.g. ``len(vocabulary)``).
    embedding_dim : int
        Size of each vector.
    padding_idx : int, optional
        This row is initialized to zeros and never gets a gradient; negative
        values count from the end, as in torch.
    max_norm : float, optional
        Rows looked up whose norm exceeds ``max_norm`` are rescaled in place.
    norm_type : float, default=2.0
        The p of the p-norm for ``max_norm``.
    scale_grad_by_freq : bool, default=False
        Scale gradients by the inverse frequency of the indices in the batch.
    sparse : bool, default=False
        Gradients are :class:`RowSparseGrad` instead of dense arrays.
    dtype : {np.float32, np.float64}, default=np.float32
    seed : int or numpy.random.Generator, optional
        Initialization is ``N(0, 1)`` drawn from ``np.random.default_rng(seed)``.

    Attributes
    ----------
    weight : ndarray of shape (num_embeddings, embedding_dim)
    grad : ndarray, RowSparseGrad or None
        Accumulated gradient (None until the first backward, and after
        :meth:`zero_grad`).
    requires_grad : bool
        False for a frozen table (see :meth:`from_pretrained`).

    Notes
    -----
    Lookups on one module from several threads are safe (they only read
    ``weight``, except with ``max_norm``). ``backward`` uses the indices of the
    last call on this module, so forward/backward pairs and optimizer steps
    must not interleave across threads.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.nn import Embedding
    >>> emb = Embedding(10, 3, seed=0)
    >>> emb(np.array([[1, 2, 4, 5], [4, 3, 2, 9]])).shape
    (2, 4, 3)
    >>> g = emb.backward(np.ones((2, 4, 3), np.float32))
    >>> g[2].tolist(), g[0].tolist()  # index 2 occurs twice, index 0 never
    ([2.0, 2.0, 2.0], [0.0, 0.0, 0.0])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, dtype=np.float32,
                 seed: int | np.random.Generator | None = None, *,
                 _weight: np.ndarray | None = None, _freeze: bool = False) -> None:
        self._init_table(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, dtype, seed, _weight, _freeze)
        self._saved: tuple[np.ndarray, tuple[int, ...]] | None = None

    @classmethod
    def from_pretrained(cls, embeddings: np.ndarray, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> "Embedding":
        """An Embedding whose weight *is* ``embeddings`` (no copy; a memmap works).

        ``embeddings`` may also be a :class:`~sparsedense.Vectors` (its table
        is used; row ``i`` is ``vectors.index_to_key[i]``). With
        ``freeze=True`` (the default, as in torch) the table is not trained:
        :meth:`backward` and optimizer steps refuse it. A compressed table
        (:func:`sparsedense.quantize`) works frozen; its lookups are float32.
        """
        weight = _pretrained(embeddings, freeze, max_norm)
        return cls(weight.shape[0], weight.shape[1], padding_idx=padding_idx,
                   max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=weight,
                   _freeze=freeze)

    def forward(self, indices: Any, out: np.ndarray | None = None) -> np.ndarray:
        """Look up ``indices`` (any shape) -> ``indices.shape + (embedding_dim,)``."""
        result = F.embedding(indices, self.weight, padding_idx=self.padding_idx,
                             max_norm=self.max_norm, norm_type=self.norm_type, out=out)
        self._saved = F._flat_indices(indices, self.num_embeddings)
        return result

    __call__ = forward

    def backward(self, grad_output: Any) -> np.ndarray | RowSparseGrad:
        """Gradient of the last lookup; also accumulated into ``self.grad``.

        Returns
        -------
        ndarray (num_embeddings, embedding_dim) or RowSparseGrad (``sparse=True``)

        Raises
        ------
        RuntimeError
            If the table is frozen or no lookup was made yet.
        """
        self._check_trainable()
        flat, shape = self._saved
        grad = F.embedding_backward(grad_output, flat.reshape(shape), self.num_embeddings,
                                    padding_idx=self.padding_idx,
                                    scale_grad_by_freq=self.scale_grad_by_freq,
                                    sparse=self.sparse)
        self._accumulate(grad)
        return grad

    def __repr__(self) -> str:
        return f"Embedding({', '.join(self._repr_options())})"


class EmbeddingBag(_Table):
    """Sums, means or maxima of bags of embeddings, without the intermediate lookups.

    torch's ``nn.EmbeddingBag`` on the kernels of
    :func:`~sparsedense.functional.embedding_bag`: ``bag(indices, offsets)``
    returns one vector per bag, ``bag.backward(grad_output)`` the gradients.

    Parameters
    ----------
    num_embeddings, embedding_dim, max_norm, norm_type, scale_grad_by_freq, \
sparse, padding_idx, dtype, seed
        As in :class:`Embedding` (padding entries are skipped in every bag).
    mode : {'sum', 'mean', 'max'}, default='mean'
    include_last_offset : bool, default=False

    Notes
    -----
    As for :class:`Embedding`: calls from several threads on one module are safe
    for lookups (without ``max_norm``, which rescales rows in place); ``backward``
    uses the arguments of the module's last call, so forward/backward pairs and
    optimizer steps on one module must stay in one thread.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.nn import EmbeddingBag
    >>> W = np.arange(12, dtype=np.float32).reshape(6, 2)
    >>> bag = EmbeddingBag.from_pretrained(W, freeze=False, mode="sum")
    >>> bag(np.array([1, 2, 4, 5]), offsets=np.array([0, 2])).tolist()
    [[6.0, 8.0], [18.0, 20.0]]
    >>> gw, _ = bag.backward(np.ones((2, 2), np.float32))
    >>> gw.sum(axis=1).tolist()
    [0.0, 2.0, 2.0, 0.0, 2.0, 2.0]
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, include_last_offset: bool = False,
                 padding_idx: int | None = None, dtype=np.float32,
                 seed: int | np.random.Generator | None = None, *,
                 _weight: np.ndarray | None = None, _freeze: bool = False) -> None:
        check_mode(mode)
        if scale_grad_by_freq and mode == "max":
            raise ValueError("scale_grad_by_freq is not supported with mode='max' (as in torch)")
        self._init_table(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, dtype, seed, _weight, _freeze)
        self.mode = mode
        self.include_last_offset = bool(include_last_offset)
        self._saved: tuple | None = None

    @classmethod
    def from_pretrained(cls, embeddings: np.ndarray, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> "EmbeddingBag":
        """An EmbeddingBag whose weight *is* ``embeddings`` (no copy; a Vectors works).

        A compressed table (:func:`sparsedense.quantize`) works frozen.
        """
        weight = _pretrained(embeddings, freeze, max_norm)
        return cls(weight.shape[0], weight.shape[1], max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                   include_last_offset=include_last_offset, padding_idx=padding_idx,
                   _weight=weight, _freeze=freeze)

    def forward(self, indices: Any, offsets: Any = None,
                per_sample_weights: Any = None) -> np.ndarray:
        """One vector per bag: shape (n_bags, embedding_dim)."""
        out = F.embedding_bag(indices, self.weight, offsets, mode=self.mode,
                              per_sample_weights=per_sample_weights,
                              padding_idx=self.padding_idx,
                              include_last_offset=self.include_last_offset,
                              max_norm=self.max_norm, norm_type=self.norm_type)
        saved = np.array(indices, copy=True)
        if saved.size == 0 and saved.dtype.kind == "f":  # [] from a list (validated above)
            saved = saved.astype(np.int64)
        self._saved = (saved,
                       None if offsets is None else np.array(offsets, copy=True),
                       None if per_sample_weights is None else np.array(per_sample_weights,
                                                                        copy=True))
        return out

    __call__ = forward

    def backward(self, grad_output: Any) -> tuple[np.ndarray | RowSparseGrad, np.ndarray | None]:
        """Gradients of the last call: ``(grad_weight, grad_per_sample_weights)``.

        ``grad_weight`` is also accumulated into ``self.grad``;
        ``grad_per_sample_weights`` is None when no sample weights were given.
        """
        self._check_trainable()
        indices, offsets, psw = self._saved
        grad, grad_psw = F.embedding_bag_backward(
            grad_output, indices, self.weight, offsets, mode=self.mode,
            per_sample_weights=psw, padding_idx=self.padding_idx,
            include_last_offset=self.include_last_offset, sparse=self.sparse,
            scale_grad_by_freq=self.scale_grad_by_freq)
        self._accumulate(grad)
        return grad, grad_psw

    def __repr__(self) -> str:
        return f"EmbeddingBag({', '.join(self._repr_options() + [f'mode={self.mode!r}'])})"
