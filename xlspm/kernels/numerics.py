"""Excel arithmetic kernels (numba): 15-digit snap, ROUND, IEEE rounding.

Excel shows, compares and rounds a double through its 15-significant-digit
decimal form. These kernels compute that form without string formatting:
``x * 10**n`` is formed exactly (or to ~106 bits outside 1e-8..1e15) as a
double-double with Dekker's product, then rounded to an integer.

All functions are private, never validate, and work on finite doubles with
``1e-280 <= |x| <= 1e290`` (other values are passed through or flushed as
documented in :mod:`xlspm.numerics`).
"""

from __future__ import annotations

import math

import numpy as np

from ._pow10 import P10_HI, P10_LO, P10_OFFSET
from .jit import njit, prange

SPLITTER = 134217729.0  # 2**27 + 1, Veltkamp split constant
SNAP_MIN = 1e-280
SNAP_MAX = 1e290
FAST_LIMIT = 1e14  # |x| * 10**digits below this: rounding position is in the 15 digits
NEAR_TIE = 1e-14  # relative half-width around a .5 that needs the exact path
TWO53 = 9007199254740992.0


@njit
def two_prod(a, b):
    """Return ``(p, err)`` with ``p + err == a * b`` exactly (Dekker)."""
    p = a * b
    c = SPLITTER * a
    ah = c - (c - a)
    al = a - ah
    c = SPLITTER * b
    bh = c - (c - b)
    bl = b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, err


@njit
def scaled_nearest(x, n):
    """Nearest integer to the exact ``x * 10**n``, ties to even (as ``%.15g``).

    ``p + err`` is the product to ~106 bits and ``d = p - rint(p)`` is exact.
    The distance to each half-way point, ``(d - 0.5) + err`` and
    ``(d + 0.5) + err``, has the right sign: ``d -+ 0.5`` is exact where it
    matters (Sterbenz) and a rounded sum keeps the sign of the exact one.
    """
    p, err = two_prod(x, P10_HI[n + P10_OFFSET])
    err += x * P10_LO[n + P10_OFFSET]
    m = np.rint(p)
    d = p - m
    odd = m % 2.0 != 0.0
    up = (d - 0.5) + err
    down = (d + 0.5) + err
    if up > 0.0 or (up == 0.0 and odd):
        m += 1.0
    elif down < 0.0 or (down == 0.0 and odd):
        m -= 1.0
    return m


@njit
def sig15(x):
    """Return ``(m, e)``: ``10**14 <= |m| < 10**15`` and ``x ~ m * 10**(e-14)``."""
    e = math.floor(math.log10(abs(x)))
    m = scaled_nearest(x, 14 - e)
    for _ in range(3):
        am = abs(m)
        if am >= 1e15:
            e += 1
        elif am < 1e14:
            e -= 1
        elif am == 1e14:  # may be a 14-digit value rounded up: try one lower
            m2 = scaled_nearest(x, 15 - e)
            if abs(m2) < 1e15:
                return m2, e - 1
            break
        else:
            break
        m = scaled_nearest(x, 14 - e)
    return m, e


@njit
def from_sig(m, e):
    """Return the double nearest to ``m * 10**(e-14)`` (``m`` integer-valued)."""
    k = 14 - e
    if k >= 0:
        hi = P10_HI[k + P10_OFFSET]
        lo = P10_LO[k + P10_OFFSET]
        v = m / hi
        if lo != 0.0:
            p, err = two_prod(v, hi)
            v += (((m - p) - err) - v * lo) / hi
        return v
    hi = P10_HI[-k + P10_OFFSET]
    lo = P10_LO[-k + P10_OFFSET]
    if lo == 0.0:
        return m * hi
    p, err = two_prod(m, hi)
    return p + (err + m * lo)


@njit
def snap15_one(x):
    """Return ``x`` as Excel sees it: rounded to 15 significant digits."""
    ax = abs(x)
    if not (SNAP_MIN <= ax <= SNAP_MAX):
        return x
    m, e = sig15(x)
    return from_sig(m, e)


@njit
def round_excel_slow(x, digits):
    """Excel ROUND through the exact 15-digit integer form."""
    ax = abs(x)
    if ax > SNAP_MAX:
        return x
    if ax < SNAP_MIN:
        return 0.0
    m, e = sig15(x)
    k = 14 - e - digits
    if k <= 0:
        return from_sig(m, e)
    if k > 15:
        return 0.0
    p = np.int64(P10_HI[k + P10_OFFSET])
    q = (np.int64(abs(m)) + p // 2) // p
    if q == 0:
        return 0.0
    return math.copysign(from_sig(float(q), 14 - digits), x)


@njit(inline=True)
def round_excel_one(x, digits):
    """Excel ROUND(x, digits): half away from zero on the 15-digit value."""
    if x == 0.0 or not math.isfinite(x):
        return x
    if 0 <= digits <= 22:
        scale = P10_HI[digits + P10_OFFSET]
        t = abs(x) * scale
        fl = math.floor(t)
        fr = t - fl
        # Far from a .5 tie the 15-digit snap cannot change the result; the
        # test is written without data-dependent branches (they mispredict).
        if t < FAST_LIMIT and abs(fr - 0.5) > NEAR_TIE * t:
            q = fl + (fr > 0.5)
            return math.copysign(q / scale, x) + 0.0  # + 0.0 turns -0.0 into 0.0
    return round_excel_slow(x, digits)


@njit
def round_ieee_one(x, digits):
    """Half away from zero on the exact binary value (no 15-digit snap)."""
    if x == 0.0 or not math.isfinite(x):
        return x
    ax = abs(x)
    p, err = two_prod(ax, P10_HI[digits + P10_OFFSET])
    err += ax * P10_LO[digits + P10_OFFSET]
    if p >= TWO53:  # x's own spacing is wider than 10**-digits: x is the answer
        return x
    fl = math.floor(p)
    frac = (p - fl) + err
    if frac >= 0.5:
        fl += 1.0
    elif frac < -0.5:
        fl -= 1.0
    q = fl
    if q == 0.0:
        return 0.0
    return math.copysign(from_sig(q, 14 - digits), x)


@njit(inline=True)
def excel_less(a, b):
    """Return ``a < b`` as Excel compares: on the 15-digit values."""
    if abs(a - b) > NEAR_TIE * max(abs(a), abs(b)):
        return a < b
    return snap15_one(a) < snap15_one(b)


@njit(parallel=True)
def snap15(x, out):
    """Vector form of :func:`snap15_one`."""
    for i in prange(x.size):
        out[i] = snap15_one(x[i])


@njit(parallel=True)
def round_excel(x, digits, out):
    """Vector form of :func:`round_excel_one`."""
    for i in prange(x.size):
        out[i] = round_excel_one(x[i], digits)


@njit(parallel=True)
def round_ieee(x, digits, out):
    """Vector form of :func:`round_ieee_one`."""
    for i in prange(x.size):
        out[i] = round_ieee_one(x[i], digits)


@njit(parallel=True)
def count_nonfinite(x):
    """Count NaN and infinite values (one parallel pass, no temporary mask)."""
    n = 0
    for i in prange(x.size):
        n += not math.isfinite(x[i])
    return n


@njit(parallel=True)
def to_units(x, digits, out):
    """Nearest integers to the exact ``x * 10**digits`` (ties to even), as int64.

    Exact for ``|x * 10**digits| < 2**63``: beyond ``2**52`` the product is an
    integer-valued double and the error term is rounded and added in int64.
    """
    scale = P10_HI[digits + P10_OFFSET]
    for i in prange(x.size):
        p, err = two_prod(x[i], scale)
        if abs(p) < 4503599627370496.0:
            out[i] = np.int64(scaled_nearest(x[i], digits))
        else:
            out[i] = np.int64(p) + np.int64(np.rint(err))


@njit(parallel=True)
def to_cents(x, out):
    """Excel ``ROUND(x, 2)`` as an exact int64 count of cents (finite ``x``)."""
    for i in prange(x.size):
        out[i] = np.int64(scaled_nearest(round_excel_one(x[i], 2), 2))
