"""Plan engine: xlspm.calculate against the same plan written in pandas.

The synthetic company (``xlspm.datasets.synthetic``): a 5-level hierarchy, one payee
per 100 transactions, 20 % split deals, product overlays, returns, mid-quarter
hires, 3 components per plan, quarterly periods. Both implementations must
produce identical payouts (asserted, to the cent) before times are reported.
Peak memory is measured in a child process per size (Linux ``VmHWM`` after
resetting it), relative to the size of the transaction input arrays.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--quick] [--sizes N ...]
[--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from _common import add_json_option, machine, result_row, target, write_json
from pandas_engine import pandas_calculate

import xlspm
from xlspm.datasets.synthetic import synthetic_company

HERE = Path(__file__).resolve().parent


def company(n: int):
    """Return inputs for ``n`` transactions and ``n / 100`` payees."""
    return synthetic_company(n, max(n // 100, 50), seed=7)


def input_bytes(inp) -> int:
    """Bytes of the transaction columns (object columns: pointers only)."""
    return int(
        sum(inp["transactions"][c].to_numpy().nbytes for c in inp["transactions"])
    )


def _vm(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1)) * 1024


def child(n: int) -> None:
    """Measure xlspm's peak memory for one size (run in a fresh process)."""
    inp = company(n)
    xlspm.calculate(**company(2000))  # load the compiled kernels
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak to now
    before = _vm("VmRSS")
    start = time.perf_counter()
    res = xlspm.calculate(**inp)
    seconds = time.perf_counter() - start
    peak = _vm("VmHWM") - before
    print(
        json.dumps(
            {
                "peak": peak,
                "input": input_bytes(inp),
                "seconds": seconds,
                "timings": res.timings,
            }
        )
    )


def peak_memory(n: int) -> dict:
    """Run :func:`child` in a new interpreter and return what it measured."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def same_payouts(res, base) -> int:
    """Assert equal payout_due on the same rows; return the row count."""
    ours = res.results[["payee_id", "component", "period", "payout_due"]].copy()
    base = base.assign(payee_id=base["payee_id"].astype(str))
    merged = ours.merge(
        base,
        on=["payee_id", "component", "period"],
        how="outer",
        suffixes=("", "_pandas"),
        indicator=True,
    )
    assert (merged["_merge"] == "both").all(), "different result rows"
    diff = merged["payout_due"] != merged["payout_due_pandas"]
    assert not diff.any(), merged[diff].head()
    return len(merged)


def run(n: int, pandas_max: int) -> dict:
    inp = company(n)
    xlspm.calculate(**company(2000))
    start = time.perf_counter()
    res = xlspm.calculate(**inp)
    ours = time.perf_counter() - start
    row = {
        "n": n,
        "payees": len(inp["payees"]),
        "xlspm_s": ours,
        "stages": res.timings,
        "credits": int(res.credit_arrays.txn.size),
    }
    if n <= pandas_max:
        start = time.perf_counter()
        base = pandas_calculate(inp)
        row["pandas_s"] = time.perf_counter() - start
        row["rows"] = same_payouts(res, base)
    del res, inp
    mem = peak_memory(n)
    row["peak_mb"] = mem["peak"] / 1e6
    row["input_mb"] = mem["input"] / 1e6
    return row


def line(r: dict) -> str:
    ratio = f"{r['pandas_s'] / r['xlspm_s']:.1f}x" if "pandas_s" in r else "n/a"
    pandas = f"{r['pandas_s']:.2f} s" if "pandas_s" in r else "not run"
    stages = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items())
    return (
        f"| {r['n']:.0e} | {r['payees']:,} | {r['credits']:,} | {r['xlspm_s']:.2f} s "
        f"| {pandas} | {ratio} | {r['peak_mb']:,.0f} MB "
        f"({r['peak_mb'] / r['input_mb']:.1f}x input) | {stages} |"
    )


def json_row(r: dict) -> dict:
    """Row for ``--json``."""
    return result_row(
        r["n"],
        r["xlspm_s"],
        "pandas",
        r.get("pandas_s"),
        peak_mb=r["peak_mb"],
        input_mb=r["input_mb"],
        payees=r["payees"],
        credits=r["credits"],
        result_rows=r.get("rows"),
        stages=r["stages"],
    )


def targets(rows: list[dict]) -> list[dict]:
    """Return the plan-engine issue's targets, for the sizes that were run."""
    out = []
    for r in rows:
        if r["n"] >= 10**6 and "pandas_s" in r:
            ratio = r["pandas_s"] / r["xlspm_s"]
            out.append(
                target(
                    f"{r['n']:.0e} transactions: xlspm vs pandas",
                    "at least 10x faster",
                    round(ratio, 2),
                    ratio >= 10,
                    "x",
                )
            )
    big = max(rows, key=lambda r: r["n"])
    if big["n"] >= 10**7:
        out.append(
            target(
                f"engine time, {big['n']:.0e} transactions",
                "under 3 s",
                round(big["xlspm_s"], 2),
                big["xlspm_s"] < 3,
                " s",
            )
        )
    mem = big["peak_mb"] / big["input_mb"]
    out.append(
        target(
            f"peak memory, {big['n']:.0e} transactions, vs transaction columns",
            "under 3x the input",
            round(mem, 2),
            mem < 3,
            "x",
        )
    )
    return out


def main(argv=None) -> int:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 to 10^6")
    parser.add_argument("--sizes", type=int, nargs="*", help="transactions per run")
    parser.add_argument(
        "--pandas-max",
        type=int,
        default=10**7,
        help="largest size to run the pandas baseline on",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    add_json_option(parser)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    sizes = args.sizes or (
        [10**4, 10**5, 10**6] if args.quick else [10**4, 10**5, 10**6, 10**7]
    )
    print(f"Machine: {machine()}; backend {xlspm.get_backend()}")
    print(
        "| transactions | payees | credits | xlspm | pandas | vs pandas "
        "| xlspm peak memory | xlspm stages (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    rows = []
    for n in sizes:
        rows.append(run(n, args.pandas_max))
        print(line(rows[-1]), flush=True)
    for t in targets(rows):
        verdict = "met" if t["met"] else "missed"
        print(f"Target: {t['name']}: {t['measured']}{t['unit']}, {verdict}")
    write_json(
        args.json,
        "engine",
        "Plan engine: xlspm.calculate vs the same plan in pandas "
        f"(synthetic company, payouts asserted equal; backend {xlspm.get_backend()})",
        [json_row(r) for r in rows],
        targets(rows),
        [
            "peak memory: xlspm.calculate in a fresh process (Linux VmHWM), "
            "compared with the bytes of the transaction columns (input_mb)."
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
