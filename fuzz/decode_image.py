"""Fuzz the image-decoding entry point (`ddcolor.images.decode_image`) with atheris.

Every input must either decode to a `Photo` or raise the documented `ValueError`; any other
exception, a hang (over `--timeout` seconds) or a crash is a finding. Starts from the nasty-file
corpus in `tests/corpus` and mutates it, coverage-guided through Pillow's Python parsers.

    .venv/bin/python fuzz/decode_image.py [--runs 100000] [--timeout 20]

Exits 0 when the runs end with no finding; otherwise libFuzzer prints the input and the
traceback and saves the input under `--artifacts`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["PIL", "ddcolor"]):
    from PIL import Image

    from ddcolor.images import Photo, decode_image

    Image.init()  # import every format plugin now, so that they are instrumented too

SEEDS = ROOT / "tests" / "corpus"


def check_one_input(data: bytes) -> None:
    try:
        photo = decode_image(data)
    except ValueError:
        return
    pixels = photo.pixels
    assert isinstance(photo, Photo) and pixels.dtype.name == "uint8" and pixels.flags.c_contiguous
    assert pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3)
    assert photo.alpha is None or photo.alpha.shape == pixels.shape[:2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000, help="inputs to try")
    parser.add_argument("--timeout", type=int, default=20, help="seconds one input may take")
    parser.add_argument("--max-len", type=int, default=256 * 1024, help="largest input in bytes")
    parser.add_argument("--artifacts", type=Path, default=Path("fuzz-findings"), help="where findings are saved")
    args = parser.parse_args()

    # The seeds go to libFuzzer as a list of files, not a copied corpus folder: libFuzzer ends the process
    # with exit() when its runs are done, so a temporary folder would never be removed (each run left one).
    seeds = [
        str(path)
        for path in sorted(SEEDS.iterdir())
        if path.is_file() and path.suffix != ".json"  # dangling links and the outcome list are not seeds
    ]
    args.artifacts.mkdir(parents=True, exist_ok=True)
    libfuzzer_args = [
        sys.argv[0],
        f"-runs={args.runs}",
        f"-timeout={args.timeout}",
        f"-max_len={args.max_len}",
        "-rss_limit_mb=8192",
        f"-artifact_prefix={args.artifacts.resolve()}/",
        "-print_final_stats=1",
        f"-seed_inputs={','.join(seeds)}",
    ]
    atheris.Setup(libfuzzer_args, check_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
