"""Region matching: for each pixel of a reduced target, the colour of the look-alike region of the
reference, and how confident that match is.

Every pixel is described by multi-scale luminance and texture statistics; its nearest
neighbours among the reference's pixels are its candidate matches. Candidates that agree with
the neighbouring pixels' matches (they lie close together in the reference) gain weight over
scattered ones, and the weighted candidates give the pixel a colour. Its confidence falls with
the candidates' feature distance: a view of the same scene has near-identical regions, an
unrelated photo only loose look-alikes, a flat card or a gradient none. (How well the
neighbours' matches agree was tried as a second factor on the benchmark's tuning part: it did
not separate related from unrelated references, so it only weights the candidates.)

Look-alike matches have one more tell: they crowd. A view of the same scene spreads its matches over
the reference about as evenly as the scene allows, while loose look-alikes pile onto a few textures
of it (a furry cat onto a stained tissue's grain, a clear sky onto one band of a gradient), so a
whole photo takes the colours of a small part of the reference. How crowded the place each pixel
matched is scales that pixel's confidence down (`crowding`), and the reference's palette takes over
there, unless most of the matches come back (below): a view of the scene's own can crowd too, where it
shows the part behind the target's wide background as a thin strip. It is judged pixel by pixel, not
for the photo as a whole: the left half of a portrait finds the man's face and shirt in the right half,
spread out, and the hills behind him on the few places there that show hills, crowded; the face and
shirt keep their matches (with one measure for the whole photo, the hills took confidence from all).
Within a flat region of the reference (a clear sky, a wall), though, every pixel looks alike and which
of them a match lands on is a tie, so there a place is the whole region. The confidences before this
guard are kept too (`Matches.uncrowded_confidence`): the map of the target's own colors, which has
checks of its own against look-alikes, may be fitted on them (`blending`).

And they do not match back. Between two views of one scene, the reference pixel a target pixel matched
has, as its own nearest in the target, that pixel or one beside it; between look-alikes (fur and
petals, tissue grain and a cat's coat) matching goes many to many and the way back lands elsewhere.
How many of the target's pixels come back (`round_trips`) scales the confidences down too.
Where they come back tells more: when the reference shows only part of the scene, the target's
other parts still find look-alikes in it (a brick wall finds leaves, foliage finds fur), confidently,
and their way back lands in the part the two photos share. So each pixel also gets how mutual the
matches around it are (`Matches.mutual`), which the map of the target's own colors is fitted by.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
import torch

NEIGHBOURS = 8
NEAREST_BLOCK = 64  # reference points per block of the nearest-neighbour search (`nearest_points`)
# Bytes of distances the search computes at a time: queries are taken in chunks that fill this many (32 queries
# of 16 000 points), so a chunk's distances are still in the CPU's cache when they are ranked. Chunks of 256
# queries (16 MB) took 1.5-1.7 times as long on this project's machine (session 27; 16-48 were within 10%).
NEAREST_CHUNK_BYTES = 2**21
MATCH_TEMPERATURE = 0.02  # softmax temperature over squared RMS feature distances
COHERENCE_STEP = 3  # target pixels (at matching size) between a pixel and the neighbours it is compared with
COHERENCE_RADIUS = 3.0  # reference pixels (at matching size) within which two neighbours' matches agree
COHERENCE_FLOOR = 0.05  # support that an isolated candidate keeps, so no pixel loses all its candidates
COHERENCE_POWER = 6.0  # how strongly agreement overrides feature similarity
COHERENCE_ROUNDS = 3
# Confidence: full up to this RMS feature distance (in standard deviations), none from that one on.
NEAR_DISTANCE, FAR_DISTANCE = 0.2, 0.6  # tuned on bench/color_quality.py's tuning part
CONFIDENCE_SIGMA = 2.0  # matching-size pixels over which confidence is smoothed (no speckles)
CROWD_SIGMA = 3.0  # reference pixels (at matching size) over which the use of the reference is measured
# ... and over its regions: an edge-aware average (domain transform guided by the reference's L) with this
# spatial sigma, as a share of the reference's side, stopping at L differences of about CROWD_EDGE. (With
# the first alone, a view of the Eiffel tower against a clear sky, whose sky matches all tie onto a few
# sky pixels, counted as crowded at 13-22 and lost its region matches.)
CROWD_SCALE, CROWD_EDGE = 0.5, 5.0
# Crowding (see `crowding`): full confidence up to the first, none from the second on, pixel by pixel. Set
# on the photo's mean crowding: on the tuning part (both photos at one working size, the region measure in)
# views of the same scene reach 1.0-5.6 (most below 4); unrelated photos 4.6-30; cards and gradients, one
# region each, 0.1-7.5 (the round trip below tells them apart).
CROWDED_FROM, CROWDED_FULL = 4.0, 8.0
# Round trip (see `round_trips`): a target pixel's nearest reference pixel has, as its own nearest
# target pixel, one within this many target pixels (at matching size).
ROUND_TRIP_RADIUS = 5.0
ROUND_TRIP_STEP = 11  # the share is measured on every 11th target pixel: 1450 of 16000, a standard error of 0.013
# Share of the target's pixels whose round trip comes back: none of the confidence up to the first,
# all from the second on. On the tuning part (both photos at the same working size) unrelated photos reach
# 0.00-0.20, views of the same scene 0.32-1.00 (halves, which share no pixel, the least).
ROUND_TRIP_FROM, ROUND_TRIP_FULL = 0.20, 0.30
# Crowding is excused where most round trips come back (none of it from the first share, all from the
# second): then the matches are the scene's own, and they crowd only because the reference shows the part
# of the scene they lie in smaller (a zoomed view whose strip of background the target's wide one falls
# on). Was (0.38, 0.45); but where the matches crowd (over CROWDED_FROM), crops and zooms of one scene came
# back at 0.38-0.42 on the fifth, sixth and ninth unseen sets and lost half their matches or more (the fifth
# set's house in a shifted zoom: 13.3 -> 2.9 at the working size, gray target). Unrelated photos whose
# matches crowd came back at up to 0.37 there (a cat with a portrait, a politician with a plant), and
# these two stayed within the palette target when excused (Wasserstein share 0.14-0.33).
CROWDING_EXCUSED = (0.30, 0.38)
# Mutual matches (see `mutual_share`): the share of the round trips within MUTUAL_SIGMA target pixels that
# come back. On the tuning part's crops and shifted views, right matches (within 6 CIEDE2000 of the truth)
# have a median share of 0.49-0.76 per pair, wrong ones (over 12) 0.11-0.37; none of the weight up to the
# first, all from the second on. (As a factor of the confidence itself this cost gray targets: in flat regions a round
# trip is a tie, and their right matches lost weight to the palette.)
MUTUAL_SIGMA = 4.0
MUTUAL_FROM, MUTUAL_FULL = 0.1, 0.4


class Matches(NamedTuple):
    """Per pixel of the reduced target: the matched colour, the confidence of the match, how mutual the
    matches around it are, and the confidence before the crowding guard (all in [0, 1] but `ab`)."""

    ab: np.ndarray  # (H, W, 2)
    confidence: np.ndarray  # (H, W)
    mutual: np.ndarray  # (H, W)
    uncrowded_confidence: np.ndarray  # (H, W): what the own-colors map may be fitted on too (`blending`)


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


def standardise(target: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    both = np.concatenate((target.reshape(-1, target.shape[2]), reference.reshape(-1, reference.shape[2])))
    mean, std = both.mean(0), both.std(0) + 1e-3
    return (target - mean) / std, (reference - mean) / std


def matching_features(target_lab: np.ndarray, reference_lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (reduced) target's and reference's lightness descriptors, standardised together: what is matched."""
    return standardise(
        luminance_features(np.ascontiguousarray(target_lab[:, :, 0])),
        luminance_features(np.ascontiguousarray(reference_lab[:, :, 0])),
    )


def _neighbour_pairs(height: int, width: int, dy: int, dx: int) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
    """Slices selecting pixels p and their neighbours p + (dy, dx), both inside the image."""

    def axis(step: int, size: int) -> tuple[slice, slice]:
        return (slice(0, size - step), slice(step, size)) if step >= 0 else (slice(-step, size), slice(0, size + step))

    (py, qy), (px, qx) = axis(dy, height), axis(dx, width)
    return (py, px), (qy, qx)


Link = tuple[tuple[slice, slice], tuple[slice, slice], torch.Tensor]


def _links(positions: torch.Tensor) -> list[Link]:
    """(pixels, their neighbours, agreement (.., K, K) of each candidate of the one with each of
    the other's) for the eight neighbours COHERENCE_STEP away."""
    height, width = positions.shape[:2]
    step = COHERENCE_STEP
    links = []
    for dy, dx in [(0, step), (step, -step), (step, 0), (step, step)]:  # the other four are these reversed
        p, q = _neighbour_pairs(height, width, dy, dx)
        squared = ((positions[p][:, :, :, None] - positions[q][:, :, None]) ** 2).sum(-1)
        agree = torch.exp(squared / (-2 * COHERENCE_RADIUS**2))
        links += [(p, q, agree), (q, p, agree.transpose(2, 3))]
    return links


def _support(links: list[Link], weights: torch.Tensor) -> torch.Tensor:
    """(H, W, K): how much of the neighbours' weight lies near each candidate, averaged over neighbours."""
    support = torch.zeros_like(weights)
    count = torch.zeros(*weights.shape[:2], 1)
    for p, q, agree in links:
        support[p] += torch.matmul(agree, weights[q][:, :, :, None])[..., 0]
        count[p] += 1
    return support / count.clamp(min=1)


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
    return _coherent(_links(positions), prior)


def _coherent(links: list[Link], prior: torch.Tensor) -> torch.Tensor:
    weights = prior
    for _ in range(COHERENCE_ROUNDS):
        weights = prior * (COHERENCE_FLOOR + _support(links, weights)) ** COHERENCE_POWER
        weights = weights / weights.sum(-1, keepdim=True)
    return weights


def _ramp(x: np.ndarray, zero: float, one: float) -> np.ndarray:
    return np.clip((x - zero) / (one - zero), 0.0, 1.0)


def crowding(
    index: np.ndarray, weights: np.ndarray, confidence: np.ndarray, reference_lightness: np.ndarray
) -> np.ndarray:
    """How crowded the reference's place that each target pixel matched is: how much the place is used,
    relative to a target spread evenly over the whole reference (1), with the shape of `confidence`.
    `index` and `weights` (N, K) are the candidates and their weights, `reference_lightness` the
    (reduced) reference's L; a pixel uses the reference as much as it is confident.

    A place is measured two ways, and the less crowded counts: the few pixels around the match
    (CROWD_SIGMA), and its region up to the reference's edges (CROWD_SCALE, CROWD_EDGE). Within a flat
    region (a clear sky, a wall) every pixel looks alike, and which of them a match lands on is a tie,
    not a choice; in a textured one the region measure would call a half of a scene crowded."""
    height, width = reference_lightness.shape
    used = np.bincount(index.reshape(-1), (weights * confidence.reshape(-1, 1)).reshape(-1), height * width)
    used = used.reshape(height, width).astype(np.float32)
    guide = np.ascontiguousarray(reference_lightness, dtype=np.float32)
    spatial = CROWD_SCALE * np.sqrt(height * width)

    def around(image: np.ndarray, region: bool) -> np.ndarray:
        if region:
            return cv2.ximgproc.dtFilter(guide, image, spatial, CROWD_EDGE, mode=cv2.ximgproc.DTF_RF)
        return cv2.GaussianBlur(image, (0, 0), CROWD_SIGMA, borderType=cv2.BORDER_CONSTANT)

    at_match = []
    for region in (False, True):
        # Mean use per reference pixel around each place (normalized: nothing lies outside the photo).
        mean_use = around(used, region) / around(np.ones_like(used), region)
        mean_use = mean_use.reshape(-1) * (height * width / confidence.size)
        at_match.append((weights * mean_use[index]).sum(1))
    return np.minimum(*at_match).reshape(confidence.shape)


def nearest_points(queries: torch.Tensor, points: torch.Tensor, k: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, k) squared distances and indices of each query's `k` nearest points, nearest first.

    Exact, in two steps: the points are taken in blocks of NEAREST_BLOCK, and a query's k nearest
    lie in the k blocks whose own nearest point is nearest (a point of any other block has k points
    nearer than it: each of those blocks' nearest), so only those blocks are ranked in full. Ranking
    all 16 000 distances of a query took 1.7-2.9 times as long (`torch.topk` reads every one)."""
    k = min(k, points.shape[0])
    # |q - p|^2 = |q|^2 + |p|^2 - 2 q.p; |q|^2 does not change the ranking, so it is added last.
    norms = (points * points).sum(1)
    padding = -points.shape[0] % NEAREST_BLOCK  # padded points are infinitely far
    if padding:
        points = torch.cat((points, points.new_zeros(padding, points.shape[1])))
        norms = torch.cat((norms, norms.new_full((padding,), float("inf"))))
    blocks = points.shape[0] // NEAREST_BLOCK
    within = torch.arange(NEAREST_BLOCK)
    values, indices = [], []
    for chunk in queries.split(max(1, NEAREST_CHUNK_BYTES // (4 * points.shape[0]))):
        distances = torch.addmm(norms, chunk, points.T, alpha=-2)
        block_nearest = distances.view(len(chunk), blocks, NEAREST_BLOCK).amin(2)
        nearest_blocks = block_nearest.topk(min(k, blocks), dim=1, largest=False).indices
        candidates = (nearest_blocks[:, :, None] * NEAREST_BLOCK + within).reshape(len(chunk), -1)
        best = distances.gather(1, candidates).topk(k, dim=1, largest=False)
        values.append(best.values)
        indices.append(candidates.gather(1, best.indices))
    squared = torch.cat(values) + (queries * queries).sum(1, keepdim=True)
    return squared.clamp_(min=0), torch.cat(indices)


def round_trips(
    target: torch.Tensor, reference: torch.Tensor, width: int, nearest: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Every ROUND_TRIP_STEP-th target pixel (indices), and whether its nearest reference pixel has
    its own nearest target pixel close to it. Views of one scene match both ways; look-alikes (fur
    and petals, a sky and a gradient) match many to many, so the way back lands elsewhere.

    `target` (N, F) and `reference` (M, F) are features, `width` the target's in pixels, and
    `nearest` (N,) each target pixel's nearest reference pixel when already known."""
    here = torch.arange(0, target.shape[0], ROUND_TRIP_STEP)
    there = nearest_points(target[here], reference)[1][:, 0] if nearest is None else nearest[here]
    back = nearest_points(reference[there], target)[1][:, 0]
    squared = (back // width - here // width) ** 2 + (back % width - here % width) ** 2
    return here, squared <= ROUND_TRIP_RADIUS**2


def mutual_share(here: torch.Tensor, returned: torch.Tensor, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) share of the round trips around each pixel (Gaussian, MUTUAL_SIGMA) that come back;
    `here` and `returned` as `round_trips` gives them."""
    came_back, tried = np.zeros((2, shape[0] * shape[1]), np.float32)
    tried[here.numpy()] = 1.0
    came_back[here.numpy()] = returned.numpy()

    def around(values: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(values.reshape(shape), (0, 0), MUTUAL_SIGMA, borderType=cv2.BORDER_CONSTANT)

    return around(came_back) / np.maximum(around(tried), 1e-6)


def match_colors(target_features: np.ndarray, reference_features: np.ndarray, reference_lab: np.ndarray) -> Matches:
    """For each target pixel: the weighted ab of its nearest reference pixels; the confidence of
    that match in [0, 1], judged pixel by pixel, smoothed a little (no speckles), scaled down where
    the match crowds onto a small part of the reference (unless most of the matches match back:
    CROWDING_EXCUSED) and as a whole when they do not match back; how mutual the matches around it
    are; and the confidence without the crowding guard. `reference_lab` is the reduced reference: its
    a, b are the colours, its L bounds the regions of `crowding`."""
    shape = target_features.shape[:2]
    t = torch.from_numpy(np.ascontiguousarray(target_features.reshape(-1, target_features.shape[2])))
    r = torch.from_numpy(np.ascontiguousarray(reference_features.reshape(-1, reference_features.shape[2])))
    k = min(NEIGHBOURS, r.shape[0])
    squared, index = nearest_points(t, r, k)
    nearest = squared.sqrt() / np.sqrt(t.shape[1])  # RMS distance per feature, in standard deviations
    prior = torch.softmax(-(nearest**2) / MATCH_TEMPERATURE, dim=1).reshape(*shape, k)
    reference_width = reference_lab.shape[1]
    positions = torch.stack((index // reference_width, index % reference_width), dim=-1).float()
    links = _links(positions.reshape(*shape, k, 2))
    weights = _coherent(links, prior)
    distance = (weights.reshape(-1, k) * nearest).sum(1).reshape(shape).numpy()
    ab = torch.from_numpy(np.ascontiguousarray(reference_lab[:, :, 1:]).reshape(-1, 2))[index]
    matched = (weights.reshape(-1, k, 1) * ab).sum(1)
    confidence = _ramp(distance, FAR_DISTANCE, NEAR_DISTANCE)
    confidence = cv2.GaussianBlur(confidence.astype(np.float32), (0, 0), CONFIDENCE_SIGMA)
    crowded = crowding(index.numpy(), weights.reshape(-1, k).numpy(), confidence, reference_lab[:, :, 0])
    here, returned = round_trips(t, r, shape[1], nearest=index[:, 0])
    came_back = returned.float().mean().numpy()
    uncrowded = np.maximum(_ramp(crowded, CROWDED_FULL, CROWDED_FROM), _ramp(came_back, *CROWDING_EXCUSED))
    uncrowded = cv2.GaussianBlur(uncrowded.astype(np.float32), (0, 0), CONFIDENCE_SIGMA)  # no speckles
    trip = float(_ramp(came_back, ROUND_TRIP_FROM, ROUND_TRIP_FULL))
    mutual = _ramp(mutual_share(here, returned, shape), MUTUAL_FROM, MUTUAL_FULL)
    return Matches(matched.reshape(*shape, 2).numpy(), confidence * (uncrowded * trip), mutual, confidence * trip)
