"""Recalculate a workbook with LibreOffice headless so its cached values exist.

LibreOffice does not recalculate xlsx files on load by default: cached values
(or the zeros written by libraries that never calculate) stay. This module
runs ``soffice --convert-to xlsx`` with a private user profile whose settings
force a full recalculation on load (``OOXMLRecalcMode = 0``), a fresh HOME,
and a copy of the input, so the input file and its folder are never touched.
One profile per call: concurrent calls do not share state.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import InputError, LibreOfficeError
from .xlsx import check_path

__all__ = ["LibreOfficeError", "find_soffice", "recalculate"]

INSTALL_HINT = (
    "install it with: apt-get install -y --no-install-recommends libreoffice-calc "
    "(Debian/Ubuntu), or set XLSPM_SOFFICE to the soffice executable"
)

_RECALC_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def find_soffice() -> str:
    """Return the path of LibreOffice's ``soffice``.

    Returns
    -------
    str
        ``$XLSPM_SOFFICE`` if set, else ``soffice`` or ``libreoffice`` on PATH.

    Raises
    ------
    LibreOfficeError
        If LibreOffice cannot be found; the message gives the install command.
    """
    chosen = os.environ.get("XLSPM_SOFFICE")
    if chosen:
        if path := shutil.which(chosen):
            return path
        raise LibreOfficeError(
            f"XLSPM_SOFFICE is {chosen!r}, which is not an executable; point it at "
            "LibreOffice's soffice or unset it."
        )
    for candidate in ("soffice", "libreoffice"):
        if path := shutil.which(candidate):
            return path
    raise LibreOfficeError(f"LibreOffice (soffice) was not found; {INSTALL_HINT}.")


def recalculate(src, dst, *, overwrite: bool = False, timeout: float = 600.0) -> Path:
    """Write a recalculated copy of workbook ``src`` to ``dst``.

    Parameters
    ----------
    src : str or path-like
        The ``.xlsx`` workbook to recalculate; it is only read.
    dst : str or path-like
        The new file to write (atomically: it appears complete or not at all).
    overwrite : bool, default False
        Replace ``dst`` if it exists.
    timeout : float, default 600
        Seconds to wait for LibreOffice.

    Returns
    -------
    pathlib.Path
        ``dst``.

    Raises
    ------
    InputError
        If ``src`` is missing or not an ``.xlsx`` package, ``dst`` exists (without
        ``overwrite``) or is ``src``.
    LibreOfficeError
        If LibreOffice is missing, times out or writes nothing.
    """
    src, dst = Path(src), Path(dst)
    check_path(src, suffixes=(".xlsx",), lock=False)  # a copy is converted
    if dst.resolve() == src.resolve():
        raise InputError(f"{dst}: the output must be a new file, not the input.")
    if dst.exists() and not overwrite:
        raise InputError(f"{dst}: already exists; choose a new name or pass --force.")
    soffice = find_soffice()
    with tempfile.TemporaryDirectory(prefix="xlspm-recalc-") as tmp:
        produced = _convert(soffice, src, Path(tmp), timeout)
        staged = dst.with_name(f".{dst.name}.xlspm-tmp")
        shutil.copyfile(produced, staged)
        os.replace(staged, dst)
    return dst


def _convert(soffice: str, src: Path, work: Path, timeout: float) -> Path:
    """Run LibreOffice on a copy of ``src`` inside ``work``; return its output."""
    profile = work / "profile" / "user"
    profile.mkdir(parents=True)
    (profile / "registrymodifications.xcu").write_text(_RECALC_SETTINGS)
    (work / "in").mkdir()
    copy = work / "in" / "workbook.xlsx"
    shutil.copyfile(src, copy)
    cmd = [
        soffice,
        f"-env:UserInstallation={(work / 'profile').as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(work / "out"),
        str(copy),
    ]
    env = dict(os.environ, HOME=str(work))
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise LibreOfficeError(
            f"LibreOffice did not finish recalculating {src} in {timeout:g} s."
        ) from exc
    produced = work / "out" / "workbook.xlsx"
    if not produced.is_file():
        detail = (proc.stderr or proc.stdout).strip()[-500:]
        raise LibreOfficeError(
            f"LibreOffice wrote no output for {src} (exit {proc.returncode}): {detail}"
        )
    return produced
