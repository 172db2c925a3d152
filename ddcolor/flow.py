"""Dense motion between video frames: OpenCV's DIS optical flow, warping, occlusion checks.

Flow is measured on gray frames at a reduced size (DIS was made for speed at this scale) and
brought back to the working size; a pixel is trusted only where the forward and backward flows
agree and the warped previous frame looks like the current one, so occluded or newly shown
regions do not receive colors from whatever was there before.
"""

from __future__ import annotations

import cv2
import numpy as np

FLOW_MAX_SIDE = 256  # flow is computed with the longer side at most this (pixels)
CONSISTENCY_SLACK = 0.5  # pixels: forward-backward disagreement always tolerated (Sundaram et al. 2010)
CONSISTENCY_SHARE = 0.01  # share of the squared motion tolerated on top of the slack
PHOTOMETRIC_TOLERANCE = 6.0  # gray levels of difference after warping always tolerated (compression noise)
PHOTOMETRIC_SCALE = 12.0  # gray levels beyond the tolerance at which a pixel keeps exp(-1) of its trust


# The medium preset: in bench/video_quality.py it cut the warping error left after stabilization
# by a third against the fast one (0.147 -> 0.097 of per-frame's, one held-out clip), for about
# 5 ms more per flow at 256 x 256 on this project's CPU.
FLOW_PRESET = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM


class FlowEstimator:
    """One DIS instance: its flows are the same from call to call only while the frames keep one size."""

    def __init__(self, max_side: int = FLOW_MAX_SIDE) -> None:
        self.max_side = max_side
        self.dis = cv2.DISOpticalFlow_create(FLOW_PRESET)

    def flow(self, current: np.ndarray, previous: np.ndarray) -> np.ndarray:
        """(H, W, 2) float32 flow such that current(x) ~ previous(x + flow(x)), for uint8 gray frames."""
        height, width = current.shape
        scale = min(1.0, self.max_side / max(height, width))
        if scale == 1.0:
            return self.dis.calc(current, previous, None)
        size = (max(8, round(width * scale)), max(8, round(height * scale)))
        small = self.dis.calc(
            cv2.resize(current, size, interpolation=cv2.INTER_AREA),
            cv2.resize(previous, size, interpolation=cv2.INTER_AREA),
            None,
        )
        full = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
        full[:, :, 0] *= width / size[0]
        full[:, :, 1] *= height / size[1]
        return full


def sample_positions(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Absolute x and y coordinates x + flow(x) for `cv2.remap`."""
    height, width = flow.shape[:2]
    xs = np.arange(width, dtype=np.float32)[None, :] + flow[:, :, 0]
    ys = np.arange(height, dtype=np.float32)[:, None] + flow[:, :, 1]
    return xs, ys


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """`image` (H, W) or (H, W, C) sampled at x + flow(x), bilinear, edge pixels repeated."""
    xs, ys = sample_positions(flow)
    return cv2.remap(image, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def inside(flow: np.ndarray) -> np.ndarray:
    """Whether x + flow(x) lands in the frame (pixels that come from outside have no past)."""
    xs, ys = sample_positions(flow)
    height, width = flow.shape[:2]
    return (xs >= 0) & (xs <= width - 1) & (ys >= 0) & (ys <= height - 1)


def squared_length(flow: np.ndarray) -> np.ndarray:
    """(H, W) x^2 + y^2 of an (H, W, 2) flow (numpy's sum over a last axis of 2 is several times slower)."""
    return flow[:, :, 0] ** 2 + flow[:, :, 1] ** 2


def trust(current: np.ndarray, previous: np.ndarray, backward: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """(H, W) float32 in [0, 1]: how far the previous frame's pixel at x + backward(x) is the same
    scene point as the current frame's x.

    `backward` maps current to previous, `forward` previous to current. Forward-backward
    disagreement beyond the tolerance means occlusion (zero trust); the trust then falls off with
    the gray-level difference after warping.
    """
    returned = warp(forward, backward)
    disagreement = squared_length(backward + returned)
    motion = squared_length(backward) + squared_length(returned)
    consistent = disagreement <= CONSISTENCY_SHARE * motion + CONSISTENCY_SLACK
    difference = cv2.absdiff(current, warp(previous, backward)).astype(np.float32)
    excess = np.maximum(difference - PHOTOMETRIC_TOLERANCE, 0.0)
    confidence = np.exp(-((excess / PHOTOMETRIC_SCALE) ** 2))
    return np.where(consistent & inside(backward), confidence, 0.0).astype(np.float32)
