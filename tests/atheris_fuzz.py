"""Coverage-guided fuzzing of fastpil with atheris (libFuzzer).

    python tests/atheris_fuzz.py CORPUS_DIR [libFuzzer options, e.g. -max_total_time=600]

An input is one byte choosing the way to convert (to_numpy with or without
out, CHW, the batch functions, patched numpy.asarray) followed by the bytes of
a file. The property is test_corrupt.like_pillow's: the array numpy.array(im)
gives, or the exception it raises, type and message. Pillow's Python
plugins are instrumented, so inputs that reach new parsing code are kept and
mutated further. An empty corpus directory is first filled with the seeds of
tests/corpus.py. A mismatch, or a crash, stops the run and libFuzzer writes
the input to crash-*.
"""

from __future__ import annotations

import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import atheris

with atheris.instrument_imports(include=["PIL", "fastpil"]):
    from PIL import Image

    import fastpil  # noqa: F401  (instrumented before test_corrupt imports it)

    Image.init()  # imports every format plugin, instrumented

from corpus import seed_files
from test_corrupt import CONVERTERS, like_pillow

NAMES = sorted(CONVERTERS)


def test_one_input(data: bytes) -> None:
    if data:
        like_pillow(CONVERTERS[NAMES[data[0] % len(NAMES)]], data[1:])


def fill_corpus(directory: str) -> None:
    if os.listdir(directory):
        return
    for index, (name, data) in enumerate(sorted(seed_files().items())):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(bytes([index % len(NAMES)]) + data)


def main() -> None:
    # As in the test suite: a warning is an error, and Pillow's own pixel
    # limit, lowered, stops headers that claim huge sizes.
    warnings.simplefilter("error")
    Image.MAX_IMAGE_PIXELS = 4_000_000
    corpus = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    for directory in corpus:
        os.makedirs(directory, exist_ok=True)
    if corpus:
        fill_corpus(corpus[0])
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
