"""Pure-NumPy twins of :mod:`xlspm.kernels.tiers` (same operation order)."""

from __future__ import annotations

import numpy as np

from .numerics_numpy import excel_less, round_excel, round_ieee
from .tiers import LINEAR, MARGINAL, RETROACTIVE


def tier_index(x, thr):
    """Tier index of every ``x`` (-1 below the first threshold or NaN)."""
    idx = np.searchsorted(thr, x, side="right") - 1
    idx[np.isnan(x)] = -1
    return idx


def _mode_value(mode, x, t, floors, rates, cum):
    if mode == MARGINAL:
        return cum[t] + rates[t] * np.maximum(x - floors[t], 0.0)
    if mode == LINEAR:
        last = rates.size - 1
        nxt = np.minimum(t + 1, last)
        dx = np.maximum(x - floors[t], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            step = dx * (rates[nxt] - rates[t]) / (floors[nxt] - floors[t])
        return np.where(t == last, rates[t], rates[t] + step)
    return rates[t]


def tier_payout(
    x, thr, floors, rates, cum, mode, scale, base, gate, cap, excel, digits
):
    """Tiered payouts; returns ``(payout, n_below)`` like the numba kernel.

    ``scale``, ``base``, ``gate`` and ``cap`` are arrays broadcastable to ``x``
    or None.
    """
    idx = tier_index(x, thr)
    below = idx < 0
    t = np.where(below, 0, idx)
    if mode == RETROACTIVE:
        amount = base if base is not None else x * scale
        pay = amount * rates[t]
    else:
        pay = scale * _mode_value(mode, x, t, floors, rates, cum)
    pay = np.where(below, 0.0, np.broadcast_to(pay, x.shape))
    if gate is not None:
        g = np.broadcast_to(gate, x.shape)
        blocked = excel_less(x, g) if excel else x < g
        pay = np.where(blocked & ~below, 0.0, pay)
    if cap is not None:
        pay = np.where(below, 0.0, np.minimum(pay, cap))
    if digits is not None:
        pay = round_excel(pay, digits) if excel else round_ieee(pay, digits)
    return pay, int(below.sum())
