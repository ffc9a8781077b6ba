"""Pure-NumPy twins of :mod:`xlspm.kernels.reconcile` (same arguments, same results)."""

from __future__ import annotations

import numpy as np

from .numerics_numpy import to_cents


def sum_cents(values, group, out):
    """Add each row's Excel ``ROUND(v, 2)`` in cents to its key (NaN adds 0)."""
    cents = np.empty(values.size, dtype=np.int64)
    to_cents(np.where(np.isnan(values), 0.0, values), cents)
    # float64 sums of whole cents are exact below 2**53 cents (9e13 money)
    out += np.bincount(group, weights=cents, minlength=out.size).astype(np.int64)


def first_value(values, group, out, seen):
    """Store the first row's value of each key (``seen`` marks filled keys)."""
    fresh = ~seen[group]
    keys, kept = group[fresh], values[fresh]
    out[keys[::-1]] = kept[::-1]  # the last write wins: the first row
    seen[keys] = True
