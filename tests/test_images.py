"""Decoding what people really upload, and refusing what is not a photo."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from conftest import gradient_photo
from ddcolor.images import (
    MAX_PIXELS,
    Metadata,
    Photo,
    decode_image,
    encode_image,
    encode_png,
    read_image,
    visible_bgr,
    write_image,
)
from image_files import (
    cmyk_jpeg,
    encode,
    jpeg_with_orientation,
    palette_png_with_transparency,
    png_declaring,
    sixteen_bit_png,
    tiff_16_bit,
    truncated,
)


def test_exif_rotation_is_applied():
    stored = gradient_photo(40, 60)  # 60 wide, 40 high as stored
    photo = decode_image(jpeg_with_orientation(stored, orientation=6))  # "rotate 90 clockwise to view"
    assert photo.bgr.shape == (60, 40, 3)
    expected = cv2.rotate(stored, cv2.ROTATE_90_CLOCKWISE)
    assert np.abs(photo.bgr.astype(int) - expected.astype(int)).mean() < 6


def test_gray_png_stays_gray_and_reads_as_three_equal_channels():
    gray = cv2.cvtColor(gradient_photo(30, 50), cv2.COLOR_BGR2GRAY)
    photo = decode_image(encode(gray))
    assert np.array_equal(photo.pixels, gray) and photo.alpha is None and photo.size == (50, 30)
    assert photo.bgr.shape == (30, 50, 3)
    assert np.array_equal(photo.bgr[:, :, 0], gray) and np.array_equal(photo.bgr[:, :, 2], gray)


def test_gray_with_alpha_keeps_both():
    gray = cv2.cvtColor(gradient_photo(30, 50), cv2.COLOR_BGR2GRAY)
    alpha = np.full_like(gray, 255)
    alpha[:10] = 0
    buffer = io.BytesIO()
    Image.fromarray(np.dstack((gray, alpha)), "LA").save(buffer, "PNG")
    photo = decode_image(buffer.getvalue())
    assert np.array_equal(photo.pixels, gray) and np.array_equal(photo.alpha, alpha)


def test_sixteen_bit_png_is_scaled_not_clipped():
    photo = decode_image(sixteen_bit_png())
    assert photo.bgr.dtype == np.uint8
    blue, green = photo.bgr[:, :, 0], photo.bgr[:, :, 1]
    assert blue[:, 0].max() <= 1 and blue[:, -1].min() >= 254 and green[:, 0].min() >= 254  # full range kept


@pytest.mark.parametrize("ext", [".png", ".tiff"])
def test_an_underexposed_sixteen_bit_gray_scan_stays_dark(ext):
    dark = np.tile(np.arange(0, 250, dtype=np.uint16), (10, 1))  # at most 0.4% of the 16-bit scale
    photo = decode_image(encode(dark, ext))
    assert photo.pixels.max() <= 1, "read as 8-bit, its values came out up to 257 times brighter"


@pytest.mark.parametrize("ext", [".png", ".tiff"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_a_sixteen_bit_scan_keeps_its_sixteen_bits(ext, channels):
    """Pillow reads 16-bit color at 8 bits; the photo keeps the file's own samples beside its 8-bit pixels."""
    shape = (30, 40, channels) if channels > 1 else (30, 40)
    stored = np.random.default_rng(channels).integers(0, 65536, shape, np.uint16)
    photo = decode_image(encode(stored, ext))
    assert np.array_equal(photo.deep, stored[:, :, :3] if channels > 1 else stored)
    assert np.array_equal(photo.pixels, ((photo.deep.astype(int) + 128) // 257).astype(np.uint8))  # rounded, not cut
    if channels == 4:  # its alpha too: Pillow's high byte made 1-255 transparent and 65280-65534 opaque
        assert np.array_equal(photo.deep_alpha, stored[:, :, 3])
        assert np.array_equal(photo.alpha, ((stored[:, :, 3].astype(int) + 128) // 257).astype(np.uint8))
        written = cv2.imdecode(np.frombuffer(encode_image(photo, "png"), np.uint8), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(written[:, :, 3], stored[:, :, 3])


def test_a_sixteen_bit_photo_is_turned_upright_as_its_eight_bits_are():
    stored = np.random.default_rng(0).integers(0, 65536, (30, 40, 3), np.uint16)  # 40 wide as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    photo = decode_image(encode_png(stored, metadata=Metadata(exif=exif.tobytes())))
    assert np.array_equal(photo.deep, cv2.rotate(stored, cv2.ROTATE_90_CLOCKWISE))
    assert photo.size == (30, 40)


def test_a_nearly_opaque_sixteen_bit_alpha_is_kept():
    stored = np.dstack((np.full((8, 8, 3), 30_000, np.uint16), np.full((8, 8), 65_400, np.uint16)))
    photo = decode_image(encode(stored))
    assert photo.alpha is not None and np.array_equal(photo.deep_alpha, stored[:, :, 3])


def test_a_sixteen_bit_gray_tiff_whose_zero_is_white_reads_as_it_looks():
    """Pillow turns an 8-bit one the right way up, not a 16-bit one: it came out a negative."""
    tones = np.tile(np.arange(0, 65536, 4096, dtype=np.uint16), (4, 1))
    photo = decode_image(tiff_16_bit(65535 - tones, photometric=0))
    assert np.array_equal(photo.deep, tones) and photo.pixels[0, 0] == 0 and photo.pixels[0, -1] == 239


def test_a_png_with_one_transparent_color_keeps_its_transparency():
    pixels = np.full((6, 6, 3), 200, np.uint8)
    pixels[:3] = (10, 20, 30)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", transparency=(10, 20, 30))
    assert np.array_equal(decode_image(buffer.getvalue()).alpha[:, 0], [0, 0, 0, 255, 255, 255])


def test_a_planar_sixteen_bit_tiff_is_refused_rather_than_scrambled():
    samples = np.random.default_rng(0).integers(0, 65536, (8, 8, 3), np.uint16)
    assert np.array_equal(decode_image(tiff_16_bit(samples, photometric=2)).deep, samples[:, :, ::-1])
    with pytest.raises(ValueError, match="16-bit colors in separate planes"):
        decode_image(tiff_16_bit(samples, photometric=2, separate_planes=True))


def test_a_sixteen_bit_file_of_eight_bit_tones_stays_eight_bit():
    tones = np.random.default_rng(0).integers(0, 256, (30, 40, 3), np.uint8)
    photo = decode_image(encode(tones.astype(np.uint16) * 257))
    assert photo.deep is None and np.array_equal(photo.pixels, tones)


def test_a_jpeg_result_keeps_its_colors_at_full_resolution():
    written = Image.open(io.BytesIO(encode_image(Photo(gradient_photo(32, 48)), "jpg")))
    assert [(h, v) for _, h, v, _ in written.layer] == [(1, 1)] * 3  # 4:4:4, no color subsampling


def test_palette_png_with_transparency_keeps_an_alpha_plane():
    photo = decode_image(palette_png_with_transparency())
    assert photo.alpha is not None and photo.alpha.min() == 0 and photo.alpha.max() == 255


def test_rgba_png_alpha_survives_png_and_webp_but_not_jpeg():
    bgra = np.dstack([gradient_photo(20, 30), np.full((20, 30), 255, np.uint8)])
    bgra[:5, :5, 3] = 0
    photo = decode_image(encode(bgra))
    assert photo.alpha is not None and photo.alpha[0, 0] == 0
    for fmt in ("png", "webp"):
        again = decode_image(encode_image(photo, fmt))
        assert again.alpha is not None and again.alpha[0, 0] < 10
    flat = decode_image(encode_image(photo, "jpg"))
    assert flat.alpha is None and flat.bgr[0, 0].min() > 230  # transparent corner turned white


def test_cmyk_jpeg_decodes_to_the_right_colors():
    bgr = gradient_photo(30, 40)
    photo = decode_image(cmyk_jpeg(bgr))
    assert photo.bgr.shape == (30, 40, 3)
    assert np.abs(photo.bgr.astype(int) - bgr.astype(int)).mean() < 12


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"hello, I am a text file named photo.jpg", "not a picture"),
        (truncated(encode(gradient_photo(200, 200), ".jpg")), "damaged or truncated"),
        (truncated(encode(gradient_photo(200, 200), ".png")), "damaged or truncated"),
        (png_declaring(20000, 20000), "megapixels"),
        (png_declaring(100000, 100000), "megapixels"),
        (b"\0\0\0\x20ftypisom\0\0\2\0isomiso2avc1mp41" + bytes(64), "is a video, not a picture"),  # MP4
        (b"\0\0\0\x14ftypqt  \0\0\2\0qt  " + bytes(64), "is a video, not a picture"),  # QuickTime
        (b"\0\0\0\x1cftypheic\0\0\0\0mif1heic" + bytes(64), "damaged or truncated"),  # a HEIC cut short
        (b"\0\0\0\x18ftypM4A \0\0\2\0M4A isom" + bytes(64), "is a sound file, not a picture"),
        (b"\0\0\0\x18ftypcrx \0\0\0\1crx isom" + bytes(64), "not a picture in a format we can read"),  # CR3 raw
    ],
)
def test_bad_files_raise_value_error_naming_the_problem(data, message):
    with pytest.raises(ValueError, match=message):
        decode_image(data)


def test_pixel_limit_is_checked_before_decoding():
    side = int(MAX_PIXELS**0.5) + 1
    with pytest.raises(ValueError, match=f"{side}x{side}"):
        decode_image(png_declaring(side, side))


@pytest.mark.parametrize(("output_format", "width"), [("webp", 16_384), ("jpg", 65_501)])
def test_a_panorama_wider_than_the_format_holds_is_refused_in_words_and_png_takes_it(output_format, width):
    panorama = Photo(np.full((2, width, 3), 128, np.uint8))
    with pytest.raises(ValueError, match=f"{output_format} holds at most {width - 1} pixels a side, so choose png"):
        encode_image(panorama, output_format)
    assert decode_image(encode_image(panorama, "png")).size == (width, 2)
    narrower = Photo(panorama.pixels[:, 1:])
    assert decode_image(encode_image(narrower, output_format)).size == (width - 1, 2)


def test_a_cut_out_reference_shows_only_its_visible_colors():
    bgra = np.zeros((60, 80, 4), np.uint8)
    bgra[:, :] = (255, 0, 0, 0)  # hidden blue
    cv2.circle(bgra, (40, 30), 20, (40, 30, 220, 255), -1)  # a visible red disc
    visible = visible_bgr(decode_image(encode(bgra)))
    assert visible.shape == (41, 41, 3)  # cropped to the disc
    assert visible[:, :, 2].min() == 220 and visible[:, :, 0].max() == 40  # red everywhere, no blue


def test_an_opaque_photo_is_shown_whole_and_a_fully_transparent_one_is_refused():
    photo = gradient_photo(30, 40)
    assert np.array_equal(visible_bgr(decode_image(encode(photo))), photo)
    hidden = np.dstack((photo, np.zeros((30, 40), np.uint8)))
    with pytest.raises(ValueError, match="the reference is fully transparent"):
        visible_bgr(decode_image(encode(hidden)))


def test_a_reference_exported_at_low_opacity_shows_its_colors():
    """A layer exported at 40% opacity has no pixel half opaque: it was refused as fully transparent."""
    photo = gradient_photo(30, 40)
    faint = np.dstack((photo, np.full((30, 40), 102, np.uint8)))
    assert np.array_equal(visible_bgr(decode_image(encode(faint))), photo)


def test_write_and_read_round_trip(tmp_path):
    photo = Photo(gradient_photo(25, 35))
    path = write_image(photo, tmp_path / "out.png")
    assert np.array_equal(read_image(path).bgr, photo.bgr)
    assert not list(tmp_path.glob("*.partial"))
    with pytest.raises(ValueError, match="cannot read"):
        read_image(tmp_path / "missing.jpg")


def test_sixteen_bit_gray_png():
    ramp = np.tile(np.linspace(0, 65535, 50).astype(np.uint16), (10, 1))
    photo = decode_image(encode(ramp))
    assert photo.bgr.shape == (10, 50, 3)
    assert photo.bgr[0, 0, 0] == 0 and photo.bgr[0, -1, 0] == 255


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 3000, 3), (2000, 1, 3), (700, 1000, 4), (513, 257, 3)])
def test_png_compressed_in_parallel_bands_reads_back_exactly_in_libpng_and_pillow(shape):
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    data = encode_png(pixels)
    assert np.array_equal(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED).reshape(shape), pixels)
    with Image.open(io.BytesIO(data)) as image:
        image.load()  # Pillow checks every CRC and the zlib checksum
        from_pillow = np.asarray(image)
    conversion = cv2.COLOR_RGBA2BGRA if shape[2] == 4 else cv2.COLOR_RGB2BGR
    assert np.array_equal(cv2.cvtColor(from_pillow.reshape(shape), conversion).reshape(shape), pixels)


@pytest.mark.parametrize("shape", [(1, 1, 3), (600, 300, 3), (513, 257, 4)])
def test_a_sixteen_bit_png_reads_back_exactly(shape):
    pixels = np.random.default_rng(0).integers(0, 65536, shape, dtype=np.uint16)
    data = encode_png(pixels)
    assert np.array_equal(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED).reshape(shape), pixels)
    with Image.open(io.BytesIO(data)) as image:
        image.load()  # Pillow checks every CRC and the zlib checksum (it keeps 8 of the 16 bits of color)
        assert image.size == shape[1::-1]
