"""Video: flicker, fidelity, cuts, speed and memory of `colorize_video`, per-frame against stabilized.

Clips are camera moves (pans, zooms) over scikit-image's bundled color photos with a hard cut
half-way to another photo, encoded gray as H.264 with an AAC track. The true motion is known,
so the warping error uses it (not an estimated flow, which would share the stabilizer's errors).

Colorizers, each run through the real `colorize_video` (decode, batches, compose, encode):
* oracle: a model fed the clip's true a, b frame by frame (it ignores its gray input; it
  stands for a colorizer that is right and stable);
* flicker: the same truth with a per-frame random spoil of a, b, as per-frame colorization
  does: `gain` (saturation), `hue` (a turn), `offset` (a cast), or `all` three at once;
* tiny: the real network with synthetic weights (colors mean nothing; its flicker is real).

Figures per clip and spoil:
* warping error (Lai et al. 2018): the next output frame warped back with the true motion,
  squared RGB error in [0, 1] over pixels seen in both frames, mean over frame pairs;
* CDC (Liu et al., TCVC): Jensen-Shannon divergence of per-channel RGB histograms of frames
  1, 2 and 4 apart, averaged; pairs across the cut are left out of both;
* a,b distance: mean Lab a,b distance to the oracle's per-frame output (the colors without
  flicker); and after the cut (its first 6 frames), where nothing may be carried over.
Clips are split: the carry weight was tuned on the `tune` clips (`--tune` prints the grid);
the `held-out` clips were not looked at while tuning.

    .venv/bin/python bench/video_quality.py [--json bench/results/video_quality.json] [--tune]
        [--only quality real reference speed memory]
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from skimage import data as skdata
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ddcolor.stabilize as stabilize_module  # noqa: E402
from common import peak_rss_gb, write_json  # noqa: E402
from ddcolor.lab import to_lab  # noqa: E402
from ddcolor.pipeline import Colorizer  # noqa: E402
from ddcolor.stabilize import TemporalStabilizer  # noqa: E402
from ddcolor.synthetic import write_synthetic_checkpoint  # noqa: E402
from ddcolor.video import colorize_video  # noqa: E402
from ddcolor.weights import CHECKPOINT_FILES  # noqa: E402
from video_clips import Shot, audio_samples, read_frames, write_video  # noqa: E402

WIDTH, HEIGHT, INPUT_SIZE, SHOT_FRAMES = 192, 144, 128, 48
AFTER_CUT = 6
SPOILS = ("gain", "hue", "offset", "all")
TARGETS = {"warp": 0.15, "ab": 0.5, "speed": 1.3}


def load_photo(name: str, scale: float = 2.0) -> np.ndarray:
    """A bundled photo as BGR, resized so that it covers `scale` x the frame's longer side."""
    rgb = np.ascontiguousarray(getattr(skdata, name)()[:, :, :3])
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    factor = scale * WIDTH / bgr.shape[1]
    return cv2.resize(bgr, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


MOTIONS = {  # start, velocity, zoom, zoom rate
    "slow pan": ((20.0, 30.0), (1.3, 0.4), 1.0, 0.0),
    "fast pan": ((10.0, 40.0), (3.5, -0.8), 1.0, 0.0),
    "pan + zoom in": ((60.0, 40.0), (1.0, 0.6), 1.3, -0.008),
}

CLIPS = {  # name: (first photo, motion, second photo, motion, split)
    "astronaut > coffee": ("astronaut", "slow pan", "coffee", "pan + zoom in", "tune"),
    "chelsea > rocket": ("chelsea", "pan + zoom in", "rocket", "fast pan", "tune"),
    "immuno > hubble": ("immunohistochemistry", "fast pan", "hubble_deep_field", "slow pan", "tune"),
    "rocket > astronaut": ("rocket", "slow pan", "astronaut", "fast pan", "held-out"),
    "coffee > immuno": ("coffee", "fast pan", "immunohistochemistry", "pan + zoom in", "held-out"),
    "retina > chelsea": ("retina", "pan + zoom in", "chelsea", "slow pan", "held-out"),
}


@dataclass
class Clip:
    name: str
    shots: list[Shot]
    color: list[np.ndarray]  # the true color frames
    path: Path  # the gray H.264 file with audio

    @property
    def cut(self) -> int:
        return self.shots[0].frames


def make_clip(name: str, folder: Path) -> Clip:
    first, first_motion, second, second_motion, _ = CLIPS[name]
    shots = [
        Shot(load_photo(photo), SHOT_FRAMES, *MOTIONS[motion])
        for photo, motion in ((first, first_motion), (second, second_motion))
    ]
    color = [shot.frame(t, WIDTH, HEIGHT) for shot in shots for t in range(shot.frames)]
    path = write_video(folder / f"{name.replace(' > ', '-')}.mp4", [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in color])
    return Clip(name, shots, color, path)


class TruthModel(nn.Module):
    """Returns the clip's true a, b at the working size, frame after frame, spoiled per frame if asked.

    It cannot know the colors from its gray input, so it is fed the truth in frame order; it
    checks that it is asked for exactly as many frames as the video has.
    """

    def __init__(self, color: list[np.ndarray], size: int, spoil: str | None = None, seed: int = 0) -> None:
        super().__init__()
        small = [to_lab(cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA)) for f in color]
        self.ab = np.stack([lab[:, :, 1:].transpose(2, 0, 1) for lab in small]).astype(np.float32)
        self.spoil, self.rng, self.next = spoil, np.random.default_rng(seed), 0

    def spoiled(self, ab: np.ndarray) -> np.ndarray:
        gain = self.rng.uniform(0.7, 1.3) if self.spoil in ("gain", "all") else 1.0
        turn = math.radians(self.rng.uniform(-25, 25)) if self.spoil in ("hue", "all") else 0.0
        offset = self.rng.normal(0, 6, 2) if self.spoil in ("offset", "all") else np.zeros(2)
        cos, sin = math.cos(turn), math.sin(turn)
        a = gain * (cos * ab[0] - sin * ab[1]) + offset[0]
        b = gain * (sin * ab[0] + cos * ab[1]) + offset[1]
        return np.clip(np.stack([a, b]), -128, 127).astype(np.float32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        count = x.shape[0]
        if self.next + count > len(self.ab):
            raise RuntimeError("asked for more frames than the clip has")
        batch = self.ab[self.next : self.next + count]
        self.next += count
        if self.spoil is not None:
            batch = np.stack([self.spoiled(ab) for ab in batch])
        return torch.from_numpy(batch)


def run(
    clip: Clip, model: nn.Module, folder: Path, tag: str, stabilize: bool, **options
) -> tuple[list[np.ndarray], object]:
    colorizer = Colorizer(model, input_size=INPUT_SIZE, device="cpu")
    out = folder / f"{clip.path.stem}-{tag}-{'stab' if stabilize else 'frame'}.mp4"
    report = colorize_video(colorizer, clip.path, out, stabilize=stabilize, **options)
    frames = read_frames(out)
    if len(frames) != len(clip.color) or audio_samples(out) != audio_samples(clip.path):
        raise RuntimeError(f"{out.name}: frame count or audio length changed")
    return frames, report


def same_shot_pairs(clip: Clip, offset: int) -> list[tuple[int, int]]:
    total = len(clip.color)
    return [(t, t + offset) for t in range(total - offset) if (t < clip.cut) == (t + offset < clip.cut)]


def warping_error(clip: Clip, frames: list[np.ndarray]) -> float:
    errors = []
    for t, _ in same_shot_pairs(clip, 1):
        shot, local = (clip.shots[0], t) if t < clip.cut else (clip.shots[1], t - clip.cut)
        height, width = frames[t].shape[:2]
        map_x, map_y, valid = shot.next_to_this(local, width, height)
        back = cv2.remap(frames[t + 1], map_x, map_y, cv2.INTER_LINEAR).astype(np.float32) / 255
        squared = ((frames[t].astype(np.float32) / 255 - back) ** 2).sum(axis=2)
        errors.append(float(squared[valid].mean()))
    return statistics.mean(errors)


def _histograms(frame: np.ndarray) -> np.ndarray:
    counts = np.stack([np.bincount(frame[:, :, c].ravel(), minlength=256) for c in range(3)]).astype(np.float64)
    return counts / counts.sum(axis=1, keepdims=True)


def _js(p: np.ndarray, q: np.ndarray) -> float:
    m = (p + q) / 2

    def kl(x: np.ndarray) -> float:
        mask = x > 0
        return float((x[mask] * np.log2(x[mask] / m[mask])).sum())

    return (kl(p) + kl(q)) / 2


def cdc(clip: Clip, frames: list[np.ndarray]) -> float:
    histograms = [_histograms(f) for f in frames]
    per_offset = []
    for offset in (1, 2, 4):
        pairs = same_shot_pairs(clip, offset)
        per_offset.append(
            statistics.mean(
                statistics.mean(_js(histograms[s][c], histograms[t][c]) for c in range(3)) for s, t in pairs
            )
        )
    return statistics.mean(per_offset)


def ab_distances(frames: list[np.ndarray], truth: list[np.ndarray]) -> list[float]:
    return [
        float(np.hypot(*(to_lab(f)[:, :, 1:] - to_lab(t)[:, :, 1:]).transpose(2, 0, 1)).mean())
        for f, t in zip(frames, truth, strict=True)
    ]


def evaluate(clip: Clip, folder: Path, spoils: tuple[str, ...], seed: int) -> dict:
    truth, _ = run(clip, TruthModel(clip.color, INPUT_SIZE), folder, "truth", stabilize=False)
    oracle_stab, report = run(clip, TruthModel(clip.color, INPUT_SIZE), folder, "truth", stabilize=True)
    row: dict = {
        "split": CLIPS[clip.name][4],
        "cut found": report.scene_cuts == [clip.cut],
        "oracle stabilized ab distance": statistics.mean(ab_distances(oracle_stab, truth)),
        "oracle warping error": warping_error(clip, truth),
        "spoils": {},
    }
    for index, spoil in enumerate(spoils):
        figures = {}
        for stabilize in (False, True):
            model = TruthModel(clip.color, INPUT_SIZE, spoil, seed=seed + index)
            frames, report = run(clip, model, folder, spoil, stabilize)
            distances = ab_distances(frames, truth)
            key = "stabilized" if stabilize else "per-frame"
            figures[key] = {
                "warping error": warping_error(clip, frames),
                "cdc": cdc(clip, frames),
                "ab distance": statistics.mean(distances),
                "ab distance after cut": statistics.mean(distances[clip.cut : clip.cut + AFTER_CUT]),
                "cuts": report.scene_cuts,
            }
        per, stab = figures["per-frame"], figures["stabilized"]
        figures["warp ratio"] = stab["warping error"] / per["warping error"]
        # What flicker adds above the error the unflickered colors already have (lightness, codec):
        floor = row["oracle warping error"]
        figures["warp ratio above floor"] = (stab["warping error"] - floor) / (per["warping error"] - floor)
        figures["ab ratio"] = stab["ab distance"] / per["ab distance"]
        figures["cut ok"] = stab["ab distance after cut"] <= per["ab distance after cut"]
        row["spoils"][spoil] = figures
    return row


def real_model_row(clip: Clip, folder: Path) -> dict:
    model = Colorizer.from_checkpoint(
        folder / "weights" / CHECKPOINT_FILES["tiny"], model_size="tiny", input_size=INPUT_SIZE, device="cpu"
    ).model
    out = {}
    for stabilize in (False, True):
        frames, _ = run(clip, model, folder, "tiny", stabilize)
        out["stabilized" if stabilize else "per-frame"] = {
            "warping error": warping_error(clip, frames),
            "cdc": cdc(clip, frames),
        }
    out["warp ratio"] = out["stabilized"]["warping error"] / out["per-frame"]["warping error"]
    return out


def reference_row(clip: Clip, folder: Path) -> dict:
    """The oracle steered by a reference (the second shot's photo, so half the clip matches it):
    does the per-frame transfer flicker, and does stabilization even it out?"""
    reference = clip.shots[1].photo
    out = {}
    for stabilize in (False, True):
        frames, _ = run(clip, TruthModel(clip.color, INPUT_SIZE), folder, "reference", stabilize, reference=reference)
        out["stabilized" if stabilize else "per-frame"] = {
            "warping error": warping_error(clip, frames),
            "cdc": cdc(clip, frames),
        }
    out["warp ratio"] = out["stabilized"]["warping error"] / out["per-frame"]["warping error"]
    return out


class InstantModel(nn.Module):
    """Gray for any input, at no cost: stands for a model so fast (a GPU) that only the rest counts."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros(x.shape[0], 2, *x.shape[2:])


def frames_per_second(colorizer: Colorizer, path: Path, folder: Path, frames: int, repeats: int) -> dict:
    """Per-frame and stabilized, alternated, best of `repeats`."""
    best = {False: math.inf, True: math.inf}
    colorize_video(colorizer, path, folder / "warm.mp4", stabilize=False)
    for _ in range(repeats):
        for stabilize in (False, True):
            started = time.perf_counter()
            colorize_video(colorizer, path, folder / "speed-out.mp4", stabilize=stabilize)
            best[stabilize] = min(best[stabilize], time.perf_counter() - started)
    return {
        "per-frame fps": frames / best[False],
        "stabilized fps": frames / best[True],
        "time ratio": best[True] / best[False],
    }


def speed(folder: Path, checkpoint: Path, input_size: int, frames: int, repeats: int) -> dict:
    """Frames per second with the real tiny network (on the GPU if there is one) and with an
    instant model (the share of stabilization once the model costs nothing), then the stabilizer alone."""
    photo = load_photo("astronaut", scale=1.0)
    shot = Shot(cv2.resize(photo, (960, 720)), frames, (40.0, 30.0), (2.0, 0.5))
    path = write_video(
        folder / "speed.mp4", [cv2.cvtColor(shot.frame(t, 640, 360), cv2.COLOR_BGR2GRAY) for t in range(frames)]
    )
    colorizer = Colorizer.from_checkpoint(checkpoint, model_size="tiny", input_size=input_size, device=None)
    tiny = frames_per_second(colorizer, path, folder, frames, repeats)
    instant = frames_per_second(
        Colorizer(InstantModel(), input_size=input_size, device="cpu"), path, folder, frames, repeats
    )
    stabilizer, rng = TemporalStabilizer(), np.random.default_rng(0)
    work = [cv2.resize(cv2.cvtColor(shot.frame(t, 640, 360), cv2.COLOR_BGR2GRAY), (512, 512)) for t in range(10)]
    ab = [rng.normal(0, 10, (2, 512, 512)).astype(np.float32) for _ in work]
    started = time.perf_counter()
    for gray, prediction in zip(work, ab, strict=True):
        stabilizer(gray, prediction)
    return {
        "stabilizer ms per frame at 512": 1000 * (time.perf_counter() - started) / len(work),
        "clip": f"640x360, {frames} frames, tiny model, input_size {input_size}, {colorizer.device.type.upper()}",
        **tiny,
        "instant model": instant,
    }


def memory_child(path: str, checkpoint: str) -> None:
    colorizer = Colorizer.from_checkpoint(Path(checkpoint), model_size="tiny", input_size=128, device="cpu")
    with tempfile.TemporaryDirectory() as folder:
        colorize_video(colorizer, path, Path(folder) / "out.mp4")
    print(peak_rss_gb())


def memory(folder: Path, checkpoint: Path, frames: int) -> dict:
    """Peak resident memory of a fresh process colorizing a 1280x720 clip and one twice as long."""
    photo = cv2.resize(load_photo("coffee", scale=1.0), (1600, 1000))
    figures = {}
    for count in (frames, 2 * frames):
        shot = Shot(photo, count, (20.0, 20.0), (2.0, 1.0))
        path = write_video(folder / f"mem{count}.mp4", (shot.frame(t, 1280, 720) for t in range(count)))
        result = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(path), str(checkpoint)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures[f"{count} frames peak GB"] = float(result.stdout.strip().splitlines()[-1])
    values = list(figures.values())
    figures["ratio"] = values[1] / values[0]
    return figures


def print_rows(rows: dict, spoils: tuple[str, ...]) -> None:
    print(
        f"\n{'clip':22} {'split':8} {'spoil':7} {'warp per-frame':>14} {'stab':>9} {'ratio':>6} "
        f"{'>floor':>6} {'CDC per-frame':>13} {'stab':>7} {'ab per-frame':>12} {'stab':>6} {'ratio':>6} "
        f"{'after cut p/s':>14} cut"
    )
    for name, row in rows.items():
        for spoil in spoils:
            f = row["spoils"][spoil]
            per, stab = f["per-frame"], f["stabilized"]
            print(
                f"{name:22} {row['split']:8} {spoil:7} {per['warping error']:14.5f} {stab['warping error']:9.5f} "
                f"{f['warp ratio']:6.3f} {f['warp ratio above floor']:6.3f} {per['cdc']:13.4f} {stab['cdc']:7.4f} "
                f"{per['ab distance']:12.2f} "
                f"{stab['ab distance']:6.2f} {f['ab ratio']:6.3f} "
                f"{per['ab distance after cut']:6.2f}/{stab['ab distance after cut']:<6.2f} "
                f"{'ok' if f['cut ok'] and row['cut found'] else 'FAIL'}"
            )
    for split in ("tune", "held-out"):
        cases = [r["spoils"][s] for r in rows.values() if r["split"] == split for s in spoils]
        if not cases:
            continue
        warp = [c["warp ratio"] for c in cases]
        above = [c["warp ratio above floor"] for c in cases]
        ab = [c["ab ratio"] for c in cases]
        print(
            f"{split:>9}: warp ratio mean {statistics.mean(warp):.3f} worst {max(warp):.3f} "
            f"(target <= {TARGETS['warp']}), above the floor mean {statistics.mean(above):.3f} worst {max(above):.3f}; "
            f"ab ratio mean {statistics.mean(ab):.3f} worst {max(ab):.3f} (target <= {TARGETS['ab']}); "
            f"cuts ok {sum(c['cut ok'] for c in cases)}/{len(cases)}"
        )
    for name, row in rows.items():
        print(
            f"{name:22} no flicker: warping error {row['oracle warping error']:.5f} (the floor: lightness, codec), "
            f"stabilized ab distance to per-frame {row['oracle stabilized ab distance']:.2f}, "
            f"cut found at the right frame: {row['cut found']}"
        )


SECTIONS = ("quality", "real", "reference", "speed", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--tune", action="store_true", help="grid of carry weights on the tuning clips")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS, help="sections to run")
    parser.add_argument("--memory-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        checkpoint = write_synthetic_checkpoint(folder / "weights", "tiny")
        clips = {name: make_clip(name, folder) for name in CLIPS}
        figures: dict = {}
        if args.tune:
            for carry in (0.7, 0.8, 0.85, 0.9):
                stabilize_module.CARRY = carry
                rows = {n: evaluate(c, folder, ("all",), 0) for n, c in clips.items() if CLIPS[n][4] == "tune"}
                cases = [r["spoils"]["all"] for r in rows.values()]
                print(
                    f"carry {carry}: warp ratio {statistics.mean(c['warp ratio'] for c in cases):.3f}, "
                    f"ab ratio {statistics.mean(c['ab ratio'] for c in cases):.3f}"
                )
            return
        if "quality" in args.only:
            rows = {name: evaluate(clip, folder, SPOILS, seed=10 * i) for i, (name, clip) in enumerate(clips.items())}
            figures["clips"] = rows
            print_rows(rows, SPOILS)
        rows_of = {"real": real_model_row, "reference": reference_row}
        titles = {"real": "real tiny model (synthetic weights)", "reference": "oracle + exemplar reference"}
        for section in ("real", "reference"):
            if section not in args.only:
                continue
            figures[section] = {n: rows_of[section](clips[n], folder) for n in list(CLIPS)[:2]}
            for name, row in figures[section].items():
                print(
                    f"{titles[section]}, {name}: warping error {row['per-frame']['warping error']:.5f} -> "
                    f"{row['stabilized']['warping error']:.5f} (ratio {row['warp ratio']:.3f}), "
                    f"CDC {row['per-frame']['cdc']:.4f} -> {row['stabilized']['cdc']:.4f}",
                    flush=True,
                )
        if "speed" in args.only:
            figures["speed"] = speed(folder, checkpoint, 256, 48, 2)
            s = figures["speed"]
            print(
                f"speed ({s['clip']}): per-frame {s['per-frame fps']:.2f} fps, "
                f"stabilized {s['stabilized fps']:.2f} fps, "
                f"time ratio {s['time ratio']:.3f} (target <= {TARGETS['speed']}); the stabilizer alone: "
                f"{s['stabilizer ms per frame at 512']:.1f} ms per frame at the default working size 512",
                flush=True,
            )
            i = s["instant model"]
            print(
                f"speed with an instant model (what a fast GPU leaves): per-frame {i['per-frame fps']:.2f} fps, "
                f"stabilized {i['stabilized fps']:.2f} fps, time ratio {i['time ratio']:.3f}",
                flush=True,
            )
        if "memory" in args.only:
            figures["memory"] = memory(folder, checkpoint, 48)
            print(f"peak memory (1280x720, fresh process): {figures['memory']}")
        write_json(args.json, figures)


if __name__ == "__main__":
    main()
