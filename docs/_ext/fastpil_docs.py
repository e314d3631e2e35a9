"""fastpil's own Sphinx extension: every number and table the docs show comes
from the code or from a committed measurement, at build time.

Directives and roles:

``bench-environment``, ``bench-table``, ``bench-contenders``, ``{bench}``,
``{bench-ratio}``, ``{bench-faults}``, ``{bench-overhead}``
    Read ``_static/bench/summary.json``, written by ``bench/bench.py``
    (``make bench-docs`` reruns it). A refreshed summary changes every table
    and every number in the prose that comes from it; nothing is copied by
    hand.
``torch-table``
    Reads ``_static/bench/torch.json``, written by ``bench/bench_torch.py``
    (also rerun by ``make bench-docs``).
``profile-environment``, ``profile-steps``, ``profile-routes``, ``profile-perf``, ``{profile}``
    Read ``_static/profile/profile.json``, written by
    ``figures/profile_conversion.py`` (``make profile-docs``).
``mode-table``, ``option-table``
    Ask ``fastpil._modes.plan`` about every mode of the installed Pillow.
``versions-table``
    Read the supported versions from ``pyproject.toml`` and the versions CI
    tests from ``.ci/test_matrix.py``.

Figures: before reading the pages, each ``figures/*.py`` script's
``render(out_dir, docs)`` draws its figures into ``_generated/`` (ignored by
git); a script reruns only when it or the data it reads changed.

Checks that fail the build (``-W``): a Python code block that is not a doctest
(every example must run), a benchmark or profile value that the data does not
hold, and a mode the installed Pillow has that fastpil cannot plan.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import tomllib
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

logger = logging.getLogger(__name__)

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
BENCH_SUMMARY = DOCS / "_static" / "bench" / "summary.json"
PROFILE = DOCS / "_static" / "profile" / "profile.json"
TORCH_RESULTS = DOCS / "_static" / "bench" / "torch.json"
# How the benchmark figures draw each contender, shared with bench/bench.py.
BENCH_PALETTE = ROOT / "bench" / "palette.py"
FIGURES = DOCS / "figures"
GENERATED = DOCS / "_generated"


TIMES = "\N{MULTIPLICATION SIGN}"


class DataError(Exception):
    """A value the docs ask for is not in the data."""


# ---------------------------------------------------------------------------
# Formatting


def format_ms(ms: float) -> str:
    """A duration with 3 significant digits, in the unit that reads best."""
    if ms < 1:
        return f"{ms * 1e3:.3g} µs"
    if ms < 1000:
        return f"{ms:.3g} ms"
    return f"{ms / 1e3:.3g} s"


def ms_faults(entry: dict[str, float]) -> str:
    """A measurement: its median, its interquartile range as a share of the
    median, and its minor page faults in brackets."""
    return f"{format_ms(entry['median_ms'])} ±{entry['iqr_pct']:.0f}% ({entry['faults']:.0f})"


def format_size(size: list[int]) -> str:
    width, height = size
    return f"{width}²" if width == height else f"{width}x{height}"


def table(
    header: list[str],
    rows: list[list[str | nodes.Node]],
    widths: list[int] | None = None,
    bench: bool = False,
) -> nodes.table:
    """A docutils table of text cells (or nodes), header row first; ``bench``
    for a table of measurements (styled as such)."""
    columns = len(header)
    tgroup = nodes.tgroup(cols=columns)
    for width in widths or [1] * columns:
        tgroup += nodes.colspec(colwidth=width)

    def row(cells: list[str | nodes.Node]) -> nodes.row:
        line = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            if isinstance(cell, nodes.Node):
                entry += cell
            else:
                entry += nodes.paragraph(text=cell)
            line += entry
        return line

    thead = nodes.thead()
    thead += row(list(header))
    tbody = nodes.tbody()
    for cells in rows:
        tbody += row(cells)
    tgroup += thead
    tgroup += tbody
    result = nodes.table(classes=["fastpil-data", "fastpil-bench"] if bench else ["fastpil-data"])
    result += tgroup
    return result


def literal(text: str) -> nodes.literal:
    return nodes.literal(text=text)


# ---------------------------------------------------------------------------
# Benchmark summary


@cache
def bench_summary() -> dict[str, Any]:
    return json.loads(BENCH_SUMMARY.read_text())


def bench_case(scenario: str, mode: str, size: str, state: str) -> dict[str, Any]:
    width, _, height = size.partition("x")
    wanted = [int(width), int(height or width)]
    for result in bench_summary()["results"]:
        if (result["scenario"], result["mode"], result["size"], result["state"]) == (
            scenario,
            mode,
            wanted,
            state,
        ):
            return result
    raise DataError(f"summary.json has no case {scenario!r}, {mode}, {size}, {state!r}")


def bench_value(scenario: str, mode: str, size: str, state: str, contender: str) -> dict:
    case = bench_case(scenario, mode, size, state)
    try:
        return case["summary"][contender]
    except KeyError:
        why = case["missing"].get(contender, "not in this case")
        raise DataError(f"{contender!r} in {scenario}, {mode}, {size}, {state}: {why}") from None


def environment_rows(env: dict[str, str]) -> list[list[str]]:
    names = {
        "python": "Python",
        "numpy": "NumPy",
        "pillow": "Pillow",
        "fastpil": "fastpil",
        "simd_path": "fastpil.simd_path()",
        "cpu": "CPU",
        "cpus": "CPUs",
        "machine": "machine",
        "system": "system",
        "libc": "C library",
        "pyarrow": "pyarrow",
        "cv2": "OpenCV",
        "matplotlib": "matplotlib",
        "transparent_hugepage": "transparent huge pages",
    }
    return [[names.get(key, key), value] for key, value in env.items()]


def environment_table(
    data: dict[str, Any], last: list[str], column: str, caption: str
) -> nodes.Node:
    """A run's recorded environment, then ``last``, a row of its own."""
    rows = [*environment_rows(data["environment"]), last]
    return captioned(table(["", column], rows, [1, 3]), caption)


class BenchEnvironment(SphinxDirective):
    """The versions and machine of the committed benchmark run."""

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(BENCH_SUMMARY))
        summary = bench_summary()
        return [
            environment_table(
                summary,
                ["whole run", f"{summary['seconds']:.0f} s"],
                "benchmark run",
                "The run these tables show — versions, machine and CPU, "
                "as bench/bench.py recorded them",
            )
        ]


def captioned(result: nodes.table, caption: str) -> nodes.container:
    """``result`` under a label saying what it is. A paragraph, not the
    table's caption: a wide table scrolls within the text column, and its
    label must stay in view."""
    label, _, note = caption.partition(" — ")
    paragraph = nodes.paragraph(classes=["fastpil-caption"])
    paragraph += nodes.strong(text=label)
    if note:
        paragraph += nodes.Text(f" — {note}")
    box = nodes.container(classes=["fastpil-table"])
    box += paragraph
    box += result
    return box


def format_ratio(ratio: float) -> str:
    return f"{ratio:.2f}{TIMES}" if ratio >= 0.1 else f"{ratio:.3f}{TIMES}"


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two measurements' spreads overlap: each one's median plus or
    minus half its interquartile range, or its min to max."""
    if "iqr_pct" in a:
        half_a = a["median_ms"] * a["iqr_pct"] / 200
        half_b = b["median_ms"] * b["iqr_pct"] / 200
        return abs(a["median_ms"] - b["median_ms"]) <= half_a + half_b
    return a["min"] <= b["max"] and b["min"] <= a["max"]


def ratio_cell(slow: Any, fast: Any) -> nodes.Node:
    """The ratio of two medians: in bold where the two measurements' spreads
    (when known) are apart, marked ≈ where they overlap, which says neither
    is faster."""
    if isinstance(slow, dict):
        key = "median_ms" if "median_ms" in slow else "median"
        text = format_ratio(slow[key] / fast[key])
        if overlap(slow, fast):
            return nodes.Text(f"≈ {text}")
        return nodes.strong(text=text)
    return nodes.strong(text=format_ratio(slow / fast))


TIMES_NOTE = (
    "median time per call, ± its interquartile range as a share of it, minor page "
    f"faults per call in brackets; a / b{TIMES}: the time of a divided by the time of "
    "b, in bold where the two middle halves of the times are apart, marked ≈ where "
    "they overlap"
)


class BenchTable(SphinxDirective):
    """One table per (scenario, mode, state): a row per size (or per mode,
    with ``by: mode``), the ratios first, then a column per contender
    (median and minor page faults per call).

    Options: ``scenario``, ``state`` and ``caption`` (required); ``mode``
    (required unless ``by: mode``); ``contenders`` (default: all that ran);
    ``ratios``, items ``slower / faster``. Lists are separated by
    semicolons: contender names hold commas.
    """

    option_spec: ClassVar = {
        "scenario": directives.unchanged_required,
        "mode": directives.unchanged,
        "state": directives.unchanged_required,
        "caption": directives.unchanged_required,
        "by": lambda value: directives.choice(value, ("size", "mode")),
        "contenders": directives.unchanged,
        "ratios": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(BENCH_SUMMARY))
        scenario = self.options["scenario"]
        state = self.options["state"]
        by_mode = self.options.get("by", "size") == "mode"
        if "caption" not in self.options:
            raise self.error("every benchmark table needs a :caption:")
        if by_mode:
            mode = "every mode"
            cases = [
                r
                for r in bench_summary()["results"]
                if (r["scenario"], r["state"]) == (scenario, state)
            ]
            cases.sort(key=lambda r: r["mode"])
        else:
            if "mode" not in self.options:
                raise self.error(":mode: is required unless :by: mode")
            mode = self.options["mode"]
            cases = [
                r
                for r in bench_summary()["results"]
                if (r["scenario"], r["mode"], r["state"]) == (scenario, mode, state)
            ]
            cases.sort(key=lambda r: r["size"][0] * r["size"][1])
        if not cases:
            raise self.error(f"summary.json has no cases for {scenario}, {mode}, {state}")
        if "contenders" in self.options:
            names = [n.strip() for n in self.options["contenders"].split(";")]
        else:
            names = list(dict.fromkeys(n for r in cases for n in [*r["summary"], *r["missing"]]))
        ratios = []
        for item in self.options.get("ratios", "").split(";"):
            if item.strip():
                slow, _, fast = item.partition("/")
                ratios.append((slow.strip(), fast.strip()))
        for name in names + [n for pair in ratios for n in pair]:
            if not any(name in r["summary"] or name in r["missing"] for r in cases):
                raise self.error(f"no contender {name!r} in {scenario}, {mode}, {state}")
        first = "mode" if by_mode else "size"
        header = [first, *(f"{slow} / {fast}" for slow, fast in ratios), *names]
        rows = []
        notes: dict[str, str] = {}
        for case in cases:
            label = case["mode"] if by_mode else format_size(case["size"])
            cells: list[str | nodes.Node] = [label]
            for slow, fast in ratios:
                if slow in case["summary"] and fast in case["summary"]:
                    s = case["summary"]
                    cells.append(ratio_cell(s[slow], s[fast]))
                else:
                    cells.append("—")
            for name in names:
                if name in case["summary"]:
                    cells.append(ms_faults(case["summary"][name]))
                else:
                    notes[name] = case["missing"].get(name, "not run")
                    cells.append("—")
            rows.append(cells)
        caption = f"{self.options['caption']} — {TIMES_NOTE}."
        result: list[nodes.Node] = [captioned(table(header, rows, bench=True), caption)]
        for name, why in notes.items():
            result.append(nodes.paragraph(text=f"— {name}: {why}.", classes=["fastpil-note"]))
        return result


class BenchContenders(SphinxDirective):
    """What each contender of a scenario runs, as the benchmark describes it."""

    option_spec: ClassVar = {"scenario": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(BENCH_SUMMARY))
        scenario = self.options["scenario"]
        described = bench_summary()["contenders"].get(scenario)
        if not described:
            raise self.error(f"summary.json describes no contenders for {scenario!r}")
        rows: list[list[str | nodes.Node]] = [[name, what] for name, what in described.items()]
        return [
            captioned(
                table(["contender", "what it runs"], rows, [1, 4]),
                f"The contenders of the {scenario} cases, as bench/contenders.py describes them.",
            )
        ]


# ---------------------------------------------------------------------------
# PyTorch's benchmark, bench/bench_torch.py


@cache
def torch_results() -> dict[str, Any]:
    return json.loads(TORCH_RESULTS.read_text())


class TorchTable(SphinxDirective):
    """A table of ``_static/bench/torch.json``: ``part`` is ``single``,
    ``batch``, ``to_image``, ``loader``, ``environment``, or one of
    fastpil.torch's: ``transform`` and ``collate`` (torchvision's side against
    fastpil's, pair by pair; ``cases`` keeps the cases whose name ends with
    one of its comma-separated words), ``targets`` (DataLoader throughput)
    and ``steps`` (what each step costs one image); ``caption`` is
    required."""

    option_spec: ClassVar = {
        "part": lambda value: directives.choice(
            value,
            (
                "single",
                "batch",
                "to_image",
                "loader",
                "environment",
                "transform",
                "collate",
                "targets",
                "steps",
            ),
        ),
        "caption": directives.unchanged_required,
        "cases": directives.unchanged,
    }

    def spread(self, entry: dict[str, float]) -> str:
        return f"{format_ms(entry['median_ms'])} ±{entry['iqr_pct']:.0f}% ({entry['faults']:.0f})"

    def pairs(self, entries: list[dict[str, Any]], caption: str) -> list[nodes.Node]:
        """Rows of (torchvision's contender, fastpil's), the ratio first."""
        words = [w.strip() for w in self.options.get("cases", "").split(",") if w.strip()]
        header = ["case", "torchvision / fastpil", "torchvision", "fastpil"]
        rows: list[list[str | nodes.Node]] = []
        for entry in entries:
            if words and not any(entry["case"].endswith(w) for w in words):
                continue
            s = entry["summary"]
            paired = {name for pair in entry["pairs"] for name in pair}
            for theirs, ours in entry["pairs"]:
                rows.append(
                    [
                        entry["case"],
                        ratio_cell(s[theirs], s[ours]),
                        nodes.paragraph(text=f"{theirs}: {self.spread(s[theirs])}"),
                        nodes.paragraph(text=f"{ours}: {self.spread(s[ours])}"),
                    ]
                )
            for name in s:
                if name not in paired:
                    rows.append(["", "", "", f"{name}: {self.spread(s[name])}"])
        if not rows:
            raise self.error(f"torch.json has no case matching {words!r}")
        note = (
            "median time per call ±IQR as a share of it, minor page faults per call in "
            f"brackets; torchvision / fastpil{TIMES}: the first time divided by the second, in "
            "bold where their middle halves are apart, marked ≈ where they overlap"
        )
        return [captioned(table(header, rows, [3, 2, 4, 4], bench=True), f"{caption} — {note}.")]

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(TORCH_RESULTS))
        data = torch_results()
        part = self.options["part"]
        caption = self.options["caption"]
        if part == "environment":
            last = ["whole run", f"{data['seconds']:.0f} s"]
            return [environment_table(data, last, "benchmark run", caption)]
        if part in ("transform", "collate"):
            return self.pairs(data[part], caption)
        if part == "targets":
            header = ["files", "contender", "fastpil / stock v2", "images per second"]
            rows = []
            for run in data["targets"]:
                rates = run["images_per_second"]
                files = f"{run['images']} {run['case']}, {run['kib_per_file']:.0f} KiB each"
                for name, rate in rates.items():
                    rows.append(
                        [
                            files,
                            name,
                            ratio_cell(rate, rates["stock v2"]),
                            f"{rate['median']:.0f}/s ({rate['min']:.0f} to {rate['max']:.0f})",
                        ]
                    )
                    files = ""
            return [captioned(table(header, rows, [4, 4, 2, 3], bench=True), caption)]
        if part == "steps":
            header = ["files", "step", "one image, one thread"]
            rows = []
            for run in data["targets"]:
                files = run["case"]
                for step, entry in run["one_thread_ms"].items():
                    rows.append([files, step, self.spread(entry)])
                    files = ""
            return [captioned(table(header, rows, [4, 2, 3]), caption)]
        if part == "loader":
            header = [
                "images",
                "throughput, fastpil / torchvision",
                "torchvision",
                "fastpil",
                "decode",
                "ToTensor + Normalize",
                "fastpil's pass",
            ]
            rows = []
            for run in data["loader"]:
                rate = run["images_per_second"]
                one = run["one_thread_ms_per_image"]
                rows.append(
                    [
                        f"{run['images']} {run['format']} {run['size']}²",
                        ratio_cell(rate["fastpil"], rate["torchvision"]),
                        f"{rate['torchvision']:.0f}/s",
                        f"{rate['fastpil']:.0f}/s",
                        format_ms(one["decode"]),
                        format_ms(one["ToTensor + Normalize"]),
                        format_ms(one["fastpil"]),
                    ]
                )
            return [captioned(table(header, rows, bench=True), caption)]
        entries = data[part] if isinstance(data[part], list) else [data[part]]
        result: list[nodes.Node] = []
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for entry in entries:
            groups.setdefault(tuple(entry["summary"]), []).append(entry)
        for names, group in groups.items():
            ours = names[-1]
            header = ["case", *(f"{n} / {ours}" for n in names[:-1]), *names]
            rows = []
            for entry in group:
                label = f"{entry['size']}²"
                if "images" in entry:
                    label = f"{entry['images']} {TIMES} {label}"
                s = entry["summary"]
                rows.append(
                    [
                        label,
                        *(ratio_cell(s[n], s[ours]) for n in names[:-1]),
                        *(ms_faults(s[n]) for n in names),
                    ]
                )
            label = caption
            if any("images" in entry for entry in group):
                label += f", {group[0]['images']} at once (to_images against a loop)"
            result.append(captioned(table(header, rows, bench=True), f"{label} — {TIMES_NOTE}."))
        return result


class BenchRole(SphinxRole):
    """``{bench}`scenario|mode|size|state|contender``: the median, formatted;
    ``{bench-ratio}`scenario|mode|size|state|slower|faster``: the ratio;
    ``{bench-faults}`scenario|mode|size|state|contender``: page faults per call;
    ``{bench-overhead}`contender``: the fixed cost of a call (a 1x1 image)."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        self.env.note_dependency(str(BENCH_SUMMARY))
        parts = [p.strip() for p in self.text.split("|")]
        try:
            if self.what == "ratio":
                scenario, mode, size, state, slow, fast = parts
                ratio = (
                    bench_value(scenario, mode, size, state, slow)["median_ms"]
                    / bench_value(scenario, mode, size, state, fast)["median_ms"]
                )
                text = f"{ratio:.3g}{TIMES}" if ratio < 10 else f"{ratio:.0f}{TIMES}"
            elif self.what == "overhead":
                us = bench_summary()["overhead_us"].get(self.text.strip())
                if us is None:
                    raise DataError(f"summary.json has no fixed cost for {self.text!r}")
                text = format_ms(us / 1e3)
            elif self.what == "faults":
                value = bench_value(*parts)
                text = f"{value['faults']:.0f}"
            else:
                text = format_ms(bench_value(*parts)["median_ms"])
        except (DataError, TypeError, ValueError) as error:
            message = self.inliner.reporter.error(f"{self.name}: {error}", line=self.lineno)
            return [], [message]
        return [nodes.inline(text=text, classes=["fastpil-number"])], []


# ---------------------------------------------------------------------------
# Profile


@cache
def profile_data() -> dict[str, Any]:
    return json.loads(PROFILE.read_text())


def profile_lookup(path: str) -> Any:
    """``stages/1024/total_us`` style paths into profile.json."""
    data: Any = profile_data()
    for part in path.split("/"):
        if isinstance(data, list) and part.isdigit() and part not in ("0", "1", "2"):
            found = [d for d in data if d.get("size", [None])[0] == int(part)]
            if not found:
                raise DataError(f"profile.json has no entry of size {part} under {path!r}")
            data = found[0]
        elif isinstance(data, list):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            raise DataError(f"profile.json has no {path!r}")
    return data


class ProfileRole(SphinxRole):
    """``{profile}`path`` (a duration for ``*_us``, else as is)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        self.env.note_dependency(str(PROFILE))
        try:
            value = profile_lookup(self.text.strip())
        except DataError as error:
            return [], [self.inliner.reporter.error(f"profile: {error}", line=self.lineno)]
        path = self.text.strip()
        key = path.rsplit("/", 1)[-1]
        # A value named *_us, or one inside a dict named *_us (the steps).
        if key.endswith("_us") or "_us/" in path:
            text = format_ms(value / 1e3)
        elif isinstance(value, float):
            text = f"{value:.3g}"
        else:
            text = str(value)
        return [nodes.inline(text=text, classes=["fastpil-number"])], []


class ProfileEnvironment(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(PROFILE))
        data = profile_data()
        last = ["regenerated by", data["command"]]
        return [environment_table(data, last, "profile run", "The profile's run")]


class ProfileRoutes(SphinxDirective):
    """Each way to an array of one image, timed on its own."""

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(PROFILE))
        routes = profile_data()["routes"]
        rows: list[list[str | nodes.Node]] = [
            [
                literal(name) if name.startswith(("im.", "numpy.", "fastpil.")) else name,
                format_ms(us / 1e3),
            ]
            for name, us in routes["timed_us"].items()
        ]
        size = format_size(routes["size"])
        return [
            captioned(
                table(["route", "time"], rows, [4, 1]),
                f"Each way to an array of one RGB {size} image — each timed on its own, "
                "the best of many calls",
            )
        ]


class ProfileSteps(SphinxDirective):
    """The steps of one call, µs each, for every size profiled."""

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(PROFILE))
        stages = profile_data()["stages"]
        names = list(stages[0]["steps_us"])
        header = ["step", *(f"RGB {format_size(s['size'])}" for s in stages)]
        rows: list[list[str | nodes.Node]] = []
        for name in names:
            cells: list[str | nodes.Node] = [name]
            for s in stages:
                us = s["steps_us"][name]
                cells.append(f"{format_ms(us / 1e3)} ({us / s['total_us'] * 100:.0f} %)")
            rows.append(cells)
        rows.append(
            [
                "the rest: Cython shell, C++ loop, calls between them",
                *(
                    f"{format_ms(s['rest_us'] / 1e3)} ({s['rest_us'] / s['total_us'] * 100:.0f} %)"
                    for s in stages
                ),
            ]
        )
        rows.append(
            [
                nodes.strong(text="fastpil.to_numpy(im), timed whole"),
                *(nodes.strong(text=format_ms(s["total_us"] / 1e3)) for s in stages),
            ]
        )
        return [
            captioned(
                table(header, rows, [3, *([2] * len(stages))]),
                "The steps of one to_numpy call — each step timed on its own, the best "
                "of many calls; the rest is the whole call minus the steps",
            )
        ]


class ProfilePerf(SphinxDirective):
    """perf's samples grouped by what they belong to, and the top symbols."""

    option_spec: ClassVar = {"top": directives.nonnegative_int}

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(PROFILE))
        perf = profile_data()["perf"]
        if isinstance(perf, str):
            return [nodes.paragraph(text=f"No perf profile in this run: {perf}.")]
        rows: list[list[str | nodes.Node]] = [
            [name, f"{percent:.1f} %"] for name, percent in perf["categories"].items()
        ]
        result: list[nodes.Node] = [
            captioned(
                table(["part of the work", "share of samples"], rows, [3, 1]),
                "Where perf's samples fell — grouped by what each function belongs to",
            )
        ]
        top = self.options.get("top", 0)
        if top:
            rows = [
                [literal(r["symbol"]), literal(r["dso"]), f"{r['percent']:.1f} %"]
                for r in perf["top"][:top]
            ]
            result.append(
                captioned(
                    table(["function", "shared object", "samples"], rows, [4, 3, 1]),
                    f"The {top} functions with the most samples",
                )
            )
        return result


# ---------------------------------------------------------------------------
# Modes and options, from fastpil._modes


def pillow_modes() -> list[str]:
    """Every mode the installed Pillow can make an image of."""
    from PIL import Image

    candidates = set(Image.MODES) | {"I;16", "I;16L", "I;16B", "I;16N", "BGR;15", "BGR;16"}
    candidates |= {"BGR;24"}
    found = []
    for mode in sorted(candidates):
        try:
            Image.new(mode, (1, 1))
        except (ValueError, KeyError, OSError):
            continue
        found.append(mode)
    return found


def describe_transform(plan: Any) -> str:
    from fastpil._core import Kind

    kind, pixel_bytes, pattern = (
        plan.transform.kind,
        plan.transform.pixel_bytes,
        plan.transform.pattern,
    )
    if kind == Kind.copy:
        return "none: each chunk is copied as it is"
    if kind == Kind.to_bool:
        return "bytes 0/255 → bools 0/1"
    picked = ", ".join(str(b) for b in pattern)
    if kind == Kind.planar:
        return f"split into planes: bytes {picked} of each {pixel_bytes}-byte pixel"
    if pixel_bytes == 4 and list(pattern) == [0, 1, 2]:
        from PIL import ImageMode

        bands = ImageMode.getmode(plan.mode).bands
        dropped = "the padding" if len(bands) == 3 else f"band {bands[3]}"
        return f"4→3 compaction: drop byte 3 ({dropped})"
    return f"pick bytes {picked} of each {pixel_bytes}-byte pixel"


def encoded_pixel_bytes(plan: Any) -> int:
    """Bytes of one pixel as the raw encoder emits it."""
    from fastpil._core import Kind

    kind, pixel_bytes = plan.transform.kind, plan.transform.pixel_bytes
    if kind in (Kind.interleaved, Kind.planar):
        return int(pixel_bytes)
    return int(plan.dtype.itemsize * max(plan.channels, 1))


def shape_text(plan: Any) -> str:
    shape = plan.shape(0, 0)
    named = {0: "H", 1: "W"} if not plan.planar else {1: "H", 2: "W"}
    return "(" + ", ".join(named.get(i, str(plan.channels)) for i in range(len(shape))) + ")"


class ModeTable(SphinxDirective):
    """Every mode of the installed Pillow: what fastpil gives and how."""

    def run(self) -> list[nodes.Node]:
        import numpy
        from PIL import Image

        from fastpil import _modes

        rows: list[list[str | nodes.Node]] = []
        for mode in pillow_modes():
            im = Image.new(mode, (1, 1))
            names = im.getbands()
            bands = ("".join if all(len(b) == 1 for b in names) else " ".join)(names)
            try:
                plan = _modes.plan(mode)
            except ValueError as error:
                rows.append([literal(mode), bands, "—", "—", "—", "—", f"refused: {error}"])
                continue
            dtype = plan.dtype
            same = numpy.array(im).dtype == dtype
            if not same:
                raise self.error(f"mode {mode}: fastpil's dtype differs from numpy.array's")
            rows.append(
                [
                    literal(mode),
                    bands,
                    literal(str(dtype) if dtype.byteorder in "=|" else dtype.str),
                    shape_text(plan),
                    literal(plan.rawmode),
                    str(encoded_pixel_bytes(plan)),
                    describe_transform(plan),
                ]
            )
        header = [
            "mode",
            "bands",
            "dtype",
            "shape",
            "raw mode asked for",
            "bytes per encoded pixel",
            "transform of each chunk",
        ]
        import PIL

        caption = nodes.paragraph(
            text=f"Generated from fastpil._modes.plan() with Pillow {PIL.__version__}.",
            classes=["fastpil-note"],
        )
        return [table(header, rows, [2, 2, 2, 2, 2, 2, 5]), caption]


class OptionTable(SphinxDirective):
    """What a few option combinations turn into: raw mode and channel pattern.

    Content: one combination per line, ``MODE key=value ...``.
    """

    has_content = True

    def run(self) -> list[nodes.Node]:
        from fastpil import _modes

        rows: list[list[str | nodes.Node]] = []
        for line in self.content:
            if not line.strip():
                continue
            mode, *options = line.split()
            kwargs = dict(option.split("=", 1) for option in options)
            plan = _modes.plan(mode, kwargs.get("channels"), kwargs.get("layout", "HWC"))
            call = ", ".join(f'{k}="{v}"' for k, v in kwargs.items())
            rows.append(
                [
                    literal(mode),
                    literal(call),
                    literal(plan.rawmode),
                    shape_text(plan),
                    describe_transform(plan),
                ]
            )
        header = ["mode", "options", "raw mode asked for", "shape", "transform of each chunk"]
        return [table(header, rows, [1, 3, 2, 2, 5])]


# ---------------------------------------------------------------------------
# Supported versions, from pyproject.toml and .ci/test_matrix.py


def tested_versions() -> tuple[list[str], list[str], dict[str, list[str]]]:
    """(oldest pins, newest pins, {row: python}) as .ci/test_matrix.py lists them.

    Parsed, not imported: the file is a script with its own imports.
    """
    path = ROOT / ".ci" / "test_matrix.py"
    tree = ast.parse(path.read_text())
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("OLDEST", "NEWEST"):
                values[name] = ast.literal_eval(node.value)
            elif name == "ROWS":
                rows: dict[str, list[str]] = {}
                for call in node.value.values:
                    rows.setdefault(call.args[1].id, []).append(ast.literal_eval(call.args[0]))
                values["ROWS"] = rows
    return values["OLDEST"], values["NEWEST"], values["ROWS"]


class VersionsTable(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(ROOT / "pyproject.toml"))
        self.env.note_dependency(str(ROOT / ".ci" / "test_matrix.py"))
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        oldest, newest, rows = tested_versions()

        def pin(pins: list[str], name: str) -> str:
            return next(p.split("==")[1] for p in pins if p.split("==")[0] == name)

        requirement = {d.split(">=")[0].strip(): d.split(">=")[1] for d in project["dependencies"]}
        classifiers = [
            c.rsplit(":: ", 1)[1]
            for c in project["classifiers"]
            if c.startswith("Programming Language :: Python :: 3.")
        ]
        table_rows: list[list[str | nodes.Node]] = [
            [
                "CPython",
                project["requires-python"],
                ", ".join(rows["OLDEST"]),
                ", ".join(rows["NEWEST"]),
                ", ".join(classifiers),
            ],
            [
                "NumPy",
                f">={requirement['numpy']}",
                pin(oldest, "numpy"),
                pin(newest, "numpy"),
                "n/a",
            ],
            [
                "Pillow",
                f">={requirement['pillow']}",
                pin(oldest, "pillow"),
                pin(newest, "pillow"),
                "n/a",
            ],
        ]
        header = ["", "required", "oldest tested", "newest tested", "wheels for"]
        return [table(header, table_rows, [2, 2, 2, 3, 4])]


# ---------------------------------------------------------------------------
# Figures


def load_figure_script(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"fastpil_figure_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_figures(app: Sphinx) -> None:
    """Run every figure script whose outputs are missing or older than its inputs."""
    if str(FIGURES) not in sys.path:
        sys.path.insert(0, str(FIGURES))  # for the scripts' shared _style module
    GENERATED.mkdir(exist_ok=True)
    shared = [FIGURES / "_style.py", BENCH_SUMMARY, PROFILE, BENCH_PALETTE]
    for script in sorted(FIGURES.glob("*.py")):
        if script.name.startswith("_"):
            continue
        stamp = GENERATED / f"{script.stem}.stamp"
        inputs = [script, *shared]
        newest = max(p.stat().st_mtime for p in inputs)
        if stamp.exists() and stamp.stat().st_mtime >= newest:
            continue
        written = load_figure_script(script).render(GENERATED, DOCS)
        logger.info(f"[fastpil] {script.name}: {', '.join(p.name for p in written)}")
        stamp.write_text("\n".join(p.name for p in written) + "\n")


# ---------------------------------------------------------------------------
# Untested examples


PYTHON_LANGUAGES = {"python", "py", "python3", "pycon", "ipython"}


def check_examples_run(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Fail on a Python code block that the doctest builder would not run."""
    for block in doctree.findall(nodes.literal_block):
        if block.get("testnodetype"):
            continue  # a doctest, testcode or testoutput block
        source = block.get("source", "")
        if source.endswith((".pyi", ".hpp", ".cpp", ".pyx")):
            continue  # a literalinclude of source code
        if Path(source).parent == DOCS / "examples":
            continue  # run by the test suite (tests/test_examples.py, test_torch.py)
        if block.get("language", "") in PYTHON_LANGUAGES:
            logger.warning(
                "a Python code block that is not a doctest: use ```{doctest} "
                "(or ```{testcode} with its output) so that it runs",
                location=block,
                type="fastpil",
            )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("bench-environment", BenchEnvironment)
    app.add_directive("bench-table", BenchTable)
    app.add_directive("bench-contenders", BenchContenders)
    app.add_directive("torch-table", TorchTable)
    app.add_role("bench", BenchRole("median"))
    app.add_role("bench-ratio", BenchRole("ratio"))
    app.add_role("bench-faults", BenchRole("faults"))
    app.add_role("bench-overhead", BenchRole("overhead"))
    app.add_directive("profile-environment", ProfileEnvironment)
    app.add_directive("profile-steps", ProfileSteps)
    app.add_directive("profile-routes", ProfileRoutes)
    app.add_directive("profile-perf", ProfilePerf)
    app.add_role("profile", ProfileRole())
    app.add_directive("mode-table", ModeTable)
    app.add_directive("option-table", OptionTable)
    app.add_directive("versions-table", VersionsTable)
    app.connect("builder-inited", render_figures)
    app.connect("doctree-resolved", check_examples_run)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
