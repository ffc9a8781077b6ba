"""Reconciliation kernels (numba): per-key sums of exact cents, first values.

Private; never validate. ``group`` holds dense key ids ``0..n-1``; ``out``
arrays are zero/NaN-filled by the caller. The loops are sequential (a
scatter into shared slots) and touch each row once.
"""

from __future__ import annotations

import math

import numpy as np

from .jit import njit, prange
from .numerics import round_excel_one, scaled_nearest

RINT_SAFE = 2e13  # below this, rint(ROUND(v, 2) * 100) is the exact cents


@njit(parallel=True)
def cents(values, out):
    """Excel ``ROUND(v, 2)`` in cents, exact (NaN gives 0)."""
    for i in prange(values.size):
        v = values[i]
        if math.isnan(v):
            out[i] = 0
            continue
        r = round_excel_one(v, 2)
        if abs(r) < RINT_SAFE:
            out[i] = np.int64(np.rint(r * 100.0))
        else:
            out[i] = np.int64(scaled_nearest(r, 2))


@njit
def scatter_add(values, group, out):
    """Add each row's value to its key's slot."""
    for i in range(values.size):
        out[group[i]] += values[i]


def sum_cents(values, group, out):
    """Add each row's exact cents to its key (NaN adds 0)."""
    per_row = np.empty(values.size, dtype=np.int64)
    cents(values, per_row)
    scatter_add(per_row, group, out)


@njit
def first_value(values, group, out, seen):
    """Store the first row's value of each key (``seen`` marks filled keys)."""
    for i in range(values.size):
        g = group[i]
        if not seen[g]:
            seen[g] = True
            out[g] = values[i]
