"""Terminal and JSON renderers, kept apart from the computations."""

from __future__ import annotations

import json
import math

import pandas as pd

__all__ = ["frame_to_json", "frame_to_text"]


def _cell(value, money: bool) -> str:
    if money and isinstance(value, float) and math.isfinite(value):
        return f"{value:,.2f}"
    return repr(value) if isinstance(value, float) else str(value)


def frame_to_text(
    frame: pd.DataFrame, title: str | None = None, money: tuple[str, ...] = ()
) -> str:
    """Render a DataFrame as an aligned plain-text table.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to show.
    title : str, optional
        A heading printed above the table.
    money : tuple of str, optional
        Columns shown as money: thousands separators and two decimals.

    Returns
    -------
    str
        The table, numbers right-aligned, text left-aligned.
    """
    cols = [str(c) for c in frame.columns]
    flags = [c in money for c in cols]
    body = [
        [_cell(v, m) for v, m in zip(row, flags, strict=True)]
        for row in frame.itertuples(index=False)
    ]
    widths = [max([len(c)] + [len(r[i]) for r in body]) for i, c in enumerate(cols)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]

    def line(cells):
        parts = [
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [title] if title else []
    out += [line(cols), line(["-" * w for w in widths])]
    out += [line(r) for r in body]
    return "\n".join(out)


def frame_to_json(frame: pd.DataFrame) -> str:
    """Render a DataFrame as a JSON list of records.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to serialise.

    Returns
    -------
    str
        JSON text.
    """
    return json.dumps(frame.to_dict(orient="records"), indent=2, default=float)
