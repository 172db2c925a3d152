"""Where checkpoints live on disk and how they get there from the Hugging Face hub.

The authors released four checkpoints, named here as the download command names them: `large`
(`ddcolor_modelscope.pth`, the default), `artistic` and `paper` (other trainings of the large
network) and `tiny`. Files keep their official names in `weights/` at the project root (in a
`pip install`ed copy, which has no project root, in `~/.cache/ddcolor`), or in the folder named by
`DDCOLOR_WEIGHTS_DIR`. Beside each `.pth` sits the safetensors cache
`ddcolor.checkpoint` makes, so an image built after `python -m ddcolor download` ships
fast-loading weights.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ddcolor.checkpoint import cache_path_for
from ddcolor.checks import require_choice
from ddcolor.network import get_config

log = logging.getLogger(__name__)

HF_REPO_ID = "piddnad/DDColor-models"
WEIGHTS_DIR_ENV = "DDCOLOR_WEIGHTS_DIR"


def _default_weights_dir() -> Path:
    """`weights/` beside the predictor when this is the project (a checkout, the Cog image); a user cache
    folder when the package was installed into site-packages, where `weights/` would be no one's."""
    project = Path(__file__).resolve().parent.parent
    if (project / "predict.py").is_file():
        return project / "weights"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ddcolor"


DEFAULT_WEIGHTS_DIR = _default_weights_dir()


@dataclass(frozen=True)
class Checkpoint:
    name: str  # as `python -m ddcolor download NAME` names it
    file: str  # the released file name on the hub
    model_size: str  # the network it fits
    variant: str  # which training: the predictor's `variant` input


CHECKPOINTS: dict[str, Checkpoint] = {
    c.name: c
    for c in (
        Checkpoint("large", "ddcolor_modelscope.pth", "large", "modelscope"),
        Checkpoint("tiny", "ddcolor_paper_tiny.pth", "tiny", "modelscope"),
        Checkpoint("artistic", "ddcolor_artistic.pth", "large", "artistic"),
        Checkpoint("paper", "ddcolor_paper.pth", "large", "paper"),
    )
}
CHECKPOINT_FILES: dict[str, str] = {name: c.file for name, c in CHECKPOINTS.items()}
VARIANTS = ("modelscope", "artistic", "paper")
DEFAULT_VARIANT = "modelscope"


class WeightsNotFoundError(FileNotFoundError):
    """A checkpoint is neither on disk nor downloadable; the message says how to get it."""


def weights_dir() -> Path:
    configured = os.environ.get(WEIGHTS_DIR_ENV)
    return Path(configured).expanduser() if configured else DEFAULT_WEIGHTS_DIR


def get_checkpoint(name: str) -> Checkpoint:
    require_choice("checkpoint", name, tuple(CHECKPOINTS))
    return CHECKPOINTS[name]


def checkpoint_for(model_size: str, variant: str = DEFAULT_VARIANT) -> Checkpoint:
    """The checkpoint that colorizes with `model_size` and `variant`; only the large network
    was released in several trainings, so tiny takes only the default variant."""
    get_config(model_size)
    require_choice("variant", variant, VARIANTS)
    for checkpoint in CHECKPOINTS.values():
        if checkpoint.model_size == model_size and checkpoint.variant == variant:
            return checkpoint
    raise ValueError(
        f"the {variant} variant exists only for the large model (ddcolor_{variant}.pth); choose model_size=large "
        f"to use it, or variant={DEFAULT_VARIANT} with model_size={model_size}"
    )


def checkpoint_path(name: str, directory: Path | None = None) -> Path:
    return (directory or weights_dir()) / get_checkpoint(name).file


def manifest_path_for(checkpoint: Path) -> Path:
    return checkpoint.with_name(checkpoint.name + ".manifest.json")


def write_manifest(checkpoint: Path) -> Path:
    """Record size and sha256 of a freshly downloaded file, to tell later if it was damaged."""
    digest = hashlib.sha256()
    with checkpoint.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    manifest = manifest_path_for(checkpoint)
    record = {"file": checkpoint.name, "size": checkpoint.stat().st_size, "sha256": digest.hexdigest()}
    manifest.write_text(json.dumps(record, indent=1) + "\n")
    return manifest


def verify_checkpoint(checkpoint: Path) -> None:
    """Cheap check against the download manifest (the size); silent where there is none."""
    manifest = manifest_path_for(checkpoint)
    if not manifest.is_file():
        return
    expected = json.loads(manifest.read_text()).get("size")
    actual = checkpoint.stat().st_size
    if expected is not None and actual != expected:
        raise WeightsNotFoundError(
            f"{checkpoint} is {actual} bytes but was {expected} bytes when downloaded: the file is damaged. "
            f"Delete it and run `python -m ddcolor download`."
        )


def find_checkpoint(name: str, directory: Path | None = None) -> Path | None:
    """The `.pth`, or its safetensors cache alone (an image may ship only that), if present."""
    path = checkpoint_path(name, directory)
    for candidate in (path, cache_path_for(path)):
        if candidate.is_file():
            return candidate
    return None


def _how_to_get(name: str, path: Path) -> str:
    return (
        f"Get it with `python -m ddcolor download {name}` on a machine with internet access, "
        f"or copy {path.name} from https://huggingface.co/{HF_REPO_ID} into {path.parent} "
        f"(or point {WEIGHTS_DIR_ENV} at the folder that holds it)."
    )


def _hub_unreachable_reason() -> str | None:
    """Why the hub cannot be reached, found in seconds rather than after minutes of retries."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return "HF_HUB_OFFLINE is set"
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parsed = urlparse(endpoint)
    host, port = parsed.hostname or "huggingface.co", parsed.port or (80 if parsed.scheme == "http" else 443)
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as error:
        return f"cannot reach {host}:{port} ({error})"
    return None


STALE_PARTIAL_SECONDS = 600  # a partial download untouched this long belongs to a process that died


def remove_stale_partials(path: Path) -> list[Path]:
    """Delete what a killed download left behind; huggingface_hub never resumes those files.

    It writes each attempt to a uniquely named `.incomplete` file under `.cache/huggingface`
    and deletes it on failure, but a killed process cannot: without this, every killed
    download of a 900 MB checkpoint would leave up to 900 MB behind.
    """
    now = time.time()
    removed = []
    for partial in (path.parent / ".cache" / "huggingface" / "download").glob(f"{path.name}.*incomplete"):
        with contextlib.suppress(OSError):
            if now - partial.stat().st_mtime > STALE_PARTIAL_SECONDS:
                partial.unlink()
                removed.append(partial)
    if removed:
        log.info("removed %d partial download(s) of %s left by an earlier run", len(removed), path.name)
    return removed


def download_checkpoint(name: str, directory: Path | None = None) -> Path:
    """Fetch one checkpoint from the hub and build its safetensors cache beside it."""
    from huggingface_hub import hf_hub_download

    from ddcolor.checkpoint import load_package_state

    path = checkpoint_path(name, directory)
    reason = _hub_unreachable_reason()
    if reason:
        raise WeightsNotFoundError(
            f"The {name} checkpoint {path.name} is missing from {path.parent} and cannot be "
            f"downloaded: {reason}. {_how_to_get(name, path)}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(path)
    log.info("downloading %s from %s into %s", path.name, HF_REPO_ID, path.parent)
    try:
        # Partial downloads stay under <dir>/.cache/huggingface until complete and are moved into
        # place whole, so a file at `path` is never a partial one.
        downloaded = Path(hf_hub_download(HF_REPO_ID, path.name, local_dir=path.parent))
    except Exception as error:  # the hub client raises many types; all mean "not downloaded"
        raise WeightsNotFoundError(
            f"Downloading {path.name} from {HF_REPO_ID} failed: {error}. {_how_to_get(name, path)}"
        ) from error
    write_manifest(downloaded)
    load_package_state(downloaded)  # writes the safetensors cache now, before an image is built
    return downloaded


def ensure_checkpoint(name: str, directory: Path | None = None, *, download: bool = True) -> Path:
    """The checkpoint on disk, downloaded first if it is missing and `download` is allowed."""
    found = find_checkpoint(name, directory)
    if found is not None:
        if found.suffix == ".pth":
            verify_checkpoint(found)
        return found
    path = checkpoint_path(name, directory)
    if not download:
        raise WeightsNotFoundError(
            f"The {name} checkpoint {path.name} is missing from {path.parent}. {_how_to_get(name, path)}"
        )
    return download_checkpoint(name, directory)


def checkpoints_for(choice: str) -> tuple[str, ...]:
    """`all` or one checkpoint name, as used by the download command."""
    return tuple(CHECKPOINTS) if choice == "all" else (get_checkpoint(choice).name,)
