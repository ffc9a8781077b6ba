import os
import shutil

# The Office.js path is xlwings PRO code: tests run it under the noncommercial
# key, set before anything imports xlwings (which reads the key once).
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import pytest

import xlspm
from xlspm.kernels.dispatch import available_backends


@pytest.fixture(params=available_backends())
def backend(request):
    """Run the test once per available backend (numba and the NumPy path)."""
    with xlspm.use_backend(request.param):
        yield request.param


@pytest.fixture
def soffice():
    """Path of LibreOffice's soffice; fails (not skips) under CI when missing."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(
                "LibreOffice is required in CI: apt-get install libreoffice-calc"
            )
        pytest.skip("LibreOffice (soffice) is not installed")
    return path
