"""Figures under nbval: every re-executed image is compared with the stored one.

nbval compares text outputs and skips ``image/png``. The root ``conftest.py`` wraps each notebook
cell's ``compare_outputs`` with ``with_figures``: the frames of an animation (PNG data inside its
HTML) are replaced by numbered placeholders on both sides, nbval compares the text as before, and
then every figure and every frame is compared as pixels by its RMS difference, the measure of
``matplotlib.testing.compare`` (a 0-255 scale per channel), over red, green, blue and alpha: a
figure whose background turns transparent differs, though its colours stay as they were.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable

import nbformat
import numpy as np
from matplotlib.testing.compare import calculate_rms
from PIL import Image

# The same chapter with the same pinned packages redraws every figure pixel for pixel (RMS 0.0 on
# this machine). What may honestly differ elsewhere is the last bit of a probability on another
# device, which moves a few pixels of a colour map by one level of 256: RMS well under 0.1. The
# smallest visible edit we test for, a loss curve raised by 0.001 (about a pixel), scores 3.8; on
# the stored figures, red and blue swapped score 8 or more, a blank figure 25 or more, and a white
# background made transparent 75 or more (tests/test_figures.py).
TOLERANCE = 1.0

FRAME = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)")


def pixels(png: str | bytes) -> np.ndarray:
    """A base64 PNG (as stored in a notebook) as an RGBA array, alpha kept. Shape: (height, width, 4)."""
    data = base64.b64decode(png) if isinstance(png, str) else png
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def rms(expected: np.ndarray, actual: np.ndarray) -> float:
    """RMS difference of two images of the same size; ``inf`` when their sizes differ."""
    if expected.shape != actual.shape:
        return float("inf")
    return float(calculate_rms(expected.astype(np.int16), actual.astype(np.int16)))


def split_figures(outputs: list[dict]) -> tuple[list[dict], list[str]]:
    """``outputs`` with animation frames replaced by ``FRAME-<i>``, and every image in order.

    Returns the outputs to compare as text and the base64 PNGs: each ``image/png`` output,
    and each frame found inside an ``text/html`` output.
    """
    images: list[str] = []
    kept = []
    for out in outputs:
        out = nbformat.from_dict(out)  # a copy; nbval reads outputs by attribute
        data = out.get("data", {})
        if "image/png" in data:
            images.append(data["image/png"])
        html = data.get("text/html")
        if isinstance(html, str) and FRAME.search(html):
            def placeholder(match: re.Match) -> str:
                images.append(match[1].replace("\\\n", ""))
                return f"FRAME-{len(images)}"

            data["text/html"] = FRAME.sub(placeholder, html)
        kept.append(out)
    return kept, images


def figure_differences(test: list[str], ref: list[str]) -> list[str]:
    """One line per stored image that the re-executed one does not reproduce."""
    if len(test) != len(ref):
        return [f"the cell drew {len(test)} images; {len(ref)} are stored"]
    problems = []
    for i, (fresh, stored) in enumerate(zip(test, ref, strict=True), start=1):
        new, old = pixels(fresh), pixels(stored)
        score = rms(old, new)
        if score > TOLERANCE:
            size = f"{old.shape[1]}x{old.shape[0]} stored, {new.shape[1]}x{new.shape[0]} drawn"
            problems.append(f"image {i} differs from the stored one: RMS {score:.2f} > {TOLERANCE} ({size})")
    return problems


def with_figures(compare: Callable, cell) -> Callable:
    """Wrap nbval's ``cell.compare_outputs(test, ref)`` so figures are compared too."""
    def compare_outputs(test: list[dict], ref: list[dict], skip_compare=None) -> bool:
        test, test_images = split_figures(test)
        ref, ref_images = split_figures(ref)
        if not compare(test, ref, skip_compare):
            return False
        problems = figure_differences(test_images, ref_images)
        cell.comparison_traceback = problems
        return not problems
    return compare_outputs
