"""Tier-engine kernels (numba).

Tables arrive validated and pre-computed by :mod:`xlspm.numerics.rate_table`:

* ``thr``: the tier thresholds. In ``excel`` precision ``thr[i]`` is the
  smallest double whose 15-digit value reaches ``floors[i]``, so one IEEE
  comparison ``x >= thr[i]`` decides the tier exactly as VLOOKUP does; in
  ``ieee`` precision ``thr`` is ``floors``.
* ``cum``: marginal payout of all complete bands below tier ``i``, summed in
  tier order (the order of the spreadsheet SUMPRODUCT).

Scalars are passed as 1-element arrays with a step of 0 (``a[i * step]``),
so one compiled kernel serves scalars and per-element arrays.

The NumPy twins in :mod:`xlspm.kernels.tiers_numpy` take the same arguments.
Above the kernels, options travel as :class:`xlspm.numerics.tier_pay.TierOptions`;
only the kernel call packs them into the ``flags`` bits below.
"""

from __future__ import annotations

from .jit import njit, prange
from .numerics import excel_less, round_excel_one, round_ieee_one

RETROACTIVE = 0
MARGINAL = 1
FLAT = 2
LINEAR = 3

HAS_BASE = 1  # flags bits of tier_payout
HAS_GATE = 2
HAS_CAP = 4
DO_ROUND = 8
EXCEL = 16
DETAIL = 32  # also write each element's tier and rate

SMALL_TABLE = 32  # up to this many tiers a branchless count beats bisection


@njit(inline=True)
def find_tier(v, thr):
    """Index of the last threshold ``<= v``; -1 below the first (NaN: -1).

    Small tables count the thresholds reached without branching (random
    attainments make bisection branches unpredictable); large ones bisect.
    """
    n = thr.size
    if n <= SMALL_TABLE:
        t = -1
        for j in range(n):
            t += thr[j] <= v
        return t
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) >> 1
        if thr[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@njit(parallel=True)
def tier_index(x, thr, out):
    """Tier index of every ``x``."""
    for i in prange(x.size):
        out[i] = find_tier(x[i], thr)


@njit(parallel=True)
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
    """Pay every ``x`` into ``out``; return how many are below the table.

    ``flags`` holds the bits ``HAS_BASE``, ``HAS_GATE``, ``HAS_CAP``,
    ``DO_ROUND``, ``EXCEL`` and ``DETAIL``; with ``DETAIL`` each element's tier
    index (-1 below the table) and rate (0 below it) go to ``tier_out`` and
    ``rate_out``, which may be empty otherwise.
    """
    has_base = flags & HAS_BASE != 0
    has_gate = flags & HAS_GATE != 0
    has_cap = flags & HAS_CAP != 0
    do_round = flags & DO_ROUND != 0
    excel = flags & EXCEL != 0
    detail = flags & DETAIL != 0
    n_below = 0
    for i in prange(x.size):
        v = x[i]
        t = find_tier(v, thr)
        if detail:
            tier_out[i] = t
            rate_out[i] = rates[t] if t >= 0 else 0.0
        if t < 0:
            n_below += 1
            out[i] = 0.0
            continue
        # The mode branches stay inline: behind a helper call numba's code
        # runs several times slower.
        if mode == RETROACTIVE:
            amount = base[i * b_step] if has_base else v * scale[i * s_step]
            pay = amount * rates[t]
        else:
            if mode == MARGINAL:
                unit = cum[t] + rates[t] * max(v - floors[t], 0.0)
            elif mode == LINEAR and t < rates.size - 1:
                dx = max(v - floors[t], 0.0)
                unit = rates[t] + dx * (rates[t + 1] - rates[t]) / (
                    floors[t + 1] - floors[t]
                )
            else:
                unit = rates[t]
            pay = scale[i * s_step] * unit
        if has_gate:
            g = gate[i * g_step]
            if (excel_less(v, g)) if excel else (v < g):
                pay = 0.0
        if has_cap:
            pay = min(pay, cap[i * c_step])
        if do_round:
            pay = round_excel_one(pay, digits) if excel else round_ieee_one(pay, digits)
        out[i] = pay
    return n_below
