"""`make compat`'s one extra exemption masks torch's version number and nothing else.

The chapters are re-run under a newer torch against the outputs stored with the pinned one, so
the version they print differs. tests/sanitize-compat.cfg must hide exactly that: a changed
device, word or other number on the same line is still a difference nbval reports.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from nbval.plugin import get_sanitize_patterns

from xorlib.hardware import provenance

TESTS = Path(__file__).resolve().parent
COMPAT = (TESTS / "sanitize-compat.cfg").read_text()
CHAPTERS = sorted((TESTS.parent / "chapters").glob("*.ipynb"))
STORED = "Outputs verified with torch 2.13.0 on device: cpu"


def masked(text: str) -> str:
    """``text`` after the compat section alone, applied the way nbval applies a sanitize file."""
    for regex, replace in get_sanitize_patterns(COMPAT):
        text = re.sub(regex, replace, text)
    return text


# (stored output, output under another torch): equal once the version is masked
MUST_MASK = [
    (STORED, "Outputs verified with torch 2.14.1 on device: cpu"),
    (STORED + "\n", "Outputs verified with torch 2.14.1 on device: cpu\n"),
    ("Outputs verified with torch 2.13.0 on device: NVIDIA H200",
     "Outputs verified with torch 2.14.1 on device: NVIDIA H200"),
    ("Outputs verified with torch 2.13.0 on device: DEVICE",  # after tests/sanitize.cfg's [device]
     "Outputs verified with torch 2.14.1 on device: DEVICE"),
    ("torch 2.13.0\n", "torch 2.14.1\n"),
    ("torch 2.13.0", "torch 10.0.12"),
    ("loss 0.25\ntorch 2.13.0\nsteps 7\n", "loss 0.25\ntorch 2.14.1\nsteps 7\n"),
]

# (stored output, output under another torch): must still differ
NEAR_MISSES = [
    (STORED, "Outputs verified with torch 2.14.1 on device: cuda"),  # changed device
    (STORED, "Outputs verified with torch 2.14.1 on device: cpu0"),  # device with a number added
    (STORED, "Outputs verified with torch 2.14.1 on device:  cpu"),  # changed spacing
    (STORED, "Outputs checked with torch 2.14.1 on device: cpu"),  # changed word
    (STORED, "Outputs verified with numpy 2.14.1 on device: cpu"),  # another library's version
    (STORED, "Outputs verified with torch 2.14.1 on devices: cpu"),  # changed word after the version
    (STORED, "Outputs verified with torch 2.14.1.1 on device: cpu"),  # not a three-part version
    ("torch 2.13.0\n", "torch 2.14.1 (cpu)\n"),  # more on the line
    ("torch 2.13.0\n", "torch 2.14\n"),  # not a three-part version
    ("torch 2.13.0\n", "  torch 2.14.1\n"),  # indented: not the line a chapter prints
    ("loss 0.25\ntorch 2.13.0\n", "loss 0.26\ntorch 2.14.1\n"),  # another number in the same output
    ("mean 2.13.0\n", "mean 2.14.1\n"),  # a version-like number that is not torch's
    ("Trained with torch 2.13.0\n", "Trained with torch 2.14.1\n"),  # torch's version mid-sentence
]


@pytest.mark.parametrize(("stored", "fresh"), MUST_MASK)
def test_masks_the_torch_version(stored: str, fresh: str) -> None:
    assert masked(stored) == masked(fresh)
    assert "VERSION" in masked(fresh)


@pytest.mark.parametrize(("stored", "fresh"), NEAR_MISSES)
def test_leaves_every_other_change_visible(stored: str, fresh: str) -> None:
    assert masked(stored) != masked(fresh)


def test_masks_only_the_digits() -> None:
    assert masked("Outputs verified with torch 2.14.1 on device: cpu\n") == (
        "Outputs verified with torch VERSION on device: cpu\n")


def test_covers_the_line_provenance_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    """xorlib.hardware.provenance under a newer CUDA build still matches the stored CPU line."""
    monkeypatch.setattr(torch, "__version__", "2.14.1+cu130")
    assert provenance("cpu") == "Outputs verified with torch 2.14.1 on device: cpu"
    assert masked(provenance("cpu")) == masked(STORED)


def test_covers_every_torch_version_a_chapter_prints() -> None:
    """Each stored output line that names torch's version is masked, or compat would fail on it."""
    found = 0
    for chapter in CHAPTERS:
        for cell in json.loads(chapter.read_text())["cells"]:
            for output in cell.get("outputs", []):
                text = "".join(output.get("text", []))
                for line in text.splitlines():
                    if re.search(r"torch \d+\.\d+\.\d+", line):
                        found += 1
                        assert not re.search(r"\d+\.\d+\.\d+", masked(line)), f"{chapter.name}: {line!r}"
    assert found >= len(CHAPTERS)  # every chapter prints its provenance line


def test_read_by_nbval_after_the_common_sanitizers() -> None:
    """`make compat` appends this file to tests/sanitize.cfg; nbval must then read both, in order."""
    common = (TESTS / "sanitize.cfg").read_text()
    combined = get_sanitize_patterns(common + "\n" + COMPAT)
    assert combined == get_sanitize_patterns(common) + get_sanitize_patterns(COMPAT)
    assert len(get_sanitize_patterns(COMPAT)) == 1  # the one extra exemption
