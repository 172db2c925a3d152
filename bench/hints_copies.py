"""How painted hints copies are read (`ddcolor.hints.hints_overlay`), on any photos: the check of the rules a
copy is read by (session 30's tint, pale strokes, JPEG ripples, files that are no copy).

Per photo (made gray, at most 800 pixels a side):
- an unpainted JPEG copy (quality 75): no strokes, no log line, not refused;
- a copy with a vivid stroke and a pale one (a, b moved by 8 and 6, L kept), as PNG and as JPEG: both strokes
  found, nothing more than 16 pixels away from them;
- that copy tinted by +-14 in B and R, as an app's white balance does: still only the strokes;
- a square crop's copy turned by 90 degrees: refused.

Usage: .venv/bin/python bench/hints_copies.py [--photos FILE_OR_FOLDER ...]
(without --photos: scikit-image's bundled photos, those the rules were made on).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ddcolor.hints import hints_overlay
from ddcolor.images import Photo, decode_image
from transfer_cases import load_photo

TUNING = ("astronaut", "chelsea", "coffee", "rocket")
RED, PALE_SHIFT = (40, 60, 220), (8, 6)
MAX_SIDE = 800


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def as_jpeg(bgr: np.ndarray) -> Photo:
    return decode_image(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 75])[1].tobytes(), what="hints")


def photos(sources: list[str]) -> dict[str, np.ndarray]:
    """BGR photos by name: scikit-image's by their names, any other from files or folders of them."""
    found: dict[str, np.ndarray] = {}
    for source in sources:
        path = Path(source)
        if not path.exists():
            found[source] = load_photo(source, max_side=MAX_SIDE)
            continue
        for file in sorted(path.iterdir()) if path.is_dir() else [path]:
            image = cv2.imread(str(file))
            if image is not None:
                scale = min(1.0, MAX_SIDE / max(image.shape[:2]))
                found[file.stem] = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return found


def painted_copy(gray: np.ndarray) -> tuple[np.ndarray, tuple[slice, slice], tuple[slice, slice]]:
    height, width = gray.shape
    copy = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    vivid = (slice(height // 4, height // 4 + height // 10), slice(width // 4, width // 4 + width // 8))
    pale = (slice(height // 2, height // 2 + height // 10), slice(width // 2, width // 2 + width // 8))
    copy[vivid] = RED
    lab = cv2.cvtColor(copy[pale], cv2.COLOR_BGR2Lab).astype(np.int16)
    lab[:, :, 1:] += PALE_SHIFT
    copy[pale] = cv2.cvtColor(np.clip(lab, 0, 255).astype(np.uint8), cv2.COLOR_Lab2BGR)
    return copy, vivid, pale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", nargs="+", default=list(TUNING), help="skimage names, files or folders")
    args = parser.parse_args()
    heard = Lines()
    logging.getLogger("ddcolor").addHandler(heard)
    logging.getLogger("ddcolor").setLevel(logging.INFO)
    misses: list[str] = []
    counts = {"photos": 0, "refused wrongly": 0, "turned copies refused": 0}
    shares: dict[str, list[float]] = {"vivid found": [], "pale found": [], "elsewhere": [], "tinted, elsewhere": []}
    for name, image in photos(args.photos).items():
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        counts["photos"] += 1
        heard.lines.clear()
        clean = hints_overlay(as_jpeg(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)), Photo(gray))
        if clean[:, :, 3].any() or any("lightness only" in line or "tinted" in line for line in heard.lines):
            misses.append(f"{name}: the unpainted copy gave strokes or a line")
        copy, vivid, pale = painted_copy(gray)
        wanted = np.zeros(gray.shape, np.uint8)
        wanted[vivid] = wanted[pale] = 1
        away = cv2.dilate(wanted, np.ones((33, 33), np.uint8)) == 0
        tinted = np.clip(copy.astype(int) + np.array([-14, 0, 14]), 0, 255).astype(np.uint8)
        for kind, hints in (("png", Photo(copy)), ("jpeg", as_jpeg(copy)), ("tinted", Photo(tinted))):
            try:
                found = hints_overlay(hints, Photo(gray))[:, :, 3] > 0
            except ValueError as error:
                counts["refused wrongly"] += 1
                misses.append(f"{name} ({kind}): refused: {error}")
                continue
            if kind == "tinted":
                shares["tinted, elsewhere"].append(float(found[away].mean()))
                continue
            shares["vivid found"].append(float(found[vivid].mean()))
            shares["pale found"].append(float(found[pale].mean()))
            shares["elsewhere"].append(float(found[away].mean()))
        side = min(gray.shape)
        square = np.ascontiguousarray(gray[:side, :side])
        try:
            hints_overlay(
                Photo(np.ascontiguousarray(np.rot90(cv2.cvtColor(square, cv2.COLOR_GRAY2BGR)))), Photo(square)
            )
            misses.append(f"{name}: its turned copy was taken")
        except ValueError:
            counts["turned copies refused"] += 1
    for key, values in shares.items():
        print(f"{key}: mean {np.mean(values):.4f}, least {np.min(values):.4f}, most {np.max(values):.4f}")
    print(", ".join(f"{key} {value}" for key, value in counts.items()))
    print("\n".join(misses) or "no misses")


if __name__ == "__main__":
    main()
