"""The tier engine's unchecked layer: one kernel call per payout, no validation.

:mod:`xlspm.numerics.tiers` checks and converts the public arguments and then
calls :func:`pay_tiers` or :func:`lookup`; the plan engine calls them
directly, because its inputs were checked when the plan was read. Arguments
must be what the checks produce: C-contiguous float64 vectors of finite
values, a :class:`~xlspm.numerics.rate_table.RateTable`, per-element terms
holding one value or one per element, ``round_to`` within ``-300..300``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..kernels import tiers as _codes
from ..kernels.dispatch import kernel
from .rate_table import RateTable

__all__ = ["MODES", "TierOptions", "TierPay", "lookup", "pay_tiers"]

MODES = ("retroactive", "marginal", "flat", "linear")
_MODE_CODES = {
    "retroactive": _codes.RETROACTIVE,
    "marginal": _codes.MARGINAL,
    "flat": _codes.FLAT,
    "linear": _codes.LINEAR,
}
# Shared stand-ins; writable, as numba compiles read-only arrays separately.
_NONE = np.zeros(1)  # an absent term (the kernel never reads it)
_NO_TIERS = np.empty(0, dtype=np.int64)  # no detail asked (never written)
_NO_RATES = np.empty(0)


@dataclass(frozen=True)
class TierOptions:
    """How a tier payout is computed after the table's lookup.

    Each term is a float64 array holding one value (applied to every
    element) or one value per element; ``None`` means "not given".

    Attributes
    ----------
    mode : {"retroactive", "marginal", "flat", "linear"}
        How the table pays (see :mod:`xlspm.numerics.tiers`).
    scale : numpy.ndarray
        Multiplier of the table's value (``x * scale`` is the retroactive
        amount when ``base`` is None).
    base : numpy.ndarray or None
        Retroactive only: the amount the rate applies to.
    gate : numpy.ndarray or None
        Elements below it pay 0 (compared under the table's precision).
    cap : numpy.ndarray or None
        Payouts never exceed it.
    round_to : int or None
        Decimals to round each payout to after gate and cap (Excel ROUND
        under ``excel`` precision); None leaves payouts unrounded.
    """

    mode: str = "retroactive"
    scale: np.ndarray = field(default_factory=lambda: np.ones(1))
    base: np.ndarray | None = None
    gate: np.ndarray | None = None
    cap: np.ndarray | None = None
    round_to: int | None = None

    def flags(self, excel: bool, detail: bool) -> int:
        """Pack the options into the kernel's ``flags`` bits.

        Parameters
        ----------
        excel : bool
            The table compares under Excel's 15-digit rule.
        detail : bool
            Also write each element's tier and rate.

        Returns
        -------
        int
            The bits of :mod:`xlspm.kernels.tiers`.
        """
        bits = (
            (self.base is not None, _codes.HAS_BASE),
            (self.gate is not None, _codes.HAS_GATE),
            (self.cap is not None, _codes.HAS_CAP),
            (self.round_to is not None, _codes.DO_ROUND),
            (excel, _codes.EXCEL),
            (detail, _codes.DETAIL),
        )
        return sum(bit for on, bit in bits if on)


@dataclass(frozen=True)
class TierPay:
    """What one tier payout call returns.

    Attributes
    ----------
    payout : numpy.ndarray
        Payout of every element (0 below the table).
    below : int
        How many elements are below the first floor.
    tier : numpy.ndarray or None
        Tier index of every element (-1 below the table); with ``detail``.
    rate : numpy.ndarray or None
        Rate of every element's tier (0 below the table); with ``detail``.
    """

    payout: np.ndarray
    below: int
    tier: np.ndarray | None = None
    rate: np.ndarray | None = None


def _term(values: np.ndarray | None) -> tuple[np.ndarray, int]:
    """Return the kernel's ``(array, step)`` for a term: step 0 reads one value."""
    if values is None:
        return _NONE, 0
    return values, int(values.size != 1)


def pay_tiers(
    x: np.ndarray, table: RateTable, options: TierOptions, *, detail: bool = False
) -> TierPay:
    """Pay every ``x`` through ``table`` with one kernel call (no checks).

    Parameters
    ----------
    x : numpy.ndarray
        C-contiguous float64 vector of finite values.
    table : RateTable
        The prepared table; its precision decides comparisons and rounding.
    options : TierOptions
        Mode and per-element terms (each one value or ``x.size`` values).
    detail : bool, default False
        Also return each element's tier index and rate.

    Returns
    -------
    TierPay
        Payouts, the count below the table and (with ``detail``) tiers and rates.
    """
    n = x.size
    out = np.empty(n)
    tier = np.empty(n, dtype=np.int64) if detail else _NO_TIERS
    rate = np.empty(n) if detail else _NO_RATES
    terms = [options.scale, options.base, options.gate, options.cap]
    args = [item for values in terms for item in _term(values)]
    below = kernel("tiers.tier_payout")(
        x,
        table.thresholds,
        table.floors,
        table.rates,
        table.cumulative,
        _MODE_CODES[options.mode],
        *args,
        options.flags(table.precision == "excel", detail),
        0 if options.round_to is None else options.round_to,
        out,
        tier,
        rate,
    )
    if not detail:
        return TierPay(out, int(below))
    return TierPay(out, int(below), tier, rate)


def lookup(x: np.ndarray, table: RateTable) -> tuple[np.ndarray, np.ndarray]:
    """Return the tier index and the rate of every ``x`` (no checks).

    Parameters
    ----------
    x : numpy.ndarray
        C-contiguous float64 vector of finite values.
    table : RateTable
        The prepared table.

    Returns
    -------
    tuple of numpy.ndarray
        ``(tier, rate)``: int64 indices (-1 below the first floor) and the
        rates of those tiers (0 below the first floor), as ``VLOOKUP`` does.
    """
    tier = np.empty(x.size, dtype=np.int64)
    kernel("tiers.tier_index")(x, table.thresholds, tier)
    rate = np.where(tier < 0, 0.0, table.rates[np.maximum(tier, 0)])
    return tier, rate
