"""cog.yaml and .dockerignore: what `cog build` / `cog push` will read."""

from __future__ import annotations

import fnmatch
import json

import jsonschema
import pytest
import yaml

from conftest import ROOT, reference_file


def load_cog_yaml(name: str = "cog.yaml") -> dict:
    return yaml.safe_load((ROOT / name).read_text())


@pytest.mark.parametrize("name", ["cog.yaml", "cog-video.yaml"])
def test_cog_yaml_satisfies_the_official_schema(name):
    schema = json.loads(reference_file("cog_config_schema.json").read_text())
    jsonschema.validate(load_cog_yaml(name), schema)


def test_the_video_configuration_builds_the_same_image_around_the_video_predictor():
    video = load_cog_yaml("cog-video.yaml")
    assert video["build"] == load_cog_yaml()["build"]
    assert video["predict"] == "predict_video.py:VideoPredictor"


def test_cog_yaml_builds_for_the_gpu_from_the_pinned_requirements():
    config = load_cog_yaml()
    build = config["build"]
    assert build["gpu"] is True and build["python_version"] == "3.11" and build["cuda"] == "13.0"
    assert build["sdk_version"] == "0.23.1"
    assert config["predict"] == "predict.py:Predictor"
    assert "python_packages" not in build and not build.get("system_packages")
    requirements = (ROOT / build["python_requirements"]).read_text().splitlines()
    pins = [line for line in requirements if line and not line.startswith("#")]
    assert pins and all("==" in line for line in pins)
    assert "torch==2.14.1" in pins and "torchvision==0.29.1" in pins


def ignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path.split("/")[0], p) for p in patterns)


def test_dockerignore_keeps_weights_but_not_caches_or_tests():
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and line[0] != "#"
    ]
    for path in (".venv/bin/python", "tests/test_parity.py", ".git/HEAD", "ddcolor/__pycache__/x.pyc"):
        assert ignored(path, patterns) or ignored(path.replace("ddcolor/", "**/"), patterns), path
    kept = ("weights/ddcolor_modelscope.pth", "weights/ddcolor_modelscope.safetensors")
    kept += ("predict.py", "predict_video.py", "cog-video.yaml")
    for path in kept:
        assert not ignored(path, patterns), path
