"""xlspm: a spreadsheet-native, Excel-exact engine for sales incentive compensation.

Public API: one name per capability, and the error family.

Plan engine
    :func:`calculate` -> :class:`Results`; :func:`explain` (one number in
    words); :func:`calculate_dask` (transactions in partitions, needs
    ``pip install "xlspm[dask]"``).
Workbooks
    :func:`read_workbook` (a comp-plan workbook), :func:`calculate_workbook`
    (its plan with its Settings), :func:`write_report` (the results
    workbook), :func:`recalculate` (LibreOffice recalculates a workbook).
Reconciliation
    :func:`reconcile` -> :class:`ReconResult`; :func:`parallel_run` (cycle
    after cycle, with the cutover verdict).
Excel arithmetic
    :func:`excel_round`, :func:`tiered_payout`, :func:`tier_rate`,
    :class:`RateTable`.
Backends
    :func:`get_backend`, :func:`use_backend` (numba kernels or pure NumPy).
Errors
    :class:`XlspmError` and its subclasses :class:`InputError`,
    :class:`PlanInputError`, :class:`TierTableError`, :class:`BackendError`,
    :class:`LibreOfficeError`.

Lower-level functions live in the subpackages (``xlspm.numerics``,
``xlspm.recon``, ...); the Architecture page of the docs maps them.
"""

from .distributed.engine import calculate_dask
from .engine.calculate import calculate
from .engine.results import Results
from .engine.workbook import calculate_workbook
from .errors import (
    BackendError,
    InputError,
    LibreOfficeError,
    PlanInputError,
    TierTableError,
    XlspmError,
)
from .io.plan_workbook import read_workbook
from .io.recalc import recalculate
from .kernels.dispatch import get_backend, use_backend
from .numerics.rounding import excel_round
from .numerics.tiers import RateTable, tier_rate, tiered_payout
from .present.explain_text import explain
from .present.results_workbook import write_report
from .recon.parallel_run import parallel_run
from .recon.reconcile import ReconResult, reconcile

__version__ = "0.1.0"

__all__ = [
    "BackendError",
    "InputError",
    "LibreOfficeError",
    "PlanInputError",
    "RateTable",
    "ReconResult",
    "Results",
    "TierTableError",
    "XlspmError",
    "__version__",
    "calculate",
    "calculate_dask",
    "calculate_workbook",
    "excel_round",
    "explain",
    "get_backend",
    "parallel_run",
    "read_workbook",
    "recalculate",
    "reconcile",
    "tier_rate",
    "tiered_payout",
    "use_backend",
    "write_report",
]
