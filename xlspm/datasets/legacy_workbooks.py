"""Legacy comp workbooks of the demo company, with planted faults.

``workbooks/legacy_comp_2026Q1.xlsx`` and ``legacy_comp_2026Q2.xlsx`` are
the spreadsheets a comp team would have kept for the demo company
(:func:`xlspm.demo_workbook.demo_inputs`): hand-kept credit rows, SUMIFS
crediting, VLOOKUP tiers, SUMPRODUCT bands, IF gates, MIN caps and ROUND,
written with openpyxl (formulas only) and recalculated by LibreOffice. Their
``Payouts`` sheets mean what the engine's Results columns mean (credited,
quota, attainment, rate, payout due), so with ``faults=False`` every value
equals the engine's to the cent. With faults (the default) a known set of
rows differs, described by :data:`PLANTED_FAULTS`: the answer key of a
reconciliation.

``PLANTED_FAULTS`` is a list of dicts (``workbook`` "2026Q1"/"2026Q2",
``reason``, ``keys`` as (payee, component, period) tuples, ``description``,
``txn_ids`` missed for ``crediting``), computed from the demo data and the
engine on first access; :func:`planted_faults` gives the frozen records.

``n_txn`` and ``n_payees`` build the same workbooks, without faults, for a
scaled demo company (:func:`xlspm.demo_workbook.demo_inputs`; benchmarks).

Column meanings follow the engine: ``Quota`` is the quota as given (the
engine's ``quota``, not prorated; proration enters the attainment), and
``Attainment`` of the cumulative Bookings component is year to date.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from ..numerics.rounding import excel_round
from ..numerics.tiers import tier_index
from ._legacy_data import LegacyData, legacy_data
from ._legacy_sheets import LEAVER, Book, write_workbook
from .demo_workbook import N_PAYEES

__all__ = [  # PLANTED_FAULTS is computed on first use (module __getattr__)
    "PLANTED_FAULTS",  # noqa: F822
    "PlantedFault",
    "build_legacy_workbooks",
    "legacy_data",
    "planted_faults",
]

PERIODS = {
    "2026-Q1": (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    "2026-Q2": (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
}
BOOKS = {"2026Q1": ("2026-Q1",), "2026Q2": ("2026-Q1", "2026-Q2")}
TITLES = {"2026Q1": "Q1 2026 commissions — DRAFT", "2026Q2": "Q2 2026 commissions"}

# The planted faults (see PLANTED_FAULTS for the rows each one changes).
OVERRIDE = ("R007", "Bonus", "2026-Q1", 4000.0)  # typed over the formula
MISSED_ROWS = 10  # Q1 crediting ranges stop this many Deals rows short
HALF_CENT = ("R023", "Bookings", "2026-Q1")  # ROUNDDOWN on an exact half cent
HIRE = "R054"  # mid-quarter hire left off the Q1 sheet
STALE_RATE = ("AE bookings", 1.25, 0.09)  # last year's rate in the Q2 Rates sheet
QUOTA_TYPO = ("R030", "Bookings", "2026-Q2")  # two digits swapped
MISSING_QUOTA = ("R046", "New logos", "2026-Q2")  # no row in the Q2 Quotas
DUPLICATE = ("R020", "Bookings", "2026-Q2")  # pasted twice in Q2 Payouts
AE = ("Bookings", "New logos", "Bonus")
DESCRIPTIONS = {
    "payout_override": "{o[0]}'s Q1 {o[1]} payout is typed as {o[3]:,.2f} over "
    "the formula.",
    "rounding": "{h[0]}'s Q1 {h[1]} commission is an exact half cent and its cell "
    "uses ROUNDDOWN (never overpay) where the plan rounds half away from zero.",
    "missing_in_legacy": "{hire}, hired on 2026-02-16, was never added to the Q1 "
    "sheet.",
    "missing_in_engine": "{leaver} left in 2025 but is still on the Q1 sheet.",
    "rate": "The Q2 Rates sheet still has last year's {s[2]:.0%} at the "
    "{s[1]:.0%} Bookings tier (plan: {plan_rate:.0%}).",
    "quota": "{q[0]}'s Q2 {q[1]} quota is typed {typed:,.0f} instead of {true:,.0f}.",
    "legacy_error": "{m[0]}'s Q2 {m[1]} quota is missing from the Quotas sheet, "
    "so its lookup shows #N/A.",
    "duplicate_key": "The {d[0]} {d[1]} row of Q2 is pasted twice.",
}


@dataclass(frozen=True)
class PlantedFault:
    """One planted fault: the workbook, the expected reason and the rows."""

    workbook: str
    reason: str
    keys: tuple[tuple[str, str, str], ...]
    description: str
    txn_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Return the fault as a plain dict (keys and txn_ids as lists)."""
        out = asdict(self)
        out["keys"] = [tuple(k) for k in self.keys]
        out["txn_ids"] = list(self.txn_ids)
        return out


def _q1_missed(data: LegacyData) -> pd.DataFrame:
    """Return the Q1 credit rows the faulty crediting ranges do not reach."""
    q1 = data.deals[data.deals["date"] <= PERIODS["2026-Q1"][1]]
    return q1.tail(MISSED_ROWS)


def _crediting_faults(data: LegacyData) -> list[PlantedFault]:
    """Return one fault per Q1 row whose credited amount misses credit rows."""
    missed = _q1_missed(data)
    cloud = set(_plan(data, "New logos")["filter_values"].split(","))
    top = data.payees.loc[data.payees["manager_id"].isna(), "payee_id"].iloc[0]
    hits: dict[tuple[str, str, str], list[str]] = {}
    for row in missed.itertuples():
        comps = [(row.rep, "Bookings"), (row.rep, "Bonus")]
        if row.product in cloud:
            comps.append((row.rep, "New logos"))
        for boss in (row.manager, top):
            comps += [(boss, "Team"), (boss, "Team bonus")]
        for payee, comp in comps:
            if payee != HIRE:  # not on the Q1 sheet at all
                hits.setdefault((payee, comp, "2026-Q1"), []).append(row.txn_id)
    last = len(data.deals[data.deals["date"] <= PERIODS["2026-Q1"][1]]) + 1
    return [
        PlantedFault(
            "2026Q1",
            "crediting",
            (key,),
            f"The crediting SUMIFS ranges end at Deals row {last - MISSED_ROWS}, "
            f"{MISSED_ROWS} rows before the data ends (rows appended later), so "
            f"{key[0]} {key[1]} misses {', '.join(sorted(set(ids)))}.",
            tuple(sorted(set(ids))),
        )
        for key, ids in hits.items()
    ]


def _plan(data: LegacyData, component: str) -> pd.Series:
    return data.plans.set_index("component").loc[component]


def _bookings_tiers(data: LegacyData, period: str, rounded: bool) -> pd.DataFrame:
    """Return the engine Bookings rows of a period with their tier.

    ``rounded``: the tier of ROUND(attainment, 2), as the faulty lookup sees it.
    """
    res = data.results
    rows = res[(res["component"] == "Bookings") & (res["period"] == period)]
    table = data.rate_tables[data.rate_tables["table"] == STALE_RATE[0]]
    att = rows["attainment"].to_numpy()
    x = excel_round(att, 2) if rounded else att
    return rows.assign(tier=tier_index(x, table["floor"].to_numpy()))


def _tier_faults(data: LegacyData, taken: set) -> list[PlantedFault]:
    """Return a fault per Q1 rep whose ROUND(attainment, 2) reaches a higher tier."""
    exact = _bookings_tiers(data, "2026-Q1", False)
    shown = _bookings_tiers(data, "2026-Q1", True)
    moved = exact[exact["tier"].to_numpy() != shown["tier"].to_numpy()]
    keys = [
        (p, "Bookings", "2026-Q1")
        for p in moved["payee_id"]
        if (p, "Bookings", "2026-Q1") not in taken and p != HIRE
    ]
    return [
        PlantedFault(
            "2026Q1",
            "tier_boundary",
            (key,),
            f"The Bookings rate is looked up on ROUND(attainment, 2) as the plan "
            f"document prints it: {key[0]}'s "
            f"{float(exact.set_index('payee_id').loc[key[0], 'attainment']):.4%} "
            "is paid the next tier's rate.",
        )
        for key in keys
    ]


def _stale_rate_keys(data: LegacyData) -> tuple:
    table = data.rate_tables[data.rate_tables["table"] == STALE_RATE[0]]
    tier = list(table["floor"]).index(STALE_RATE[1])
    rows = _bookings_tiers(data, "2026-Q2", False)
    return tuple(
        (p, "Bookings", "2026-Q2") for p in rows["payee_id"][rows["tier"] == tier]
    )


def _typo(quota: float) -> float:
    """Return the quota with its 2nd and 3rd digits swapped (or the first two)."""
    s = f"{quota:.0f}"
    swapped = s[0] + s[2] + s[1] + s[3:]
    if swapped == s:
        swapped = s[1] + s[0] + s[2:]
    return float(swapped)


def typo_quota(data: LegacyData) -> tuple[float, float]:
    """Return the true and the mistyped quota of :data:`QUOTA_TYPO`."""
    q = data.quotas.set_index(["payee_id", "component", "period"])["quota"]
    true = float(q.loc[QUOTA_TYPO])
    return true, _typo(true)


def _fixed_faults(data: LegacyData) -> list[PlantedFault]:
    """Return the faults whose rows are chosen by name (and the stale rates)."""
    true, typed = typo_quota(data)
    facts = {
        "o": OVERRIDE,
        "h": HALF_CENT,
        "hire": HIRE,
        "leaver": LEAVER[0],
        "s": STALE_RATE,
        "plan_rate": _bookings_rate(data, STALE_RATE[1]),
        "q": QUOTA_TYPO,
        "true": true,
        "typed": typed,
        "m": MISSING_QUOTA,
        "d": DUPLICATE,
    }
    faults = [
        ("2026Q1", "payout_override", (OVERRIDE[:3],)),
        ("2026Q1", "rounding", (HALF_CENT,)),
        ("2026Q1", "missing_in_legacy", tuple((HIRE, c, "2026-Q1") for c in AE)),
        ("2026Q1", "missing_in_engine", tuple((LEAVER[0], c, "2026-Q1") for c in AE)),
        ("2026Q2", "rate", _stale_rate_keys(data)),
        ("2026Q2", "quota", (QUOTA_TYPO,)),
        ("2026Q2", "legacy_error", (MISSING_QUOTA,)),
        ("2026Q2", "duplicate_key", (DUPLICATE,)),
    ]
    return [
        PlantedFault(book, reason, keys, DESCRIPTIONS[reason].format(**facts))
        for book, reason, keys in faults
    ]


def _bookings_rate(data: LegacyData, floor: float) -> float:
    t = data.rate_tables
    return float(
        t[(t["table"] == STALE_RATE[0]) & (t["floor"] == floor)]["rate"].iloc[0]
    )


@functools.cache
def planted_faults() -> tuple[PlantedFault, ...]:
    """Return every planted fault, computed from the demo data (cached)."""
    data = legacy_data()
    credit = _crediting_faults(data)
    fixed = _fixed_faults(data)
    taken = {k for f in credit + fixed for k in f.keys}
    return tuple(fixed[:2] + credit + _tier_faults(data, taken) + fixed[2:])


def __getattr__(name: str):
    """Compute :data:`PLANTED_FAULTS` on first use (it runs the engine)."""
    if name == "PLANTED_FAULTS":
        return [f.to_dict() for f in planted_faults()]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _book(name: str, faults: bool, data: LegacyData) -> Book:
    periods = BOOKS[name]
    return Book(
        name=name,
        title=TITLES[name],
        periods={p: PERIODS[p] for p in periods},
        faults=faults,
        q1=name == "2026Q1",
        missed_rows=MISSED_ROWS if faults and name == "2026Q1" else 0,
        # Q2 has the lookup fixed: R015's 79.86% YTD would round into 80% too.
        round_lookup=faults and name == "2026Q1",
        notes=tuple(f for f in planted_faults() if f.workbook == name)
        if faults
        else (),
    )


def build_legacy_workbooks(
    out_dir,
    *,
    recalc: bool = True,
    faults: bool = True,
    n_txn: int = 20_000,
    n_payees: int = N_PAYEES,
) -> list[Path]:
    """Write ``legacy_comp_2026Q1.xlsx`` and ``legacy_comp_2026Q2.xlsx``.

    Parameters
    ----------
    out_dir : str or path-like
        Folder (created if missing); files of the same names are replaced.
    recalc : bool, default True
        Have LibreOffice recalculate every formula so that the files carry
        cached values (needs ``soffice``); without it the formulas have none.
    faults : bool, default True
        Plant the faults of :data:`PLANTED_FAULTS`; ``False`` writes workbooks
        whose every Payouts value equals the engine's.
    n_txn, n_payees : int, optional
        Scale the company (:func:`xlspm.demo_workbook.demo_inputs`); other
        than the defaults only with ``faults=False``.

    Returns
    -------
    list of pathlib.Path
        The two workbooks, Q1 first.

    Raises
    ------
    ValueError
        If faults are asked for a scaled company.
    """
    from ..io.recalc import recalculate

    if faults and (n_txn, n_payees) != (20_000, N_PAYEES):
        raise ValueError("faults are planted in the demo company only: faults=False")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = legacy_data(n_txn, n_payees)
    fv = _fault_values(data) if faults else {}  # the writers read it only if faults
    paths = []
    for name in BOOKS:
        target = out_dir / f"legacy_comp_{name}.xlsx"
        wb = openpyxl.Workbook()
        write_workbook(wb, _book(name, faults, data), data, fv)
        if not recalc:
            wb.save(target)
        else:
            with tempfile.TemporaryDirectory(prefix="xlspm-legacy-") as tmp:
                raw = Path(tmp) / target.name
                wb.save(raw)
                recalculate(raw, target, overwrite=True)
        paths.append(target)
    return paths


def _fault_values(data: LegacyData) -> dict:
    """Return what the sheet writers need to plant the faults."""
    return {
        "override": OVERRIDE,
        "half_cent": HALF_CENT,
        "round_lookup": HALF_CENT[1],
        "hire": HIRE,
        "stale_rate": STALE_RATE,
        "quota_typo": (QUOTA_TYPO, typo_quota(data)[1]),
        "missing_quota": MISSING_QUOTA,
        "duplicate": DUPLICATE,
    }
