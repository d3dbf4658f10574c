# Two entry points: `make demo` runs the main job, `make test` runs the whole suite (the
# benchmarks included, each run once without timing). Both create the virtual environment they
# need in .venv. `make bench` times the benchmarks against torch and writes benchmarks/report/.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	# torch==2.13.0 is the CPU build; a bare `torch` would pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $@

venv: $(BIN)/.installed

demo: venv
	$(BIN)/minitorch demo

test: venv
	$(BIN)/python -m pytest -n 2 tests benchmarks --benchmark-disable

bench: venv
	$(BIN)/minitorch bench

.PHONY: venv demo test bench
