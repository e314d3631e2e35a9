# cython: language_level=3
# cython: auto_pickle=False
# cython: freethreading_compatible = True
"""The thin shell between fastpil's Python API and its C++ core (cpp/).

It turns Python objects into buffers and lengths and hands them to C++. Every
choice (which raw mode, which transform, which shape and dtype) is made by
fastpil._modes and arrives here as a Plan. One piece of the API lives here,
compiled: to_numpy, whose plain conversion of an image made in memory costs
a fixed time that is most of what a small image takes; every other call of
it goes on to fastpil._convert, plain Python.
"""
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.float cimport FLT_MAX
from libc.math cimport fabs
from cpython.buffer cimport (
    PyBUF_FORMAT,
    PyBUF_SIMPLE,
    PyBUF_STRIDES,
    PyBUF_WRITABLE,
    PyBuffer_Release,
    PyObject_GetBuffer,
)

import numpy
from PIL import Image

from . import _pillow

__version__ = FASTPIL_VERSION.decode("ascii")

cdef object _empty = numpy.empty
cdef object _dtype = numpy.dtype


cdef class Transform:
    """A chunk transform, checked once and immutable after.

    ``kind`` is a Kind; ``pixel_bytes`` the bytes of one encoded pixel and
    ``pattern`` the byte of it each output channel takes (for every kind but
    copy and to_bool, which take no pattern). The float kinds also take the
    ``sample`` type the pixels hold and the ``output`` float type; each
    conversion gives them a scale and an offset per channel (a value becomes
    ``sample * scale + offset``).
    """

    cdef TransformSpec spec
    cdef readonly object kind
    cdef readonly int pixel_bytes
    cdef readonly bytes pattern
    cdef readonly object sample
    cdef readonly object output
    cdef readonly bint floating
    cdef readonly size_t planes  # of the array: 1 but for planar kinds

    def __cinit__(self, kind, int pixel_bytes=1, bytes pattern not None=b"", *,
                  sample=Sample.u8, output=Output.float32):
        if len(pattern) > 4 or not 0 < pixel_bytes < 256:
            raise ValueError("a pattern picks 1 to 4 channels from pixels of 1 to 4 bytes")
        self.spec.kind = <Kind><int>kind
        self.spec.pattern.pixel_bytes = pixel_bytes
        self.spec.pattern.count = len(pattern)
        self.spec.sample = <Sample><int>sample
        self.spec.output = <Output><int>output
        for j in range(4):
            self.spec.pattern.index[j] = pattern[j] if j < len(pattern) else 0
            self.spec.scale[j] = 1
            self.spec.offset[j] = 0
        why = validate(self.spec)
        if why != NULL:
            raise ValueError(why.decode("ascii"))
        self.kind = Kind(kind)
        self.pixel_bytes = pixel_bytes
        self.pattern = pattern
        self.sample = Sample(sample)
        self.output = Output(output)
        self.floating = self.kind in (Kind.float_interleaved, Kind.float_planar)
        self.planes = planes_of(self.spec)

    def __repr__(self):
        text = f"Transform(Kind.{self.kind.name}, {self.pixel_bytes}, {self.pattern!r}"
        if self.floating:
            text += f", sample=Sample.{self.sample.name}, output=Output.{self.output.name}"
        return text + ")"


cdef class Plan:
    """How to convert images of one mode with one set of options: what to
    ask Pillow's encoder for, and the array it becomes. Made by
    fastpil._modes; immutable.

    ``packed_pixel`` is the bytes of one pixel in ``rawmode``; ``channels``
    the length of the channel axis (0: none); ``planar`` puts it first.
    ``widest`` is the widest region the plan converts: wider ones need
    another (fastpil._modes.for_wide_rows). ``divisor``, for float plans, is
    what a sample is divided by before the mean is taken from it.
    """

    cdef readonly str mode
    cdef readonly str rawmode
    cdef readonly Transform transform
    cdef readonly object dtype
    cdef readonly int channels
    cdef readonly bint planar
    cdef readonly int packed_pixel
    cdef readonly Py_ssize_t widest
    cdef readonly double divisor
    cdef size_t array_pixel  # bytes of one pixel in one plane of the array

    def __cinit__(self, str mode not None, str rawmode not None, Transform transform not None,
                  dtype, int channels, bint planar, int packed_pixel, *,
                  Py_ssize_t widest=PY_SSIZE_T_MAX, double divisor=1.0):
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
        self.divisor = divisor
        self.array_pixel = self.dtype.itemsize * (1 if planar or channels == 0 else channels)

    @property
    def floating(self):
        """Whether the plan writes floats, and takes a mean and a std."""
        return self.transform.floating

    cdef TransformSpec spec_for(self, normalisation) except *:
        """The transform's spec, with each channel's scale and offset for
        ``normalisation`` (means, stds: a float per channel, checked by
        fastpil._modes.normalisation) in a float plan."""
        cdef TransformSpec spec = self.transform.spec
        cdef double scale, offset
        if not self.transform.floating:
            if normalisation is not None:
                raise ValueError("only float plans take a mean and a std")
            return spec
        if normalisation is None:
            raise ValueError("a float plan needs a mean and a std per channel")
        means, stds = normalisation
        if not len(means) == len(stds) == spec.pattern.count:
            raise ValueError("a float plan takes a mean and a std per channel")
        for j in range(spec.pattern.count):
            scale = 1.0 / (self.divisor * <double>stds[j])
            offset = -<double>means[j] / <double>stds[j]
            if not (fabs(scale) <= FLT_MAX and fabs(offset) <= FLT_MAX):
                raise ValueError(
                    f"mean={means} and std={stds}: the kernels compute in float32, where "
                    f"1 / std and mean / std must stay below {FLT_MAX:.3g}")
            spec.scale[j] = <float>scale
            spec.offset[j] = <float>offset
        return spec

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
                f"packed_pixel={self.packed_pixel}, widest={self.widest}, "
                f"divisor={self.divisor})")


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


cdef int encode_region(Plan plan, const TransformSpec &spec, imaging, tuple extents, dest,
                       Py_ssize_t offset) except -1:
    """Encode ``extents`` of ``imaging`` into the flat bytes ``dest`` from
    ``offset``, with ``spec`` (the plan's, for this conversion)."""
    cdef Py_buffer view
    cdef Geometry geometry
    cdef Py_ssize_t width = extents[2] - extents[0]
    cdef Py_ssize_t height = extents[3] - extents[1]
    geometry.rows = height
    geometry.packed_row = width * plan.packed_pixel
    geometry.planes = plan.transform.planes
    geometry.array_row = width * plan.array_pixel
    encoder = encoder_for(plan.mode, plan.rawmode)
    try:
        encoder.setimage(imaging, extents)
        PyObject_GetBuffer(dest, &view, PyBUF_WRITABLE)
        try:
            encode_into(encoder.encode, view, offset,
                        geometry.planes * geometry.rows * geometry.array_row, geometry, spec)
        finally:
            PyBuffer_Release(&view)
    finally:
        encoder.cleanup()
    return 0


def to_array(Plan plan not None, imaging, tuple extents, out=None, normalisation=None):
    """Encode the ``extents`` box of ``imaging`` (an ``Image.im``) into an array.

    The box is (x0, y0, x1, y1), within the image. ``out``, when given, is a
    writable C-contiguous ndarray of the plan's shape and dtype (the caller
    has checked). ``normalisation`` is fastpil._modes.normalisation's, for
    float plans. Returns the filled array.
    """
    cdef TransformSpec spec = plan.spec_for(normalisation)  # checked, if nothing is encoded
    cdef Py_ssize_t width = extents[2] - extents[0]
    cdef Py_ssize_t height = extents[3] - extents[1]
    array = _empty(plan.shape(width, height), plan.dtype) if out is None else out
    if width > 0 and height > 0:
        encode_region(plan, spec, imaging, extents, array, 0)
    return array


def into_buffer(Plan plan not None, imaging, tuple extents, dest, Py_ssize_t offset,
                normalisation=None):
    """Encode the ``extents`` box of ``imaging`` into the writable bytes
    ``dest`` (a flat buffer, such as a whole batch) from byte ``offset``."""
    cdef TransformSpec spec = plan.spec_for(normalisation)  # checked, if nothing is encoded
    if extents[2] > extents[0] and extents[3] > extents[1]:
        encode_region(plan, spec, imaging, extents, dest, offset)


# Plans, filled by fastpil._modes.plan (which says how they are keyed) and
# read here by to_numpy's fast path.
plans = {}

cdef object _IMAGE = Image.Image
cdef object _IMAGE_LOAD = Image.Image.load
# fastpil._convert's, once imported (it imports this module). Written without
# a lock, also without a GIL: it only ever goes from None to that one
# function, which the module keeps alive, so a thread reads None (and imports,
# which costs a lookup) or the function.
cdef object _image_to_array = None


def to_numpy(im, *, out=None, channels=None, layout="HWC", box=None, dtype=None,
             scale=False, mean=None, std=None):
    """Convert a Pillow image to a NumPy array.

    With no options, the result has the dtype, shape and values of
    ``numpy.array(im)``, and is C-contiguous and writable. The pixels are
    written twice on the way, into a chunk (as large as the CPU's L2 cache,
    64 KiB to 1 MiB) that stays in cache and into the result;
    ``numpy.array(im)`` writes them three times, each time into memory as
    large as the image. The options are applied while they are written.

    Parameters
    ----------
    im : PIL.Image.Image
        An image of any mode ``numpy.array`` can convert. A lazily opened
        image is loaded first; errors from decoding it propagate unchanged.
    out : numpy.ndarray or buffer, optional
        Where to write the pixels instead of a new array: an ndarray of exactly
        the result's shape and dtype, or any object exporting a writable,
        C-contiguous buffer of exactly the result's size in bytes (a
        ``bytearray``, an ``mmap.mmap``, ``SharedMemory.buf``, ...). Notes
        says what it holds after an error.
    channels : str or sequence of str, optional
        The bands to put on the channel axis, in order: ``"BGR"`` for an RGB
        image (OpenCV's order), ``"BGRA"`` for RGBA, ``"RGB"`` to drop alpha,
        ``"A"`` for the alpha channel alone. Any 1 to 4 of the mode's bands
        (``im.getbands()``), as a string of one-letter names or a sequence of
        names (``("Cr", "Cb", "Y")``). The result equals
        ``numpy.array(im)[..., [bands.index(c) for c in channels]]``.
        Applies to multi-band modes only.
    layout : {"HWC", "CHW"}, optional
        ``"HWC"`` (default) puts the channel axis last, as ``numpy.array``
        does; ``"CHW"`` puts it first, one plane per channel, as PyTorch
        expects: ``numpy.array(im).transpose(2, 0, 1)``, C-contiguous. A
        single-band mode has no channel axis with ``"HWC"``, as with
        ``numpy.array``, and a channel axis of one with ``"CHW"``:
        ``(1, H, W)``.
    box : tuple of 4 ints, optional
        ``(left, upper, right, lower)``: convert only this region, as
        ``numpy.array(im.crop(box))`` would, without making the cropped image.
        It must lie within the image; an empty box gives an empty array.
    dtype : dtype, optional
        The mode's own dtype (the default, what ``numpy.array`` gives), or
        ``numpy.float32`` or ``numpy.float16``: the values as floats, scaled
        and normalised as the next three options say, in the same pass.
    scale : bool, optional
        Divide by the largest value of the band's integer type: 255 for
        8-bit bands, 65535 for the I;16 modes. Needs a float ``dtype``; has
        no meaning for modes 1, P, PA, I and F, which refuse it.
    mean, std : float or sequence of float, optional
        Subtract ``mean`` from each value (after ``scale``), then divide by
        ``std``: one number for every channel, or one per channel of the
        result (after ``channels``). Need a float ``dtype``; ``std`` must be
        finite and not zero. The result is
        ``((a / largest if scale else a) - mean) / std`` with ``a`` the array
        without these options; each value is within 3 units in the last
        place of that, computed exactly, counting the units at the largest
        of the result itself, ``|a / largest| / std`` and ``|mean| / std``
        (float16: within 1). The user guide says why and how this is
        tested.

    Returns
    -------
    numpy.ndarray
        A new array that owns its memory; or ``out`` itself when ``out`` is an
        ndarray; or a new ndarray viewing ``out``'s memory for other buffers.

    Raises
    ------
    TypeError
        ``im`` is not a ``PIL.Image.Image``, ``out`` is neither an ndarray nor
        a buffer, or ``box`` is not 4 integers.
    ValueError
        The image is closed; its mode has no NumPy equivalent, or is not the
        mode of its pixels (``im.im.mode``); an option does not apply to its
        mode (the message lists what does); ``box`` is not within the image;
        or ``out`` does not fit (wrong shape, dtype or size, read-only, not
        C-contiguous).
    MemoryError
        There is no memory for the array, or a row is wider than Pillow's
        raw codecs take (Notes).
    RuntimeError
        Pillow's encoder reported an error, or returned data that does not
        fit the image (a working Pillow does neither).
    Exception
        Whatever loading a lazily opened image raises (``OSError`` for a
        truncated or damaged file, ``PIL.Image.DecompressionBombError``, ...),
        unchanged; and ``KeyboardInterrupt``, or whatever a signal handler
        raises, when a signal arrives during the conversion.

    Notes
    -----
    When ``to_numpy`` raises, ``out`` does not hold the image. What it holds:

    - Nothing has been written to it when the arguments are rejected or the
      image fails to load: every check, and the decoding of a lazily opened
      image, comes before the first byte is written.
    - When the conversion fails part way (Pillow's encoder fails, or a
      signal handler raises, which is checked between chunks of 64 KiB to
      1 MiB), ``out`` holds the image's first rows, converted, and its other
      bytes are as they were. With ``layout="CHW"`` each plane holds its
      first rows. How many rows is not reported.

    An image made by ``Image.frombuffer`` or ``Image.fromarray`` may be the
    pixels of someone else's memory (Pillow maps the buffer it is given in
    some modes, and marks the image read-only), and that memory may be
    ``out``'s. fastpil cannot see where an image's pixels are, so it converts
    such an image into a new array first and copies that into ``out``: the
    result is what the image held before the call, as with ``numpy.array``,
    for one more write. A file that Pillow maps is mapped privately and
    read-only; an ``out`` that maps the same file is not seen.

    Rows wider than 67,108,856 pixels are too wide for the 4-byte raw modes
    fastpil asks Pillow for in modes RGB and YCbCr; those are converted
    through the 3-byte ones, as ``numpy.array`` converts them, more slowly.
    Where Pillow's raw codecs refuse a row (more than 2**31 bits), fastpil
    raises the ``MemoryError`` that ``numpy.array`` raises.

    Mode ``"1"`` converts to bools stored as bytes 0 and 1. ``numpy.array``
    stores its True as 0xFF, which NumPy does not guarantee to handle; the
    values compare equal.

    Examples
    --------
    >>> from PIL import Image
    >>> import fastpil
    >>> im = Image.new("RGB", (4, 3), (255, 128, 0))
    >>> a = fastpil.to_numpy(im)
    >>> a.shape, a.dtype
    ((3, 4, 3), dtype('uint8'))
    >>> a[0, 0]
    array([255, 128,   0], dtype=uint8)
    >>> fastpil.to_numpy(im, channels="BGR")[0, 0]
    array([  0, 128, 255], dtype=uint8)
    >>> fastpil.to_numpy(im, layout="CHW").shape
    (3, 3, 4)
    >>> fastpil.to_numpy(im, box=(1, 0, 3, 2)).shape
    (2, 2, 3)
    """
    # The plain conversion of an image made in memory: the call programs make
    # millions of times, often on small images, whose time is mostly this
    # function's own. Compiled, it checks that nothing needs the general path
    # (fastpil._convert, plain Python) in a few C comparisons; anything
    # unusual, an error included, takes that path.
    global _image_to_array
    cdef Plan plan
    if (out is None and box is None and dtype is None and scale is False and mean is None
            and std is None and type(im) is _IMAGE and im.palette is None
            and _IMAGE.load is _IMAGE_LOAD and "load" not in im.__dict__):
        try:
            found = plans.get((im.mode, channels, layout))
        except TypeError:  # channels that cannot be a key: a list of names, say
            found = None
        if found is not None:
            plan = found
            try:
                pixels = im.im
                pixels_mode = pixels.mode
            except ValueError:  # a closed image (raising from im.im since Pillow 11)
                pass
            else:
                width, height = im.size
                if pixels_mode == plan.mode and width <= plan.widest:
                    return to_array(plan, pixels, (0, 0, width, height))
    if _image_to_array is None:
        from ._convert import image_to_array
        _image_to_array = image_to_array
    return _image_to_array(im, out, channels, layout, box, dtype, scale, mean, std)


# For Image.fromarray under fastpil.patch(). Below this many bytes, Pillow's
# own fromarray makes every image as fast as fastpil could (both take a few
# microseconds of set-up; bench/views.py measures), so the patch leaves
# such arrays to it.
SMALL_ARRAY = 32 * 1024
cdef Py_ssize_t _SMALL_ARRAY = SMALL_ARRAY
# Each kind of array seen, (dtype, dimensions, channels, mode), and whether
# Pillow's own fromarray makes the image of a C-contiguous array of that kind
# as fast as fastpil: fastpil._images fills it in as it learns the kinds.
pillow_takes_contiguous = {}
cdef dict _pillow_takes_contiguous = pillow_takes_contiguous
cdef object _NDARRAY = numpy.ndarray
# fastpil._patch, once imported: like _image_to_array, it only ever goes from
# None to the module, so threads racing to set it (without a GIL) set the same.
cdef object _patch_module = None
cdef object _pillow_fromarray = _pillow.fromarray


def fromarray(obj, mode=None):
    """``Image.fromarray`` under ``fastpil.patch()`` (``fastpil._patch``
    has the rest, and says what it does).

    The per-call fast path, compiled because it is all there is to most
    calls, which go to Pillow's own fromarray: a small array, or a
    C-contiguous one of a kind Pillow maps or decodes as it is, costs a
    check or a lookup more than Pillow's call.
    """
    global _patch_module
    if type(obj) is _NDARRAY and (mode is None or type(mode) is str):
        if obj.nbytes < _SMALL_ARRAY:
            return _pillow_fromarray(obj, mode)
        ndim = obj.ndim
        if _pillow_takes_contiguous.get(
                (obj.dtype, ndim, obj.shape[2] if ndim == 3 else 0, mode)) is True:
            if obj.flags.c_contiguous:
                return _pillow_fromarray(obj, mode)
    if _patch_module is None:
        from . import _patch
        _patch_module = _patch
    return _patch_module.fromarray_rest(obj, mode)


cdef object decoder_for(str mode, str rawmode):
    # As encoder_for: Image._getdecoder only when a Python decoder is
    # registered under "raw", which it would return instead.
    if "raw" in _DECODERS:
        return _pillow.getdecoder(mode, rawmode)
    return _raw_decoder(mode, rawmode)


cdef Source source_of(const Py_buffer *view, tuple bands, bint fill) except *:
    # The rows of an exported array (rows, pixels, channels; any strides), as
    # the kernels gather them: `bands` is the channel each packed band takes,
    # in order; `fill` appends Pillow's padding byte (255) to each pixel.
    cdef Source source
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
    return source


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
        source = source_of(&view, bands, fill)
        decoder = decoder_for(mode, rawmode)
        try:
            decoder.setimage(imaging, (0, 0, source.pixels, source.rows))
            # Pillow's own decoder is lent the memory; any other gets copies.
            decode_from(decoder.decode, source, type(decoder) is _pillow.PILLOW_DECODER)
        finally:
            decoder.cleanup()
    finally:
        PyBuffer_Release(&view)


_PACKINGS = ("in place", "row copy", "vector", "plain")


def packing(array, tuple bands, bint fill):
    """How ``array``'s rows would be packed for ``bands`` and ``fill`` (as
    for `decode_array`): "in place" (they are the packed rows), "row copy",
    "vector" (a vectorised kernel) or "plain" (the plain loop)."""
    cdef Py_buffer view
    PyObject_GetBuffer(array, &view, PyBUF_STRIDES | PyBUF_FORMAT)
    try:
        return _PACKINGS[packing_of(source_of(&view, bands, fill))]
    finally:
        PyBuffer_Release(&view)


def pack_array(array, tuple bands, bint fill, out):
    """Pack ``array``'s rows (as for `decode_array`) into ``out``, a writable
    buffer of exactly their packed size, one row after the other."""
    cdef Py_buffer view
    cdef Py_buffer dest
    PyObject_GetBuffer(array, &view, PyBUF_STRIDES | PyBUF_FORMAT)
    try:
        PyObject_GetBuffer(out, &dest, PyBUF_WRITABLE)
        try:
            pack_into(source_of(&view, bands, fill), dest)
        finally:
            PyBuffer_Release(&dest)
    finally:
        PyBuffer_Release(&view)


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


def _transform(Transform transform not None, src, dst, affine=None):
    """Internal, for tests of the kernels: apply one chunk transform to the
    whole of ``src``, writing ``dst``, outside of any encoder.

    ``dst`` is a sequence of writable buffers, one per output plane;
    ``affine`` the scales and offsets of a float transform, as they are.
    """
    cdef TransformSpec spec = transform.spec
    if transform.floating:
        scales, offsets = affine
        for j in range(spec.pattern.count):
            spec.scale[j] = scales[j]
            spec.offset[j] = offsets[j]
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
        transform_buffers(spec, dst_views, planes, src_view)
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



def _chunk_target():
    """Internal: the bytes of packed rows a chunk aims for, in both directions."""
    return chunk_target()


def _set_chunk_target(size_t size):
    """Internal, for measurement (bench/chunks.py): aim chunks at ``size``
    bytes from now on, in every thread; 0 restores the default."""
    set_chunk_target(size)


def _l2_cache_bytes():
    """Internal: the L2 cache's size as the platform reports it, or 0."""
    return l2_cache_bytes()
