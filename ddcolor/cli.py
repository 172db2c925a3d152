"""Command line: `python -m ddcolor download ...`, `colorize ...` and `colorize-video ...`.

`colorize` is made for a folder of family scans: files or folders in, one folder of colorized
photos out (subfolders kept: `ddcolor.folders`), the model loaded once, existing results
skipped, bad files reported at the end.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ddcolor.checks import require_range
from ddcolor.folders import HINTS_SUFFIX, Job, OutputClashError, hints_beside, may_be_original, plan_jobs
from ddcolor.hints import read_hints
from ddcolor.images import OUTPUT_FORMATS, check_output_size, output_format_of, read_image, read_reference, write_image
from ddcolor.network import MODEL_SIZES
from ddcolor.pipeline import (
    DEFAULT_INPUT_SIZE,
    MAX_INPUT_SIZE,
    MIN_INPUT_SIZE,
    Colorizer,
    PostSteps,
    round_input_size,
)
from ddcolor.resample import UPSAMPLE_MODES
from ddcolor.saturation import MAX_SATURATION, MIN_SATURATION
from ddcolor.transfer import TRANSFER_METHODS
from ddcolor.weights import (
    CHECKPOINTS,
    DEFAULT_VARIANT,
    VARIANTS,
    WeightsNotFoundError,
    checkpoint_for,
    checkpoints_for,
    download_checkpoint,
    ensure_checkpoint,
)

DEVICE_NAMES = re.compile(r"cpu|cuda(:\d+)?")

log = logging.getLogger("ddcolor")


def run_download(args: argparse.Namespace) -> int:
    for name in checkpoints_for(args.checkpoint):
        try:
            path = download_checkpoint(name)
        except WeightsNotFoundError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"{name}: {path}")
    return 0


def check_device(device: str | None) -> None:
    """`--device` names a device this machine has: torch would only say so in a traceback from
    deep inside loading the model."""
    if device is None or device == "cpu":
        return
    if not DEVICE_NAMES.fullmatch(device):
        raise ValueError(f"--device {device} is no device; choose cpu, cuda or cuda:N (the GPU numbered N)")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise ValueError("no CUDA GPU found; use --device cpu")
    index = int(device.partition(":")[2] or 0)
    if index >= count:
        raise ValueError(f"--device {device}: this machine has {count} CUDA GPU(s); the last is cuda:{count - 1}")


def check_model_options(args: argparse.Namespace) -> None:
    """The options both commands share, checked once before any file is read or the model
    loaded; `--input-size` within the bounds the predictors allow (and with their message)."""
    require_range("--input-size", args.input_size, MIN_INPUT_SIZE, MAX_INPUT_SIZE)
    check_device(args.device)


def checked_reference(path: Path | None, method: str = "exemplar", strength: float = 1.0) -> np.ndarray | None:
    """The `--reference` photo (BGR), read and checked with its method and strength once, before
    any photo: a gray reference in a 500-photo run is one error, not 500."""
    require_range("--reference-strength", strength, 0.0, 1.0)
    if path is None:
        return None
    try:
        reference = read_reference(path)
        PostSteps.prepare(reference=reference, reference_method=method, reference_strength=strength)
    except ValueError as error:
        raise ValueError(f"--reference {path}: {error}") from None
    return reference


def load_colorizer(args: argparse.Namespace) -> Colorizer:
    """The model the options name, loaded once."""
    checkpoint = ensure_checkpoint(checkpoint_for(args.model_size, args.variant).name)
    return Colorizer.from_checkpoint(
        checkpoint, model_size=args.model_size, input_size=round_input_size(args.input_size), device=args.device
    )


def output_folder_ready(output: Path) -> bool:
    """Make the output folder; False, with the reason said, where it cannot be one."""
    try:
        output.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        print(f"error: --output {output} is a file (or lies under one); give a folder", file=sys.stderr)
        return False
    except OSError as error:
        print(f"error: cannot make the output folder {output}: {error.strerror}", file=sys.stderr)
        return False
    return True


def to_write(jobs: list[Job], output_dir: Path, overwrite: bool, kind: str) -> tuple[list[Job], int]:
    """The jobs whose output may be written, and how many were refused, each left-out one said: an existing
    output is redone only with `overwrite`, and never one that may be an original (`may_be_original`)."""
    todo, refused, skipped = [], 0, 0
    for job in jobs:
        if not (job.output.exists() or job.output.is_symlink()):
            todo.append(job)
        elif may_be_original(job, output_dir):
            refused += 1
            print(
                f"not writing {job.output}: it exists in the folder of {job.source.name} and may be an original; "
                "remove it or give another --output",
                file=sys.stderr,
            )
        elif overwrite:
            todo.append(job)
        else:
            skipped += 1
    if skipped:
        print(f"skipping {skipped} {kind}(s) already colorized (use --overwrite to redo them)")
    return todo, refused


def unexpected(error: Exception) -> str:
    return f"unexpected error, please report it: {type(error).__name__}: {error}"


def prepare_run(
    args: argparse.Namespace, jobs: list[Job], kind: str
) -> int | tuple[list[Job], int, np.ndarray | None, Colorizer]:
    """What a run needs before its first file, checked in order: the options and the reference, the output
    folder, which outputs may be written, the model. An exit code where one of them fails or nothing is left
    to do; else the jobs to do, how many were refused, the reference and the colorizer."""
    try:
        check_model_options(args)
        reference = checked_reference(args.reference, args.reference_method, args.reference_strength)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not output_folder_ready(args.output):
        return 2
    todo, refused = to_write(jobs, args.output, args.overwrite, kind)
    if not todo:
        return 1 if refused else 0
    try:
        colorizer = load_colorizer(args)
    except (WeightsNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return todo, refused, reference, colorizer


def run_colorize(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    try:
        jobs = plan_jobs(args.inputs, args.output, args.format)
    except OutputClashError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not jobs:
        print("error: no image files found in the given inputs", file=sys.stderr)
        return 2
    if args.hints is not None and len(jobs) > 1:
        print(
            f"error: --hints is for one photo, but the inputs hold {len(jobs)}; for folders, put each photo's "
            f"hints beside it as <name>{HINTS_SUFFIX}",
            file=sys.stderr,
        )
        return 2
    try:
        require_range("--saturation", args.saturation, MIN_SATURATION, MAX_SATURATION)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    prepared = prepare_run(args, jobs, "photo")
    if isinstance(prepared, int):
        return prepared
    todo, refused, reference, colorizer = prepared

    failures: list[tuple[Path, str]] = []
    with tqdm(todo, unit="img", desc="colorizing") as progress:
        for job in progress:
            try:
                photo, output_format = read_image(job.source), output_format_of(job.output)
                check_output_size(photo.size, output_format)  # before the work
                hints_file = args.hints or (hints_beside(job.source) if job.in_folder else None)
                hints = read_hints(hints_file, photo) if hints_file else None
                result = colorizer.colorize_photo(
                    photo,
                    sixteen_bits=output_format == "png",
                    upsample=args.upsample,
                    reference=reference,
                    reference_method=args.reference_method,
                    reference_strength=args.reference_strength,
                    saturation=args.saturation,
                    hints=hints,
                )
                job.output.parent.mkdir(parents=True, exist_ok=True)
                write_image(result, job.output)
            except ValueError as error:
                failures.append((job.source, str(error)))
            except Exception as error:  # a fault with one photo must not lose the rest of the folder
                log.debug("%s failed", job.source, exc_info=True)
                failures.append((job.source, unexpected(error)))
    done = len(todo) - len(failures)
    print(f"colorized {done} photo(s) into {args.output}")
    if failures:
        print(f"{len(failures)} photo(s) failed:", file=sys.stderr)
        for source, reason in failures:
            print(f"  {source}: {reason}", file=sys.stderr)
        return 1
    return 1 if refused else 0


def run_colorize_video(args: argparse.Namespace) -> int:
    """Each video into `--output` under its own name, with a progress bar in frames. Folders are
    refused: unlike a folder of scans, which videos in one are meant is not clear."""
    from tqdm import tqdm

    from ddcolor.video import colorize_video

    folders = [path for path in args.inputs if path.is_dir()]
    if folders:
        print(
            f"error: colorize-video takes video files, not folders; {folders[0]} is a folder "
            f"(give the videos in it, e.g. {folders[0] / '*.mp4'})",
            file=sys.stderr,
        )
        return 2
    try:
        jobs = plan_jobs(args.inputs, args.output, args.format)
    except OutputClashError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    prepared = prepare_run(args, jobs, "video")
    if isinstance(prepared, int):
        return prepared
    todo, refused, reference, colorizer = prepared
    failures: list[tuple[Path, str]] = []
    for job in todo:
        with tqdm(unit="frame", desc=job.source.name) as progress:

            def advance(done: int, total: int | None, bar=progress) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                colorize_video(
                    colorizer,
                    job.source,
                    job.output,
                    stabilize=not args.no_stabilize,
                    reference=reference,
                    reference_method=args.reference_method,
                    reference_strength=args.reference_strength,
                    output_format=args.format,
                    progress=advance,
                )
            except ValueError as error:
                failures.append((job.source, str(error)))
            except Exception as error:  # a fault with one video must not lose the others
                log.debug("%s failed", job.source, exc_info=True)
                failures.append((job.source, unexpected(error)))
    print(f"colorized {len(todo) - len(failures)} video(s) into {args.output}")
    for source, reason in failures:
        print(f"  {source}: {reason}", file=sys.stderr)
    return 1 if failures or refused else 0


def build_parser() -> argparse.ArgumentParser:
    command = "ddcolor" if Path(sys.argv[0]).name == "ddcolor" else "python -m ddcolor"  # installed, or not
    parser = argparse.ArgumentParser(prog=command, description="DDColor photo colorization")
    commands = parser.add_subparsers(dest="command", required=True)

    download = commands.add_parser("download", help="fetch checkpoints from the Hugging Face hub")
    download.add_argument(
        "checkpoint",
        nargs="?",
        default="all",
        choices=(*CHECKPOINTS, "all"),
        help="large (modelscope, the default), tiny, artistic, paper, or all (default)",
    )
    download.set_defaults(run=run_download)

    colorize = commands.add_parser("colorize", help="colorize photos (files or folders)")
    colorize.add_argument("inputs", nargs="+", type=Path, metavar="INPUT")
    colorize.add_argument("--output", "-o", type=Path, required=True, help="folder for the colorized photos")
    colorize.add_argument("--reference", type=Path, help="a color photo whose colors steer the result")
    colorize.add_argument("--reference-method", default="exemplar", choices=TRANSFER_METHODS)
    colorize.add_argument("--reference-strength", type=float, default=1.0, help="0 (none) to 1 (full)")
    colorize.add_argument(
        "--hints", type=Path, help=f"color strokes for the one input photo (in folders: <name>{HINTS_SUFFIX})"
    )
    colorize.add_argument("--model-size", default="large", choices=MODEL_SIZES)
    colorize.add_argument(
        "--variant", default=DEFAULT_VARIANT, choices=VARIANTS, help="which training of the large model colorizes"
    )
    colorize.add_argument(
        "--saturation", type=float, default=1.0, help="0 (black and white) to 2 (twice as vivid); 1 as made"
    )
    colorize.add_argument(
        "--input-size",
        type=int,
        default=DEFAULT_INPUT_SIZE,
        help=f"working resolution, {MIN_INPUT_SIZE} to {MAX_INPUT_SIZE} (rounded to x32)",
    )
    colorize.add_argument("--format", default="png", choices=OUTPUT_FORMATS)
    colorize.add_argument("--upsample", default=None, choices=UPSAMPLE_MODES, help="chroma upsampling mode")
    colorize.add_argument(
        "--device",
        metavar="{cpu,cuda,cuda:N}",
        help="where the model runs: cpu, the GPU (cuda) or GPU number N (default: the GPU if there is one)",
    )
    colorize.add_argument("--overwrite", action="store_true", help="redo photos whose output exists")
    colorize.set_defaults(run=run_colorize)

    video = commands.add_parser("colorize-video", help="colorize videos, without flicker, audio kept")
    video.add_argument("inputs", nargs="+", type=Path, metavar="FILE")
    video.add_argument("--output", "-o", type=Path, required=True, help="folder for the colorized videos")
    video.add_argument("--reference", type=Path, help="a color photo whose colors steer every frame")
    video.add_argument("--reference-method", default="exemplar", choices=TRANSFER_METHODS)
    video.add_argument("--reference-strength", type=float, default=1.0, help="0 (none) to 1 (full)")
    video.add_argument("--model-size", default="large", choices=MODEL_SIZES)
    video.add_argument(
        "--variant", default=DEFAULT_VARIANT, choices=VARIANTS, help="which training of the large model colorizes"
    )
    video.add_argument(
        "--input-size",
        type=int,
        default=DEFAULT_INPUT_SIZE,
        help=f"working resolution, {MIN_INPUT_SIZE} to {MAX_INPUT_SIZE} (rounded to x32)",
    )
    video.add_argument("--no-stabilize", action="store_true", help="colorize every frame on its own")
    video.add_argument("--format", default="mp4", choices=("mp4", "webm"), help="H.264 MP4 or VP9 WebM")
    video.add_argument(
        "--device",
        metavar="{cpu,cuda,cuda:N}",
        help="where the model runs: cpu, the GPU (cuda) or GPU number N (default: the GPU if there is one)",
    )
    video.add_argument("--overwrite", action="store_true", help="redo videos whose output exists")
    video.set_defaults(run=run_colorize_video)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = build_parser().parse_args(argv)
    return args.run(args)
