"""The estimator contract shared by the vectorizers (scikit-learn's, without depending on it).

``__init__`` only stores keyword arguments; ``get_params`` / ``set_params``
read them back by introspecting the signature, so ``sklearn.base.clone``,
``Pipeline`` and grid search work on sparsedense estimators.
"""

from __future__ import annotations

import inspect
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
