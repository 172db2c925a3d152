"""Steering colors with a reference photo: keep the target's L, carry a and b over.

Two methods, both in float Lab:

* `reinhard`: match the global mean and standard deviation of a and b. Cheap, moves the whole
  palette at once.
* `exemplar` (default): region by region. Every pixel of a reduced-size target is described by
  multi-scale luminance and texture statistics; its nearest neighbours among the reference's
  pixels, weighted by similarity, give it a colour and a confidence. Weak matches fall back to
  the target's own colours. The change is then smoothed with a guided filter whose guide is the
  full-resolution L, so colour follows the edges of the target instead of bleeding across them.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

TRANSFER_METHODS = ("exemplar", "reinhard")
AB_MIN, AB_MAX = -128.0, 127.0
MIN_REFERENCE_CHROMA = 5.0  # 99th-percentile Lab chroma below this: a black-and-white photo
WORK_PIXELS = 22_000  # matching resolution of the target (about 150 x 150)
REFERENCE_PIXELS = 12_000  # matching resolution of the reference
NEIGHBOURS = 8
MATCH_TEMPERATURE = 0.02  # softmax temperature over squared RMS feature distances
DISTANCE_SCALE = 1.0  # local confidence falls off with the nearest match's distance
# Median nearest distance of a related reference (full trust) and an unrelated one (no trust).
RELATED_DISTANCE, UNRELATED_DISTANCE = 0.15, 0.30


def to_lab(image_bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image_bgr.astype(np.float32) * np.float32(1 / 255), cv2.COLOR_BGR2Lab)


def to_bgr(lab: np.ndarray) -> np.ndarray:
    return (cv2.cvtColor(lab, cv2.COLOR_Lab2BGR) * 255.0).round().astype(np.uint8)


def fit_to_gamut(lab: np.ndarray, *, tolerance: float = 0.5, rounds: int = 6) -> np.ndarray:
    """Desaturate the colors that RGB cannot show, so clipping does not change their lightness.

    A dark pixel given a vivid color would otherwise come out brighter or darker than the
    target; shrinking its a, b keeps its L and hue instead.
    """
    lab = lab.copy()
    flat = lab.reshape(-1, 3)
    candidates = np.arange(flat.shape[0])
    for _ in range(rounds):
        pixels = flat[candidates][:, None, :]  # only the pixels still outside, as an N x 1 image
        shown = cv2.cvtColor(cv2.cvtColor(pixels, cv2.COLOR_Lab2BGR), cv2.COLOR_BGR2Lab)
        outside = np.abs(shown[:, 0, 0] - pixels[:, 0, 0]) > tolerance
        candidates = candidates[outside]
        if candidates.size == 0:
            break
        flat[candidates, 1:] *= 0.7
    return lab


def chroma(lab: np.ndarray) -> np.ndarray:
    return np.hypot(lab[:, :, 1], lab[:, :, 2])


def check_reference(reference_lab: np.ndarray) -> None:
    level = float(np.percentile(chroma(reference_lab), 99))
    if level < MIN_REFERENCE_CHROMA:
        raise ValueError(
            f"the reference is not a color photo (chroma {level:.1f}, a color photo has over "
            f"{MIN_REFERENCE_CHROMA:g}); give a color photo whose colors should steer the result"
        )


def reinhard_ab(target_lab: np.ndarray, reference_lab: np.ndarray) -> np.ndarray:
    """Target ab with the reference's per-channel mean and standard deviation."""
    target_ab = target_lab[:, :, 1:].reshape(-1, 2)
    reference_ab = reference_lab[:, :, 1:].reshape(-1, 2)
    t_mean, t_std = target_ab.mean(0), target_ab.std(0)
    r_mean, r_std = reference_ab.mean(0), reference_ab.std(0)
    scale = np.where(t_std > 1e-6, r_std / np.maximum(t_std, 1e-6), 0.0)
    return ((target_ab - t_mean) * scale + r_mean).reshape((*target_lab.shape[:2], 2)).astype(np.float32)


def _resize_to_pixels(image: np.ndarray, pixels: int) -> np.ndarray:
    height, width = image.shape[:2]
    scale = min(1.0, (pixels / (height * width)) ** 0.5)
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def luminance_features(lightness: np.ndarray) -> np.ndarray:
    """(H, W, F) rotation- and mirror-invariant descriptors of L at several scales."""
    features = [lightness]
    for sigma in (1.0, 2.0, 4.0, 8.0):
        mean = cv2.GaussianBlur(lightness, (0, 0), sigma)
        square = cv2.GaussianBlur(lightness * lightness, (0, 0), sigma)
        features += [mean, np.sqrt(np.maximum(square - mean * mean, 0.0))]
    gx = cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3)
    features.append(cv2.GaussianBlur(np.hypot(gx, gy), (0, 0), 1.0))
    return np.stack(features, axis=2)


def _standardise(target: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    both = np.concatenate((target.reshape(-1, target.shape[2]), reference.reshape(-1, reference.shape[2])))
    mean, std = both.mean(0), both.std(0) + 1e-3
    return (target - mean) / std, (reference - mean) / std


def match_colors(
    target_features: np.ndarray, reference_features: np.ndarray, reference_ab: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each target pixel: similarity-weighted ab of its nearest reference pixels, and the
    confidence of that match in [0, 1].

    Confidence is high where a near-identical region exists in the reference. It is scaled by
    how related the two photos are overall (the median match distance), so an unrelated
    reference leaves the target's own colors alone instead of smearing its palette over them.
    """
    shape = target_features.shape[:2]
    t = torch.from_numpy(np.ascontiguousarray(target_features.reshape(-1, target_features.shape[2])))
    r = torch.from_numpy(np.ascontiguousarray(reference_features.reshape(-1, reference_features.shape[2])))
    k = min(NEIGHBOURS, r.shape[0])
    # |t - r|^2 = |t|^2 + |r|^2 - 2 t.r; |t|^2 does not change the ranking, so it is added last.
    r_norms = (r * r).sum(1)
    pairs = [torch.addmm(r_norms, chunk, r.T, alpha=-2).topk(k, dim=1, largest=False) for chunk in t.split(4096)]
    squared = torch.cat([p.values for p in pairs]) + (t * t).sum(1, keepdim=True)
    nearest, index = squared.clamp_(min=0).sqrt(), torch.cat([p.indices for p in pairs])
    nearest = nearest / np.sqrt(t.shape[1])  # RMS distance per feature, in standard deviations
    weights = torch.softmax(-(nearest**2) / MATCH_TEMPERATURE, dim=1)[:, :, None]
    ab = torch.from_numpy(reference_ab.reshape(-1, 2))[index]
    matched = (weights * ab).sum(1)
    confidence = torch.exp(-((nearest[:, 0] / DISTANCE_SCALE) ** 2))
    # An unrelated reference shows as a large typical distance: then trust no match at all.
    typical = float(nearest[:, 0].median())
    relatedness = min(1.0, max(0.0, (UNRELATED_DISTANCE - typical) / (UNRELATED_DISTANCE - RELATED_DISTANCE)))
    return matched.reshape(*shape, 2).numpy(), relatedness * confidence.reshape(shape).numpy()


def guided_filter(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter: smooths `source` (H, W, C) while keeping `guide`'s edges."""
    size = (2 * radius + 1, 2 * radius + 1)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, cv2.CV_32F, size, borderType=cv2.BORDER_REFLECT)

    mean_g = box(guide)
    var_g = box(guide * guide) - mean_g * mean_g
    g = guide[:, :, None]
    mean_s = box(source).reshape(source.shape)
    cov = box(g * source).reshape(source.shape) - mean_g[:, :, None] * mean_s
    a = cov / (var_g[:, :, None] + eps)
    b = mean_s - a * mean_g[:, :, None]
    return box(a).reshape(source.shape) * g + box(b).reshape(source.shape)


def exemplar_ab(target_lab: np.ndarray, reference_lab: np.ndarray) -> np.ndarray:
    """Target ab replaced, where the reference has a matching region, by that region's ab."""
    height, width = target_lab.shape[:2]
    small_target = _resize_to_pixels(target_lab, WORK_PIXELS)
    small_reference = _resize_to_pixels(reference_lab, REFERENCE_PIXELS)
    t_feat, r_feat = _standardise(
        luminance_features(np.ascontiguousarray(small_target[:, :, 0])),
        luminance_features(np.ascontiguousarray(small_reference[:, :, 0])),
    )
    matched, confidence = match_colors(t_feat, r_feat, np.ascontiguousarray(small_reference[:, :, 1:]))
    own = small_target[:, :, 1:]
    change = confidence[:, :, None] * (matched - own)
    # Matches are per pixel and noisy: smooth the change within regions of similar L.
    small_l = small_target[:, :, 0] / 100.0
    change = guided_filter(small_l, change.astype(np.float32), radius=1, eps=1e-3)
    change = cv2.resize(change, (width, height), interpolation=cv2.INTER_LINEAR)
    full_l = target_lab[:, :, 0] / 100.0
    radius = max(2, round(max(height, width) / 256))
    change = guided_filter(full_l, change, radius=radius, eps=1e-4)
    return target_lab[:, :, 1:] + change


def _check_bgr(image: np.ndarray, name: str) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"the {name} must be a uint8 BGR image of shape (H, W, 3)")
    if 0 in image.shape:
        raise ValueError(f"the {name} image is empty")


def validate_transfer(reference_bgr: np.ndarray, *, method: str, strength: float) -> np.ndarray:
    """Check the arguments before any expensive work; returns the reference in float Lab."""
    if method not in TRANSFER_METHODS:
        raise ValueError(f"unknown transfer method {method!r}; choose one of {', '.join(TRANSFER_METHODS)}")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be between 0 and 1, got {strength}")
    _check_bgr(reference_bgr, "reference")
    reference_lab = to_lab(reference_bgr)
    check_reference(reference_lab)
    return reference_lab


def transfer_colors(
    target_bgr: np.ndarray, reference_bgr: np.ndarray, method: str = "exemplar", strength: float = 1.0
) -> np.ndarray:
    """Recolor `target_bgr` (uint8 BGR) from `reference_bgr`; the target's L is kept exactly.

    `strength` blends from the target as it is (0) to the full transfer (1).
    """
    reference_lab = validate_transfer(reference_bgr, method=method, strength=strength)
    return transfer_from_lab(target_bgr, reference_lab, method=method, strength=strength)


def transfer_from_lab(target_bgr: np.ndarray, reference_lab: np.ndarray, *, method: str, strength: float) -> np.ndarray:
    """`transfer_colors` with a reference already checked and in Lab (by `validate_transfer`),
    so a batch converts its reference once."""
    _check_bgr(target_bgr, "target")
    if strength == 0.0:
        return target_bgr.copy()
    target_lab = to_lab(target_bgr)
    new_ab = (exemplar_ab if method == "exemplar" else reinhard_ab)(target_lab, reference_lab)
    out = target_lab.copy()
    out[:, :, 1:] = np.clip(target_lab[:, :, 1:] + strength * (new_ab - target_lab[:, :, 1:]), AB_MIN, AB_MAX)
    return to_bgr(fit_to_gamut(out))
