"""Pure-NumPy twins of :mod:`xlspm.kernels.numerics` (no numba needed).

Same algorithms, same operation order, vectorised: the cheap path runs on
every element and only near-ties take the exact double-double path.

The vector kernels (``snap15``, ``round_excel``, ``round_ieee``,
``count_nonfinite``, ``to_units``, ``to_cents``) take the same arguments as
their numba twins and fill the same ``out`` arrays. The per-element helpers
(``two_prod`` ... ``round_ieee_one``, ``excel_less``) keep the numba names and
work element-wise on arrays, returning their results.
"""

from __future__ import annotations

import numpy as np

from ._pow10 import P10_HI, P10_LO, P10_OFFSET
from .numerics import FAST_LIMIT, NEAR_TIE, SNAP_MAX, SNAP_MIN, SPLITTER, TWO53


def two_prod(a, b):
    """Element-wise Dekker product: ``p + err == a * b`` exactly."""
    p = a * b
    c = SPLITTER * a
    ah = c - (c - a)
    al = a - ah
    c = SPLITTER * b
    bh = c - (c - b)
    bl = b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, err


def scaled_nearest(x, n):
    """Nearest integers to the exact ``x * 10**n``, ties to even."""
    p, err = two_prod(x, P10_HI[n + P10_OFFSET])
    err = err + x * P10_LO[n + P10_OFFSET]
    m = np.rint(p)
    d = p - m
    odd = np.fmod(m, 2.0) != 0.0
    up = (d - 0.5) + err
    down = (d + 0.5) + err
    go_up = (up > 0.0) | ((up == 0.0) & odd)
    go_down = ~go_up & ((down < 0.0) | ((down == 0.0) & odd))
    return m + go_up - go_down


def sig15(x):
    """``(m, e)`` arrays: ``10**14 <= |m| < 10**15``, ``x ~ m * 10**(e-14)``."""
    e = np.floor(np.log10(np.abs(x))).astype(np.int64)
    m = scaled_nearest(x, 14 - e)
    for _ in range(3):
        am = np.abs(m)
        up = am >= 1e15
        down = am < 1e14
        bad = up | down
        if not bad.any():
            break
        e = e + up - down
        m[bad] = scaled_nearest(x[bad], 14 - e[bad])
    edge = np.abs(m) == 1e14  # may be a 14-digit value rounded up: try one lower
    if edge.any():
        m2 = scaled_nearest(x[edge], 15 - e[edge])
        lower = np.abs(m2) < 1e15
        idx = np.flatnonzero(edge)[lower]
        m[idx] = m2[lower]
        e[idx] -= 1
    return m, e


def from_sig(m, e):
    """Doubles nearest to ``m * 10**(e-14)``."""
    k = 14 - np.asarray(e, dtype=np.int64)
    out = np.empty(m.shape)
    div = k >= 0
    md, kd = m[div], k[div]
    hi, lo = P10_HI[kd + P10_OFFSET], P10_LO[kd + P10_OFFSET]
    v = md / hi
    p, err = two_prod(v, hi)
    out[div] = np.where(lo != 0.0, v + (((md - p) - err) - v * lo) / hi, v)
    mul = ~div
    mm, km = m[mul], -k[mul]
    hi, lo = P10_HI[km + P10_OFFSET], P10_LO[km + P10_OFFSET]
    p, err = two_prod(mm, hi)
    out[mul] = np.where(lo == 0.0, mm * hi, p + (err + mm * lo))
    return out


def snap15_one(x):
    """Values rounded to 15 significant digits (outside the domain: unchanged)."""
    out = x.copy()
    ax = np.abs(x)
    dom = (ax >= SNAP_MIN) & (ax <= SNAP_MAX)
    m, e = sig15(x[dom])
    out[dom] = from_sig(m, e)
    return out


def _signed(v, q, x):
    return np.where(q == 0.0, 0.0, np.copysign(v, x))


def round_excel_slow(x, digits):
    """Excel ROUND on finite non-zero ``x`` through the 15-digit integers."""
    out = np.zeros_like(x)
    ax = np.abs(x)
    big = ax > SNAP_MAX
    out[big] = x[big]
    mid = (ax >= SNAP_MIN) & ~big
    xm = x[mid]
    m, e = sig15(xm)
    k = 14 - e - digits
    res = np.zeros_like(xm)
    keep = k <= 0
    res[keep] = from_sig(m[keep], e[keep])
    rnd = (k > 0) & (k <= 15)
    p = np.int64(10) ** k[rnd]
    q = ((np.abs(m[rnd]).astype(np.int64) + p // 2) // p).astype(np.float64)
    v = from_sig(q, np.full(q.shape, 14 - digits))
    res[rnd] = _signed(v, q, xm[rnd])
    out[mid] = res
    return out


def round_excel_one(x, digits):
    """Excel ROUND(x, digits), element-wise."""
    out = x.copy()
    ok = np.isfinite(x) & (x != 0.0)
    slow = ok
    if 0 <= digits <= 22:
        scale = P10_HI[digits + P10_OFFSET]
        t = np.abs(x) * scale
        fl = np.floor(t)
        with np.errstate(invalid="ignore"):  # inf - inf for infinite x
            fr = t - fl
        tol = NEAR_TIE * t
        fast = ok & (t < FAST_LIMIT) & (np.abs(fr - 0.5) > tol)
        q = (fl + (fr > 0.5))[fast]
        out[fast] = _signed(q / scale, q, x[fast])
        slow = ok & ~fast
    out[slow] = round_excel_slow(x[slow], digits)
    return out


def round_ieee_one(x, digits):
    """Half away from zero on the exact binary values, element-wise."""
    out = x.copy()
    ax = np.abs(x)
    with np.errstate(over="ignore", invalid="ignore"):
        p, err = two_prod(ax, P10_HI[digits + P10_OFFSET])
        err = err + ax * P10_LO[digits + P10_OFFSET]
    todo = np.isfinite(x) & (x != 0.0) & (p < TWO53)
    p, err = p[todo], err[todo]
    fl = np.floor(p)
    frac = (p - fl) + err
    q = fl + (frac >= 0.5) - (frac < -0.5)
    v = from_sig(q, np.full(q.shape, 14 - digits))
    out[todo] = _signed(v, q, x[todo])
    return out


def excel_less(a, b):
    """Return ``a < b`` element-wise, on the 15-digit values when close."""
    res = a < b
    near = np.abs(a - b) <= NEAR_TIE * np.maximum(np.abs(a), np.abs(b))
    if near.any():
        res[near] = snap15_one(a[near]) < snap15_one(b[near])
    return res


def snap15(x, out):
    """Vector kernel: :func:`snap15_one` of every ``x`` into ``out``."""
    out[:] = snap15_one(x)


def round_excel(x, digits, out):
    """Vector kernel: :func:`round_excel_one` of every ``x`` into ``out``."""
    out[:] = round_excel_one(x, digits)


def round_ieee(x, digits, out):
    """Vector kernel: :func:`round_ieee_one` of every ``x`` into ``out``."""
    out[:] = round_ieee_one(x, digits)


def count_nonfinite(x):
    """Count NaN and infinite values."""
    return int(x.size - np.isfinite(x).sum())


def to_units(x, digits, out):
    """Nearest integers to the exact ``x * 10**digits`` (ties to even), as int64."""
    scale = P10_HI[digits + P10_OFFSET]
    p, err = two_prod(x, scale)
    small = np.abs(p) < 4503599627370496.0
    out[small] = scaled_nearest(x[small], np.full(int(small.sum()), digits))
    big = ~small
    out[big] = p[big].astype(np.int64) + np.rint(err[big]).astype(np.int64)


def to_cents(x, out):
    """Excel ``ROUND(x, 2)`` as an exact int64 count of cents (finite ``x``)."""
    out[:] = scaled_nearest(round_excel_one(x, 2), np.full(x.shape, 2))
