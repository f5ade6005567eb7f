# make demo   set up (first time) and run the demo; pictures land in results/
# make test   set up (first time) and run the test suite
# A virtual environment is created in .venv on first use; `make clean` removes it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean system-libs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

system-libs:
	@sh .ci/system-libs

demo: $(STAMP) system-libs
	$(BIN)/geomflow demo

test: $(STAMP) system-libs
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check geomflow tests experiments benchmarks meshes

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[benchmarks]"
	$(BIN)/python benchmarks/laplacian.py

clean:
	rm -rf $(VENV)
