"""One exception family for everything xlspm rejects.

Every message names the argument (or sheet, cell, row), what was received,
the rule that was broken and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "InputError",
    "LibreOfficeError",
    "PlanInputError",
    "TierTableError",
    "XlspmError",
]


class XlspmError(Exception):
    """Base class of every error raised by xlspm on purpose."""


class InputError(XlspmError, ValueError):
    """An argument or input value breaks a documented rule."""


class TierTableError(InputError):
    """A rate table (floors and rates) is malformed."""


class BackendError(XlspmError):
    """The requested compute backend is not available."""


class PlanInputError(InputError):
    """Plan inputs break rules; ``problems`` lists every one found.

    Each problem is a record (:class:`xlspm.schema.problems.Problem`: table,
    rows, column, what was found and expected) whose ``str()`` is its message;
    a workbook reader renders the same records as ``Sheet!A1`` places.
    """

    def __init__(self, problems: list):
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the plan inputs:\n- "
        super().__init__(head + "\n- ".join(map(str, self.problems)))


class LibreOfficeError(XlspmError):
    """LibreOffice is missing or failed to recalculate a workbook."""
