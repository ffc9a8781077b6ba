"""Where the sample workbooks are: in the package (a wheel) or the checkout.

A wheel carries ``workbooks/*.xlsx`` as ``xlspm/datasets/workbooks/`` (see
``pyproject.toml``); an editable checkout reads them from ``workbooks/``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

__all__ = ["SAMPLE_WORKBOOKS", "sample_workbook"]

SAMPLE_WORKBOOKS = (
    "demo_comp_plan.xlsx",
    "legacy_comp_2026Q1.xlsx",
    "legacy_comp_2026Q2.xlsx",
    "udf_template.xlsx",
)
_PLACES = (
    Path(__file__).resolve().parent / "workbooks",
    Path(__file__).resolve().parents[2] / "workbooks",
)


def sample_workbook(name: str) -> Path:
    """Return the path of a sample workbook shipped with xlspm.

    Parameters
    ----------
    name : str
        One of :data:`SAMPLE_WORKBOOKS`.

    Returns
    -------
    pathlib.Path
        The file (only ever read, never written).
    """
    if name not in SAMPLE_WORKBOOKS:
        raise InputError(
            f"sample workbook {name!r}: not shipped; choose one of "
            f"{', '.join(SAMPLE_WORKBOOKS)}."
        )
    for place in _PLACES:
        if (place / name).is_file():
            return place / name
    raise InputError(
        f"sample workbook {name!r}: missing from this installation (looked in "
        f"{', '.join(str(p) for p in _PLACES)}); reinstall xlspm."
    )
