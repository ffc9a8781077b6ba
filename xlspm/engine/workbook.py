"""Calculate a comp-plan workbook with the options its Settings sheet gives."""

from __future__ import annotations

from dataclasses import dataclass

from .calculate import calculate
from .results import Results

__all__ = ["WorkbookOptions", "calculate_workbook", "workbook_options"]

TRUE_WORDS = ("1", "true", "yes", "y", "x")


@dataclass(frozen=True)
class WorkbookOptions:
    """The engine options a workbook's Settings sheet sets."""

    strict: bool
    precision: str


def workbook_options(book, *, strict: bool = False) -> WorkbookOptions:
    """Return the options of a workbook: ``strict`` if asked or set in Settings.

    Parameters
    ----------
    book : xlspm.io.plan_workbook.Workbook
        What :func:`xlspm.io.plan_workbook.read_workbook` returned.
    strict : bool, default False
        Treat warnings as errors even when Settings does not say so.
    """
    setting = str(book.settings.get("strict", "")).strip().lower()
    precision = str(book.settings.get("precision", "excel")).strip().lower()
    return WorkbookOptions(strict or setting in TRUE_WORDS, precision)


def calculate_workbook(book, *, strict: bool = False) -> Results:
    """Run a workbook's plan with its Settings; malformed cells are errors.

    Parameters
    ----------
    book : xlspm.io.plan_workbook.Workbook
        What :func:`xlspm.io.plan_workbook.read_workbook` returned.
    strict : bool, default False
        Treat warnings as errors.

    Returns
    -------
    Results
        As :func:`xlspm.calculate` returns them.
    """
    opts = workbook_options(book, strict=strict)
    return calculate(
        **book.inputs(), strict=opts.strict, precision=opts.precision, bad_rows="error"
    )
