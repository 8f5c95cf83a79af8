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
	$(BIN)/nnforge train examples/digits_mlp.toml --out runs/digits_mlp --overwrite

# The suite runs twice: on the NumPy reference ops and on the numba kernels; both must pass.
test: $(VENV)/.test-installed
	@status=0; \
	NNFORGE_BACKEND=numpy $(BIN)/python -m pytest || status=1; \
	NNFORGE_BACKEND=numba $(BIN)/python -m pytest || status=1; \
	exit $$status

# The documentation site (mkdocs.yml): API reference, executed tutorials, into site/.
# --strict turns every warning (a broken link, a missing API object) into an error, and a
# tutorial cell that raises fails the build. One BLAS thread: the tutorials' matrices are
# small, and more threads only contend for the two cores.
.PHONY: docs
$(VENV)/.docs-installed: $(VENV)/.installed
	$(PIP) -e ".[docs]"
	touch $@

docs: $(VENV)/.docs-installed
	NO_MKDOCS_2_WARNING=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=$(CURDIR)/src \
		$(BIN)/python -m mkdocs build --strict

bench: $(VENV)/.test-installed
	$(BIN)/python bench/mlp.py
	$(BIN)/python bench/cnn.py

clean:
	rm -rf $(VENV) runs .pytest_cache
