"""Time conversions in this new interpreter: python fresh_process.py MODE W H CONTENDER CALLS.

With CALLS = 1, times the very first call (the fresh process state). With more,
makes one untimed call first and then times CALLS calls, with nothing else
running in the process (the alone state). Prints {"seconds": [...], "faults":
[...]} as JSON. Run by harness.in_new_process.
"""

import json
import sys
import time

from contenders import CONTENDERS, bench_image
from harness import malloc_trim, minor_faults


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
    seconds, faults = [], []
    for _ in range(calls):
        f0 = minor_faults()
        t0 = time.perf_counter()
        result = convert(im)
        t1 = time.perf_counter()
        f1 = minor_faults()
        del result
        seconds.append(t1 - t0)
        faults.append(f1 - f0)
    print(json.dumps({"seconds": seconds, "faults": faults}))


if __name__ == "__main__":
    main()
