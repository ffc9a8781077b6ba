"""Worked examples per tier mode, Excel's edge cases, and the demo's parallel run.

Every number here is pinned by ``tests/test_demo.py`` and shown in the README.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..engine.results import STATEMENT_COLUMNS
from ..numerics.rounding import excel_round, ieee_round
from ..numerics.tiers import tier_index, tiered_payout
from ..present.explain_text import explain

__all__ = [
    "ATTAINMENT_FLOORS",
    "COMMISSION_RATES",
    "DEMO_KEYS",
    "DEMO_VALUES",
    "demo_parallel_run",
    "plan_example",
    "rounding_examples",
    "tier_examples",
]

ATTAINMENT_FLOORS = [0.0, 0.5, 0.8, 1.0, 1.2]
COMMISSION_RATES = [0.0, 0.02, 0.04, 0.06, 0.08]
STEP_BONUS = [0.0, 500.0, 1000.0, 2000.0, 3000.0]
CURVE_FLOORS = [0.5, 1.0, 1.5]
CURVE_MULTIPLES = [0.0, 1.0, 2.0]
BOUNDARY_ATTAINMENT = 119791.96 / 149739.95  # 0.7999999999999999 in IEEE


def _row(example, mode, x, floors, rates, **kwargs):
    precision = kwargs.get("precision", "excel")
    payout = tiered_payout(x, floors, rates, mode=mode, round_to=2, **kwargs)
    return {
        "example": example,
        "mode": mode,
        "precision": precision,
        "x": x,
        "tier": tier_index(x, floors, precision=precision),
        "payout": payout,
    }


def tier_examples() -> pd.DataFrame:
    """Compute the demo's worked examples.

    Returns
    -------
    pandas.DataFrame
        One row per example: ``example``, ``mode``, ``precision``, ``x``,
        ``tier`` (0-based), ``payout`` (rounded to cents).
    """
    f, r = ATTAINMENT_FLOORS, COMMISSION_RATES
    rows = [
        _row(
            "90% attainment on $90,000 revenue", "retroactive", 0.9, f, r, base=90000.0
        ),
        _row("130% attainment, quota $100,000", "marginal", 1.3, f, r, scale=100000.0),
        _row("105% attainment step bonus", "flat", 1.05, f, STEP_BONUS),
        _row(
            "125% on a $10,000 target bonus curve",
            "linear",
            1.25,
            CURVE_FLOORS,
            CURVE_MULTIPLES,
            scale=10000.0,
        ),
        _row(
            "45% attainment, gate at 50%",
            "retroactive",
            0.45,
            f,
            r,
            base=45000.0,
            gate=0.5,
        ),
        _row(
            "160% attainment, cap $10,000",
            "retroactive",
            1.6,
            f,
            r,
            base=160000.0,
            cap=10000.0,
        ),
        _row(
            "119,791.96 / 149,739.95 (Excel sees 0.8)",
            "retroactive",
            BOUNDARY_ATTAINMENT,
            f,
            r,
            base=119791.96,
        ),
        _row(
            "same deal with plain IEEE comparison",
            "retroactive",
            BOUNDARY_ATTAINMENT,
            f,
            r,
            base=119791.96,
            precision="ieee",
        ),
    ]
    return pd.DataFrame(rows)


def rounding_examples() -> pd.DataFrame:
    """Excel ROUND next to IEEE rounding for the classic half-cent cases.

    Returns
    -------
    pandas.DataFrame
        Columns ``value``, ``digits``, ``excel_round``, ``ieee_round``.
    """
    cases = [(2.675, 2), (3365.6649999999995, 2), (-2.5, 0), (1.005, 2)]
    return pd.DataFrame(
        [
            {
                "value": v,
                "digits": d,
                "excel_round": excel_round(v, d),
                "ieee_round": ieee_round(v, d),
            }
            for v, d in cases
        ]
    )


PLAN_COLUMNS = ["payee_id", *STATEMENT_COLUMNS]


def plan_example():
    """Calculate the README's small company (see :mod:`xlspm.sample`).

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The results (main columns) and the explanation of R2's Q2 claw-back.
    """
    from ..datasets.sample import small_company
    from ..engine.calculate import calculate

    res = calculate(**small_company())
    return res.results[PLAN_COLUMNS], explain(res, "R2", "Bookings", "2026-Q2")


DEMO_KEYS = ["Payee", "Component", "Period"]
DEMO_VALUES = ["Credited", "Quota", "Attainment", "Rate", "Payout"]


def demo_parallel_run(res, workbook: Path, out: Path):
    """Reconcile the two sample legacy workbooks against the demo's results.

    Writes ``parallel_run.xlsx`` into ``out`` and returns the
    :class:`~xlspm.recon.parallel_run.ParallelRun`.
    """
    from ..engine.results import tiers_table
    from ..present.parallel_report import write_parallel_report
    from ..recon.parallel_run import parallel_run
    from ..recon.workbooks import EngineSide
    from .workbooks import sample_workbook

    legacy = [
        sample_workbook("legacy_comp_2026Q1.xlsx"),
        sample_workbook("legacy_comp_2026Q2.xlsx"),
    ]
    side = EngineSide(res.results, workbook, res.credits, tiers_table(res))
    run = parallel_run(side, legacy, keys=DEMO_KEYS, values=DEMO_VALUES)
    write_parallel_report(run, out / "parallel_run.xlsx", sources=[workbook, *legacy])
    return run
