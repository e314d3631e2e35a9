"""Compare fastpil with every other way to turn Pillow images into arrays.

    python bench/bench.py                   # the default run, a few minutes
    python bench/bench.py --quick           # a smoke run
    python bench/bench.py --full            # every mode, size and memory state
    python bench/bench.py --modes RGB L --sizes 64 1024 2000x1333 --states steady
    python bench/bench.py --scenarios BGR CHW batch
    python bench/bench.py --scenarios latency   # other threads during a conversion
    python bench/bench.py --scenarios chunks    # each chunk size, both directions
    python bench/bench.py --scenarios views     # arrays and their views to images
    python bench/bench.py --replot docs/_static/bench/summary.json  # redraw its results.png

Scenarios (contenders.py): the plain conversion, and each of to_numpy's
options against the NumPy or OpenCV expression it replaces. Every contender is
checked against the scenario's NumPy result before it is timed. How the timing
works, and what the memory states mean, is explained in harness.py. Prints
Markdown tables; writes every sample to results.json and a plot of the plain
conversion to results.png in --output.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import chunks
import latency
import numpy
import views
from contenders import CONTENDERS, SCENARIOS, bench_image
from harness import (
    STATES,
    check,
    in_new_process,
    interleaved,
    ms_faults,
    print_environment,
    table,
)
from palette import style

ARTICLE_SIDES = [256, 512, 1024, 2048, 4096, 8192]
RGB_SIZES = ["16", "64", *map(str, ARTICLE_SIDES), "1001x777"]
OTHER_MODES = ["L", "RGBA", "I;16", "F", "1"]
OTHER_SIZES = ["16", "64", "1024", "4096"]
FRESH_PROCESS_SIZES = ["256", "1024", "4096"]


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height or width)


@dataclass(frozen=True)
class Case:
    scenario: str
    mode: str
    size: tuple[int, int]
    state: str


def plan(args: argparse.Namespace) -> list[Case]:
    """The (scenario, mode, size, state) cases to run, in order."""
    scenarios = [name for name in args.scenarios or list(SCENARIOS) if name in SCENARIOS]
    cases = []
    if "to_numpy" in scenarios:
        cases += plan_to_numpy(args)
    option_states = ["steady", "fresh pages"] if args.full else ["steady"]
    for name in scenarios:
        if name == "to_numpy":
            continue
        scenario = SCENARIOS[name]
        sizes = args.sizes or scenario.sizes[: 1 if args.quick else None]
        for state in args.states or option_states:
            if state in ("steady", "fresh pages"):
                cases += [
                    Case(name, m, parse_size(s), state) for m in scenario.modes for s in sizes
                ]
    return cases


def plan_to_numpy(args: argparse.Namespace) -> list[Case]:
    if args.modes or args.sizes or args.states:
        modes = args.modes or ["RGB"]
        sizes = args.sizes or (["64", "512"] if args.quick else RGB_SIZES)
        states = args.states or ["steady", "fresh pages"]
        return [
            Case("to_numpy", m, parse_size(s), st) for m in modes for st in states for s in sizes
        ]
    if args.quick:
        cases = [
            Case("to_numpy", mode, (side, side), state)
            for mode in ["RGB", "1"]
            for state in ["steady", "fresh pages"]
            for side in [64, 512]
        ]
        return [
            *cases,
            Case("to_numpy", "RGB", (512, 512), "alone"),
            Case("to_numpy", "RGB", (512, 512), "fresh process"),
        ]
    cases = []
    for mode in ["RGB", *OTHER_MODES]:
        headline = mode == "RGB" or args.full
        sizes = RGB_SIZES if headline else OTHER_SIZES
        states = ["steady", "alone", "fresh pages"] if headline else ["steady", "fresh pages"]
        cases += [Case("to_numpy", mode, parse_size(s), st) for st in states for s in sizes]
        fresh = RGB_SIZES if args.full else FRESH_PROCESS_SIZES if headline else []
        cases += [Case("to_numpy", mode, parse_size(s), "fresh process") for s in fresh]
    return cases


def repetitions(size: tuple[int, int], args: argparse.Namespace) -> tuple[int, int]:
    """(rounds, calls per block): enough calls for a stable median at every size."""
    if args.quick:
        return 2, 2
    pixels = size[0] * size[1]
    rounds, block = next(
        rb
        for limit, rb in [
            (64 * 64, (30, 40)),
            (512 * 512, (15, 10)),
            (2048 * 2048, (7, 5)),
            (4096 * 4096, (4, 3)),
            (sys.maxsize, (3, 2)),
        ]
        if pixels <= limit
    )
    return (rounds * 2, block) if args.full else (rounds, block)


class Progress:
    """One line on stderr, rewritten in place on a terminal."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.tty = sys.stderr.isatty()

    def step(self, what: str) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.start
        line = f"[{self.done}/{self.total} {elapsed:5.0f}s] {what}"
        if self.tty:
            sys.stderr.write(f"\r\x1b[K{line}")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\r\x1b[K")


def run_case(case: Case, names: list[str] | None, args: argparse.Namespace) -> dict:
    scenario = SCENARIOS[case.scenario]
    arg = scenario.make_input(case.mode, case.size)
    expected = scenario.reference(arg)
    what = f"{case.scenario}, {case.mode} {case.size[0]}x{case.size[1]}"
    converts, missing = {}, {}
    for name, contender in scenario.contenders.items():
        if names is not None and name not in names:
            continue
        prepared = contender.prepare(arg)
        if isinstance(prepared, str):
            missing[name] = prepared
            continue
        wanted = (
            numpy.array(arg)
            if contender.baseline
            else contender.expect(arg)
            if contender.expect is not None
            else expected
        )
        check(name, prepared(arg), wanted, what)
        converts[name] = prepared
    del expected
    if case.state == "fresh process":
        processes = 2 if args.quick else (5 if args.full else 3)
        samples = {
            name: in_new_process(case.mode, case.size, name, processes, 1) for name in converts
        }
    elif case.state == "alone":
        rounds, block = repetitions(case.size, args)
        samples = {
            name: in_new_process(case.mode, case.size, name, 1, rounds * block)
            for name in converts
        }
    else:
        rounds, block = repetitions(case.size, args)
        if case.scenario == "batch":
            block = max(1, block // 8)
        if case.scenario == "threads":
            rounds, block = (1, 1) if args.quick else (4, 2)
        samples = interleaved(arg, converts, rounds, block, case.state)
        for name, convert in converts.items():
            # A contender that converts a block of images per call (threads.py)
            # is reported per image.
            per_call = getattr(convert, "images", 1)
            samples[name].seconds = [s / per_call for s in samples[name].seconds]
            samples[name].faults = [f / per_call for f in samples[name].faults]
    return {
        "scenario": case.scenario,
        "mode": case.mode,
        "size": list(case.size),
        "state": case.state,
        "missing": missing,
        "samples": {n: {"seconds": s.seconds, "faults": s.faults} for n, s in samples.items()},
        "summary": {n: s.summary() for n, s in samples.items()},
    }


def markdown(results: list[dict]) -> str:
    """The article's table shape: a row per size, a column per contender, then ratios."""
    lines = []
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for result in results:
        key = (result["scenario"], result["mode"], result["state"])
        groups.setdefault(key, []).append(result)
    for (name, mode, state), rows in groups.items():
        scenario = SCENARIOS[name]
        names = [
            n
            for n in scenario.contenders
            if any(n in r["summary"] or n in r["missing"] for r in rows)
        ]
        ratios = [r for r in scenario.ratios if r[1] in names and r[2] in names]
        title = "plain conversion" if name == "to_numpy" else f"{name}: {scenario.description}"
        notes = {}
        cells = []
        for row in rows:
            summary = row["summary"]
            for n in names:
                if n not in summary:
                    notes[n] = row["missing"].get(n, "not run")
            cells.append(
                [
                    "x".join(map(str, row["size"])),
                    *(ms_faults(summary[n]) if n in summary else "—" for n in names),
                    *(
                        f"{summary[slow]['median_ms'] / summary[fast]['median_ms']:.2f}"
                        if slow in summary and fast in summary
                        else "—"
                        for _, slow, fast in ratios
                    ),
                ]
            )
        lines += [
            f"\n{title}; {mode}, {state}: median ms per call (minor page faults per call)\n",
            *table(["size", *names, *(r[0] for r in ratios)], cells),
            *(f"\n— {n}: {why}" for n, why in notes.items()),
        ]
    return "\n".join(lines)


def details(results: list[dict]) -> str:
    """Median, minimum, spread and faults of every contender in every case."""
    header = "scenario mode size state contender".split()
    header += ["median ms", "min ms", "IQR %", "faults", "calls"]
    rows = [
        [
            row["scenario"],
            row["mode"],
            "x".join(map(str, row["size"])),
            row["state"],
            name,
            f"{s['median_ms']:.4g}",
            f"{s['min_ms']:.4g}",
            f"{s['iqr_pct']:.0f}",
            f"{s['faults']:.0f}",
            str(s["calls"]),
        ]
        for row in results
        for name, s in row["summary"].items()
    ]
    return "\n" + "\n".join(table(header, rows))


def overhead(args: argparse.Namespace) -> dict[str, float]:
    """Per-call cost at 1x1 pixel, where nothing but the fixed overhead is left."""
    im = bench_image("RGB", (1, 1))
    names = ["numpy.asarray", "fastpil"]
    converts = {n: CONTENDERS[n].prepare(im) for n in names}
    # A call is a few microseconds, so 30 blocks took a few tens of ms, and one
    # burst of another process's work on this shared machine moved the median
    # by a third (1.94x against 2.63-2.68x in five runs): 150 blocks span it.
    rounds, block = (3, 100) if args.quick else (150, 200)
    samples = interleaved(im, converts, rounds, block, "steady")
    return {n: s.median() * 1e6 for n, s in samples.items()}


# Scenarios drawn in the plot besides the plain conversion, with the
# contenders they show.
PLOTTED_SCENARIOS = {"normalize": "RGB to normalised CHW float32"}


def plot(results: list[dict], names: list[str], path: Path) -> str:
    """Time per megapixel against size, log-log: a panel per (mode, state) of
    the plain conversion, then one per scenario of PLOTTED_SCENARIOS."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no plot: matplotlib is not installed"
    order = {state: i for i, state in enumerate(STATES)}
    panels = sorted(
        {
            ("to_numpy", r["mode"], r["state"])
            for r in results
            if r["scenario"] == "to_numpy" and r["state"] != "fresh process"
        },
        key=lambda p: (p[1] != "RGB", p[1], order[p[2]]),
    )
    panels += sorted(
        {
            (r["scenario"], r["mode"], r["state"])
            for r in results
            if r["scenario"] in PLOTTED_SCENARIOS and r["state"] != "fresh process"
        }
    )
    if not panels:
        return "no plot: only fresh process results"
    columns = min(2, len(panels))
    rows = (len(panels) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(6.4 * columns, 4.4 * rows), squeeze=False)
    for axis, (scenario, mode, state) in zip(axes.flat, panels, strict=False):
        chosen = sorted(
            (
                r
                for r in results
                if (r["scenario"], r["mode"], r["state"]) == (scenario, mode, state)
            ),
            key=lambda r: r["size"][0] * r["size"][1],
        )
        shown = names if scenario == "to_numpy" else list(chosen[0]["summary"])
        for name in shown:
            points = [
                (r["size"][0] * r["size"][1] / 1e6, r["summary"][name]["median_ms"])
                for r in chosen
                if name in r["summary"]
            ]
            if points:
                megapixels = [mp for mp, _ in points]
                per_megapixel = [ms / mp for mp, ms in points]
                axis.plot(megapixels, per_megapixel, label=name, **style(name))
        axis.set_xscale("log")
        axis.set_yscale("log")
        title = f"{mode}, {state}"
        if scenario != "to_numpy":
            title = f"{PLOTTED_SCENARIOS[scenario]}, {state}"
        axis.set_title(title)
        axis.set_xlabel("image size, megapixels")
        axis.set_ylabel("median ms per megapixel")
        axis.grid(True, which="both", alpha=0.3)
        if scenario != "to_numpy":
            # Its contenders are its own: a legend of its own, rather than
            # more entries in the one over the plain conversion's panels, in
            # headroom above the lines (a third of the log scale) so it
            # covers none of them.
            low, high = axis.get_ylim()
            axis.set_ylim(low, high * (high / low) ** 0.5)
            axis.legend(loc="upper center", ncol=2, fontsize="small")
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    handles, labels = [], []
    for axis, (scenario, _, _) in zip(axes.flat, panels, strict=False):
        if scenario != "to_numpy":
            continue
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.legend(handles, labels, loc="upper center", ncol=min(len(labels), 5))
    figure.tight_layout(rect=(0, 0, 1, 1 - 0.6 / figure.get_figheight()))
    figure.savefig(path, dpi=80, pil_kwargs={"optimize": True})
    plt.close(figure)
    return f"plot: {path}"


def _latency(quick: bool) -> tuple[list[dict[str, Any]], str]:
    side = 1024 if quick else latency.SIDE
    rows = latency.measure(rounds=2 if quick else 6, seconds=0.5, side=side)
    return rows, latency.markdown(rows, side)


def _chunks(quick: bool) -> tuple[list[dict[str, Any]], str]:
    rows = chunks.measure(sides=(256,) if quick else chunks.SIDES, rounds=1 if quick else 6)
    return rows, chunks.markdown(rows)


def _views(quick: bool) -> tuple[list[dict[str, Any]], str]:
    if quick:
        rows = views.measure(sides=(16, 64), rounds=1, block=3)
    else:
        rows = views.measure()
    return rows, views.markdown(rows)


# Scenarios that time in a harness of their own (each module says how).
OWN_HARNESS = {"latency": _latency, "chunks": _chunks, "views": _views}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: few cases, few calls")
    parser.add_argument("--full", action="store_true", help="every mode, size and state")
    parser.add_argument("--modes", nargs="+", help="modes to run (default: RGB, then others)")
    parser.add_argument("--sizes", nargs="+", help="sizes as N (square) or WxH")
    parser.add_argument("--states", nargs="+", choices=STATES, help="memory states to measure")
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=[*SCENARIOS, *OWN_HARNESS],
        help="default: all of them (latency, chunks and views: see their modules)",
    )
    every_name = list(dict.fromkeys(n for s in SCENARIOS.values() for n in s.contenders))
    parser.add_argument(
        "--contenders", nargs="+", choices=every_name, help="default: all of each scenario's"
    )
    parser.add_argument("--output", type=Path, default=Path("results"), help="where to write")
    parser.add_argument(
        "--replot",
        type=Path,
        metavar="SUMMARY",
        help="measure nothing: redraw results.png beside a summary.json (or results.json)",
    )
    args = parser.parse_args(argv)
    if args.replot:
        results = json.loads(args.replot.read_text())["results"]
        print(plot(results, list(CONTENDERS), args.replot.parent / "results.png"))
        return

    names = args.contenders
    env = print_environment()
    described = {
        name: {n: c.description for n, c in s.contenders.items() if names is None or n in names}
        for name, s in SCENARIOS.items()
    }
    for name, found in described.items():
        print(f"\n{name} ({SCENARIOS[name].description}):")
        print("\n".join(f"- {n}: {d}" for n, d in found.items()))
    cases = plan(args)
    progress = Progress(len(cases))
    results = []
    started = time.monotonic()
    for case in cases:
        progress.step(f"{case.scenario}: {case.mode} {case.size[0]}x{case.size[1]} {case.state}")
        results.append(run_case(case, names, args))
    costs = overhead(args)
    progress.close()
    own = {
        name: run(args.quick)
        for name, run in OWN_HARNESS.items()
        if args.scenarios is None or name in args.scenarios
    }

    print(markdown(results))
    for _, table in own.values():
        print(table)
    print("\nEvery contender:" + details(results))
    print(
        "\nFixed cost per call (RGB 1x1, steady): "
        + ", ".join(f"{n} {us:.2f} µs" for n, us in costs.items())
    )
    args.output.mkdir(parents=True, exist_ok=True)
    report = {
        "environment": env,
        "contenders": described,
        "overhead_us": costs,
        **{name: rows for name, (rows, _) in own.items()},
        "seconds": time.monotonic() - started,
        "results": results,
    }
    (args.output / "results.json").write_text(json.dumps(report))
    # The same without the samples: small enough to keep beside the docs.
    for result in report["results"]:
        del result["samples"]
    (args.output / "summary.json").write_text(json.dumps(report, indent=1))
    # The tables of the scenarios with harnesses of their own, as the docs
    # include them.
    for name, (_, table) in own.items():
        (args.output / f"{name}.md").write_text(table.lstrip() + "\n")
    print(f"\nevery sample: {args.output / 'results.json'}; summaries: summary.json")
    print(plot(results, list(CONTENDERS), args.output / "results.png"))
    print(f"took {report['seconds']:.0f} s")


if __name__ == "__main__":
    main()
