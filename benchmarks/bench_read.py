"""Workbook reading: xlspm (python-calamine) against openpyxl read-only mode.

Writes a Transactions sheet of N rows (txn_id, date, amount, territory,
account, product, seller) with XlsxWriter, then times reading it into a
DataFrame both ways and checks the two agree.

Run: ``.venv/bin/python benchmarks/bench_read.py [--rows N ...] [--json PATH]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import xlsxwriter
from _common import add_json_option, machine, result_row, target, write_json

from xlspm.io.plan_workbook import read_workbook

MINIMAL = {
    "Payees": ["payee_id", "plan_id"],
    "Plans": ["plan_id", "component", "rate_table"],
    "RateTables": ["table", "floor", "rate"],
}


def write(path: Path, n: int) -> None:
    """Write a workbook whose Transactions sheet has ``n`` rows."""
    rng = np.random.default_rng(1)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("Transactions")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(
        0, 0, ["txn_id", "date", "amount", "territory", "account", "product", "seller"]
    )
    days = rng.integers(0, 365, n)
    amounts = np.round(rng.lognormal(7, 1, n), 2)
    for i in range(n):
        ws.write_number(i + 1, 0, i + 1)
        ws.write_number(i + 1, 1, 46023 + int(days[i]), date)
        ws.write_number(i + 1, 2, float(amounts[i]))
        ws.write_string(i + 1, 3, f"T{i % 500:03d}")
        ws.write_string(i + 1, 4, f"A{i % 9000:05d}")
        ws.write_string(i + 1, 5, ("Core", "Cloud", "Services")[i % 3])
        ws.write_string(i + 1, 6, f"R{i % 500:03d}")
    for name, header in MINIMAL.items():
        book.add_worksheet(name).write_row(0, 0, header)
    book.close()


def with_openpyxl(path: Path) -> pd.DataFrame:
    """Read the Transactions sheet the usual way: openpyxl read-only mode."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = wb["Transactions"].iter_rows(values_only=True)
    header = next(rows)
    frame = pd.DataFrame(list(rows), columns=header)
    wb.close()
    return frame


def measure(path: Path, n: int) -> dict:
    """Write ``n`` rows, read them both ways, check they agree; return a row."""
    write(path, n)
    start = time.perf_counter()
    ours = read_workbook(path).tables["transactions"]
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = with_openpyxl(path)
    t_theirs = time.perf_counter() - start
    assert len(ours) == len(theirs) == n
    assert np.allclose(ours["amount"].astype(float), theirs["amount"].astype(float))
    file_mb = path.stat().st_size / 1e6
    return result_row(n, t_ours, "openpyxl read-only", t_theirs, file_mb=file_mb)


def targets(rows: list[dict]) -> list[dict]:
    """Return the workbook issue's target (>= 5x openpyxl at 10^6 rows)."""
    r = max(rows, key=lambda r: r["size"])
    return [
        target(
            f"read {r['size']:,} rows: xlspm vs openpyxl read-only",
            "at least 5x faster (at 1,000,000 rows)",
            round(r["ratio"], 2),
            r["ratio"] >= 5,
            "x",
        )
    ]


def main(argv=None) -> int:
    """Time both readers and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    add_json_option(parser)
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}")
    print("| rows | file MB | xlspm (calamine) | openpyxl read-only | ratio |")
    print("|---:|---:|---:|---:|---:|")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            r = measure(Path(tmp) / f"t{n}.xlsx", n)
            rows.append(r)
            print(
                f"| {n:,} | {r['file_mb']:.0f} | {r['seconds']:.2f} s "
                f"| {r['baseline_seconds']:.2f} s | {r['ratio']:.1f}x |",
                flush=True,
            )
    for t in targets(rows):
        print(
            f"Target: {t['name']}: {t['measured']}x, {'met' if t['met'] else 'missed'}"
        )
    write_json(
        args.json,
        "read",
        "Reading a Transactions sheet: xlspm.io.plan_workbook.read_workbook (calamine) "
        "vs openpyxl read-only mode (7 columns, results asserted equal)",
        rows,
        targets(rows),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
