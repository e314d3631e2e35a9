# Developer and CI entry points. Each target sets up what it needs in $(VENV),
# so a fresh clone on a fresh machine only needs Python 3 with venv, a C++17
# compiler and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --disable-pip-version-check
# Warnings fail the build in CI only: a newer compiler must not break a user's build.
WERROR := $(if $(filter true 1,$(CI)),true,false)
INSTALL_PACKAGE := $(PIP) install --no-build-isolation --no-deps \
	-Cbuild-dir=build/venv -Csetup-args=-Dwerror=$(WERROR) .
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help test bench bench-patch install clean

help:
	@echo "make test    build fastpil into $(VENV) and run the test suite"
	@echo "make bench   build fastpil into $(VENV) and run the benchmark"
	@echo "make bench-patch  the same for fastpil.patch(), then imageio end to end"
	@echo "make clean   remove the build directory and $(VENV)"

# The build requirements are read from pyproject.toml, so the list lives in one place.
$(VENV)/.installed-deps: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install $$($(PY) -c 'import tomllib; \
		t = tomllib.load(open("pyproject.toml", "rb")); \
		print(*t["build-system"]["requires"], *t["project"]["dependencies"], \
			*t["project"]["optional-dependencies"]["test"])')
	touch $@

install: $(VENV)/.installed-deps
	$(INSTALL_PACKAGE)

# pytest (not python -m pytest) keeps the source tree off sys.path, so the
# tests import the installed package.
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	cd bench && ../$(PY) bench.py $(BENCH_ARGS)

$(VENV)/.installed-bench-deps: $(VENV)/.installed-deps
	$(PIP) install $$($(PY) -c 'import tomllib; \
		t = tomllib.load(open("pyproject.toml", "rb")); \
		print(*t["project"]["optional-dependencies"]["bench"])')
	touch $@

bench-patch: install $(VENV)/.installed-bench-deps
	cd bench && ../$(PY) bench_patch.py $(BENCH_ARGS)
	cd bench && ../$(PY) e2e_patch.py

clean:
	rm -rf build $(VENV)
