"""Reconciliation: xlspm.reconcile vs datacompy and a plain pandas merge.

10^6 rows x 3 keys x 5 values, 0.1 % of the rows differing in the payout;
the legacy side comes in another row order. datacompy's PandasCompare gets the
same key columns and tolerance; the mismatch counts are asserted equal before
anything is timed. xlspm also assigns a reason code and explanation per row.

Run: python benchmarks/bench_reconcile.py [--rows 1000000 ...] [--repeat 3]
[--json PATH]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _common import (
    add_json_option,
    machine,
    peak_mb,
    result_row,
    target,
    timed,
    write_json,
)

import xlspm
from xlspm.recon.reconcile import reconcile

KEYS = ["payee", "component", "period"]
VALUES = ["credited", "quota", "attainment", "rate", "payout"]
COMPONENTS = np.array(["Bookings", "New logos", "Bonus", "Team", "Spiff"])
PERIODS = np.array(["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"])


def make_sides(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Return (legacy, engine, number of rows that differ).

    Each side's strings are created in its own row order, as a file reader
    would create them.
    """
    rng = np.random.default_rng(seed)
    i = np.arange(n)
    payees = np.array([f"P{k:07d}" for k in range(-(-n // 20))])
    keys = {"payee": payees[i // 20], "component": COMPONENTS[i % 5]}
    keys["period"] = PERIODS[(i // 5) % 4]
    values = {v: np.round(rng.uniform(0, 1e5, n), 2) for v in VALUES}
    values["attainment"] = np.round(rng.uniform(0, 2, n), 6)
    values["rate"] = rng.choice([0.02, 0.04, 0.06, 0.08], n)
    engine = pd.DataFrame({**{k: list(v) for k, v in keys.items()}, **values})
    differ = rng.choice(n, n // 1000, replace=False)
    legacy_values = {k: v.copy() for k, v in values.items()}
    legacy_values["payout"][differ] += np.round(rng.uniform(0.01, 500, differ.size), 2)
    order = rng.permutation(n)
    legacy = pd.DataFrame(
        {
            **{k: list(v[order]) for k, v in keys.items()},
            **{k: v[order] for k, v in legacy_values.items()},
        }
    )
    return legacy, engine, differ.size


def run_xlspm(legacy, engine):
    """Reconcile with reason codes; return the number of differing keys."""
    return len(reconcile(legacy, engine, keys=KEYS, values=VALUES).differences)


def run_datacompy(legacy, engine):
    """datacompy.PandasCompare with the same tolerance (copies: it renames)."""
    import datacompy

    cmp = datacompy.PandasCompare(
        legacy.copy(),
        engine.copy(),
        join_columns=KEYS,
        abs_tol=dict.fromkeys(VALUES, 0.005),
    )
    return len(cmp.all_mismatch())


def run_pandas(legacy, engine):
    """Merge and np.isclose: what a pandas user writes by hand."""
    both = legacy.merge(engine, on=KEYS, how="outer", suffixes=("_l", "_e"))
    same = np.ones(len(both), dtype=bool)
    for v in VALUES:
        same &= np.isclose(both[f"{v}_l"], both[f"{v}_e"], rtol=0.0, atol=0.005)
    return int((~same).sum())


def measure(n: int, repeat: int) -> list[dict]:
    """Reconcile ``n`` rows with each tool (counts asserted equal first)."""
    legacy, engine, planted = make_sides(n)
    print(f"Reconcile {n:,} rows x 3 keys x 5 values, {planted:,} differ")
    print(f"Machine: {machine()}; xlspm backend {xlspm.get_backend()}")
    runs = {"xlspm.reconcile": run_xlspm, "datacompy": run_datacompy}
    runs["pandas merge+isclose"] = run_pandas
    found = {name: f(legacy, engine) for name, f in runs.items()}
    assert set(found.values()) == {planted}, found  # both sides agree first
    rows = []
    for name, func in runs.items():
        seconds, _ = timed(lambda f=func: f(legacy, engine), repeat=repeat)
        rows.append((name, seconds, peak_mb(lambda f=func: f(legacy, engine))))
    base = rows[0][1]
    print(f"{'tool':<22}{'seconds':>9}{'peak MB':>9}{'xlspm faster':>14}")
    for name, seconds, peak in rows:
        print(f"{name:<22}{seconds:>9.3f}{peak:>9.0f}{seconds / base:>13.1f}x")
    print("xlspm also gives every row a reason code and an explanation.")
    (_, ours, our_mb), *others = rows
    return [
        result_row(
            n, ours, name, seconds, peak_mb=our_mb, baseline_peak_mb=mb, differ=planted
        )
        for name, seconds, mb in others
    ]


def targets(rows: list[dict]) -> list[dict]:
    """Return the reconciliation issue's target (>= 2x datacompy)."""
    r = max((r for r in rows if r["baseline"] == "datacompy"), key=lambda r: r["size"])
    return [
        target(
            f"{r['size']:,} rows with reason codes: xlspm vs datacompy",
            "at least 2x faster (at 1,000,000 rows)",
            round(r["ratio"], 2),
            r["ratio"] >= 2,
            "x",
        )
    ]


def main(argv=None) -> int:
    """Run the benchmark and print a table per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    add_json_option(parser)
    args = parser.parse_args(argv)
    rows = []
    for n in args.rows:
        rows += measure(n, args.repeat)
    for t in targets(rows):
        print(
            f"Target: {t['name']}: {t['measured']}x, {'met' if t['met'] else 'missed'}"
        )
    write_json(
        args.json,
        "reconcile",
        "Reconciliation: xlspm.reconcile (with reason codes) vs datacompy "
        "PandasCompare and a pandas merge + isclose (mismatch counts asserted equal)",
        rows,
        targets(rows),
        [
            "3 keys x 5 values, 0.1 % of the rows differ, the legacy side in "
            "another row order; median of the timed runs."
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
