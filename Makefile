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

.PHONY: help test test-slow sanitize fuzz bench bench-patch install clean

help:
	@echo "make test    build fastpil into $(VENV) and run the test suite"
	@echo "make test-slow  the tests marked slow"
	@echo "make sanitize   build with AddressSanitizer and UBSan, run the suite under them"
	@echo "make fuzz    hypothesis with FUZZ_EXAMPLES examples a test, then atheris for"
	@echo "             FUZZ_SECONDS (defaults: 20000 and 600)"
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
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

test-slow: install
	$(BIN)/pytest -m slow $(PYTEST_ARGS)

$(VENV)/.installed-fuzz: pyproject.toml $(VENV)/.installed-test
	$(PIP) install $(call requirements,fuzz)
	touch $@

# Long fuzz runs; make test runs the hypothesis ones with a small budget.
# atheris keeps its corpus in build/fuzz/corpus between runs and writes an
# input that fails to build/fuzz/crash-*.
FUZZ_EXAMPLES ?= 20000
FUZZ_SECONDS ?= 600
fuzz: install $(VENV)/.installed-fuzz
	FASTPIL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/test_fuzz.py \
		-p no:cacheprovider --hypothesis-show-statistics $(PYTEST_ARGS)
	mkdir -p build/fuzz/corpus
	$(PY) tests/atheris_fuzz.py build/fuzz/corpus -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/ -rss_limit_mb=4096 -print_final_stats=1

# The extension built with AddressSanitizer and UndefinedBehaviorSanitizer
# (gcc's runtimes) in a venv of its own, and the whole suite run under them,
# slow tests included but for the 100,000-conversion leak test: ASan holds
# freed memory back (its quarantine), which that test's resident-memory check
# would take for a leak.
# - LD_PRELOAD: the ASan runtime must be loaded first, before the
#   interpreter's own libraries.
# - PYTHONMALLOC=malloc: every Python allocation, the encoder's chunks
#   included, goes through ASan's checked malloc.
# - detect_leaks=0: the interpreter keeps memory until exit by design;
#   tests/test_leaks.py measures fastpil's own.
# - allocator_may_return_null=1: an allocation too large for memory fails as
#   it does outside ASan (NULL, then MemoryError), as the tests of huge sizes
#   expect.
# - --capture=sys leaves file descriptor 2 alone, so that a report reaches the
#   terminal before the process dies.
SANITIZE_VENV ?= .venv-sanitize
SANITIZE_PY := $(SANITIZE_VENV)/bin/python
LIBASAN = $$($(CXX) -print-file-name=libasan.so)

$(SANITIZE_VENV)/.installed: pyproject.toml $(VENV)/.installed-test
	@test -e "$(LIBASAN)" -a "$(LIBASAN)" != libasan.so || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libasan8 libubsan1)
	$(PYTHON) -m venv $(SANITIZE_VENV)
	$(SANITIZE_PY) -m pip --disable-pip-version-check install --upgrade pip
	$(SANITIZE_PY) -m pip --disable-pip-version-check install $(call requirements,test)
	touch $@

sanitize: $(SANITIZE_VENV)/.installed
	$(SANITIZE_PY) -m pip --disable-pip-version-check install --no-build-isolation --no-deps \
		-Cbuild-dir=build/sanitize -Csetup-args=-Dbuildtype=debugoptimized \
		-Csetup-args=-Db_sanitize=address,undefined -Csetup-args=-Db_lundef=false \
		"-Csetup-args=-Dcpp_args=-fno-sanitize-recover=all -fno-omit-frame-pointer" \
		-Csetup-args=-Dwerror=$(WERROR) .
	@ldd build/sanitize/_core*.so | grep -q libasan || \
		(echo "build/sanitize: the extension is not linked with ASan" >&2; exit 1)
	LD_PRELOAD=$(LIBASAN) PYTHONMALLOC=malloc \
		ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(SANITIZE_VENV)/bin/pytest -p no:cacheprovider --capture=sys \
		--deselect tests/test_leaks.py::test_no_leak_over_100_000 $(PYTEST_ARGS)

# Tables on stdout; every sample and a plot in build/bench/.
bench: install $(VENV)/.installed-bench
	cd bench && ../$(PY) bench.py --output ../build/bench $(BENCH_ARGS)

bench-patch: install $(VENV)/.installed-bench
	cd bench && ../$(PY) bench_patch.py $(BENCH_ARGS)
	cd bench && ../$(PY) e2e_patch.py

clean:
	rm -rf build $(VENV)
