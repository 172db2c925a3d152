"""What a photo file says besides its pixels, read and kept: HEIC photos, color profiles, EXIF.

The profiles are real ones, from photos scikit-image ships: a scan in Photoshop's "Dot Gain 20%" gray
(`page.png`) and a photo in Adobe RGB (`rocket.jpg`).
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pillow_heif
import pytest
import skimage
from PIL import Image, ImageCms

from conftest import gradient_photo
from ddcolor.images import decode_image, encode_image, visible_bgr
from ddcolor.profiles import output_profile
from image_files import truncated

DATE_TAKEN, CAPTION, MAKER = 0x9003, 0x010E, 0x010F
EXIF_IFD, ORIENTATION = 0x8769, 0x0112


def profile_of(name: str) -> bytes:
    return Image.open(Path(skimage.__file__).parent / "data" / name).info["icc_profile"]


def saved(bgr_or_gray: np.ndarray, fmt: str, **options) -> bytes:
    pixels = bgr_or_gray if bgr_or_gray.ndim == 2 else cv2.cvtColor(bgr_or_gray, cv2.COLOR_BGR2RGB)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, fmt, **options)
    return out.getvalue()


def family_exif() -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # stored on its side
    exif[CAPTION] = "Grandma at the lake"
    exif[MAKER] = "Epson"
    exif.get_ifd(EXIF_IFD)[DATE_TAKEN] = "1952:06:01 10:00:00"
    return exif.tobytes()


def lightness_through(icc: bytes, pixels: np.ndarray) -> np.ndarray:
    """L (0..255) and a, b (-128..127) of `pixels` as a color-managed viewer shows them under profile `icc`."""
    image = Image.fromarray(pixels, "L" if pixels.ndim == 2 else "RGB")
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    lab = ImageCms.profileToProfile(image, profile, ImageCms.createProfile("LAB"), renderingIntent=1, outputMode="LAB")
    lab = np.asarray(lab)
    return np.dstack([lab[..., :1].astype(int), lab[..., 1:].view(np.int8).astype(int)])


def test_an_iphone_heic_photo_is_read_like_any_other():
    pillow_heif.register_heif_opener()  # for saving one; reading it is the library's job
    photo = gradient_photo(48, 64)
    decoded = decode_image(saved(photo, "HEIF", quality=95))
    assert decoded.size == (64, 48)
    assert np.abs(decoded.bgr.astype(int) - photo).mean() < 8


def test_a_cut_short_heic_is_called_damaged_not_alien():
    pillow_heif.register_heif_opener()
    with pytest.raises(ValueError, match="damaged or truncated"):
        decode_image(truncated(saved(gradient_photo(48, 64), "HEIF")))


@pytest.mark.parametrize("output_format", ["png", "jpg", "webp"])
def test_the_result_keeps_the_scans_date_caption_and_profile(tiny_colorizer, output_format):
    adobe_rgb = profile_of("rocket.jpg")
    gray_scan = cv2.cvtColor(gradient_photo(40, 60), cv2.COLOR_BGR2GRAY)
    photo = decode_image(saved(gray_scan, "JPEG", quality=95, exif=family_exif(), icc_profile=adobe_rgb))
    result = tiny_colorizer.colorize_photo(photo, input_size=64)
    assert result.size == (40, 60)  # turned upright by its orientation

    written = Image.open(io.BytesIO(encode_image(result, output_format)))
    exif = written.getexif()
    assert exif[CAPTION] == "Grandma at the lake" and exif[MAKER] == "Epson"
    assert exif.get_ifd(EXIF_IFD)[DATE_TAKEN] == "1952:06:01 10:00:00"
    assert ORIENTATION not in exif, "the rotation is applied; saying it again would turn the result twice"
    assert written.info["icc_profile"] == adobe_rgb
    assert written.size == (40, 60)


def test_a_gray_scans_profile_is_kept_as_an_rgb_profile_with_the_same_tones():
    dot_gain = profile_of("page.png")
    as_rgb = output_profile(dot_gain)
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    scan_seen = lightness_through(dot_gain, levels)
    result_seen = lightness_through(as_rgb, np.dstack([levels] * 3))
    assert np.abs(result_seen[..., 0] - scan_seen[..., 0]).max() <= 1  # one step of 8-bit Lab
    assert np.abs(result_seen[..., 1:]).max() <= 1, "gray stays gray"
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    untagged_seen = lightness_through(srgb, np.dstack([levels] * 3))
    assert np.abs(untagged_seen[..., 0] - scan_seen[..., 0]).max() > 15, "without the profile the tones would shift"


def test_a_gray_scan_comes_back_with_its_tones_and_color_added():
    dot_gain = profile_of("page.png")
    gray = cv2.cvtColor(gradient_photo(30, 40), cv2.COLOR_BGR2GRAY)
    photo = decode_image(saved(gray, "PNG", icc_profile=dot_gain))
    colored = np.dstack([gray, np.roll(gray, 3, axis=1), gray])  # any colors: the profile is what is checked
    written = Image.open(io.BytesIO(encode_image(type(photo)(colored, None, photo.icc_profile), "png")))
    description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(written.info["icc_profile"])))
    assert "Dot Gain 20%" in description and written.mode == "RGB"


def test_a_reference_is_read_as_it_looks_through_its_profile():
    muted_red = np.full((20, 20, 3), (70, 70, 150), np.uint8)  # BGR
    plain = decode_image(saved(muted_red, "PNG"))
    adobe = decode_image(saved(muted_red, "PNG", icc_profile=profile_of("rocket.jpg")))
    srgb = decode_image(
        saved(muted_red, "PNG", icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    )

    def chroma(bgr: np.ndarray) -> float:
        lab = cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB).astype(float)
        return float(np.hypot(lab[..., 1] - 128, lab[..., 2] - 128).mean())

    assert chroma(visible_bgr(adobe)) > chroma(visible_bgr(plain)) + 5  # Adobe RGB's red is redder than sRGB's
    assert np.array_equal(visible_bgr(srgb), muted_red) and np.array_equal(visible_bgr(plain), muted_red)


def test_a_broken_profile_or_exif_never_loses_the_photo():
    photo = gradient_photo(30, 40)
    broken = decode_image(saved(photo, "PNG", icc_profile=b"not a profile at all" * 10))
    assert np.array_equal(broken.bgr, photo) and np.array_equal(visible_bgr(broken), photo)
    written = Image.open(io.BytesIO(encode_image(broken, "jpg")))
    assert "icc_profile" not in written.info


def test_a_transparent_result_keeps_its_alpha_and_profile_in_webp_and_png():
    adobe_rgb = profile_of("rocket.jpg")
    rgba = np.dstack([cv2.cvtColor(gradient_photo(30, 40), cv2.COLOR_BGR2RGB), np.full((30, 40), 255, np.uint8)])
    rgba[:10, :, 3] = 0
    file = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(file, "PNG", icc_profile=adobe_rgb)
    photo = decode_image(file.getvalue())
    for output_format in ("webp", "png"):
        written = Image.open(io.BytesIO(encode_image(photo, output_format)))
        written.load()
        assert written.mode == "RGBA" and written.info["icc_profile"] == adobe_rgb
        assert np.abs(np.asarray(written)[..., 3].astype(int) - rgba[..., 3]).max() <= 2
