"""The demo company as a comp team keeps it (see :mod:`.legacy_workbook`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from .demo_workbook import N_PAYEES, demo_inputs

__all__ = ["LegacyData", "legacy_data"]


@dataclass(frozen=True)
class LegacyData:
    """The demo company as a comp team keeps it, and the engine's results."""

    deals: pd.DataFrame  # one row per direct credit, in entry (date) order
    payees: pd.DataFrame
    quotas: pd.DataFrame
    rate_tables: pd.DataFrame
    plans: pd.DataFrame
    results: pd.DataFrame  # xlspm.calculate(...).results


@functools.cache
def legacy_data(n_txn: int = 20_000, n_payees: int = N_PAYEES) -> LegacyData:
    """Return the demo inputs as hand-kept credit rows, with the engine results.

    Parameters
    ----------
    n_txn, n_payees : int, optional
        Scale the company (:func:`xlspm.demo_workbook.demo_inputs`); the
        defaults give the demo company.

    Returns
    -------
    LegacyData
        ``deals`` has ``txn_id, date, amount, product, rep, manager, share``:
        the engine's direct credits, one row per credit, sorted by date and
        transaction (split deals: the 60 % row first).
    """
    from ..engine.calculate import calculate

    inputs = demo_inputs(n_txn=n_txn, n_payees=n_payees)
    res = calculate(**inputs)
    credits = res.credits[res.credits["credit_type"] == "direct"]
    txns = inputs["transactions"].set_index("txn_id")
    rules = inputs["assignments"].set_index("rule_id")["split_pct"]
    payees = inputs["payees"]
    deals = pd.DataFrame(
        {
            "txn_id": credits["txn_id"].to_numpy(),
            "date": credits["txn_id"].map(txns["date"]).to_numpy(),
            "amount": credits["txn_amount"].to_numpy(),
            "product": credits["txn_id"].map(txns["product"]).to_numpy(),
            "rep": credits["payee_id"].astype(str).to_numpy(),
            "share": credits["rule_id"].astype(str).map(rules).to_numpy() / 100,
        }
    )
    deals["manager"] = deals["rep"].map(payees.set_index("payee_id")["manager_id"])
    deals = deals.sort_values(["date", "txn_id"], kind="stable")
    cols = ["txn_id", "date", "amount", "product", "rep", "manager", "share"]
    return LegacyData(
        deals[cols].reset_index(drop=True),
        payees,
        inputs["quotas"],
        inputs["rate_tables"],
        inputs["plans"],
        res.results,
    )
