from __future__ import annotations

import numpy
import pytest

from fastpil import _core


@pytest.fixture(params=_core.simd_paths())
def simd_path(request: pytest.FixtureRequest):
    """Run the test once with each kernel set this CPU supports."""
    before = _core.simd_path()
    _core.select_simd_path(request.param)
    yield request.param
    _core.select_simd_path(before)


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> numpy.random.Generator:
    """A generator seeded from the test's id, so failures reproduce."""
    return numpy.random.default_rng(list(request.node.nodeid.encode()))


@pytest.fixture
def small_chunks():
    """Chunks of 64 KiB, whatever this machine's default: for tests whose
    images must cross several chunks."""
    _core._set_chunk_target(64 * 1024)
    yield 64 * 1024
    _core._set_chunk_target(0)
