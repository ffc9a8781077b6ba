"""NumPy twins of :mod:`xlspm.kernels.tiers`: same arguments, same operation order."""

from __future__ import annotations

import numpy as np

from .numerics_numpy import excel_less, round_excel_one, round_ieee_one
from .tiers import (
    DETAIL,
    DO_ROUND,
    EXCEL,
    HAS_BASE,
    HAS_CAP,
    HAS_GATE,
    LINEAR,
    MARGINAL,
    RETROACTIVE,
)


def _index(x, thr):
    idx = np.searchsorted(thr, x, side="right") - 1
    idx[np.isnan(x)] = -1
    return idx


def tier_index(x, thr, out):
    """Tier index of every ``x`` into ``out`` (-1 below the first threshold or NaN)."""
    out[:] = _index(x, thr)


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


def _term(values, step):
    """One value (broadcast) or one per element, as the kernel reads ``a[i * step]``."""
    return values if step else values[:1]


def tier_payout(
    x,
    thr,
    floors,
    rates,
    cum,
    mode,
    scale,
    s_step,
    base,
    b_step,
    gate,
    g_step,
    cap,
    c_step,
    flags,
    digits,
    out,
    tier_out,
    rate_out,
):
    """Pay every ``x`` into ``out``; return how many are below the table."""
    excel = flags & EXCEL != 0
    idx = _index(x, thr)
    below = idx < 0
    t = np.where(below, 0, idx)
    scale = _term(scale, s_step)
    if mode == RETROACTIVE:
        amount = _term(base, b_step) if flags & HAS_BASE else x * scale
        pay = amount * rates[t]
    else:
        pay = scale * _mode_value(mode, x, t, floors, rates, cum)
    pay = np.where(below, 0.0, np.broadcast_to(pay, x.shape))
    if flags & HAS_GATE:
        g = np.broadcast_to(_term(gate, g_step), x.shape)
        blocked = excel_less(x, g) if excel else x < g
        pay = np.where(blocked & ~below, 0.0, pay)
    if flags & HAS_CAP:
        pay = np.where(below, 0.0, np.minimum(pay, _term(cap, c_step)))
    if flags & DO_ROUND:
        pay = round_excel_one(pay, digits) if excel else round_ieee_one(pay, digits)
    out[:] = pay
    if flags & DETAIL:
        tier_out[:] = idx
        rate_out[:] = np.where(below, 0.0, rates[t])
    return int(below.sum())
