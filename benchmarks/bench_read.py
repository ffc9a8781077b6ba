"""Workbook reading: xlspm (python-calamine) against openpyxl read-only mode.

Writes a Transactions sheet of N rows (txn_id, date, amount, territory,
account, product, seller) with XlsxWriter, then times reading it into a
DataFrame both ways and checks the two agree.

Run: ``.venv/bin/python benchmarks/bench_read.py [--rows N ...]``
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
from _common import machine

from xlspm.workbook import read_workbook

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


def main(argv=None) -> int:
    """Time both readers and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}")
    print("| rows | file MB | xlspm (calamine) | openpyxl read-only | ratio |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            path = Path(tmp) / f"t{n}.xlsx"
            write(path, n)
            start = time.perf_counter()
            ours = read_workbook(path).tables["transactions"]
            t_ours = time.perf_counter() - start
            start = time.perf_counter()
            theirs = with_openpyxl(path)
            t_theirs = time.perf_counter() - start
            assert len(ours) == len(theirs) == n
            assert np.allclose(
                ours["amount"].astype(float), theirs["amount"].astype(float)
            )
            size = path.stat().st_size / 1e6
            print(
                f"| {n:,} | {size:.0f} | {t_ours:.2f} s | {t_theirs:.2f} s "
                f"| {t_theirs / t_ours:.1f}x |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
