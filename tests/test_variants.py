"""The released checkpoints beyond the default (artistic, paper) and the saturation control."""

from __future__ import annotations

import logging
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
from test_cog_server import SMALL, gray_jpeg

from cog_server import data_url, output_image
from conftest import ROOT, gradient_photo, offline_env
from ddcolor.cli import main
from ddcolor.images import read_image
from ddcolor.lab import to_lab
from ddcolor.saturation import saturate
from ddcolor.serving import ColorizerPool
from ddcolor.weights import CHECKPOINT_FILES, WeightsNotFoundError, checkpoint_for


def chroma(bgr: np.ndarray) -> float:
    lab = to_lab(bgr)
    return float(np.hypot(lab[:, :, 1], lab[:, :, 2]).mean())


def test_each_variant_names_its_released_file():
    assert checkpoint_for("large", "modelscope").file == "ddcolor_modelscope.pth"
    assert checkpoint_for("large", "artistic").file == "ddcolor_artistic.pth"
    assert checkpoint_for("large", "paper").file == "ddcolor_paper.pth"
    assert checkpoint_for("tiny", "modelscope").file == "ddcolor_paper_tiny.pth"


def test_tiny_with_another_variant_says_what_to_choose_instead():
    with pytest.raises(ValueError, match="only for the large model") as raised:
        checkpoint_for("tiny", "artistic")
    assert "model_size=large" in str(raised.value) and "variant=modelscope" in str(raised.value)


def test_saturation_zero_is_gray_one_is_unchanged_two_is_more_vivid():
    photo = saturate(gradient_photo(48, 64), 0.4)  # muted, like a colorizer's output, so 2x fits in RGB
    gray = saturate(photo, 0.0)
    assert np.abs(gray.astype(int) - gray[:, :, :1]).max() <= 1  # B = G = R up to rounding
    assert np.array_equal(saturate(photo, 1.0), photo)
    assert chroma(saturate(photo, 2.0)) > 1.6 * chroma(photo)
    assert chroma(photo) > chroma(saturate(photo, 0.5)) > chroma(gray)
    for amount in (0.0, 0.5, 2.0):
        l_diff = np.abs(to_lab(saturate(photo, amount))[:, :, 0] - to_lab(photo)[:, :, 0])
        assert np.percentile(l_diff, 99) < 1.0  # lightness kept: only a and b change


def test_more_saturation_keeps_a_vivid_blues_hue_and_never_makes_it_duller():
    """a and b were clamped to Lab's range one apart from the other: pure blue turned purpler, and duller
    at 2 than at 1."""
    blue = np.zeros((8, 8, 3), np.uint8)
    blue[..., 0] = 255
    hue = np.degrees(np.arctan2(to_lab(blue)[..., 2], to_lab(blue)[..., 1])).mean()
    for amount in (1.5, 2.0):
        more = saturate(blue, amount)
        assert chroma(more) >= chroma(blue) - 0.5
        assert abs(np.degrees(np.arctan2(to_lab(more)[..., 2], to_lab(more)[..., 1])).mean() - hue) < 1.0


def test_saturation_the_gamut_cannot_give_is_said_in_one_line(caplog):
    vivid = np.zeros((8, 24, 3), np.uint8)
    vivid[:, :8, 2], vivid[:, 8:16, 1], vivid[:, 16:, 0] = 255, 255, 255  # red, green, blue: at RGB's edge
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        saturate(vivid, 1.5)
    said = [record.getMessage() for record in caplog.records if record.getMessage().startswith("saturation")]
    assert len(said) == 1 and "100% of the colored pixels are already near the most vivid color" in said[0]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        saturate(saturate(gradient_photo(48, 64), 0.4), 2.0)  # muted colors: room to grow
    assert not [record for record in caplog.records if record.getMessage().startswith("saturation")]


def test_saturation_zero_leaves_out_a_reference_and_hints_and_says_so(tiny_colorizer, caplog):
    photo, reference = gradient_photo(40, 60), gradient_photo(40, 60, seed=3)
    strokes = np.zeros((40, 60, 4), np.uint8)
    strokes[10:20, 10:30] = (0, 0, 255, 255)
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        out = tiny_colorizer.colorize(photo, reference=reference, hints=strokes, saturation=0.0)
    assert np.array_equal(out, tiny_colorizer.colorize(photo, saturation=0.0))
    said = " ".join(record.getMessage() for record in caplog.records)
    assert "reference: saturation 0 makes the result black and white" in said
    assert "hints: saturation 0 makes the result black and white" in said
    assert "matched region by region" not in said, "no line may claim the reference was applied"


@pytest.mark.parametrize("amount", [-0.1, 2.5, float("nan"), True])
def test_saturation_out_of_range_is_refused(amount):
    with pytest.raises(ValueError, match="saturation must be a number from 0 to 2"):
        saturate(gradient_photo(8, 8), amount)


def test_saturation_reaches_the_colorizer(tiny_colorizer):
    gray = cv2.cvtColor(gradient_photo(40, 40), cv2.COLOR_BGR2GRAY)
    plain = tiny_colorizer.colorize(gray)
    assert chroma(tiny_colorizer.colorize(gray, saturation=2.0)) > chroma(plain)
    assert chroma(tiny_colorizer.colorize(gray, saturation=0.0)) < 0.5


def test_a_variant_that_was_not_baked_in_fails_with_the_command_that_fetches_it(tmp_path, monkeypatch, weights_dir):
    folder = tmp_path / "weights"
    folder.mkdir()
    (folder / CHECKPOINT_FILES["tiny"]).symlink_to(weights_dir / CHECKPOINT_FILES["tiny"])
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(folder))
    pool = ColorizerPool(device="cpu", preload=("tiny",))
    started = time.monotonic()
    with pytest.raises(WeightsNotFoundError) as raised:
        pool.get("large", "artistic")
    assert time.monotonic() - started < 5
    assert "ddcolor_artistic.pth" in str(raised.value) and "python -m ddcolor download artistic" in str(raised.value)


def test_download_artistic_offline_fails_in_seconds_naming_the_file(tmp_path):
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "ddcolor", "download", "artistic"],
        cwd=ROOT,
        env=offline_env(tmp_path, "/usr/bin:/bin"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert time.monotonic() - started < 30  # mostly the interpreter and torch importing
    assert "ddcolor_artistic.pth" in done.stderr and "python -m ddcolor download artistic" in done.stderr


def test_cli_variant_and_saturation(tmp_path, monkeypatch, capsys, weights_dir):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    source = tmp_path / "bw.png"
    cv2.imwrite(str(source), cv2.cvtColor(gradient_photo(40, 56), cv2.COLOR_BGR2GRAY))
    common = [str(source), "--model-size", "tiny", "--input-size", "256", "--overwrite"]
    assert main(["colorize", *common, "--output", str(tmp_path / "gray"), "--saturation", "0"]) == 0
    result = read_image(tmp_path / "gray" / "bw.png").bgr
    assert np.abs(result.astype(int) - result[:, :, :1]).max() <= 1
    assert main(["colorize", *common, "--output", str(tmp_path / "x"), "--variant", "artistic"]) == 1
    assert "only for the large model" in capsys.readouterr().err
    assert main(["colorize", *common, "--output", str(tmp_path / "x"), "--saturation", "3"]) == 1
    assert "saturation must be a number from 0 to 2" in capsys.readouterr().err


def test_each_variant_colors_with_its_own_weights_through_the_server(cog_server, variant_checkpoints):
    image = data_url(gray_jpeg())
    outputs = {
        variant: output_image(cog_server.predict({"image": image, "variant": variant, **SMALL}))[1].bgr
        for variant in ("modelscope", "artistic", "paper")
    }
    again = output_image(cog_server.predict({"image": image, "variant": "artistic", **SMALL}))[1].bgr
    assert np.array_equal(outputs["artistic"], again)  # loaded once, deterministic
    pairs = [("modelscope", "artistic"), ("modelscope", "paper"), ("artistic", "paper")]
    for first, second in pairs:
        difference = np.abs(to_lab(outputs[first])[:, :, 1:] - to_lab(outputs[second])[:, :, 1:]).mean()
        assert difference > 0.5, (first, second)
    for output in outputs.values():  # the same lightness: only the colors come from the variant
        assert np.abs(to_lab(output)[:, :, 0] - to_lab(outputs["modelscope"])[:, :, 0]).mean() < 1.0


def test_tiny_with_the_artistic_variant_fails_clearly_and_the_server_keeps_serving(cog_server):
    reply = cog_server.predict({"image": data_url(gray_jpeg()), "model_size": "tiny", "variant": "artistic", **SMALL})
    assert reply.status == 200 and reply.body["status"] == "failed"
    assert "only for the large model" in reply.body["error"] and "Traceback" not in reply.body["error"]
    output_image(cog_server.predict({"image": data_url(gray_jpeg()), "model_size": "tiny", **SMALL}))


def test_saturation_through_the_server(cog_server):
    base = {"image": data_url(gray_jpeg()), "model_size": "tiny", **SMALL}
    plain, gray, vivid = (
        output_image(cog_server.predict({**base, "saturation": amount}))[1].bgr for amount in (1.0, 0.0, 2.0)
    )
    assert np.abs(gray.astype(int) - gray[:, :, :1]).max() <= 1
    assert chroma(vivid) > 1.3 * chroma(plain) > 0
