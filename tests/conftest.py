"""Shared fixtures: synthetic official-format checkpoints (built once per run) and the goldens.

`../shared/reference/` (or `DDCOLOR_REFERENCE_DIR`) holds the official key manifests and the
outputs of the official implementation on the deterministic weights these fixtures rebuild.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from ddcolor.network import MODEL_SIZES
from ddcolor.synthetic import (
    load_manifest,
    reference_dir,
    synthetic_checkpoint_state,
    synthetic_official_state,
    write_official_checkpoint,
)
from ddcolor.weights import CHECKPOINT_FILES

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = reference_dir()

# No test may reach a hub: huggingface_hub refuses to connect when this is set.
os.environ["HF_HUB_OFFLINE"] = "1"


def reference_file(name: str) -> Path:
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.fail(f"reference fixture {path} is missing; set DDCOLOR_REFERENCE_DIR to the shared/reference folder")
    return path


@pytest.fixture(scope="session")
def manifests() -> dict[str, list]:
    return {size: load_manifest(reference_file(f"ddcolor_keys_{size}.json")) for size in MODEL_SIZES}


@pytest.fixture(scope="session")
def official_state(manifests):
    """Lazily built `{'tiny': state, 'large': state}` in the official key layout."""
    cache: dict[str, dict] = {}

    def get(size: str) -> dict:
        if size not in cache:
            cache[size] = synthetic_official_state(manifests[size])
        return cache[size]

    return get


@pytest.fixture(scope="session")
def weights_dir(tmp_path_factory, official_state) -> Path:
    """A weights folder holding the tiny checkpoint under its official file name."""
    directory = tmp_path_factory.mktemp("weights")
    write_official_checkpoint(directory / CHECKPOINT_FILES["tiny"], official_state("tiny"))
    return directory


@pytest.fixture(scope="session")
def tiny_checkpoint(weights_dir) -> Path:
    return weights_dir / CHECKPOINT_FILES["tiny"]


@pytest.fixture(scope="session")
def large_checkpoint(weights_dir, official_state) -> Path:
    """The 912 MB large checkpoint, written only when a test asks for it, once per run."""
    path = weights_dir / CHECKPOINT_FILES["large"]
    if not path.exists():
        write_official_checkpoint(path, official_state("large"))
    return path


@pytest.fixture(scope="session")
def variant_checkpoints(weights_dir, large_checkpoint) -> dict[str, Path]:
    """The artistic and paper checkpoints too (912 MB each, official format, weights of their own)."""
    paths = {}
    for name in ("artistic", "paper"):
        paths[name] = weights_dir / CHECKPOINT_FILES[name]
        if not paths[name].exists():
            write_official_checkpoint(paths[name], synthetic_checkpoint_state(name))
    return paths


@pytest.fixture(scope="session")
def tiny_colorizer(tiny_checkpoint):
    from ddcolor import Colorizer

    return Colorizer.from_checkpoint(tiny_checkpoint, model_size="tiny", input_size=64, device="cpu")


@pytest.fixture(scope="session")
def golden_pipeline() -> dict[str, np.ndarray]:
    return dict(np.load(reference_file("golden_pipeline_tiny.npz")))


def offline_env(weights_dir: Path, path: str) -> dict[str, str]:
    """A bare environment for a subprocess with no network and no weights beyond `weights_dir`;
    PYTHONPATH is kept, since packages may have been added beside the virtual environment."""
    env = {"PATH": path, "HF_HUB_OFFLINE": "1", "DDCOLOR_WEIGHTS_DIR": str(weights_dir)}
    return env | {key: os.environ[key] for key in ("PYTHONPATH",) if key in os.environ}


def gradient_photo(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A small deterministic color photo-like image (smooth gradients plus a few shapes)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.stack(
        [128 + 100 * np.sin(x / (7 + seed)), 128 + 100 * np.cos(y / 11), 255 * x / max(width - 1, 1)], axis=2
    )
    image += rng.normal(0, 4, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def cog_server(tmp_path_factory, weights_dir, large_checkpoint):
    """The real Cog HTTP server around predict.py, with synthetic large and tiny weights."""
    from cog_server import CogServer

    server = CogServer(tmp_path_factory.mktemp("cog"), weights_dir)
    try:
        server.wait_for(("READY",))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def cog_video_server(tmp_path_factory, weights_dir, large_checkpoint):
    """The real Cog HTTP server around predict_video.py (its own process), same synthetic weights."""
    from cog_server import CogServer

    server = CogServer(tmp_path_factory.mktemp("cog-video"), weights_dir, "predict_video", "VideoPredictor")
    try:
        server.wait_for(("READY",))
        yield server
    finally:
        server.stop()
