"""The floor every package shares besides ``_kernels/``.

- ``validation``: every input check and its message; the exception classes.
- ``params``: the estimators' declared parameter constraints (scikit-learn's wording).
- ``estimator``: ``BaseEstimator`` / ``TransformerMixin`` (get_params, set_params, clone, repr).
- ``sparse``: building CSR matrices and accepting any scipy.sparse input.
- ``files``: opening corpus files (plain, .gz, .bz2, .xz) and atomic writes.
- ``progress``: the progress bar of long jobs.
- ``intern``: interning token sequences into integer ids.

Nothing here imports a package above it (text/, functional/, vectors/, ...).
"""
