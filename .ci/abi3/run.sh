#!/usr/bin/env bash
# The evidence behind docs/release.md's choice of one wheel per CPython
# version over a stable-ABI (abi3) wheel. Not part of CI; run it again when
# Cython's limited-API mode or the encode loop changes.
#
# Builds three wheels from the committed HEAD: as released (per version); with
# the encode loop's limited-API-compatible C++ (limited-api-cpp.patch) but
# still per version; and for the stable ABI (both patches, meson-python's
# limited-api). Checks the abi3 wheel with abi3audit, runs the test suite
# against it, then times all three in one process with overhead.py.
#
#   .ci/abi3/run.sh [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"
rounds="${1:-300}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/venv"
pip="$work/venv/bin/python -m pip --disable-pip-version-check -q"
$pip install "meson-python>=0.17.1" "meson>=1.3" "cython>=3.1" ninja \
    numpy pillow pytest hypothesis abi3audit

build() {  # build NAME PATCH... : wheel of HEAD with the patches applied
    local name="$1"
    shift
    mkdir -p "$work/src-$name"
    git -C "$root" archive HEAD | tar -x -C "$work/src-$name"
    for patch in "$@"; do
        patch -s -p1 -d "$work/src-$name" < "$here/$patch"
    done
    if [ "$name" = abi3 ]; then
        printf '\n[tool.meson-python]\nlimited-api = true\n' >> "$work/src-$name/pyproject.toml"
    fi
    $pip wheel --no-build-isolation --no-deps -w "$work/wheels-$name" "$work/src-$name"
}
build per-version
build callobject limited-api-cpp.patch
build abi3 limited-api-cpp.patch limited-api-build.patch
ls "$work"/wheels-*/

"$work/venv/bin/abi3audit" --strict --report "$work"/wheels-abi3/*.whl

run_tests() {  # run_tests NAME : the suite against that wheel, away from the sources
    $pip install --force-reinstall --no-deps "$work"/wheels-"$1"/*.whl
    rm -rf "$work/tests"
    mkdir "$work/tests"
    cp -r "$root/tests" "$root/pyproject.toml" "$work/tests/"
    (cd "$work/tests" && "$work/venv/bin/pytest" -q -p no:cacheprovider)
}
run_tests abi3

# The other builds go in as renamed packages beside the installed one.
for name in abi3 callobject; do
    mkdir -p "$work/unpacked-$name" "$work/alt"
    (cd "$work/unpacked-$name" && "$work/venv/bin/python" -m zipfile -e "$work"/wheels-"$name"/*.whl .)
    mv "$work/unpacked-$name/fastpil" "$work/alt/fastpil_$name"
done
run_tests per-version
cd "$work" && "$work/venv/bin/python" "$here/overhead.py" "$work/alt" "$rounds"
