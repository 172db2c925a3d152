"""Steering colors with a reference photo: keep the target's L, carry a and b over.

Two methods, both in float Lab:

* `reinhard`: match the global mean and standard deviation of a and b. Cheap, moves the whole
  palette at once.
* `exemplar` (default): region by region. Every pixel of a reduced-size target is described by
  multi-scale luminance and texture statistics; its nearest neighbours among the reference's
  pixels are its candidate matches. Candidates that agree with the neighbouring pixels' matches
  (they lie close together in the reference) gain weight over scattered ones, and the weighted
  candidates give the pixel a colour and a confidence. Weak matches fall back to the target's
  own colours. The change is then smoothed with a guided filter fitted at the reduced size and
  applied with the full-resolution L as guide, so colour follows the edges of the target instead
  of bleeding across them.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from ddcolor.lab import AB_MAX, AB_MIN, fit_to_gamut, to_bgr, to_lab
from ddcolor.parallel import map_bands

TRANSFER_METHODS = ("exemplar", "reinhard")
MIN_REFERENCE_CHROMA = 5.0  # 99th-percentile Lab chroma below this: a black-and-white photo
WORK_PIXELS = 22_000  # matching resolution of the target (about 150 x 150)
REFERENCE_PIXELS = 12_000  # matching resolution of the reference
NEIGHBOURS = 8
MATCH_TEMPERATURE = 0.02  # softmax temperature over squared RMS feature distances
DISTANCE_SCALE = 1.0  # local confidence falls off with the nearest match's distance
# Median nearest distance of a related reference (full trust) and an unrelated one (no trust).
RELATED_DISTANCE, UNRELATED_DISTANCE = 0.15, 0.30
COHERENCE_STEP = 3  # target pixels (at matching size) between a pixel and the neighbours it is compared with
COHERENCE_RADIUS = 3.0  # reference pixels (at matching size) within which two neighbours' matches agree
COHERENCE_FLOOR = 0.05  # support that an isolated candidate keeps, so no pixel loses all its candidates
COHERENCE_POWER = 6.0  # how strongly agreement overrides feature similarity
COHERENCE_ROUNDS = 3
SMOOTH_RADIUS, SMOOTH_EPS = 2, 1e-4  # guided filter of the change, at matching size, L scaled to [0, 1]


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
    """Target ab with the reference's per-channel mean and standard deviation (one affine pass)."""
    (t_mean, t_std), (r_mean, r_std) = ([v[1:, 0] for v in cv2.meanStdDev(lab)] for lab in (target_lab, reference_lab))
    scale = np.where(t_std > 1e-6, r_std / np.maximum(t_std, 1e-6), 0.0)
    affine = np.zeros((2, 4))  # rows: a, b from (L, a, b, 1)
    affine[[0, 1], [1, 2]] = scale
    affine[:, 3] = r_mean - scale * t_mean
    return cv2.transform(target_lab, affine).reshape((*target_lab.shape[:2], 2))


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


def _neighbour_pairs(height: int, width: int, dy: int, dx: int) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
    """Slices selecting pixels p and their neighbours p + (dy, dx), both inside the image."""

    def axis(step: int, size: int) -> tuple[slice, slice]:
        return (slice(0, size - step), slice(step, size)) if step >= 0 else (slice(-step, size), slice(0, size + step))

    (py, qy), (px, qx) = axis(dy, height), axis(dx, width)
    return (py, px), (qy, qx)


def coherent_weights(positions: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """(H, W, K) weights of each pixel's K candidate matches, favouring those its neighbours agree with.

    Per-pixel luminance statistics are ambiguous: a patch of hair and a patch of fabric can look
    alike, so some candidates come from the wrong region. A true correspondence is locally
    smooth, though: the right matches of pixels a few steps apart lie close together in the
    reference, whatever the shift, scale or mirroring between the photos, while wrong ones
    scatter. So a candidate's weight grows with the weight of the neighbours' candidates near
    it, a few rounds, starting from the similarity weights (`prior`).
    `positions` (H, W, K, 2) are the candidates' coordinates in the reference.
    """
    height, width, _ = prior.shape
    step = COHERENCE_STEP
    half = [(0, step), (step, -step), (step, 0), (step, step)]  # the other four are these reversed
    links = []  # (pixels, their neighbours, agreement of each candidate of the one with each of the other)
    for dy, dx in half:
        p, q = _neighbour_pairs(height, width, dy, dx)
        squared = ((positions[p][:, :, :, None] - positions[q][:, :, None]) ** 2).sum(-1)
        agree = torch.exp(squared / (-2 * COHERENCE_RADIUS**2))
        links += [(p, q, agree), (q, p, agree.transpose(2, 3))]
    count = torch.zeros(height, width, 1)
    for p, _, _ in links:
        count[p] += 1
    weights = prior
    for _ in range(COHERENCE_ROUNDS):
        support = torch.zeros_like(prior)
        for p, q, agree in links:
            support[p] += torch.matmul(agree, weights[q][:, :, :, None])[..., 0]
        weights = prior * (COHERENCE_FLOOR + support / count.clamp(min=1)) ** COHERENCE_POWER
        weights = weights / weights.sum(-1, keepdim=True)
    return weights


def match_colors(
    target_features: np.ndarray, reference_features: np.ndarray, reference_ab: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each target pixel: the weighted ab of its nearest reference pixels, and the confidence
    of that match in [0, 1].

    Confidence is high where a near-identical region exists in the reference. It is scaled by
    how related the two photos are overall (the median match distance), so an unrelated
    reference leaves the target's own colors alone instead of smearing its palette over them.
    """
    shape = target_features.shape[:2]
    t = torch.from_numpy(np.ascontiguousarray(target_features.reshape(-1, target_features.shape[2])))
    r = torch.from_numpy(np.ascontiguousarray(reference_features.reshape(-1, reference_features.shape[2])))
    k = min(NEIGHBOURS, r.shape[0])
    # |t - r|^2 = |t|^2 + |r|^2 - 2 t.r; |t|^2 does not change the ranking, so it is added last.
    # Small chunks keep each block of distances in the CPU cache while topk reads it back.
    r_norms = (r * r).sum(1)
    pairs = [torch.addmm(r_norms, chunk, r.T, alpha=-2).topk(k, dim=1, largest=False) for chunk in t.split(256)]
    squared = torch.cat([p.values for p in pairs]) + (t * t).sum(1, keepdim=True)
    nearest, index = squared.clamp_(min=0).sqrt(), torch.cat([p.indices for p in pairs])
    nearest = nearest / np.sqrt(t.shape[1])  # RMS distance per feature, in standard deviations
    prior = torch.softmax(-(nearest**2) / MATCH_TEMPERATURE, dim=1)
    reference_width = reference_ab.shape[1]
    positions = torch.stack((index // reference_width, index % reference_width), dim=-1).float()
    weights = coherent_weights(positions.reshape(*shape, k, 2), prior.reshape(*shape, k)).reshape(-1, k, 1)
    ab = torch.from_numpy(reference_ab.reshape(-1, 2))[index]
    matched = (weights * ab).sum(1)
    confidence = torch.exp(-((nearest[:, 0] / DISTANCE_SCALE) ** 2))
    # An unrelated reference shows as a large typical distance: then trust no match at all.
    typical = float(nearest[:, 0].median())
    relatedness = min(1.0, max(0.0, (UNRELATED_DISTANCE - typical) / (UNRELATED_DISTANCE - RELATED_DISTANCE)))
    return matched.reshape(*shape, 2).numpy(), relatedness * confidence.reshape(shape).numpy()


def guided_coefficients(
    guide: np.ndarray, source: np.ndarray, radius: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """He et al.'s guided filter as its local linear model: `source` (H, W, C) ~ a * guide + b.

    Fitted at a reduced size, a and b can be enlarged and applied to the full-size guide (He and
    Sun's fast guided filter): the result gets the full-resolution edges of the guide.
    """
    size = (2 * radius + 1, 2 * radius + 1)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, cv2.CV_32F, size, borderType=cv2.BORDER_REFLECT).reshape(x.shape)

    mean_g = box(guide)[:, :, None]
    var_g = box(guide * guide)[:, :, None] - mean_g * mean_g
    mean_s = box(source)
    cov = box(guide[:, :, None] * source) - mean_g * mean_s
    a = cov / (var_g + eps)
    b = mean_s - a * mean_g
    return box(a), box(b)


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
    change = (confidence[:, :, None] * (matched - small_target[:, :, 1:])).astype(np.float32)
    # Matches are per pixel and noisy: model the change locally as linear in L, which smooths it
    # within regions of similar L, then apply that model to the full-resolution L.
    a, b = guided_coefficients(small_target[:, :, 0] / 100.0, change, SMOOTH_RADIUS, SMOOTH_EPS)
    model = cv2.resize(np.concatenate((a, b), axis=2), (width, height), interpolation=cv2.INTER_LINEAR)
    new_ab = np.empty((height, width, 2), np.float32)

    def apply(rows: slice) -> None:  # band by band, so the temporaries stay small
        part = target_lab[rows]
        new_ab[rows] = part[:, :, 1:] + model[rows, :, :2] * (part[:, :, :1] / np.float32(100)) + model[rows, :, 2:]

    map_bands(height, apply)
    return new_ab


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
    out = np.empty_like(target_bgr)

    def finish(rows: slice) -> None:
        lab = target_lab[rows]  # ours to change: made by to_lab above
        ab = lab[:, :, 1:]
        ab += strength * (new_ab[rows] - ab)
        np.clip(ab, AB_MIN, AB_MAX, out=ab)
        to_bgr(fit_to_gamut(lab), out=out[rows])

    map_bands(target_lab.shape[0], finish)
    return out
