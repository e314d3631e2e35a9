"""Other threads during a conversion: the latency scenario.

A Python thread sleeps half a millisecond at a time, as an event loop, a
server's request thread or a DataLoader's pin-memory thread waits on
something, and records each gap between its wake-ups, while the main thread
converts a large image over and over with one contender. A gap is the 0.5 ms
asked for plus however long the thread then waited for the GIL. Contenders
take turns in balanced orders (harness.balanced_orders), for a fixed time
each per round, and the gaps of every round are pooled: the table gives
their median, 99th percentile and maximum, beside the median time of a call
(with the sleeper running) and the spread of the rounds' medians.

With no other thread, a conversion's own speed is measured by the other
scenarios.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy
from harness import balanced_orders, table
from PIL import Image

import fastpil

SLEEP = 0.0005
SIDE = 4096


def contenders(side: int = SIDE) -> dict[str, Callable[[], Any]]:
    """The conversions of a side x side RGB image (and its array) to time."""
    im = Image.effect_noise((side, side), 40).convert("RGB")
    a = numpy.array(im)
    mirrored = a[:, ::-1]
    return {
        "numpy.array(im)": lambda: numpy.array(im),
        "fastpil.to_numpy(im)": lambda: fastpil.to_numpy(im),
        "fastpil.to_numpy_batch([im, im])": lambda: fastpil.to_numpy_batch([im, im]),
        "float pass (CHW, float32, normalised)": lambda: fastpil.to_numpy(
            im, layout="CHW", dtype=numpy.float32, scale=True, mean=0.5, std=0.25
        ),
        "Image.fromarray(a[:, ::-1])": lambda: Image.fromarray(mirrored),
        "fastpil.to_image(a[:, ::-1])": lambda: fastpil.to_image(mirrored),
        "fastpil.to_image(a)": lambda: fastpil.to_image(a),
    }


def _run(convert: Callable[[], Any], seconds: float) -> tuple[list[float], list[float]]:
    """Convert for about ``seconds`` with the sleeper running: (call times, gaps)."""
    gaps: list[float] = []
    stop = threading.Event()

    def sleeper() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            time.sleep(SLEEP)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    thread = threading.Thread(target=sleeper)
    convert()  # warm: plans, allocator
    thread.start()
    calls: list[float] = []
    deadline = time.perf_counter() + seconds
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            convert()
            calls.append(time.perf_counter() - start)
    finally:
        stop.set()
        thread.join()
    return calls, gaps[1:]  # the first gap began before the conversions


def measure(rounds: int = 6, seconds: float = 0.5, side: int = SIDE) -> list[dict[str, Any]]:
    """One row per contender: ms per call, its spread, and the sleeper's gaps."""
    converts = contenders(side)
    names = list(converts)
    orders = balanced_orders(len(names))
    calls: dict[str, list[float]] = {name: [] for name in names}
    medians: dict[str, list[float]] = {name: [] for name in names}
    gaps: dict[str, list[float]] = {name: [] for name in names}
    for turn in range(rounds):
        for name in (names[i] for i in orders[turn % len(orders)]):
            times, waited = _run(converts[name], seconds)
            calls[name] += times
            medians[name].append(float(numpy.median(times)))
            gaps[name] += waited
    rows = []
    for name in names:
        g = numpy.array(gaps[name]) * 1e3
        rows.append(
            {
                "contender": name,
                "median_ms": float(numpy.median(calls[name])) * 1e3,
                "round_min_ms": min(medians[name]) * 1e3,
                "round_max_ms": max(medians[name]) * 1e3,
                "gap_p50_ms": float(numpy.percentile(g, 50)),
                "gap_p99_ms": float(numpy.percentile(g, 99)),
                "gap_max_ms": float(g.max()),
                "gaps": len(g),
            }
        )
    return rows


def markdown(rows: list[dict[str, Any]], side: int = SIDE) -> str:
    header = ["main thread does", "ms per call", "gap p50", "gap p99", "gap max", "gaps"]
    cells = [
        [
            r["contender"],
            f"{r['median_ms']:.3g} ({r['round_min_ms']:.3g}-{r['round_max_ms']:.3g})",
            f"{r['gap_p50_ms']:.2f}",
            f"{r['gap_p99_ms']:.2f}",
            f"{r['gap_max_ms']:.1f}",
            str(r["gaps"]),
        ]
        for r in rows
    ]
    title = (
        f"\nlatency: a thread sleeping {SLEEP * 1e3:g} ms at a time while the main thread "
        f"converts {side}x{side} RGB: ms per call (min-max of round medians), and the "
        "sleeper's gaps between wake-ups in ms\n"
    )
    return "\n".join([title, *table(header, cells)])
