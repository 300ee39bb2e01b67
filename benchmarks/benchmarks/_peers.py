"""Which library each ``impl`` of the suite needs, and the n/a that says it is missing.

asv reports a benchmark whose ``setup`` raises ``NotImplementedError`` as n/a
(and prints ``asv: skipped: NotImplementedError('...')`` with the message), so
a row without its peer says why instead of failing or vanishing.
"""

from __future__ import annotations

import importlib.util

#: the module an ``impl`` value needs, by the prefix of the value
#: ("torch_autograd" needs torch, "gensim-2" gensim, "dask-ml" dask_ml)
PEER_MODULES = {"torch": "torch", "sklearn": "sklearn", "gensim": "gensim",
                "dask-ml": "dask_ml"}
#: what to install, as the message names it
PEER_NAMES = {"torch": "torch", "sklearn": "scikit-learn", "gensim": "gensim",
              "dask_ml": "dask-ml"}


def require(module: str) -> None:
    """Raise NotImplementedError (asv: n/a) naming ``module`` when it is not importable."""
    if importlib.util.find_spec(module) is None:
        name = PEER_NAMES.get(module, module)
        raise NotImplementedError(f"n/a: {name} is not installed "
                                  f"(pip install {name}, or the bench extra)")


def require_peer(impl: str) -> None:
    """:func:`require` for the library the contender ``impl`` runs on (none for numpy/scipy)."""
    for prefix, module in PEER_MODULES.items():
        if impl.startswith(prefix):
            require(module)
