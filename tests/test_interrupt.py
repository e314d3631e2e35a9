"""Ctrl-C during a long conversion is answered between chunks, not at the end.

Pillow's encoder and fastpil's chunk loop run no Python code, so a Python
signal handler can only run in the loop's check between chunks: a handler
that runs while ``out`` is partly written was run by that check.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time

import numpy
import pytest
from encoders import real_encoder, use_encoders
from PIL import Image

import fastpil

SENTINEL = 0xA5
VALUE = 7

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs signal.setitimer")


class Interrupted(Exception):
    pass


def rows_written(out):
    """How many leading rows hold the image's value; the rest must be untouched."""
    flat = out.reshape(out.shape[0], -1)
    done = int((flat == VALUE).all(axis=1).sum())
    assert (flat[:done] == VALUE).all()
    assert (flat[done:] == SENTINEL).all(), "bytes after the converted rows were written"
    return done


def interrupt_part_way(im, out, deliver, attempts=10, clock=time.perf_counter):
    """Convert ``im`` into ``out`` while ``deliver(delay)`` arranges a signal
    after ``delay`` seconds; retry with other delays until one lands mid-way.
    Returns (rows written, seconds from the signal to the exception), the
    time the signal went as ``deliver``'s result returns it, by ``clock``."""
    fastpil.to_numpy(im, out=out)
    start = time.perf_counter()
    fastpil.to_numpy(im, out=out)
    duration = time.perf_counter() - start
    for attempt in range(attempts):
        out.fill(SENTINEL)
        delay = duration * (0.2 + 0.6 * attempt / attempts)
        sent = deliver(delay)
        try:
            fastpil.to_numpy(im, out=out)
            # Finished before the signal: wait for it here instead.
            time.sleep(1)
            raise AssertionError("no signal arrived")
        except (Interrupted, KeyboardInterrupt):
            answered = clock()
        done = rows_written(out)
        if 0 < done < out.shape[0]:
            return done, answered - sent()
    raise AssertionError(f"no signal landed mid-conversion in {attempts} tries of {duration}s")


@pytest.fixture
def alarm():
    """Deliver SIGALRM after a delay, raising Interrupted from wherever
    Python runs the handler; returns the setter."""
    previous = signal.signal(signal.SIGALRM, signal.SIG_DFL)
    due = []

    def handler(signum, frame):
        raise Interrupted

    def deliver(delay):
        signal.signal(signal.SIGALRM, handler)
        due[:] = [time.perf_counter() + delay]
        signal.setitimer(signal.ITIMER_REAL, delay)
        return lambda: due[0]

    yield deliver
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def test_a_signal_stops_the_conversion_between_chunks(alarm, monkeypatch):
    width = height = 8192
    im = Image.new("L", (width, height), VALUE)
    out = numpy.empty((height, width), numpy.uint8)
    # interrupt_part_way fails unless the handler ran with some rows written
    # and others not: between chunks, not after the last. How soon after the
    # signal is timed by the slow test below, away from a busy test run.
    done, latency = interrupt_part_way(im, out, alarm)
    print(f"\nstopped after {done} of {height} rows, {latency * 1e6:.0f} us after the signal")


def test_an_interrupted_conversion_leaks_nothing(alarm, monkeypatch):
    im = Image.new("L", (8192, 8192), VALUE)
    out = numpy.empty((8192, 8192), numpy.uint8)
    fastpil.to_numpy(im, out=out)
    encoders = []

    def keep(mode, rawmode):
        encoders.append(real_encoder(mode, rawmode))
        return encoders[-1]

    use_encoders(monkeypatch, keep)
    watched = [im, im.im, out]
    before = [sys.getrefcount(x) for x in watched]
    interrupt_part_way(im, out, alarm)
    gc.collect()
    # Every encoder is held by the list alone; then the pixels and out are
    # back to the references they had.
    assert [sys.getrefcount(encoders[i]) - 1 for i in range(len(encoders))] == [1] * len(encoders)
    encoders.clear()
    assert [sys.getrefcount(x) for x in watched] == before


# Sends SIGINT to a process after reading a line, then says when it sent it.
KILLER = """
import os, signal, sys, time
pid, delay = int(sys.argv[1]), float(sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
time.sleep(delay)
sent = time.monotonic()
os.kill(pid, signal.SIGINT)
print(sent, flush=True)
"""


@pytest.mark.slow
def test_ctrl_c_during_a_2_gib_conversion():
    """A real SIGINT from another process, with Python's own handler, as a
    terminal sends it. (A thread could not send it mid-conversion: the
    conversion holds the GIL.)"""
    # Python installs this handler at start-up unless SIGINT was ignored when
    # it started (as for a job started in the background by a shell script).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        ctrl_c_part_way()
    finally:
        signal.signal(signal.SIGINT, previous)


def ctrl_c_part_way():
    width, height = 50_000, 45_000
    im = Image.new("L", (width, height), VALUE)
    out = numpy.empty((height, width), numpy.uint8)
    killers = []

    def deliver(delay):
        killer = subprocess.Popen(
            [sys.executable, "-c", KILLER, str(os.getpid()), str(delay)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        killers.append(killer)
        assert killer.stdout.readline() == "ready\n"
        killer.stdin.write("go\n")
        killer.stdin.flush()
        return lambda: float(killer.communicate()[0])

    try:
        done, latency = interrupt_part_way(im, out, deliver, clock=time.monotonic)
    finally:
        for killer in killers:
            killer.kill()
            killer.wait()
    print(f"\nstopped after {done} of {height} rows, {latency * 1e6:.0f} us after Ctrl-C")
    # A chunk here is 1 row (50,000 bytes); the answer comes within a few of
    # them even on a busy machine.
    assert latency < 0.05
