"""Write pixels as a PNG file: rows unfiltered, deflated by zlib-ng.

A chart at 300 dpi is mostly flat colour: long runs of the same pixel, which deflate
finds without help. Pillow's PNG writer first tries the five PNG row filters on every
row and keeps the best (as libpng does), which costs more than the compression itself
and, on such pictures, gives larger files than no filter. Here every row is left
unfiltered and deflated at zlib's default level by zlib-ng: on the example report's 53
figures, about a fifth of Pillow's time for files about a fifth smaller (see
benchmarks/README.md). The pixels are the same; any PNG reader reads the file.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from zlib_ng import zlib_ng

__all__ = ["encode_png", "opaque_rgb"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: PNG colour type of 3 and 4 channels of 8 bits: truecolour, truecolour with alpha.
_COLOUR_TYPE = {3: 2, 4: 6}
_LEVEL = 6


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: np.ndarray, dpi: float | None = None) -> bytes:
    """Return *pixels* (``uint8``, height × width × 3 or 4: RGB or RGBA) as a PNG file.

    *dpi*, if given, is recorded in the file (its ``pHYs`` chunk, as Pillow writes it).

    Examples
    --------
    >>> import io, numpy as np
    >>> from PIL import Image
    >>> pixels = np.zeros((2, 3, 3), np.uint8)
    >>> pixels[0, 1] = (255, 128, 0)
    >>> with Image.open(io.BytesIO(encode_png(pixels, dpi=300))) as image:
    ...     (image.mode, image.size, round(image.info["dpi"][0]),
    ...      (np.asarray(image) == pixels).all())
    ('RGB', (3, 2), 300, np.True_)
    """
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in _COLOUR_TYPE:
        raise ValueError(
            f"expected uint8 pixels of shape (h, w, 3|4), got {pixels.dtype} {pixels.shape}"
        )
    height, width, channels = pixels.shape
    rows = np.zeros((height, 1 + width * channels), np.uint8)  # a 0 before each row: no filter
    rows[:, 1:].reshape(height, width, channels)[...] = pixels
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPE[channels], 0, 0, 0)
    parts = [_SIGNATURE, _chunk(b"IHDR", header)]
    if dpi is not None:
        per_metre = int(dpi / 0.0254 + 0.5)
        parts.append(_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)))
    parts.append(_chunk(b"IDAT", zlib_ng.compress(rows, _LEVEL)))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


def opaque_rgb(rgba: np.ndarray) -> np.ndarray:
    """Return *rgba* (height × width × 4) without its alpha channel if every pixel is opaque.

    The alpha channel of an opaque picture says nothing: without it the file is smaller.
    A picture with any transparent pixel is returned as it is.
    """
    return rgba[..., :3] if rgba[..., 3].min() == 255 else rgba
