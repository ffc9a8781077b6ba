"""Scaling: xlspm.calculate time per stage and peak memory from 10^4 to 10^7.

Each size runs in a fresh interpreter (clean peak memory): the synthetic
company of ``xlspm.datasets.synthetic`` (one payee per 100 transactions, as in
``bench_engine.py``), a warm-up on 2,000 transactions to load the compiled
kernels, then ``xlspm.calculate`` ``--repeat`` times (default 3; the run with
the median time is reported, all times are kept in the JSON). Stage times
are ``Results.timings`` (read, credit, aggregate, pay); up to ``--write-max``
transactions the results workbook
(``xlspm.present.results_workbook.write_report``) is written and timed too.
Peak memory is the child's Linux ``VmHWM`` during the first ``calculate``
above its resident size before (as in ``bench_engine.py``), and its
whole-process ``ru_maxrss``.

A step between consecutive sizes is flagged super-linear when its local
exponent, log(time ratio) / log(size ratio), exceeds ``--threshold``
(default 1.15: the time grew 1.5x faster than the size over a 10x step).
There is no baseline here: the question is only how xlspm's time grows.

Run: ``.venv/bin/python benchmarks/bench_scaling.py [--quick] [--sizes N ...]
[--write-max N] [--repeat N] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import add_json_option, machine, result_row, target, write_json

import xlspm
from xlspm.datasets.synthetic import synthetic_company

STAGES = ("read", "credit", "aggregate", "pay")
MIN_START, MIN_SECONDS = 0.01, 0.05  # shorter time steps are not flagged


def company(n: int):
    """Return inputs for ``n`` transactions and ``n / 100`` payees."""
    return synthetic_company(n, max(n // 100, 50), seed=7)


def _vm(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1)) * 1024


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child(n: int, write_max: int, repeat: int) -> None:
    """Measure one size in this (fresh) process and print one JSON line."""
    inp = company(n)
    input_bytes = sum(
        inp["transactions"][c].to_numpy().nbytes for c in inp["transactions"]
    )
    xlspm.calculate(**company(2000))  # load the compiled kernels
    reset = _reset_peak()
    before = _vm("VmRSS")
    runs = []
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        res = xlspm.calculate(**inp)
        runs.append((time.perf_counter() - start, res.timings))
        if len(runs) == 1:
            peak = _vm("VmHWM") - before if reset and before else None
    seconds, timings = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    write = None
    if n <= write_max:
        from xlspm.present.results_workbook import write_report

        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            write_report(res, Path(tmp) / "results.xlsx")
            write = time.perf_counter() - start
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    out = {
        "seconds": seconds,
        "all_seconds": [r[0] for r in runs],
        "stages": timings,
        "write_seconds": write,
        "peak": peak,
        "maxrss": maxrss,
        "input": int(input_bytes),
        "payees": len(inp["payees"]),
        "credits": int(res.credit_arrays.txn.size),
    }
    print(json.dumps(out))


def measure(n: int, write_max: int, repeat: int) -> dict:
    """Run :func:`child` for ``n`` transactions in a new interpreter."""
    args = ["--child", str(n), "--write-max", str(write_max), "--repeat", str(repeat)]
    out = subprocess.run(
        [sys.executable, __file__, *args],
        check=True,
        stdout=subprocess.PIPE,  # its errors go to our stderr
        text=True,
    )
    m = json.loads(out.stdout.strip().splitlines()[-1])
    peak = m["peak"] / 1e6 if m["peak"] is not None else None
    return result_row(
        n,
        m["seconds"],
        all_seconds=m["all_seconds"],
        peak_mb=peak,
        peak_rss_mb=m["maxrss"] / 1e6,
        input_mb=m["input"] / 1e6,
        payees=m["payees"],
        credits=m["credits"],
        stages=m["stages"],
        write_seconds=m["write_seconds"],
    )


def exponents(prev: dict, row: dict) -> dict:
    """Local exponent of every measured quantity between two sizes."""
    span = math.log(row["size"] / prev["size"])
    pairs = {"total": (prev["seconds"], row["seconds"])}
    for stage in row["stages"]:
        pairs[stage] = (prev["stages"].get(stage), row["stages"][stage])
    pairs["write"] = (prev["write_seconds"], row["write_seconds"])
    pairs["peak memory"] = (prev["peak_mb"], row["peak_mb"])
    return {
        k: math.log(b / a) / span for k, (a, b) in pairs.items() if a and b and a > 0
    }


def _seconds(row: dict) -> dict:
    return {"total": row["seconds"], "write": row["write_seconds"], **row["stages"]}


def annotate(rows: list[dict], threshold: float) -> None:
    """Add ``exponents`` (vs the previous size) and ``super_linear`` to rows.

    A time step is flagged only if it starts at ``MIN_START`` seconds or more
    and ends at ``MIN_SECONDS`` or more: milliseconds are mostly noise.
    """
    for prev, row in zip([None, *rows], rows, strict=False):
        row["exponents"] = exponents(prev, row) if prev else {}
        row["super_linear"] = []
        for k, e in row["exponents"].items():
            start, end = _seconds(prev).get(k), _seconds(row).get(k)
            timed = k in _seconds(row)
            if e > threshold and (
                not timed or (start >= MIN_START and end >= MIN_SECONDS)
            ):
                row["super_linear"].append(k)


HEADER = (
    "| transactions | payees | credits | calculate | read | credit | aggregate "
    "| pay | write report | peak memory | process peak RSS | exponent "
    "| super-linear |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


def line(r: dict) -> str:
    """Format one size as a Markdown table row."""
    stages = " | ".join(f"{r['stages'].get(s, float('nan')):.2f} s" for s in STAGES)
    write = f"{r['write_seconds']:.1f} s" if r["write_seconds"] is not None else "-"
    peak = "n/a"
    if r["peak_mb"] is not None:
        peak = f"{r['peak_mb']:,.0f} MB ({r['peak_mb'] / r['input_mb']:.1f}x input)"
    exp = r["exponents"].get("total")
    return (
        f"| {r['size']:.0e} | {r['payees']:,} | {r['credits']:,} "
        f"| {r['seconds']:.2f} s | {stages} | {write} | {peak} "
        f"| {r['peak_rss_mb']:,.0f} MB | {'-' if exp is None else f'{exp:.2f}'} "
        f"| {', '.join(r['super_linear']) or '-'} |"
    )


def targets(rows: list[dict], threshold: float) -> list[dict]:
    """Return the scaling check: no step of total time above ``threshold``."""
    steps = [(r["exponents"]["total"], r["size"]) for r in rows if r["exponents"]]
    if not steps:
        return []
    worst, size = max(steps)
    return [
        target(
            f"calculate time, worst step between sizes (up to {size:.0e})",
            f"local exponent at most {threshold} (near-linear)",
            round(worst, 2),
            worst <= threshold,
        )
    ]


def main(argv=None) -> int:
    """Run every size in a fresh process and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 to 10^6")
    parser.add_argument("--sizes", type=int, nargs="*", help="transactions per run")
    parser.add_argument("--write-max", type=int, default=10**5, metavar="N")
    parser.add_argument("--threshold", type=float, default=1.15)
    parser.add_argument("--repeat", type=int, default=3, help="runs per size")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    add_json_option(parser)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.write_max, args.repeat)
        return 0
    sizes = args.sizes or [10**k for k in range(4, 7 if args.quick else 8)]
    print(f"Machine: {machine()}; backend {xlspm.get_backend()}")
    print(HEADER)
    rows = []
    for n in sizes:
        rows.append(measure(n, args.write_max, args.repeat))
        annotate(rows, args.threshold)
        print(line(rows[-1]), flush=True)
    flagged = [f"{r['size']:.0e}: {', '.join(r['super_linear'])}" for r in rows]
    flagged = [f for r, f in zip(rows, flagged, strict=True) if r["super_linear"]]
    found = "; ".join(flagged) or "none"
    print(f"Super-linear steps (exponent > {args.threshold}): {found}")
    write_json(
        args.json,
        "scaling",
        "Scaling: xlspm.calculate time per stage and peak memory against the "
        f"number of transactions (backend {xlspm.get_backend()})",
        rows,
        targets(rows, args.threshold),
        [
            "exponent: log(time ratio) / log(size ratio) against the previous "
            f"size; a step above {args.threshold} is flagged super-linear "
            f"(time steps starting under {MIN_START} s or ending under "
            f"{MIN_SECONDS} s are not flagged): {found}.",
            "peak memory: VmHWM during the first calculate above the resident "
            "size before it; process peak RSS includes building the inputs "
            "(and writing the report where timed).",
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
