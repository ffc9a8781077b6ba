"""The Dask engine equals the single-machine engine to the cent.

Every test runs on a real ``distributed.LocalCluster`` (two worker processes
on loopback), reading real Parquet and CSV files.
"""

import itertools
import sys

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import xlspm
from xlspm.cli.main import main
from xlspm.datasets.synthetic import synthetic_company
from xlspm.distributed.engine import calculate_dask
from xlspm.distributed.partitions import PartOutput, PeriodBlock, merge_outputs
from xlspm.io.sources import open_transactions

SMALL = ("payees", "assignments", "plans", "rate_tables", "quotas")


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def company():
    inputs = synthetic_company(6_000, 120, seed=11)
    txns = inputs["transactions"]
    txns.loc[17, "date"] = pd.NaT  # rejected: missing date
    txns.loc[4_321, ["seller", "territory", "account"]] = [999, np.nan, -1]
    txns.loc[5_999, "amount"] = np.nan  # rejected: missing amount
    return inputs


def _write_parts(txns, folder, bounds):
    folder.mkdir()
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        txns.iloc[a:b].to_parquet(folder / f"part-{i:03d}.parquet", index=False)
    return folder


def _small(inputs):
    return {k: inputs[k] for k in SMALL}


@pytest.mark.parametrize(
    "bounds",
    [
        [0, 6_000],  # one partition
        [0, 2_000, 4_000, 6_000],  # even thirds
        [0, 1, 17, 18, 2_500, 2_500, 4_322, 6_000],  # uneven, an empty part
    ],
    ids=["1", "3", "7-uneven"],
)
def test_results_equal_single_machine_to_the_cent(client, company, tmp_path, bounds):
    ref = xlspm.calculate(**company)
    folder = _write_parts(company["transactions"], tmp_path / "txns", bounds)
    res = calculate_dask(folder, **_small(company), client=client)
    pd.testing.assert_frame_equal(res.results, ref.results)
    pd.testing.assert_frame_equal(res.rejected, ref.rejected)
    assert res.rejected["row"].tolist() == [17, 5_999, 4_321]
    assert res.credit_count == ref.credit_count > 6_000
    assert res.timings["partitions"] == len(bounds) - 1
    if len(bounds) == 2:
        assert res.warnings == ref.warnings
    else:  # one message per partition with bad rows, rows numbered globally
        assert any("rows 17" in w or "row 17" in w for w in map(str, res.warnings))
        assert any("4321" in w for w in map(str, res.warnings))


def test_payouts_in_cents_and_totals(client, company, tmp_path, capsys):
    ref = xlspm.calculate(**company).results
    folder = _write_parts(company["transactions"], tmp_path / "t", [0, 3_001, 6_000])
    glob = str(folder / "*.parquet")
    res = calculate_dask(glob, **_small(company), client=client, progress=True)
    err = capsys.readouterr().err
    assert "Crediting (partitions)" in err
    assert "2/2" in err
    cents = np.round(res.results["payout_due"].to_numpy() * 100)
    assert np.array_equal(cents, np.round(ref["payout_due"].to_numpy() * 100))
    assert res.results["credited"].sum() == ref["credited"].sum()


def test_csv_files_equal_parquet(client, company, tmp_path):
    txns = company["transactions"]
    folder = tmp_path / "csv"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(txns)), 4)):
        txns.iloc[part].to_csv(folder / f"deals-{i}.csv", index=False)
    ref = xlspm.calculate(**company)
    res = calculate_dask(folder / "deals-*.csv", **_small(company), client=client)
    pd.testing.assert_frame_equal(res.results, ref.results)
    assert res.rejected["row"].tolist() == [17, 5_999, 4_321]


def test_pandas_and_dask_frames_are_accepted(client, company):
    ref = xlspm.calculate(**company)
    ddf = open_transactions(company["transactions"], npartitions=5)
    assert ddf.npartitions == 5
    res = calculate_dask(ddf, **_small(company), client=client)
    pd.testing.assert_frame_equal(res.results, ref.results)


def test_explain_and_credits_of_gather_one_payee(client, company, tmp_path):
    ref = xlspm.calculate(**company)
    folder = _write_parts(company["transactions"], tmp_path / "t", [0, 1_000, 6_000])
    res = calculate_dask(folder, **_small(company), client=client)
    top = ref.results.iloc[0]  # the VP: roll-ups of every deal below
    reps = ref.results[ref.results["plan_id"] == "REP"]
    rep = reps.loc[reps["credited"].idxmax()]
    for row in (top, rep):
        args = (row["payee_id"], row["component"], row["period"])
        assert xlspm.explain(res, *args) == xlspm.explain(ref, *args)
        assert xlspm.explain(res, *args, max_credits=3) == xlspm.explain(
            ref, *args, max_credits=3
        )
        got = xlspm.engine.results.trace(res, *args, max_credits=5)
        want = xlspm.engine.results.trace(ref, *args)
        assert got["credit_count"] == len(want["credits"]) > 5
        assert len(got["credits"]) == 5
    credits = res.credits_of(rep["payee_id"])
    pd.testing.assert_frame_equal(
        credits, ref.credits_of(rep["payee_id"]).reset_index(drop=True)
    )
    with pytest.raises(xlspm.InputError, match="stay in the partitions"):
        _ = res.credits


def test_txn_id_repeated_across_partitions_is_an_error(client, company, tmp_path):
    txns = company["transactions"].copy()
    txns.loc[5_000, "txn_id"] = txns.loc[10, "txn_id"]
    folder = _write_parts(txns, tmp_path / "t", [0, 3_000, 6_000])
    with pytest.raises(
        xlspm.PlanInputError, match=r"rows 10, 5000 \(11, 11\) repeat an id"
    ):
        calculate_dask(folder, **_small(company), client=client)


def test_strict_stops_on_the_rejected_rows(client, company, tmp_path):
    folder = _write_parts(company["transactions"], tmp_path / "t", [0, 3_000, 6_000])
    with pytest.raises(xlspm.PlanInputError, match=r"transactions.date: row 17"):
        calculate_dask(folder, **_small(company), client=client, strict=True)


def test_rules_on_a_missing_column_fail_before_any_partition(client, company):
    rules = company["assignments"].assign(channel="web")
    small = {**_small(company), "assignments": rules}
    with pytest.raises(xlspm.PlanInputError, match=r"assignments\.channel: not a"):
        calculate_dask(company["transactions"], **small, client=client)


@pytest.mark.parametrize(
    ("source", "msg"),
    [
        ("nowhere/txns", "'nowhere/txns' not found"),
        ("empty-dir", "holds no .parquet or .csv files"),
        ("mixed", "mixes .parquet and .csv"),
        ("*.nothing", "no file matches"),
    ],
)
def test_bad_sources_are_named(client, company, tmp_path, monkeypatch, source, msg):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty-dir").mkdir()
    (tmp_path / "mixed").mkdir()
    company["transactions"].head(3).to_csv(tmp_path / "mixed" / "a.csv")
    company["transactions"].head(3).to_parquet(tmp_path / "mixed" / "b.parquet")
    with pytest.raises(xlspm.InputError, match=msg):
        calculate_dask(source, **_small(company), client=client)


def test_missing_dask_names_the_extra(monkeypatch, company):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(xlspm.BackendError, match=r'pip install "xlspm\[dask\]"'):
        calculate_dask(company["transactions"], **_small(company))


def test_connect_starts_a_limited_local_cluster(company):
    import os

    from xlspm.distributed.engine import connect

    client = connect(n_workers=1, memory_limit="700MB")
    try:
        info = client.scheduler_info()["workers"]
        assert [w["memory_limit"] for w in info.values()] == [700_000_000]
        env = client.run(lambda: os.environ.get("NUMBA_NUM_THREADS"))
        assert list(env.values()) == ["1"]
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        res = calculate_dask(company["transactions"], **_small(company), client=client)
        assert res.results.equals(xlspm.calculate(**company).results)
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()


def _die(frame):
    import os

    os._exit(1)  # a worker killed mid-task (as the nanny does past its memory)


def test_a_lost_worker_is_a_clear_error(company):
    import dask
    import dask.dataframe as dd

    txns = company["transactions"]
    ddf = dd.from_delayed([dask.delayed(_die)(txns)], meta=txns.iloc[:0])
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=1, processes=True, host="127.0.0.1", dashboard_address=":0"
        ) as cluster,
        Client(cluster) as one,
        pytest.raises(xlspm.BackendError, match=r"Dask lost a worker.*--memory-limit"),
    ):
        calculate_dask(ddf, **_small(company), client=one)


def test_merging_partitions_is_order_independent():
    rng = np.random.default_rng(5)
    outs = []
    for first in (3, 1, 2, 1):
        width = int(rng.integers(1, 4))
        sums = rng.integers(-(10**15), 10**15, (4, width))
        outs.append(PartOutput(buckets=[PeriodBlock(first, sums, np.ones_like(sums))]))
    forward, backward = None, None
    for out in outs:
        forward = merge_outputs(forward, out)
    for out in reversed(outs):
        backward = merge_outputs(backward, out)
    assert forward.buckets[0].first == backward.buckets[0].first == 1
    assert np.array_equal(forward.buckets[0].sums, backward.buckets[0].sums)
    total = sum(int(o.buckets[0].sums.sum()) for o in outs)
    assert int(forward.buckets[0].sums.sum()) == total


def _cli_book(tmp_path):
    from workbooks import write_workbook

    inputs = synthetic_company(3_000, 60, seed=2)
    txns = inputs.pop("transactions")
    folder = _write_parts(txns, tmp_path / "txns", [0, 1_000, 3_000])
    inputs["settings"] = pd.DataFrame(
        {"setting": ["transactions_file"], "value": ["txns"]}
    )

    def placeholder(wb):
        wb.create_sheet("Transactions").append(list(txns.columns))

    return write_workbook(tmp_path / "plan.xlsx", inputs, edit=placeholder), folder


def test_cli_on_an_existing_scheduler_equals_local(client, tmp_path, capsys):
    book, _ = _cli_book(tmp_path)
    address = client.scheduler.address
    local, dask = tmp_path / "local.xlsx", tmp_path / "dask.xlsx"
    assert main(["calc", str(book), "-o", str(local), "--quiet"]) == 0
    argv = ["calc", str(book), "-o", str(dask), "--engine", "dask"]
    assert main([*argv, "--scheduler", address, "--json"]) == 0
    a = pd.read_excel(local, sheet_name=None, engine="openpyxl")
    b = pd.read_excel(dask, sheet_name=None, engine="openpyxl")
    for sheet in ("Results", "Trace", "Issues", "Statements"):
        pd.testing.assert_frame_equal(a[sheet], b[sheet])
    assert b["Credits"].iloc[0, 0].startswith(f"{len(a['Credits']):,} credits")
    assert '"rejected": 0' in capsys.readouterr().out


def test_cli_dask_errors_exit_2(tmp_path, capsys):
    book, _ = _cli_book(tmp_path)
    out = str(tmp_path / "o.xlsx")
    assert main(["calc", str(book), "-o", out, "--scheduler", "tcp://x:1"]) == 2
    assert "--scheduler: needs --engine dask" in capsys.readouterr().err
    argv = ["calc", str(book), "-o", out, "--engine", "dask"]
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach a Dask scheduler at 'tcp://127.0.0.1:9'" in (
        capsys.readouterr().err
    )
    assert main([*argv, "--transactions", "absent/*.parquet"]) == 2
    assert "--transactions 'absent/*.parquet': no file matches" in (
        capsys.readouterr().err
    )
