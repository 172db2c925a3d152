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
from PIL import ExifTags, Image, ImageCms
from PIL.TiffImagePlugin import ImageFileDirectory_v2

from conftest import gradient_photo
from ddcolor.images import decode_image, encode_image, visible_bgr
from ddcolor.profiles import _SRGB_COLORANTS, _d50_colorants, output_profile
from image_files import jpeg_with_thumbnail, truncated

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


def description_of(icc: bytes) -> str:
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()


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
    assert description_of(written.info["icc_profile"]) == "Adobe RGB (1998) tones, sRGB primaries"
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


def test_an_adobe_rgb_scan_keeps_its_grays_and_shows_colors_as_they_were_made():
    """The result's colors are sRGB's (the model's; a reference's, converted); kept under the scan's own
    Adobe RGB profile they would show more saturated than they are."""
    adobe_rgb = profile_of("rocket.jpg")
    result_profile = output_profile(adobe_rgb)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    levels = np.dstack([np.arange(256, dtype=np.uint8).reshape(16, 16)] * 3)
    grays_then, grays_now = lightness_through(adobe_rgb, levels), lightness_through(result_profile, levels)
    assert np.abs(grays_now[..., 0] - grays_then[..., 0]).max() <= 1 and np.abs(grays_now[..., 1:]).max() <= 1

    colors = np.random.default_rng(0).integers(30, 226, (16, 16, 3), dtype=np.uint8)

    def chroma(icc: bytes) -> float:
        lab = lightness_through(icc, colors)
        return float(np.hypot(lab[..., 1], lab[..., 2]).mean())

    as_made = chroma(srgb)
    assert abs(chroma(result_profile) / as_made - 1) < 0.05
    assert chroma(adobe_rgb) / as_made > 1.1  # what keeping the scan's profile as it was showed


def test_an_srgb_photo_and_a_profile_that_cannot_be_used_give_a_plain_srgb_result():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    dot_gain = profile_of("page.png")
    assert output_profile(srgb) is None and output_profile(None) is None
    assert output_profile(dot_gain[:-12]) is None  # its header and tag table read, its tone curve cut off
    gray = cv2.cvtColor(gradient_photo(30, 40), cv2.COLOR_BGR2GRAY)
    photo = decode_image(saved(gray, "PNG", icc_profile=dot_gain[:-12]))
    written = Image.open(io.BytesIO(encode_image(type(photo)(photo.bgr, None, photo.icc_profile), "png")))
    assert "icc_profile" not in written.info


def test_a_gray_scan_comes_back_with_its_tones_and_color_added():
    dot_gain = profile_of("page.png")
    gray = cv2.cvtColor(gradient_photo(30, 40), cv2.COLOR_BGR2GRAY)
    photo = decode_image(saved(gray, "PNG", icc_profile=dot_gain))
    colored = np.dstack([gray, np.roll(gray, 3, axis=1), gray])  # any colors: the profile is what is checked
    written = Image.open(io.BytesIO(encode_image(type(photo)(colored, None, photo.icc_profile), "png")))
    assert "Dot Gain 20% tones" in description_of(written.info["icc_profile"]) and written.mode == "RGB"


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
        assert written.mode == "RGBA" and "Adobe RGB (1998) tones" in description_of(written.info["icc_profile"])
        assert np.abs(np.asarray(written)[..., 3].astype(int) - rgba[..., 3]).max() <= 2


def test_the_black_and_white_thumbnail_is_not_carried_to_the_colorized_result():
    scan = jpeg_with_thumbnail(cv2.cvtColor(gradient_photo(30, 40), cv2.COLOR_BGR2GRAY), "Grandma at the lake")
    assert Image.open(io.BytesIO(scan)).getexif().get_ifd(ExifTags.IFD.IFD1), "the input has its thumbnail"
    for output_format in ("png", "jpg", "webp"):
        written = Image.open(io.BytesIO(encode_image(decode_image(scan), output_format))).getexif()
        assert written[CAPTION] == "Grandma at the lake" and not written.get_ifd(ExifTags.IFD.IFD1)


def test_a_tiff_scans_description_travels_without_its_file_layout():
    tags = ImageFileDirectory_v2()
    tags[CAPTION], tags[MAKER], tags[0x013B] = "Wedding, 1948", "Epson", "Scanned by Anna"  # 0x013B: Artist
    scan = io.BytesIO()
    Image.fromarray(cv2.cvtColor(gradient_photo(30, 40), cv2.COLOR_BGR2GRAY)).save(scan, "TIFF", tiffinfo=tags)
    written = Image.open(io.BytesIO(encode_image(decode_image(scan.getvalue()), "jpg"))).getexif()
    assert (written[CAPTION], written[MAKER], written[0x013B]) == ("Wedding, 1948", "Epson", "Scanned by Anna")
    assert not {256, 257, 273, 279} & set(written), "the TIFF's strip offsets and sizes describe another file"


FAMILY_XMP = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6" '
    b'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:ColorMode="1" '
    b'xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/" '
    b"crs:ConvertToGrayscale='True' crs:Exposure2012 = \"+0.3\" "
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:PixelXDimension="60" exif:PixelYDimension="40">'
    b"<dc:subject><rdf:Bag><rdf:li>Grandma</rdf:li><rdf:li>Lake Constance</rdf:li></rdf:Bag></dc:subject>"
    b'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">set crs:Exposure="1" in Lightroom</rdf:li></rdf:Alt>'
    b"</dc:description>"
    b'<xmp:Thumbnails xmlns:xmp="http://ns.adobe.com/xap/1.0/"><rdf:Alt><rdf:li rdf:parseType="Resource">'
    b"<xmpGImg:image>/9j/4AAQSkZJRgABAgEASABIAAD</xmpGImg:image></rdf:li></rdf:Alt></xmp:Thumbnails>"
    b"<crs:ToneCurvePV2012><rdf:Seq><rdf:li>0, 0</rdf:li></rdf:Seq></crs:ToneCurvePV2012>"
    b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


@pytest.mark.parametrize("output_format", ["png", "jpg", "webp"])
def test_the_photos_xmp_keywords_travel_without_what_describes_the_black_and_white_file(tiny_colorizer, output_format):
    """Photo managers (digiKam, Lightroom) keep captions, keywords and people in XMP."""
    scan = saved(cv2.cvtColor(gradient_photo(40, 60), cv2.COLOR_BGR2GRAY), "JPEG", exif=family_exif(), xmp=FAMILY_XMP)
    result = tiny_colorizer.colorize_photo(decode_image(scan))
    written = Image.open(io.BytesIO(encode_image(result, output_format)))
    xmp = written.info["xmp"]
    assert b"<rdf:li>Grandma</rdf:li><rdf:li>Lake Constance</rdf:li>" in xmp
    assert b"Orientation" not in xmp, "the rotation is applied; saying it again would turn the result twice"
    # Of the black-and-white file, not of the photo: its thumbnail, gray mode, sizes before the turn, and
    # Camera Raw's settings (Lightroom would show the result in black and white).
    for said in (b"xmpGImg:image", b"ColorMode", b"Dimension", b"ConvertToGrayscale", b"Exposure2012", b"ToneCurve"):
        assert said not in xmp
    assert b'<rdf:li xml:lang="x-default">set crs:Exposure="1" in Lightroom</rdf:li>' in xmp  # a caption's text
    assert b'xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"' in xmp  # the rest of the tag is kept
    assert written.size == (40, 60)


@pytest.mark.parametrize(
    ("packet", "carried"),
    [
        (
            b"<a><crs:C><s>1</s></crs:C><crs:F/><b>kept</b><crs:Open><c>too</c></a>",
            b"<a><b>kept</b><crs:Open><c>too</c></a>",
        ),
        (b"<a><crs:A><crs:A>x</crs:A></crs:A><b>kept</b></a>", b"<a><b>kept</b></a>"),  # nested, one name
        (b'<a><crs:X v="1>0"/><b>kept</b><crs:X>1</crs:X></a>', b"<a><b>kept</b></a>"),  # '>' in a value
        ("<a crs:B='1' tiff:Orientation=\"6\"><b>Zoë</b></a>".encode("utf-16"), "<a><b>Zoë</b></a>".encode()),
    ],
)
def test_xmp_elements_and_attributes_of_the_file_are_cut_whole_and_nothing_else(packet, carried):
    photo = decode_image(saved(np.full((20, 30), 128, np.uint8), "WEBP", xmp=packet, lossless=True))
    assert photo.xmp == carried


def test_a_tiffs_xmp_typed_as_text_is_kept_and_never_loses_the_photo():
    tags = ImageFileDirectory_v2()
    tags[700], tags.tagtype[700] = "<x><rdf:li>Grandma Zoë</rdf:li></x>".encode(), 1
    scan = saved(np.full((20, 30), 128, np.uint8), "TIFF", tiffinfo=tags)
    scan = scan.replace(b"\xbc\x02\x01\x00", b"\xbc\x02\x02\x00")  # the same bytes typed ASCII, as some scanners do
    assert decode_image(scan).xmp == "<x><rdf:li>Grandma Zoë</rdf:li></x>".encode()


def test_turning_a_photo_upright_swaps_the_pixel_sizes_its_exif_states():
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(EXIF_IFD).update({0xA002: 60, 0xA003: 40})  # PixelXDimension, PixelYDimension as stored
    photo = decode_image(saved(gradient_photo(40, 60), "JPEG", exif=exif.tobytes()))
    written = Image.open(io.BytesIO(encode_image(photo, "png")))
    assert written.size == (40, 60)
    sizes = written.getexif().get_ifd(EXIF_IFD)
    assert (sizes[0xA002], sizes[0xA003]) == (40, 60)


def test_exif_too_long_for_a_jpeg_keeps_its_date_and_caption_there():
    exif = Image.Exif()
    exif[CAPTION] = "Grandma at the lake"
    exif.get_ifd(EXIF_IFD).update({DATE_TAKEN: "1952:06:01 10:00:00", 0x9286: b"ASCII\0\0\0" + b"x" * 70_000})
    photo = decode_image(saved(gradient_photo(30, 40), "PNG", exif=exif.tobytes()))
    written = Image.open(io.BytesIO(encode_image(photo, "jpg"))).getexif()  # one JPEG segment holds 64 KB
    assert written[CAPTION] == "Grandma at the lake"
    assert written.get_ifd(EXIF_IFD)[DATE_TAKEN] == "1952:06:01 10:00:00"
    assert 0x9286 not in written.get_ifd(EXIF_IFD)


def test_a_heic_reference_that_names_display_p3_without_a_profile_is_read_as_it_looks():
    """Phones often say "Display P3" in a HEIC's nclx box instead of an ICC profile."""
    pillow_heif.register_heif_opener()

    def heic(primaries: int) -> bytes:
        options = dict(color_primaries=primaries, transfer_characteristics=13, matrix_coefficients=6)
        return saved(np.full((32, 32, 3), (60, 60, 190), np.uint8), "HEIF", quality=95, full_range_flag=1, **options)

    def chroma(bgr: np.ndarray) -> float:
        lab = cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB).astype(float)
        return float(np.hypot(lab[..., 1] - 128, lab[..., 2] - 128).mean())

    plain, p3 = decode_image(heic(1)), decode_image(heic(12))
    assert plain.icc_profile is None and np.array_equal(visible_bgr(plain), plain.bgr)
    assert chroma(visible_bgr(p3)) > chroma(visible_bgr(plain)) + 5  # Display P3's red is redder than sRGB's
    assert description_of(p3.icc_profile) == "nclx primaries 12, transfer 13"


def test_primaries_from_an_nclx_box_are_adapted_as_icc_states_srgbs():
    bt709 = [(0.64, 0.33), (0.30, 0.60), (0.15, 0.06), (0.3127, 0.3290)]
    for name, stated in _SRGB_COLORANTS.items():
        assert np.allclose(_d50_colorants(bt709)[name], stated, atol=1e-3)
