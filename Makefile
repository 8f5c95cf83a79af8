# Two entry points: `make run` trains the default example, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# PyTorch (test-only) comes from the local wheel folder when the machine has one.
FIND_LINKS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check $(FIND_LINKS)

.PHONY: run test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e ".[all]"
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(PIP) -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/nnforge train examples/digits_mlp.toml --out runs/digits_mlp

# The suite runs twice: on the NumPy reference ops and on the numba kernels; both must pass.
test: $(VENV)/.test-installed
	@status=0; \
	NNFORGE_BACKEND=numpy $(BIN)/python -m pytest || status=1; \
	NNFORGE_BACKEND=numba $(BIN)/python -m pytest || status=1; \
	exit $$status

bench: $(VENV)/.test-installed
	$(BIN)/python bench/mlp.py
	$(BIN)/python bench/cnn.py

clean:
	rm -rf $(VENV) runs .pytest_cache
