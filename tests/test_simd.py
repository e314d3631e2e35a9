"""Choosing the SIMD path: FASTPIL_SIMD and the functions that report it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

import fastpil
from fastpil import _core


def run_python(code: str, simd: str | None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter, away from the source tree."""
    env = dict(os.environ)
    env.pop("FASTPIL_SIMD", None)
    if simd is not None:
        env["FASTPIL_SIMD"] = simd
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=False,
    )


def test_paths_end_with_scalar():
    paths = _core.simd_paths()
    assert paths[-1] == "scalar"
    assert len(set(paths)) == len(paths)


def test_default_is_the_best_path():
    result = run_python("import fastpil; print(fastpil.simd_path())", None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == _core.simd_paths()[0]


@pytest.mark.parametrize("path", _core.simd_paths())
def test_environment_forces_a_path(path):
    code = (
        "import fastpil, numpy; from PIL import Image\n"
        "im = Image.frombytes('RGB', (33, 3), bytes(range(99)) * 3)\n"
        "assert (fastpil.to_numpy(im) == numpy.array(im)).all()\n"
        "print(fastpil.simd_path())"
    )
    result = run_python(code, path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == path


@pytest.mark.parametrize("name", ["avx9000", "SCALAR", " scalar"])
def test_environment_rejects_unknown_paths(name):
    result = run_python("import fastpil", name)
    assert result.returncode != 0
    assert "FASTPIL_SIMD" in result.stderr
    assert "ImportError" in result.stderr


def test_select_rejects_unknown_path():
    before = fastpil.simd_path()
    with pytest.raises(ValueError, match="not available here; choose one of"):
        _core.select_simd_path("avx9000")
    assert fastpil.simd_path() == before
