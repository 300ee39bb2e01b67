"""The ``stacklevel`` that makes a warning point at the user's line, not ours."""

from __future__ import annotations

import os
import sys

#: the package's directory: a warning points at the first frame outside it
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_stacklevel() -> int:
    """``stacklevel`` for a ``warnings.warn`` made by the caller: the first frame outside sparsedense.

    The same warning is raised through ``fit``, ``fit_transform``, a
    subclass, :class:`~sparsedense.EmbeddingVectorizer` or a trainer's
    ``train``, so no fixed level is right.

    Examples
    --------
    >>> import warnings
    >>> from sparsedense._base.stacklevel import user_stacklevel
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("careful", UserWarning, stacklevel=user_stacklevel())
    >>> caught[0].filename.startswith(_PACKAGE_DIR)
    False
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level
