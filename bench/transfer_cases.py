"""The reference-transfer benchmark's cases, built from scikit-image's bundled photos (no downloads).

Same-scene pairs: a target showing a scene with its colors removed or spoiled, and a reference
showing the same scene otherwise (a stereo view, the other half, a mirror, a crop). Unrelated
pairs: a target and a reference of another scene, a flat color card or a gradient.
Photos and cards are split into a tuning part (the constants in ddcolor/transfer were tuned on
it) and a held-out part (never looked at while tuning). A folder of one's own photos can be a part
too (`part_photos`): the same cases, with every card and gradient above as unrelated references,
and a pair for each second view of a photo (`other_views`): an MPO file's second frame (a stereo
camera's other eye), or a file named `NAME.KIND.jpg` beside `NAME.jpg` (`aloe.stereo.jpg`,
`graffiti.other-viewpoint.png`): another view of NAME's scene, as a same-scene pair of that kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data as skdata

from ddcolor.lab import to_bgr, to_lab

TUNING_PHOTOS = ("astronaut", "chelsea", "rocket", "immunohistochemistry")
HELD_OUT_PHOTOS = ("coffee", "hubble_deep_field", "retina", "stereo_motorcycle")
PARTS = {"tuning": TUNING_PHOTOS, "held-out": HELD_OUT_PHOTOS}
SPOILS = ("gray", "hue 60, half chroma", "hue 120", "desaturated", "uneven fade")
MAX_SIDE = 512  # photos are shrunk to this, so the whole benchmark runs in minutes on two cores


@dataclass(frozen=True)
class Case:
    part: str
    photo: str
    kind: str  # how the reference shows the scene, or what the unrelated reference is
    spoil: str  # what was done to the target's colors
    target: np.ndarray  # uint8 BGR
    reference: np.ndarray
    truth: np.ndarray | None  # the target's true colors (same-scene cases)


def _bgr(rgb: np.ndarray, max_side: int | None = MAX_SIDE) -> np.ndarray:
    return _shrunk(cv2.cvtColor(np.ascontiguousarray(rgb[:, :, :3]), cv2.COLOR_RGB2BGR), max_side)


def _shrunk(bgr: np.ndarray, max_side: int | None) -> np.ndarray:
    scale = min(1.0, (max_side or max(bgr.shape[:2])) / max(bgr.shape[:2]))
    return cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else bgr


PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".mpo")  # MPO: a stereo camera's two views


def load_photo(name: str, max_side: int | None = MAX_SIDE) -> np.ndarray:
    """A bundled photo (by name) or a photo file (by path) as uint8 BGR, shrunk to `max_side` (None: as it is)."""
    if Path(name).suffix.lower() in PHOTO_SUFFIXES:
        bgr = cv2.imread(name, cv2.IMREAD_COLOR)
        if bgr is None:
            raise ValueError(f"cannot read the photo {name}")
        return _shrunk(bgr, max_side)
    loaded = getattr(skdata, name)()
    return _bgr(loaded[0] if isinstance(loaded, tuple) else loaded, max_side)


def part_photos(part: str) -> tuple[str, ...]:
    """The photos of a part: a named part's bundled photos, or the photo files in a folder."""
    if part in PARTS:
        return PARTS[part]
    if not Path(part).is_dir():
        raise ValueError(f"{part}: not a part ({', '.join(PARTS)}) nor a folder of photos")
    files = sorted(
        str(f) for f in Path(part).iterdir() if f.suffix.lower() in PHOTO_SUFFIXES and "." not in f.stem
    )  # NAME.KIND.jpg is a second view of NAME.jpg, not a photo of its own
    if len(files) < 3:
        raise ValueError(f"{part}: a folder part needs at least 3 photos (each takes two others as references)")
    return tuple(files)


def other_views(name: str) -> dict[str, np.ndarray]:
    """Other views of a photo file's scene, by kind, shrunk like it: the second frame of a stereo
    camera's MPO file (the other eye's view), and the files NAME.KIND.* beside it."""
    path = Path(name)
    views = {}
    if path.suffix.lower() == ".mpo":
        with Image.open(name) as mpo:
            if getattr(mpo, "n_frames", 1) >= 2:
                mpo.seek(1)
                views["stereo"] = _bgr(np.asarray(mpo.convert("RGB")))
    if path.suffix.lower() in PHOTO_SUFFIXES:
        for view in sorted(path.parent.glob(f"{path.stem}.*.*")):
            if view.suffix.lower() in PHOTO_SUFFIXES:
                views[view.stem.split(".", 1)[1].replace("-", " ")] = load_photo(str(view))
    return views


def short_name(name: str) -> str:
    return Path(name).stem


def same_scene_views(name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(target truth, reference) pairs showing one scene differently."""
    photo = load_photo(name)
    h, w = photo.shape[:2]
    zoomed = photo[h // 4 :, w // 4 :]
    views = {
        "halves": (photo[:, : w // 2], photo[:, w // 2 :]),
        "overlapping crops": (photo[:, : int(w * 0.65)], photo[:, int(w * 0.35) :]),
        "mirrored, 0.8x": (photo, cv2.resize(photo[:, ::-1], None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA)),
        "shifted, 1.3x zoom": (
            photo[: int(h * 0.75), : int(w * 0.75)],
            cv2.resize(zoomed, None, fx=1.3, fy=1.3, interpolation=cv2.INTER_LINEAR),
        ),
    }
    if name == "stereo_motorcycle":
        left, right, _ = skdata.stereo_motorcycle()
        views["stereo"] = (_bgr(left), _bgr(right))
    else:
        views.update({kind: (photo, view) for kind, view in other_views(name).items()})
    return views


def spoil(truth: np.ndarray, how: str) -> np.ndarray:
    """The target's colors removed (gray), turned round the hue circle, faded, or faded unevenly with a
    cast (a print whose yellows faded more than its reds and that yellowed): the first four change a, b
    by a similarity, the last by a map no similarity gives."""
    lab = to_lab(truth)
    a, b = lab[:, :, 1].copy(), lab[:, :, 2].copy()
    if how == "uneven fade":
        lab[:, :, 1] = 0.6 * a + 0.1 * b - 3.0
        lab[:, :, 2] = 0.25 * b + 8.0
        return to_bgr(lab)
    angle, scale = {"gray": (0, 0.0), "hue 60, half chroma": (60, 0.5), "hue 120": (120, 0.8), "desaturated": (0, 0.3)}[
        how
    ]
    cos, sin = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    lab[:, :, 1] = scale * (a * cos - b * sin)
    lab[:, :, 2] = scale * (a * sin + b * cos)
    return to_bgr(lab)


def color_card(colors_rgb: list[tuple[int, int, int]], size: tuple[int, int] = (300, 400)) -> np.ndarray:
    """Flat vertical stripes of the given colors."""
    height, width = size
    card = np.zeros((height, width, 3), np.uint8)
    for index, rgb in enumerate(colors_rgb):
        card[:, index * width // len(colors_rgb) : (index + 1) * width // len(colors_rgb)] = rgb[::-1]
    return card


def gradient(stops_rgb: list[tuple[int, int, int]], size: tuple[int, int] = (300, 400)) -> np.ndarray:
    """A smooth top-to-bottom gradient through the given colors (a sky at sunset, say)."""
    height, width = size
    positions = np.linspace(0, 1, len(stops_rgb))
    t = np.linspace(0, 1, height)
    rows = np.stack([np.interp(t, positions, [s[c] for s in stops_rgb]) for c in (2, 1, 0)], axis=1)
    return np.repeat(rows[:, None, :], width, axis=1).round().astype(np.uint8)


SYNTHETIC_REFERENCES = {
    "tuning": {
        "card red-blue": color_card([(200, 30, 40), (40, 60, 200)]),
        "gradient sunset": gradient([(40, 20, 80), (220, 80, 40), (250, 210, 90)]),
        "card sepia": color_card([(90, 60, 40), (170, 130, 90), (230, 210, 170)]),
    },
    "held-out": {
        "card green-yellow-purple": color_card([(40, 150, 60), (230, 210, 40), (120, 50, 150)]),
        "gradient teal-orange": gradient([(10, 60, 70), (60, 160, 170), (250, 150, 60)]),
        "colorwheel": _bgr(skdata.colorwheel()),
    },
}


def same_scene_cases(part: str) -> Iterator[Case]:
    for name in part_photos(part):
        for kind, (truth, reference) in same_scene_views(name).items():
            for how in SPOILS:
                yield Case(part, short_name(name), kind, how, spoil(truth, how), reference, truth)


def unrelated_cases(part: str) -> Iterator[Case]:
    """Each photo of the part as a colored and as a gray target, with two other photos of the same
    part, and with the part's cards and gradients."""
    names = part_photos(part)
    synthetic = SYNTHETIC_REFERENCES.get(part) or {
        k: v for cards in SYNTHETIC_REFERENCES.values() for k, v in cards.items()
    }
    for index, name in enumerate(names):
        others = (names[(index + 1) % len(names)], names[(index + 2) % len(names)])
        references = {**{f"photo {short_name(other)}": load_photo(other) for other in others}, **synthetic}
        target = load_photo(name)
        for how in ("colored", "gray"):
            shown = target if how == "colored" else spoil(target, "gray")
            for kind, reference in references.items():
                yield Case(part, short_name(name), kind, how, shown, reference, None)
