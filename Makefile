# The README's two commands: `make demo` and `make test`. Both create .venv and
# install xlspm (editable, with the dev and docs tools) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint docs format bench bench-quick clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,docs]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/xlspm demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The documentation site in site/, warnings as errors, offline (no CDN). The
# benchmark page is rendered from docs/benchmarks/results.json first.
docs: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --report-only
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test: lint docs
	$(BIN)/python -m pytest -n auto

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# Every benchmarks/bench_*.py, then docs/benchmarks.md and its charts (15-30 min).
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run_all.py

# Small sizes (about two minutes); writes docs/benchmarks-quick.md (not committed).
bench-quick: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run_all.py --quick

clean:
	rm -rf $(VENV) build site *.egg-info .pytest_cache .ruff_cache
