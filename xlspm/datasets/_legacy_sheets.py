"""Sheets and formulas of the legacy comp workbooks (see :mod:`.legacy_workbook`).

Every Payouts value is a formula over the Deals, Roster, Quotas, Rates,
Periods (and PaidQ1) sheets, the way a comp analyst builds it:

* Credited: ``SUMIFS`` of the Deals credits (``amount * share``) of the rep
  (AE), of the manager column (managers) or of everyone (the VP), between the
  period's dates; New logos adds the product filter.
* Quota: ``VLOOKUP`` of ``payee|component|period`` in Quotas (the quota as
  given); Roster has each payee's active fraction of each period (proration).
* Attainment: credited / prorated quota, year to date for cumulative
  components (Bookings).
* Rate: ``VLOOKUP(attainment, table, ..., TRUE)``.
* Payout: retroactive ``credited * rate``, marginal
  ``quota * SUMPRODUCT(bands)``, linear ``INDEX/MATCH`` interpolation times
  the target, flat ``rate * target``; ``IF`` for the gate, ``MIN`` for the cap,
  ``ROUND(..., 2)``; cumulative components subtract PaidQ1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from openpyxl.styles import Font

__all__ = ["LEAVER", "Book", "write_workbook"]

LEAVER = ("R099", "Rep 99", "M04", dt.date(2023, 1, 1))
LEAVER_QUOTAS = {"Bookings": 420000.0, "New logos": 126000.0, "Bonus": 420000.0}
HEADERS = ["Payee", "Name", "Component", "Period", "Credited", "Quota"]
HEADERS += ["Attainment", "Rate", "Payout"]
MONEY = "#,##0.00"
NO_UPPER = 999.0  # "upper" of the last tier of a table


@dataclass(frozen=True)
class Book:
    """What one legacy workbook holds and which faults it carries."""

    name: str  # "2026Q1"
    title: str
    periods: dict  # label -> (first day, last day), in order
    faults: bool
    q1: bool
    missed_rows: int  # crediting ranges stop this many Deals rows short
    round_lookup: bool  # Bookings rate looked up on ROUND(attainment, 2)
    notes: tuple = ()  # the PlantedFault records of this workbook


@dataclass
class _Refs:
    """Where the writers put things: ranges the Payouts formulas use."""

    deals_end: int = 0
    quotas_end: int = 0
    roster_end: int = 0
    roster_last_col: str = "F"
    paid_end: int = 0
    tables: dict = field(default_factory=dict)  # table -> (first row, last row)
    first_floor: dict = field(default_factory=dict)  # table -> its first floor
    max_rate: dict = field(default_factory=dict)  # table -> its largest rate
    params: dict = field(default_factory=dict)  # "Bonus target" -> Rates!$G$2


def _bold_header(ws, widths) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGHI", widths, strict=False):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"


def _write_deals(ws, book: Book, data, refs: _Refs) -> None:
    last_day = list(book.periods.values())[-1][1]
    deals = data.deals[data.deals["date"] <= last_day]
    ws.append(["txn_id", "date", "amount", "product", "rep", "manager", "share"])
    ws["H1"] = "credit"
    for r, row in enumerate(deals.itertuples(index=False), start=2):
        ws.append([*row, f"=C{r}*G{r}"])
        ws.cell(r, 2).number_format = "yyyy-mm-dd"
    refs.deals_end = len(deals) + 1 - book.missed_rows
    _bold_header(ws, [10, 12, 12, 10, 8, 9, 7, 12])


def _roster_rows(book: Book, data, fv) -> list:
    p = data.payees
    rows = [
        (r.payee_id, r.name, r.plan_id, r.manager_id, r.start_date)
        for r in p.itertuples()
        if not (book.faults and book.q1 and r.payee_id == fv["hire"])
    ]
    if book.faults and book.q1:
        rows.append((LEAVER[0], LEAVER[1], "AE", LEAVER[2], LEAVER[3]))
    return rows


def _write_roster(ws, book: Book, data, fv, refs: _Refs) -> None:
    """Payees with their active fraction of each period (proration)."""
    ws.append(["Payee", "Name", "Plan", "Manager", "Start", *book.periods])
    rows = _roster_rows(book, data, fv)
    for r, row in enumerate(rows, start=2):
        fractions = [
            f"=(Periods!$C${k}-MAX($E{r},Periods!$B${k})+1)"
            f"/(Periods!$C${k}-Periods!$B${k}+1)"
            for k in range(2, 2 + len(book.periods))
        ]
        ws.append([*row, *fractions])
        ws.cell(r, 5).number_format = "yyyy-mm-dd"
    refs.roster_end = len(rows) + 1
    refs.roster_last_col = "EFG"[len(book.periods)]
    _bold_header(ws, [8, 16, 6, 9, 12, 10, 10])


def _write_quotas(ws, book: Book, data, fv, refs: _Refs) -> None:
    q = data.quotas[data.quotas["period"].isin(list(book.periods))]
    if book.faults and book.q1:
        q = q[q["payee_id"] != fv["hire"]]
        extra = [(LEAVER[0], c, "2026-Q1", v) for c, v in LEAVER_QUOTAS.items()]
        q = pd.concat([q, pd.DataFrame(extra, columns=q.columns)])
    ws.append(["Key", "Payee", "Component", "Period", "Quota"])
    r = 1
    for row in q.itertuples(index=False):
        key = (row.payee_id, row.component, row.period)
        if book.faults and key == fv["missing_quota"]:
            continue
        quota = (
            fv["quota_typo"][1]
            if book.faults and key == fv["quota_typo"][0]
            else row.quota
        )
        r += 1
        ws.append([f'=B{r}&"|"&C{r}&"|"&D{r}', *key, quota])
        ws.cell(r, 5).number_format = "#,##0"
    refs.quotas_end = r
    _bold_header(ws, [28, 8, 12, 9, 12])


def _write_rates(ws, book: Book, data, fv, refs: _Refs) -> None:
    """Rate tables (floor, upper, rate) and the plans' targets, gates and caps."""
    ws.append(["Table", "Floor", "Upper", "Rate", None, "Plan parameter", "Value"])
    r = 1
    for name, t in data.rate_tables.groupby("table", sort=False):
        floors = t["floor"].tolist()
        refs.tables[name] = (r + 1, r + len(floors))
        refs.first_floor[name] = floors[0]
        refs.max_rate[name] = t["rate"].max()
        for i, (floor, rate) in enumerate(zip(floors, t["rate"], strict=True)):
            if book.faults and not book.q1 and (name, floor) == fv["stale_rate"][:2]:
                rate = fv["stale_rate"][2]
            upper = floors[i + 1] if i + 1 < len(floors) else NO_UPPER
            r += 1
            ws.append([name, floor, upper, rate])
    p = 1
    for plan in data.plans.itertuples():
        for what in ("target", "gate", "cap"):
            value = getattr(plan, what)
            if pd.notna(value) and (
                what != "target" or plan.mode in ("flat", "linear")
            ):
                p += 1
                ws.cell(p, 6, f"{plan.component} {what}")
                ws.cell(p, 7, float(value))
                refs.params[f"{plan.component} {what}"] = f"Rates!$G${p}"
    _bold_header(ws, [12, 8, 8, 8, 2, 22, 10])


def _write_periods(ws, book: Book) -> None:
    ws.append(["Period", "Start", "End"])
    for r, (label, (first, last)) in enumerate(book.periods.items(), start=2):
        ws.append([label, first, last])
        for c in (2, 3):
            ws.cell(r, c).number_format = "yyyy-mm-dd"
    _bold_header(ws, [10, 12, 12])


def _write_paid(ws, data, refs: _Refs) -> None:
    """Bookings commission paid for Q1 (the signed-off, corrected amounts)."""
    res = data.results
    paid = res[(res["component"] == "Bookings") & (res["period"] == "2026-Q1")]
    ws.append(["Payee", "Name", "Bookings paid Q1"])
    for row in paid.itertuples():
        ws.append([row.payee_id, row.name, float(row.earned)])
    for (cell,) in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        cell.number_format = MONEY
    refs.paid_end = len(paid) + 1
    _bold_header(ws, [8, 16, 16])


SHEET_NOTES = [
    ("Payouts", "one row per payee x component of the quarter, all formulas"),
    ("Deals", "one row per credit; key accounts split 60/40; credit = amount x share"),
    ("Roster", "payees, managers, start dates, active fraction of each quarter"),
    ("Quotas", "quota per payee, component and quarter (Key: payee|component|period)"),
    ("Rates", "rate tables (floor, upper, rate); plan targets, gates and caps"),
    ("Periods", "first and last day of each quarter"),
    ("PaidQ1", "Bookings commission paid for Q1, as signed off"),
]
FORMULA_NOTES = [
    "Credited: SUMIFS of Deals credits (rep; manager column for managers; all",
    "for the VP) between the quarter's dates. Attainment: credited / prorated",
    "quota (Bookings: year to date). Rate: VLOOKUP(attainment, table, 3, TRUE).",
    "Payout: Bookings credited x rate minus paid; New logos and Team quota x",
    "SUMPRODUCT over the bands (New logos capped); Bonus the curve (INDEX/MATCH)",
    "x target, 0 below the gate; Team bonus the step amount; ROUND(..., 2).",
]


def _fault_lines(notes: tuple) -> list[str]:
    """One README line per planted fault (the crediting rows on one line)."""
    lines, credit_keys, credit_ids = [], [], set()
    for f in notes:
        if f.reason == "crediting":
            credit_keys += [f"{k[0]} {k[1]}" for k in f.keys]
            credit_ids.update(f.txn_ids)
            text = f.description.split(", so ")[0]
            continue
        keys = "; ".join(f"{k[0]} {k[1]}" for k in f.keys)
        lines.append(f"- {f.reason}: {keys}. {f.description}")
    if credit_keys:
        lines.insert(
            0,
            f"- crediting: {'; '.join(credit_keys)}. {text}, so they miss "
            f"{', '.join(sorted(credit_ids))}.",
        )
    return lines


def _readme(ws, book: Book) -> None:
    lines = [f"{book.title}: the comp team's commission workbook", ""]
    for name, note in SHEET_NOTES:
        if name != "PaidQ1" or not book.q1:
            lines.append(f"{name:9}{note}")
    lines += ["", *FORMULA_NOTES]
    if book.notes:
        lines += [
            "",
            "Planted faults: the answer key of the xlspm reconciliation demo",
            "(xlspm/datasets/legacy_workbooks.py, PLANTED_FAULTS);",
            "not the analyst's notes.",
            *_fault_lines(book.notes),
        ]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 120


def write_workbook(wb, book: Book, data, fv) -> None:
    """Fill an empty openpyxl workbook with the legacy sheets of ``book``."""
    refs = _Refs()
    ws = wb.active
    ws.title = "README"
    _readme(ws, book)
    _write_deals(wb.create_sheet("Deals"), book, data, refs)
    _write_roster(wb.create_sheet("Roster"), book, data, fv, refs)
    _write_quotas(wb.create_sheet("Quotas"), book, data, fv, refs)
    _write_rates(wb.create_sheet("Rates"), book, data, fv, refs)
    _write_periods(wb.create_sheet("Periods"), book)
    if not book.q1:
        _write_paid(wb.create_sheet("PaidQ1"), data, refs)
    _write_payouts(wb.create_sheet("Payouts", 1), book, data, fv, refs)


def _deals(refs: _Refs, col: str) -> str:
    return f"Deals!${col}$2:${col}${refs.deals_end}"


def _credited(refs: _Refs, r: int, kind: str, only, k_first: int, k_last: int) -> str:
    """SUMIFS of the Deals credits of row ``r``'s payee over Periods rows."""
    crit = [] if kind == "top" else [f"{_deals(refs, kind)},$A{r}"]
    crit += [
        f'{_deals(refs, "B")},">="&Periods!$B${k_first + 2}',
        f'{_deals(refs, "B")},"<="&Periods!$C${k_last + 2}',
    ]
    if only:
        crit.append(f'{_deals(refs, "D")},"{only}"')
    return f"SUMIFS({_deals(refs, 'H')},{','.join(crit)})"


def _quota(refs: _Refs, r: int, period: str) -> str:
    key = f'$A{r}&"|"&$C{r}&"|"&{period}'
    return f"VLOOKUP({key},Quotas!$A$2:$E${refs.quotas_end},5,FALSE)"


def _fraction(refs: _Refs, r: int, k: int) -> str:
    table = f"Roster!$A$2:${refs.roster_last_col}${refs.roster_end}"
    return f"VLOOKUP($A{r},{table},{6 + k},FALSE)"


def _payout(comp, refs: _Refs, r: int, credited_x: str, quota_x: str) -> str:
    """Return the payout of row ``r`` before rounding: mode, gate, then cap."""
    a, b = refs.tables[comp.rate_table]
    g, fl, lo, hi, rt = (f"G{r}", *(f"Rates!${c}${a}:${c}${b}" for c in "BBCD"))
    param = refs.params.get
    if comp.mode == "retroactive":
        pay = f"{credited_x}*H{r}"
    elif comp.mode == "marginal":
        bands = f"(({g}>{lo})*({g}-{lo})-({g}>{hi})*({g}-{hi}))*{rt}"
        pay = f"({quota_x})*SUMPRODUCT({bands})"
    elif comp.mode == "linear":
        m = f"MATCH({g},{fl},1)"
        step = (
            f"(INDEX({rt},{m}+1)-INDEX({rt},{m}))/(INDEX({fl},{m}+1)-INDEX({fl},{m}))"
        )
        curve = f"INDEX({rt},{m})+({g}-INDEX({fl},{m}))*{step}"
        target = param(f"{comp.component} target")
        pay = f"IF({g}>=Rates!$B${b},Rates!$D${b},{curve})*{target}"
    else:  # flat: the table holds amounts
        pay = f"H{r}*{param(comp.component + ' target')}"
    if param(f"{comp.component} gate"):
        pay = f"IF({g}<{param(comp.component + ' gate')},0,{pay})"
    if param(f"{comp.component} cap"):
        pay = f"MIN({pay},{param(comp.component + ' cap')})"
    return pay


def _rate(book: Book, refs: _Refs, r: int, comp, fv) -> str:
    a, b = refs.tables[comp.rate_table]
    x = f"G{r}"
    if book.round_lookup and comp.component == fv["round_lookup"]:
        x = f"ROUND(G{r},2)"  # the attainment as the plan document prints it
    rate = f"VLOOKUP({x},Rates!$B${a}:$D${b},3,TRUE)"
    if refs.first_floor[comp.rate_table] > 0:  # below the table: #N/A
        rate = f"IFERROR({rate},0)"
    return rate


def _formulas(book: Book, refs: _Refs, r: int, key: tuple, comp, kind: str, fv):
    """Credited, Quota, Attainment, Rate and Payout formulas of Payouts row r."""
    k = len(book.periods) - 1
    ytd = bool(comp.cumulative) and k > 0
    only = comp.filter_values if pd.notna(comp.filter_values) else None
    credited_x = _credited(refs, r, kind, only, 0, k) if ytd else f"E{r}"
    earlier = [
        f"{_quota(refs, r, f'{chr(34)}{p}{chr(34)}')}*{_fraction(refs, r, j)}"
        for j, p in enumerate(list(book.periods)[:k] if ytd else [])
    ]
    quota_x = "+".join([*earlier, f"F{r}*{_fraction(refs, r, k)}"])
    rnd = "ROUNDDOWN" if book.faults and key == fv["half_cent"] else "ROUND"
    pay = f"{rnd}({_payout(comp, refs, r, credited_x, quota_x)},{comp.round_to})"
    if ytd:
        paid = f"VLOOKUP($A{r},PaidQ1!$A$2:$C${refs.paid_end},3,FALSE)"
        pay = f"ROUND({pay}-{paid},{comp.round_to})"
    return [
        "=" + _credited(refs, r, kind, only, k, k),
        "=" + _quota(refs, r, f"$D{r}"),
        f"={credited_x}/({quota_x})",
        "=" + _rate(book, refs, r, comp, fv),
        "=" + pay,
    ]


def _payout_rows(book: Book, data, fv) -> list:
    """(payee, name, component row, credit column) per Payouts row, in order."""
    period = list(book.periods)[-1]
    last_day = book.periods[period][1]
    plans = data.plans.assign(round_to=2)
    rows = []
    for payee, name, plan, manager, start in _roster_rows(book, data, fv):
        if start > last_day:
            continue
        for comp in plans[plans["plan_id"] == plan].itertuples():
            kind = "E"  # the rep column of Deals
            if comp.credit_types == "rollup":
                kind = "top" if pd.isna(manager) else "F"  # everyone / manager column
            copies = (
                2
                if book.faults and (payee, comp.component, period) == fv["duplicate"]
                else 1
            )
            rows += [(payee, name, comp, kind)] * copies
    return rows


def _write_payouts(ws, book: Book, data, fv, refs: _Refs) -> None:
    period = list(book.periods)[-1]
    ws["A1"] = book.title
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(HEADERS)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for r, (payee, name, comp, kind) in enumerate(_payout_rows(book, data, fv), 4):
        key = (payee, comp.component, period)
        values = _formulas(book, refs, r, key, comp, kind, fv)
        if book.faults and key == fv["override"][:3]:
            values[-1] = fv["override"][3]  # typed over the formula
        ws.append([payee, name, comp.component, period, *values])
        big = refs.max_rate[comp.rate_table] > 1  # a step table of amounts
        formats = [MONEY, MONEY, "0.00%", MONEY if big else "0.00%", MONEY]
        for c, fmt in enumerate(formats, start=5):
            ws.cell(r, c).number_format = fmt
    for col, width in zip("ABCDEFGHI", [8, 16, 11, 9, 15, 14, 11, 9, 13], strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
