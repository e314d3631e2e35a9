"""The helpers the CI scripts share, written here and nowhere else.

dist_check.py, test_matrix.py and conda-forge/check.py import this module as
``common``: they are run as scripts, not as a package.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class CheckFailed(Exception):
    pass


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    print(f"+ {' '.join(command)}", flush=True)
    subprocess.run(command, check=True, cwd=cwd, env=env)


def output(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """The standard output of a command that must succeed; unlike run(), not echoed."""
    return subprocess.run(
        command, check=True, cwd=cwd, env=env, capture_output=True, text=True
    ).stdout


def report_failure(script: str, error: CheckFailed | subprocess.CalledProcessError) -> int:
    """Say why ``script`` failed, on stderr; returns its exit status."""
    if isinstance(error, subprocess.CalledProcessError):
        # The command has already said what went wrong on its own output.
        print(f"{script}: {' '.join(map(str, error.cmd))} failed", file=sys.stderr)
    else:
        print(f"{script}: {error}", file=sys.stderr)
    return 1


def project_version() -> str:
    """The version in meson.build's project(), the one place it is written."""
    text = (ROOT / "meson.build").read_text()
    project = re.search(r"project\((.*?)\n\)", text, re.DOTALL)
    if project is None:
        raise CheckFailed("meson.build has no project()")
    # \b: project() also has meson_version:, the Meson it needs.
    version = re.search(r"\bversion:\s*'([^']+)'", project.group(1))
    if version is None:
        raise CheckFailed("meson.build's project() has no version")
    return version.group(1)


def create_venv(python: str, venv: Path) -> Path:
    """A fresh venv of ``python`` at ``venv``; returns the directory of its scripts."""
    run([python, "-m", "venv", str(venv)])
    return venv / ("Scripts" if os.name == "nt" else "bin")


def unpack_sdist(sdist: Path, into: Path) -> Path:
    """Unpacks ``sdist`` into ``into``; returns the directory it unpacked to."""
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    [unpacked] = into.iterdir()
    return unpacked


def tests_env() -> dict[str, str]:
    """This process's environment, for running the tests.

    Without PYTHONPATH, which could make a source tree importable, and without
    FASTPIL_SIMD, which would narrow the kernels the tests cover.
    """
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FASTPIL_SIMD")}


def check_import_location(
    python: str, *, cwd: Path, env: dict[str, str], venv: Path, venv_name: str
) -> str:
    """Where ``python`` run in ``cwd`` imports fastpil from, which must be in ``venv``.

    Checked from where the tests run, so that they test the installed package
    and not a source tree that happens to be importable there.
    """
    probe = [python, "-c", "import fastpil; print(fastpil.__file__)"]
    located = output(probe, cwd=cwd, env=env).strip()
    if not Path(located).is_relative_to(venv):
        raise CheckFailed(f"fastpil imports from {located}, not from {venv_name}")
    return located
