"""Loading vector files: sparsedense ``load_vectors`` against gensim's reader, side by side.

Parameterised over ``impl`` so one ``asv run`` records both on the same
machine; the figure is the *ratio* of the gensim row to the sparsedense row.
The workload is gensim's own test file ``lee_fasttext.bin`` (a Facebook
fastText model: 1,762 words, dimension 10, 1,000 n-gram buckets):

* ``sparsedense``: ``load_vectors(path)`` (format sniffed from the magic
  number; a :class:`~sparsedense.vectors.FastTextVectors`);
* ``gensim``: ``gensim.models.fasttext.load_facebook_vectors(path)``.

One warm-up load runs in ``setup`` (Numba kernels loaded from the cache).
n/a (``setup`` raises NotImplementedError with the reason) when gensim is not
installed: the file is gensim's.
"""

from __future__ import annotations

import logging
import os

from ._peers import require


def _gensim_data(name: str) -> str:
    require("gensim")
    import gensim

    return os.path.join(os.path.dirname(gensim.__file__), "test", "test_data", name)


class LoadFastTextBin:
    """Read a fastText ``.bin`` model into word vectors with n-gram rows."""

    params = (["sparsedense", "gensim"],)
    param_names = ["impl"]
    timeout = 120

    def setup(self, impl):
        self.path = _gensim_data("lee_fasttext.bin")
        if impl == "gensim":
            from gensim.models.fasttext import load_facebook_vectors

            logging.getLogger("gensim").setLevel(logging.WARNING)  # its per-load info lines
            self.load = load_facebook_vectors
        else:
            from sparsedense.vectors import load_vectors

            self.load = load_vectors
        self.load(self.path)  # warm-up

    def time_load(self, impl):
        self.load(self.path)
