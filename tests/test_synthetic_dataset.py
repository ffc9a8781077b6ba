"""synthetic_dataset: a synthetic company's transactions as Parquet parts."""

import numpy as np
import pandas as pd
import pytest

import xlspm
from xlspm.datasets.synthetic import synthetic_company, synthetic_dataset

pytest.importorskip("pyarrow")

SMALL = ("payees", "assignments", "plans", "rate_tables", "quotas")


def parts(path):
    return sorted(path.glob("part-*.parquet"))


def read_all(path) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(f) for f in parts(path)], ignore_index=True)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("dataset")
    small = synthetic_dataset(path, 25_000, 300, part_rows=10_000, seed=4)
    return path, small


def test_parts_and_row_counts(written):
    path, _ = written
    files = parts(path)
    assert [f.name for f in files] == [f"part-{k:05d}.parquet" for k in range(3)]
    assert [len(pd.read_parquet(f)) for f in files] == [10_000, 10_000, 5_000]


def test_ids_unique_and_increasing_across_parts(written):
    path, _ = written
    ids = read_all(path)["txn_id"]
    assert ids.dtype == np.int64
    assert ids.is_unique and ids.is_monotonic_increasing
    assert ids.iloc[0] == 1 and ids.iloc[-1] == 25_000
    for before, after in zip(parts(path), parts(path)[1:], strict=False):
        assert pd.read_parquet(before)["txn_id"].max() < (
            pd.read_parquet(after)["txn_id"].min()
        )


def test_same_columns_as_synthetic_company(written):
    path, _ = written
    ours = read_all(path)
    theirs = synthetic_company(100, 300, seed=4)["transactions"]
    assert list(ours.columns) == list(theirs.columns)
    for part in parts(path):
        assert list(pd.read_parquet(part).dtypes) == list(ours.dtypes)


def test_small_tables_only(written):
    _, small = written
    assert sorted(small) == sorted(SMALL)
    company = synthetic_company(1000, 300, seed=4)
    for name in ("payees", "assignments", "plans", "rate_tables"):
        pd.testing.assert_frame_equal(small[name], company[name])
    assert small["quotas"].shape == company["quotas"].shape


def test_deterministic_for_a_seed(written, tmp_path):
    path, small = written
    again = synthetic_dataset(tmp_path / "a", 25_000, 300, part_rows=10_000, seed=4)
    pd.testing.assert_frame_equal(read_all(tmp_path / "a"), read_all(path))
    for name in SMALL:
        pd.testing.assert_frame_equal(again[name], small[name])
    synthetic_dataset(tmp_path / "b", 25_000, 300, part_rows=10_000, seed=5)
    assert not read_all(tmp_path / "b")["amount"].equals(read_all(path)["amount"])


def test_calculate_on_the_parts(written, tmp_path):
    path, small = written
    res = xlspm.calculate(transactions=read_all(path), **small)
    assert res.rejected.empty
    rows = res.results
    assert set(rows["component"]) == set(small["plans"]["component"])
    # quotas sized from the expected total: attainments spread around 100 %
    revenue = rows.loc[rows["component"] == "Revenue", "attainment"]
    assert 0.8 < revenue.median() < 1.2
    synthetic_dataset(tmp_path / "a", 25_000, 300, part_rows=10_000, seed=4)
    again = xlspm.calculate(transactions=read_all(tmp_path / "a"), **small)
    pd.testing.assert_frame_equal(again.results, rows)


def test_refuses_a_directory_with_parts(written):
    path, _ = written
    with pytest.raises(FileExistsError, match=r"part-00000\.parquet"):
        synthetic_dataset(path, 100, 300)


def test_rejects_empty_sizes(tmp_path):
    with pytest.raises(ValueError, match="at least 1"):
        synthetic_dataset(tmp_path, 0, 300)
    with pytest.raises(ValueError, match="at least 1"):
        synthetic_dataset(tmp_path, 10, 300, part_rows=0)
