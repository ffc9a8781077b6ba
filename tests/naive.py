"""Naive twins of every kernel: plain loops, strings and Decimal, obviously right.

The fast kernels (numba and NumPy) must agree with these exactly.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

SNAP_MIN = 1e-280
SNAP_MAX = 1e290
_CTX = Context(prec=800)


def naive_snap15(x: float) -> float:
    """Excel's view of x: its 15-significant-digit decimal form."""
    if not math.isfinite(x) or not (SNAP_MIN <= abs(x) <= SNAP_MAX):
        return x
    return float(f"{x:.15g}")


def _quantize(value: Decimal, digits: int) -> float:
    q = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP, context=_CTX)
    out = float(q)
    return 0.0 if out == 0 else out


def naive_excel_round(x: float, digits: int) -> float:
    """ROUND(x, digits): 15-digit decimal, then half away from zero."""
    if not math.isfinite(x) or x == 0:
        return x
    if abs(x) > SNAP_MAX:
        return x
    if abs(x) < SNAP_MIN:
        return 0.0
    return _quantize(Decimal(f"{x:.15g}"), digits)


def naive_ieee_round(x: float, digits: int) -> float:
    """Half away from zero on the exact binary value of x."""
    if not math.isfinite(x) or x == 0:
        return x
    return _quantize(Decimal(x), digits)


def naive_ge(x: float, floor: float, precision: str) -> bool:
    """Return x >= floor, compared as Excel does (15 digits) or as IEEE doubles."""
    if precision == "excel":
        return naive_snap15(x) >= naive_snap15(floor)
    return x >= floor


def naive_tier(x: float, floors, precision: str) -> int:
    """Index of the last floor that x reaches; -1 below the first."""
    tier = -1
    for j, floor in enumerate(floors):
        if naive_ge(x, floor, precision):
            tier = j
    return tier


def _value(mode, x, t, floors, rates):
    n = len(floors)
    if mode == "marginal":
        total = 0.0
        for j in range(n):
            if t > j:
                total += rates[j] * (floors[j + 1] - floors[j])
            elif t == j:
                total += rates[j] * max(x - floors[j], 0.0)
        return total
    if mode == "linear" and t < n - 1:
        dx = max(x - floors[t], 0.0)
        return rates[t] + dx * (rates[t + 1] - rates[t]) / (floors[t + 1] - floors[t])
    return rates[t]


def _at(value, i):
    if value is None:
        return None
    return value[i] if hasattr(value, "__len__") else value


def naive_payout(
    x,
    floors,
    rates,
    mode="retroactive",
    scale=1.0,
    base=None,
    cap=None,
    gate=None,
    precision="excel",
    round_to=None,
):
    """One payout per x, element by element, straight from the definitions."""
    out = []
    for i, xi in enumerate(x):
        t = naive_tier(xi, floors, precision)
        if t < 0:
            out.append(0.0)
            continue
        s, b, g, c = (_at(v, i) for v in (scale, base, gate, cap))
        if mode == "retroactive":
            pay = (b if b is not None else xi * s) * rates[t]
        else:
            pay = s * _value(mode, xi, t, floors, rates)
        if g is not None and not naive_ge(xi, g, precision):
            pay = 0.0
        if c is not None:
            pay = min(pay, c)
        if round_to is not None:
            rounder = naive_excel_round if precision == "excel" else naive_ieee_round
            pay = rounder(pay, round_to)
        out.append(pay)
    return out


def spreadsheet_marginal(x: float, floors, rates, quota: float) -> float:
    """Evaluate quota * SUMPRODUCT(((x>lo)*(x-lo) - (x>hi)*(x-hi)) * rate)."""
    total = 0.0
    for j, (lo, rate) in enumerate(zip(floors, rates, strict=True)):
        hi = floors[j + 1] if j + 1 < len(floors) else math.inf
        band = (x > lo) * (x - lo) - ((x > hi) * (x - hi) if hi != math.inf else 0.0)
        total += band * rate
    return quota * total


def naive_cents(x: float) -> int:
    """Excel ROUND(x, 2) as a whole number of cents, through Decimal."""
    if x != x:  # NaN: a blank cell adds nothing
        return 0
    return int(Decimal(repr(naive_excel_round(x, 2))).scaleb(2))


def naive_sum_cents(values, group, n: int) -> list[int]:
    """Per-key sums of cents, one row at a time."""
    out = [0] * n
    for v, g in zip(values, group, strict=True):
        out[g] += naive_cents(float(v))
    return out


def naive_reason(legacy: dict | None, engine: dict | None, n_legacy=1, n_engine=1):
    """Return the reason code of one key, walking the chain by hand (in cents).

    ``legacy``/``engine`` map credited, quota, attainment, rate, payout to
    numbers (or error text for legacy).
    """
    if engine is None:
        return "missing_in_engine"
    if legacy is None:
        return "missing_in_legacy"
    if n_legacy > 1 or n_engine > 1:
        return "duplicate_key"
    if any(isinstance(v, str) for v in legacy.values()):
        return "legacy_error"
    for stage, code in (
        ("credited", "crediting"),
        ("quota", "quota"),
        ("attainment", "quota"),
        ("rate", "rate"),
        ("payout", "payout_override"),
    ):
        a, b = legacy[stage], engine[stage]
        if stage in ("attainment", "rate"):
            same = a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
        else:
            same = naive_cents(a) == naive_cents(b)
        if not same:
            if code == "payout_override" and abs(naive_cents(a) - naive_cents(b)) == 1:
                return "rounding"
            return code
    return "match"
