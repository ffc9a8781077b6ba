# The README's two commands: `make demo` and `make test`. Both create .venv and
# install xlspm (editable, with the dev tools) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format bench bench-quick clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/xlspm demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest -n auto

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench_tiers.py
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_read.py
	$(BIN)/python benchmarks/bench_udfs.py
	$(BIN)/python benchmarks/bench_reconcile.py

bench-quick: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench_tiers.py --quick --repeat 2
	$(BIN)/python benchmarks/bench_engine.py --quick
	$(BIN)/python benchmarks/bench_read.py --rows 100000
	$(BIN)/python benchmarks/bench_udfs.py --sizes 1000 100000
	$(BIN)/python benchmarks/bench_reconcile.py --rows 100000

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
