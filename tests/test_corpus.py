"""Every file of the nasty corpus decodes as expected or fails with the documented ValueError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ddcolor.images import read_image

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


def test_corpus_is_complete():
    assert len(EXPECTED) >= 30
    assert all((CORPUS / name).is_symlink() or (CORPUS / name).is_file() for name in EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name):
    outcome = EXPECTED[name]
    if outcome[0] == "error":
        with pytest.raises(ValueError, match=outcome[1]):
            read_image(CORPUS / name)
        return
    _, height, width, has_alpha = outcome
    photo = read_image(CORPUS / name)
    assert photo.bgr.shape == (height, width, 3) and photo.bgr.dtype.name == "uint8"
    assert (photo.alpha is not None) == has_alpha
