"""One exception family for everything xlspm rejects.

Every message names the argument (or sheet, cell, row), what was received,
the rule that was broken and how to fix it.
"""

from __future__ import annotations

__all__ = ["BackendError", "InputError", "TierTableError", "XlspmError"]


class XlspmError(Exception):
    """Base class of every error raised by xlspm on purpose."""


class InputError(XlspmError, ValueError):
    """An argument or input value breaks a documented rule."""


class TierTableError(InputError):
    """A rate table (floors and rates) is malformed."""


class BackendError(XlspmError):
    """The requested compute backend is not available."""
