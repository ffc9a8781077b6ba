"""Opening partitioned transactions for Dask, and the dataset-wide id check."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import BackendError, InputError
from ..schema.tables import normalize

__all__ = [
    "id_check",
    "open_source",
    "open_transactions",
    "read_files",
    "require_dask",
    "source_files",
]

EXTRA = 'pip install "xlspm[dask]"'
PARQUET = (".parquet", ".pq")


def require_dask() -> None:
    """Raise :class:`BackendError` naming the extra when Dask is missing."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise BackendError(
            f"the Dask engine needs dask[dataframe] and distributed ({exc.name} is "
            f"not installed); install the optional extra: {EXTRA}."
        ) from exc


def source_files(source, label: str = "transactions") -> list[Path]:
    """Expand a path, glob, directory or list into data files (in name order).

    ``label`` starts every error message (e.g. the Settings cell or option).
    """
    items = source if isinstance(source, (list, tuple)) else [source]
    files: list[Path] = []
    for item in items:
        text = str(item)
        if any(ch in text for ch in "*?["):
            matched = sorted(Path(p) for p in glob.glob(text))
            if not matched:
                raise InputError(f"{label}: no file matches {text!r}.")
            files += matched
        elif Path(text).is_dir():
            inside = sorted(
                p
                for p in Path(text).rglob("*")
                if p.suffix.lower() in (*PARQUET, ".csv") and p.is_file()
            )
            if not inside:
                raise InputError(
                    f"{label}: the directory {text!r} holds no .parquet or .csv files."
                )
            files += inside
        elif Path(text).is_file():
            files.append(Path(text))
        else:
            raise InputError(f"{label}: {text!r} not found.")
    kinds = {
        "parquet" if f.suffix.lower() in PARQUET else f.suffix.lower() for f in files
    }
    if not kinds <= {"parquet", ".csv"}:
        raise InputError(f"{label}: {sorted(kinds)}: expected .parquet or .csv files.")
    if len(kinds) > 1:
        raise InputError(f"{label}: mixes .parquet and .csv files; use one format.")
    return files


def open_transactions(source, *, blocksize="64MB", npartitions=None):
    """Return the transactions as a Dask DataFrame.

    Parameters
    ----------
    source : dask DataFrame, pandas DataFrame, str, path-like or list
        A Dask DataFrame (used as is), a pandas DataFrame (split into
        ``npartitions``), or files: a Parquet dataset or file, CSV files, a
        glob, a directory, or a list of them. Files are read in name order.
    blocksize : str, default "64MB"
        CSV bytes per partition.
    npartitions : int, optional
        Partitions for a pandas DataFrame (default 1 per 10^6 rows).

    Notes
    -----
    CSV columns are read as text and parsed by the engine (a bad cell is a
    located error or a rejected row, as in :func:`xlspm.calculate`).
    """
    return open_source(source, blocksize=blocksize, npartitions=npartitions)[0]


def open_source(source, *, blocksize="64MB", npartitions=None):
    """Return ``(dask DataFrame, read as CSV text)``; see :func:`open_transactions`."""
    require_dask()
    import dask.dataframe as dd

    if isinstance(source, dd.DataFrame):
        return source, False
    if isinstance(source, pd.DataFrame):
        n = npartitions or max(1, -(-len(source) // 1_000_000))
        return dd.from_pandas(source, npartitions=n, sort=False), False
    files = [str(f) for f in source_files(source)]
    if files[0].lower().endswith(".csv"):
        return dd.read_csv(files, dtype=str, blocksize=blocksize), True
    try:
        return dd.read_parquet(files), False
    except ImportError as exc:
        raise BackendError(
            f"transactions: reading Parquet needs pyarrow; {EXTRA}."
        ) from exc


def read_files(files) -> pd.DataFrame:
    """Read CSV or Parquet files with pandas, one after the other (no Dask)."""
    frames = []
    for f in files:
        if f.suffix.lower() == ".csv":
            frames.append(pd.read_csv(f, dtype={"txn_id": str}))
            continue
        try:
            frames.append(pd.read_parquet(f))
        except ImportError as exc:
            raise BackendError(
                "reading Parquet needs pyarrow; pip install pyarrow, or use CSV."
            ) from exc
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _id_column(ddf) -> str:
    names = {
        normalize(ddf._meta.iloc[:0], "transactions").columns[i]: c
        for i, c in enumerate(ddf.columns)
    }
    if "txn_id" not in names:
        raise InputError(
            "transactions: missing column txn_id; the columns are "
            f"{', '.join(map(str, ddf.columns))}."
        )
    return names["txn_id"]


def _stats(frame: pd.DataFrame, col: str) -> pd.DataFrame:
    ids = frame[col]
    numeric = ids.dtype.kind in "iuf"
    filled = ids.dropna()
    if not numeric:
        filled = filled.astype(str)
    return pd.DataFrame(
        {
            "rows": [len(frame)],
            "numeric": [numeric],
            "lo": pd.Series([filled.min() if len(filled) else None], dtype=object),
            "hi": pd.Series([filled.max() if len(filled) else None], dtype=object),
            "clean": [len(filled) == len(ids) and not filled.duplicated().any()],
        }
    )


def _keyed(frame, col, offset):
    ids = frame[col]
    return pd.DataFrame(
        {
            "key": ids.astype(str).where(ids.notna(), "<blank>").to_numpy(),
            "row": np.arange(len(frame), dtype=np.int64) + offset,
            "txn_id": ids.astype(object).to_numpy(),
        }
    )


def _repeats(frame):
    return frame[frame["key"].duplicated(keep=False)]


def id_check(client, ddf, parts, first_row: int, problems) -> np.ndarray:
    """Check that txn_id is unique across the dataset; return row offsets.

    One pass over ``parts`` (the partitions, as delayed objects, so that every
    pass sees the same partitioning): each partition's count, id range and
    whether it repeats an id inside. Disjoint ranges prove uniqueness;
    otherwise the ids are shuffled by value to find the repeated rows.
    """
    import dask
    import dask.dataframe as dd

    col = _id_column(ddf)
    tasks = [dask.delayed(_stats)(p, col) for p in parts]
    stats = pd.concat(client.gather(client.compute(tasks)), ignore_index=True)
    rows = stats["rows"].to_numpy(dtype=np.int64)
    offsets = first_row + np.concatenate([[0], np.cumsum(rows)[:-1]])
    if _disjoint(stats):
        return offsets
    meta = _keyed(ddf._meta.iloc[:0], col, 0)
    keyed = dd.from_delayed(
        [
            dask.delayed(_keyed)(p, col, int(o))
            for p, o in zip(parts, offsets, strict=True)
        ],
        meta=meta,
        verify_meta=False,
    )
    dups = keyed.shuffle("key").map_partitions(_repeats, meta=meta)
    found = client.compute(dups).result().sort_values("row")
    if len(found):
        problems.error(
            "transactions",
            "repeat an id; every transaction needs a unique txn_id.",
            column="txn_id",
            rows=found["row"],
            keys=found["txn_id"],
        )
    return offsets


def _disjoint(stats: pd.DataFrame) -> bool:
    """Return whether every partition is clean and no id ranges overlap."""
    full = stats[stats["rows"] > 0]
    if full.empty:
        return True
    if not full["clean"].all() or full["numeric"].nunique() > 1:
        return False
    order = full.sort_values("lo", key=lambda s: s.map(_sort_key))
    lo, hi = order["lo"].tolist(), order["hi"].tolist()
    return all(
        _sort_key(h) < _sort_key(nxt) for h, nxt in zip(hi[:-1], lo[1:], strict=True)
    )


def _sort_key(value):
    if isinstance(value, (int, np.integer)):
        return int(value)
    return float(value) if isinstance(value, (float, np.floating)) else str(value)
