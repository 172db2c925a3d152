"""The predictor as Replicate calls it: through Cog's real HTTP server on loopback."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import cv2
import numpy as np
import pytest
import torch

from cog_server import CogServer, data_url, decode_data_url, output_image
from conftest import gradient_photo
from ddcolor.images import decode_image
from image_files import encode, png_declaring, truncated

SMALL = {"input_size": 256}


def gray_jpeg(height: int = 120, width: int = 160, seed: int = 0) -> bytes:
    return encode(cv2.cvtColor(gradient_photo(height, width, seed), cv2.COLOR_BGR2GRAY), ".jpg")


@contextmanager
def serve_files(files: dict[str, bytes]) -> Iterator[str]:
    """A local HTTP file server (loopback only) for http-URL inputs."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = files.get(self.path.lstrip("/"))
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_one_megapixel_jpeg_with_tiny_returns_a_png_of_the_same_size(cog_server):
    reply = cog_server.predict({"image": data_url(gray_jpeg(1000, 1000), "image/jpeg"), "model_size": "tiny"})
    mime, photo = output_image(reply)
    assert mime == "image/png" and photo.bgr.shape == (1000, 1000, 3)
    what_ran = "colorized 1000 x 1000 with the tiny model (ddcolor_paper_tiny.pth) at input size 512 in "
    assert what_ran in reply.body["logs"]


def test_large_model_from_an_http_url_with_a_reference(cog_server):
    reference = encode(gradient_photo(90, 120, seed=3), ".jpg")
    with serve_files({"bw.jpg": gray_jpeg(), "ref.jpg": reference}) as base:
        reply = cog_server.predict({"image": f"{base}/bw.jpg", "reference": f"{base}/ref.jpg", **SMALL})
    _, photo = output_image(reply)
    assert photo.bgr.shape == (120, 160, 3)


FORMATS = [("png", "image/png"), ("jpg", "image/jpeg"), ("webp", "image/webp")]


@pytest.mark.parametrize(("output_format", "mime"), FORMATS)
def test_every_output_format(cog_server, output_format, mime):
    reply = cog_server.predict(
        {"image": data_url(gray_jpeg()), "model_size": "tiny", "output_format": output_format, **SMALL}
    )
    got_mime, photo = output_image(reply)
    assert got_mime == mime and photo.bgr.shape == (120, 160, 3)


def test_transparency_is_kept_in_png(cog_server):
    bgra = np.dstack([gradient_photo(64, 64), np.full((64, 64), 255, np.uint8)])
    bgra[:, :16, 3] = 0
    reply = cog_server.predict({"image": data_url(encode(bgra), "image/png"), "model_size": "tiny", **SMALL})
    _, photo = output_image(reply)
    assert photo.alpha is not None and photo.alpha[:, :16].max() == 0 and photo.alpha[:, 16:].min() == 255


def test_reference_methods_and_strength_reach_the_library(cog_server):
    image = data_url(gray_jpeg())
    reference = data_url(encode(gradient_photo(90, 120, seed=3), ".jpg"))
    base = {"image": image, "model_size": "tiny", **SMALL}
    _, plain = output_image(cog_server.predict(base))
    _, zero = output_image(cog_server.predict({**base, "reference": reference, "reference_strength": 0.0}))
    _, full = output_image(cog_server.predict({**base, "reference": reference, "reference_method": "reinhard"}))
    assert np.array_equal(plain.bgr, zero.bgr)
    assert not np.array_equal(plain.bgr, full.bgr)


def test_a_reference_of_another_scene_changes_the_output_with_the_default_method(cog_server):
    card = np.zeros((90, 120, 3), np.uint8)
    card[:, :60], card[:, 60:] = (40, 30, 200), (200, 60, 40)  # red and blue halves (BGR)
    base = {"image": data_url(gray_jpeg()), "model_size": "tiny", **SMALL}
    _, plain = output_image(cog_server.predict(base))
    reply = cog_server.predict({**base, "reference": data_url(encode(card), "image/png")})
    _, steered = output_image(reply)
    plain_ab, steered_ab = (cv2.cvtColor(p.bgr, cv2.COLOR_BGR2Lab)[:, :, 1:].astype(float) for p in (plain, steered))
    assert np.hypot(*(steered_ab - plain_ab).transpose(2, 0, 1)).mean() >= 5  # 8-bit Lab units, like float Lab's
    assert "of the photo matched region by region; the rest took the reference's palette" in reply.body["logs"]


def test_a_cut_out_reference_steers_as_its_visible_part_alone(cog_server):
    card = np.zeros((60, 80, 3), np.uint8)
    card[:, :40], card[:, 40:] = (40, 30, 220), (60, 200, 40)  # red and green, side by side
    cut_out = np.zeros((100, 140, 4), np.uint8)
    cut_out[:, :] = (255, 0, 0, 0)  # the blue it hides must not count
    cut_out[20:80, 30:110, :3], cut_out[20:80, 30:110, 3] = card, 255
    results = [
        output_image(cog_server.predict({"image": data_url(gray_jpeg()), "reference": data_url(encode(ref)), **SMALL}))
        for ref in (card, cut_out)
    ]
    assert np.array_equal(results[0][1].bgr, results[1][1].bgr)


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"model_size": "huge"}, "model_size"),
        ({"input_size": 100}, "input_size"),
        ({"input_size": 4096}, "input_size"),
        ({"output_format": "gif"}, "output_format"),
        ({"reference_strength": 1.5}, "reference_strength"),
        ({"reference_method": "magic"}, "reference_method"),
    ],
)
def test_schema_violations_are_422_naming_the_field(cog_server, inputs, field):
    reply = cog_server.predict({"image": data_url(gray_jpeg()), **inputs})
    assert reply.status == 422
    assert reply.body["detail"][0]["loc"][-1] == field


def test_missing_image_is_422(cog_server):
    reply = cog_server.predict({"model_size": "tiny"})
    assert reply.status == 422 and "image" in json.dumps(reply.body)


BAD_INPUTS = {
    "not an image": ({"image": data_url(b"just some text, not a photo")}, "not a picture"),
    "empty file": ({"image": data_url(b"")}, "empty"),
    "truncated jpeg": ({"image": data_url(truncated(encode(gradient_photo(300, 300), ".jpg")))}, "truncated"),
    "decompression bomb": ({"image": data_url(png_declaring(30000, 30000))}, "megapixels"),
    "gray reference": (
        {"image": data_url(gray_jpeg()), "reference": data_url(gray_jpeg(seed=5))},
        "reference is not a color photo",
    ),
    "broken reference": (
        {"image": data_url(gray_jpeg()), "reference": data_url(b"GIF89a broken")},
        "reference",
    ),
    "panorama wider than webp holds": (
        {"image": data_url(encode(np.full((8, 16_400), 128, np.uint8), ".png")), "output_format": "webp"},
        "webp holds at most 16383 pixels a side, so choose png",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_fails_clearly_and_the_server_keeps_serving(cog_server, case):
    inputs, message = BAD_INPUTS[case]
    reply = cog_server.predict({"model_size": "tiny", **SMALL, **inputs})
    assert reply.status == 200 and reply.body["status"] == "failed"
    assert message in reply.body["error"]
    assert "Traceback" not in reply.body["error"]
    assert cog_server.wait_for(("READY",), timeout=10)["status"] == "READY"
    output_image(cog_server.predict({"image": data_url(gray_jpeg()), "model_size": "tiny", **SMALL}))


def test_a_panorama_wider_than_its_format_holds_is_refused_before_the_model_runs(tmp_path):
    from predict import Predictor

    class ModelMustNotRun:
        def get(self, model_size, variant):
            return self

        def colorize_photo(self, *args, **kwargs):
            raise AssertionError("the photo was colorized before its size was checked")

    predictor = Predictor()
    predictor.colorizers, predictor.output_dir = ModelMustNotRun(), tmp_path
    panorama = tmp_path / "panorama.png"
    panorama.write_bytes(encode(np.full((8, 16_400), 128, np.uint8), ".png"))
    options = dict(model_size="tiny", input_size=512, reference=None, hints=None, variant="modelscope")
    options.update(reference_method="exemplar", reference_strength=1.0, saturation=1.0)
    with pytest.raises(ValueError, match="webp holds at most 16383 pixels a side, so choose png"):
        predictor.predict(image=panorama, output_format="webp", **options)


@pytest.mark.skipif(torch.cuda.is_available(), reason="on a GPU the model call ends before it can be cancelled")
def test_cancelling_a_photo_prediction_frees_the_server_at_once(cog_server):
    """Cog cancels by raising an exception in the prediction's thread. One blocked waiting for the model
    call heard it only when the call ended: 15 s for the large model at 1024 on a 2-core CPU, and the
    next prediction waited for that call too."""
    inputs = {"image": data_url(gray_jpeg(1500, 1500), "image/jpeg"), "model_size": "large", "input_size": 1024}
    body, prefer = {"id": "cancel-me", "input": inputs}, {"Prefer": "respond-async"}
    reply = cog_server.request("POST", "/predictions", body, prefer)
    assert reply.status == 202
    time.sleep(2)  # well inside the model call, which starts within half a second
    cancelled = time.monotonic()
    assert cog_server.request("POST", "/predictions/cancel-me/cancel").status == 200
    cog_server.wait_for(("READY",), timeout=60)
    assert time.monotonic() - cancelled < 4
    # The model call under way stops at its next block, so the next prediction does not wait out the rest
    # of it (about 10 s here): a small one is done within seconds of the cancel, and right.
    output_image(cog_server.predict({"image": data_url(gray_jpeg()), "model_size": "tiny", **SMALL}))
    assert time.monotonic() - cancelled < 6


def test_outputs_do_not_pile_up(cog_server):
    for _ in range(3):
        output_image(cog_server.predict({"image": data_url(gray_jpeg()), "model_size": "tiny", **SMALL}))
    outputs = list((cog_server.workdir / "tmp").glob("ddcolor-outputs-*/*"))
    assert len(outputs) == 1


class WebhookReceiver(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self):
        self.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_async_prediction_reports_busy_then_calls_the_webhook(cog_server):
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), WebhookReceiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    WebhookReceiver.received.clear()
    port = receiver.server_address[1]
    try:
        reply = cog_server.predict(
            {"image": data_url(gray_jpeg(1000, 1000)), "input_size": 512},
            headers={"Prefer": "respond-async"},
            body={"webhook": f"http://127.0.0.1:{port}/hook", "webhook_events_filter": ["completed"]},
        )
        assert reply.status == 202
        assert cog_server.health()["status"] == "BUSY"
        deadline = time.monotonic() + 120
        while not WebhookReceiver.received and time.monotonic() < deadline:
            time.sleep(0.2)
        final = WebhookReceiver.received[-1]
        assert final["status"] == "succeeded"
        assert decode_image(decode_data_url(final["output"])[1]).bgr.shape == (1000, 1000, 3)
        assert cog_server.wait_for(("READY",), timeout=10)["status"] == "READY"
    finally:
        receiver.shutdown()


def test_missing_weights_without_network_is_setup_failed_with_the_fix(tmp_path):
    empty = tmp_path / "no-weights"
    empty.mkdir()
    server = CogServer(tmp_path / "cog", empty)
    try:
        health = server.wait_for(("SETUP_FAILED", "READY"), timeout=120)
        assert health["status"] == "SETUP_FAILED"
        logs = health["setup"]["logs"]
        assert "ddcolor_modelscope.pth" in logs and "python -m ddcolor download" in logs
    finally:
        server.stop()


def test_predict_validates_inputs_itself_when_the_server_does_not(tmp_path, weights_dir, large_checkpoint):
    """Without .cog/openapi_schema.json any value reaches predict(): it must refuse clearly."""
    server = CogServer(tmp_path / "cog", weights_dir)
    (server.workdir / ".cog" / "openapi_schema.json").unlink()
    try:
        server.wait_for(("READY",))
        reply = server.predict({"image": data_url(gray_jpeg()), "model_size": "huge"})
        assert reply.body["status"] == "failed" and "model_size must be one of large, tiny" in reply.body["error"]
        reply = server.predict({"image": data_url(gray_jpeg()), "model_size": "tiny", "input_size": "big"})
        assert reply.body["status"] == "failed" and "input_size" in reply.body["error"]
    finally:
        server.stop()
