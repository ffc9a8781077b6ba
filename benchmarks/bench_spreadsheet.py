"""Spreadsheet baseline: LibreOffice recalculating the legacy workbooks vs xlspm.

The demo company scaled to --payees and --transactions, written twice: as the
two legacy comp workbooks of spreadsheet formulas (Q1 and Q2: SUMIFS
crediting, VLOOKUP quotas and tiers, SUMPRODUCT marginal bands, MIN caps, IF
gates, ROUND; xlspm.datasets.legacy_workbooks without faults) and as the comp-plan
workbook xlspm reads. Timed on one machine, the workbooks built first (not
timed):

(a) LibreOffice headless forced recalculation of both legacy workbooks, as
    ``xlspm recalc`` (xlspm.io.recalc.recalculate): one soffice process per
    workbook, wall time including start-up; together they compute the same
    payee x component x period payouts as one engine run;
(b) ``xlspm calc plan.xlsx -o results.xlsx`` in-process (xlspm.cli.main.main) after
    a warm-up (``xlspm calc`` on a 10-payee plan: imports, numba, writer):
    read the plan workbook, calculate, write the results workbook (Summary,
    Results, Statements, Credits, Trace, Issues, Tiers); median of --repeat
    runs; once more as a subprocess (interpreter start and imports included,
    numba cache warm) for its peak memory, (b'), except with --quick;
(c) xlspm.calculate on the DataFrames already in memory, median of 5 runs.

Also timed: reading the plan workbook alone (xlspm.io.plan_workbook.read_workbook, part
of (b)), so that (b) splits into read, calculate and write.

Before any time is printed, every payout of the recalculated legacy Payouts
sheets is asserted equal to the engine's to the cent (xlspm.reconcile, keys
Payee, Component, Period, value Payout), for the in-memory results and for
the Results sheet ``xlspm calc`` wrote.

Run: python benchmarks/bench_spreadsheet.py [--payees 2000]
     [--transactions 100000] [--repeat 3] [--quick] [--json OUT.json]
--quick: 100 payees, 10^4 transactions, --repeat 1, no (b') (about 40 s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, peak_mb

import xlspm
from xlspm import reconcile
from xlspm.cli.main import main as xlspm_main
from xlspm.datasets.demo_workbook import build_demo_workbook
from xlspm.datasets.legacy_workbooks import build_legacy_workbooks, legacy_data
from xlspm.io.plan_workbook import read_workbook
from xlspm.io.recalc import find_soffice, recalculate
from xlspm.io.results_table import read_results_table

FULL = {"payees": 2000, "transactions": 100_000, "repeat": 3}
QUICK = {"payees": 100, "transactions": 10_000, "repeat": 1}
WARM_UP = {"n_payees": 10, "n_txn": 200}  # the plan of the warm-up calc
KEYS = ["Payee", "Component", "Period"]
ENGINE_NAMES = {
    "payee_id": "Payee",
    "component": "Component",
    "period": "Period",
    "payout_due": "Payout",
}
TARGETS = {"b": 20.0, "c": 1000.0}  # times faster than (a), from the issue


def build(folder: Path, payees: int, transactions: int) -> tuple[Path, list, float]:
    """Write the plan workbook and the two legacy workbooks (no cached values).

    Returns
    -------
    tuple
        The plan workbook, the legacy workbooks (Q1, Q2) and the seconds taken.
    """
    start = time.perf_counter()
    plan = build_demo_workbook(
        folder / "plan.xlsx", n_txn=transactions, n_payees=payees
    )
    legacy = build_legacy_workbooks(
        folder, recalc=False, faults=False, n_txn=transactions, n_payees=payees
    )
    return plan, legacy, time.perf_counter() - start


def _children_max_rss_mb() -> float:
    """Largest max RSS of any waited-for child process so far, in MB (Linux: KB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def recalc_legacy(paths: list[Path], folder: Path) -> list[tuple]:
    """Recalculate each legacy workbook with LibreOffice (one process each).

    Returns
    -------
    list of tuple
        ``(recalculated path, seconds, max RSS of the LibreOffice processes so
        far in MB)`` per workbook: getrusage(RUSAGE_CHILDREN) keeps the largest
        child, so this runs before any other child process.
    """
    out = []
    for path in paths:
        target = folder / f"calc_{path.name}"
        start = time.perf_counter()
        recalculate(path, target, overwrite=True, timeout=7200)
        out.append((target, time.perf_counter() - start, _children_max_rss_mb()))
    return out


def legacy_payouts(paths: list[Path]):
    """Return the Payouts rows of the recalculated legacy workbooks, stacked."""
    import pandas as pd

    frames = [
        read_results_table(p, sheet="Payouts", columns=[*KEYS, "Payout"], keys=KEYS)
        for p in paths
    ]
    return pd.concat([f.frame for f in frames], ignore_index=True)


def assert_same_payouts(legacy, engine, what: str) -> int:
    """Assert every payee x component x period payout is equal in cents.

    Returns
    -------
    int
        The number of payout rows compared.
    """
    engine = engine.rename(columns=ENGINE_NAMES)
    result = reconcile(legacy, engine, keys=KEYS, values=["Payout"])
    summary = result.summary()
    assert result.reconciled, (what, summary, result.differences.head(10))
    assert summary["rows"] == len(legacy) == len(engine), (what, summary)
    return summary["rows"]


def _calc_argv(plan: Path, out: Path) -> list[str]:
    return ["calc", str(plan), "-o", str(out), "--quiet", "--force"]


def time_calc(plan: Path, out: Path, repeat: int) -> float:
    """Median wall time of ``xlspm calc`` in-process, after a small warm-up run."""
    warm = build_demo_workbook(out.with_name("warm_up.xlsx"), **WARM_UP)
    assert xlspm_main(_calc_argv(warm, out)) == 0  # imports, numba, every path
    return _median(lambda: xlspm_main(_calc_argv(plan, out)), repeat)


def calc_subprocess(plan: Path, out: Path) -> tuple[float, float]:
    """Run ``python -m xlspm calc`` once; return (wall seconds, max RSS in MB)."""
    cmd = [sys.executable, "-m", "xlspm", *_calc_argv(plan, out)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own resource usage
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, cmd
    return seconds, usage.ru_maxrss / 1024


def _median(func, repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``func`` (no warm-up)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_engine(inputs: dict, repeat: int = 5) -> tuple[float, float, object]:
    """Median time of xlspm.calculate after a warm-up, its traced peak MB, results."""
    res = xlspm.calculate(**inputs)
    seconds = _median(lambda: xlspm.calculate(**inputs), repeat)
    return seconds, peak_mb(lambda: xlspm.calculate(**inputs)), res


def soffice_version() -> str:
    """Return LibreOffice's version line (``soffice --version``)."""
    out = subprocess.run(
        [find_soffice(), "--version"], capture_output=True, text=True, timeout=120
    )
    return out.stdout.strip() or "LibreOffice (version unknown)"


def measure(folder: Path, args) -> dict:
    """Build, recalculate, check every payout, then time xlspm; return the numbers."""
    plan, legacy, built = build(folder, args.payees, args.transactions)
    print(f"Built the workbooks in {built:.1f} s (not timed)", flush=True)
    recalced = recalc_legacy(legacy, folder)  # first: RUSAGE_CHILDREN is clean
    lo = soffice_version()  # a child process too, after the measurement
    legacy_rows = legacy_payouts([p for p, _, _ in recalced])
    read_s = _median(lambda: read_workbook(plan), args.repeat)
    inputs = read_workbook(plan).inputs()
    engine_s, engine_mb, res = time_engine(inputs)
    n = assert_same_payouts(legacy_rows, res.results, "xlspm.calculate")
    out = folder / "results.xlsx"
    calc_s = time_calc(plan, out, args.repeat)
    sub = None if args.quick else calc_subprocess(plan, out)
    sheet = read_results_table(
        out, sheet="Results", columns=list(ENGINE_NAMES), keys=list(ENGINE_NAMES)[:3]
    )
    assert_same_payouts(legacy_rows, sheet.frame, "xlspm calc Results sheet")
    print(f"Checked: all {n:,} payouts equal to the cent (legacy vs engine)")
    return {
        "built": built,
        "libreoffice": lo,
        "recalc": [(p.name, s, mb) for p, s, mb in recalced],
        "calc": calc_s,
        "read": read_s,
        "calc_subprocess": sub,
        "engine": (engine_s, engine_mb),
        "payouts": n,
        "credits": len(res.credits),
        "deals": len(legacy_data(args.transactions, args.payees).deals),  # cached
    }


def rows_of(m: dict, size: int, repeat: int) -> list[dict]:
    """Return the result rows: step, size, seconds, peak_mb, ratio vs (a)."""
    total = sum(s for _, s, _ in m["recalc"])
    steps = [
        (f"LibreOffice recalc {name.removeprefix('calc_')}", s, mb)
        for name, s, mb in m["recalc"]
    ]
    steps += [
        ("(a) LibreOffice recalc, both workbooks", total, m["recalc"][-1][2]),
        (f"(b) xlspm calc, in-process (median of {repeat})", m["calc"], None),
        (f"read_workbook(plan), part of (b) (median of {repeat})", m["read"], None),
        ("(c) xlspm.calculate, in memory (median of 5)", *m["engine"]),
    ]
    if m["calc_subprocess"]:  # not with --quick
        steps.insert(4, ("(b') xlspm calc, subprocess", *m["calc_subprocess"]))
    return [
        {
            "step": step,
            "size": size,
            "seconds": round(seconds, 4),
            "peak_mb": None if mb is None else round(mb, 1),
            "ratio": round(total / seconds, 1),
        }
        for step, seconds, mb in steps
    ]


def targets_of(rows: list[dict]) -> list[dict]:
    """Return the issue's targets: (b) and (c) that many times faster than (a)."""
    by = {r["step"][:3]: r for r in rows}
    return [
        {
            "name": f"{key} {by[key]['step'][4:]} vs (a) LibreOffice",
            "target": f">= {goal:g}x faster",
            "measured": by[key]["ratio"],
            "met": by[key]["ratio"] >= goal,
        }
        for key, goal in (("(b)", TARGETS["b"]), ("(c)", TARGETS["c"]))
    ]


def print_report(m: dict, rows: list[dict], targets: list[dict], args) -> None:
    """Print the markdown table, the targets and what the numbers mean."""
    print(
        f"\nSpreadsheet baseline: {args.payees:,} payees, {args.transactions:,} "
        f"transactions: {m['payouts']:,} payouts; the legacy Deals sheet has "
        f"{m['deals']:,} credit rows (split deals twice), the engine "
        f"{m['credits']:,} credits (roll-ups included)"
    )
    print(
        f"Machine: {machine()}; xlspm backend {xlspm.get_backend()}; {m['libreoffice']}"
    )
    print("\n| step | seconds | (a) / step: x faster | peak MB |")
    print("|---|---:|---:|---:|")
    for r in rows:
        peak = "n/a" if r["peak_mb"] is None else f"{r['peak_mb']:,.0f}"
        print(f"| {r['step']} | {r['seconds']:,.3f} | {r['ratio']:,.1f}x | {peak} |")
    print(
        "\nPeak MB: LibreOffice rows and (b') are the max RSS of the child "
        "processes (getrusage; the LibreOffice rows keep the largest so far); "
        "(c) is the tracemalloc peak of the allocations (NumPy included)."
    )
    write = m["calc"] - m["read"] - m["engine"][0]
    print(
        f"Of (b): reading the plan {m['read']:.2f} s, calculating about "
        f"{m['engine'][0]:.2f} s, writing the results workbook about {write:.2f} s."
    )
    for t in targets:
        verdict = "met" if t["met"] else "missed"
        print(f"Target {t['name']}: {t['target']}; {t['measured']:,.1f}x: {verdict}")


def main(argv=None) -> int:
    """Run the benchmark; print the table; write --json if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payees", type=int, default=None)
    parser.add_argument("--transactions", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None, help="(b) runs")
    parser.add_argument("--quick", action="store_true", help="100 payees, 10^4")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    args.payees = args.payees or sizes["payees"]
    args.transactions = args.transactions or sizes["transactions"]
    args.repeat = args.repeat or sizes["repeat"]
    with tempfile.TemporaryDirectory(prefix="xlspm-bench-sheet-") as tmp:
        m = measure(Path(tmp), args)
    rows = rows_of(m, args.transactions, args.repeat)
    targets = targets_of(rows)
    print_report(m, rows, targets, args)
    if args.json:
        payload = {
            "benchmark": "spreadsheet",
            "machine": f"{machine()}; {m['libreoffice']}",
            "payees": args.payees,
            "build_seconds": round(m["built"], 2),
            "rows": rows,
            "targets": targets,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
