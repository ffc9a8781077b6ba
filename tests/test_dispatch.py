"""One dispatch place: twins with the kernels' signatures, the lock, no other branch."""

import ast
import inspect
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import xlspm
from xlspm.kernels import crediting, tiers, tiers_numpy
from xlspm.kernels.dispatch import (
    FAMILIES,
    available_backends,
    kernel,
    parallel_parts,
)
from xlspm.kernels.jit import KERNEL_LOCK, thread_count

PACKAGE = Path(xlspm.__file__).parent
FAMILY = "|".join(FAMILIES)
NAME = re.compile(rf"[\"']((?:{FAMILY})\.[a-z_0-9]+)[\"']")


def _kernel_names() -> set[str]:
    """Every ``"family.function"`` string in the package's source."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        names.update(NAME.findall(path.read_text()))
    return names


def _source(fn):
    return getattr(fn, "py_func", fn)


def test_the_package_calls_kernels_by_name():
    assert _kernel_names() == {
        "aggregate.aggregate",
        "crediting.count_credits",
        "crediting.fill_credits",
        "crediting.rollup",
        "numerics.count_nonfinite",
        "numerics.round_excel",
        "numerics.round_ieee",
        "numerics.snap15",
        "numerics.to_cents",
        "numerics.to_units",
        "reconcile.first_value",
        "reconcile.sum_cents",
        "tiers.tier_index",
        "tiers.tier_payout",
    }


@pytest.mark.parametrize("name", sorted(_kernel_names()))
def test_every_kernel_has_a_twin_with_its_signature(name):
    family, _, func = name.partition(".")
    fast, twin = FAMILIES[family]
    numba_sig = inspect.signature(_source(getattr(fast, func)))
    if twin is not None:
        assert inspect.signature(getattr(twin, func)) == numba_sig
    for backend in available_backends():
        with xlspm.use_backend(backend):
            assert inspect.signature(_source(kernel(name))) == numba_sig


@pytest.mark.parametrize("family", [f for f, (_, twin) in FAMILIES.items() if twin])
def test_twin_modules_mirror_their_kernel_modules(family):
    fast, twin = FAMILIES[family]
    for name, fn in vars(twin).items():
        if name.startswith("_") or not inspect.isfunction(fn):
            continue
        if fn.__module__ != twin.__name__:
            continue  # imported helpers
        assert inspect.signature(fn) == inspect.signature(
            _source(getattr(fast, name))
        ), name


def test_kernel_gives_each_backend_its_implementation():
    with xlspm.use_backend("numpy"):
        assert kernel("tiers.tier_index") is tiers_numpy.tier_index
        assert kernel("crediting.rollup") is _source(crediting.rollup)
        assert parallel_parts() == 1
    if "numba" in available_backends():
        with xlspm.use_backend("numba"):
            assert kernel("tiers.tier_index").__wrapped__ is tiers.tier_index
            assert parallel_parts() == thread_count()


@pytest.mark.skipif("numba" not in available_backends(), reason="needs numba")
def test_numba_kernels_wait_for_the_kernel_lock():
    x = np.linspace(0, 2, 1000)
    out = np.empty(x.size, dtype=np.int64)
    thr = np.array([0.0, 1.0])
    done = threading.Event()

    def call():
        kernel("tiers.tier_index")(x, thr, out)
        done.set()

    with xlspm.use_backend("numba"):
        kernel("tiers.tier_index")(x, thr, out)  # compiled before the timing
        with KERNEL_LOCK:
            worker = threading.Thread(target=call)
            worker.start()  # threads start in the default context: numba
            time.sleep(0.3)
            assert not done.is_set()
        worker.join(10)
    assert done.is_set()
    assert out.tolist() == (x >= 1.0).astype(int).tolist()


def _imports(path: Path) -> list[tuple[str, str]]:
    """Return (module, name) of every ``from module import name`` in a file."""
    tree = ast.parse(path.read_text())
    return [
        (node.module or "", alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]


def test_only_the_dispatch_module_chooses_a_backend():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("kernels/"):
            continue
        for module, name in _imports(path):
            if name == "KERNEL_LOCK":
                wrong.append(f"{rel} takes KERNEL_LOCK itself")
            if name == "get_backend" and rel not in ("__init__.py", "cli/demo.py"):
                wrong.append(f"{rel} asks for the backend")  # the CLI only shows it
            if module.endswith("kernels") and name.endswith("_numpy"):
                wrong.append(f"{rel} imports the twin module {name}")
    assert not wrong, "\n".join(wrong)
