"""Run every benchmark and write docs/benchmarks.md with tables and charts.

Each ``benchmarks/bench_*.py`` runs as a subprocess with ``--json`` into a
temporary directory, its output streamed; ``bench_dask.py`` only when
``dask`` is importable. A benchmark that fails (non-zero exit, no JSON,
timeout) is recorded as failed in the report, the others still run, and
this script exits 1 at the end.

``--quick`` passes each benchmark its quick options (smaller sizes; the whole
run takes about two minutes on a 2-core machine) and writes
``docs/benchmarks-quick.md`` instead, so a quick run never replaces the
committed full report. Absolute times hold for the machine named in the
report; the ratios are measured side by side in one run.

Every result is also kept in ``docs/benchmarks/results.json``:
``--report-only`` re-renders the report from it, and ``--only NAME --merge``
re-runs one benchmark and replaces just its entry (the report says so).

Run: ``.venv/bin/python benchmarks/run_all.py [--quick] [--only NAME ...]
[--merge | --report-only]`` (``make bench`` / ``make bench-quick``)
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import importlib.util
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _report
from _common import ROOT, machine

HERE = Path(__file__).resolve().parent

# Options per benchmark (by name, bench_<name>.py). Unlisted benchmarks get no
# options in a full run and --quick in a quick run.
FULL = {
    "read": ["--rows", "10000", "100000", "1000000"],
    # 10^6 cells exceed what Excel on the web sends in one call: xlspm side only
    "udfs": ["--libreoffice-max", "100000"],
    "reconcile": ["--rows", "10000", "100000", "1000000"],
}
QUICK = {
    "tiers": ["--quick", "--repeat", "2", "--naive-sample", "5000"],
    "engine": ["--sizes", "10000", "100000"],
    "read": ["--rows", "3000", "20000"],
    "udfs": ["--sizes", "1000", "10000"],
    "reconcile": ["--rows", "10000", "100000", "--repeat", "2"],
    "scaling": ["--quick", "--write-max", "0"],
}


def discover(only=None) -> list[Path]:
    """Return the benchmark scripts to run, in name order."""
    scripts = sorted(HERE.glob("bench_*.py"))
    if importlib.util.find_spec("dask") is None:
        scripts = [s for s in scripts if s.name != "bench_dask.py"]
    if only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in only]
    return scripts


def run_one(script: Path, args: list[str], out: Path, timeout: float) -> dict:
    """Run one benchmark, streaming its output; return what happened."""
    name = script.stem.removeprefix("bench_")
    print(f"\n=== {name}: {script.name} {' '.join(args)}", flush=True)
    cmd = [sys.executable, "-u", str(script), *args, "--json", str(out)]
    tail = collections.deque(maxlen=25)
    start, cpu = time.perf_counter(), _cpu()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, to stop it whole
    )
    timer = _Deadline(proc, timeout)
    for text in proc.stdout:
        print(text, end="", flush=True)
        tail.append(text.rstrip("\n"))
    code = proc.wait()
    timer.cancel()
    run = {"name": name, "script": script.name, "args": args, "ok": False}
    run["seconds"] = time.perf_counter() - start
    run.update(_others(cpu, _cpu(), run["seconds"]))
    if timer.fired:
        run["error"] = f"stopped after the {timeout:.0f} s timeout"
    elif code != 0:
        run["error"] = f"exit code {code}"
    elif not out.exists():
        run["error"] = "it wrote no JSON (does it support --json PATH?)"
    else:
        run["ok"] = True
    if out.exists():
        run["data"] = json.loads(out.read_text())
    if not run["ok"]:
        run["tail"] = list(tail)
        print(f"=== {name} FAILED: {run['error']}", flush=True)
    return run


def _cpu() -> dict:
    """CPU seconds so far: all processes (Linux /proc/stat) and ours."""
    own = sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )
    try:
        ticks = [int(f) for f in Path("/proc/stat").read_text().split()[1:9]]
    except (OSError, ValueError):
        return {"own": own}
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    return {
        "own": own,
        "busy": (user + nice + system + irq + softirq) / hz,
        "steal": steal / hz,
    }


def _others(before: dict, after: dict, wall: float) -> dict:
    """Cores used on average by other processes (and the hypervisor) meanwhile."""
    if "busy" not in before or wall <= 0:
        return {}
    own = after["own"] - before["own"]
    others = max(0.0, after["busy"] - before["busy"] - own) / wall
    return {
        "other_cores": others,
        "steal_cores": (after["steal"] - before["steal"]) / wall,
    }


class _Deadline:
    """Stop a process group when its time is up."""

    def __init__(self, proc, timeout: float):
        self.fired = False
        self._proc = proc
        self._timer = threading.Timer(timeout, self._stop)
        self._timer.daemon = True
        self._timer.start()

    def _stop(self) -> None:
        self.fired = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)

    def cancel(self) -> None:
        self._timer.cancel()


def _versions() -> str:
    lines = Path("/proc/meminfo").read_text().splitlines() if os.name == "posix" else []
    mem = next((ln.split()[1] for ln in lines if ln.startswith("MemTotal")), None)
    ram = f", {int(mem) / 1024**2:.0f} GB RAM" if mem else ""
    return f"{machine()}{ram}, {platform.system()} {platform.release()}"


def _commit() -> str:
    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    sha = git("rev-parse", "--short", "HEAD") or "unknown"
    return sha + (" (with uncommitted changes)" if git("status", "--porcelain") else "")


def write_report(meta: dict, runs: list[dict], path: Path) -> None:
    """Write the Markdown report, a chart per benchmark and ``results.json``.

    The charts and ``results.json`` (every benchmark's JSON and how its run
    went) go to the folder named like the report (``docs/benchmarks/``).
    """
    charts = path.with_suffix("")  # docs/benchmarks.md -> docs/benchmarks/
    charts.mkdir(parents=True, exist_ok=True)
    results = {**meta, "runs": runs}
    (charts / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    links = {}
    for run in runs:
        if (run.get("data") or {}).get("rows"):
            try:
                png = _report.chart(run["data"], charts / f"{run['name']}.png")
                links[run["name"]] = f"{charts.name}/{png.name}"
            except Exception as exc:  # a chart must not lose the tables
                print(f"chart for {run['name']} failed: {exc!r}", file=sys.stderr)
    path.write_text(_report.page(meta, runs, charts.name, links))
    print(f"\nWrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main(argv=None) -> int:
    """Run the benchmarks, write the report; exit 1 if any benchmark failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, ~2 min")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="e.g. tiers read")
    parser.add_argument("--output", type=Path, help="Markdown report to write")
    parser.add_argument("--timeout", type=float, default=3600, help="per benchmark")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="re-render the report from its results.json, running nothing",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="replace only the benchmarks run (see --only) in the existing "
        "results.json; the report names them as re-run",
    )
    args = parser.parse_args(argv)
    default = "benchmarks-quick.md" if args.quick else "benchmarks.md"
    output = (args.output or ROOT / "docs" / default).resolve()
    saved_path = output.with_suffix("") / "results.json"
    if args.report_only:
        saved = json.loads(saved_path.read_text())
        runs = saved.pop("runs")
        write_report(saved, runs, output)
        return 1 if any(not r["ok"] for r in runs) else 0
    meta, runs = _run_all(args)
    if args.merge:
        meta, runs = _merged(json.loads(saved_path.read_text()), meta, runs)
    write_report(meta, runs, output)
    failed = [r["name"] for r in runs if not r["ok"]]
    print(f"Total {meta['seconds']:.0f} s; failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


def _run_all(args) -> tuple[dict, list[dict]]:
    options = QUICK if args.quick else FULL
    start = time.perf_counter()
    meta = {"quick": args.quick, "machine": _versions()}
    meta["date"] = f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    meta["commit"] = _commit()
    runs = []
    with tempfile.TemporaryDirectory(prefix="xlspm-bench-") as tmp:
        for script in discover(args.only):
            name = script.stem.removeprefix("bench_")
            extra = options.get(name, ["--quick"] if args.quick else [])
            out = Path(tmp) / f"{name}.json"
            runs.append(run_one(script, extra, out, args.timeout))
    meta["seconds"] = time.perf_counter() - start
    return meta, runs


def _merged(saved: dict, meta: dict, runs: list[dict]) -> tuple[dict, list[dict]]:
    """Put ``runs`` in place of the saved runs of the same names."""
    new = {r["name"]: r for r in runs}
    old = saved.pop("runs")
    merged = [new.pop(r["name"], r) for r in old] + list(new.values())
    saved["seconds"] = sum(r["seconds"] for r in merged)
    names = {r["name"] for r in runs}
    reruns = [r for r in saved.get("reruns", []) if r["name"] not in names]
    reruns += [
        {"name": n, "date": meta["date"], "commit": meta["commit"]} for n in names
    ]
    saved["reruns"] = reruns
    return saved, merged


if __name__ == "__main__":
    raise SystemExit(main())
