"""Color quality: reference transfer and chroma upsampling, as mean CIEDE2000 to the true colors.

Photos are scikit-image's bundled color photos (no downloads).

(a) Reference transfer. A target is a view of a photo with its colors removed (gray) or wrong
    (hue rotated); the reference is another view of the same scene: an overlapping crop, a
    mirrored and rescaled copy, or a shifted, zoomed crop. Each method is scored against the
    target's true colors, next to no transfer at all. A control pairs each target with an
    unrelated photo: a good method must then not make things worse.
(b) Chroma upsampling. An oracle model returns the true a, b shrunk to the working size; the
    pipeline brings them back to full size with each upsampling mode.

    .venv/bin/python bench/color_quality.py [--json bench/results/color_quality.json]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from skimage import data as skdata
from skimage.color import deltaE_ciede2000
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import write_json  # noqa: E402
from ddcolor.lab import to_bgr, to_lab  # noqa: E402
from ddcolor.pipeline import Colorizer, compose  # noqa: E402
from ddcolor.resample import UPSAMPLE_MODES, upsample_ab  # noqa: E402
from ddcolor.transfer import TRANSFER_METHODS, transfer_colors  # noqa: E402

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry", "retina")


def load_photo(name: str) -> np.ndarray:
    rgb = getattr(skdata, name)()
    return cv2.cvtColor(np.ascontiguousarray(rgb[:, :, :3]), cv2.COLOR_RGB2BGR)


def ciede2000(result_bgr: np.ndarray, truth_bgr: np.ndarray) -> float:
    return float(deltaE_ciede2000(to_lab(result_bgr), to_lab(truth_bgr)).mean())


def views(photo: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(target, reference) pairs showing the same scene differently."""
    h, w = photo.shape[:2]
    zoomed = photo[h // 4 :, w // 4 :]
    return {
        "overlapping crops": (photo[:, : int(w * 0.65)], photo[:, int(w * 0.35) :]),
        "mirrored, 0.8x": (photo, cv2.resize(photo[:, ::-1], None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA)),
        "shifted, 1.3x zoom": (
            photo[: int(h * 0.75), : int(w * 0.75)],
            cv2.resize(zoomed, None, fx=1.3, fy=1.3, interpolation=cv2.INTER_LINEAR),
        ),
    }


def spoil(target: np.ndarray, how: str) -> np.ndarray:
    """Gray: a and b zeroed. Wrong: hue rotated by 120 degrees and saturation changed."""
    lab = to_lab(target)
    if how == "gray":
        lab[:, :, 1:] = 0
    else:
        a, b = lab[:, :, 1].copy(), lab[:, :, 2].copy()
        angle = np.deg2rad(120)
        lab[:, :, 1] = 0.8 * (a * np.cos(angle) - b * np.sin(angle))
        lab[:, :, 2] = 0.8 * (a * np.sin(angle) + b * np.cos(angle))
    return to_bgr(lab)


def transfer_table() -> dict:
    rows = []
    photos = {name: load_photo(name) for name in PHOTOS}
    names = list(photos)
    for index, name in enumerate(names):
        for view, (truth, reference) in views(photos[name]).items():
            unrelated = photos[names[(index + 3) % len(names)]]
            for how in ("gray", "wrong"):
                target = spoil(truth, how)
                row = {"photo": name, "view": view, "target": how, "none": ciede2000(target, truth)}
                for method in TRANSFER_METHODS:
                    row[method] = ciede2000(transfer_colors(target, reference, method=method), truth)
                    row[f"{method} unrelated"] = ciede2000(transfer_colors(target, unrelated, method=method), truth)
                rows.append(row)
    return {"rows": rows}


class OracleModel(nn.Module):
    """Returns the true a, b shrunk to the working size: isolates the upsampling step."""

    def __init__(self, ab_small: np.ndarray) -> None:
        super().__init__()
        self.ab = torch.from_numpy(ab_small.transpose(2, 0, 1).copy())[None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ab.expand(x.shape[0], -1, -1, -1)


def upsampling_table(scale: int) -> dict:
    rows = []
    for name in PHOTOS:
        truth = load_photo(name)
        h, w = truth.shape[:2]
        size = max(32, round(min(h, w) / scale / 32) * 32)
        ab_small = cv2.resize(to_lab(truth)[:, :, 1:], (size, size), interpolation=cv2.INTER_AREA)
        colorizer = Colorizer(OracleModel(ab_small), input_size=size, device="cpu")
        row = {"photo": name, "size": f"{w}x{h}", "working": size}
        for mode in UPSAMPLE_MODES:
            row[mode] = ciede2000(colorizer.colorize(truth, upsample=mode), truth)
        rows.append(row)
    return {"scale": scale, "rows": rows}


def timings() -> dict:
    rng = np.random.default_rng(0)
    reference = cv2.resize(load_photo("retina")[::-1], (1000, 1000))
    out = {}
    for label, size in (("1 MP", (1000, 1000)), ("12 MP", (4000, 3000))):
        target = cv2.resize(load_photo("retina"), size)
        for method in TRANSFER_METHODS:
            transfer_colors(target, reference, method=method)
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                transfer_colors(target, reference, method=method)
                runs.append(time.perf_counter() - started)
            out[f"transfer {method}, {label} target + 1 MP reference"] = statistics.median(runs)
    full = rng.integers(0, 255, (3000, 4000, 3), dtype=np.uint8)  # 12 MP
    ab = torch.randn(1, 2, 512, 512) * 20
    for mode in UPSAMPLE_MODES:
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            up = upsample_ab(ab[0].numpy(), full.shape[:2], mode)
            runs.append(time.perf_counter() - started)
        out[f"upsample {mode}, per MP"] = statistics.median(runs) / 12
    started = time.perf_counter()
    compose(full, up)
    out["L of the photo joined with a, b, to BGR, per MP"] = (time.perf_counter() - started) / 12
    return out


def mean(rows: list[dict], key: str, **where) -> float:
    return statistics.fmean(r[key] for r in rows if all(r[k] == v for k, v in where.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--scale", type=int, default=4, help="upscaling factor for (b)")
    args = parser.parse_args()
    cv2.setNumThreads(2)
    torch.set_num_threads(2)

    transfer = transfer_table()
    rows = transfer["rows"]
    print("(a) Reference transfer, mean CIEDE2000 to the true colors (lower is better)\n")
    print("| target | view | none | reinhard | exemplar | exemplar / reinhard | exemplar, unrelated ref |")
    print("|---|---|---|---|---|---|---|")
    for how in ("gray", "wrong"):
        for view in sorted({r["view"] for r in rows}):
            sel = {"target": how, "view": view}
            ex, rh = mean(rows, "exemplar", **sel), mean(rows, "reinhard", **sel)
            print(
                f"| {how} | {view} | {mean(rows, 'none', **sel):.2f} | {rh:.2f} | {ex:.2f} | {ex / rh:.2f} | "
                f"{mean(rows, 'exemplar unrelated', **sel):.2f} |"
            )
    for how in ("gray", "wrong"):
        ex, rh, none = (mean(rows, k, target=how) for k in ("exemplar", "reinhard", "none"))
        unrelated = mean(rows, "exemplar unrelated", target=how)
        print(
            f"\n{how} targets: exemplar / reinhard = {ex / rh:.2f} (target <= 0.40); exemplar / none = "
            f"{ex / none:.2f}; unrelated reference: exemplar / none = {unrelated / none:.2f} (target <= 1.00)"
        )
    worse = [r for r in rows if r["exemplar unrelated"] > r["none"] + 1e-6 or r["exemplar"] > r["none"] + 1e-6]
    print(f"pairs where exemplar is worse than no transfer: {len(worse)} of {len(rows)}")

    upsampling = upsampling_table(args.scale)
    print(f"\n(b) Chroma upsampling from the true a, b at 1/{args.scale} size, mean CIEDE2000\n")
    print("| photo | size | working | " + " | ".join(UPSAMPLE_MODES) + " |")
    print("|---|---|---|" + "---|" * len(UPSAMPLE_MODES))
    for r in upsampling["rows"]:
        cells = " | ".join(f"{r[m]:.3f}" for m in UPSAMPLE_MODES)
        print(f"| {r['photo']} | {r['size']} | {r['working']} | {cells} |")
    base = statistics.fmean(r["nearest"] for r in upsampling["rows"])
    for mode in UPSAMPLE_MODES:
        print(
            f"{mode}: mean {statistics.fmean(r[mode] for r in upsampling['rows']):.3f}, "
            f"ratio to nearest {statistics.fmean(r[mode] for r in upsampling['rows']) / base:.3f}"
        )

    times = timings()
    print("\n(c) Time on this machine (2 threads)\n")
    for key, seconds in times.items():
        print(f"- {key}: {seconds * 1000:.0f} ms")
    write_json(args.json, {"transfer": transfer, "upsampling": upsampling, "times": times})


if __name__ == "__main__":
    main()
