"""Dask engine: calculate_dask on Parquet parts vs one process, memory-capped workers.

Each size's transactions are written once as Parquet parts
(``xlspm.datasets.synthetic.synthetic_dataset``, ``--part-rows`` rows per file, one
Dask partition per file; timed apart, not counted). The default, 250,000
rows, keeps 1 GB workers clear of Dask's limits at 100,000 payees: with
1,000,000-row files a worker peaks near 950 MB (imports and compiled kernels
~300 MB, the broadcast plan context ~90 MB, the partition read ahead and the
one being credited, crediting ~350 MB per 10^6 rows, the 38 MB per-partition
output), pauses at 80 % and is restarted by its nanny at 95 % of 1 GB.
Then, each in a fresh interpreter (clean peak memory):

- one process, up to ``--single-max`` transactions: ``pd.read_parquet`` of
  the directory + ``xlspm.calculate`` (both timed), after a warm-up on 2,000
  transactions; its peak RSS (``ru_maxrss``);
- Dask: a LocalCluster of ``--workers`` single-threaded worker processes with
  ``--memory-limit`` each (``xlspm.distributed.engine.connect``), warmed up, then
  ``calculate_dask`` on the Parquet directory (wall time). Every worker's RSS
  is polled every 0.25 s (``client.run``; the maximum kept per worker, and its
  Linux ``VmHWM``); the client process's peak RSS (it also hosts the
  scheduler); workers removed from the scheduler (killed or restarted, e.g.
  by the nanny for memory) and workers paused for memory are counted.

Where both run, the Dask results must equal the one-process results
(``pandas.testing.assert_frame_equal``) before any time is printed. A worker
removed during a run, or a failed run, makes the benchmark fail (exit 1),
with the row reported.

Run: ``.venv/bin/python benchmarks/bench_dask.py [--quick] [--sizes N ...]
[--part-rows N] [--memory-limit 1GB] [--workers 2] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import add_json_option, machine, result_row, target, write_json
from distributed.diagnostics.plugin import SchedulerPlugin

SEED = 7
TARGET_SIZE = 5 * 10**7
POLL_SECONDS = 0.25


def payees_for(n: int) -> int:
    """Payees for ``n`` transactions: one per 100, at most 100,000."""
    return min(max(n // 100, 50), 100_000)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB


def _worker_memory() -> tuple[int, int]:
    """Return this process's RSS and peak RSS (Linux VmHWM), in bytes."""
    import psutil

    rss = psutil.Process().memory_info().rss
    try:
        status = Path("/proc/self/status").read_text()
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) * 1024
    except (OSError, AttributeError):
        hwm = rss
    return rss, hwm


def _warm_up() -> int:
    """Load xlspm's compiled kernels in this process (run on every worker)."""
    import xlspm
    from xlspm.datasets.synthetic import synthetic_company

    return len(xlspm.calculate(**synthetic_company(2000, 50, seed=1)).results)


def _small(folder: Path) -> dict:
    return pickle.loads((folder / "small.pkl").read_bytes())


def child_single(folder: Path) -> dict:
    """Read the Parquet parts and calculate in this (fresh) process."""
    import pandas as pd

    import xlspm

    small = _small(folder)
    _warm_up()
    start = time.perf_counter()
    frame = pd.read_parquet(folder / "txns")
    read = time.perf_counter() - start
    assert frame["txn_id"].is_monotonic_increasing, "parts read out of order"
    start = time.perf_counter()
    res = xlspm.calculate(transactions=frame, **small)
    calc = time.perf_counter() - start
    res.results.to_pickle(folder / "single.pkl")
    return {
        "read": read,
        "calculate": calc,
        "stages": res.timings,
        "rows": len(frame),
        "maxrss_mb": _peak_rss_mb(),
    }


class _Removals(SchedulerPlugin):
    """Scheduler plugin: record the workers removed (dead or restarted)."""

    name = "bench-dask-removals"

    def __init__(self):
        self.removed: list[str] = []

    def remove_worker(self, scheduler, worker, **kwargs):
        """Record a worker leaving the cluster."""
        self.removed.append(worker)


class _Monitor(threading.Thread):
    """Poll every worker's memory until stopped; keep the maximum per worker."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client = client
        self.rss: dict[str, int] = {}
        self.hwm: dict[str, int] = {}
        self.samples = 0
        self.errors = 0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        try:
            found = self.client.run(_worker_memory, on_error="ignore")
        except Exception:  # a worker going away mid-call
            self.errors += 1
            return
        self.samples += 1
        for worker, (rss, hwm) in found.items():
            self.rss[worker] = max(self.rss.get(worker, 0), rss)
            self.hwm[worker] = max(self.hwm.get(worker, 0), hwm)

    def run(self) -> None:
        while not self._stop_event.wait(POLL_SECONDS):
            self.sample()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.sample()


def _log_counts(client) -> dict:
    """Count the workers' memory warnings in their logs (surviving workers)."""
    counts = {"paused": 0, "unmanaged_warnings": 0}
    try:
        logs = client.get_worker_logs()
    except Exception:
        return counts
    for lines in logs.values():
        for _level, text in lines:
            low = text.lower()
            counts["paused"] += "pausing worker" in low
            counts["unmanaged_warnings"] += "unmanaged memory use is high" in low
    return counts


class _Kills(logging.Handler):
    """Record the workers a nanny (in this process) kills for memory."""

    PATTERN = re.compile(r"Worker (\S+) \(pid=(\d+)\) exceeded .*memory budget")

    def __init__(self):
        super().__init__(logging.WARNING)
        self.killed: set[tuple[str, str]] = set()

    def emit(self, record):
        """Keep the worker's address and pid when the message is a kill."""
        found = self.PATTERN.search(record.getMessage())
        if found:
            self.killed.add(found.groups())


def child_dask(folder: Path, workers: int, memory_limit: str) -> dict:
    """Run calculate_dask on the Parquet parts in this (fresh) process."""
    from xlspm.datasets.synthetic import synthetic_company
    from xlspm.distributed.engine import calculate_dask, connect

    small = _small(folder)
    kills = _Kills()
    logging.getLogger("distributed").addHandler(kills)
    client = connect(n_workers=workers, memory_limit=memory_limit)
    out = {"workers": workers, "memory_limit": memory_limit, "error": None}
    try:
        client.wait_for_workers(workers, timeout=120)
        client.run(_warm_up)
        warm = synthetic_company(2000, 50, seed=1)
        calculate_dask(client=client, **warm)  # the client side's first run
        removals = _Removals()
        client.cluster.scheduler.add_plugin(removals)
        monitor = _Monitor(client)
        monitor.sample()
        start_workers = set(monitor.rss)
        monitor.start()
        start = time.perf_counter()
        try:
            res = calculate_dask(str(folder / "txns"), **small, client=client)
        except Exception as exc:  # reported, not hidden: the benchmark fails
            out["error"] = f"{type(exc).__name__}: {exc}"[:500]
            res = None
        out["seconds"] = time.perf_counter() - start
        monitor.stop()
        out["removed"] = len(removals.removed)
        out["new_workers"] = len(set(monitor.rss) - start_workers)
        out["worker_rss_mb"] = {w: v / 1e6 for w, v in sorted(monitor.rss.items())}
        out["worker_hwm_mb"] = {w: v / 1e6 for w, v in sorted(monitor.hwm.items())}
        out["samples"] = monitor.samples
        out.update(_log_counts(client))
        out["memory_kills"] = len(kills.killed)
        if res is not None:
            res.results.to_pickle(folder / "dask.pkl")
            stages = dict(res.timings)
            out["partitions"] = int(stages.pop("partitions", 0))
            out["stages"] = stages
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()
    out["maxrss_mb"] = _peak_rss_mb()
    return out


def _child(kind: str, folder: Path, args) -> dict:
    """Run one measurement in a new interpreter; return its JSON line."""
    cmd = [sys.executable, __file__, "--child", kind, "--folder", str(folder)]
    cmd += ["--workers", str(args.workers), "--memory-limit", args.memory_limit]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(n: int, args, tmp: Path) -> dict:
    """Write the dataset for ``n`` transactions and run both sides on it."""
    import pandas as pd

    from xlspm.datasets.synthetic import synthetic_dataset

    folder = Path(tempfile.mkdtemp(prefix=f"dask-{n}-", dir=tmp))
    row = {"n": n, "payees": payees_for(n), "part_rows": args.part_rows}
    try:
        start = time.perf_counter()
        small = synthetic_dataset(
            folder / "txns", n, row["payees"], part_rows=args.part_rows, seed=SEED
        )
        row["write_s"] = time.perf_counter() - start
        row["files"] = len(list((folder / "txns").glob("*.parquet")))
        row["data_mb"] = (
            sum(f.stat().st_size for f in (folder / "txns").iterdir()) / 1e6
        )
        (folder / "small.pkl").write_bytes(pickle.dumps(small))
        del small
        if n <= args.single_max:
            row["single"] = _child("single", folder, args)
        row["dask"] = _child("dask", folder, args)
        if "single" in row and row["dask"]["error"] is None:
            ours = pd.read_pickle(folder / "dask.pkl")
            theirs = pd.read_pickle(folder / "single.pkl")
            pd.testing.assert_frame_equal(ours, theirs)  # before any time is shown
            row["equal_rows"] = len(ours)
    finally:
        _remove(folder)
    return row


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def failure(row: dict) -> str | None:
    """Why the Dask run of a row failed (error, workers lost), else None."""
    d = row["dask"]
    if d["error"]:
        return d["error"]
    lost = max(d["removed"], d["new_workers"], d["memory_kills"])
    if lost:
        return f"{lost} worker(s) killed or restarted during the run"
    return None


def single_seconds(row: dict) -> float | None:
    s = row.get("single")
    return s["read"] + s["calculate"] if s else None


def overhead(row: dict) -> float | None:
    """Dask time / one-process time (read + calculate)."""
    single = single_seconds(row)
    if single is None or failure(row):
        return None
    return row["dask"]["seconds"] / single


def _mb(values: dict) -> str:
    return " / ".join(f"{v:,.0f}" for v in values.values()) or "-"


HEADER = (
    "| transactions | payees | files | write data | one process: read + calculate "
    "| one process peak RSS | Dask | overhead (Dask / one) | Dask stages (s) "
    "| peak MB per worker (polled RSS; VmHWM) | client peak RSS | partitions "
    "| workers lost / paused |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"
)


def line(r: dict) -> str:
    """Format one size as a Markdown table row."""
    s, d = r.get("single"), r["dask"]
    one = f"{s['read']:.2f} + {s['calculate']:.2f} s" if s else "not run"
    rss = f"{s['maxrss_mb']:,.0f} MB" if s else "-"
    why = failure(r)
    dask = f"{d['seconds']:.2f} s" if not why else f"FAILED ({why})"
    ratio = overhead(r)
    stages = ", ".join(f"{k} {v:.2f}" for k, v in d.get("stages", {}).items())
    lost = max(d["removed"], d["new_workers"], d["memory_kills"])
    return (
        f"| {r['n']:.0e} | {r['payees']:,} | {r['files']} | {r['write_s']:.1f} s "
        f"| {one} | {rss} | {dask} | {'-' if ratio is None else f'{ratio:.1f}x'} "
        f"| {stages or '-'} | {_mb(d['worker_rss_mb'])}; {_mb(d['worker_hwm_mb'])} "
        f"| {d['maxrss_mb']:,.0f} MB | {d.get('partitions', '-')} "
        f"| {lost} / {d['paused']} |"
    )


def json_row(r: dict) -> dict:
    """Row for ``--json``: xlspm on Dask, the baseline one process."""
    d, s = r["dask"], r.get("single")
    why = failure(r)
    return result_row(
        r["n"],
        None if why else d["seconds"],
        "one process (pd.read_parquet + xlspm.calculate)",
        single_seconds(r),
        peak_mb=max(d["worker_rss_mb"].values(), default=None),
        baseline_peak_mb=s["maxrss_mb"] if s else None,
        peak_rss_mb=d["maxrss_mb"],
        stages=d.get("stages"),
        payees=r["payees"],
        files=r["files"],
        part_rows=r["part_rows"],
        data_mb=r["data_mb"],
        dataset_write_seconds=r["write_s"],
        partitions=d.get("partitions"),
        workers=d["workers"],
        memory_limit=d["memory_limit"],
        worker_peak_rss_mb=list(d["worker_rss_mb"].values()),
        worker_vmhwm_mb=list(d["worker_hwm_mb"].values()),
        workers_lost=max(d["removed"], d["new_workers"], d["memory_kills"]),
        paused=d["paused"],
        single_read_seconds=s["read"] if s else None,
        single_calculate_seconds=s["calculate"] if s else None,
        overhead=overhead(r),
        results_equal_rows=r.get("equal_rows"),
        error=why,
    )


def targets(rows: list[dict], memory_limit: str) -> list[dict]:
    """Return the Dask issue's target, when its size was run."""
    out = []
    for r in rows:
        if r["n"] < TARGET_SIZE:
            continue
        d, why = r["dask"], failure(r)
        peak = max(d["worker_rss_mb"].values(), default=0)
        done = f"completed, 0 workers lost, worker peak {peak:,.0f} MB"
        out.append(
            target(
                f"{r['n']:.0e} transactions complete with workers limited to "
                f"{memory_limit} each ({d['workers']} workers x 1 thread)",
                f"complete, no worker killed or restarted (limit {memory_limit})",
                f"failed: {why}" if why else done,
                why is None,
            )
        )
    return out


def main(argv=None) -> int:
    """Run every size and print a Markdown table; exit 1 if a Dask run failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 and 10^6")
    parser.add_argument("--sizes", type=int, nargs="*", help="transactions per run")
    parser.add_argument(
        "--part-rows", type=int, default=250_000, metavar="N", help="rows per file"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1GB", help="per worker")
    parser.add_argument(
        "--single-max",
        type=int,
        default=10**7,
        metavar="N",
        help="largest size to run in one process",
    )
    parser.add_argument("--tmp", type=Path, help="where to write the datasets")
    parser.add_argument("--child", choices=["single", "dask"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    add_json_option(parser)
    args = parser.parse_args(argv)
    if args.child == "single":
        print(json.dumps(child_single(args.folder)))
        return 0
    if args.child == "dask":
        out = child_dask(args.folder, args.workers, args.memory_limit)
        print(json.dumps(out))
        return 0
    sizes = args.sizes or ([10**5, 10**6] if args.quick else [10**6, 10**7, 5 * 10**7])
    print(
        f"Machine: {machine()}; {args.workers} Dask workers x 1 thread, "
        f"{args.memory_limit} each; {args.part_rows:,} rows per Parquet file"
    )
    print(HEADER)
    rows = []
    with tempfile.TemporaryDirectory(prefix="xlspm-dask-", dir=args.tmp) as tmp:
        for n in sizes:
            rows.append(measure(n, args, Path(tmp)))
            print(line(rows[-1]), flush=True)
    for r in rows:
        if overhead(r) is not None:
            print(
                f"Overhead at {r['n']:.0e}: Dask {r['dask']['seconds']:.2f} s / one "
                f"process {single_seconds(r):.2f} s = {overhead(r):.1f}x "
                f"({r['equal_rows']:,} result rows asserted equal)"
            )
    found = targets(rows, args.memory_limit)
    for t in found:
        verdict = "met" if t["met"] else "missed"
        print(f"Target: {t['name']}: {t['measured']}, {verdict}")
    failed = [f"{r['n']:.0e}: {failure(r)}" for r in rows if failure(r)]
    notes = [
        "xlspm = calculate_dask on the Parquet directory (LocalCluster, "
        f"{args.workers} single-threaded worker processes, memory_limit "
        f"{args.memory_limit} each, loopback), after a warm-up; baseline = "
        "pd.read_parquet + xlspm.calculate in one fresh process. Results "
        "asserted equal (assert_frame_equal) wherever both ran.",
        "xlspm faster by = one-process time / Dask time; the Dask overhead is "
        "its inverse: "
        + (
            "; ".join(f"{r['n']:.0e}: {overhead(r):.1f}x" for r in rows if overhead(r))
            or "not measured"
        )
        + ".",
        "peak memory = the largest worker's peak RSS (polled every "
        f"{POLL_SECONDS} s) / the one process's peak RSS (ru_maxrss); process "
        "peak RSS = the Dask client's (it also hosts the scheduler).",
        f"Datasets written by synthetic_dataset ({args.part_rows:,} rows per "
        "file, not timed in the comparison).",
    ]
    if failed:
        notes.append("Dask runs failed: " + "; ".join(failed) + ".")
    write_json(
        args.json,
        "dask",
        "Dask engine: calculate_dask on Parquet parts (workers capped at "
        f"{args.memory_limit}) vs pd.read_parquet + xlspm.calculate in one process",
        [json_row(r) for r in rows],
        found,
        notes,
    )
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
