"""pytest plugin: run another library's test suite with ``fastpil.patch()`` in effect.

    python -m pytest -p fastpil_patch_plugin ...   (with this directory on PYTHONPATH)

The patch is applied before any conftest or test module is imported, so code
that binds ``Image.fromarray`` at import time binds the patched one, as it
would in an application that patches first. A suite that unpatches, or
restores Pillow's attributes behind the patch's back, would go on testing
Pillow instead of fastpil: the session then ends with an internal error
rather than passing. .ci/peers.py runs each suite with and without this
plugin and compares the outcomes.
"""

from __future__ import annotations

import pytest
from PIL import Image

import fastpil

_pillow_fromarray = Image.fromarray


def _patch_in_effect() -> bool:
    # Through what a user sees, not fastpil's private state: while patched,
    # images hide __array_interface__ and Image.fromarray is fastpil's.
    hidden = not hasattr(Image.new("L", (1, 1)), "__array_interface__")
    return hidden and Image.fromarray is not _pillow_fromarray


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests() -> None:
    fastpil.patch()


def pytest_report_header() -> str:
    return f"fastpil {fastpil.__version__} patched: {_patch_in_effect()}"


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _patch_in_effect():
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
        print(
            "\nfastpil_patch_plugin: the patch was no longer in effect at the end of the session"
        )
