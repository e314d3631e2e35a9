# cython: language_level=3
# cython: auto_pickle=False
"""The thin shell between fastpil's Python API and its C++ core (cpp/).

It turns Python objects into buffers and lengths and hands them to C++. Every
choice (which raw mode, which transform, which shape and dtype) is made by the
caller in fastpil._convert and fastpil._modes, and arrives here as a Plan.
"""
from cpython.pyport cimport PY_SSIZE_T_MAX
from cpython.buffer cimport (
    PyBUF_FORMAT,
    PyBUF_SIMPLE,
    PyBUF_STRIDES,
    PyBUF_WRITABLE,
    PyBuffer_Release,
    PyObject_GetBuffer,
)

import numpy

from . import _pillow

__version__ = FASTPIL_VERSION.decode("ascii")

cdef object _empty = numpy.empty
cdef object _dtype = numpy.dtype


cdef class Transform:
    """A chunk transform, checked once and immutable after.

    ``kind`` is a Kind; ``pixel_bytes`` the bytes of one encoded pixel and
    ``pattern`` the byte of it each output channel takes (for every kind but
    copy and to_bool, which take no pattern). The float kinds also take the
    ``sample`` type the pixels hold, the ``output`` float type, and for each
    output channel a ``scale`` and an ``offset``: each value becomes
    ``sample * scale + offset``.
    """

    cdef TransformSpec spec
    cdef ChunkTransform shape
    cdef readonly object kind
    cdef readonly int pixel_bytes
    cdef readonly bytes pattern
    cdef readonly object sample
    cdef readonly object output
    cdef readonly tuple scale
    cdef readonly tuple offset

    def __cinit__(self, kind, int pixel_bytes=1, bytes pattern not None=b"", *,
                  sample=Sample.u8, output=Output.float32, scale=(), offset=()):
        if len(pattern) > 4 or not 0 < pixel_bytes < 256:
            raise ValueError("a pattern picks 1 to 4 channels from pixels of 1 to 4 bytes")
        scale = tuple(float(k) for k in scale)
        offset = tuple(float(b) for b in offset)
        floating = kind in (Kind.float_interleaved, Kind.float_planar)
        if floating and not (len(scale) == len(offset) == len(pattern)):
            raise ValueError("a float transform takes a scale and an offset per channel")
        if not floating and (scale or offset):
            raise ValueError("only float transforms take a scale and an offset")
        self.spec.kind = <Kind><int>kind
        self.spec.pattern.pixel_bytes = pixel_bytes
        self.spec.pattern.count = len(pattern)
        self.spec.sample = <Sample><int>sample
        self.spec.output = <Output><int>output
        for j in range(4):
            self.spec.pattern.index[j] = pattern[j] if j < len(pattern) else 0
            self.spec.scale[j] = scale[j] if j < len(scale) else 0
            self.spec.offset[j] = offset[j] if j < len(offset) else 0
        why = validate(self.spec, &self.shape)
        if why != NULL:
            raise ValueError(why.decode("ascii"))
        self.kind = Kind(kind)
        self.pixel_bytes = pixel_bytes
        self.pattern = pattern
        self.sample = Sample(sample)
        self.output = Output(output)
        self.scale = scale
        self.offset = offset

    def __repr__(self):
        text = f"Transform(Kind.{self.kind.name}, {self.pixel_bytes}, {self.pattern!r}"
        if self.kind in (Kind.float_interleaved, Kind.float_planar):
            text += (f", sample=Sample.{self.sample.name}, output=Output.{self.output.name}, "
                     f"scale={self.scale}, offset={self.offset}")
        return text + ")"


cdef class Plan:
    """How to convert images of one mode with one set of options: what to
    ask Pillow's encoder for, and the array it becomes. Made by
    fastpil._modes; immutable.

    ``packed_pixel`` is the bytes of one pixel in ``rawmode``; ``channels``
    the length of the channel axis (0: none); ``planar`` puts it first.
    ``widest`` is the widest region the plan converts: wider ones need
    another (fastpil._modes.for_wide_rows).
    """

    cdef readonly str mode
    cdef readonly str rawmode
    cdef readonly Transform transform
    cdef readonly object dtype
    cdef readonly int channels
    cdef readonly bint planar
    cdef readonly int packed_pixel
    cdef readonly Py_ssize_t widest
    cdef size_t array_pixel  # bytes of one pixel in one plane of the array

    def __cinit__(self, str mode not None, str rawmode not None, Transform transform not None,
                  dtype, int channels, bint planar, int packed_pixel, *,
                  Py_ssize_t widest=PY_SSIZE_T_MAX):
        if channels < 0 or packed_pixel < 1 or (planar and channels == 0):
            raise ValueError("a plan needs a channel count >= 0 (>= 1 when planar) and "
                             "pixels of at least one byte")
        self.mode = mode
        self.rawmode = rawmode
        self.transform = transform
        self.dtype = _dtype(dtype)
        self.channels = channels
        self.planar = planar
        self.packed_pixel = packed_pixel
        self.widest = widest
        self.array_pixel = self.dtype.itemsize * (1 if planar or channels == 0 else channels)

    cpdef tuple shape(self, Py_ssize_t width, Py_ssize_t height):
        """The array's shape for a region of ``width`` x ``height`` pixels."""
        if self.channels == 0:
            return (height, width)
        if self.planar:
            return (self.channels, height, width)
        return (height, width, self.channels)

    def __repr__(self):
        return (f"Plan({self.mode!r}, {self.rawmode!r}, {self.transform!r}, {self.dtype}, "
                f"channels={self.channels}, planar={self.planar}, "
                f"packed_pixel={self.packed_pixel}, widest={self.widest})")


# Pillow registers Python codecs in these dicts, and never replaces them.
cdef dict _ENCODERS = _pillow.ENCODERS
cdef dict _DECODERS = _pillow.DECODERS
cdef object _raw_encoder = _pillow.raw_encoder
cdef object _raw_decoder = _pillow.raw_decoder


cdef object encoder_for(str mode, str rawmode):
    # Pillow's _getencoder would return raw_encoder's encoder too, unless a
    # Python encoder is registered under "raw"; it costs about a third of a
    # small conversion (the profile in docs/internals.md), so it is asked
    # only then.
    if "raw" in _ENCODERS:
        return _pillow.getencoder(mode, rawmode)
    return _raw_encoder(mode, rawmode)


cdef int encode_region(Plan plan, imaging, tuple extents, dest, Py_ssize_t offset) except -1:
    """Encode ``extents`` of ``imaging`` into the flat bytes ``dest`` from ``offset``."""
    cdef Py_buffer view
    cdef Geometry geometry
    cdef Py_ssize_t width = extents[2] - extents[0]
    cdef Py_ssize_t height = extents[3] - extents[1]
    geometry.rows = height
    geometry.packed_row = width * plan.packed_pixel
    geometry.planes = plan.transform.shape.planes
    geometry.array_row = width * plan.array_pixel
    encoder = encoder_for(plan.mode, plan.rawmode)
    try:
        encoder.setimage(imaging, extents)
        PyObject_GetBuffer(dest, &view, PyBUF_WRITABLE)
        try:
            encode_into(encoder.encode, view, offset,
                        geometry.planes * geometry.rows * geometry.array_row, geometry,
                        plan.transform.spec)
        finally:
            PyBuffer_Release(&view)
    finally:
        encoder.cleanup()
    return 0


cdef object decoder_for(str mode, str rawmode):
    # As encoder_for: Image._getdecoder only when a Python decoder is
    # registered under "raw", which it would return instead.
    if "raw" in _DECODERS:
        return _pillow.getdecoder(mode, rawmode)
    return _raw_decoder(mode, rawmode)


def decode_array(imaging, str mode, str rawmode, array, tuple bands, bint fill):
    """Unpack ``array`` into ``imaging`` (an ``Image.im`` of ``mode``, of the
    array's size) through Pillow's raw decoder for ``rawmode``.

    ``array`` exports a buffer of 1 to 3 dimensions (rows, pixels, channels)
    with any strides; ``bands`` is the channel each packed band takes, in
    order; ``fill`` appends Pillow's padding byte (255) to each pixel. The
    caller has checked that these fit the raw mode.
    """
    cdef Py_buffer view
    cdef Source source
    PyObject_GetBuffer(array, &view, PyBUF_STRIDES | PyBUF_FORMAT)
    try:
        if not 1 <= view.ndim <= 3 or len(bands) > 4:
            raise ValueError("an array of 1 to 3 dimensions and at most 4 bands")
        source.first_row = <const uint8_t *>view.buf
        source.rows = view.shape[0]
        source.row_stride = view.strides[0]
        source.pixels = view.shape[1] if view.ndim > 1 else 1
        source.gather.pixel_stride = view.strides[1] if view.ndim > 1 else 0
        source.gather.count = len(bands)
        source.gather.item = view.itemsize
        source.gather.fill = fill
        for j in range(len(bands)):
            if view.ndim < 3 and bands[j] != 0 or view.ndim == 3 and not 0 <= bands[j] < view.shape[2]:
                raise ValueError("a band is outside the channel axis")
            source.gather.offset[j] = bands[j] * (view.strides[2] if view.ndim == 3 else 0)
        decoder = decoder_for(mode, rawmode)
        try:
            decoder.setimage(imaging, (0, 0, source.pixels, source.rows))
            # Pillow's own decoder is lent the memory; any other gets copies.
            decode_from(decoder.decode, source, type(decoder) is _pillow.PILLOW_DECODER)
        finally:
            decoder.cleanup()
    finally:
        PyBuffer_Release(&view)


def convert(Plan plan not None, imaging, tuple extents, out=None):
    """Encode the ``extents`` box of ``imaging`` (an ``Image.im``) into an array.

    The box is (x0, y0, x1, y1), within the image. ``out``, when given, is a
    writable C-contiguous ndarray of the plan's shape and dtype (the caller
    has checked). Returns the filled array.
    """
    cdef Py_ssize_t width = extents[2] - extents[0]
    cdef Py_ssize_t height = extents[3] - extents[1]
    array = _empty(plan.shape(width, height), plan.dtype) if out is None else out
    if width > 0 and height > 0:
        encode_region(plan, imaging, extents, memoryview(array).cast("B"), 0)
    return array


def convert_into(Plan plan not None, imaging, tuple extents, dest, Py_ssize_t offset):
    """Encode the ``extents`` box of ``imaging`` into the writable bytes
    ``dest`` (a flat buffer, such as a whole batch) from byte ``offset``."""
    if extents[2] > extents[0] and extents[3] > extents[1]:
        encode_region(plan, imaging, extents, dest, offset)


def simd_paths():
    """Names of the kernel sets this build has and this CPU runs, best first."""
    cdef const Kernels *tables[kMaxKernelTables]
    cdef size_t count = supported_kernels(tables)
    return tuple(tables[i].name.decode("ascii") for i in range(count))


def simd_path():
    """Name of the kernel set in use."""
    return active_kernels().name.decode("ascii")


def select_simd_path(str name):
    """Use the kernel set called ``name`` from now on, in every thread."""
    if not select_kernels(name.encode("ascii")):
        raise ValueError(
            f"SIMD path {name!r} is not available here; choose one of "
            f"{', '.join(simd_paths())}"
        )


def _transform(Transform transform not None, src, dst):
    """Internal, for tests of the kernels: apply one chunk transform to the
    whole of ``src``, writing ``dst``, outside of any encoder.

    ``dst`` is a sequence of writable buffers, one per output plane.
    """
    cdef Py_buffer src_view
    cdef Py_buffer dst_views[4]
    cdef size_t planes = 0
    if len(dst) > 4:
        raise ValueError("at most 4 planes")
    PyObject_GetBuffer(src, &src_view, PyBUF_SIMPLE)
    try:
        for plane in dst:
            PyObject_GetBuffer(plane, &dst_views[planes], PyBUF_WRITABLE)
            planes += 1
        transform_buffers(transform.spec, dst_views, planes, src_view)
    finally:
        for j in range(planes):
            PyBuffer_Release(&dst_views[j])
        PyBuffer_Release(&src_view)


def _count_kernel_overlaps(bint on):
    """Internal, for tests: count, from now on (or no longer), how many times
    a kernel begins while another thread's kernel is running."""
    count_kernel_overlaps(on)


def _kernel_overlaps():
    """Internal, for tests: how many times a kernel began while another
    thread's kernel was running, while counting was on."""
    return kernel_overlaps()

