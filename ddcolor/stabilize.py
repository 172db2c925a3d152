"""Temporal stabilization of a video's predicted a, b: motion-compensated, occlusion-aware, reset at cuts.

Per-frame colorization gives the same object a slightly different hue in every frame (flicker).
Here each frame's prediction is blended with the previous *result* warped along the optical flow:
where the motion is trusted, most of the color comes from the past, so colors follow objects
and the per-frame noise averages out (a running mean along motion paths, becoming a recursive
average with weight `CARRY` once a point has been seen a few frames); where it is
not (occlusions, new content entering the frame) the new prediction is used. At a scene cut the
past is dropped, so no color crosses it.

The motion between two frames depends on their grays alone, so `measure_motion` can run ahead of
the stabilizer, for several frames at once on a machine with cores to spare (the video pipeline
does so); only the carrying of colors has to go frame after frame.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from ddcolor.flow import FlowEstimator, sample_positions, trust

log = logging.getLogger("ddcolor")

CARRY = 0.85  # share of a fully trusted pixel's color taken from the past (tuned in bench/video_quality.py)
CUT_HISTOGRAM_DISTANCE = 0.35  # Bhattacharyya distance of gray histograms above which frames are a cut
CUT_TRUSTED_SHARE = 0.2  # a frame whose trusted pixels are fewer than this share follows a cut
HISTOGRAM_BINS = 32
MAX_AGE = 100.0


def gray_histogram(gray: np.ndarray) -> np.ndarray:
    return cv2.calcHist([gray], [0], None, [HISTOGRAM_BINS], [0, 256])


@dataclass(frozen=True)
class Motion:
    """How a frame follows the one before it: `cut` names why a scene starts here ("histogram" or
    "motion"), else `confidence` (H, W) and the sampling positions `xs`, `ys` say where each pixel
    was and how far to trust that. A video's first frame has none of them: nothing to carry."""

    cut: str | None = None
    confidence: np.ndarray | None = None
    xs: np.ndarray | None = None
    ys: np.ndarray | None = None


def measure_motion(previous_gray: np.ndarray | None, gray: np.ndarray) -> Motion:
    """The `Motion` from `previous_gray` to `gray` (uint8, same size); safe to call from several threads."""
    if previous_gray is None:
        return Motion()
    distance = cv2.compareHist(gray_histogram(previous_gray), gray_histogram(gray), cv2.HISTCMP_BHATTACHARYYA)
    if distance > CUT_HISTOGRAM_DISTANCE:
        return Motion(cut="histogram")
    # A DIS instance of its own: one used on frames of another size gives other flows; creating one costs little.
    estimator = FlowEstimator()
    backward = estimator.flow(gray, previous_gray)
    forward = estimator.flow(previous_gray, gray)
    confidence = trust(gray, previous_gray, backward, forward)
    if float(confidence.mean()) < CUT_TRUSTED_SHARE:
        return Motion(cut="motion")
    xs, ys = sample_positions(backward)
    return Motion(confidence=confidence, xs=xs, ys=ys)


class TemporalStabilizer:
    """Feed frames in order: `(gray, ab) -> stabilized ab`; `cuts` lists the frames that began a scene.

    `gray` is the frame's uint8 gray at the working size (H, W) and `ab` the prediction there
    (2, H, W) float32. `motion`, when given, is `measure_motion(previous frame's gray, gray)`
    measured ahead; the result is the same as without it.
    """

    def __init__(self, carry: float | None = None) -> None:
        carry = CARRY if carry is None else carry
        if not 0.0 <= carry < 1.0:
            raise ValueError(f"carry must be in [0, 1), got {carry}")
        self.carry = carry
        self.cuts: list[int] = []
        self._frame = -1
        # gray, result ab, and per pixel how many frames its color averages (its age)
        self._previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __call__(self, gray: np.ndarray, ab: np.ndarray, motion: Motion | None = None) -> np.ndarray:
        self._frame += 1
        if motion is None:
            motion = measure_motion(None if self._previous is None else self._previous[0], gray)
        result, age = ab, np.ones(gray.shape, np.float32)
        if motion.cut is not None:
            self._start_scene(motion.cut)
        elif motion.confidence is not None and self._previous is not None:
            _, previous_ab, previous_age = self._previous
            xs, ys, confidence = motion.xs, motion.ys, motion.confidence
            carried_age = cv2.remap(previous_age, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            # A running mean while a point is young (1/2, 2/3, ...), then at most `carry`.
            weight = confidence * np.minimum(self.carry, carried_age / (carried_age + 1))
            result = np.empty_like(ab)
            for channel in range(2):
                carried = cv2.remap(previous_ab[channel], xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                result[channel] = ab[channel] + weight * (carried - ab[channel])
            age = np.minimum(1 + confidence * carried_age, MAX_AGE)
        self._previous = (gray, result, age)
        return result

    def _start_scene(self, why: str) -> None:
        self.cuts.append(self._frame)
        log.debug("scene cut at frame %d (%s): colors not carried over", self._frame, why)
