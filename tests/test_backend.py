import json
import os
import subprocess
import sys

import pytest

from xlspm import BackendError, get_backend, use_backend
from xlspm.kernels.dispatch import available_backends, set_backend
from xlspm.kernels.jit import NUMBA_AVAILABLE


def test_numba_is_the_default_when_installed():
    assert NUMBA_AVAILABLE, "numba is a runtime dependency and must be installed"
    if not os.environ.get("XLSPM_DISABLE_NUMBA"):
        assert available_backends() == ("numba", "numpy")
        assert get_backend() == "numba"


def test_use_backend_restores_the_previous_one():
    before = get_backend()
    with use_backend("numpy") as name:
        assert name == "numpy"
        assert get_backend() == "numpy"
    assert get_backend() == before


def test_set_backend_changes_the_context():
    before = get_backend()
    try:
        set_backend("numpy")
        assert get_backend() == "numpy"
    finally:
        set_backend(before)


def test_unknown_backend_is_rejected():
    with pytest.raises(BackendError, match=r"backend: got 'cuda'; it must be one of"):
        set_backend("cuda")
    with pytest.raises(BackendError, match=r"got 'jax'"), use_backend("jax"):
        pass


def _run_disabled(code: str) -> dict:
    env = dict(os.environ, XLSPM_DISABLE_NUMBA="1")
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_environment_variable_disables_numba():
    code = (
        "import json, xlspm\n"
        "from xlspm.kernels import numerics\n"
        "from xlspm.kernels.dispatch import available_backends, set_backend\n"
        "try:\n"
        "    set_backend('numba'); err = ''\n"
        "except xlspm.BackendError as exc:\n"
        "    err = str(exc)\n"
        "print(json.dumps({'backend': xlspm.get_backend(),\n"
        "    'available': available_backends(),\n"
        "    'compiled': hasattr(numerics.round_excel_one, 'py_func'),\n"
        "    'round': xlspm.excel_round(2.675, 2), 'error': err}))\n"
    )
    result = _run_disabled(code)
    assert result["backend"] == "numpy"
    assert result["available"] == ["numpy"]
    assert result["compiled"] is False  # the decorator left plain functions
    assert result["round"] == 2.68
    assert "XLSPM_DISABLE_NUMBA is set" in result["error"]


def test_concurrent_threads_and_a_forked_child_are_safe():
    code = (
        "import json, os, numpy as np, xlspm\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "x = np.linspace(0, 2, 200_000)\n"
        "f = lambda _: xlspm.tiered_payout(x, [0, 1], [0.1, 0.2], round_to=2).sum()\n"
        "with ThreadPoolExecutor(4) as pool:\n"
        "    sums = set(pool.map(f, range(16)))\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os._exit(0 if f(0) in sums else 3)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "import numba\n"
        "child = os.waitstatus_to_exitcode(status)\n"
        "layer = numba.threading_layer()\n"
        "print(json.dumps({'sums': len(sums), 'child': child, 'layer': layer}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result == {"sums": 1, "child": 0, "layer": result["layer"]}
    assert result["layer"] in ("tbb", "workqueue")
