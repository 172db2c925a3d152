"""Finding and fetching checkpoints, and the folder command line."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from conftest import ROOT, gradient_photo, offline_env
from ddcolor import cli
from ddcolor.cli import main
from ddcolor.images import read_image
from ddcolor.pipeline import MAX_INPUT_SIZE, MIN_INPUT_SIZE
from ddcolor.weights import WeightsNotFoundError, ensure_checkpoint, find_checkpoint, write_manifest
from fake_hub import FakeHub

TEXT_OUTPUT = {"capture_output": True, "text": True, "timeout": 60, "cwd": "/"}


def test_missing_checkpoint_without_network_fails_at_once_and_says_how_to_fix_it(tmp_path):
    started = time.monotonic()
    with pytest.raises(WeightsNotFoundError) as raised:
        ensure_checkpoint("large", tmp_path)  # HF_HUB_OFFLINE is set for the whole test run
    assert time.monotonic() - started < 5
    message = str(raised.value)
    assert "ddcolor_modelscope.pth" in message
    assert str(tmp_path) in message
    assert "python -m ddcolor download large" in message
    assert "DDCOLOR_WEIGHTS_DIR" in message


def test_weights_dir_comes_from_the_environment(tmp_path, monkeypatch, tiny_checkpoint):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(tiny_checkpoint.parent))
    assert find_checkpoint("tiny") == tiny_checkpoint
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(tmp_path))
    assert find_checkpoint("tiny") is None


def test_an_installed_copy_keeps_its_weights_in_the_users_cache(tmp_path):
    """`pip install .` puts the package alone in site-packages, where a `weights/` beside it is no one's;
    in the project (a checkout, the Cog image) the weights stay in its `weights/`."""
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "ddcolor", site / "ddcolor", ignore=shutil.ignore_patterns("__pycache__"))
    ask = "from ddcolor.weights import weights_dir; print(weights_dir())"
    env = {"PATH": os.environ["PATH"], "XDG_CACHE_HOME": str(tmp_path / "cache")}
    installed = subprocess.run([sys.executable, "-c", ask], env=env | {"PYTHONPATH": str(site)}, **TEXT_OUTPUT)
    assert installed.stdout.strip() == str(tmp_path / "cache" / "ddcolor"), installed.stderr
    checkout = subprocess.run([sys.executable, "-c", ask], env=env | {"PYTHONPATH": str(ROOT)}, **TEXT_OUTPUT)
    assert checkout.stdout.strip() == str(ROOT / "weights"), checkout.stderr


def test_download_command_fails_cleanly_offline(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(tmp_path))
    assert main(["download", "tiny"]) == 1
    assert "ddcolor_paper_tiny.pth" in capsys.readouterr().err


SMALL_RUN = ["--model-size", "tiny", "--input-size", str(MIN_INPUT_SIZE)]  # the fastest run the CLI allows


def write_gray_photo(path: Path, seed: int) -> np.ndarray:
    path.parent.mkdir(parents=True, exist_ok=True)
    gray = cv2.cvtColor(gradient_photo(60, 80, seed), cv2.COLOR_BGR2GRAY)
    cv2.imwrite(str(path), gray)
    return read_image(path).pixels  # as decoded (JPEG is lossy)


def files_under(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def scans(tmp_path) -> Path:
    folder = tmp_path / "scans"
    (folder / "album").mkdir(parents=True)
    for name, seed in (("grandma.jpg", 1), ("album/wedding.png", 2)):
        gray = cv2.cvtColor(gradient_photo(60, 80, seed), cv2.COLOR_BGR2GRAY)
        cv2.imwrite(str(folder / name), gray)
    (folder / "notes.jpg").write_text("not a photo")
    return folder


def test_colorize_command_processes_a_folder_and_reports_failures(scans, tmp_path, monkeypatch, capsys, weights_dir):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    out = tmp_path / "out"
    args = ["colorize", str(scans), "--output", str(out), *SMALL_RUN]
    assert main(args) == 1  # one bad file
    assert files_under(out) == ["album/wedding.png", "grandma.png"]  # subfolders kept
    assert cv2.imread(str(out / "grandma.png")).shape == (60, 80, 3)
    err = capsys.readouterr().err
    assert "1 photo(s) failed" in err and "notes.jpg" in err and "not a picture" in err

    before = (out / "grandma.png").stat().st_mtime_ns
    main(args)
    assert "skipping 2 photo(s) already colorized" in capsys.readouterr().out
    assert (out / "grandma.png").stat().st_mtime_ns == before

    (scans / "notes.jpg").unlink()
    assert main([*args, "--overwrite", "--format", "jpg"]) == 0
    assert (out / "album" / "wedding.jpg").exists()


def test_an_unexpected_fault_with_one_photo_does_not_lose_the_rest(scans, tmp_path, monkeypatch, capsys, weights_dir):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    (scans / "notes.jpg").unlink()
    real_write = cli.write_image

    def write_or_fail(photo, path):
        if path.name == "grandma.png":
            raise RuntimeError("something no one foresaw")
        return real_write(photo, path)

    monkeypatch.setattr(cli, "write_image", write_or_fail)
    out = tmp_path / "out"
    assert main(["colorize", str(scans), "--output", str(out), *SMALL_RUN]) == 1
    assert files_under(out) == ["album/wedding.png"]
    err = capsys.readouterr().err
    assert "1 photo(s) failed" in err and "grandma.jpg" in err and "RuntimeError: something no one foresaw" in err


def test_a_panorama_the_output_format_cannot_hold_fails_before_it_is_colorized(
    tmp_path, monkeypatch, capsys, weights_dir
):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    cv2.imwrite(str(tmp_path / "harbour.png"), np.full((4, 16_400), 128, np.uint8))
    colorized = []
    monkeypatch.setattr(cli.Colorizer, "colorize_photo", lambda self, photo, **options: colorized.append(photo))
    assert (
        main(
            [
                "colorize",
                str(tmp_path / "harbour.png"),
                "--output",
                str(tmp_path / "out"),
                "--format",
                "webp",
                *SMALL_RUN,
            ]
        )
        == 1
    )
    assert "webp holds at most 16383 pixels a side, so choose png" in capsys.readouterr().err and not colorized


def test_photos_of_one_name_keep_their_folders_and_each_gets_its_own_output(tmp_path, monkeypatch, capsys, weights_dir):
    """A scan archive numbered per year, and one scan kept both as JPEG and as PNG."""
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    archive = tmp_path / "archive"
    names = ("1950/img001.jpg", "1951/img001.jpg", "bw.jpg", "bw.png")
    sources = {name: write_gray_photo(archive / name, seed) for seed, name in enumerate(names)}
    out = tmp_path / "out"
    assert main(["colorize", str(archive), "-o", str(out), *SMALL_RUN]) == 0
    assert "colorized 4 photo(s)" in capsys.readouterr().out
    written = {"1950/img001.jpg": "1950/img001.png", "1951/img001.jpg": "1951/img001.png"}
    written |= {"bw.jpg": "bw.jpg.png", "bw.png": "bw.png.png"}  # one name in one folder: each keeps its suffix
    assert files_under(out) == sorted(written.values())
    for name, output in written.items():  # each output is its own photo colorized: it keeps that photo's lightness
        lightness = cv2.cvtColor(cv2.imread(str(out / output)), cv2.COLOR_BGR2GRAY).astype(int)
        closest = min(sources, key=lambda source: np.abs(lightness - sources[source]).mean())
        assert closest == name


def test_one_name_given_from_two_folders_is_refused_before_any_work(tmp_path, capsys):
    first, second = tmp_path / "a" / "x.jpg", tmp_path / "b" / "x.jpg"
    write_gray_photo(first, 1)
    write_gray_photo(second, 2)
    out = tmp_path / "out"
    assert main(["colorize", str(first), str(second), "-o", str(out)]) == 2  # no weights here: nothing was loaded
    err = capsys.readouterr().err
    assert str(first) in err and str(second) in err and str(out / "x.png") in err
    assert not out.exists()


def test_results_inside_the_scanned_folder_are_never_read_back_as_photos(tmp_path, monkeypatch, capsys, weights_dir):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    scans = tmp_path / "scans"
    for seed, name in enumerate(("a.jpg", "b.jpg")):
        write_gray_photo(scans / name, seed)
    out = scans / "colorized"
    args = ["colorize", str(scans), "-o", str(out), *SMALL_RUN]
    assert main(args) == 0
    assert main(args) == 0
    assert "skipping 2 photo(s) already colorized" in capsys.readouterr().out
    assert main([*args, "--format", "jpg", "--overwrite"]) == 0
    assert "colorized 2 photo(s)" in capsys.readouterr().out
    assert files_under(out) == ["a.jpg", "a.png", "b.jpg", "b.png"]


def test_a_photo_given_through_a_link_keeps_the_originals_beside_its_target(tmp_path, capsys):
    real, links = tmp_path / "real", tmp_path / "links"
    write_gray_photo(real / "b.jpg", 1)
    write_gray_photo(real / "b.png", 2)  # another original
    links.mkdir()
    (links / "b.jpg").symlink_to(real / "b.jpg")
    original = (real / "b.png").read_bytes()
    assert main(["colorize", str(links / "b.jpg"), "-o", str(real), "--overwrite"]) == 1
    assert "may be an original" in capsys.readouterr().err and (real / "b.png").read_bytes() == original


def test_a_folder_inside_the_output_folder_is_searched_whole(tmp_path, monkeypatch, capsys, weights_dir):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    scans = tmp_path / "scans"
    write_gray_photo(scans / "1950" / "img001.jpg", 1)
    assert main(["colorize", str(scans / "1950"), "-o", str(scans), *SMALL_RUN]) == 0
    assert "colorized 1 photo(s)" in capsys.readouterr().out
    assert files_under(scans) == ["1950/img001.jpg", "img001.png"]
    # Now scans/img001.png might as well be another original scan: never replaced, --overwrite or not.
    before = (scans / "img001.png").read_bytes()
    assert main(["colorize", str(scans / "1950"), "-o", str(scans), "--overwrite", *SMALL_RUN]) == 1
    assert "may be an original" in capsys.readouterr().err
    assert (scans / "img001.png").read_bytes() == before


def test_a_run_that_would_write_over_an_original_is_refused_before_any_work(tmp_path, capsys):
    scans = tmp_path / "scans"
    write_gray_photo(scans / "a.png", 1)
    original = (scans / "a.png").read_bytes()
    assert main(["colorize", str(scans), "-o", str(scans), "--overwrite"]) == 2
    assert f"the output folder {scans} is the input folder" in capsys.readouterr().err
    assert main(["colorize", str(scans / "a.png"), "-o", str(scans), "--overwrite"]) == 2
    assert f"would be written over the input {scans / 'a.png'}" in capsys.readouterr().err
    assert files_under(scans) == ["a.png"] and (scans / "a.png").read_bytes() == original


def test_an_original_beside_a_photo_colorized_into_its_own_folder_is_never_replaced(tmp_path, capsys):
    """`a.png` beside `a.jpg` may be another scan, not an earlier result: kept, `--overwrite` or not."""
    scans = tmp_path / "scans"
    write_gray_photo(scans / "a.jpg", 1)
    write_gray_photo(scans / "a.png", 2)
    original = (scans / "a.png").read_bytes()
    for extra in ([], ["--overwrite"]):
        assert main(["colorize", str(scans / "a.jpg"), "-o", str(scans), *extra]) == 1  # nothing done: no weights
        said = capsys.readouterr().err
        assert f"not writing {scans / 'a.png'}: it exists in the folder of a.jpg and may be an original" in said
    assert files_under(scans) == ["a.jpg", "a.png"] and (scans / "a.png").read_bytes() == original


@pytest.mark.parametrize("command", ["colorize", "colorize-video"])
def test_an_output_that_is_a_file_is_refused_in_one_line(tmp_path, capsys, command):
    source, output = tmp_path / "a.jpg", tmp_path / "results"
    write_gray_photo(source, 1)
    output.write_text("a file, not a folder")
    assert main([command, str(source), "-o", str(output)]) == 2
    assert capsys.readouterr().err == f"error: --output {output} is a file (or lies under one); give a folder\n"


def test_broken_and_looping_links_in_a_folder_are_listed_among_the_failures(tmp_path, monkeypatch, capsys, weights_dir):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    scans = tmp_path / "scans"
    write_gray_photo(scans / "a.jpg", 1)
    (scans / "gone.jpg").symlink_to(tmp_path / "moved-away.jpg")
    assert main(["colorize", str(scans), "-o", str(tmp_path / "out"), *SMALL_RUN]) == 1
    assert f"{scans / 'gone.jpg'}: cannot read the image file" in capsys.readouterr().err
    assert files_under(tmp_path / "out") == ["a.png"]
    (scans / "gone.jpg").unlink()
    (scans / "loop.jpg").symlink_to(scans / "loop.jpg")  # a link to itself: resolving it raises
    assert main(["colorize", str(scans), "-o", str(tmp_path / "out"), "--overwrite", *SMALL_RUN]) == 1
    assert f"{scans / 'loop.jpg'}: cannot read the image file" in capsys.readouterr().err


@pytest.mark.parametrize("size", [MAX_INPUT_SIZE * 5, 0, -64])
def test_an_input_size_the_predictor_would_refuse_is_refused_in_one_line(tmp_path, capsys, size):
    photo = tmp_path / "bw.png"
    write_gray_photo(photo, 1)
    for command in ("colorize", "colorize-video"):
        assert main([command, str(photo), "-o", str(tmp_path / "out"), "--input-size", str(size)]) == 1
        message = f"--input-size must be a number from {MIN_INPUT_SIZE} to {MAX_INPUT_SIZE}, got {size}"
        assert capsys.readouterr().err == f"error: {message}\n"


def test_a_device_that_is_not_there_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    photo = tmp_path / "bw.png"
    write_gray_photo(photo, 1)
    run = ["colorize", str(photo), "-o", str(tmp_path / "out"), "--device"]
    assert main([*run, "tpu"]) == 1
    assert (
        capsys.readouterr().err == "error: --device tpu is no device; choose cpu, cuda or cuda:N (the GPU numbered N)\n"
    )

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # a machine without a GPU
    for command in ("colorize", "colorize-video"):
        assert main([command, *run[1:], "cuda"]) == 1
        assert capsys.readouterr().err == "error: no CUDA GPU found; use --device cpu\n"

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a machine with one GPU
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert main([*run, "cuda:1"]) == 1
    assert capsys.readouterr().err == "error: --device cuda:1: this machine has 1 CUDA GPU(s); the last is cuda:0\n"


def test_help_shows_the_devices(capsys):
    with pytest.raises(SystemExit):
        main(["colorize", "--help"])
    assert "--device {cpu,cuda,cuda:N}" in capsys.readouterr().out


def test_a_bad_reference_or_strength_is_refused_once_before_any_photo(tmp_path, monkeypatch, capsys, weights_dir):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    scans, out = tmp_path / "scans", tmp_path / "out"
    for seed in range(3):
        write_gray_photo(scans / f"{seed}.png", seed)
    color, gray = tmp_path / "color.png", tmp_path / "gray.png"
    cv2.imwrite(str(color), gradient_photo(60, 80, 5))
    write_gray_photo(gray, 5)
    run = ["colorize", str(scans), "-o", str(out), *SMALL_RUN]

    video_run = ["colorize-video", str(scans / "0.png"), "-o", str(out)]
    for command in (run, video_run):
        assert main([*command, "--reference", str(color), "--reference-strength", "2"]) == 1
        assert capsys.readouterr().err == "error: --reference-strength must be a number from 0 to 1, got 2.0\n"
    for command in (run, video_run):
        assert main([*command, "--reference", str(gray)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: --reference {gray}: the reference is not a color photo")
        assert err.count("\n") == 1  # once, not once per photo
    assert not out.exists()  # refused before any work


def test_colorize_video_given_a_folder_says_it_takes_video_files(tmp_path, capsys):
    folder = tmp_path / "films"
    folder.mkdir()
    assert main(["colorize-video", str(folder), "-o", str(tmp_path / "out")]) == 2
    message = f"colorize-video takes video files, not folders; {folder} is a folder"
    assert capsys.readouterr().err.startswith(f"error: {message} (give the videos in it, e.g. {folder / '*.mp4'})")


def test_colorize_command_with_missing_weights_fails_in_seconds(tmp_path):
    """The README's first command on a machine with no weights and no network."""
    env = offline_env(tmp_path, str(Path(sys.executable).parent))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "ddcolor", "colorize", str(ROOT / "examples" / "cameraman.jpg"), "-o", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "ddcolor_modelscope.pth" in done.stderr and "python -m ddcolor download" in done.stderr
    assert time.monotonic() - started < 30


def test_colorize_command_writes_the_sample_photo(tmp_path, weights_dir, monkeypatch, tiny_colorizer):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    out = tmp_path / "colorized"
    sample = ROOT / "examples" / "cameraman.jpg"
    args = ["colorize", str(sample), "-o", str(out), *SMALL_RUN, "--device", "cpu"]
    assert main(args) == 0
    expected = tiny_colorizer.colorize(read_image(sample).bgr, input_size=MIN_INPUT_SIZE)  # same model, size, device
    assert np.array_equal(cv2.imread(str(out / "cameraman.png")), expected)


def test_a_checkpoint_damaged_after_download_is_caught_by_its_manifest(tmp_path, tiny_checkpoint):
    path = tmp_path / tiny_checkpoint.name
    path.write_bytes(tiny_checkpoint.read_bytes())
    manifest = write_manifest(path)
    assert json.loads(manifest.read_text())["size"] == path.stat().st_size
    assert ensure_checkpoint("tiny", tmp_path) == path
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)  # an interrupted copy or a full disk
    with pytest.raises(WeightsNotFoundError, match=r"damaged.*python -m ddcolor download"):
        ensure_checkpoint("tiny", tmp_path)


def download_command(weights: Path, hub_url: str) -> subprocess.CompletedProcess:
    """`python -m ddcolor download tiny` in a fresh process, against a loopback hub."""
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update(HF_ENDPOINT=hub_url, DDCOLOR_WEIGHTS_DIR=str(weights), HF_HUB_DISABLE_PROGRESS_BARS="1")
    command = [sys.executable, "-m", "ddcolor", "download", "tiny"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_an_interrupted_download_is_never_loaded_and_the_next_run_completes_it(tmp_path, tiny_checkpoint):
    weights = tmp_path / "weights"
    name = tiny_checkpoint.name
    with FakeHub({name: tiny_checkpoint}) as hub:
        hub.cut = True
        first = download_command(weights, hub.url)
        assert first.returncode == 1
        assert f"Downloading {name}" in first.stderr and "python -m ddcolor download tiny" in first.stderr
        assert find_checkpoint("tiny", weights) is None  # nothing half-written under a name we load
        with pytest.raises(WeightsNotFoundError):
            ensure_checkpoint("tiny", weights, download=False)
        assert not list(weights.rglob("*.incomplete"))

        # A run that was killed outright leaves its partial file; the next run clears it.
        partial = weights / ".cache" / "huggingface" / "download" / f"{name}.0a1b2c3d.incomplete"
        partial.write_bytes(b"\0" * 1000)
        os.utime(partial, (time.time() - 3600, time.time() - 3600))

        hub.cut = False
        second = download_command(weights, hub.url)
        assert second.returncode == 0, second.stderr
    downloaded = weights / name
    assert downloaded.read_bytes() == tiny_checkpoint.read_bytes()
    manifest = json.loads((weights / f"{name}.manifest.json").read_text())
    assert manifest["sha256"] == hashlib.sha256(tiny_checkpoint.read_bytes()).hexdigest()
    assert (weights / name).with_suffix(".safetensors").is_file()
    assert not partial.exists()
    assert ensure_checkpoint("tiny", weights, download=False) == downloaded
