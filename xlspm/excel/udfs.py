"""xlspm in Excel cells: xlwings UDFs (classic COM on Windows, Office.js server).

Point xlwings' ``UDF Modules`` setting at ``xlspm.excel.udfs``.

Each function is a thin wrapper over the public API; its docstring and the
``doc=`` of each argument are what Excel's Function Wizard shows. Results
spill: a column in, a column out, one call per range. A user error shows as
a short message in the cell, never a traceback.
"""

import xlwings as xw

from xlspm import __version__
from xlspm.engine.calculate import calculate
from xlspm.excel import cells as u
from xlspm.numerics.rounding import excel_round
from xlspm.numerics.tiers import tier_rate, tiered_payout
from xlspm.present.explain_text import explain
from xlspm.schema.values import norm_key

__all__ = [
    "SPM_CALC",
    "SPM_CREDIT",
    "SPM_EXPLAIN",
    "SPM_ROUND",
    "SPM_TIER_PAYOUT",
    "SPM_TIER_RATE",
    "SPM_VERSION",
]

MODE_DOC = 'Tier mode: "retroactive" (default), "marginal", "flat" or "linear".'


@xw.func
@xw.arg("x", ndim=2, err_to_str=True, doc="Attainments or amounts: one column.")
@xw.arg("rate_table", ndim=2, err_to_str=True, doc="Two columns: floor, rate.")
@xw.arg("mode", doc=MODE_DOC)
@xw.arg(
    "scale", ndim=2, doc="Optional multiplier (quota, target): a number or a column."
)
@xw.arg("cap", doc="Optional maximum payout.")
@xw.arg("gate", doc="Optional: x below the gate pays 0.")
@u.cell_errors
def SPM_TIER_PAYOUT(x, rate_table, mode="retroactive", scale=None, cap=None, gate=None):
    """Pay each x through the rate table, Excel-exact, rounded to cents."""
    values, blank, errors = u.column(x, "x")
    floors, rates = u.rate_table(rate_table)
    opts = {
        k: u.number(v, k)
        for k, v in (("cap", cap), ("gate", gate))
        if not u.is_blank(v)
    }
    mode = "retroactive" if u.is_blank(mode) else str(mode).strip().lower()
    scale = u.scale(scale)
    pay = tiered_payout(
        values, floors, rates, mode=mode, scale=scale, round_to=2, **opts
    )
    return u.out_column(pay, blank, errors)


@xw.func
@xw.arg("x", ndim=2, err_to_str=True, doc="Attainments or amounts: one column.")
@xw.arg("rate_table", ndim=2, err_to_str=True, doc="Two columns: floor, rate.")
@u.cell_errors
def SPM_TIER_RATE(x, rate_table):
    """Return the rate of the tier each x reaches: VLOOKUP(x, table, 2, TRUE)."""
    values, blank, errors = u.column(x, "x")
    floors, rates = u.rate_table(rate_table)
    return u.out_column(tier_rate(values, floors, rates), blank, errors)


@xw.func
@xw.arg("x", ndim=2, err_to_str=True, doc="Values to round: a cell or a column.")
@xw.arg("digits", doc="Decimal places (negative rounds to tens, hundreds).")
@u.cell_errors
def SPM_ROUND(x, digits=0):
    """Round like Excel's ROUND: half away from zero on the 15-digit value."""
    values, blank, errors = u.column(x, "x")
    digits = 0 if u.is_blank(digits) else digits
    return u.out_column(excel_round(values, digits), blank, errors)


_TABLE_DOC = "The {} table, header row included."
PLAN_TABLES = {
    "transactions": "Transactions",
    "payees": "Payees",
    "assignments": "Assignments",
    "plans": "Plans",
    "rate_tables": "RateTables",
    "quotas": "Quotas",
}


def _plan_tables(func):
    """Declare the six plan-table arguments (ranges with a header row)."""
    for name, shown in PLAN_TABLES.items():
        doc = _TABLE_DOC.format(shown)
        func = xw.arg(name, ndim=2, err_to_str=True, doc=doc)(func)
    return func


def _inputs(*tables):
    return {
        name: None if u.is_blank(v) else u.table(v, name)
        for name, v in zip(PLAN_TABLES, tables, strict=True)
    }


@xw.func
@xw.arg("transactions", ndim=2, err_to_str=True, doc=_TABLE_DOC.format("Transactions"))
@xw.arg("assignments", ndim=2, err_to_str=True, doc=_TABLE_DOC.format("Assignments"))
@xw.arg(
    "payees",
    ndim=2,
    err_to_str=True,
    doc="Optional Payees table; default: everyone named.",
)
@u.cell_errors
def SPM_CREDIT(transactions, assignments, payees=None):
    """Return the credits: one row per transaction, payee and credit (spills)."""
    return u.to_range(u.credit_table(transactions, assignments, payees))


@xw.func
@_plan_tables
@u.cell_errors
def SPM_CALC(transactions, payees, assignments, plans, rate_tables, quotas):
    """Return the results: one row per payee, component and period (spills)."""
    inputs = _inputs(transactions, payees, assignments, plans, rate_tables, quotas)
    return u.to_range(calculate(**inputs).results)


@xw.func
@_plan_tables
@xw.arg("payee_id", doc="The payee to explain.")
@xw.arg("component", doc="The component (as in Plans).")
@xw.arg("period", doc="The period: 2026-Q1, 2026-03 or 2026.")
@u.cell_errors
def SPM_EXPLAIN(
    transactions,
    payees,
    assignments,
    plans,
    rate_tables,
    quotas,
    payee_id,
    component,
    period,
):
    """Explain one payout, step by step, as rows of text (spills down)."""
    inputs = _inputs(transactions, payees, assignments, plans, rate_tables, quotas)
    res = calculate(**inputs)
    text = explain(res, norm_key(payee_id), norm_key(component), norm_key(period))
    return [[line] for line in text.splitlines()]


@xw.func
def SPM_VERSION():
    """Return the xlspm version."""
    return __version__
