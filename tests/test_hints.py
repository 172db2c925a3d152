"""Color hints: the post-step's properties, the hints files, and hints through the CLI and the Cog server."""

from __future__ import annotations

import io
import logging

import cv2
import numpy as np
import pytest
from skimage import data as skdata
from skimage.color import deltaE_ciede2000

from cog_server import data_url, output_image
from conftest import gradient_photo
from ddcolor.cli import main
from ddcolor.hints import apply_hints, hints_overlay
from ddcolor.images import Photo, decode_image, read_image
from ddcolor.lab import fit_to_gamut, to_bgr, to_lab
from image_files import encode

RED, BLUE = (30, 40, 220), (200, 90, 20)  # BGR


def scene(blue_radius: int = 50, ground: tuple[float, float] = (-15, 15)) -> np.ndarray:
    """An automatic result: a ground (greenish), a blue disc on the left, a blue disc far right with
    the same automatic color, a yellow disc at the bottom right (all with lightness edges)."""
    lab = np.zeros((240, 480, 3), np.float32)
    lab[:] = (60, *ground)
    yy, xx = np.mgrid[0:240, 0:480]
    for (cy, cx, r), color in (
        ((80, 80, blue_radius), (40, 5, -35)),
        ((80, 400, blue_radius), (40, 5, -35)),
        ((190, 300, 35), (75, 0, 60)),
    ):
        lab[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = color
    lab[:, :, 0] += np.random.default_rng(0).normal(0, 1.5, lab.shape[:2]).astype(np.float32)
    return to_bgr(lab)


def disc(cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[0:240, 0:480]
    return (yy - cy) ** 2 + (xx - cx) ** 2 < r * r


def strokes(shape, boxes: list[tuple[slice, slice, tuple[int, int, int]]], opacity: int = 255) -> np.ndarray:
    overlay = np.zeros((*shape[:2], 4), np.uint8)
    for rows, cols, color in boxes:
        overlay[rows, cols, :3] = color
        overlay[rows, cols, 3] = opacity
    return overlay


def mean_ab(bgr: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return to_lab(bgr)[:, :, 1:][mask].mean(0)


def painted_ab(color: tuple[int, int, int]) -> np.ndarray:
    return to_lab(np.uint8([[color]]))[0, 0, 1:]


def test_no_strokes_is_an_identical_copy():
    photo = scene()
    overlay = np.random.default_rng(1).integers(0, 256, (*photo.shape[:2], 4), dtype=np.uint8)
    overlay[:, :, 3] = 0  # colors without opacity are no hints
    out = apply_hints(photo, overlay)
    assert out is not photo and np.array_equal(out, photo)
    assert np.array_equal(
        apply_hints(photo, strokes(photo.shape, [(slice(60, 70), slice(60, 70), RED)]), strength=0), photo
    )


def test_lightness_is_kept_and_only_a_b_change():
    photo = scene()
    out = apply_hints(
        photo, strokes(photo.shape, [(slice(70, 90), slice(60, 100), RED), (slice(180, 200), slice(290, 310), BLUE)])
    )
    l_diff = np.abs(to_lab(out)[:, :, 0] - to_lab(photo)[:, :, 0])
    assert np.median(l_diff) < 0.5 and np.percentile(l_diff, 99) < 3  # only uint8 rounding and gamut fitting
    assert np.abs(out.astype(int) - photo).max() > 50  # and colors did change


def test_painted_pixels_take_the_painted_color_where_rgb_can_show_it():
    rng = np.random.default_rng(2)
    photo = cv2.resize(gradient_photo(60, 80, seed=4), (480, 240))
    boxes = []
    for _ in range(30):
        y, x = int(rng.integers(0, 230)), int(rng.integers(0, 470))
        boxes.append((slice(y, y + 6), slice(x, x + 6), tuple(int(c) for c in rng.integers(0, 256, 3))))
    overlay = strokes(photo.shape, boxes)
    out = apply_hints(photo, overlay)
    mask = overlay[:, :, 3] > 0
    got = to_lab(out)[mask]
    wanted = np.concatenate((got[:, :1], to_lab(np.ascontiguousarray(overlay[:, :, :3]))[mask][:, 1:]), axis=1)
    wanted = fit_to_gamut(wanted[:, None]).reshape(-1, 3)  # the painted a, b as far as RGB shows it at this L
    assert deltaE_ciede2000(got, wanted).mean() <= 3


def test_a_stroke_recolors_its_region_while_differently_colored_regions_keep_their_colors():
    photo = scene()
    out = apply_hints(photo, strokes(photo.shape, [(slice(70, 90), slice(70, 90), RED)]))
    left, yellow = disc(80, 80, 44), disc(190, 300, 30)
    ground = ~disc(80, 80, 56) & ~disc(80, 400, 56) & ~disc(190, 300, 41)
    red = painted_ab(RED)
    before, after = (np.linalg.norm(mean_ab(image, left) - red) for image in (photo, out))
    assert after < 0.3 * before  # the whole stroked disc went most of the way to red
    for region in (yellow, ground):
        assert np.abs(mean_ab(out, region) - mean_ab(photo, region)).max() < 1.0


def test_a_far_object_the_model_colored_the_same_way_follows_part_of_the_way():
    photo = scene(blue_radius=25)  # two small blue discs: a color of a few objects, not of the photo
    out = apply_hints(photo, strokes(photo.shape, [(slice(70, 90), slice(70, 90), RED)]))
    far_same, red = disc(80, 400, 20), painted_ab(RED)
    before = np.linalg.norm(mean_ab(photo, far_same) - red)
    moved = before - np.linalg.norm(mean_ab(out, far_same) - red)
    assert 0.1 * before < moved < 0.9 * before


def test_a_stroke_on_the_photos_overall_tone_does_not_tint_the_rest_of_it():
    """A muted result is brown all over: one blue stroke on one brown disc used to move every brown pixel."""
    photo = scene(ground=(8, 20))
    brown = to_lab(photo)[:, :, 1:][5, 5]
    photo[disc(80, 80, 50)] = to_bgr(np.float32([[[40, *brown]]]))[0, 0]  # the left disc brown too, darker
    out = apply_hints(photo, strokes(photo.shape, [(slice(70, 90), slice(70, 90), BLUE)]))
    away = ~disc(80, 80, 70)
    moved = np.hypot(*(to_lab(out)[:, :, 1:] - to_lab(photo)[:, :, 1:])[away].T)
    assert moved.mean() < 1.0 and np.percentile(moved, 99) < 5.0
    stroked = np.linalg.norm(mean_ab(out, disc(80, 80, 44)) - mean_ab(photo, disc(80, 80, 44)))
    assert stroked > 20  # the stroke's own disc did change


def test_strength_scales_the_change():
    photo = scene()
    overlay = strokes(photo.shape, [(slice(70, 90), slice(70, 90), RED)])
    left, red = disc(80, 80, 44), painted_ab(RED)
    distance = {s: np.linalg.norm(mean_ab(apply_hints(photo, overlay, strength=s), left) - red) for s in (0.5, 1.0)}
    assert distance[1.0] < distance[0.5] < np.linalg.norm(mean_ab(photo, left) - red)


def test_a_strokes_opacity_is_how_far_its_region_goes_toward_the_painted_color():
    """The correction was an opacity-weighted mean: a stroke at alpha 8 of 255 moved its region 96% as far."""
    photo = scene()
    left = disc(80, 80, 44) & ~np.pad(np.ones((20, 20), bool), ((70, 150), (70, 390)))  # the disc, not the stroke
    moved = {
        opacity: np.linalg.norm(
            mean_ab(apply_hints(photo, strokes(photo.shape, [(slice(70, 90), slice(70, 90), RED)], opacity)), left)
            - mean_ab(photo, left)
        )
        for opacity in (255, 128, 32)
    }
    assert 0.4 < moved[128] / moved[255] < 0.6
    assert 0.05 < moved[32] / moved[255] < 0.2


def test_strength_steps_evenly_on_a_photo_too_dark_for_the_painted_color():
    # The gamut fit takes back much of a vivid stroke on a dark photo; each strength still goes its share of
    # the way to what full strength shows (the fit once made 0.25 change the photo more than 1).
    dark = (scene().astype(np.float32) * 0.12).astype(np.uint8)
    overlay = strokes(dark.shape, [(slice(70, 90), slice(40, 120), RED)])
    before = to_lab(dark)[:, :, 1:]

    def change(strength: float) -> float:
        after = to_lab(apply_hints(dark, overlay, strength=strength))[:, :, 1:]
        return float(np.hypot(*(after - before)[60:100, 40:120].transpose(2, 0, 1)).mean())

    changes = {s: change(s) for s in (0.25, 0.5, 1.0)}
    assert changes[1.0] >= 3.0
    for strength in (0.25, 0.5):
        assert abs(changes[strength] / changes[1.0] - strength) < 0.1, changes


@pytest.mark.parametrize(
    ("hints", "strength", "message"),
    [
        (np.zeros((240, 480, 4), np.uint8), 1.5, "strength"),
        (np.zeros((240, 480, 3), np.uint8), 1.0, "(H, W, 4)"),
        (np.zeros((120, 240, 4), np.uint8), 1.0, "240x120 but the photo is 480x240"),
        (np.zeros((240, 480, 4), np.float32), 1.0, "uint8"),
    ],
)
def test_bad_hints_are_clear_errors(hints, strength, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply_hints(scene(), hints, strength=strength)


def test_a_transparent_hints_file_is_the_overlay_and_another_size_of_that_aspect_is_scaled(tmp_path):
    photo = Photo(cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY))
    overlay = strokes((240, 480), [(slice(70, 90), slice(70, 90), RED), (slice(180, 200), slice(290, 310), BLUE)])
    for name, size in (("same.png", (480, 240)), ("half.png", (240, 120)), ("double.webp", (960, 480))):
        scaled = cv2.resize(overlay, size, interpolation=cv2.INTER_NEAREST)
        cv2.imwrite(str(tmp_path / name), scaled, [cv2.IMWRITE_WEBP_QUALITY, 101])
        got = hints_overlay(read_image(tmp_path / name, what="hints"), photo)
        assert got.shape == (240, 480, 4)
        painted = got[:, :, 3] > 0
        assert (painted == (overlay[:, :, 3] > 0)).mean() > 0.99
        colors = {tuple(c) for c in got[:, :, :3][got[:, :, 3] > 128]}
        assert colors <= {RED, BLUE}  # colors stay pure: never blended with the transparent pixels


def test_thin_strokes_on_a_much_larger_layer_survive_its_shrinking_at_part_opacity():
    """A layer painted at 10x the photo's size with 3-pixel strokes: bilinear shrinking lost them all."""
    photo = Photo(cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY))
    layer = np.zeros((2400, 4800, 4), np.uint8)
    layer[700:900, 703:706] = (*RED, 255)  # 3 of every 10 pixels of one column band of the photo
    got = hints_overlay(Photo(layer[:, :, :3], alpha=layer[:, :, 3]), photo)
    painted = got[:, :, 3] > 0
    assert painted.sum() == 20 and np.all(np.abs(got[painted, 3].astype(int) - 76) <= 1)  # 3 / 10 of 255
    assert {tuple(c) for c in got[painted, :3]} == {RED}


def test_a_painted_copy_of_the_photo_gives_its_strokes_despite_jpeg_noise():
    gray = cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY)
    painted = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    painted[70:90, 70:110] = RED
    painted[180:200, 290:310] = BLUE
    for quality in (95, 75):
        copy = decode_image(
            cv2.imencode(".jpg", painted, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes(), what="hints"
        )
        got = hints_overlay(copy, Photo(gray))
        wanted = np.zeros(gray.shape, bool)
        wanted[70:90, 70:110] = wanted[180:200, 290:310] = True
        strokes_found = got[:, :, 3] > 0
        assert (strokes_found & wanted).sum() > 0.9 * wanted.sum()
        # JPEG's subsampled chroma blurs a stroke's color into its 8x8 blocks: that halo may count, nothing further.
        near = cv2.dilate(wanted.astype(np.uint8), np.ones((17, 17), np.uint8)) > 0
        assert not (strokes_found & ~near).any()
        assert np.abs(mean_ab(got[:, :, :3], wanted[:, :] & (got[:, :, 3] > 0))).max() > 20


def test_gray_strokes_on_a_painted_copy_are_said_to_be_no_hints(caplog):
    """A copy's strokes are told from the photo by their color: a gray stroke cannot be, and was silently lost."""
    gray = cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY)
    painted = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    painted[70:90, 70:110] = RED
    painted[180:200, 290:330] = 30  # a dark gray stroke: "no color here"
    copy = decode_image(cv2.imencode(".jpg", painted, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes(), what="hints")
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        hints_overlay(copy, Photo(gray))
    assert any("differs from the photo in lightness only" in record.getMessage() for record in caplog.records)
    caplog.clear()
    painted[180:200, 290:330] = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)[180:200, 290:330]  # color strokes only
    copy = decode_image(cv2.imencode(".jpg", painted, [cv2.IMWRITE_JPEG_QUALITY, 75])[1].tobytes(), what="hints")
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        hints_overlay(copy, Photo(gray))
    assert not any("lightness only" in record.getMessage() for record in caplog.records), "JPEG noise is no stroke"


def test_a_hints_file_of_another_aspect_ratio_is_refused_naming_both_sizes():
    photo = Photo(cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY))
    with pytest.raises(ValueError, match="hints image is 300x300 but the photo is 480x240"):
        hints_overlay(Photo(np.zeros((300, 300, 3), np.uint8), np.zeros((300, 300), np.uint8)), photo)


def test_colorizer_checks_hints_before_the_model_and_applies_them(tiny_colorizer, monkeypatch):
    gray = cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY)
    overlay = strokes(gray.shape, [(slice(70, 90), slice(70, 90), RED)])
    plain = tiny_colorizer.colorize(gray)
    hinted = tiny_colorizer.colorize(gray, hints=overlay)
    left, red = disc(80, 80, 44), painted_ab(RED)
    assert np.linalg.norm(mean_ab(hinted, left) - red) < 0.5 * np.linalg.norm(mean_ab(plain, left) - red)

    def model_must_not_run(*args, **kwargs):
        raise AssertionError("the model ran before the hints were checked")

    monkeypatch.setattr(tiny_colorizer, "predict_ab", model_must_not_run)
    with pytest.raises(ValueError, match="the hints are 240x120 but the photo is 480x240"):
        tiny_colorizer.colorize(gray, hints=overlay[:120, :240])


def test_cli_takes_hints_for_one_photo_and_hints_files_beside_photos_in_folders(tmp_path, weights_dir, monkeypatch):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    gray = cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY)
    folder = tmp_path / "scans"
    folder.mkdir()
    cv2.imwrite(str(folder / "hinted.jpg"), gray)
    cv2.imwrite(str(folder / "plain.jpg"), gray)
    cv2.imwrite(str(folder / "hinted.hints.png"), strokes(gray.shape, [(slice(70, 90), slice(70, 90), RED)]))
    common = ["--model-size", "tiny", "--input-size", "256"]
    assert main(["colorize", str(folder), "-o", str(tmp_path / "out"), *common]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["hinted.png", "plain.png"]  # hints not colorized
    left, red = disc(80, 80, 44), painted_ab(RED)
    hinted, plain = (cv2.imread(str(tmp_path / "out" / name)) for name in ("hinted.png", "plain.png"))
    assert np.linalg.norm(mean_ab(hinted, left) - red) < 0.5 * np.linalg.norm(mean_ab(plain, left) - red)

    blue = strokes(gray.shape, [(slice(70, 90), slice(70, 90), BLUE)])
    cv2.imwrite(str(tmp_path / "blue.png"), blue)
    one = ["colorize", str(folder / "plain.jpg"), "-o", str(tmp_path / "one"), "--hints", str(tmp_path / "blue.png")]
    assert main([*one, *common]) == 0
    recolored = cv2.imread(str(tmp_path / "one" / "plain.png"))
    blue_ab = painted_ab(BLUE)
    assert np.linalg.norm(mean_ab(recolored, left) - blue_ab) < 0.5 * np.linalg.norm(mean_ab(plain, left) - blue_ab)


def test_cli_refuses_hints_for_several_photos(tmp_path, capsys):
    for name in ("a.jpg", "b.jpg"):
        cv2.imwrite(str(tmp_path / name), gradient_photo(40, 60))
    hints = tmp_path / "h.png"
    cv2.imwrite(str(hints), strokes((40, 60), [(slice(5, 10), slice(5, 10), RED)]))
    assert (
        main(
            [
                "colorize",
                str(tmp_path / "a.jpg"),
                str(tmp_path / "b.jpg"),
                "-o",
                str(tmp_path / "o"),
                "--hints",
                str(hints),
            ]
        )
        == 2
    )
    assert "--hints is for one photo" in capsys.readouterr().err


def server_output(reply) -> np.ndarray:
    return output_image(reply)[1].bgr


def test_both_hint_file_formats_through_the_cog_server_and_a_wrong_size_fails_clearly(cog_server):
    gray = cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY)
    image = data_url(encode(gray, ".png"), "image/png")
    base = {"image": image, "model_size": "tiny", "input_size": 256}
    plain = server_output(cog_server.predict(base))
    painted = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    painted[70:90, 70:90] = RED
    transparent = strokes(gray.shape, [(slice(70, 90), slice(70, 90), RED)])
    left, red = disc(80, 80, 44), painted_ab(RED)
    for hints in (data_url(encode(transparent, ".png"), "image/png"), data_url(encode(painted, ".jpg"), "image/jpeg")):
        out = server_output(cog_server.predict({**base, "hints": hints}))
        assert np.linalg.norm(mean_ab(out, left) - red) < 0.5 * np.linalg.norm(mean_ab(plain, left) - red)

    square = data_url(encode(np.zeros((100, 100, 4), np.uint8), ".png"), "image/png")
    reply = cog_server.predict({**base, "hints": square})
    assert reply.body["status"] == "failed"
    assert "hints image is 100x100 but the photo is 480x240" in reply.body["error"]
    assert np.array_equal(server_output(cog_server.predict(base)), plain)  # and the server keeps serving


def test_a_weaker_effect_than_asked_is_said_in_the_log(caplog):
    photo = scene()
    with caplog.at_level("INFO", logger="ddcolor"):
        apply_hints(photo, np.zeros((*photo.shape[:2], 4), np.uint8))
        assert "no strokes" in caplog.text
        dark = np.full_like(photo, 12)  # yellow cannot be shown this dark
        apply_hints(dark, strokes(photo.shape, [(slice(10, 30), slice(10, 30), (0, 230, 255))]))
        assert "too dark or too light to show their painted color" in caplog.text
        caplog.clear()
        apply_hints(photo, strokes(photo.shape, [(slice(70, 90), slice(70, 90), BLUE)]))
        assert caplog.text == ""  # a blue the photo can show there: nothing to say


def test_a_painted_copy_without_strokes_is_said_once(caplog):
    photo = scene()
    copy = decode_image(cv2.imencode(".png", photo)[1].tobytes(), what="hints")
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        out = apply_hints(photo, hints_overlay(copy, Photo(photo)))
    assert np.array_equal(out, photo)
    said = [record.getMessage() for record in caplog.records if record.getMessage().startswith("hints")]
    assert len(said) == 1 and "no strokes" in said[0]


def test_strokes_on_the_photos_transparent_part_are_said(caplog):
    photo = scene()
    alpha = np.full(photo.shape[:2], 255, np.uint8)
    alpha[:, :240] = 0  # the left half is cut out
    overlay = strokes(photo.shape, [(slice(70, 90), slice(70, 90), RED)])
    layer = decode_image(cv2.imencode(".png", overlay)[1].tobytes(), what="hints")  # a transparent layer
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        hints_overlay(layer, Photo(photo, alpha))
    assert any("100% of the strokes lie on transparent parts" in record.getMessage() for record in caplog.records)


def gray_and_copy(stroke: tuple[int, int, int] = RED) -> tuple[np.ndarray, np.ndarray]:
    """A black-and-white photo and a copy of it with two strokes painted (BGR)."""
    gray = cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY)
    copy = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    copy[70:90, 70:110] = stroke
    copy[180:200, 290:310] = BLUE
    return gray, copy


def as_jpeg(bgr: np.ndarray, quality: int = 75) -> Photo:
    return decode_image(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes(), what="hints")


def test_a_pale_stroke_on_a_copy_of_a_black_and_white_photo_is_a_hint():
    """A pale pink on a face differs from the gray photo by 8 in a, b: under the threshold made for colored
    photos, it was dropped, and the log said the copy differs nowhere."""
    gray, copy = gray_and_copy(stroke=(205, 215, 240))  # BGR: a pale pink, chroma about 8
    for hints in (Photo(copy), as_jpeg(copy)):
        found = hints_overlay(hints, Photo(gray))[:, :, 3] > 0
        assert found[70:90, 70:110].mean() > 0.9 and found[180:200, 290:310].mean() > 0.9
        assert found.sum() < 1.3 * (20 * 40 + 20 * 20)  # no ripples of the JPEG around the strokes


def test_a_copy_the_app_tinted_gives_only_its_strokes_and_says_so(caplog):
    """A warm filter or white balance moved every pixel's a, b: the whole photo became one stroke."""
    gray, copy = gray_and_copy()
    warm = np.clip(copy.astype(int) + np.array([-14, 0, 14]), 0, 255).astype(np.uint8)
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        found = hints_overlay(Photo(warm), Photo(gray))[:, :, 3] > 0
    assert found[70:90, 70:110].all() and found[180:200, 290:310].all()
    assert found.mean() < 0.02
    assert "the painted copy is tinted against the photo" in caplog.text


@pytest.mark.parametrize(
    ("hints", "message"),
    [
        (lambda copy: np.ascontiguousarray(np.rot90(copy)), "turned by 90 degrees\\? An app may have dropped"),
        (lambda copy: np.ascontiguousarray(copy[::-1, ::-1]), "upside down\\? An app may have dropped"),
        (
            lambda copy: cv2.cvtColor(cv2.resize(skdata.coffee(), (240, 240)), cv2.COLOR_RGB2BGR),
            "does not look like a copy",
        ),
    ],
)
def test_a_file_that_is_no_copy_of_the_photo_is_refused_naming_a_turn(hints, message):
    """Its strokes would land anywhere: a copy turned by a lost EXIF rotation moved 68% of a photo's colors."""
    square = cv2.resize(skdata.camera(), (240, 240), interpolation=cv2.INTER_AREA)  # a turned copy has its size
    copy = cv2.cvtColor(square, cv2.COLOR_GRAY2BGR)
    copy[70:90, 70:110] = RED
    with pytest.raises(ValueError, match=message):
        hints_overlay(Photo(hints(copy)), Photo(square))
    wide = cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY)
    with pytest.raises(ValueError, match="is 240x480 but the photo is 480x240; turned by 90 degrees"):
        hints_overlay(Photo(np.ascontiguousarray(np.rot90(cv2.cvtColor(wide, cv2.COLOR_GRAY2BGR)))), Photo(wide))


def test_a_layer_flattened_on_white_still_gives_its_strokes_without_a_false_line(caplog):
    gray, _ = gray_and_copy()
    flattened = np.full((*gray.shape, 3), 255, np.uint8)
    flattened[70:90, 70:110] = RED
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        found = hints_overlay(as_jpeg(flattened, 90), Photo(gray))[:, :, 3] > 0
    assert found[70:90, 70:110].mean() > 0.9 and found.mean() < 0.01
    assert "lightness only" not in caplog.text


def test_a_copy_in_adobe_rgb_gives_the_colors_it_shows(tmp_path):
    """Read as sRGB numbers, an Adobe RGB copy's strokes were duller than painted."""
    from PIL import Image, ImageCms
    from test_photo_metadata import profile_of

    gray, copy = gray_and_copy()
    adobe = ImageCms.ImageCmsProfile(io.BytesIO(profile_of("rocket.jpg")))
    shown = Image.fromarray(cv2.cvtColor(copy, cv2.COLOR_BGR2RGB))
    converted = ImageCms.profileToProfile(shown, ImageCms.createProfile("sRGB"), adobe, outputMode="RGB")
    converted.save(tmp_path / "copy.png", icc_profile=adobe.tobytes())
    overlay = hints_overlay(read_image(tmp_path / "copy.png"), Photo(gray))
    red = overlay[70:90, 70:110, :3].reshape(-1, 3).mean(0)
    assert np.abs(red - RED).max() < 6, red


def test_an_erasers_leftovers_are_no_strokes_and_faint_strokes_are_said(caplog):
    photo = Photo(cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY))
    layer = strokes((240, 480), [(slice(70, 90), slice(70, 90), RED)])
    leftovers = layer.copy()
    leftovers[:, :, 3] = np.maximum(leftovers[:, :, 3], 1)  # opacity 1 of 255 everywhere else
    clean = hints_overlay(Photo(layer[:, :, :3], alpha=layer[:, :, 3]), photo)
    assert np.array_equal(hints_overlay(Photo(leftovers[:, :, :3], alpha=leftovers[:, :, 3]), photo), clean)
    faint = strokes((240, 480), [(slice(70, 90), slice(70, 90), RED)], opacity=51)
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        hints_overlay(Photo(faint[:, :, :3], alpha=faint[:, :, 3]), photo)
    assert "the strokes are at most 20% opaque" in caplog.text


def test_a_black_and_white_hints_copy_is_said_to_give_no_strokes(caplog):
    gray, copy = gray_and_copy()
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        overlay = hints_overlay(Photo(cv2.cvtColor(copy, cv2.COLOR_BGR2GRAY)), Photo(gray))
    assert not overlay[:, :, 3].any() and "the hints image is black and white" in caplog.text


def test_a_copy_cropped_by_a_pixel_draws_no_gray_strokes_line(caplog):
    """Scaled back to the photo's size, its edges differ in lightness along thin lines: no gray strokes."""
    photo = cv2.resize(skdata.camera(), (480, 240), interpolation=cv2.INTER_AREA)
    copy = cv2.cvtColor(photo, cv2.COLOR_GRAY2BGR)
    copy[70:90, 70:110] = RED
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        found = hints_overlay(Photo(np.ascontiguousarray(copy[:, 1:])), Photo(photo))[:, :, 3] > 0
    assert found[72:88, 72:108].all() and "lightness only" not in caplog.text


def test_a_tinted_copy_of_a_photo_with_bright_parts_gives_only_its_strokes():
    """The tint clips in bright parts, leaving half of it there: counted as pale strokes, it made 39% of one
    unseen photo a stroke."""
    photo = cv2.resize(skdata.camera(), (480, 240), interpolation=cv2.INTER_AREA)
    photo[:80] = np.clip(photo[:80].astype(int) + 90, 0, 255)  # a bright sky near white
    copy = cv2.cvtColor(photo, cv2.COLOR_GRAY2BGR)
    copy[150:170, 70:110] = RED
    warm = np.clip(copy.astype(int) + np.array([-14, 0, 14]), 0, 255).astype(np.uint8)
    found = hints_overlay(Photo(warm), Photo(photo))[:, :, 3] > 0
    assert found[152:168, 72:108].all() and found[:120].mean() < 0.01
