"""Other libraries' own test suites as oracles for fastpil.patch().

    python .ci/peers.py [--output DIR] [--peer NAME ...]
    python .ci/peers.py [--output DIR] --tree DIR --name NAME [-- PYTEST_ARGS ...]

``fastpil.patch()`` puts fastpil under every ``numpy.array(im)``,
``numpy.asarray(im)`` and ``Image.fromarray`` of a process, so the suites of
the libraries that call them are tests of fastpil too. Each suite runs twice in
this interpreter's environment, with the same arguments, environment and hash
seed: plainly, and with tests/peers/fastpil_patch_plugin.py, which patches
before anything is imported. The outcomes are compared test by test (from
tests/peers/outcome_log.py, which survives a crash): a test that passes
plainly and does not pass patched (fails, errors, is skipped, crashes the
process, or never runs because it crashed earlier) is a fastpil bug, and fails
this script. Tests that fail in both runs are listed but are not
fastpil's: with no network, for one, tests that download fail both times.

The first form runs the suites of PEERS, taken from the PyPI sdist of the
version installed here, so the tests match the code they test. The second runs
the tests of any source tree (a checkout of a project whose tests are not on
PyPI), with PYTEST_ARGS naming the tests and options, from DIR.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from common import ROOT, CheckFailed, report_failure, run, tests_env, unpack_sdist

PLUGIN_DIR = ROOT / "tests" / "peers"
PLUGIN = "fastpil_patch_plugin"
OUTCOME_PLUGIN = "outcome_log"
# pytest's exit codes for "all passed" and "some tests failed"; any other means
# the run itself broke (a crash, an internal or usage error) and proves nothing.
COMPLETED_RUN = (0, 1)


def imageio_test_images(tree: Path) -> None:
    """Stand-ins for the test images imageio's tests clone from GitHub.

    Its conftest uses a `.test_images` directory at the root of the tree when
    tests marked needs_internet are deselected. These files have the names,
    shapes, modes and formats the tests expect of the real ones, so that the
    tests of reading and writing through Pillow (every read is a numpy.asarray
    of an image) run instead of skipping. Tests that check the real pictures'
    content or metadata fail in both runs, and are listed as such.
    """
    import numpy
    from PIL import ExifTags, Image, PngImagePlugin

    images = tree / ".test_images"
    images.mkdir()
    rng = numpy.random.default_rng(0)

    def picture(height: int, width: int, channels: int) -> numpy.ndarray:
        # Smooth gradients plus noise: compressible, with a range of values.
        y, x = numpy.mgrid[0:height, 0:width]
        planes = [(x * (c + 1) + y * (3 - c)) % 256 for c in range(channels)]
        noise = rng.integers(0, 24, (height, width, channels))
        return ((numpy.stack(planes, axis=-1) + noise) % 256).astype(numpy.uint8)

    chelsea = picture(300, 451, 3)
    Image.fromarray(chelsea).save(images / "chelsea.png")
    numpy.save(images / "chelsea.npy", chelsea)
    numpy.save(images / "chelsea_jpg.npy", chelsea)
    # A gAMA chunk of 1 / 2.2, which the tests of gamma correction read.
    gamma = PngImagePlugin.PngInfo()
    gamma.add(b"gAMA", (45455).to_bytes(4, "big"))
    Image.fromarray(picture(512, 768, 3)).save(images / "kodim03.png", pnginfo=gamma)
    # Landscape pixels that EXIF turns to portrait, as in rommel.jpg.
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    Image.fromarray(picture(300, 400, 3)).save(images / "rommel.jpg", quality=90, exif=exif)
    Image.fromarray(picture(256, 256, 3)).save(images / "bricks.jpg")
    Image.fromarray(picture(172, 448, 1)[..., 0]).save(images / "text.png")

    # 36 palette frames of 200 x 150 with 102 colours, as in newtonscradle.gif.
    palette = rng.integers(0, 256, (102, 3), dtype=numpy.uint8)
    frames = []
    for index in range(36):
        frame = Image.fromarray(((picture(150, 200, 1)[..., 0] + index) % 102).astype(numpy.uint8))
        frame.putpalette(palette.tobytes())
        frames.append(frame)
    frames[0].save(
        images / "newtonscradle.gif", save_all=True, append_images=frames[1:], duration=40, loop=0
    )
    with Image.open(images / "newtonscradle.gif") as gif:
        rgb = []
        for index in range(gif.n_frames):
            gif.seek(index)
            rgb.append(numpy.asarray(gif.convert("RGB")))
    numpy.save(images / "newtonscradle_rgb.npy", numpy.stack(rgb))

    # 30 x 24 palette images with a transparent colour (imageio issues 245, 246).
    transparent = Image.fromarray(picture(24, 30, 1)[..., 0] % 16)
    transparent.putpalette(palette[:16].tobytes())
    transparent.save(images / "imageio_issue245.gif", transparency=0)
    transparent.save(images / "imageio_issue246.png", transparency=0)
    transparent.save(images / "scribble_P_RGB.bmp")
    pages = [Image.fromarray(picture(64, 48, 3)) for _ in range(3)]
    pages[0].save(images / "multipage_rgb.tif", save_all=True, append_images=pages[1:])
    numpy.savez(images / "stent.npz", rng.integers(0, 256, (256, 128, 128), dtype=numpy.uint8))


@dataclass(frozen=True)
class Peer:
    distribution: str  # its name on PyPI
    tests: tuple[str, ...]  # test files or directories, relative to the sdist's root
    options: tuple[str, ...] = ()  # further pytest arguments
    prepare: Callable[[Path], None] | None = None  # readies the unpacked sdist's tree


PEERS = {
    # Pillow's suite (4,600 tests, about a minute a run here): the patch replaces
    # attributes of Image.Image itself and Image.fromarray, which any test may
    # reach, not only the numpy ones (test_numpy.py, test_image_array.py).
    # Only Tests/oss-fuzz is left out: it decodes, rotates, filters and saves
    # every file of Tests/images, which no NumPy conversion is part of, and
    # took 43 s of each run.
    # Its tests import helpers from the sdist's Tests package: `python -m pytest`
    # from the sdist's root puts that root on sys.path (the installed PIL is
    # still the one imported, as the sdist keeps its own under src/).
    "pillow": Peer("pillow", ("Tests",), ("--ignore=Tests/oss-fuzz",)),
    # imageio's suite but for the plugins of other libraries (ffmpeg, pyav,
    # tifffile, opencv, ..., which are not installed here and would skip): the
    # Pillow plugin and the legacy one, and the core and v2/v3 APIs they go
    # through. Tests marked needs_internet are deselected; most others read
    # imageio's test images, for which stand-ins are made (imageio_test_images).
    "imageio": Peer(
        "imageio",
        (
            "tests/test_pillow.py",
            "tests/test_pillow_legacy.py",
            "tests/test_core.py",
            "tests/test_v2.py",
            "tests/test_format.py",
            "tests/test_config.py",
            "tests/test_meta.py",
        ),
        ("-m", "not needs_internet"),
        imageio_test_images,
    ),
}


@dataclass
class Run:
    label: str
    returncode: int
    seconds: float
    outcomes: dict[str, tuple[str, str]]  # test id -> (outcome, first line of its message)
    log: Path


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def fetch_sdist(distribution: str, version: str, into: Path) -> Path:
    """The sdist of ``distribution==version`` from the package index, kept in ``into``."""

    def kept() -> list[Path]:
        # "pillow-13.0.0.tar.gz"; older sdists spell their names as they like ("Pillow-9.5.0").
        names = (p.name.removesuffix(".tar.gz").rpartition("-") for p in into.glob("*.tar.gz"))
        return [
            into / f"{name}-{v}.tar.gz"
            for name, _, v in names
            if normalized(name) == normalized(distribution) and v == version
        ]

    into.mkdir(parents=True, exist_ok=True)
    if not kept():
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "--disable-pip-version-check",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                distribution,
                "--dest",
                str(into),
                f"{distribution}=={version}",
            ]
        )
    found = kept()
    if len(found) != 1:
        raise CheckFailed(f"no sdist of {distribution} {version} in {into}")
    return found[0]


def read_outcomes(path: Path) -> dict[str, tuple[str, str]]:
    """Each test's outcome and its message's first line, from tests/peers/outcome_log.py's lines.

    A test's outcome is its worst phase's: "error" in setup or teardown,
    "failed" in the call (or collection), "skipped", "xfailed", "xpassed",
    "passed"; "crashed" if it started and the run died before it ended.
    """
    rank = ["passed", "xpassed", "xfailed", "skipped", "failed", "error"]
    outcomes: dict[str, tuple[str, str]] = {}
    unfinished: set[str] = set()  # started, and not torn down
    lines = path.read_text().splitlines() if path.exists() else []
    for entry in map(json.loads, lines):
        test, when = entry["test"], entry["when"]
        if when == "start":
            unfinished.add(test)
            continue
        if when == "teardown":
            unfinished.discard(test)
        outcome = entry["outcome"]
        if outcome == "failed" and when in ("setup", "teardown"):
            outcome = "error"
        before = outcomes.get(test)
        if before is None or rank.index(outcome) > rank.index(before[0]):
            # The first line of a message, which may be a paragraph of a warning.
            outcomes[test] = (outcome, textwrap.shorten(entry["message"], 200))
    for test in unfinished:
        outcomes[test] = ("crashed", "the process died during this test")
    return outcomes


def run_suite(label: str, cwd: Path, pytest_args: list[str], work: Path, patched: bool) -> Run:
    """One run of pytest in ``cwd``; its files (log, outcomes, temporary files) in ``work``."""
    work.mkdir(parents=True)
    outcome_log = work / "outcomes.jsonl"
    log = work / "pytest.log"
    command = [
        sys.executable,
        "-m",
        "pytest",
        *pytest_args,
        "-p",
        "no:randomly",
        "--color=no",
        "-q",
        "-p",
        OUTCOME_PLUGIN,
        f"--outcome-log={outcome_log}",
        f"--basetemp={work / 'tmp'}",
        "-o",
        f"cache_dir={work / 'cache'}",
    ]
    if patched:
        command += ["-p", PLUGIN]
    # The plugins' directory is on the path in both runs, so that the runs
    # differ in nothing but `-p fastpil_patch_plugin`; it holds nothing else.
    env = {**tests_env(), "PYTHONPATH": str(PLUGIN_DIR), "PYTHONHASHSEED": "0"}
    print(f"+ (cd {shlex.quote(str(cwd))} && {shlex.join(command)}) > {log}", flush=True)
    started = time.monotonic()
    with log.open("w") as out:
        returncode = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        ).returncode
    seconds = time.monotonic() - started
    lines = log.read_text(errors="replace").strip().splitlines()
    print(
        f"  {label}: exit {returncode} in {seconds:.0f} s: {lines[-1] if lines else '(no output)'}"
    )
    return Run(label, returncode, seconds, read_outcomes(outcome_log), log)


def compare(name: str, plain: Run, patched: Run) -> list[str]:
    """Prints how the runs differ; returns the differences that are fastpil's fault."""
    problems = [
        f"{name}: the {one.label} run ended with exit status {one.returncode}, see {one.log}"
        for one in (plain, patched)
        if one.returncode not in COMPLETED_RUN
    ]
    failing = ("failed", "error")
    only_plain, both, only_patched = [], [], []
    for test_id, (before, _) in sorted(plain.outcomes.items()):
        after, message = patched.outcomes.get(test_id, ("not run", ""))
        if before == "passed" and after != "passed":
            only_plain.append(f"{test_id} passes plain, {after} patched: {message}")
        elif before in failing and after in failing:
            both.append(f"{test_id}: {message}")
        elif before in failing and after == "passed":
            only_patched.append(test_id)
    counts = Counter(outcome for outcome, _ in plain.outcomes.values())
    print(
        f"{name}: {len(plain.outcomes)} tests, plain {dict(sorted(counts.items()))}; "
        f"{len(only_plain)} pass only plain, {len(only_patched)} pass only patched, "
        f"{len(both)} fail in both"
    )
    for heading, tests in (
        ("failing in both runs (not fastpil's)", both),
        ("passing only patched", only_patched),
        ("passing only plain (fastpil's)", only_plain),
    ):
        if tests:
            print(f"  {heading}:", *tests, sep="\n    ")
    return problems + [f"{name}: {line}" for line in only_plain]


def compare_runs(
    name: str, cwd: Path, pytest_args: list[str], work: Path, concurrently: bool = False
) -> list[str]:
    if work.exists():
        shutil.rmtree(work)
    print(f"== {name}", flush=True)
    runs = [("plain", False), ("patched", True)]
    # Side by side on two cores halves a long suite's time, but a suite that
    # writes outside its temporary directory, or times itself, may not bear it.
    with ThreadPoolExecutor(max_workers=2 if concurrently else 1) as pool:
        plain, patched = pool.map(
            lambda each: run_suite(each[0], cwd, pytest_args, work / each[0], patched=each[1]),
            runs,
        )
    return compare(name, plain, patched)


def peer_suite(peer: Peer, output: Path, concurrently: bool) -> list[str]:
    version = importlib.metadata.version(peer.distribution)
    sdist = fetch_sdist(peer.distribution, version, output / "sdists")
    source = output / "src" / f"{peer.distribution}-{version}"
    if source.exists():
        shutil.rmtree(source)
    source.mkdir(parents=True)
    tree = unpack_sdist(sdist, source)
    missing = [t for t in peer.tests if not (tree / t).exists()]
    if missing:
        raise CheckFailed(f"the sdist {sdist.name} has no {', '.join(missing)}")
    if peer.prepare is not None:
        peer.prepare(tree)
    args = [*peer.tests, *peer.options]
    work = output / "runs" / peer.distribution
    return compare_runs(f"{peer.distribution} {version}", tree, args, work, concurrently)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "peers")
    parser.add_argument("--peer", action="append", choices=PEERS, help="only these peers")
    parser.add_argument("--tree", type=Path, help="run the tests of this source tree instead")
    parser.add_argument("--name", help="what to call the tree's suite (with --tree)")
    parser.add_argument(
        "--concurrently", action="store_true", help="run each suite's two runs side by side"
    )
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    output = args.output.resolve()
    started = time.monotonic()
    try:
        if args.tree is not None:
            pytest_args = args.pytest_args
            if pytest_args[:1] == ["--"]:
                pytest_args = pytest_args[1:]
            name = args.name or args.tree.name
            problems = compare_runs(
                name, args.tree.resolve(), pytest_args, output / "runs" / name, args.concurrently
            )
        else:
            if args.pytest_args:
                parser.error("pytest arguments go with --tree")
            problems = []
            for name in args.peer or list(PEERS):
                problems += peer_suite(PEERS[name], output, args.concurrently)
    except (CheckFailed, subprocess.CalledProcessError) as error:
        return report_failure("peers", error)
    elapsed = time.monotonic() - started
    if problems:
        print(
            f"\npeers: {len(problems)} problems under fastpil.patch() ({elapsed:.0f} s):",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"peers: every test that passes plain passes patched ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
