"""The figure comparison that conftest.py adds to nbval: what it must catch and what it must let pass."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from nbval_figures import FRAME, TOLERANCE, figure_differences, pixels, rms, split_figures, with_figures
from PIL import Image

from xorlib import plotting
from xorlib.classifier import SimpleClassifier
from xorlib.figures import explore, hidden_units

ROOT = Path(__file__).resolve().parent.parent


def stored_outputs(chapter: str) -> list[list[dict]]:
    """The outputs of each code cell of a chapter, as nbval reads them (strings joined)."""
    nb = json.loads((ROOT / "chapters" / chapter).read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    def joined(data: dict) -> dict:
        return {k: "".join(v) if isinstance(v, list) else v for k, v in data.items()}

    return [[{**o, "data": joined(o.get("data", {}))} for o in c["outputs"]] for c in cells]


def stored_images() -> list[tuple[str, str]]:
    """(where, base64 PNG) of every stored figure and animation frame in the chapters."""
    found = []
    for chapter in sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb")):
        for i, outputs in enumerate(stored_outputs(chapter)):
            images = split_figures(outputs)[1]
            found += [(f"{chapter[:2]}-cell{i}-image{j}", png) for j, png in enumerate(images)]
    return found


def encode(image: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(image.astype(np.uint8)).save(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


IMAGES = stored_images()


def test_every_figure_and_frame_is_found() -> None:
    assert len(IMAGES) >= 7 + 13, "the chapters store 7 figures and a 13-frame animation"


@pytest.mark.parametrize(("where", "png"), IMAGES, ids=[w for w, _ in IMAGES])
def test_visible_edits_fail_and_last_bits_pass(where: str, png: str) -> None:
    image = pixels(png).astype(np.int16)  # RGBA
    blank, recoloured = np.full_like(image, 255), image[..., [2, 1, 0, 3]]  # red and blue swapped
    shifted = np.roll(image, 2, axis=1)  # the whole drawing moved two pixels right
    for edit in (blank, recoloured, shifted, see_through(image)):
        assert figure_differences([encode(edit)], [png]), f"{where}: a visible edit passes"
    noise = image.copy()
    flip = np.random.default_rng(0).random(image.shape[:2]) < 0.01  # 1% of pixels one level off
    noise[flip] = np.clip(noise[flip] + 1, 0, 255)
    assert figure_differences([encode(noise)], [png]) == [], f"{where}: last-bit noise fails"
    assert figure_differences([png], [png]) == []


def see_through(image: np.ndarray) -> np.ndarray:
    """``image`` (RGBA) with its white pixels made fully transparent: every colour value kept."""
    edited = image.copy()
    edited[(image[..., :3] == 255).all(axis=-1), 3] = 0
    return edited


def drawn(losses: list[float], transparent: bool = False) -> str:
    plotting.loss_curve(losses)
    buffer = io.BytesIO()
    plt.gcf().savefig(buffer, format="png", bbox_inches="tight", transparent=transparent)
    plt.close("all")
    return base64.b64encode(buffer.getvalue()).decode()


def test_a_slightly_shifted_curve_fails() -> None:
    losses = list(0.69 * np.exp(-np.linspace(0, 5, 100)))
    assert rms(pixels(drawn(losses)), pixels(drawn(losses))) == 0.0  # redrawing is exact
    assert rms(pixels(drawn(losses)), pixels(drawn([x + 0.001 for x in losses]))) > TOLERANCE


def test_a_figure_made_transparent_fails() -> None:
    """Alpha is compared: a figure whose background turns see-through fails, even where no colour
    value changes (dropping alpha, as a comparison in RGB does, would pass it with RMS 0)."""
    losses = list(0.69 * np.exp(-np.linspace(0, 5, 100)))
    opaque = drawn(losses)
    saved_transparent = drawn(losses, transparent=True)  # savefig(transparent=True): no background
    assert figure_differences([saved_transparent], [opaque])
    image = np.asarray(Image.open(io.BytesIO(base64.b64decode(opaque))).convert("RGBA"))
    cleared = see_through(image)
    assert (image[..., 3] == 255).all() and (cleared[..., 3] == 0).mean() > 0.5
    assert (cleared[..., :3] == image[..., :3]).all(), "no colour value changed"
    problems = figure_differences([encode(cleared)], [opaque])
    assert len(problems) == 1 and problems[0].startswith("image 1 differs from the stored one"), problems
    assert figure_differences([opaque], [encode(cleared)]), "either way round"


def test_animation_frames_are_compared_one_by_one() -> None:
    (outputs,) = [o for o in stored_outputs("11_decision_boundaries.ipynb") if "text/html" in str(o)]
    text, frames = split_figures(outputs)
    html = next(o["data"]["text/html"] for o in text if "text/html" in o.get("data", {}))
    assert len(frames) == 13 and "FRAME-13" in html
    assert "base64" not in html, "frames left in the HTML would be compared as text"
    cell = type("Cell", (), {})()
    compare = with_figures(lambda test, ref, skip: True, cell)
    assert compare(outputs, outputs)
    blank = encode(np.full_like(pixels(frames[5]), 255))
    count = iter(range(100))
    def blank_sixth(match):
        return f"data:image/png;base64,{blank}" if next(count) == 5 else match[0]
    edited = [{**o, "data": {k: FRAME.sub(blank_sixth, v) if k == "text/html" else v
                             for k, v in o.get("data", {}).items()}} for o in outputs]
    assert not compare(edited, outputs)
    assert cell.comparison_traceback[0].startswith("image 6 differs"), cell.comparison_traceback
    assert not compare([o for o in outputs if "text/html" not in o.get("data", {})], outputs)


def test_text_failures_still_fail() -> None:
    cell = type("Cell", (), {})()
    assert not with_figures(lambda test, ref, skip: False, cell)([], [])


def test_nbval_fails_on_an_edited_figure() -> None:
    """End to end: `pytest --nbval` on a notebook whose stored figure was blanked fails on that cell.

    The notebook is a small one, executed here as `make outputs` executes a chapter; the chapters
    themselves are each run once per `make test`, by nbval (tests/nbval_record.py).
    """
    work = ROOT / "_build" / "figure-check"  # inside the repository, so conftest.py applies
    work.mkdir(parents=True, exist_ok=True)
    path = work / "figure.ipynb"
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": kernel})
    draw = "import matplotlib.pyplot as plt\n\nplt.plot([0, 1], [1, 0])\nplt.show()"
    nb.cells = [nbformat.v4.new_code_cell("print('a line of text')"), nbformat.v4.new_code_cell(draw)]
    nbformat.write(nb, path)
    subprocess.run([sys.executable, str(ROOT / "tools" / "refresh_outputs.py"), str(path)], check=True,
                   capture_output=True, cwd=work)
    stored = json.loads(path.read_text())
    (figure,) = [o for o in stored["cells"][1]["outputs"] if "image/png" in o.get("data", {})]
    figure["data"]["image/png"] = encode(np.full_like(pixels(figure["data"]["image/png"]), 255))
    path.write_text(json.dumps(stored))
    nbval = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval", "-q", str(path)]
    run = subprocess.run(nbval, capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1, run.stdout[-2000:]
    assert "image 1 differs from the stored one" in run.stdout, run.stdout[-2000:]
    assert run.stdout.strip().splitlines()[-1].startswith("1 failed, 1 passed"), run.stdout[-2000:]


def every_library_figure() -> dict[str, Figure]:
    """One of each figure that xorlib draws, from tiny runs (the layout is what is tested)."""
    X, y = explore.make_data(size=40)
    torch.manual_seed(0)
    model = SimpleClassifier(2, 3, 1)
    return {"samples": plotting.samples(X, y), "loss": plotting.loss_curve([0.7, 0.5, 0.2]),
            "losses": plotting.loss_curve({"a": [0.7, 0.5], "b": [0.7, 0.1], "c": [0.7, 0.6]}),
            "boundary": plotting.decision_boundary(model, X, y),
            "small multiples": explore.small_multiples([1, 2, 3, 4], num_epochs=2, batch_size=16, size=40),
            "explore": explore.explore(3, 0.5, 0.1, 2, 16, size=40),
            "unit lines": hidden_units.unit_lines(model, X, y),
            "hidden space": hidden_units.hidden_space(model, X, y)}


def test_legends_stay_off_the_data_and_backgrounds_are_opaque_white() -> None:
    figures = every_library_figure()
    try:
        for name, fig in figures.items():
            assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0), f"{name}: transparent or tinted background"
            fig.canvas.draw()
            legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + fig.legends
            assert legends, f"{name}: no legend"
            for legend in legends:
                box = legend.get_window_extent()
                for ax in fig.axes:
                    assert not box.overlaps(ax.get_window_extent()), f"{name}: a legend covers an axes"
        for ax in figures["small multiples"].axes:
            sizes = [t.get_fontsize() for t in ax.get_xticklabels() + ax.get_yticklabels()]
            assert sizes and min(sizes) >= 9, f"small multiples: tick labels of {min(sizes)} pt"
    finally:
        plt.close("all")


def test_samples_stand_out_from_the_map_under_them() -> None:
    X, y = explore.make_data(size=40)
    torch.manual_seed(0)
    fig = plotting.decision_boundary(SimpleClassifier(2, 3, 1), X, y)
    ax = fig.axes[0]
    for label, points in enumerate(ax.collections[:2]):
        assert to_hex(points.get_edgecolor()[0]) == "#ffffff", "markers need a white edge"
        face = np.array(to_rgb(points.get_facecolor()[0]))
        # the darkest the map gets under this class: its own colour, faded over white
        alpha = plotting.BOUNDARY_ALPHA
        shade = alpha * np.array(to_rgb(plotting.CLASS_COLORS[label])) + (1 - alpha)
        assert np.abs(face - shade).sum() > 0.5, f"class {label} markers look like the map under them"
    plt.close("all")
