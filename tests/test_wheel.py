"""The wheel is complete: built from the checkout, installed fresh, run elsewhere.

``python -m build`` makes the sdist and, from it, the wheel; the wheel is
installed with the server extra into a new venv; then, in an empty folder
outside the checkout and without PYTHONPATH, the installed ``xlspm`` runs the
whole demo (its printout must equal the checkout's), serves the custom
functions on loopback, and the UDF module imports by the name given to
xlwings' ``UDF Modules`` setting. Most of the time (about a minute) is pip
installing numba, pandas and the rest from its cache.
"""

import json
import os
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from xlspm.datasets.workbooks import SAMPLE_WORKBOOKS

CHECKOUT = Path(__file__).resolve().parents[1]
UDF_MODULE = "xlspm.excel.udfs"  # what the docs tell users to put in UDF Modules
SPM_FUNCTIONS = {
    "SPM_CALC",
    "SPM_CREDIT",
    "SPM_EXPLAIN",
    "SPM_ROUND",
    "SPM_TIER_PAYOUT",
    "SPM_TIER_RATE",
    "SPM_VERSION",
}
STATIC = ("functions.js", "manifest.xml", "taskpane.html")

pytestmark = pytest.mark.slow


def _run(cmd, *, timeout, **kwargs) -> str:
    """Run ``cmd``; return its stdout, or fail with the tail of its output."""
    done = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kwargs
    )
    assert done.returncode == 0, (
        f"{cmd[:3]} exited {done.returncode}\n{done.stdout[-3000:]}\n"
        f"{done.stderr[-3000:]}"
    )
    return done.stdout


def _build(out: Path) -> Path:
    """Build the sdist and the wheel from it; check both carry the data files."""
    _run([sys.executable, "-m", "build", "--outdir", out, CHECKOUT], timeout=600)
    (sdist,) = out.glob("xlspm-*.tar.gz")
    (wheel,) = out.glob("xlspm-*-py3-none-any.whl")
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers()}
    with zipfile.ZipFile(wheel) as whl:
        files = set(whl.namelist())
    for name in SAMPLE_WORKBOOKS:
        assert f"workbooks/{name}" in members
        assert f"xlspm/datasets/workbooks/{name}" in files
    for name in STATIC:
        assert f"xlspm/excel/static/{name}" in members
        assert f"xlspm/excel/static/{name}" in files
    assert "xlspm/excel/udfs.py" in files
    assert not any(f.startswith(("tests/", "workbooks/", "udfs/")) for f in files)
    return wheel


def _install(wheel: Path, venv: Path) -> Path:
    """Install ``wheel[server]`` into a new venv (pip run from this one)."""
    _run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=120)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python, "install"]
    _run([*pip, "--no-compile", "--quiet", f"{wheel}[server]"], timeout=900)
    return python


def _clean_env(venv: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["XLWINGS_LICENSE_KEY"] = "noncommercial"
    return env


WHERE = """
import importlib, json, sysconfig
import xlspm
from xlspm.datasets.workbooks import sample_workbook
udfs = importlib.import_module("xlspm.excel.udfs")
print(json.dumps({
    "purelib": sysconfig.get_paths()["purelib"],
    "xlspm": xlspm.__file__,
    "udfs": udfs.__file__,
    "workbook": str(sample_workbook("demo_comp_plan.xlsx")),
    "functions": sorted(n for n in dir(udfs) if n.startswith("SPM_")),
    "version": udfs.SPM_VERSION(),
    "round": udfs.SPM_ROUND([[2.675], [3365.6649999999995]], 2),
}))
"""


def _check_imports(python: Path, version: str, cwd: Path, env) -> None:
    """xlspm, its UDF module and the sample workbooks come from the venv."""
    seen = json.loads(_run([python, "-c", WHERE], cwd=cwd, env=env, timeout=300))
    purelib = Path(seen["purelib"]).resolve()
    assert purelib.is_relative_to(python.parent.parent.resolve())
    for key in ("xlspm", "udfs", "workbook"):
        path = Path(seen[key]).resolve()
        assert path.is_relative_to(purelib), (key, path)
        assert not path.is_relative_to(CHECKOUT), (key, path)
    assert set(seen["functions"]) == SPM_FUNCTIONS
    assert seen["version"] == version
    assert seen["round"] == [[2.68], [3365.67]]  # Excel's ROUND, half away from 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """End a process this test started (terminate, then kill), bounded."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def _check_serve(venv: Path, cwd: Path, env) -> None:
    """``xlspm serve`` answers on loopback with the metadata and functions.js."""
    url = f"http://127.0.0.1:{_free_port()}"
    log = cwd.parent / "serve.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [venv / "bin" / "xlspm", "serve", "--port", url.rsplit(":", 1)[1]],
            cwd=cwd,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"xlspm serve exited:\n{log.read_text()}"
            try:
                meta = httpx.get(f"{url}/xlspm/custom-functions-meta", timeout=10)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"not up:\n{log.read_text()}"
                time.sleep(0.5)
        assert meta.status_code == 200
        assert {f["id"] for f in meta.json()["functions"]} == SPM_FUNCTIONS
        script = httpx.get(f"{url}/xlspm/functions.js", timeout=10)
        assert script.headers["content-type"].startswith("application/javascript")
        assert "CustomFunctions.associate" in script.text
        assert json.dumps(sorted(SPM_FUNCTIONS)) in script.text
        manifest = httpx.get(f"{url}/manifest.xml", timeout=10).text
        assert f'DefaultValue="{url}/xlspm/functions.js"' in manifest
        page = httpx.get(f"{url}/taskpane.html", timeout=10).text
        assert "=XLSPM.SPM_TIER_PAYOUT" in page
    finally:
        _stop(proc)


def test_the_wheel_works_out_of_tree(tmp_path):
    # The checkout's demo (the expected printout) runs alongside build and install.
    here = tmp_path / "checkout-demo"
    here.mkdir()
    reference = subprocess.Popen(
        [sys.executable, "-m", "xlspm", "demo", "--out", "d"],
        cwd=here,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wheel = _build(tmp_path / "dist")
        venv = tmp_path / "venv"
        python = _install(wheel, venv)
        expected, errors = reference.communicate(timeout=600)
    finally:
        _stop(reference)
    assert reference.returncode == 0, errors
    assert "NO-GO: 0 consecutive reconciled cycle(s)" in expected
    assert "Total                    60  327,217,152.54  4,682,298.63" in expected

    empty = tmp_path / "empty"
    empty.mkdir()
    assert not empty.resolve().is_relative_to(CHECKOUT)
    env = _clean_env(venv)
    demo = [venv / "bin" / "xlspm", "demo", "--out", "d"]
    printed = _run(demo, cwd=empty, env=env, timeout=600)
    assert printed == expected  # every control total, the verdict, the outputs
    assert (empty / "d" / "results.xlsx").is_file()
    assert (empty / "d" / "parallel_run.xlsx").is_file()
    _check_serve(venv, empty, env)
    _check_imports(python, wheel.name.split("-")[1], empty, env)
