"""Optimizers that apply the ``.grad`` of embedding modules in place (like ``torch.optim``).

``opt = SGD([emb], lr=0.1)``; after ``emb.backward(...)``, ``opt.step()``
updates ``emb.weight`` and ``opt.zero_grad()`` clears the gradients. A
row-sparse gradient (:class:`~sparsedense.nn.RowSparseGrad`) updates only its
rows. The arithmetic follows the torch optimizer of the same name, so the
same gradients give the same weights (to float rounding).

Every check (frozen module, read-only weight, unsupported option for a
row-sparse gradient, shape mismatch, a table replaced since the first step)
runs for all modules before any weight
changes, so a refused step changes nothing.

Thread safety: a step writes the modules' weights (and its own state) in place,
so one optimizer, or one module being trained, must not be used from two
threads at once. Separate modules with separate optimizers train in parallel
threads exactly as they would one after the other (the kernels release the GIL).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._base.errors import InvalidParameterError
from ._base.validation import check_real
from .grad import RowSparseGrad

__all__ = ["Optimizer", "SGD", "Adagrad", "SparseAdam"]


class Optimizer:
    """Base class: holds the modules and per-module state; subclasses define the update."""

    def __init__(self, modules: Iterable[Any]) -> None:
        if hasattr(modules, "weight"):
            modules = [modules]
        self.modules = list(modules)
        if not self.modules:
            raise ValueError("optimizer got an empty list of modules")
        for i, m in enumerate(self.modules):
            if not (hasattr(m, "weight") and hasattr(m, "grad")):
                raise TypeError(f"modules[{i}] is {type(m).__name__}; expected a module with "
                                "`weight` and `grad` (e.g. sparsedense.nn.Embedding)")
        self.state: list[dict[str, Any]] = [{} for _ in self.modules]

    def zero_grad(self) -> None:
        """Clear every module's gradient (set to None)."""
        for m in self.modules:
            m.grad = None

    def _pending(self) -> list[tuple[int, Any, Any]]:
        """Modules with a gradient, after checking all of them (nothing written yet)."""
        todo = []
        for i, m in enumerate(self.modules):
            if m.grad is None:
                continue
            if not getattr(m, "requires_grad", True):
                raise RuntimeError(f"modules[{i}] is frozen; it cannot be updated")
            w = m.weight
            if not w.flags.writeable:
                raise ValueError(f"modules[{i}].weight is read-only; an optimizer step writes "
                                 "to it (pass a writable table)")
            g = m.grad
            if not isinstance(g, (np.ndarray, RowSparseGrad)):
                raise TypeError(f"modules[{i}].grad is {type(g).__name__}; expected a numpy "
                                "array or a RowSparseGrad (from the module's backward)")
            if g.dtype not in (np.float32, np.float64):
                raise TypeError(f"modules[{i}].grad has dtype {g.dtype}; expected float32 or "
                                "float64")
            shape = g.shape
            if tuple(shape) != w.shape:
                raise ValueError(f"modules[{i}].grad has shape {tuple(shape)}; weight has "
                                 f"shape {w.shape}")
            self._check_grad(i, g)
            self._check_state(i, w)
            todo.append((i, m, g))
        return todo

    def _check_grad(self, i: int, grad: Any) -> None:  # pragma: no cover - overridden
        pass

    def _check_state(self, i: int, weight: np.ndarray) -> None:
        """The state made at the first step must still fit the module's table.

        A table replaced after the first step (``emb.weight = bigger``) would
        make the kernels index the old, smaller state arrays out of bounds.
        """
        for key, arr in self.state[i].items():
            if isinstance(arr, np.ndarray) and (arr.shape != weight.shape
                                                or arr.dtype != weight.dtype):
                raise ValueError(
                    f"modules[{i}].weight has shape {weight.shape} and dtype {weight.dtype}, but "
                    f"the optimizer's state {key!r} was made for shape {arr.shape} and dtype "
                    f"{arr.dtype} at its first step: the table was replaced. Make a new "
                    f"{type(self).__name__} for the new table")

    def step(self) -> None:
        """Apply one update to every module that has a gradient."""
        for i, m, g in self._pending():
            self._update(self.state[i], m.weight, g)

    def _update(self, state: dict, weight: np.ndarray, grad: Any) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent (torch's ``SGD``): ``w -= lr * g``.

    Parameters
    ----------
    modules : iterable of modules (e.g. ``[emb]``)
    lr : float
    momentum, dampening, weight_decay : float, default=0
        As in torch; only with dense gradients (a row-sparse step would have
        to touch every row).
    nesterov : bool, default=False

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.nn import Embedding
    >>> from sparsedense.optim import SGD
    >>> emb = Embedding(4, 2, sparse=True, seed=0)
    >>> before = emb.weight.copy()
    >>> _ = emb([1, 1, 3])
    >>> _ = emb.backward(np.ones((3, 2), np.float32))
    >>> SGD([emb], lr=0.5).step()
    >>> (before - emb.weight).tolist()[1], (before - emb.weight).tolist()[0]
    ([1.0, 1.0], [0.0, 0.0])
    """

    def __init__(self, modules, lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(modules)
        self.lr = check_real(lr, "lr", 0)
        self.momentum = check_real(momentum, "momentum", 0)
        self.dampening = check_real(dampening, "dampening", 0)
        self.weight_decay = check_real(weight_decay, "weight_decay", 0)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _check_grad(self, i, grad) -> None:
        if isinstance(grad, RowSparseGrad) and (self.momentum or self.weight_decay):
            raise ValueError(f"modules[{i}] has a row-sparse gradient: SGD supports only lr "
                             "for it (momentum and weight_decay would touch every row)")

    def _update(self, state, weight, grad) -> None:
        from ._kernels._dispatch import choose
        from ._kernels.optim import _sgd_rows

        if isinstance(grad, RowSparseGrad):
            choose(_sgd_rows, grad.values.size)(weight, grad.indices, grad.values, self.lr)
            return
        d = np.asarray(grad)
        if self.weight_decay:
            d = d + self.weight_decay * weight
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(d, copy=True)
            else:
                buf *= self.momentum
                buf += (1 - self.dampening) * d
            d = d + self.momentum * buf if self.nesterov else buf
        choose(_sgd_rows, weight.size)(weight, np.arange(weight.shape[0]),
                                       np.ascontiguousarray(d), self.lr)


class Adagrad(Optimizer):
    """Adagrad (torch's ``Adagrad``): ``s += g**2; w -= clr * g / (sqrt(s) + eps)``.

    ``clr = lr / (1 + (step - 1) * lr_decay)``. With a row-sparse gradient only
    its rows (of ``w`` and of the accumulator ``s``) change.

    Parameters
    ----------
    modules : iterable of modules
    lr : float, default=0.01
    lr_decay : float, default=0
    weight_decay : float, default=0 (dense gradients only, as in torch)
    initial_accumulator_value : float, default=0
    eps : float, default=1e-10
    """

    def __init__(self, modules, lr: float = 0.01, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        super().__init__(modules)
        self.lr = check_real(lr, "lr", 0)
        self.lr_decay = check_real(lr_decay, "lr_decay", 0)
        self.weight_decay = check_real(weight_decay, "weight_decay", 0)
        self.initial_accumulator_value = check_real(initial_accumulator_value,
                                                    "initial_accumulator_value", 0)
        self.eps = check_real(eps, "eps", 0, low_open=True)

    def _check_grad(self, i, grad) -> None:
        if isinstance(grad, RowSparseGrad) and self.weight_decay:
            raise ValueError(f"modules[{i}]: weight_decay is not compatible with a row-sparse "
                             "gradient (as in torch)")

    def _update(self, state, weight, grad) -> None:
        from ._kernels._dispatch import choose
        from ._kernels.optim import _adagrad_dense, _adagrad_rows

        if "sum" not in state:
            state["sum"] = np.full(weight.shape, self.initial_accumulator_value, weight.dtype)
            state["step"] = 0
        state["step"] += 1
        clr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        if isinstance(grad, RowSparseGrad):
            choose(_adagrad_rows, grad.values.size)(weight, state["sum"], grad.indices,
                                                    grad.values, clr, self.eps)
            return
        d = np.asarray(grad)
        if self.weight_decay:
            d = d + self.weight_decay * weight
        choose(_adagrad_dense, weight.size)(weight, state["sum"], np.ascontiguousarray(d), clr,
                                            self.eps)


class SparseAdam(Optimizer):
    """Adam for row-sparse gradients (torch's ``SparseAdam``).

    The moments are updated, and the weights moved, only on the rows present
    in the gradient; the bias correction uses the module's step count.

    Parameters
    ----------
    modules : iterable of modules with ``sparse=True``
    lr : float, default=0.001
    betas : tuple of float, default=(0.9, 0.999)
    eps : float, default=1e-8
    """

    def __init__(self, modules, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        super().__init__(modules)
        self.lr = check_real(lr, "lr", 0, low_open=True)
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2); got {betas!r}")
        b1, b2 = betas
        for name, b in (("betas[0]", b1), ("betas[1]", b2)):
            check_real(b, name, 0)
            if not float(b) < 1.0:
                raise InvalidParameterError(f"{name} must be in [0, 1); got {b!r}")
        self.betas = (float(b1), float(b2))
        self.eps = check_real(eps, "eps", 0, low_open=True)

    def _check_grad(self, i, grad) -> None:
        if not isinstance(grad, RowSparseGrad):
            raise ValueError(f"modules[{i}] has a dense gradient; SparseAdam needs row-sparse "
                             "gradients (Embedding(..., sparse=True))")

    def _update(self, state, weight, grad) -> None:
        from ._kernels._dispatch import choose
        from ._kernels.optim import _sparse_adam_rows

        if "exp_avg" not in state:
            state["exp_avg"] = np.zeros_like(weight)
            state["exp_avg_sq"] = np.zeros_like(weight)
            state["step"] = 0
        state["step"] += 1  # an empty gradient (a batch of padding only) still counts, as in torch
        if grad.indices.size == 0:
            return
        b1, b2 = self.betas
        step = state["step"]
        step_size = self.lr * math.sqrt(1 - b2 ** step) / (1 - b1 ** step)
        choose(_sparse_adam_rows, grad.values.size)(
            weight, state["exp_avg"], state["exp_avg_sq"], grad.indices, grad.values, b1, b2,
            self.eps, step_size)
