"""What the Cog predictors share that is not imaging: the loaded models, log lines, output files.

Their inputs are checked with `ddcolor.checks`, like the library's own arguments.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
import uuid
from pathlib import Path

from ddcolor.pipeline import Colorizer
from ddcolor.weights import DEFAULT_VARIANT, checkpoint_for, ensure_checkpoint, get_checkpoint

log = logging.getLogger(__name__)


def show_library_logs() -> None:
    """Send the library's INFO lines (what it chose, progress) to stderr, which Cog puts in the
    prediction's logs."""
    logger = logging.getLogger("ddcolor")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def fresh_output_path(folder: Path, stem: str, suffix: str) -> Path:
    """A new file name in `folder`, emptied first: the server has already sent earlier results
    (one prediction at a time), so they would only pile up."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{stem}-{uuid.uuid4().hex[:12]}.{suffix}"


class ColorizerPool:
    """Colorizers by checkpoint: the default large and tiny loaded at once (downloaded if
    missing), the other trainings of the large network (`artistic`, `paper`) on first use.

    Loading on first use keeps setup time and memory those of two models (bench/setup_speed.py);
    a first request for another variant pays its load from the safetensors cache once. A file that
    was not baked into the image fails that request with the command that fetches it.
    """

    def __init__(self, *, device: str | None = None, preload: tuple[str, ...] = ("large", "tiny")) -> None:
        self.device = device
        self.colorizers: dict[str, Colorizer] = {}
        for name in preload:
            self._load(name, download=True)

    def _load(self, name: str, *, download: bool) -> Colorizer:
        started = time.perf_counter()
        path = ensure_checkpoint(name, download=download)
        colorizer = Colorizer.from_checkpoint(path, model_size=get_checkpoint(name).model_size, device=self.device)
        colorizer.warm_up()  # on the GPU: cuDNN's algorithm search now, not in the first request
        self.colorizers[name] = colorizer
        log.info("loaded the %s checkpoint (%s) in %.1f s", name, path.name, time.perf_counter() - started)
        return colorizer

    def get(self, model_size: str, variant: str = DEFAULT_VARIANT) -> Colorizer:
        name = checkpoint_for(model_size, variant).name
        return self.colorizers.get(name) or self._load(name, download=False)
