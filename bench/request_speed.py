"""Where a request's time goes on this machine: decode, preprocess, model, postprocess, encode.

For 1 MP and 12 MP JPEG photos (gray, and a 12 MP sepia one in color) and both models at the
default working size (512), measured through the same library calls `predict.py` makes, with
synthetic checkpoints of the real size (built from ../shared/reference). Also compares the
model call against the plain fp32 eager path (100 full-resolution query maps, then the 1x1 head,
as upstream computes it), and our PNG encoder against libpng, in the same run; and times the
whole request (decode to encoded PNG).

    .venv/bin/python bench/request_speed.py [--sizes tiny large] [--json bench/results/request_speed.json]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from common import plain_forward, timed, write_json  # noqa: E402
from ddcolor.images import Photo, decode_image, encode_image  # noqa: E402
from ddcolor.pipeline import (  # noqa: E402
    DEFAULT_UPSAMPLE,
    Colorizer,
    compose,
    model_input,
)
from ddcolor.resample import upsample_ab  # noqa: E402
from ddcolor.synthetic import write_synthetic_checkpoint  # noqa: E402

# A black-and-white photo arrives as a gray JPEG, or as a color JPEG when it was scanned in color
# (sepia, yellowed paper): the two take different paths for the lightness.
PHOTOS = {"1 MP gray": (1000, 1000, False), "12 MP gray": (3000, 4000, False), "12 MP sepia": (3000, 4000, True)}
SEPIA_BGR = (0.82, 0.93, 1.0)


def sample_jpeg(height: int, width: int, sepia: bool) -> bytes:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    gray = 128 + 60 * np.sin(x / 37) * np.cos(y / 53) + np.random.default_rng(0).normal(0, 8, (height, width))
    pixels = np.dstack([gray * tint for tint in SEPIA_BGR]) if sepia else gray
    return cv2.imencode(".jpg", np.clip(pixels, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()


def measure(size: str, workdir: Path, runs: int) -> list[dict]:
    colorizer = Colorizer.from_checkpoint(write_synthetic_checkpoint(workdir, size), model_size=size, input_size=512)
    colorizer.warm_up()
    model, device = colorizer.model, colorizer.device
    x = torch.rand(1, 3, 512, 512)
    colorizer.predict_ab(x), plain_forward(model, x.to(device))  # warm-up
    _, fast = timed(lambda: colorizer.predict_ab(x), runs, device)
    _, plain = timed(lambda: plain_forward(model, x.to(device)).cpu(), runs, device)
    rows = [{"model": size, "what": "model 512", "optimized_s": fast, "plain_fp32_s": plain, "ratio": fast / plain}]
    for label, (height, width, sepia) in PHOTOS.items():
        data = sample_jpeg(height, width, sepia)
        photo, t_decode = timed(lambda data=data: decode_image(data), runs)
        small, t_pre = timed(lambda photo=photo: model_input(photo.pixels, 512), runs)
        batch = torch.from_numpy(small[None])
        ab, t_model = timed(lambda batch=batch: colorizer.predict_ab(batch), runs, device)

        def post(ab=ab, pixels=photo.pixels):
            return compose(pixels, upsample_ab(ab[0].numpy(), pixels.shape[:2], DEFAULT_UPSAMPLE))

        out, t_post = timed(post, runs)
        _, t_encode = timed(lambda out=out: encode_image(Photo(out), "png"), runs)
        _, t_libpng = timed(lambda out=out: cv2.imencode(".png", out, [cv2.IMWRITE_PNG_COMPRESSION, 1]), runs)

        def request(data=data):
            return encode_image(colorizer.colorize_photo(decode_image(data)), "png")

        _, t_request = timed(request, runs, device)
        total = t_decode + t_pre + t_model + t_post + t_encode
        rows.append(
            {
                "model": size,
                "what": f"request {label}",
                "decode_s": t_decode,
                "preprocess_s": t_pre,
                "model_s": t_model,
                "postprocess_s": t_post,
                "encode_png_s": t_encode,
                "total_s": total,
                "non_model_share": (total - t_model) / total,
                "whole_request_p50_s": t_request,
                "libpng_one_core_s": t_libpng,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["tiny", "large"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ddcolor-bench")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"device: {'cuda' if torch.cuda.is_available() else 'cpu'}, torch threads: {torch.get_num_threads()}\n")
    rows = [row for size in args.sizes for row in measure(size, args.workdir, args.runs)]
    print("| model | model call at 512 | plain fp32 eager (upstream order) | ratio |")
    print("|---|---|---|---|")
    for r in rows:
        if r["what"] == "model 512":
            print(f"| {r['model']} | {r['optimized_s']:.3f} s | {r['plain_fp32_s']:.3f} s | {r['ratio']:.2f} |")
    print(
        "\n| model | request | decode | preprocess | model | postprocess | encode PNG | total | not model "
        "| whole request (p50) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["what"].startswith("request"):
            cells = " | ".join(
                f"{r[k]:.3f} s"
                for k in ("decode_s", "preprocess_s", "model_s", "postprocess_s", "encode_png_s", "total_s")
            )
            print(
                f"| {r['model']} | {r['what'][8:]} | {cells} | {r['non_model_share']:.0%} "
                f"| {r['whole_request_p50_s']:.3f} s |"
            )
    for r in rows:
        if r["what"].startswith("request"):
            print(
                f"PNG for {r['what'][8:]} ({r['model']}): {r['encode_png_s']:.3f} s in parallel bands, "
                f"{r['libpng_one_core_s']:.3f} s with libpng on one core "
                f"({r['encode_png_s'] / r['libpng_one_core_s']:.2f}x)"
            )
    write_json(args.json, rows)


if __name__ == "__main__":
    main()
