"""Write the nasty-file corpus beside this script, with each file's expected outcome.

Run once (`.venv/bin/python tests/corpus/generate.py`); the files and `expected.json` are
committed, so the corpus test needs nothing but the files. Outcomes are written by hand here:
`["ok", height, width, has_alpha]` or `["error", words the ValueError message must contain]`.
"""

from __future__ import annotations

import io
import json
import os
import struct
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pillow_heif
import skimage
from PIL import Image, TiffImagePlugin

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent.parent)]

from image_files import jpeg_with_orientation, png_declaring, tiff_16_bit  # noqa: E402


def photo(height: int, width: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.dstack([(x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256]).astype(np.uint8)


def pil_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def rgb(height: int, width: int) -> Image.Image:
    return Image.fromarray(photo(height, width)[:, :, ::-1].copy())


def chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def main() -> None:
    jpeg = cv2.imencode(".jpg", photo(120, 160))[1].tobytes()
    png = cv2.imencode(".png", photo(120, 160))[1].tobytes()
    webp = cv2.imencode(".webp", photo(120, 160))[1].tobytes()
    tiff = cv2.imencode(".tiff", photo(120, 160))[1].tobytes()
    gif = pil_bytes(rgb(120, 160).convert("P"), "GIF")
    frames = [rgb(40, 50).convert("P"), Image.new("P", (50, 40), 3)]
    corrupt_middle = bytearray(jpeg)
    corrupt_middle[len(jpeg) // 2 : len(jpeg) // 2 + 200] = b"\xff" * 200
    bad_crc = bytearray(png)
    bad_crc[29] ^= 0xFF  # inside IHDR's CRC
    exif = Image.Exif()
    exif[0x0112] = 99  # an orientation value that does not exist
    exif[0x010E] = "x" * 60000  # a huge description
    multipage = io.BytesIO()
    rgb(30, 40).save(multipage, "TIFF", save_all=True, append_images=[rgb(60, 80)])
    la = Image.fromarray(np.dstack([photo(30, 40)[:, :, 0], np.full((30, 40), 128, np.uint8)]), "LA")
    rgba = np.dstack([photo(30, 40), np.full((30, 40), 255, np.uint8)])
    rgba[:10, :10, 3] = 0
    pillow_heif.register_heif_opener()
    heic = pil_bytes(rgb(30, 40), "HEIF", quality=90)
    dot_gain = Image.open(Path(skimage.__file__).parent / "data" / "page.png").info["icc_profile"]

    # XMP as found in the wild: end tags missing, '>' inside quoted values, a tag never closed.
    bad_xmp = b'<x:xmpmeta><crs:A v="1>2"><crs:A><crs:B/><dc:subject>kept</dc:subject><crs:C x="' * 50
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[700], tags.tagtype[700] = "<x><rdf:li>Zoë</rdf:li></x>".encode(), 1
    xmp_as_text = pil_bytes(rgb(30, 40), "TIFF", tiffinfo=tags).replace(b"\xbc\x02\x01\x00", b"\xbc\x02\x02\x00")
    fine = np.random.default_rng(7).integers(0, 65536, (20, 30, 3), np.uint16)  # tones 8 bits do not hold
    files: dict[str, tuple[bytes, list]] = {
        "empty.jpg": (b"", ["error", "empty"]),
        "text-named.jpg": (b"Dear family, here are the photos from 1952.\n", ["error", "not a picture"]),
        "html-named.png": (b"<!doctype html><html><body>404</body></html>", ["error", "not a picture"]),
        "svg.png": (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', ["error", "not a picture"]),
        "pdf-named.jpg": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", ["error", "not a picture"]),
        "random-bytes.png": (np.random.default_rng(1).bytes(5000), ["error", "not a picture"]),
        "jpeg-soi-eoi-only.jpg": (b"\xff\xd8\xff\xd9", ["error", "damaged or truncated"]),
        "truncated.jpg": (jpeg[: len(jpeg) // 2], ["error", "damaged or truncated"]),
        "truncated.png": (png[: len(png) // 2], ["error", "damaged or truncated"]),
        "truncated.webp": (webp[: len(webp) // 2], ["error", "damaged or truncated"]),
        "truncated.tiff": (tiff[: len(tiff) // 2], ["error", "damaged or truncated"]),
        "truncated.gif": (gif[: len(gif) // 2], ["error", "damaged or truncated"]),
        "header-only.png": (png[:33], ["error", "damaged or truncated"]),
        "bad-crc.png": (bytes(bad_crc), ["error", "damaged or truncated"]),
        "corrupt-middle.jpg": (bytes(corrupt_middle), ["error", "damaged or truncated"]),
        "huge-declared.png": (png_declaring(30000, 30000), ["error", "megapixels"]),
        "huge-declared-wide.png": (png_declaring(1_000_000, 100), ["error", "megapixels"]),
        "zero-width.png": (png_declaring(0, 10), ["error", "damaged or truncated"]),
        "one-pixel.png": (cv2.imencode(".png", photo(1, 1))[1].tobytes(), ["ok", 1, 1, False]),
        "one-row.png": (cv2.imencode(".png", photo(1, 3000))[1].tobytes(), ["ok", 1, 3000, False]),
        "one-column.jpg": (cv2.imencode(".jpg", photo(2000, 1))[1].tobytes(), ["ok", 2000, 1, False]),
        "animated.gif": (pil_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:]), ["ok", 40, 50, False]),
        "sixteen-bit.png": (
            cv2.imencode(".png", photo(20, 30).astype(np.uint16) * 257)[1].tobytes(),
            ["ok", 20, 30, False],
        ),
        "sixteen-bit-gray.png": (
            cv2.imencode(".png", (photo(20, 30)[:, :, 0].astype(np.uint16) * 257))[1].tobytes(),
            ["ok", 20, 30, False],
        ),
        "sixteen-bit.tiff": (
            cv2.imencode(".tiff", photo(20, 30).astype(np.uint16) * 257)[1].tobytes(),
            ["ok", 20, 30, False],
        ),
        "sixteen-bit-fine-rgba.png": (
            cv2.imencode(".png", np.dstack((photo(20, 30).astype(np.uint16) * 257 + 100, fine[:, :, 0])))[1].tobytes(),
            ["ok", 20, 30, True],
        ),
        "sixteen-bit-zero-is-white.tiff": (tiff_16_bit(fine[:, :, 1], photometric=0), ["ok", 20, 30, False]),
        "sixteen-bit-planar.tiff": (
            tiff_16_bit(fine, photometric=2, separate_planes=True),
            ["error", "16-bit colors in separate planes"],
        ),
        "transparent-color.png": (pil_bytes(rgb(30, 40), "PNG", transparency=(0, 0, 0)), ["ok", 30, 40, True]),
        "float.tiff": (
            cv2.imencode(".tiff", photo(20, 30)[:, :, 0].astype(np.float32) / 255)[1].tobytes(),
            ["ok", 20, 30, False],
        ),
        "cmyk.jpg": (pil_bytes(rgb(30, 40).convert("CMYK"), "JPEG"), ["ok", 30, 40, False]),
        "palette-transparent.png": (pil_bytes(rgb(30, 40).convert("P"), "PNG", transparency=0), ["ok", 30, 40, True]),
        "gray-alpha.png": (pil_bytes(la, "PNG"), ["ok", 30, 40, True]),
        "rgba.webp": (cv2.imencode(".webp", rgba, [cv2.IMWRITE_WEBP_QUALITY, 101])[1].tobytes(), ["ok", 30, 40, True]),
        "one-bit.png": (pil_bytes(rgb(30, 40).convert("1"), "PNG"), ["ok", 30, 40, False]),
        "exif-rotated.jpg": (jpeg_with_orientation(photo(30, 40), 6), ["ok", 40, 30, False]),
        "exif-bomb.jpg": (pil_bytes(rgb(30, 40), "JPEG", exif=exif.tobytes()), ["ok", 30, 40, False]),
        "multipage.tiff": (multipage.getvalue(), ["ok", 30, 40, False]),
        "bmp.bmp": (cv2.imencode(".bmp", photo(30, 40))[1].tobytes(), ["ok", 30, 40, False]),
        "iphone.heic": (heic, ["ok", 30, 40, False]),
        "truncated.heic": (heic[: len(heic) // 2], ["error", "damaged or truncated"]),
        "photo.avif": (pil_bytes(rgb(30, 40), "AVIF", quality=90), ["ok", 30, 40, False]),
        "dot-gain-gray.png": (pil_bytes(rgb(30, 40).convert("L"), "PNG", icc_profile=dot_gain), ["ok", 30, 40, False]),
        "broken-icc.png": (pil_bytes(rgb(30, 40), "PNG", icc_profile=b"not a profile" * 20), ["ok", 30, 40, False]),
        "xmp-malformed.webp": (pil_bytes(rgb(30, 40), "WEBP", xmp=bad_xmp, lossless=True), ["ok", 30, 40, False]),
        "xmp-as-text.tiff": (xmp_as_text, ["ok", 30, 40, False]),
        "video-named.jpg": (b"\0\0\0\x20ftypisom\0\0\2\0isomiso2avc1mp41" + bytes(200), ["error", "is a video"]),
    }
    expected = {}
    for name, (data, outcome) in files.items():
        (HERE / name).write_bytes(data)
        expected[name] = outcome
    for name, target, outcome in (
        ("link-to-photo.jpg", "one-column.jpg", ["ok", 2000, 1, False]),
        ("dangling-link.jpg", "no-such-file.jpg", ["error", "cannot read"]),
    ):
        link = HERE / name
        link.unlink(missing_ok=True)
        os.symlink(target, link)
        expected[name] = outcome
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"{len(expected)} files written")


if __name__ == "__main__":
    main()
