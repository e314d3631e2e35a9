"""Stand-ins for Pillow's raw encoder, and the way to make fastpil use them.

fastpil asks ``Image.core.raw_encoder`` for its encoder unless a Python
encoder is registered as "raw" in ``Image.ENCODERS``; then it goes through
``Image._getencoder``, as Pillow's own ``tobytes()`` does. Tests register
their wrappers there, which also exercises that route.
"""

from __future__ import annotations

from PIL import Image


def real_encoder(mode, rawmode):
    """Pillow's own raw encoder, as fastpil gets it when nothing is registered."""
    return Image.core.raw_encoder(mode, rawmode)


def use_encoders(monkeypatch, factory):
    """Make fastpil take its encoders from ``factory(mode, rawmode)``."""
    monkeypatch.setitem(Image.ENCODERS, "raw", factory)
