"""Time conversions in this new interpreter: python fresh_process.py MODE W H CONTENDER CALLS.

With CALLS = 1, times the very first call (the fresh process state). With more,
makes one untimed call first and then times CALLS calls, with nothing else
running in the process (the alone state). Prints {"seconds": [...], "faults":
[...]} as JSON. Run by harness.in_new_process.
"""

import json
import sys
from dataclasses import asdict

from contenders import CONTENDERS, bench_image
from harness import Samples, malloc_trim, time_call


def main() -> None:
    mode, width, height, name = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    calls = int(sys.argv[5])
    im = bench_image(mode, (width, height))
    convert = CONTENDERS[name].prepare(im)
    if isinstance(convert, str):
        sys.exit(convert)
    if calls > 1:
        convert(im)
    elif malloc_trim is not None:
        # Making the image frees temporaries as large as it, already faulted
        # in: without this, whichever contender allocates first in the timed
        # call is served those pages, and another's set-up takes them.
        malloc_trim()
    samples = Samples()
    for _ in range(calls):
        time_call(convert, im, samples)
    print(json.dumps(asdict(samples)))


if __name__ == "__main__":
    main()
