# Two entry points: `make run` (main job on embedded defaults) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench bench-nautilus-env bench-hftbacktest-env clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sapphire demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_bars.py
	$(BIN)/python benchmarks/bench_catalog.py --no-peer

# The NautilusTrader peer lives in its own environment, never in the project's.
NAUTILUS_ENV := benchmarks/.env-nautilus
bench-nautilus-env:
	$(PYTHON) -m venv $(NAUTILUS_ENV)
	$(NAUTILUS_ENV)/bin/python -m pip install --quiet "nautilus_trader==1.221.0" -e .
	$(NAUTILUS_ENV)/bin/python benchmarks/bench_catalog.py

# The hftbacktest peer too (numba and numpy of its own choosing).
HFTBACKTEST_ENV := benchmarks/.env-hftbacktest
bench-hftbacktest-env: $(STAMP)
	$(PYTHON) -m venv $(HFTBACKTEST_ENV)
	$(HFTBACKTEST_ENV)/bin/python -m pip install --quiet "hftbacktest==2.4.4" numpy numba
	$(BIN)/python benchmarks/bench_book_hftbacktest.py

clean:
	rm -rf $(VENV) .pytest_cache demo_catalog
