"""The runnable examples the docs include from docs/examples/ (the
DataLoader recipe is tested with torch, in test_torch.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 688 needs Python 3.12")
def test_the_buffer_exporter_prints_what_the_tutorial_says():
    run = subprocess.run(
        [sys.executable, str(EXAMPLES / "exporter.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.splitlines() == [
        "(2, 4, 3) (12, 3, 1) False",
        "b'\\xff\\x80\\x00'",
        "BufferError: 1 export(s) of this frame exist",
        "(8, 8, 3)",
    ]
