"""A buffer exporter written in Python: PEP 688, Python 3.12 and newer.

The tutorial (docs/tutorial.md) shows this file from its class on; the test
suite runs it (tests/test_examples.py) on every Python that has PEP 688.
"""

import numpy


class Frame:
    """An RGB frame that lends its pixels through the buffer protocol."""

    def __init__(self, width: int, height: int) -> None:
        self.shape = (height, width, 3)
        self._pixels = bytearray(width * height * 3)
        self._exports = 0

    def __buffer__(self, flags: int) -> memoryview:
        # `flags` is the consumer's request (inspect.BufferFlags). A view of
        # the bytearray, cast to the frame's shape, answers any request it
        # can meet; a request it cannot (a writable view of bytes, say)
        # raises there, as a C exporter's would.
        view = memoryview(self._pixels).cast("B", self.shape)
        self._exports += 1
        return view

    def __release_buffer__(self, view: memoryview) -> None:
        # `view` is the memoryview __buffer__ returned, now done with.
        self._exports -= 1
        view.release()

    def resize(self, width: int, height: int) -> None:
        if self._exports:
            raise BufferError(f"{self._exports} export(s) of this frame exist")
        self.shape = (height, width, 3)
        self._pixels = bytearray(width * height * 3)


frame = Frame(4, 2)
with memoryview(frame) as view:  # released at the end of the block
    print(view.shape, view.strides, view.readonly)
array = numpy.asarray(frame)  # a NumPy array over the frame's memory
array[0, 0] = (255, 128, 0)
print(bytes(memoryview(frame))[:3])  # written through the array
try:
    frame.resize(8, 8)
except BufferError as error:
    print("BufferError:", error)
del array  # the array's export is released with it
frame.resize(8, 8)
print(numpy.asarray(frame).shape)
