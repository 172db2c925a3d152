"""Which files a command-line run reads, and the one output path each gets.

A scan archive is often numbered per folder (`1950/img001.jpg`, `1951/img001.jpg`), so the
output keeps the input's subfolders: `colorize scans -o out` writes `scans/1950/img001.jpg` to
`out/1950/img001.png`. The whole plan is made before any photo is read, so a run that would
write two photos to one file is refused before any work, never found out afterwards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".avif", ".tif", ".tiff", ".bmp", ".gif"}
HINTS_SUFFIX = ".hints.png"  # `<name>.hints.png` beside `<name>.jpg` holds that photo's color hints


class OutputClashError(ValueError):
    """The inputs cannot all be written without one result replacing another file; nothing was done."""


@dataclass(frozen=True)
class Job:
    source: Path
    output: Path
    in_folder: bool  # found by searching a folder: a hints file beside it is its own


def is_hints_file(path: Path) -> bool:
    return path.name.lower().endswith(HINTS_SUFFIX)


def hints_beside(source: Path) -> Path | None:
    """`<name>.hints.png` beside a photo found in a folder, if there."""
    beside = source.with_name(source.stem + HINTS_SUFFIX)
    return beside if beside.is_file() else None


def resolved(path: Path) -> Path:
    """The path with its links followed; a link that loops stays as it is, to fail when it is read."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return path.absolute()


def output_key(path: Path) -> str:
    """Names that differ only in case are one file on macOS and Windows, so they count as one."""
    return str(path).casefold()


def photos_in(folder: Path, output_dir: Path) -> list[Path]:
    """The image files under `folder` (recursively, sorted), but none under `output_dir` when that lies
    inside it: results written inside the folder they came from (`scans -o scans/colorized`) are no
    new photos. (A folder inside the output folder, `scans/1950 -o scans`, is searched whole.) Hints
    files are no photos either."""
    results = resolved(output_dir)
    results_inside = results.is_relative_to(resolved(folder))
    return sorted(
        path
        for path in folder.rglob("*")
        if (path.is_file() or path.is_symlink())  # a broken link is listed, to fail with its reason
        and not path.is_dir()
        and path.suffix.lower() in IMAGE_SUFFIXES
        and not is_hints_file(path)
        and not (results_inside and resolved(path).is_relative_to(results))
    )


def found_inputs(inputs: Sequence[Path], output_dir: Path) -> list[tuple[Path, Path, bool]]:
    """`(source, subfolder of the output, found in a folder)` per file to colorize, each file once:
    files as given (into the output folder itself), folders searched (their subfolders kept).

    An input folder that is the output folder is an `OutputClashError`: results would mix with
    the originals, and `--overwrite` would replace a scan by its colorized copy."""
    found: dict[Path, tuple[Path, Path, bool]] = {}
    for path in inputs:
        if path.is_dir():
            if resolved(path) == resolved(output_dir):
                raise OutputClashError(
                    f"the output folder {output_dir} is the input folder {path}: the results would mix with the "
                    f"originals; give another --output, for example {path / 'colorized'}"
                )
            for source in photos_in(path, output_dir):
                found.setdefault(resolved(source), (source, source.parent.relative_to(path), True))
        elif not is_hints_file(path):
            found.setdefault(resolved(path), (path, Path(), False))
    return list(found.values())


def plan_jobs(inputs: Sequence[Path], output_dir: Path, output_format: str) -> list[Job]:
    """One `Job` per input file, its output `<output_dir>/<subfolders>/<name>.<format>`.

    Inputs that would share an output (`x.jpg` and `x.png` in one folder) each keep their own
    suffix instead: `x.jpg.png` and `x.png.png`. A scan archive's file names are often catalogue
    numbers that its owner would not rename, so both are colorized, under names that say which
    is which and that do not depend on the order the files are found in. Anything still
    shared (the same name given from two folders: `a/x.jpg b/x.jpg`) is an `OutputClashError`
    naming both files, raised before any work; so is an output that would be an input file.
    """
    found = found_inputs(inputs, output_dir)
    originals = {output_key(resolved(source)) for source, _, _ in found}
    plain_outputs = [output_dir / subfolder / f"{source.stem}.{output_format}" for source, subfolder, _ in found]
    sharing = Counter(output_key(output) for output in plain_outputs)
    jobs: list[Job] = []
    claimed: dict[str, Path] = {}
    for (source, _, in_folder), plain in zip(found, plain_outputs, strict=True):
        output = plain.with_name(f"{source.name}.{output_format}") if sharing[output_key(plain)] > 1 else plain
        other = claimed.setdefault(output_key(output), source)
        if other != source:
            raise OutputClashError(
                f"{other} and {source} would both be colorized into {plain}; rename one, "
                "or colorize them into separate --output folders"
            )
        if output_key(resolved(output)) in originals:
            raise OutputClashError(
                f"the result for {source} would be written over the input {output}; give another --output"
            )
        jobs.append(Job(source, output, in_folder))
    return jobs


def may_be_original(job: Job, output_dir: Path) -> bool:
    """Whether a file already at the job's output may be an original rather than an earlier result: so when
    the output folder holds the job's source (`a.png` beside `a.jpg` colorized into their own folder, or
    `scans/1950 -o scans`); such a file is never replaced."""
    holds = Path(output_key(resolved(output_dir)))
    folders = (resolved(job.source.parent), resolved(job.source).parent)  # the link's, and its target's
    return any(Path(output_key(folder)).is_relative_to(holds) for folder in folders)
