"""Aggregation kernel: credited measure per payee x component x period.

Credits arrive as int64 nano-dollars, so sums are exact: independent of the
order of the input rows, and equal on every backend. Threads own disjoint
payees (``payee % n_parts``), so no two threads add to the same bucket.
"""

from __future__ import annotations

from .jit import njit, prange


@njit(parallel=True)
def aggregate(
    c_txn,
    c_payee,
    c_nano,
    c_kind,
    plan_of,
    plan_ptr,
    plan_comps,
    comp_mask,
    comp_filter,
    filters,
    comp_kind,
    slots,
    comp_offset,
    comp_nslots,
    n_parts,
    sums,
    counts,
):
    """Add every credit to the buckets of the components that count it."""
    for part in prange(n_parts):
        for i in range(c_txn.size):
            p = c_payee[i]
            if p % n_parts != part:
                continue
            pl = plan_of[p]
            if pl < 0:
                continue
            t = c_txn[i]
            for j in range(plan_ptr[pl], plan_ptr[pl + 1]):
                k = plan_comps[j]
                if (comp_mask[k] >> c_kind[i]) & 1 == 0:
                    continue
                f = comp_filter[k]
                if f >= 0 and not filters[f, t]:
                    continue
                b = comp_offset[k] + p * comp_nslots[k] + slots[comp_kind[k], t]
                sums[b] += c_nano[i]
                counts[b] += 1
