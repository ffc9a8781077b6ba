"""Shared helpers for the benchmarks: timing, memory, machine label."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the naive twins live with the tests


def timed(func, repeat: int = 5) -> tuple[float, object]:
    """Return the median time of ``repeat`` runs after a warm-up, and a result."""
    result = func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_mb(func) -> float:
    """Peak memory allocated while ``func`` runs, in MB (NumPy buffers included)."""
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def machine() -> str:
    """Describe the machine the numbers were measured on."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba
    import numpy

    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {numpy.__version__}, numba {numba.__version__}"
    )


def add_json_option(parser) -> None:
    """Add ``--json PATH`` (write the results machine-readably) to ``parser``."""
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the results to PATH as JSON (see benchmarks/run_all.py)",
    )


def result_row(size, seconds, baseline=None, baseline_seconds=None, **extra) -> dict:
    """One measurement: xlspm against a baseline at one input size.

    Parameters
    ----------
    size : int
        Input size (values, transactions, rows or cells).
    seconds : float
        xlspm's time.
    baseline : str, optional
        Name of what xlspm is compared with; None when nothing is.
    baseline_seconds : float, optional
        The baseline's time on the same input; None when it was not run.
    **extra
        Further fields (``tool``, ``peak_mb``, ``variant``, ...).

    Returns
    -------
    dict
        With ``ratio`` = baseline seconds / xlspm seconds (xlspm is that many
        times faster), None without a baseline time.
    """
    ratio = None
    if baseline_seconds is not None and seconds:
        ratio = baseline_seconds / seconds
    row = {
        "size": int(size),
        "tool": "xlspm",
        "seconds": seconds,
        "baseline": baseline,
        "baseline_seconds": baseline_seconds,
        "ratio": ratio,
        "peak_mb": None,
    }
    row.update(extra)
    return row


def target(name: str, goal: str, measured: float, met: bool, unit: str = "") -> dict:
    """Return a target of an issue, the number measured, and whether it was met."""
    return {
        "name": name,
        "target": goal,
        "measured": measured,
        "unit": unit,
        "met": bool(met),
    }


def write_json(path, benchmark: str, title: str, rows, targets=(), notes=()) -> None:
    """Write one benchmark's results as JSON (no-op when ``path`` is None).

    Parameters
    ----------
    path : path-like or None
        Where to write.
    benchmark : str
        Short name (``tiers``, ``engine``, ...), also the chart's file name.
    title : str
        One line saying what is compared.
    rows : list of dict
        From :func:`result_row`.
    targets : list of dict
        From :func:`target`.
    notes : list of str
        Further measured facts, one sentence each.
    """
    if path is None:
        return
    import json

    data = {
        "benchmark": benchmark,
        "machine": machine(),
        "title": title,
        "rows": list(rows),
        "targets": list(targets),
        "notes": list(notes),
    }
    Path(path).write_text(json.dumps(data, indent=2, default=float) + "\n")
