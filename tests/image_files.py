"""Encoded image files of the kinds people upload, made on the fly for tests."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
from PIL import Image

from conftest import gradient_photo


def encode(array: np.ndarray, ext: str = ".png") -> bytes:
    ok, data = cv2.imencode(ext, array)
    assert ok
    return data.tobytes()


def jpeg_with_orientation(bgr: np.ndarray, orientation: int) -> bytes:
    """A JPEG whose EXIF says how to rotate the stored pixels for display."""
    image = Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def cmyk_jpeg(bgr: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)).convert("CMYK").save(out, "JPEG", quality=95)
    return out.getvalue()


def palette_png_with_transparency(height: int = 40, width: int = 60) -> bytes:
    image = Image.fromarray(gradient_photo(height, width)[:, :, ::-1].copy()).convert("P", palette=Image.ADAPTIVE)
    image.info["transparency"] = 0
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)
    return out.getvalue()


def sixteen_bit_png(height: int = 40, width: int = 60) -> bytes:
    ramp = (np.linspace(0, 65535, width, dtype=np.float64)[None, :] * np.ones((height, 1))).astype(np.uint16)
    return encode(np.dstack([ramp, ramp[:, ::-1], ramp]))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge image (a decompression bomb's first bytes)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def jpeg_with_thumbnail(gray: np.ndarray, caption: str) -> bytes:
    """A JPEG whose EXIF holds a caption and, as cameras and scanners write it, a thumbnail (IFD1)."""
    thumbnail = io.BytesIO()
    Image.new("L", (8, 8), 128).save(thumbnail, "JPEG")
    text = caption.encode("ascii") + b"\0"
    text_at = 8 + 2 + 12 + 4  # after the header and IFD0's one entry and next-IFD pointer
    ifd1_at = text_at + len(text)
    thumbnail_at = ifd1_at + 2 + 2 * 12 + 4
    ifd0 = struct.pack("<HHHII", 1, 0x010E, 2, len(text), text_at) + struct.pack("<I", ifd1_at)
    ifd1 = struct.pack("<H", 2) + struct.pack("<HHII", 0x0201, 4, 1, thumbnail_at)
    ifd1 += struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail.getvalue())) + struct.pack("<I", 0)
    tiff = b"II*\0" + struct.pack("<I", 8) + ifd0 + text + ifd1 + thumbnail.getvalue()
    out = io.BytesIO()
    Image.fromarray(gray).save(out, "JPEG", exif=b"Exif\0\0" + tiff, quality=95)
    return out.getvalue()


def tiff_16_bit(samples: np.ndarray, *, photometric: int, separate_planes: bool = False) -> bytes:
    """An uncompressed little-endian 16-bit TIFF of `samples` (H, W) or (H, W, C) as stored, with the given
    PhotometricInterpretation (0: zero is white, 1: zero is black, 2: RGB), interleaved or in planes."""
    height, width = samples.shape[:2]
    channels = 1 if samples.ndim == 2 else samples.shape[2]
    planes = [samples.reshape(height, width, channels)[:, :, c] for c in range(channels)]
    strips = [p.astype("<u2").tobytes() for p in planes] if separate_planes else [samples.astype("<u2").tobytes()]
    data, offsets = b"", []
    for strip in strips:
        offsets.append(8 + len(data))
        data += strip
    tags = {
        256: (4, [width]),
        257: (4, [height]),
        258: (3, [16] * channels),
        259: (3, [1]),
        262: (3, [photometric]),
        273: (4, offsets),
        277: (3, [channels]),
        278: (4, [height]),
        279: (4, [len(s) for s in strips]),
        284: (3, [2 if separate_planes else 1]),
    }
    extra, entries = b"", []
    ifd_at = 8 + len(data)
    values_at = ifd_at + 2 + 12 * len(tags) + 4
    for tag, (kind, values) in sorted(tags.items()):
        packed = b"".join(struct.pack("<I" if kind == 4 else "<H", v) for v in values)
        if len(packed) <= 4:
            field = packed.ljust(4, b"\0")
        else:
            field = struct.pack("<I", values_at + len(extra))
            extra += packed
        entries.append(struct.pack("<HHI", tag, kind, len(values)) + field)
    ifd = struct.pack("<H", len(entries)) + b"".join(entries) + struct.pack("<I", 0)
    return b"II*\0" + struct.pack("<I", ifd_at) + data + ifd + extra
