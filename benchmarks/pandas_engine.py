"""The synthetic company's plan in plain pandas: the baseline of bench_engine.

Written as a capable analyst would: merges for crediting rules, a loop of
merges up the hierarchy for roll-ups, groupby for measures, searchsorted for
tiers. To be comparable to the cent it borrows two xlspm functions
(``snap15`` for tier boundaries, ``excel_round`` for ROUND); everything else
is pandas/NumPy. It implements only what the synthetic plan uses (no
effective-dated rules, calendar-year quarters).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlspm import excel_round
from xlspm.numerics.rounding import snap15

NANO = 1e9


def _credits(inp):
    txns = inp["transactions"]
    rules = inp["assignments"]
    terr = rules[rules["territory"].notna()][["territory", "payee_id", "split_pct"]]
    acct = rules[rules["account"].notna()][["account", "payee_id", "split_pct"]]
    over = rules[rules["credit_type"] == "overlay"][
        ["product", "region", "payee_id", "split_pct"]
    ]
    cols = ["txn_id", "date", "amount"]
    keep = [*cols, "payee_id", "split_pct"]
    a = txns[[*cols, "territory"]].merge(terr, on="territory")[keep]
    b = txns[[*cols, "account"]].merge(acct, on="account")[keep]
    direct = pd.concat([a, b], ignore_index=True)
    direct["kind"] = "direct"
    missing = ~txns["txn_id"].isin(direct["txn_id"])
    default = txns.loc[missing, [*cols, "seller"]]
    default = default.rename(columns={"seller": "payee_id"})
    default["split_pct"], default["kind"] = 100.0, "direct"
    o = txns[[*cols, "product", "region"]].merge(over, on=["product", "region"])
    o = o[[*cols, "payee_id", "split_pct"]].assign(kind="overlay")
    base = pd.concat([direct, default, o], ignore_index=True)
    base["credit"] = base["amount"] * (base["split_pct"] / 100.0)
    return txns, base


def _rollups(inp, base):
    payees = inp["payees"].set_index("payee_id")
    depth = np.where(payees["plan_id"] == "MGR", 4, 0)
    depth = pd.Series(depth, index=payees.index)
    start = pd.to_datetime(payees["start_date"])
    walk = base[["txn_id", "date", "amount", "payee_id", "credit"]].copy()
    parts = []
    for level in range(1, 5):
        walk["payee_id"] = walk["payee_id"].map(payees["manager_id"])
        walk = walk[walk["payee_id"].notna()]
        ok = (depth.reindex(walk["payee_id"]).to_numpy() >= level) & (
            start.reindex(walk["payee_id"]).to_numpy() <= walk["date"].to_numpy()
        )
        parts.append(walk[ok].assign(level=level))
    roll = pd.concat(parts, ignore_index=True)
    roll = roll.groupby(["txn_id", "payee_id"], as_index=False).agg(
        credit=("credit", "sum"),
        amount=("amount", "first"),
        date=("date", "first"),
        level=("level", "min"),
    )
    over = (roll["credit"].abs() > roll["amount"].abs()) & (
        (roll["credit"] > 0) == (roll["amount"] > 0)
    )
    roll.loc[over, "credit"] = roll.loc[over, "amount"]
    return roll.assign(kind="rollup")


def _tier(x, floors, rates):
    idx = np.searchsorted(floors, snap15(x), side="right") - 1
    return idx


def _pay(mode, x, floors, rates, base, scale):
    floors, rates = np.asarray(floors), np.asarray(rates)
    t = _tier(x, floors, rates)
    below = t < 0
    t = np.maximum(t, 0)
    if mode == "retroactive":
        pay = base * rates[t]
    elif mode == "marginal":
        acc = np.zeros(len(rates))
        for i in range(1, len(rates)):
            acc[i] = acc[i - 1] + rates[i - 1] * (floors[i] - floors[i - 1])
        pay = scale * (acc[t] + rates[t] * np.maximum(x - floors[t], 0.0))
    elif mode == "linear":
        last = len(rates) - 1
        nxt = np.minimum(t + 1, last)
        with np.errstate(invalid="ignore", divide="ignore"):
            step = (
                np.maximum(x - floors[t], 0.0)
                * (rates[nxt] - rates[t])
                / (floors[nxt] - floors[t])
            )
        pay = scale * np.where(t == last, rates[t], rates[t] + step)
    else:
        pay = scale * rates[t]
    return np.where(below, 0.0, pay)


def pandas_calculate(inp) -> pd.DataFrame:
    """Return payout_due per (payee_id, component, period) for the synthetic plan."""
    txns, base = _credits(inp)
    roll = _rollups(inp, base)
    credits = pd.concat(
        [
            base[["txn_id", "date", "payee_id", "credit", "kind"]],
            roll[["txn_id", "date", "payee_id", "credit", "kind"]],
        ],
        ignore_index=True,
    )
    credits = credits.merge(txns[["txn_id", "product"]], on="txn_id")
    credits["quarter"] = pd.PeriodIndex(credits["date"], freq="Q").astype(str)
    credits["quarter"] = credits["quarter"].str.replace("Q", "-Q")
    credits["nano"] = np.rint(credits["credit"].to_numpy() * NANO).astype(np.int64)
    payees = inp["payees"]
    plans = inp["plans"]
    tables = {
        n: (g["floor"].to_numpy(), g["rate"].to_numpy())
        for n, g in inp["rate_tables"].groupby("table", sort=False)
    }
    quarters = [f"2026-Q{q}" for q in range(1, 5)]
    q_start = pd.to_datetime([f"2026-{3 * q - 2:02d}-01" for q in range(1, 5)])
    q_end = q_start + pd.offsets.QuarterEnd(0)
    out, xs = [], {}
    kicked_last = plans.sort_values("kicker_component", key=lambda s: s != "")
    for comp in kicked_last.itertuples():
        who = payees[payees["plan_id"] == comp.plan_id][["payee_id", "start_date"]]
        grid = who.merge(
            pd.DataFrame({"period": quarters, "p0": q_start, "p1": q_end}), how="cross"
        )
        s = np.maximum(pd.to_datetime(grid["start_date"]), grid["p0"])
        days = (grid["p1"] - grid["p0"]).dt.days + 1
        grid["fraction"] = ((grid["p1"] - s).dt.days + 1) / days
        grid["active"] = s <= grid["p1"]
        c = credits[credits["kind"].isin(comp.credit_types.split(","))]
        if comp.filter_column:
            c = c[c[comp.filter_column].isin(comp.filter_values.split(","))]
        m = c.groupby(["payee_id", "quarter"])["nano"].sum().reset_index()
        grid = grid.merge(
            m,
            left_on=["payee_id", "period"],
            right_on=["payee_id", "quarter"],
            how="left",
        )
        grid["nano"] = grid["nano"].fillna(0).astype(np.int64)
        q = inp["quotas"][inp["quotas"]["component"] == comp.component]
        q = q[["payee_id", "period", "quota"]]
        grid = grid.merge(q, on=["payee_id", "period"], how="left")
        grid = grid.sort_values(["payee_id", "period"])
        prorated = grid["quota"] * grid["fraction"]
        grid["prorated"] = np.where(grid["active"], prorated, 0.0)
        if comp.cumulative:
            grid["nano"] = grid.groupby("payee_id")["nano"].cumsum()
            grid["prorated"] = grid.groupby("payee_id")["prorated"].cumsum()
        credited = grid["nano"].to_numpy() / NANO
        quota = grid["prorated"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(grid["active"] & (quota > 0), credited / quota, 0.0)
        where = pd.MultiIndex.from_frame(grid[["payee_id", "period"]])
        xs[comp.component] = pd.Series(x, index=where)
        floors, rates = tables[comp.rate_table]
        scale = quota if comp.mode == "marginal" else comp.target
        pay = _pay(comp.mode, x, floors, rates, credited, scale)
        if isinstance(comp.gate, float) and not np.isnan(comp.gate):
            pay = np.where(_tier(x, np.array([comp.gate]), None) < 0, 0.0, pay)
        if comp.kicker_table:
            kx = xs[comp.kicker_component].reindex(where).to_numpy()
            kf, kr = tables[comp.kicker_table]
            kt = _tier(kx, kf, kr)
            pay = pay * np.where(kt >= 0, kr[np.maximum(kt, 0)], 0.0)
        if isinstance(comp.cap, float) and not np.isnan(comp.cap):
            pay = np.minimum(pay, comp.cap)
        earned = excel_round(pay, 2)
        grid["earned"] = earned
        before = 0.0
        if comp.cumulative:
            before = grid.groupby("payee_id")["earned"].shift(fill_value=0.0)
        due = grid["earned"].to_numpy() - np.asarray(before)
        grid["payout_due"] = excel_round(due, 2)
        grid["component"] = comp.component
        cols = ["payee_id", "component", "period", "payout_due"]
        out.append(grid[grid["active"]][cols])
    return pd.concat(out, ignore_index=True)
