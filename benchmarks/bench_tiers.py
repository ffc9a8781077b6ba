"""Tier engine: xlspm against the NumPy a user would write, and the naive loop.

Each mode runs on the same synthetic attainments (10 tiers, 0.1 % of reps on
an exact tier floor, as happens with round quotas), with Excel precision and
payouts rounded to cents. Before timing, every value where the NumPy
baseline differs from xlspm is checked against the exact naive reference
(``tests/naive.py``): the run fails unless xlspm is right on each of them.

Run: ``.venv/bin/python benchmarks/bench_tiers.py [--quick] [--sizes N ...]
[--json PATH]``
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import (
    add_json_option,
    machine,
    peak_mb,
    result_row,
    target,
    timed,
    write_json,
)
from naive import naive_payout

import xlspm

FLOORS = np.linspace(0.0, 1.8, 10)  # 0%, 20%, ... 180% attainment
RATES = {
    "retroactive": np.linspace(0.0, 0.09, 10),
    "marginal": np.linspace(0.0, 0.09, 10),
    "flat": np.arange(10) * 500.0,
    "linear": np.linspace(0.0, 2.5, 10),
}
NAIVE_SAMPLE = 20_000


def company(n: int, seed: int = 7):
    """Attainments (credited / quota) and quotas for ``n`` reps."""
    rng = np.random.default_rng(seed)
    quota = rng.integers(50_000, 500_000, n).astype(float)
    credited = rng.integers(0, 100_000_000, n) / 100.0
    on_floor = rng.random(n) < 0.001
    floors = rng.choice(FLOORS[1:], int(on_floor.sum()))
    credited[on_floor] = np.round(floors * quota[on_floor], 2)
    return credited / quota, quota


def numpy_baseline(mode: str, x, quota):
    """Pay as a capable analyst would in NumPy: searchsorted tiers, np.round."""
    rates = RATES[mode]
    idx = np.searchsorted(FLOORS, x, side="right") - 1
    rate = np.where(idx >= 0, rates[np.maximum(idx, 0)], 0.0)
    if mode == "retroactive":
        pay = x * quota * rate
    elif mode == "marginal":
        pay = np.zeros_like(x)
        upper = np.append(FLOORS[1:], np.inf)
        for lo, hi, r in zip(FLOORS, upper, rates, strict=True):
            pay += r * np.clip(x - lo, 0.0, hi - lo)
        pay *= quota
    elif mode == "flat":
        pay = rate * quota / 1000.0
    else:
        pay = np.where(x < FLOORS[0], 0.0, np.interp(x, FLOORS, rates)) * quota
    return np.round(pay, 2)


def xlspm_payout(mode: str, x, quota):
    """Pay the same plan through xlspm (Excel precision, cents)."""
    scale = quota / 1000.0 if mode == "flat" else quota
    return xlspm.tiered_payout(
        x, FLOORS, RATES[mode], mode=mode, scale=scale, round_to=2
    )


def naive(mode: str, x, quota):
    """Pay with the exact reference, element by element."""
    scale = quota / 1000.0 if mode == "flat" else quota
    return np.array(
        naive_payout(
            list(x),
            list(FLOORS),
            list(RATES[mode]),
            mode=mode,
            scale=list(scale),
            round_to=2,
        )
    )


def check(mode: str, x, quota, ours, base) -> int:
    """Assert xlspm equals the exact reference wherever the baseline differs."""
    differ = np.flatnonzero(ours != base)
    sample = np.unique(np.concatenate([differ, np.arange(min(2000, x.size))]))
    reference = naive(mode, x[sample], quota[sample])
    bad = sample[ours[sample] != reference]
    assert bad.size == 0, f"{mode}: xlspm differs from the reference at {bad[:5]}"
    return int(differ.size)


def run(n: int, repeat: int, naive_sample: int = NAIVE_SAMPLE) -> list[dict]:
    x, quota = company(n)
    rows = []
    for mode in RATES:
        t_ours, ours = timed(lambda m=mode: xlspm_payout(m, x, quota), repeat)
        with xlspm.use_backend("numpy"):
            t_np_path, _ = timed(lambda m=mode: xlspm_payout(m, x, quota), repeat)
        t_base, base = timed(lambda m=mode: numpy_baseline(m, x, quota), repeat)
        k = min(naive_sample, n)
        t_naive, _ = timed(lambda m=mode, k=k: naive(m, x[:k], quota[:k]), 1)
        rows.append(
            {
                "n": n,
                "mode": mode,
                "xlspm_s": t_ours,
                "xlspm_numpy_path_s": t_np_path,
                "numpy_s": t_base,
                "naive_s": t_naive * n / k,
                "numpy_ratio": t_base / t_ours,
                "naive_ratio": t_naive * n / k / t_ours,
                "xlspm_mb": peak_mb(lambda m=mode: xlspm_payout(m, x, quota)),
                "numpy_mb": peak_mb(lambda m=mode: numpy_baseline(m, x, quota)),
                "baseline_wrong": check(mode, x, quota, ours, base),
            }
        )
        print(_line(rows[-1]), flush=True)
    return rows


HEADER = (
    "| values | mode | xlspm | xlspm NumPy path | NumPy baseline | naive loop* "
    "| vs NumPy | vs naive | peak MB xlspm / NumPy | NumPy cents wrong |\n"
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def _line(r: dict) -> str:
    return (
        f"| {r['n']:.0e} | {r['mode']} | {r['xlspm_s']:.3f} s "
        f"| {r['xlspm_numpy_path_s']:.3f} s | {r['numpy_s']:.3f} s "
        f"| {r['naive_s']:.0f} s | {r['numpy_ratio']:.1f}x | {r['naive_ratio']:,.0f}x "
        f"| {r['xlspm_mb']:.0f} / {r['numpy_mb']:.0f} | {r['baseline_wrong']} |"
    )


def json_rows(rows: list[dict]) -> list[dict]:
    """Rows for ``--json``: xlspm against NumPy and against the naive loop."""
    out = []
    for r in rows:
        common = {"variant": r["mode"], "peak_mb": r["xlspm_mb"]}
        out.append(
            result_row(
                r["n"],
                r["xlspm_s"],
                "NumPy",
                r["numpy_s"],
                baseline_peak_mb=r["numpy_mb"],
                xlspm_numpy_path_seconds=r["xlspm_numpy_path_s"],
                baseline_cents_wrong=r["baseline_wrong"],
                **common,
            )
        )
        out.append(
            result_row(r["n"], r["xlspm_s"], "naive loop", r["naive_s"], **common)
        )
    return out


def targets(rows: list[dict]) -> list[dict]:
    """Return the foundation issue's target: marginal mode >= 5x NumPy at 10^7."""
    r = max((r for r in rows if r["mode"] == "marginal"), key=lambda r: r["n"])
    return [
        target(
            f"marginal mode, {r['n']:.0e} values, Excel precision: xlspm vs NumPy",
            "at least 5x faster (at 1e+07 values)",
            round(r["numpy_ratio"], 2),
            r["numpy_ratio"] >= 5,
            "x",
        )
    ]


def main(argv=None) -> int:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 and 10^6 values")
    parser.add_argument("--sizes", type=int, nargs="*", help="numbers of values")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (median)")
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=NAIVE_SAMPLE,
        metavar="N",
        help="values the naive loop is timed on (then scaled linearly)",
    )
    add_json_option(parser)
    args = parser.parse_args(argv)
    sizes = args.sizes or ([10**5, 10**6] if args.quick else [10**6, 10**7])
    print(f"Machine: {machine()}; backend {xlspm.get_backend()}")
    print(HEADER)
    rows = []
    for n in sizes:
        rows += run(n, args.repeat, args.naive_sample)
    note = f"naive loop timed on {args.naive_sample:,} values and scaled linearly."
    print(f"* {note}")
    for t in targets(rows):
        print(
            f"Target: {t['name']}: {t['measured']}x, {'met' if t['met'] else 'missed'}"
        )
    write_json(
        args.json,
        "tiers",
        "Tier engine: xlspm.tiered_payout vs NumPy and the naive loop "
        f"(10 tiers, Excel precision, cents; backend {xlspm.get_backend()})",
        json_rows(rows),
        targets(rows),
        [
            f"The {note}",
            "NumPy cents wrong: values where np.round/float "
            "comparisons differ from Excel (xlspm checked exact on each).",
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
