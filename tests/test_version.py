from importlib.metadata import version

import fastpil
from fastpil import _core


def test_versions_agree():
    assert fastpil.__version__ == version("fastpil") == _core.__version__


def test_public_names():
    assert sorted(fastpil.__all__) == [
        "__version__",
        "patch",
        "patched",
        "simd_path",
        "to_image",
        "to_images",
        "to_numpy",
        "to_numpy_batch",
        "unpatch",
    ]
    for name in fastpil.__all__:
        assert hasattr(fastpil, name)
