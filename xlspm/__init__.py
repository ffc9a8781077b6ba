"""xlspm: a spreadsheet-native, Excel-exact engine for sales incentive compensation.

Public API
----------
Numerics
    :func:`excel_round`, :func:`ieee_round`, :func:`round_half_away`, :func:`snap15`
Tier engine
    :func:`tiered_payout`, :func:`tier_rate`, :func:`tier_index`, :class:`RateTable`
Plan engine
    :func:`calculate` -> :class:`Results`, :func:`explain`
Dask engine (``pip install "xlspm[dask]"``)
    :func:`calculate_dask` (same results, transactions in partitions)
Reconciliation
    :func:`reconcile` -> :class:`ReconResult`, :func:`to_cents`
Backends
    :func:`get_backend`, :func:`set_backend`, :func:`use_backend`,
    :func:`available_backends`
Errors
    :class:`XlspmError` and its subclasses.
"""

from .distributed.engine import calculate_dask
from .engine.calculate import calculate
from .engine.results import Results
from .errors import BackendError, InputError, TierTableError, XlspmError
from .kernels.dispatch import available_backends, get_backend, set_backend, use_backend
from .numerics.rounding import (
    excel_round,
    ieee_round,
    round_half_away,
    snap15,
    to_cents,
)
from .numerics.tiers import RateTable, tier_index, tier_rate, tiered_payout
from .present.explain_text import explain
from .recon.reconcile import ReconResult, reconcile
from .schema.tables import PlanInputError

__version__ = "0.1.0"

__all__ = [
    "BackendError",
    "InputError",
    "PlanInputError",
    "RateTable",
    "ReconResult",
    "Results",
    "TierTableError",
    "XlspmError",
    "__version__",
    "available_backends",
    "calculate",
    "calculate_dask",
    "excel_round",
    "explain",
    "get_backend",
    "ieee_round",
    "reconcile",
    "round_half_away",
    "set_backend",
    "snap15",
    "tier_index",
    "tier_rate",
    "tiered_payout",
    "to_cents",
    "use_backend",
]
