"""Color quality: reference transfer and chroma upsampling, as mean CIEDE2000 to the true colors.

Photos are scikit-image's bundled color photos (no downloads); the cases are built in
bench/transfer_cases.py, split into a tuning part and a held-out part, each reported.

(a) Same-scene references. A target is a view of a photo with its colors removed or spoiled
    (gray, hue turned 60 degrees at half chroma, hue turned 120 degrees, desaturated, and an uneven
    fade with a yellow cast, the one spoil that is not a similarity of a, b); the
    reference shows the same scene otherwise (stereo view, the other half, overlapping crop,
    mirror, shifted zoom). Each method is scored against the target's true colors, next to no
    transfer at all. Target: exemplar <= 0.40 x reinhard on the mean, never worse than none.
    Next to it, the truth share: the true colors' distance to the reference's palette (as in (b)) as a
    share of the target's; over 0.5, treating the pair as unrelated would lead the photo away from its truth.
(b) Unrelated references (another photo, flat color cards, gradients; colored and gray
    targets): how far each method moves the palette, as the mean a, b change and the sliced
    Wasserstein distance of the result's a, b to the reference's, as a share of the distance
    before. Target for exemplar at strength 1: change >= 5 and share <= 0.5; strength 0.5 in between.
    Next to it, the share an in-gamut oracle reaches (the reference's own a, b on the target's L):
    where it misses 0.5 too, the gamut is the limit. Misses whose target started within 5 of the
    reference's palette are named apart: moved toward it, their colors reach it before changing by 5.
(c) Chroma upsampling. An oracle model returns the true a, b shrunk to the working size; the
    pipeline brings them back to full size with each upsampling mode.
(d) Time on this machine.

    .venv/bin/python bench/color_quality.py [--part tuning|held-out|all|FOLDER] [--transfer-only | --times-only]
        [--json bench/results/color_quality.json]

--part FOLDER runs (a) and (b) on the photos in FOLDER (at least 3): photos nobody tuned on.
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
from skimage.color import deltaE_ciede2000
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import write_json  # noqa: E402
from ddcolor.lab import fit_to_gamut, most_vivid_chroma, to_bgr, to_lab  # noqa: E402
from ddcolor.pipeline import Colorizer, compose  # noqa: E402
from ddcolor.resample import UPSAMPLE_MODES, upsample_ab  # noqa: E402
from ddcolor.transfer import TRANSFER_METHODS, transfer_colors  # noqa: E402
from ddcolor.transfer.distance import sliced_wasserstein_ab  # noqa: E402
from transfer_cases import PARTS, load_photo, same_scene_cases, spoil, unrelated_cases  # noqa: E402

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry", "retina")
SAME_SCENE_RATIO_TARGET = 0.40
TIME_TARGETS = {
    "transfer exemplar, 1 MP target + 1 MP reference": 1.0,
    "transfer exemplar, 12 MP target + 1 MP reference": 2.0,
    "transfer exemplar, 1 MP gray target + 1 MP reference": 1.0,
    "transfer exemplar, 12 MP gray target + 1 MP reference": 2.0,
}
MIN_CHANGE, MAX_DISTANCE_SHARE = 5.0, 0.5
GAMUT_ORACLE_PIXELS = 20_000


def ciede2000(result_bgr: np.ndarray, truth_bgr: np.ndarray) -> float:
    return float(deltaE_ciede2000(to_lab(result_bgr), to_lab(truth_bgr)).mean())


def same_scene_rows(part: str) -> list[dict]:
    rows = []
    for case in same_scene_cases(part):
        row = {"part": part, "photo": case.photo, "view": case.kind, "spoil": case.spoil}
        row["none"] = ciede2000(case.target, case.truth)
        row["truth share"] = truth_share(case.target, case.truth, case.reference)
        for method in TRANSFER_METHODS:
            row[method] = ciede2000(transfer_colors(case.target, case.reference, method=method), case.truth)
        rows.append(row)
    return rows


def truth_share(target: np.ndarray, truth: np.ndarray, reference: np.ndarray) -> float:
    """The true colors' sliced Wasserstein distance to the reference's a, b, as a share of the target's own:
    over 0.5, the truth lies farther from the reference's palette than issue 11's target asks an unrelated
    reference to bring a photo, so a transfer that treats the pair as unrelated leads it away from the truth."""
    reference_lab = to_lab(reference)
    return sliced_wasserstein_ab(to_lab(truth), reference_lab) / sliced_wasserstein_ab(to_lab(target), reference_lab)


def palette_move(target: np.ndarray, result: np.ndarray, reference_lab: np.ndarray, before: float) -> tuple:
    """(mean a, b change, sliced Wasserstein distance to the reference's a, b as a share of before)."""
    target_lab, result_lab = to_lab(target), to_lab(result)
    change = float(np.hypot(*(result_lab[:, :, 1:] - target_lab[:, :, 1:]).transpose(2, 0, 1)).mean())
    return change, sliced_wasserstein_ab(result_lab, reference_lab) / before


def in_gamut_oracle_share(target: np.ndarray, reference_lab: np.ndarray, before: float) -> float:
    """How close a result with the target's L can come, by an oracle: the reference's own a, b handed to the
    target's pixels (paired by lightness rank, at random, or so that most of them land at a lightness RGB shows
    them at: the best of the three), fitted into the gamut at the target's L and shown as BGR. Where even this
    misses the share target, the limit is likely the gamut (dark or bright targets cannot show the reference's
    chroma), not the transfer."""
    target_lab = to_lab(target)
    flat, reference = target_lab.reshape(-1, 3), reference_lab.reshape(-1, 3)
    rng = np.random.default_rng(0)
    picked = reference[rng.choice(len(reference), len(flat), replace=len(reference) < len(flat))]
    by_rank, at_random = flat.copy(), flat.copy()
    by_rank[np.argsort(flat[:, 0], kind="stable"), 1:] = picked[np.argsort(picked[:, 0], kind="stable"), 1:]
    at_random[:, 1:] = picked[:, 1:]
    # The third pairs a sample of the pixels (its share is read on a sample anyway): a loop in Python.
    sample = flat[rng.choice(len(flat), min(len(flat), GAMUT_ORACLE_PIXELS), replace=False)]
    colors = picked[: len(sample), 1:]
    shown_where_possible = sample.copy()
    shown_where_possible[:, 1:] = colors[_gamut_aware_pairing(sample[:, 0], colors)]
    shares = []
    for oracle in (by_rank.reshape(target_lab.shape), at_random.reshape(target_lab.shape), shown_where_possible[None]):
        shown = to_lab(to_bgr(fit_to_gamut(oracle)))
        shares.append(sliced_wasserstein_ab(shown, reference_lab) / before)
    return min(shares)


def _shown_lightness(colors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each color (N, 2: a, b), the lowest and highest L (on a grid of 1) at which RGB shows it; inf and -inf
    where it shows nowhere."""
    levels = np.arange(0.0, 100.5, 1.0)
    chroma = np.hypot(colors[:, 0], colors[:, 1])
    shown = most_vivid_chroma(levels[:, None], colors[None, :, 0], colors[None, :, 1]) >= chroma
    anywhere = shown.any(axis=0)
    lowest = np.where(anywhere, levels[shown.argmax(axis=0)], np.inf)
    highest = np.where(anywhere, levels[len(levels) - 1 - shown[::-1].argmax(axis=0)], -np.inf)
    return lowest, highest


def _gamut_aware_pairing(lightness: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """For each pixel (its L), the index of the color (N, 2: a, b, as many as pixels) it is handed: as many colors
    as can be handed to a pixel whose L shows them, the rest by lightness rank. (Colors taken by the top of their
    range of L, each handed to the darkest free pixel inside it: the greedy that pairs the most points with
    intervals.) The lightness-rank oracle hands a bright target's pixels colors RGB shows only when dark, and
    called misses out of reach that are not (a photo of spaghetti with the color wheel: 0.55 by rank, 0.08 so)."""
    lowest, highest = _shown_lightness(colors)
    order = np.argsort(lightness, kind="stable")
    ordered = lightness[order]
    first = np.searchsorted(ordered, lowest)  # the darkest pixel light enough for each color
    next_free = np.arange(len(ordered) + 1)  # a pixel's slot, or one to its right that may be free (path halving)
    paired = np.full(len(ordered), -1)
    for color in np.argsort(highest, kind="stable"):
        slot = int(first[color])
        while slot < len(ordered) and next_free[slot] != slot:
            next_free[slot] = next_free[next_free[slot]]
            slot = int(next_free[slot])
        if slot < len(ordered) and ordered[slot] <= highest[color]:
            paired[slot] = color
            next_free[slot] = slot + 1
    left = np.flatnonzero(paired < 0)
    unpaired = np.setdiff1d(np.arange(len(colors)), paired[paired >= 0])
    paired[left] = unpaired[: len(left)]  # the colors shown nowhere at the pixels left, in the order of both
    pixel_colors = np.empty_like(paired)
    pixel_colors[order] = paired
    return pixel_colors


def unrelated_rows(part: str) -> list[dict]:
    rows = []
    for case in unrelated_cases(part):
        reference_lab = to_lab(case.reference)
        before = sliced_wasserstein_ab(to_lab(case.target), reference_lab)
        row = {"part": part, "photo": case.photo, "reference": case.kind, "target": case.spoil, "before": before}
        row["in-gamut oracle share"] = in_gamut_oracle_share(case.target, reference_lab, before)
        for method, strength in [(m, 1.0) for m in TRANSFER_METHODS] + [("exemplar", 0.5)]:
            result = transfer_colors(case.target, case.reference, method=method, strength=strength)
            key = method if strength == 1.0 else f"{method} {strength:g}"
            row[f"{key} change"], row[f"{key} share"] = palette_move(case.target, result, reference_lab, before)
        rows.append(row)
    return rows


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
        truth = load_photo(name, max_side=None)
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
    reference = cv2.resize(load_photo("retina", max_side=None)[::-1], (1000, 1000))
    out = {}
    for label, size in (("1 MP", (1000, 1000)), ("12 MP", (4000, 3000))):
        colored = cv2.resize(load_photo("retina", max_side=None), size)
        # A gray target takes the palette's region descriptors too (more work than a colored one).
        for kind, target in (("", colored), (" gray", spoil(colored, "gray"))):
            for method in TRANSFER_METHODS:
                transfer_colors(target, reference, method=method)
                runs = []
                for _ in range(3):
                    started = time.perf_counter()
                    transfer_colors(target, reference, method=method)
                    runs.append(time.perf_counter() - started)
                out[f"transfer {method}, {label}{kind} target + 1 MP reference"] = statistics.median(runs)
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


def print_same_scene(rows: list[dict], part: str) -> dict:
    print(f"\n(a) Same-scene references, {part} part: mean CIEDE2000 to the true colors (lower is better)\n")
    print("| photo | view | spoil | none | reinhard | palette | exemplar | exemplar / reinhard | truth share |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['photo']} | {r['view']} | {r['spoil']} | {r['none']:.2f} | {r['reinhard']:.2f} | "
            f"{r['palette']:.2f} | {r['exemplar']:.2f} | {r['exemplar'] / r['reinhard']:.2f} | {r['truth share']:.2f} |"
        )
    print(f"\nMeans, {part} part:\n")
    print("| cases | n | none | reinhard | palette | exemplar | exemplar / reinhard |")
    print("|---|---|---|---|---|---|---|")
    groups = [("view", v) for v in dict.fromkeys(r["view"] for r in rows)]
    groups += [("spoil", s) for s in dict.fromkeys(r["spoil"] for r in rows)]
    for key, value in [*groups, (None, "all")]:
        sel = {} if key is None else {key: value}
        n = sum(all(r[k] == v for k, v in sel.items()) for r in rows)
        none, rh, pal, ex = (mean(rows, m, **sel) for m in ("none", "reinhard", "palette", "exemplar"))
        print(f"| {value} | {n} | {none:.2f} | {rh:.2f} | {pal:.2f} | {ex:.2f} | {ex / rh:.2f} |")
    ratio = mean(rows, "exemplar") / mean(rows, "reinhard")
    worse = [r for r in rows if r["exemplar"] > r["none"] + 1e-6]
    # Pairs where reinhard and the palette are worse than none too: the reference likely has no colors for
    # what the target shows (the other half of a scene showing other things). Counted in `worse` all the same.
    by_every_method = [r for r in worse if min(r["reinhard"], r["palette"]) > r["none"] + 1e-6]
    # Pairs whose true colors lie farther from the reference's palette than an unrelated reference must bring a
    # photo (`truth_share`): there the two targets of issue 11 pull apart. Counted in `worse` all the same.
    away = [r for r in rows if r["truth share"] > MAX_DISTANCE_SHARE]
    worse_away = [r for r in worse if r["truth share"] > MAX_DISTANCE_SHARE]
    held = ratio <= SAME_SCENE_RATIO_TARGET and not worse
    print(
        f"\n{part}: exemplar / reinhard = {ratio:.2f} (target <= {SAME_SCENE_RATIO_TARGET:.2f}); pairs where "
        f"exemplar is worse than no transfer: {len(worse)} of {len(rows)} (target 0), {len(by_every_method)} of "
        f"them worse with every method, {len(worse_away)} of them with true colors over {MAX_DISTANCE_SHARE} from "
        f"the reference's palette (truth share; {len(away)} of all {len(rows)} pairs) "
        f"-> {'holds' if held else 'MISSED'}"
    )
    return {
        "exemplar / reinhard": ratio,
        "worse than none": len(worse),
        "worse with every method": len(by_every_method),
        "worse with the truth far from the palette": len(worse_away),
        "truth far from the palette": len(away),
        "pairs": len(rows),
    }


def print_unrelated(rows: list[dict], part: str) -> dict:
    print(f"\n(b) Unrelated references, {part} part: mean a, b change / Wasserstein share after (lower = closer)\n")
    keys = [*TRANSFER_METHODS, "exemplar 0.5"]
    print("| photo | target | reference | distance before | " + " | ".join(keys) + " | in-gamut oracle share |")
    print("|---|---|---|---|" + "---|" * (len(keys) + 1))
    for r in rows:
        cells = " | ".join(f"{r[f'{k} change']:.1f} / {r[f'{k} share']:.2f}" for k in keys)
        print(
            f"| {r['photo']} | {r['target']} | {r['reference']} | {r['before']:.1f} | {cells} | "
            f"{r['in-gamut oracle share']:.2f} |"
        )
    means = " | ".join(f"{mean(rows, f'{k} change'):.1f} / {mean(rows, f'{k} share'):.2f}" for k in keys)
    print(f"| mean | | | {mean(rows, 'before'):.1f} | {means} | {mean(rows, 'in-gamut oracle share'):.2f} |")
    low = min(r["exemplar change"] for r in rows)
    high = max(r["exemplar share"] for r in rows)
    between = all(r["exemplar share"] <= r["exemplar 0.5 share"] <= 1.0 for r in rows) and all(
        0 < r["exemplar 0.5 change"] < r["exemplar change"] for r in rows
    )
    held = low >= MIN_CHANGE and high <= MAX_DISTANCE_SHARE and between
    misses = [r for r in rows if r["exemplar share"] > MAX_DISTANCE_SHARE]
    gamut = [r for r in misses if r["in-gamut oracle share"] > MAX_DISTANCE_SHARE]
    # A target whose palette already lies nearer the reference's than the change asked: moved along the way to
    # the reference's palette, its colors reach it before they have changed by MIN_CHANGE, so the two targets
    # hold together only where the transfer trades colors within that palette.
    near = [r for r in misses if r["before"] < MIN_CHANGE and r not in gamut]
    print(
        f"\n{part}: share <= {MAX_DISTANCE_SHARE} in {len(rows) - len(misses)} of {len(rows)} pairs; of the "
        f"{len(misses)} misses, {len(gamut)} are out of reach in the gamut (the oracle misses too): "
        + ", ".join(f"{r['photo']} {r['target']} / {r['reference']}" for r in gamut)
        + f"; {len(near)} more started within {MIN_CHANGE:g} of the reference's palette: "
        + ", ".join(f"{r['photo']} {r['target']} / {r['reference']} ({r['before']:.1f})" for r in near)
    )
    print(
        f"\n{part}: exemplar smallest change {low:.1f} (target >= {MIN_CHANGE:g}), largest Wasserstein share "
        f"{high:.2f} (target <= {MAX_DISTANCE_SHARE}), strength 0.5 between none and full in every pair: {between} "
        f"-> {'holds' if held else 'MISSED'}"
    )
    return {
        "smallest change": low,
        "largest share": high,
        "half strength between": between,
        "pairs within the share": len(rows) - len(misses),
        "misses the gamut allows no better": len(gamut),
        "misses that started near the palette": len(near),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--scale", type=int, default=4, help="upscaling factor for (c)")
    parser.add_argument(
        "--part", default="all", help="which cases of (a) and (b): tuning, held-out, all, or a folder of photos"
    )
    parser.add_argument("--transfer-only", action="store_true", help="only (a) and (b)")
    parser.add_argument("--times-only", action="store_true", help="only (d)")
    args = parser.parse_args()
    cv2.setNumThreads(2)
    torch.set_num_threads(2)

    parts = [] if args.times_only else list(PARTS) if args.part == "all" else [args.part]
    described = {"tuning": "constants tuned on it", "held-out": "never tuned on; looked at to choose among variants"}
    figures: dict = {"parts": {p: described.get(p, "a folder of photos, never tuned on") for p in parts}}
    for part in parts:
        rows = same_scene_rows(part)
        figures[f"same scene {part}"] = {"rows": rows, "summary": print_same_scene(rows, part)}
    for part in parts:
        rows = unrelated_rows(part)
        figures[f"unrelated {part}"] = {"rows": rows, "summary": print_unrelated(rows, part)}
    if args.transfer_only:
        write_json(args.json, figures)
        return

    times = timings()
    print("\n(d) Time on this machine (2 threads; other work on the machine slows it)\n")
    for key, seconds in times.items():
        target = TIME_TARGETS.get(key)
        print(f"- {key}: {seconds * 1000:.0f} ms" + (f" (target <= {target * 1000:.0f} ms)" if target else ""))
    figures.update(times=times)
    if args.times_only:
        write_json(args.json, figures)
        return

    upsampling = upsampling_table(args.scale)
    print(f"\n(c) Chroma upsampling from the true a, b at 1/{args.scale} size, mean CIEDE2000\n")
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
    figures.update(upsampling=upsampling)
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
