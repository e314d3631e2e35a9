"""Test fastpil with the oldest and the newest versions it claims to support.

    python .ci/test_matrix.py [--row NAME ...] [--interpreter VERSION=PATH ...]

Each row names a CPython version and exact versions, from PyPI, of NumPy,
Pillow, the build backend and the test tools. The sdist of HEAD is built once;
then every row, in a fresh venv: installs its pins, builds a wheel from the
sdist with its pinned backend (no build isolation, so the pins are what
builds it), installs the wheel, runs `pip check`, and runs the test suite
copied out of the sdist, from a directory where the source tree cannot be
imported.

The oldest row holds the lower bounds in pyproject.toml, so raising or
lowering one means changing both. The newest rows are the newest releases
when they were last bumped (docs/release.md).

CPython versions are found as pythonX.Y on PATH, else in pyenv's versions;
--interpreter names one explicitly. A row whose interpreter is missing fails
the run: nothing is skipped.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import (
    ROOT,
    CheckFailed,
    check_import_location,
    create_venv,
    output,
    report_failure,
    run,
    tests_env,
    unpack_sdist,
)

OLDEST = [
    "numpy==1.23.5",
    "pillow==9.5.0",
    "meson-python==0.17.1",
    "meson==1.2.0",
    "cython==3.1.0",
    "pytest==7.0.0",
    "hypothesis==6.80.0",
]
NEWEST = [
    "numpy==2.4.6",
    "pillow==13.0.0",
    "meson-python==0.22.1",
    "meson==1.12.1",
    "cython==3.3.1",
    "pytest==9.2.0",
    "hypothesis==6.170.17",
]


@dataclass(frozen=True)
class Row:
    python: str
    pins: list[str]


ROWS = {
    "oldest-py3.10": Row("3.10", OLDEST),
    "newest-py3.11": Row("3.11", NEWEST),
    "newest-py3.12": Row("3.12", NEWEST),
    "newest-py3.13": Row("3.13", NEWEST),
}


def runs(interpreter: str, version: str) -> bool:
    try:
        found = subprocess.run(
            [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return False
    return found.returncode == 0 and found.stdout.strip() == version


def find_interpreter(version: str, explicit: dict[str, str]) -> str:
    if version in explicit:
        if not runs(explicit[version], version):
            msg = f"--interpreter {version}={explicit[version]} is not Python {version}"
            raise CheckFailed(msg)
        return explicit[version]
    candidates = [f"python{version}"]
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    pattern = os.path.join(pyenv_root, "versions", f"{version}.*", "bin", f"python{version}")
    candidates += sorted(glob.glob(pattern), reverse=True)
    for candidate in candidates:
        if runs(candidate, version):
            return candidate
    raise CheckFailed(
        f"no Python {version} found (tried {', '.join(candidates)}); install it, "
        f"or pass --interpreter {version}=PATH"
    )


def test_row(name: str, row: Row, interpreter: str, sdist: Path, work: Path) -> str:
    venv = work / name
    bindir = create_venv(interpreter, venv)
    python = str(bindir / "python")
    pip = [python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run([*pip, "install", *row.pins, "ninja"])
    wheels = work / f"{name}-wheel"
    run([*pip, "wheel", "--no-build-isolation", "--no-deps", "-w", str(wheels), str(sdist)])
    [wheel] = wheels.glob("*.whl")
    run([*pip, "install", "--no-deps", str(wheel)])
    run([*pip, "check"])

    unpacked = unpack_sdist(sdist, work / f"{name}-tests")
    # The tests, their settings and the examples the docs include (which
    # tests/test_examples.py runs); no source tree to import by mistake.
    for path in unpacked.iterdir():
        if path.name not in ("tests", "pyproject.toml", "docs"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for path in (unpacked / "docs").iterdir():
        if path.name != "examples":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    env = tests_env()
    located = check_import_location(
        python, cwd=unpacked, env=env, venv=venv, venv_name=f"the venv of row {name}"
    )
    versions = output(
        [
            python,
            "-c",
            "import platform, numpy, PIL; "
            "print(f'Python {platform.python_version()}, NumPy {numpy.__version__}, "
            "Pillow {PIL.__version__}')",
        ],
        cwd=unpacked,
        env=env,
    ).strip()
    print(f"{versions}; fastpil from {located}", flush=True)
    run([str(bindir / "pytest"), "-p", "no:cacheprovider", "-q"], cwd=unpacked, env=env)
    return f"{versions} ({wheel.name})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--row", action="append", choices=ROWS, help="only these rows")
    parser.add_argument("--interpreter", action="append", default=[], metavar="VERSION=PATH")
    args = parser.parse_args()
    explicit = dict(item.split("=", 1) for item in args.interpreter)
    names = args.row or list(ROWS)

    results: list[str] = []
    try:
        interpreters = {n: find_interpreter(ROWS[n].python, explicit) for n in names}
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            run([sys.executable, "-m", "build", "--sdist", "--outdir", str(work), str(ROOT)])
            [sdist] = work.glob("*.tar.gz")
            for name in names:
                started = time.monotonic()
                print(f"== {name}: {' '.join(ROWS[name].pins)}", flush=True)
                summary = test_row(name, ROWS[name], interpreters[name], sdist, work)
                results.append(f"{name}: passed in {time.monotonic() - started:.0f} s: {summary}")
    except (CheckFailed, subprocess.CalledProcessError) as error:
        return report_failure("test-matrix", error)
    print("\n".join(["test-matrix:", *results]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
