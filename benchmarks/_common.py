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
