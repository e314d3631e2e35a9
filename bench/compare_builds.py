"""Time two builds of fastpil against each other: did a change cost speed?

    python bench/compare_builds.py BASE [HEAD] [--rounds N]

Builds each git revision (HEAD: the working tree when omitted) into
build/compare/, then times the same conversions in fresh interpreters that
import one build or the other, alternating A, B, A, B... so that both meet
the same state of a noisy machine, and reports each case's median, the
min-max of the rounds' medians, and B / A with its own min-max (from the
ratios of adjacent rounds). A ratio whose range holds 1 is no difference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "compare"

# name -> Python statements: `im`/`a` made untimed, `call()` timed.
CASES = {
    "to_numpy RGB 1x1": "im = Image.new('RGB', (1, 1)); call = lambda: fastpil.to_numpy(im)",
    "to_numpy RGB 16": "im = Image.new('RGB', (16, 16)); call = lambda: fastpil.to_numpy(im)",
    "to_numpy RGB 256": "im = noise(256); call = lambda: fastpil.to_numpy(im)",
    "to_numpy RGB 1024": "im = noise(1024); call = lambda: fastpil.to_numpy(im)",
    "to_numpy RGB 4096": "im = noise(4096); call = lambda: fastpil.to_numpy(im)",
    "float CHW 224": "im = noise(224); call = lambda: fastpil.to_numpy(im, **FLOAT)",
    "float CHW 1024": "im = noise(1024); call = lambda: fastpil.to_numpy(im, **FLOAT)",
    "batch 64 x 224": "ims = [noise(224)] * 64; call = lambda: fastpil.to_numpy_batch(ims)",
    "to_image RGB 1024": "a = numpy.array(noise(1024)); call = lambda: fastpil.to_image(a)",
}

CHILD = """
import sys, time, json
sys.path.insert(0, {path!r})
import numpy, fastpil
from PIL import Image
assert fastpil.__file__.startswith({path!r}), fastpil.__file__
FLOAT = dict(layout="CHW", dtype=numpy.float32, scale=True, mean=(0.5, 0.4, 0.3), std=0.25)
def noise(side):
    return Image.effect_noise((side, side), 40).convert("RGB")
{setup}
call()
start = time.perf_counter(); n = 0
while time.perf_counter() - start < 0.05:
    call(); n += 1
times = []
for _ in range(25):
    t = time.perf_counter()
    for _ in range(n):
        call()
    times.append((time.perf_counter() - t) / n)
print(json.dumps(sorted(times)[len(times) // 2]))
"""


def build(revision: str | None) -> Path:
    """Install ``revision`` (None: the working tree) into its own directory."""
    name = "worktree" if revision is None else revision
    target = WORK / name
    if revision is None:
        source = ROOT
    else:
        source = WORK / f"src-{name}"
        if not source.exists():
            source.mkdir(parents=True)
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--disable-pip-version-check",
            "install",
            "--quiet",
            "--no-build-isolation",
            "--no-deps",
            "--upgrade",
            "--target",
            str(target),
            f"-Cbuild-dir={WORK / ('build-' + name)}",
            str(source),
        ],
        check=True,
    )
    return target


def time_once(path: Path, setup: str) -> float:
    code = CHILD.format(path=str(path), setup=setup)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=WORK
    )
    return float(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="git revision A")
    parser.add_argument("head", nargs="?", help="git revision B (default: the working tree)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    a, b = build(args.base), build(args.head)
    print(f"A = {args.base}, B = {args.head or 'the working tree'}; {args.rounds} rounds")
    print("\n| case | A ms | B ms | B / A |\n|---|---|---|---|")
    started = time.monotonic()
    for name in args.cases:
        setup = CASES[name]
        rounds = [(time_once(a, setup), time_once(b, setup)) for _ in range(args.rounds)]
        ta = numpy.array([r[0] for r in rounds]) * 1e3
        tb = numpy.array([r[1] for r in rounds]) * 1e3
        ratios = tb / ta
        print(
            f"| {name} | {numpy.median(ta):.4g} ({ta.min():.4g}-{ta.max():.4g}) | "
            f"{numpy.median(tb):.4g} ({tb.min():.4g}-{tb.max():.4g}) | "
            f"{numpy.median(ratios):.3f} ({ratios.min():.3f}-{ratios.max():.3f}) |",
            flush=True,
        )
    print(f"\ntook {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
