"""benchmarks/run_all.py: failures are recorded, not fatal; the report renders.

No timing is asserted here: the fake benchmarks only exercise the runner.
"""

import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import _report  # noqa: E402
import run_all  # noqa: E402

GOOD = """
import argparse, json
p = argparse.ArgumentParser()
p.add_argument("--json")
a, _ = p.parse_known_args()  # --quick and the like
print("measuring")
row = {"size": 10, "tool": "xlspm", "seconds": 0.5, "baseline": "slow",
       "baseline_seconds": 2.0, "ratio": 4.0, "peak_mb": 3.0}
target = {"name": "fast", "target": "at least 2x", "measured": 4.0,
          "unit": "x", "met": True}
json.dump({"benchmark": "good", "machine": "test", "title": "A good one",
           "rows": [row, dict(row, size=100, seconds=5.0)],
           "targets": [target], "notes": ["a note"]}, open(a.json, "w"))
"""


def script(tmp_path, name, body):
    path = tmp_path / f"bench_{name}.py"
    path.write_text(textwrap.dedent(body))
    return path


def test_benchmark_writing_json_is_ok(tmp_path):
    run = run_all.run_one(script(tmp_path, "good", GOOD), [], tmp_path / "g.json", 60)
    assert run["ok"]
    assert run["data"]["rows"][0]["ratio"] == 4.0


def test_failing_benchmark_is_recorded_with_its_output(tmp_path):
    body = "print('before the crash')\nraise SystemExit(3)\n"
    run = run_all.run_one(script(tmp_path, "bad", body), [], tmp_path / "b.json", 60)
    assert not run["ok"]
    assert run["error"] == "exit code 3"
    assert "before the crash" in run["tail"]


def test_benchmark_without_json_fails(tmp_path):
    path = script(tmp_path, "mute", "import sys\n")
    run = run_all.run_one(path, [], tmp_path / "m.json", 60)
    assert not run["ok"]
    assert "no JSON" in run["error"]


def test_benchmark_over_its_time_is_stopped(tmp_path):
    path = script(tmp_path, "slow", "import time\ntime.sleep(60)\n")
    run = run_all.run_one(path, [], tmp_path / "s.json", 1)
    assert not run["ok"]
    assert "timeout" in run["error"]
    assert run["seconds"] < 30


def test_section_lists_rows_targets_and_failures():
    row = {"size": 1000, "seconds": 0.1, "baseline": "b", "baseline_seconds": 1.0}
    goal = {"name": "n", "target": "t", "measured": 10.0, "unit": "x", "met": False}
    data = {"title": "T", "rows": [dict(row, ratio=10.0)], "targets": [goal]}
    run = {"name": "x", "script": "bench_x.py", "args": ["--quick"], "seconds": 2}
    run.update(ok=False, error="exit code 1", tail=["Traceback"], data=data)
    text = "\n".join(_report.section(run, "benchmarks/x.png"))
    assert "| 1,000 | 0.1 s | b | 1.00 s | 10.0x |" in text
    assert "**missed**: n: 10.0x (target: t)" in text
    assert "**FAILED**: exit code 1" in text
    assert "](benchmarks/x.png)" in text


def test_main_reports_every_benchmark_and_exits_non_zero(tmp_path, monkeypatch):
    scripts = [script(tmp_path, "bad", "raise SystemExit(2)\n")]
    scripts.append(script(tmp_path, "good", GOOD))
    monkeypatch.setattr(run_all, "discover", lambda only=None: scripts)
    out = tmp_path / "docs" / "report.md"
    assert run_all.main(["--quick", "--output", str(out)]) == 1
    text = out.read_text()
    assert "| bad | **FAILED** |" in text
    assert "| good | ok |" in text
    assert (tmp_path / "docs" / "report" / "good.png").stat().st_size > 0
    assert "](report/good.png)" in text
    saved = (tmp_path / "docs" / "report" / "results.json").read_text()
    assert '"other_cores"' in saved
    out.unlink()
    assert run_all.main(["--output", str(out), "--report-only"]) == 1
    assert "| good | ok |" in out.read_text()


def test_merge_replaces_only_the_benchmarks_run_again(tmp_path, monkeypatch):
    bad = script(tmp_path, "flaky", "raise SystemExit(2)\n")
    other = script(tmp_path, "good", GOOD)
    out = tmp_path / "report.md"
    monkeypatch.setattr(run_all, "discover", lambda only=None: [bad, other])
    assert run_all.main(["--output", str(out)]) == 1
    bad.write_text(GOOD)  # fixed; run it alone and merge
    monkeypatch.setattr(run_all, "discover", lambda only=None: [bad])
    assert run_all.main(["--output", str(out), "--only", "flaky", "--merge"]) == 0
    text = out.read_text()
    assert "| flaky | ok |" in text
    assert "| good | ok |" in text
    assert "Re-run separately and merged (`run_all.py --only flaky --merge`)" in text
