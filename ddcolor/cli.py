"""Command line: `python -m ddcolor download ...` and `python -m ddcolor colorize ...`.

`colorize` is made for a folder of family scans: files or folders in, one folder of colorized
photos out, the model loaded once, existing results skipped, bad files reported at the end.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from ddcolor.images import OUTPUT_FORMATS, read_image, write_image
from ddcolor.network import MODEL_SIZES
from ddcolor.pipeline import DEFAULT_INPUT_SIZE, round_input_size
from ddcolor.resample import UPSAMPLE_MODES
from ddcolor.transfer import TRANSFER_METHODS
from ddcolor.weights import WeightsNotFoundError, download_checkpoint, ensure_checkpoint, sizes_for

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif"}

log = logging.getLogger("ddcolor")


def iter_inputs(paths: Sequence[Path]) -> Iterator[Path]:
    """Files as given, and the image files inside folders (recursively, sorted)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            yield path


def output_path_for(source: Path, output_dir: Path, output_format: str) -> Path:
    return output_dir / f"{source.stem}.{output_format}"


def run_download(args: argparse.Namespace) -> int:
    for size in sizes_for(args.model_size):
        try:
            path = download_checkpoint(size)
        except WeightsNotFoundError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"{size}: {path}")
    return 0


def run_colorize(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ddcolor.pipeline import Colorizer

    sources = list(iter_inputs(args.inputs))
    if not sources:
        print("error: no image files found in the given inputs", file=sys.stderr)
        return 2
    args.output.mkdir(parents=True, exist_ok=True)
    todo = [s for s in sources if args.overwrite or not output_path_for(s, args.output, args.format).exists()]
    skipped = len(sources) - len(todo)
    if skipped:
        print(f"skipping {skipped} photo(s) already colorized in {args.output} (use --overwrite to redo them)")
    if not todo:
        return 0
    try:
        checkpoint = ensure_checkpoint(args.model_size)
        colorizer = Colorizer.from_checkpoint(
            checkpoint, model_size=args.model_size, input_size=round_input_size(args.input_size), device=args.device
        )
        reference = read_image(args.reference, what="reference").bgr if args.reference else None
    except (WeightsNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    failures: list[tuple[Path, str]] = []
    with tqdm(todo, unit="img", desc="colorizing") as progress:
        for source in progress:
            try:
                photo = read_image(source)
                result = colorizer.colorize_photo(
                    photo,
                    upsample=args.upsample,
                    reference=reference,
                    reference_method=args.reference_method,
                    reference_strength=args.reference_strength,
                )
                write_image(result, output_path_for(source, args.output, args.format))
            except ValueError as error:
                failures.append((source, str(error)))
    done = len(todo) - len(failures)
    print(f"colorized {done} photo(s) into {args.output}")
    if failures:
        print(f"{len(failures)} photo(s) failed:", file=sys.stderr)
        for source, reason in failures:
            print(f"  {source}: {reason}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ddcolor", description="DDColor photo colorization")
    commands = parser.add_subparsers(dest="command", required=True)

    download = commands.add_parser("download", help="fetch checkpoints from the Hugging Face hub")
    download.add_argument("model_size", nargs="?", default="all", choices=(*MODEL_SIZES, "all"))
    download.set_defaults(run=run_download)

    colorize = commands.add_parser("colorize", help="colorize photos (files or folders)")
    colorize.add_argument("inputs", nargs="+", type=Path, metavar="INPUT")
    colorize.add_argument("--output", "-o", type=Path, required=True, help="folder for the colorized photos")
    colorize.add_argument("--reference", type=Path, help="a color photo whose colors steer the result")
    colorize.add_argument("--reference-method", default="exemplar", choices=TRANSFER_METHODS)
    colorize.add_argument("--reference-strength", type=float, default=1.0, help="0 (none) to 1 (full)")
    colorize.add_argument("--model-size", default="large", choices=MODEL_SIZES)
    colorize.add_argument("--input-size", type=int, default=DEFAULT_INPUT_SIZE, help="working resolution (x32)")
    colorize.add_argument("--format", default="png", choices=OUTPUT_FORMATS)
    colorize.add_argument("--upsample", default=None, choices=UPSAMPLE_MODES, help="chroma upsampling mode")
    colorize.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: GPU if present)")
    colorize.add_argument("--overwrite", action="store_true", help="redo photos whose output exists")
    colorize.set_defaults(run=run_colorize)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = build_parser().parse_args(argv)
    return args.run(args)
