"""Temporal stabilization of a video's predicted a, b: motion-compensated, occlusion-aware, reset at cuts.

Per-frame colorization gives the same object a slightly different hue in every frame (flicker).
Here each frame's prediction is blended with the previous *result* warped along the optical flow:
where the motion is trusted, most of the color comes from the past, so colors follow objects
and the per-frame noise averages out (a running mean along motion paths, becoming a recursive
average with weight `CARRY` once a point has been seen a few frames); where it is
not (occlusions, new content entering the frame) the new prediction is used. At a scene cut the
past is dropped, so no color crosses it.
"""

from __future__ import annotations

import logging

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


class TemporalStabilizer:
    """Feed frames in order: `(gray, ab) -> stabilized ab`; `cuts` lists the frames that began a scene.

    `gray` is the frame's uint8 gray at the working size (H, W) and `ab` the prediction there
    (2, H, W) float32.
    """

    def __init__(self, carry: float | None = None) -> None:
        carry = CARRY if carry is None else carry
        if not 0.0 <= carry < 1.0:
            raise ValueError(f"carry must be in [0, 1), got {carry}")
        self.carry = carry
        self.flow = FlowEstimator()
        self.cuts: list[int] = []
        self._frame = -1
        # gray, histogram, result ab, and per pixel how many frames its color averages (its age)
        self._previous: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def is_cut(self, histogram: np.ndarray) -> bool:
        if self._previous is None:
            return False
        distance = cv2.compareHist(self._previous[1], histogram, cv2.HISTCMP_BHATTACHARYYA)
        return distance > CUT_HISTOGRAM_DISTANCE

    def __call__(self, gray: np.ndarray, ab: np.ndarray) -> np.ndarray:
        self._frame += 1
        histogram = gray_histogram(gray)
        result, age = ab, np.ones(gray.shape, np.float32)
        if self._previous is not None and self.is_cut(histogram):
            self._start_scene("histogram")
        elif self._previous is not None:
            previous_gray, _, previous_ab, previous_age = self._previous
            backward = self.flow.flow(gray, previous_gray)
            forward = self.flow.flow(previous_gray, gray)
            confidence = trust(gray, previous_gray, backward, forward)
            if float(confidence.mean()) < CUT_TRUSTED_SHARE:
                self._start_scene("motion")
            else:
                xs, ys = sample_positions(backward)
                carried_age = cv2.remap(previous_age, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                # A running mean while a point is young (1/2, 2/3, ...), then at most `carry`.
                weight = confidence * np.minimum(self.carry, carried_age / (carried_age + 1))
                result = np.empty_like(ab)
                for channel in range(2):
                    carried = cv2.remap(previous_ab[channel], xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                    result[channel] = ab[channel] + weight * (carried - ab[channel])
                age = np.minimum(1 + confidence * carried_age, MAX_AGE)
        self._previous = (gray, histogram, result, age)
        return result

    def _start_scene(self, why: str) -> None:
        self.cuts.append(self._frame)
        log.debug("scene cut at frame %d (%s): colors not carried over", self._frame, why)
