"""Conversions in several threads at once, for the threads scenario.

A contender here converts a block of images per call, with a pool of
threads that wait between blocks: with one thread, it converts each of two
distinct images ``calls`` times, alternating; with two, each thread converts
its own image ``calls`` times. Both do the same work, so the ratio of their
times is the ratio of throughputs. The threads stay alive between blocks, so
creating them is not timed; the main thread waits for a block in a barrier,
which releases the GIL.

A block lasts about BLOCK_SECONDS for one thread, so that it measures the
steady state of threads converting one image after another: when two threads
start together, one of them may first wait up to CPython's switch interval
(5 ms) for the GIL before both are converting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

BLOCK_SECONDS = 0.2

Convert = Callable[[Any], Any]


class Pool:
    """``count`` threads that run one block of conversions each time they are called."""

    def __init__(self, count: int) -> None:
        self.start = threading.Barrier(count + 1)
        self.done = threading.Barrier(count + 1)
        self.jobs: list[tuple[Convert, list[Any]]] = []
        # The last two results of each thread, for checking.
        self.last: list[tuple[Any, Any]] = [(None, None)] * count
        self.failure: BaseException | None = None
        for index in range(count):
            threading.Thread(target=self._work, args=(index,), daemon=True).start()

    def _work(self, index: int) -> None:
        while True:
            self.start.wait()
            convert, images = self.jobs[index]
            try:
                for im in images:
                    self.last[index] = (self.last[index][1], convert(im))
            except BaseException as error:  # reported by run()
                self.failure = error
            self.done.wait()

    def run(self, jobs: list[tuple[Convert, list[Any]]]) -> None:
        self.jobs = jobs
        self.start.wait()
        self.done.wait()
        if self.failure is not None:
            raise self.failure


_calls: dict[tuple[Convert, tuple[int, int]], int] = {}


def calls_per_block(convert: Convert, pair: tuple[Any, Any]) -> int:
    """Conversions of each image per block: about BLOCK_SECONDS of work for
    one thread, worked out once per converter and size, so that the one-thread
    and two-thread contenders of a converter do the same work."""
    key = (convert, pair[0].size)
    if key not in _calls:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            convert(pair[0])
            times.append(time.perf_counter() - start)
        _calls[key] = max(2, round(BLOCK_SECONDS / (2 * sorted(times)[1])))
    return _calls[key]


def one_thread(convert: Convert) -> Callable[[Any], Convert]:
    """Prepare a contender: one thread converts both images, in turn."""

    def prepare(pair: tuple[Any, Any]) -> Convert:
        pool = Pool(1)
        calls = calls_per_block(convert, pair)

        def block(pair: tuple[Any, Any]) -> tuple[Any, ...]:
            pool.run([(convert, [pair[i % 2] for i in range(2 * calls)])])
            return pool.last[0]  # the last of each image

        block.images = 2 * calls  # type: ignore[attr-defined]
        return block

    return prepare


def two_threads(convert: Convert) -> Callable[[Any], Convert]:
    """Prepare a contender: two threads, each converting its own image."""

    def prepare(pair: tuple[Any, Any]) -> Convert:
        pool = Pool(2)
        calls = calls_per_block(convert, pair)

        def block(pair: tuple[Any, Any]) -> tuple[Any, ...]:
            pool.run([(convert, [pair[0]] * calls), (convert, [pair[1]] * calls)])
            return (pool.last[0][1], pool.last[1][1])

        block.images = 2 * calls  # type: ignore[attr-defined]
        return block

    return prepare
