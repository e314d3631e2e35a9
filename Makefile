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
	@echo "make bench   build fastpil into $(VENV) and run the benchmark (a few minutes;"
	@echo "             BENCH_ARGS=--quick for a smoke run, --full for everything)"
	@echo "make bench-patch  numpy.array with and without fastpil.patch(), then imageio"
	@echo "make clean   remove the build directory and $(VENV)"

# Requirements are read from pyproject.toml, so each list lives in one place:
# $(call requirements,EXTRA...) prints the build and run requirements plus those extras.
requirements = $$($(PY) -c 'import sys, tomllib; \
	t = tomllib.load(open("pyproject.toml", "rb")); \
	print(*t["build-system"]["requires"], *t["project"]["dependencies"], \
		*(r for x in sys.argv[1:] for r in t["project"]["optional-dependencies"][x]))' $(1))

$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install $(call requirements,test)
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(PIP) install $(call requirements,bench)
	touch $@

install: $(VENV)/.installed-test
	$(INSTALL_PACKAGE)

# pytest (not python -m pytest) keeps the source tree off sys.path, so the
# tests import the installed package.
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# Tables on stdout; every sample and a plot in build/bench/.
bench: install $(VENV)/.installed-bench
	cd bench && ../$(PY) bench.py --output ../build/bench $(BENCH_ARGS)

bench-patch: install $(VENV)/.installed-bench
	cd bench && ../$(PY) bench_patch.py $(BENCH_ARGS)
	cd bench && ../$(PY) e2e_patch.py $(BENCH_ARGS)

clean:
	rm -rf build $(VENV)
