"""Crediting and roll-up kernels (numba; plain Python loops without numba).

Transactions are processed in chunks (``prange`` over chunks) so that each
thread allocates its roll-up buffers once. Two passes: count, then fill at
prefix-sum offsets, so credits come out grouped by transaction in input
order, each transaction's credits in rule order (default credit last).
"""

from __future__ import annotations

import numpy as np

from .jit import njit, prange

DIRECT = 0
OVERLAY = 1
ROLLUP = 2
UNASSIGNED = 1  # status: no direct rule and no known seller
SPLIT_MISMATCH = 2  # status: direct splits do not sum to 100 %
CHUNK = 4096


@njit(inline=True)
def _active(r, day, r_from, r_to):
    return r_from[r] <= day and day <= r_to[r]


@njit(parallel=True)
def count_credits(
    groups,
    ptr,
    order,
    r_from,
    r_to,
    r_kind,
    r_split,
    day,
    seller,
    counts,
    split_sum,
    status,
):
    """Per transaction: number of base credits, direct split sum and status."""
    n_sig, n = groups.shape
    for t in prange(n):
        c = 0
        direct = 0.0
        n_direct = 0
        for s in range(n_sig):
            g = groups[s, t]
            if g < 0:
                continue
            for j in range(ptr[g], ptr[g + 1]):
                r = order[j]
                if _active(r, day[t], r_from, r_to):
                    c += 1
                    if r_kind[r] == DIRECT:
                        direct += r_split[r]
                        n_direct += 1
        st = 0
        if n_direct == 0:
            if seller[t] >= 0:
                c += 1
                direct = 1.0
            else:
                st = UNASSIGNED
                c = 0
        elif abs(direct - 1.0) > 1e-9:
            st = SPLIT_MISMATCH
        counts[t] = c
        split_sum[t] = direct
        status[t] = st


@njit(parallel=True)
def fill_credits(
    groups,
    ptr,
    order,
    r_from,
    r_to,
    r_kind,
    r_split,
    r_payee,
    day,
    amount,
    seller,
    offsets,
    status,
    c_txn,
    c_payee,
    c_amount,
    c_rule,
    c_kind,
):
    """Write the base credits of every transaction at its offset."""
    n_sig, n = groups.shape
    for t in prange(n):
        if status[t] == UNASSIGNED:
            continue
        k = offsets[t]
        n_direct = 0
        for s in range(n_sig):
            g = groups[s, t]
            if g < 0:
                continue
            for j in range(ptr[g], ptr[g + 1]):
                r = order[j]
                if _active(r, day[t], r_from, r_to):
                    c_txn[k] = t
                    c_payee[k] = r_payee[r]
                    c_amount[k] = amount[t] * r_split[r]
                    c_rule[k] = r
                    c_kind[k] = r_kind[r]
                    n_direct += r_kind[r] == DIRECT
                    k += 1
        if n_direct == 0:
            c_txn[k] = t
            c_payee[k] = seller[t]
            c_amount[k] = amount[t]
            c_rule[k] = -1
            c_kind[k] = DIRECT


@njit(inline=True)
def _manager(p, day, m_ptr, m_idx, m_from, m_to):
    for j in range(m_ptr[p], m_ptr[p + 1]):
        if m_from[j] <= day and day <= m_to[j]:
            return m_idx[j]
    return -1


@njit(inline=True)
def _add(m, value, level, k, buf_m, buf_sum, buf_lvl):
    """Add ``value`` to manager ``m`` in the per-transaction buffer; return size."""
    for q in range(k):
        if buf_m[q] == m:
            buf_sum[q] += value
            buf_lvl[q] = min(buf_lvl[q], level)
            return k
    buf_m[k] = m
    buf_sum[k] = value
    buf_lvl[k] = level
    return k + 1


@njit(inline=True)
def _walk(
    t, b_ptr, b_payee, b_amount, day, amount, m_ptr, m_idx, m_from, m_to, depth,
    p_start, p_end, max_depth, chain, buf_m, buf_sum, buf_lvl,
):  # fmt: skip
    """Roll transaction ``t``'s base credits up; dedupe per manager; cap.

    With a static hierarchy ``chain[p, L-1]`` is payee ``p``'s manager ``L``
    levels up when that manager takes roll-up credit from that far down (-1
    otherwise; -2 past the top): one cache line per payee instead of a walk.
    """
    k = 0
    d = day[t]
    static = chain.shape[0] > 0
    for b in range(b_ptr[t], b_ptr[t + 1]):
        cur = b_payee[b]
        for level in range(1, max_depth + 1):
            if static:
                m = chain[b_payee[b], level - 1]
                if m == -2:
                    break
                if m >= 0 and p_start[m] <= d and d <= p_end[m]:
                    k = _add(m, b_amount[b], level, k, buf_m, buf_sum, buf_lvl)
                continue
            m = _manager(cur, d, m_ptr, m_idx, m_from, m_to)
            if m < 0:
                break
            if level <= depth[m] and p_start[m] <= d and d <= p_end[m]:
                k = _add(m, b_amount[b], level, k, buf_m, buf_sum, buf_lvl)
            cur = m
    cap = abs(amount[t])
    for q in range(k):
        if abs(buf_sum[q]) > cap and (buf_sum[q] > 0) == (amount[t] > 0):
            buf_sum[q] = amount[t]
    return k


@njit(parallel=True)
def rollup(
    b_ptr,
    b_payee,
    b_amount,
    day,
    amount,
    m_ptr,
    m_idx,
    m_from,
    m_to,
    depth,
    p_start,
    p_end,
    max_depth,
    chain,
    max_base,
    offsets,
    counting,
    r_txn,
    r_payee,
    r_amount,
    r_rule,
    r_kind,
    r_level,
):
    """Count (``counting``) or write the roll-up credits of every transaction."""
    n = day.size
    n_chunks = (n + CHUNK - 1) // CHUNK
    size = max(max_base * max_depth, 1)
    for c in prange(n_chunks):
        buf_m = np.empty(size, dtype=np.int64)
        buf_sum = np.empty(size, dtype=np.float64)
        buf_lvl = np.empty(size, dtype=np.int64)
        for t in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            k = _walk(
                t,
                b_ptr,
                b_payee,
                b_amount,
                day,
                amount,
                m_ptr,
                m_idx,
                m_from,
                m_to,
                depth,
                p_start,
                p_end,
                max_depth,
                chain,
                buf_m,
                buf_sum,
                buf_lvl,
            )
            if counting:
                offsets[t] = k
                continue
            o = offsets[t]
            for q in range(k):
                r_txn[o + q] = t
                r_payee[o + q] = buf_m[q]
                r_amount[o + q] = buf_sum[q]
                r_rule[o + q] = -2
                r_kind[o + q] = ROLLUP
                r_level[o + q] = buf_lvl[q]
