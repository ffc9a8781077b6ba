"""The plan engine on Dask: transactions past one machine's memory.

:func:`calculate_dask` reads the small inputs (payees, plans, rate tables,
quotas, rules) once, then credits every partition of the transactions on the
Dask workers with the single-machine engine's own code and numba kernels
(:mod:`xlspm.partitions`). Each partition returns its credits aggregated per
payee x component x period in int64 nano-dollars; the client adds them up
(exact, so any partitioning and any order give the same sums) and runs tiers,
YTD netting and payouts on that small table, exactly as :func:`xlspm.calculate`.
Credits are never gathered: ``explain`` and ``credits_of`` re-credit the
partitions and bring back one payee's credits.

Dask is optional: ``pip install "xlspm[dask]"``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..engine.calculate import (
    StageClock,
    combine_rejected,
    pay,
    prepare,
    read_credit_inputs,
    slot_range,
)
from ..engine.results import Results, trace_row
from ..engine.stages import Bucket, PeriodSlots, Prepared
from ..errors import BackendError
from ..io.sources import id_check, open_source, require_dask
from ..numerics.checks import as_choice
from ..schema.periods import KINDS
from ..schema.tables import Problems, normalize
from .partitions import (
    PartitionContext,
    credit_partition,
    merge_outputs,
    partition_credits_of,
    partition_traces,
)

__all__ = ["DaskCredits", "calculate_dask", "connect"]

MAX_MESSAGES = 20  # row-level messages kept from the partitions


def connect(scheduler=None, *, n_workers=None, memory_limit="auto"):
    """Return a Dask ``Client``: to a scheduler address, or a new LocalCluster.

    Parameters
    ----------
    scheduler : str or distributed.Client, optional
        ``tcp://host:8786`` of a running scheduler, or a client (returned as
        is). Default: a LocalCluster on this machine (one single-threaded
        worker process per core, on loopback).
    n_workers : int, optional
        LocalCluster workers (default: the number of cores).
    memory_limit : str or int, default "auto"
        Per LocalCluster worker, e.g. ``"1GB"``: Dask spills to disk, then
        pauses, then restarts a worker that goes past it.

    Returns
    -------
    distributed.Client
        Close it (and ``client.cluster``) when done; the CLI does.

    Raises
    ------
    BackendError
        Dask is not installed, or the scheduler cannot be reached.
    """
    require_dask()
    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        return scheduler
    if scheduler:
        try:
            return Client(scheduler, timeout="10s")
        except OSError as exc:
            raise BackendError(
                f"--scheduler: cannot reach a Dask scheduler at {scheduler!r} "
                f"({exc}); start one (dask scheduler) or check the address."
            ) from exc
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        memory_limit=memory_limit,
        host="127.0.0.1",
        dashboard_address=":0",
        processes=True,
        env={"NUMBA_NUM_THREADS": "1"},  # one core per worker: workers share cores
    )
    return Client(cluster)


@dataclass
class DaskCredits:
    """Where a Dask run's credits live: re-credit partitions on demand."""

    client: object
    parts: list
    offsets: np.ndarray
    ctx: PartitionContext
    progress: bool = False
    _ctx_future: object = field(default=None, repr=False)

    def each(self, fn, *args, label: str):
        """Run ``fn(partition, ctx, first_row, *args)`` on every partition.

        Yields (partition number, result) as partitions finish; each result
        is released on the workers once yielded. A lost worker raises
        :class:`BackendError`.
        """
        import dask
        from distributed import as_completed

        if self._ctx_future is None:
            self._ctx_future = self.client.scatter(self.ctx, broadcast=True)
        tasks = [
            dask.delayed(fn)(part, self._ctx_future, int(off), *args)
            for part, off in zip(self.parts, self.offsets, strict=True)
        ]
        futures = self.client.compute(tasks)
        index = {f.key: i for i, f in enumerate(futures)}
        with lost_workers(), _progress(self.progress, label, len(futures)) as advance:
            for fut in as_completed(futures):
                value = fut.result()
                fut.release()
                yield index[fut.key], value
                advance()

    def _run(self, fn, *args, label: str) -> list:
        """Return ``fn``'s result for every partition, in partition order."""
        results = [None] * len(self.parts)
        for i, value in self.each(fn, *args, label=label):
            results[i] = value
        return results

    def credits_of(self, payee_id) -> pd.DataFrame:
        """Return one payee's credits, gathered from every partition."""
        found = self._run(
            partition_credits_of, [str(payee_id)], label="Gathering credits"
        )
        return _ordered([f[str(payee_id)] for f in found])

    def traces(self, res, rows, max_credits=None) -> list[dict]:
        """Return :func:`xlspm.results.trace` dicts for result rows, in one pass."""
        records = [dict(r) for r in rows]
        found = self._run(partition_traces, records, max_credits, label="Tracing")
        out = []
        for i, row in enumerate(rows):
            count = sum(f[i][0] for f in found if f[i] is not None)
            heads = [f[i][1] for f in found if f[i] is not None]
            credits = _ordered(heads)
            if max_credits is not None:
                credits = credits.head(max_credits)
            t = trace_row(res, row, credits)
            t["credit_count"] = count
            out.append(t)
        return out


def _ordered(frames) -> pd.DataFrame:
    """Credits in the single-machine order: base credits, then roll-ups, by row."""
    frame = pd.concat(frames, ignore_index=True)
    rollup = (frame["credit_type"] == "rollup").to_numpy()
    order = np.lexsort((frame["_row"].to_numpy(), rollup))
    return frame.iloc[order].drop(columns="_row").reset_index(drop=True)


@contextlib.contextmanager
def lost_workers():
    """Turn a worker lost mid-computation into a :class:`BackendError`."""
    from concurrent.futures import CancelledError

    from distributed.scheduler import KilledWorker

    try:
        yield
    except (KilledWorker, CancelledError) as exc:
        raise BackendError(
            f"Dask lost a worker ({type(exc).__name__}: {exc}); most often a "
            "worker ran out of memory. Give workers more memory (--memory-limit) "
            "or use smaller partitions (about 250,000 rows per Parquet file for "
            "1 GB workers)."
        ) from exc


@contextlib.contextmanager
def _progress(show: bool, label: str, total: int):
    """Yield a function that advances a rich progress bar on stderr."""
    if not show:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    bar = Progress(
        TextColumn(f"{label} (partitions)"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=console.is_terminal,  # in a log: the final count stays
    )
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


def _context(prep: Prepared, assignments, meta, opts, problems):
    """Check the rules and filters against the transaction columns, once."""
    strict, bad_rows, csv_text = opts
    empty = normalize(meta.iloc[:0], "transactions")
    read_credit_inputs(empty, assignments, prep, problems, bad_rows)
    lean = dataclasses.replace(prep, quota_map={})  # quotas are paid on the client
    return PartitionContext(lean, assignments, strict, bad_rows, csv_text)


def _messages(pairs) -> list[str]:
    """Partition messages in dataset order, repeats once, at most MAX_MESSAGES."""
    seen = list(dict.fromkeys(m for _, m in sorted(pairs, key=lambda p: p[0])))
    if len(seen) > MAX_MESSAGES:
        more = len(seen) - MAX_MESSAGES
        seen = [
            *seen[:MAX_MESSAGES],
            f"... and {more} more messages like these from other partitions "
            "(every rejected row is listed in Results.rejected).",
        ]
    return seen


def _dense(total, prep: Prepared, slots: PeriodSlots) -> list[Bucket]:
    """Per component, the summed blocks placed on the global periods."""
    n = len(prep.people.ids)
    out = []
    for k, comp in enumerate(prep.book.components):
        j = KINDS.index(comp.period)
        sums = np.zeros((n, slots.n_periods[j]), dtype=np.int64)
        cnts = np.zeros_like(sums)
        block = total.buckets[k] if total.buckets else None
        if block is not None and block.sums.shape[1]:
            at = block.first - slots.first[j]
            sums[:, at : at + block.sums.shape[1]] = block.sums
            cnts[:, at : at + block.counts.shape[1]] = block.counts
        out.append(Bucket(sums, cnts))
    return out


def _credit_all(client, parts, offsets, ctx, progress):
    """Credit every partition on the cluster; return the merged output.

    Partition outputs are added as they arrive, so the client holds one sum.
    """
    credits = DaskCredits(client, parts, offsets, ctx, progress)
    total = None
    for _i, out in credits.each(credit_partition, label="Crediting"):
        total = merge_outputs(total, out)
    return total, credits


def calculate_dask(
    transactions,
    payees,
    assignments,
    plans,
    rate_tables,
    quotas=None,
    *,
    hierarchy=None,
    strict=False,
    precision="excel",
    bad_rows="reject",
    client=None,
    first_row=0,
    progress=False,
) -> Results:
    """Calculate like :func:`xlspm.calculate`, crediting the transactions on Dask.

    Parameters
    ----------
    transactions : dask DataFrame, pandas DataFrame, str or path-like
        The transactions: a Dask DataFrame, or a Parquet dataset (directory
        or ``.parquet`` file), or CSV files (a ``.csv`` path, a glob such as
        ``txns/*.csv``, or a directory of them), or a list of such files.
    payees, assignments, plans, rate_tables, quotas, hierarchy
        As :func:`xlspm.calculate` (small tables, read on the client).
    strict, precision, bad_rows
        As :func:`xlspm.calculate`.
    client : distributed.Client or str, optional
        The cluster to use: a client, or a scheduler address
        (``tcp://host:8786``). Default: the current client, else a new
        LocalCluster (see :func:`connect`).
    first_row : int, default 0
        Number of the dataset's first row in messages and ``rejected``
        (rows are numbered in dataset order: files by name).
    progress : bool, default False
        Show a progress bar (partitions done) on stderr.

    Returns
    -------
    Results
        Equal to the cent to :func:`xlspm.calculate` on the same rows
        (``results`` and ``rejected`` equal; tested). ``credits`` is not
        materialised: use ``credits_of`` or ``explain``.

    Raises
    ------
    PlanInputError
        Every problem found, rows numbered in the whole dataset.
    BackendError
        Dask is not installed (names the extra) or the scheduler is down.
    """
    require_dask()
    bad_rows = as_choice(bad_rows, "bad_rows", ("reject", "error"))
    client = _client(client)
    problems = Problems(strict=strict)
    clock = StageClock()
    with clock("read"):
        prep = prepare(
            payees, plans, rate_tables, quotas, hierarchy, problems, precision
        )
        ddf, csv_text = open_source(transactions)
        problems.raise_if_any()
        opts = (strict, bad_rows, csv_text)
        ctx = _context(prep, assignments, ddf._meta, opts, problems)
        parts = ddf.to_delayed()
        with lost_workers():
            offsets = id_check(client, ddf, parts, first_row, problems)
        problems.raise_if_any()
    with clock("credit"):
        total, credits = _credit_all(client, parts, offsets, ctx, progress)
    errors = _messages(total.errors)
    if errors:
        problems.errors.extend(errors)
        problems.raise_if_any()
    problems.warnings.extend(_messages(total.warnings))
    with clock("pay"):
        slots = PeriodSlots(*slot_range(total.day_min, total.day_max))
        results = pay(prep, _dense(total, prep, slots), slots, problems, precision)
    rejected = combine_rejected(total.rejected_read, total.rejected_credit)
    timings = dict(clock.seconds)
    timings["partitions"] = float(total.parts)
    return Results(
        results,
        rejected,
        list(problems.warnings),
        prep.book,
        prep.people,
        None,
        None,
        timings,
        partitions=credits,
        credit_count=total.credits,
    )


def _client(client):
    """Return the client to use: given, else the current one, else connect()."""
    if client is None:
        from distributed import default_client

        with contextlib.suppress(ValueError):
            return default_client()
    return connect(client)
