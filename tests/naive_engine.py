"""The plan engine as plain loops over dicts: obviously right, slow.

It follows the documented rules one transaction and one payee at a time, with
exact Decimal sums, so the fast engine must agree with it exactly.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd
from naive import naive_excel_round, naive_payout, naive_tier

OPEN = (-(2**62), 2**62)
PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
RESERVED = {"rule_id", "payee_id", "split_pct", "valid_from", "valid_to", "credit_type"}


def key(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def day(v, default=None):
    if v is None or (not isinstance(v, str) and pd.isna(v)) or key(v) == "":
        return default
    return int(pd.Timestamp(v).to_datetime64().astype("datetime64[D]").astype(np.int64))


def period_of(d: int, kind: str) -> int:
    ts = pd.Timestamp(np.datetime64(d, "D"))
    months = ts.year * 12 + ts.month - 1
    return months // (12 // PER_YEAR[kind])


def bounds(pid: int, kind: str) -> tuple[int, int]:
    n = 12 // PER_YEAR[kind]
    first = np.datetime64(f"{pid * n // 12:04d}-{pid * n % 12 + 1:02d}-01", "D")
    last = (np.datetime64(first, "M") + n).astype("datetime64[D]") - 1
    return int(first.astype(np.int64)), int(last.astype(np.int64))


def nano(x: float) -> int:
    return int((Decimal(x) * 10**9).to_integral_value(ROUND_HALF_EVEN))


def _payees(frame):
    out = {}
    for r in frame.to_dict("records"):
        out[key(r["payee_id"])] = {
            "manager": key(r.get("manager_id")),
            "plan": key(r["plan_id"]),
            "start": day(r.get("start_date"), OPEN[0]),
            "end": day(r.get("end_date"), OPEN[1]),
        }
    return out


def naive_credits(inp) -> list[tuple]:
    """Return credits as (txn_id, payee, type, rule_id, level, nano) tuples."""
    payees = _payees(inp["payees"])
    plans = inp["plans"]
    depth = defaultdict(int)
    for r in plans.to_dict("records"):
        d = r.get("rollup_depth")
        depth[key(r["plan_id"])] = max(
            depth[key(r["plan_id"])], int(d or 0) if not pd.isna(d) else 0
        )
    rules = []
    for i, r in enumerate(inp["assignments"].to_dict("records")):
        match = {c: key(v) for c, v in r.items() if c not in RESERVED and key(v) != ""}
        rules.append(
            {
                "id": key(r.get("rule_id")) or f"R{inp['assignments'].index[i]}",
                "match": match,
                "payee": key(r["payee_id"]),
                "split": float(r["split_pct"]) / 100.0,
                "from": day(r.get("valid_from"), OPEN[0]),
                "to": day(r.get("valid_to"), OPEN[1]),
                "type": key(r.get("credit_type")) or "direct",
            }
        )
    credits = []
    for t in inp["transactions"].to_dict("records"):
        d, amount = day(t["date"]), float(t["amount"])
        hits = [
            r
            for r in rules
            if r["from"] <= d <= r["to"]
            and all(key(t.get(c)) == v for c, v in r["match"].items())
        ]
        base = [(r["payee"], r["type"], r["id"], amount * r["split"]) for r in hits]
        if not any(r["type"] == "direct" for r in hits):
            seller = key(t.get("seller"))
            if seller not in payees:
                continue
            base.append((seller, "direct", "default (seller)", amount))
        for payee, kind, rule, value in base:
            credits.append((t["txn_id"], payee, kind, rule, 0, nano(value)))
        roll: dict[str, list] = {}
        for payee, _, _, value in base:
            cur, level = payee, 1
            while level <= max(depth.values(), default=0):
                m = payees[cur]["manager"]
                if not m:
                    break
                pm = payees[m]
                if level <= depth[pm["plan"]] and pm["start"] <= d <= pm["end"]:
                    entry = roll.setdefault(m, [0.0, level])
                    entry[0] += value
                    entry[1] = min(entry[1], level)
                cur, level = m, level + 1
        for m, (value, level) in roll.items():
            if abs(value) > abs(amount) and (value > 0) == (amount > 0):
                value = amount
            credits.append((t["txn_id"], m, "rollup", "rollup", level, nano(value)))
    return credits


def _comps(inp):
    comps = []
    for r in inp["plans"].to_dict("records"):

        def opt(name, default=None, r=r):
            v = r.get(name)
            return (
                default
                if v is None or (isinstance(v, float) and np.isnan(v)) or v == ""
                else v
            )

        comps.append(
            {
                "plan": key(r["plan_id"]),
                "name": key(r["component"]),
                "period": key(opt("period", "quarter")).lower(),
                "cumulative": key(opt("cumulative", "")).lower()
                in ("true", "1", "yes", "y", "x"),
                "types": [
                    x.strip() for x in key(opt("credit_types", "direct")).split(",")
                ],
                "fcol": key(opt("filter_column", "")).lower(),
                "fvals": [
                    x.strip()
                    for x in key(opt("filter_values", "")).split(",")
                    if x.strip()
                ],
                "table": key(r["rate_table"]),
                "mode": key(opt("mode", "retroactive")),
                "basis": key(opt("basis", "attainment")),
                "target": float(opt("target", 1.0)),
                "gate": opt("gate"),
                "cap": opt("cap"),
                "ktable": key(opt("kicker_table", "")),
                "kcomp": key(opt("kicker_component", "")),
                "round": int(opt("round_to", 2)),
            }
        )
    return comps


def _label(pid, kind):
    if kind == "month":
        return f"{pid // 12:04d}-{pid % 12 + 1:02d}"
    if kind == "quarter":
        return f"{pid // 4:04d}-Q{pid % 4 + 1}"
    return f"{pid:04d}"


def _parse(label, kind):
    for pid in range(2000 * PER_YEAR[kind], 2100 * PER_YEAR[kind]):
        if _label(pid, kind) == label:
            return pid
    return None


def naive_results(inp, precision="excel") -> dict:
    """Map (payee, component, period) to credited_ytd, quota_ytd, x, earned, due."""
    from naive import naive_ieee_round

    rnd = naive_excel_round if precision == "excel" else naive_ieee_round
    credits = naive_credits(inp)
    txns = {t["txn_id"]: t for t in inp["transactions"].to_dict("records")}
    payees = _payees(inp["payees"])
    comps = _comps(inp)
    tables = defaultdict(lambda: ([], []))
    for r in inp["rate_tables"].to_dict("records"):
        tables[key(r["table"])][0].append(float(r["floor"]))
        tables[key(r["table"])][1].append(float(r["rate"]))
    quotas = {}
    kinds = {(c["plan"], c["name"]): c["period"] for c in comps}
    for r in inp["quotas"].to_dict("records"):
        p, c = key(r["payee_id"]), key(r["component"])
        kind = kinds[(payees[p]["plan"], c)]
        quotas[(p, c, _parse(key(r["period"]), kind))] = float(r["quota"])
    days = [day(t["date"]) for t in txns.values()]
    out, xs = {}, {}
    order = sorted(range(len(comps)), key=lambda k: bool(comps[k]["kcomp"]))
    for k in order:
        c = comps[k]
        lo, hi = period_of(min(days), c["period"]), period_of(max(days), c["period"])
        for p, info in payees.items():
            if info["plan"] != c["plan"]:
                continue
            qx, paid_before, year = 0.0, 0.0, None
            for pid in range(lo, hi + 1):
                b0, b1 = bounds(pid, c["period"])
                if year != pid // PER_YEAR[c["period"]]:
                    year, qx, paid_before = pid // PER_YEAR[c["period"]], 0.0, 0.0
                s, e = max(info["start"], b0), min(info["end"], b1)
                active = s <= e
                quota = quotas.get((p, c["name"], pid), float("nan"))
                if active:
                    prorated = quota * ((e - s + 1) / (b1 - b0 + 1))
                    qx = qx + prorated if c["cumulative"] else prorated
                start = (
                    bounds(year * PER_YEAR[c["period"]], c["period"])[0]
                    if c["cumulative"]
                    else b0
                )
                total = 0
                for txn_id, payee, kind, _, _, value in credits:
                    t = txns[txn_id]
                    if payee != p or kind not in c["types"]:
                        continue
                    if c["fcol"] and key(t.get(c["fcol"])) not in c["fvals"]:
                        continue
                    if start <= day(t["date"]) <= b1:
                        total += value
                credited = total / 10**9
                x = credited
                if c["basis"] == "attainment":
                    x = credited / qx if active and qx > 0 else 0.0
                xs[(c["plan"], c["name"], p, pid)] = x if active else 0.0
                if not active:
                    continue
                floors, rates = tables[c["table"]]
                kwargs = {"mode": c["mode"], "precision": precision}
                if c["mode"] == "retroactive":
                    kwargs["base"] = [credited]
                elif c["mode"] == "marginal":
                    kwargs["scale"] = [qx if c["basis"] == "attainment" else 1.0]
                else:
                    kwargs["scale"] = [c["target"]]
                if c["gate"] is not None:
                    kwargs["gate"] = [float(c["gate"])]
                pay = naive_payout([x], floors, rates, **kwargs)[0]
                if c["ktable"]:
                    kx = xs[(c["plan"], c["kcomp"], p, pid)]
                    kf, kr = tables[c["ktable"]]
                    t_ = naive_tier(kx, kf, precision)
                    pay = pay * (kr[t_] if t_ >= 0 else 0.0)
                if c["cap"] is not None:
                    pay = min(pay, float(c["cap"]))
                earned = rnd(pay, c["round"])
                before = paid_before if c["cumulative"] else 0.0
                due = rnd(earned - before, c["round"])
                paid_before = earned
                out[(p, c["name"], _label(pid, c["period"]))] = {
                    "credited_ytd": credited,
                    "quota_ytd": qx,
                    "x": x,
                    "earned": earned,
                    "payout_due": due,
                }
    return out
