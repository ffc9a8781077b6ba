"""Pure-NumPy twins of :mod:`xlspm.kernels.reconcile` (same results)."""

from __future__ import annotations

import numpy as np

from .numerics_numpy import to_cents


def sum_cents(values, group, n):
    """Per-key sums of Excel ``ROUND(v, 2)`` in cents (NaN adds 0)."""
    cents = to_cents(np.where(np.isnan(values), 0.0, values))
    # float64 sums of whole cents are exact below 2**53 cents (9e13 money)
    return np.bincount(group, weights=cents, minlength=n).astype(np.int64)


def first_value(values, group, n):
    """Return the first row's value of each key (NaN for keys without rows)."""
    out = np.full(n, np.nan)
    out[group[::-1]] = values[::-1]
    return out
