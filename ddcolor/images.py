"""Reading photos as people really send them, and writing the results.

Decoding goes through Pillow, which reads the header before any pixel: the size limit below is
checked before memory is spent, and EXIF rotation, palettes, CMYK, 16-bit and alpha are all
handled in one place. Everything the pipeline gets is uint8 BGR, or gray for a gray file (a third
of the memory, and its lightness comes from a table), plus an optional alpha plane, and the file's
color profile and EXIF, which the result carries (its date, camera, caption; see `ddcolor.profiles`). A file
with 16 bits per sample also keeps them (`Photo.deep`; OpenCV reads the color ones, which Pillow cuts to 8),
and its PNG result is written at 16 bits.
Anything that is not a readable image raises `ValueError` with a message for a person.
"""

from __future__ import annotations

import contextlib
import functools
import io
import struct
import warnings
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from isal import isal_zlib
from PIL import Image, ImageOps

from ddcolor.checks import require_choice
from ddcolor.parallel import map_bands
from ddcolor.profiles import output_profile, profile_from_nclx, to_srgb
from ddcolor.xmp import carried_xmp

MAX_PIXELS = 50_000_000  # 50 MP: larger than any camera photo, small enough to process safely
MAX_BYTES = 100 * 1024 * 1024
OUTPUT_FORMATS = ("png", "jpg", "webp")
# JPEG keeps the colors at full resolution (4:4:4): the colors are the product, and at 4:2:0 a vivid result's
# color edges moved its lightness by up to 18 L (p99 5.6; 4:4:4: 4.4 and 2.1) for a file about 35% smaller.
# Lossy WebP is 4:2:0 whatever is asked.
_ENCODE_PARAMS = {
    "jpg": [
        cv2.IMWRITE_JPEG_QUALITY,
        95,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
    ],
    "webp": [cv2.IMWRITE_WEBP_QUALITY, 95],
}
# The longest side each format's encoder takes (WebP's 14 bits; libjpeg's own limit); PNG's is far past MAX_PIXELS.
MAX_SIDES = {"jpg": 65_500, "webp": 16_383}
PNG_LEVEL = 1  # ISA-L level 1: 3.6x faster than zlib's level 1 here, ~15% larger
PNG_BAND_ROWS = 256  # rows per independently compressed band


# First bytes of the formats people send: such a file that cannot be opened is damaged, not alien.
_IMAGE_SIGNATURES = (b"\xff\xd8", b"\x89PNG", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")
READABLE_FORMATS = "JPEG, PNG, WebP, HEIC, AVIF, TIFF, BMP, GIF"
# ISO media files (`ftyp`) of these brands are pictures (HEIF, AVIF); of any other, videos (MP4, MOV, 3GP).
_PICTURE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevs", b"mif1", b"mif2", b"msf1"}
_PICTURE_BRANDS |= {b"avif", b"avis"}
_OTHER_PICTURE_BRANDS = {b"avci", b"avio", b"crx "}  # AVC in HEIF, Canon's CR3 raw: pictures no decoder here reads
_SOUND_BRANDS = {b"M4A ", b"M4B "}  # music, audio books


@dataclass(frozen=True)
class Photo:
    pixels: np.ndarray  # uint8 BGR (H, W, 3) or gray (H, W)
    alpha: np.ndarray | None = None  # uint8 (H, W), None when fully opaque
    icc_profile: bytes | None = None  # the file's ICC profile: what its pixel values look like
    exif: bytes | None = None  # the file's EXIF ("Exif\0\0" and a TIFF block), rotation already applied
    xmp: bytes | None = None  # the file's XMP packet (captions, keywords, people), rotation already applied
    # The same pixels at 16 bits (uint16, gray or BGR) when the file held finer tones than 8 bits show (a
    # scan made at 16 bits); `pixels` is then this rounded to 8 bits. A PNG result is written at 16 bits.
    deep: np.ndarray | None = None
    deep_alpha: np.ndarray | None = None  # the alpha plane at 16 bits, where the file had one (`alpha` rounds it)

    @property
    def bgr(self) -> np.ndarray:
        """The pixels as uint8 BGR (H, W, 3), gray or not."""
        return cv2.cvtColor(self.pixels, cv2.COLOR_GRAY2BGR) if self.pixels.ndim == 2 else self.pixels

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.pixels.shape[1], self.pixels.shape[0]


@dataclass(frozen=True)
class Metadata:
    """What a result file carries besides its pixels."""

    icc_profile: bytes | None = None
    exif: bytes | None = None
    xmp: bytes | None = None


def _to_uint8(pixels: np.ndarray) -> np.ndarray:
    """Scale 16-bit, 32-bit and float pixel values into 0..255.

    A 16-bit file (uint16) is scaled whatever its values: an underexposed scan's stay under 256, and read
    as 8-bit they came out up to 257 times brighter. Pillow's 32-bit integers say nothing of the file's
    depth, so there values within 0..255 are taken as 8-bit."""
    if pixels.dtype == np.uint8:
        return pixels
    if pixels.dtype == np.uint16 and (pixels.ndim == 2 or pixels.shape[2] <= 4):  # x / 257 rounded, on all cores
        return cv2.convertScaleAbs(pixels, alpha=1 / 257)
    if pixels.dtype == np.bool_:
        return pixels.astype(np.uint8) * 255
    if np.issubdtype(pixels.dtype, np.floating):
        finite = np.nan_to_num(pixels.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
        scale = 255.0 if finite.max(initial=0.0) <= 1.0 else 1.0
        return np.clip(finite * scale, 0, 255).round().astype(np.uint8)
    wide = pixels.astype(np.int64)
    if pixels.dtype != np.uint16 and wide.max(initial=0) <= 255:
        return np.clip(wide, 0, 255).astype(np.uint8)
    return np.clip((wide + 128) // 257, 0, 255).astype(np.uint8)  # 16-bit range


_ORIENTATION, _EXIF_IFD, _GPS_IFD = 0x0112, 0x8769, 0x8825
_BITS_PER_SAMPLE, _PHOTOMETRIC, _PLANAR = 258, 262, 284  # TIFF tags
_MIN_IS_WHITE, _SEPARATE_PLANES = 0, 2
_PIXEL_WIDTH, _PIXEL_HEIGHT = 0xA002, 0xA003  # in the Exif IFD
# A TIFF's own tags are its EXIF; of them, only those that describe the photo, not the file's layout.
_TIFF_DESCRIPTION_TAGS = {270, 271, 272, 282, 283, 296, 305, 306, 315, 33432, _EXIF_IFD, _GPS_IFD}


def _exif_of(image: Image.Image) -> bytes | None:
    """The EXIF to carry to the result, read from the file as opened (before turning it upright): its date,
    camera or scanner, caption, place. Without the orientation (applied), with the pixel sizes swapped
    where the turn swapped them, and without the thumbnail (of the black-and-white photo, which viewers
    would show for the colorized one)."""
    with contextlib.suppress(Exception):  # metadata is never worth losing the photo over
        exif = Image.Exif()
        exif.load(image.getexif().tobytes())  # a copy: the image's own is what `exif_transpose` reads
        if image.format == "TIFF":
            for tag in set(exif) - _TIFF_DESCRIPTION_TAGS:
                del exif[tag]
        if exif.pop(_ORIENTATION, 1) in (5, 6, 7, 8):
            sizes = exif.get_ifd(_EXIF_IFD)
            if _PIXEL_WIDTH in sizes and _PIXEL_HEIGHT in sizes:
                sizes[_PIXEL_WIDTH], sizes[_PIXEL_HEIGHT] = sizes[_PIXEL_HEIGHT], sizes[_PIXEL_WIDTH]
        if len(exif):
            return exif.tobytes()
    return None


def _pillow_to_photo(image: Image.Image, exif: bytes | None, *, zero_is_white: bool = False) -> Photo:
    icc_profile = image.info.get("icc_profile") or profile_from_nclx(image.info.get("nclx_profile"))
    if image.mode in ("RGB", "L") and "transparency" in image.info:  # a PNG's one transparent color (tRNS)
        image = image.convert("RGBA" if image.mode == "RGB" else "LA")
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode == "PA" else "RGB")
    if image.mode == "La":
        image = image.convert("LA")
    if image.mode == "RGBa":
        image = image.convert("RGBA")
    if image.mode == "1":
        image = image.convert("L")
    if image.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        image = image.convert("RGB")
    samples = np.asarray(image)
    deep = samples.astype(np.uint16) if samples.dtype.kind == "u" and samples.dtype.itemsize == 2 else None
    if deep is not None and zero_is_white:  # Pillow turns an 8-bit TIFF so, not a 16-bit one
        deep = samples = 65535 - deep
    pixels, alpha = _to_uint8(samples if deep is None else deep), None
    if pixels.ndim == 3 and pixels.shape[2] in (2, 4):
        alpha = np.ascontiguousarray(pixels[:, :, -1])
        alpha = None if alpha.min() == 255 else alpha
    if pixels.ndim == 2 or pixels.shape[2] == 2:  # gray, with alpha or not
        pixels = np.ascontiguousarray(pixels if pixels.ndim == 2 else pixels[:, :, 0])
    else:
        pixels = cv2.cvtColor(np.ascontiguousarray(pixels[:, :, :3]), cv2.COLOR_RGB2BGR)
    xmp = image.info.get("xmp")
    photo = Photo(pixels, alpha, icc_profile, exif, carried_xmp(xmp) if isinstance(xmp, bytes) else None)
    return _with_deep(photo, deep) if deep is not None else photo


def _color_at_16_bits(image: Image.Image, data: bytes) -> np.ndarray | None:
    """A 16-bit color PNG or TIFF's samples as stored (uint16 BGR(A) or gray and alpha, before any EXIF turn):
    Pillow reads gray at 16 bits but color only at 8, keeping each sample's high byte."""
    if image.mode not in ("RGB", "RGBA", "LA"):
        return None
    if image.format == "PNG":
        sixteen = data[24:25] == b"\x10"  # the bit depth, in IHDR right after the signature and the size
    elif image.format == "TIFF":
        sixteen = 16 in tuple(image.tag_v2.get(_BITS_PER_SAMPLE, ()))
    else:
        return None
    if not sixteen:
        return None
    samples = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    return samples if samples is not None and samples.dtype == np.uint16 else None


# How each EXIF orientation turns the stored pixels upright, as Pillow's `exif_transpose` does.
_UPRIGHT = {
    2: lambda pixels: pixels[:, ::-1],
    3: lambda pixels: pixels[::-1, ::-1],
    4: lambda pixels: pixels[::-1],
    5: lambda pixels: pixels.swapaxes(0, 1),
    6: lambda pixels: np.rot90(pixels, -1),
    7: lambda pixels: np.rot90(pixels, 2).swapaxes(0, 1),
    8: lambda pixels: np.rot90(pixels, 1),
}


def _with_deep(photo: Photo, samples: np.ndarray) -> Photo:
    """`photo` with its 16-bit samples (uint16, upright) as `deep` (and `deep_alpha`), and its 8-bit pixels and
    alpha rounded from them.

    Kept only where they are the photo Pillow decoded (rounded or cut to 8 bits they are its pixels, a check
    that also covers the turn) and hold finer tones than 8 bits: a file of 8-bit tones times 257 stays 8-bit."""
    alpha = samples[:, :, -1] if samples.ndim == 3 and samples.shape[2] in (2, 4) else None
    deep = samples[:, :, 0] if photo.pixels.ndim == 2 and samples.ndim == 3 else samples  # gray and alpha
    deep = np.ascontiguousarray(deep[:, :, :3] if deep.ndim == 3 else deep)
    if deep.shape != photo.pixels.shape:
        return photo
    pixels = _to_uint8(deep)
    if not (np.array_equal(pixels, photo.pixels) or np.array_equal(deep >> 8, photo.pixels)):
        return photo
    if alpha is not None:  # Pillow keeps its high byte: 1-255 went transparent, 65280-65534 opaque
        alpha = None if alpha.min() == 65535 else np.ascontiguousarray(alpha)
        photo = replace(photo, alpha=None if alpha is None else _to_uint8(alpha))
    if np.array_equal(deep, pixels.astype(np.uint16) * 257) and (alpha is None or np.all(alpha % 257 == 0)):
        return replace(photo, pixels=pixels)
    return replace(photo, pixels=pixels, deep=deep, deep_alpha=alpha)


def _planar_16_bit_tiff(image: Image.Image) -> bool:
    if image.format != "TIFF" or image.tag_v2.get(_PLANAR) != _SEPARATE_PLANES:
        return False
    return len(tuple(image.tag_v2.get(_BITS_PER_SAMPLE, ()))) > 1 and 16 in image.tag_v2.get(_BITS_PER_SAMPLE)


class _Refused(ValueError):
    """A file refused in our own words; any other error while decoding means the file is damaged (decoders
    raise ValueError too: pillow-heif for a HEIC cut short)."""


@functools.cache
def _read_heif() -> None:
    """Let Pillow open HEIC/HEIF, the photos iPhones take (and scan prints into); imported on first use."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def decode_image(data: bytes, *, what: str = "image") -> Photo:
    """Decode encoded bytes (JPEG, PNG, WebP, HEIC, AVIF, TIFF, BMP, GIF, ...) into a `Photo`."""
    _read_heif()
    if not data:
        raise ValueError(f"the {what} file is empty")
    if len(data) > MAX_BYTES:
        raise ValueError(f"the {what} file is {len(data) / 2**20:.0f} MB; the limit is {MAX_BYTES // 2**20} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's notes on odd metadata are noise to a user
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width <= 0 or height <= 0:
                raise _Refused(f"the {what} has no pixels ({width}x{height})")
            if width * height > MAX_PIXELS:
                raise _Refused(
                    f"the {what} is {width}x{height} = {width * height / 1e6:.0f} megapixels; "
                    f"the limit is {MAX_PIXELS / 1e6:.0f} megapixels"
                )
            if _planar_16_bit_tiff(image):  # its colors decode wrongly, without an error
                raise _Refused(
                    f"the {what} is a TIFF with 16-bit colors in separate planes, which cannot be read here; "
                    "save it as an ordinary (interleaved) TIFF or a PNG"
                )
            if isinstance(image.info.get("xmp"), str):  # a TIFF's XMP tag typed as text, which Pillow decodes as
                image.info["xmp"] = image.info["xmp"].encode("latin-1")  # Latin-1: its EXIF reader takes bytes
            image.load()
            exif = _exif_of(image)
            color_16 = _color_at_16_bits(image, data)
            zero_is_white = image.format == "TIFF" and image.tag_v2.get(_PHOTOMETRIC) == _MIN_IS_WHITE
            # A broken EXIF block must not lose the photo: keep it unrotated.
            with contextlib.suppress(Exception):
                orientation = image.getexif().get(_ORIENTATION, 1)
                image = ImageOps.exif_transpose(image)
                if color_16 is not None and orientation in _UPRIGHT:
                    color_16 = _UPRIGHT[orientation](color_16)
            photo = _pillow_to_photo(image, exif, zero_is_white=zero_is_white)
            return _with_deep(photo, color_16) if color_16 is not None else photo
    except _Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(f"the {what} declares more than {MAX_PIXELS / 1e6:.0f} megapixels") from None
    except Image.UnidentifiedImageError:
        iso_media = data[4:8] == b"ftyp"
        if iso_media and data[8:12] in _SOUND_BRANDS:
            raise ValueError(f"the {what} file is a sound file, not a picture") from None
        if iso_media and data[8:12] in _OTHER_PICTURE_BRANDS:
            raise ValueError(f"the {what} is not a picture in a format we can read ({READABLE_FORMATS})") from None
        if (iso_media and data[8:12] not in _PICTURE_BRANDS) or data.startswith(b"\x1a\x45\xdf\xa3"):  # MP4, WebM
            raise ValueError(
                f"the {what} file is a video, not a picture"
                + (
                    "; colorize it as a video (colorize-video, or the video predictor)"
                    if what == "image"
                    else "; give a picture"
                )
            ) from None
        if (
            data.startswith(_IMAGE_SIGNATURES)
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
            or iso_media  # HEIC, AVIF
        ):
            raise ValueError(f"the {what} file is damaged or truncated (its header cannot be read)") from None
        raise ValueError(f"the {what} is not a picture in a format we can read ({READABLE_FORMATS})") from None
    except Exception as error:  # truncated or corrupt data surfaces as many exception types
        raise ValueError(f"the {what} file is damaged or truncated ({str(error).strip()})") from None


def seen_bgr(photo: Photo) -> np.ndarray:
    """The photo's pixels as sRGB BGR, as they look: a Display P3 or Adobe RGB photo converted through its
    profile (read as sRGB numbers, its colors would be duller than they look)."""
    bgr = photo.bgr
    if photo.icc_profile is not None and photo.pixels.ndim == 3:
        rgb = Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        seen = to_srgb(rgb, photo.icc_profile)
        bgr = bgr if seen is rgb else cv2.cvtColor(np.asarray(seen), cv2.COLOR_RGB2BGR)
    return bgr


def visible_bgr(photo: Photo, *, what: str = "reference") -> np.ndarray:
    """The photo as sRGB BGR with only what it shows, for a photo whose colors are read (a reference).

    Colors are read as they look (`seen_bgr`). A cut-out PNG hides colors under its
    transparent pixels (black, or whatever was there before), and they would steer the result as much as
    the visible ones: a red object on a hidden black background read as 84% colorless. So the photo is
    cropped to its visible part (alpha of half or more; any, where
    nothing is half opaque), and each transparent pixel left there takes the
    color of the nearest visible one (a nearest-pixel fill: 0.07 s per megapixel, where inpainting took
    1 s)."""
    bgr = seen_bgr(photo)
    if photo.alpha is None:
        return bgr
    shown = photo.alpha >= 128
    if not shown.any():  # a layer exported at 40% opacity: what it shows at all
        shown = photo.alpha > 0
    if not shown.any():
        raise ValueError(f"the {what} is fully transparent: it shows no colors")
    rows, columns = np.flatnonzero(shown.any(axis=1)), np.flatnonzero(shown.any(axis=0))
    box = slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1)
    bgr, hidden = bgr[box], ~shown[box]
    if not hidden.any():
        return np.ascontiguousarray(bgr)
    _, nearest = cv2.distanceTransformWithLabels(
        hidden.astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    colors = np.zeros((int(nearest.max()) + 1, 3), np.uint8)
    colors[nearest[~hidden]] = bgr[~hidden]
    return colors[nearest]


def read_image(path: str | Path, *, what: str = "image") -> Photo:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"the {what} file is {size / 2**20:.0f} MB; the limit is {MAX_BYTES // 2**20} MB")
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read the {what} file {path}: {error.strerror or error}") from None
    return decode_image(data, what=what)


def read_reference(path: str | Path) -> np.ndarray:
    """A reference photo file as the colors it shows (`visible_bgr`), for the transfer."""
    return visible_bgr(read_image(path, what="reference"))


def check_output_size(size: tuple[int, int], output_format: str) -> None:
    """Refuse a (width, height) that `output_format` cannot hold, before the work, in words a person reads: a
    panorama well within MAX_PIXELS can be wider than WebP or JPEG allow."""
    most = MAX_SIDES.get(output_format)
    if most is not None and max(size) > most:
        raise ValueError(
            f"the photo is {size[0]} x {size[1]} pixels; {output_format} holds at most {most} pixels a side, "
            "so choose png"
        )


def encode_image(photo: Photo, output_format: str) -> bytes:
    """PNG and WebP keep the alpha plane; JPEG has none, so transparent parts go white. Every format
    carries the photo's color profile, EXIF and XMP."""
    require_choice("output_format", output_format, OUTPUT_FORMATS)
    check_output_size(photo.size, output_format)
    pixels = photo.bgr
    if output_format == "png" and photo.deep is not None:  # PNG holds 16 bits: the scan's finer tones are kept
        pixels = cv2.cvtColor(photo.deep, cv2.COLOR_GRAY2BGR) if photo.deep.ndim == 2 else photo.deep
    if photo.alpha is not None:
        if output_format == "jpg":
            weight = photo.alpha[:, :, None].astype(np.float32) / 255.0
            pixels = (pixels * weight + 255.0 * (1.0 - weight)).round().astype(np.uint8)
        elif pixels.dtype == np.uint16:
            pixels = np.dstack(
                (pixels, photo.alpha.astype(np.uint16) * 257 if photo.deep_alpha is None else photo.deep_alpha)
            )
        else:
            pixels = np.dstack((pixels, photo.alpha))
    metadata = Metadata(output_profile(photo.icc_profile), photo.exif, photo.xmp)
    if output_format == "png":
        return encode_png(pixels, metadata=metadata)
    ok, encoded = cv2.imencode("." + output_format, pixels, _ENCODE_PARAMS[output_format])
    if not ok:
        raise ValueError(f"could not encode the result as {output_format}")
    if output_format == "jpg":
        return _jpeg_with_metadata(encoded.tobytes(), metadata)
    return _webp_with_metadata(encoded.tobytes(), photo.size, metadata, alpha=photo.alpha is not None)


_EXIF_HEADER = b"Exif\0\0"  # before the TIFF block in JPEG's APP1; PNG and WebP store the TIFF block alone
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\0"  # before the packet in JPEG's APP1


_JPEG_MOST_APP1 = 65533  # one APP1 segment: 65535 less its length field
_BULKY_EXIF_TAGS = (0x927C, 0x9286)  # MakerNote, UserComment: where EXIF grows past what JPEG holds


def _without_bulky_tags(exif: bytes) -> bytes | None:
    """EXIF too long for a JPEG without its maker's notes and user comment, so that the date, camera and
    caption still fit; None when that is not enough (or it cannot be read)."""
    with contextlib.suppress(Exception):
        trimmed = Image.Exif()
        trimmed.load(exif)
        details = trimmed.get_ifd(_EXIF_IFD)
        for tag in _BULKY_EXIF_TAGS:
            details.pop(tag, None)
        return trimmed.tobytes()
    return None


def _jpeg_with_metadata(data: bytes, metadata: Metadata) -> bytes:
    """Insert EXIF and XMP (APP1 each) and the ICC profile (APP2, in parts of at most 64 KB) after the JFIF
    header. XMP longer than one segment (which would need Adobe's extended XMP) is left out."""
    segments = []
    icc_profile, exif = metadata.icc_profile, metadata.exif
    if exif and len(exif) > _JPEG_MOST_APP1:
        exif = _without_bulky_tags(exif)
    for payload in (exif, metadata.xmp and _XMP_HEADER + metadata.xmp):
        if payload and len(payload) <= _JPEG_MOST_APP1:
            segments.append(b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload)
    if icc_profile:
        step = 65519  # a segment's most: 65535 less its length field and the ICC_PROFILE tag, number and count
        parts = [icc_profile[start : start + step] for start in range(0, len(icc_profile), step)]
        if len(parts) <= 255:
            for number, part in enumerate(parts, 1):
                payload = b"ICC_PROFILE\0" + bytes((number, len(parts))) + part
                segments.append(b"\xff\xe2" + struct.pack(">H", len(payload) + 2) + payload)
    start = 2  # after SOI, and after JFIF's APP0, which must come first
    if data[2:4] == b"\xff\xe0":
        start = 4 + struct.unpack(">H", data[4:6])[0]
    return data[:start] + b"".join(segments) + data[start:]


def _webp_with_metadata(data: bytes, size: tuple[int, int], metadata: Metadata, *, alpha: bool) -> bytes:
    """Rewrite a WebP file in the extended format (VP8X) with ICCP, EXIF and XMP chunks around the image."""
    icc_profile, exif, xmp = metadata.icc_profile, metadata.exif, metadata.xmp
    if not icc_profile and not exif and not xmp:
        return data
    chunks, position = [], 12
    while position + 8 <= len(data):
        kind, length = data[position : position + 4], struct.unpack("<I", data[position + 4 : position + 8])[0]
        chunks.append((kind, data[position + 8 : position + 8 + length]))
        position += 8 + length + (length & 1)
    flags = (0x10 if alpha else 0) | (0x20 if icc_profile else 0) | (0x08 if exif else 0) | (0x04 if xmp else 0)
    if chunks and chunks[0][0] == b"VP8X":
        flags |= chunks.pop(0)[1][0]
    width, height = size
    header = (b"VP8X", bytes((flags, 0, 0, 0)) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little"))
    extra_before = [(b"ICCP", icc_profile)] if icc_profile else []
    extra_after = [(b"EXIF", exif.removeprefix(_EXIF_HEADER))] if exif else []
    extra_after += [(b"XMP ", xmp)] if xmp else []
    body = b"".join(
        kind + struct.pack("<I", len(payload)) + payload + bytes(len(payload) & 1)
        for kind, payload in [header, *extra_before, *chunks, *extra_after]
    )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def _png_chunk(kind: bytes, *parts: bytes) -> list[bytes]:
    """A PNG chunk as pieces, so that a large IDAT is copied only once, by the final join."""
    crc = isal_zlib.crc32(kind)
    for part in parts:
        crc = isal_zlib.crc32(part, crc)
    return [struct.pack(">I", sum(map(len, parts))), kind, *parts, struct.pack(">I", crc)]


def encode_png(pixels: np.ndarray, *, metadata: Metadata = Metadata()) -> bytes:
    """RGB(A) PNG from uint8 or uint16 BGR(A) pixels (8 or 16 bits per sample), compressed on all cores, with an
    optional profile, EXIF, XMP.

    Compression is most of the time of a large result (about 0.7 s at 12 MP for libpng on one
    core, bench/request_speed.py). Each band of rows is reordered to RGB, given PNG's Sub filter
    and deflated by ISA-L in its own thread (it releases the GIL); the bands are joined into one
    zlib stream, each ending on a byte boundary with a sync flush, as pigz does. Any PNG reader
    decodes the result.
    """
    height, width, channels = pixels.shape
    depth = pixels.dtype.itemsize  # bytes per sample
    step = channels * depth  # bytes per pixel
    rows = np.empty((height, 1 + width * step), np.uint8)  # filtered scanlines, kept for the checksum

    def deflate(band: slice) -> bytes:
        rgb = cv2.cvtColor(pixels[band], cv2.COLOR_BGRA2RGBA if channels == 4 else cv2.COLOR_BGR2RGB)
        if depth == 2:
            rgb = rgb.astype(">u2")  # PNG's samples are big-endian
        flat, filtered = rgb.view(np.uint8).reshape(len(rgb), width * step), rows[band]
        filtered[:, 0] = 1  # filter type Sub: each byte minus the same byte of the pixel to its left
        filtered[:, 1 : 1 + step] = flat[:, :step]
        np.subtract(flat[:, step:], flat[:, :-step], out=filtered[:, 1 + step :])
        compressor = isal_zlib.compressobj(PNG_LEVEL, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS)
        flush = isal_zlib.Z_FINISH if band.stop == height else isal_zlib.Z_SYNC_FLUSH
        return compressor.compress(filtered) + compressor.flush(flush)

    compressed = map_bands(height, deflate, PNG_BAND_ROWS)
    checksum = struct.pack(">I", isal_zlib.adler32(rows))
    header = struct.pack(">IIBBBBB", width, height, 8 * depth, 6 if channels == 4 else 2, 0, 0, 0)
    zlib_header = b"\x78\x01"  # deflate, fastest level
    chunks = []
    if metadata.icc_profile:  # a name, a zero, compression method 0 (deflate), the compressed profile
        chunks += _png_chunk(b"iCCP", b"ICC profile\0\0", zlib.compress(metadata.icc_profile))
    if metadata.exif:
        chunks += _png_chunk(b"eXIf", metadata.exif.removeprefix(_EXIF_HEADER))
    if metadata.xmp:  # iTXt: its keyword, uncompressed, no language or translated keyword
        chunks += _png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0", metadata.xmp)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            *_png_chunk(b"IHDR", header),
            *chunks,
            *_png_chunk(b"IDAT", zlib_header, *compressed, checksum),
            *_png_chunk(b"IEND"),
        ]
    )


def output_format_of(path: str | Path) -> str:
    """The output format a file name asks for (its suffix: .png, .jpg or .jpeg, .webp)."""
    return Path(path).suffix.lower().lstrip(".").replace("jpeg", "jpg")


def write_image(photo: Photo, path: str | Path) -> Path:
    """Write atomically (a crash never leaves half a file under the final name)."""
    path = Path(path)
    data = encode_image(photo, output_format_of(path))
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
    return path
