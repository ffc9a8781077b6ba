"""Powers of ten as double-double pairs, built exactly once at import.

``P10_HI[n + P10_OFFSET] + P10_LO[n + P10_OFFSET]`` equals ``10**n`` to about
106 bits; for ``0 <= n <= 22`` the high part is exact and the low part is 0.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

P10_MIN = -300
P10_MAX = 300
P10_OFFSET = -P10_MIN


def _table() -> tuple[np.ndarray, np.ndarray]:
    hi = np.empty(P10_MAX - P10_MIN + 1)
    lo = np.empty_like(hi)
    for n in range(P10_MIN, P10_MAX + 1):
        exact = Fraction(10) ** n
        h = float(exact)
        hi[n + P10_OFFSET] = h
        lo[n + P10_OFFSET] = float(exact - Fraction(h))
    return hi, lo


P10_HI, P10_LO = _table()
