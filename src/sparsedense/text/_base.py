"""The estimator contract shared by the vectorizers (scikit-learn's, without depending on it).

``__init__`` only stores keyword arguments; ``get_params`` / ``set_params``
read them back by introspecting the signature, so ``sklearn.base.clone``,
``Pipeline`` and grid search work on sparsedense estimators.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Any


class BaseEstimator:
    """Parameter handling compatible with ``sklearn.base.BaseEstimator``."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this estimator (``deep`` includes nested estimators)."""
        out: dict[str, Any] = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for sub_key, sub_value in value.get_params().items():
                    out[f"{key}__{sub_key}"] = sub_value
            out[key] = value
        return out

    def set_params(self, **params: Any) -> "BaseEstimator":
        """Set parameters; ``name__sub`` sets a parameter of a nested estimator."""
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, delim, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {sorted(self._get_param_names())!r}."
                )
            if delim:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.default is not p.empty
        }
        shown = []
        for key in self._get_param_names():
            value = getattr(self, key, None)
            default = defaults.get(key, inspect.Parameter.empty)
            try:
                same = value is default or bool(value == default)
            except Exception:  # arrays and other odd values: show them
                same = False
            if not same:
                shown.append(f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def __sklearn_tags__(self):  # only ever called by scikit-learn, so it is installed
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(),
            input_tags=InputTags(**self._input_tags()),
        )

    def _input_tags(self) -> dict[str, bool]:
        return {"string": True, "two_d_array": False}


class TransformerMixin:
    """``fit_transform`` as ``fit`` then ``transform`` (overridden where faster)."""

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y, **fit_params).transform(X)


class NotFittedError(ValueError, AttributeError):
    """Raised when a method needs a fitted estimator (like scikit-learn's).

    When scikit-learn is imported, what is raised is also an instance of
    ``sklearn.exceptions.NotFittedError`` (see :func:`sklearn_twin`), so code
    that catches scikit-learn's class catches ours.
    """

    def __new__(cls, *args, **kwargs):
        if cls is NotFittedError:
            cls = sklearn_twin(cls)
        return super().__new__(cls, *args, **kwargs)


class DocumentTypeError(TypeError, AttributeError):
    """A document is not text: a TypeError, and the AttributeError scikit-learn raises.

    scikit-learn fails on such a document inside its preprocessing
    (``'int' object has no attribute 'lower'``); we say which document it is.
    """


class DTypeError(TypeError, ValueError):
    """An array holds values that are not numbers: a TypeError, and scikit-learn's ValueError."""


#: our exception -> (scikit-learn module, class) whose instance it must also be
_SKLEARN_CLASSES = {
    "NotFittedError": ("sklearn.exceptions", "NotFittedError"),
    "InvalidParameterError": ("sklearn.utils._param_validation", "InvalidParameterError"),
}
_twins: dict[str, type] = {}


def _ours(name: str) -> type:
    if name == "NotFittedError":
        return NotFittedError
    from .._validation import InvalidParameterError

    return InvalidParameterError


def sklearn_twin(ours: type) -> type:
    """``ours``, or a subclass of it and of scikit-learn's class of the same name.

    The subclass when scikit-learn's module is already imported (it is never
    imported for this), so that ``except sklearn.exceptions.NotFittedError``
    catches ours. It shows as ``ours`` in tracebacks and pickles by name.
    """
    module, attr = _SKLEARN_CLASSES[ours.__name__]
    if module not in sys.modules:
        return ours
    twin = _twins.get(ours.__name__)
    if twin is None:
        theirs = getattr(importlib.import_module(module), attr)
        twin = type(ours.__name__, (ours, theirs), {
            "__module__": ours.__module__, "__qualname__": ours.__qualname__,
            "__doc__": ours.__doc__, "__reduce__": _reduce_twin})
        _twins[ours.__name__] = twin
    return twin


def _reduce_twin(exc):
    return _rebuild, (type(exc).__name__, exc.args)


def _rebuild(name: str, args: tuple) -> Exception:
    """Unpickle a twin: scikit-learn's too if it is imported where it is unpickled."""
    return sklearn_twin(_ours(name))(*args)
