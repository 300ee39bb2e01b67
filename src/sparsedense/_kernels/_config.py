"""Project-wide Numba settings shared by every kernel module.

``FASTMATH`` leaves out ``nnan`` and ``ninf`` on purpose: with them, LLVM may
assume no NaN or inf exists, which makes ``np.isnan`` always false and lets NaN
in a user's data turn into silently wrong numbers.
"""

from __future__ import annotations

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

#: keyword arguments every kernel is compiled with
JIT_OPTIONS = {"cache": True, "nogil": True}
