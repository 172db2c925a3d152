"""Deterministic random checkpoints in the official format, for tests and benchmarks.

Real checkpoints cannot be downloaded everywhere (CI has no network), so tests build one from a
key manifest (`[name, shape, dtype]` per official state-dict entry) with the fill rule the
reference goldens were made with: every tensor is seeded by the CRC32 of its name, so the same
name always gets the same values whatever the order or the other keys.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import torch

from ddcolor.network.ddcolor import IMAGENET_MEAN, IMAGENET_STD
from ddcolor.weights import get_checkpoint

Manifest = list[tuple[str, list[int], str]]

REFERENCE_DIR_ENV = "DDCOLOR_REFERENCE_DIR"
# Each released training of the large network gets its own weights, so tests can tell them apart;
# the default checkpoints keep seed 0, the one the reference goldens were made with.
CHECKPOINT_SEEDS = {"large": 0, "tiny": 0, "artistic": 0xA7, "paper": 0x9A}


def reference_dir() -> Path:
    """The shared reference folder with the key manifests (beside the project unless configured)."""
    configured = os.environ.get(REFERENCE_DIR_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parent.parent.parent / "shared" / "reference"


def load_manifest(path: Path) -> Manifest:
    return [(name, list(shape), dtype) for name, shape, dtype in json.loads(Path(path).read_text())]


def _seeded_normal(name: str, shape: list[int], seed_xor: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(zlib.crc32(name.encode()) ^ seed_xor)
    return torch.randn(shape, generator=generator, dtype=torch.float32)


def synthetic_official_state(manifest: Manifest, *, seed_xor: int = 0) -> dict[str, torch.Tensor]:
    """Weights that keep every activation O(1), so outputs are meaningful to compare.

    Spectral-norm `weight_u` is derived as the normalised W v (a random u can make sigma ~ 0);
    running variances are near 1 (a negative one is NaN in BatchNorm).
    """
    state: dict[str, torch.Tensor] = {}
    for name, shape, dtype in manifest:
        if dtype != "float32":
            state[name] = torch.zeros(shape, dtype=torch.int64)
        elif name == "mean":
            state[name] = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        elif name == "std":
            state[name] = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        elif name.endswith(".weight_u"):
            continue
        else:
            r = _seeded_normal(name, shape, seed_xor)
            if name.endswith(".weight_v"):
                state[name] = r / r.norm()
            elif (name.endswith(".weight") and len(shape) == 1) or name.endswith(".running_var"):
                state[name] = 1.0 + 0.02 * r
            else:
                state[name] = 0.02 * r
    for name, _, _ in manifest:
        if name.endswith(".weight_u"):
            stem = name[: -len("weight_u")]
            weight = state[stem + "weight_orig"]
            u = weight.reshape(weight.shape[0], -1) @ state[stem + "weight_v"]
            state[name] = u / u.norm()
    return state


def write_official_checkpoint(path: Path, state: dict[str, torch.Tensor]) -> Path:
    """Save as the released files are: a pickled `{'params': state_dict}`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"params": state}, path)
    return path


def synthetic_checkpoint_state(name: str) -> dict[str, torch.Tensor]:
    """The official-layout state of the named checkpoint (`large`, `tiny`, `artistic`, `paper`)."""
    manifest = load_manifest(reference_dir() / f"ddcolor_keys_{get_checkpoint(name).model_size}.json")
    return synthetic_official_state(manifest, seed_xor=CHECKPOINT_SEEDS[name])


def write_synthetic_checkpoint(directory: Path, name: str) -> Path:
    """The named synthetic checkpoint under its official file name, built unless present."""
    path = Path(directory) / get_checkpoint(name).file
    if not path.exists():
        write_official_checkpoint(path, synthetic_checkpoint_state(name))
    return path
