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
	$(BIN)/pip install -q -e '.[test,distributed,notebooks]'
	touch $@

venv: $(BIN)/.installed

demo: venv
	$(BIN)/minitorch demo

# The second run repeats the parity, module and CUDA suites on the CUDA device: the emulated one
# here (MINITORCH_EMULATE_CUDA=1), or a real GPU with `make test-gpu`.
CUDA_SUITES := tests/test_parity.py tests/test_edge_cases.py tests/test_modules.py tests/test_cuda.py tests/test_cuda_graphs.py

test: venv
	$(BIN)/python -m pytest -n 2 tests benchmarks --benchmark-disable
	MINITORCH_EMULATE_CUDA=1 MINITORCH_HYPOTHESIS=$(or $(MINITORCH_HYPOTHESIS),ci-device) $(BIN)/python -m pytest -n 2 \
		--device cuda $(CUDA_SUITES) benchmarks/test_cuda_kernels.py benchmarks/test_graphed_steps.py --benchmark-disable

# On a machine with an NVIDIA GPU: install CuPy, run the same suites on the GPU, then time the
# benchmarks (CUDA columns included) into benchmarks/report/.
test-gpu: venv
	$(BIN)/pip install -q -e '.[cuda]'
	$(BIN)/python -m pytest -n 2 --device cuda $(CUDA_SUITES) tests/test_kernels.py
	$(BIN)/minitorch bench

bench: venv
	$(BIN)/minitorch bench

# Execute every notebook and keep the executed copies (outputs, pictures) in notebooks/executed/.
notebooks: venv
	$(BIN)/python notebooks/execute.py

# All-reduce bandwidth and a DDP TinyVGG step on 2 ranks against one process.
bench-distributed: venv
	$(BIN)/python benchmarks/distributed_bench.py

.PHONY: venv demo test test-gpu bench bench-distributed notebooks
