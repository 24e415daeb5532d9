"""xorlib.figures.panel: chapter 11's widget panel run headlessly (Agg backend, no browser, no kernel)."""

from __future__ import annotations

import math
import subprocess
import sys

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from traitlets import TraitError

from xorlib.figures import explore, panel

matplotlib.use("Agg")  # plt.show() draws nothing and leaves the figure open for inspection


@pytest.fixture(autouse=True)
def _live_panel(monkeypatch, one_thread):  # one_thread: conftest.py, which closes the figures too
    monkeypatch.delenv("XORLIB_STATIC_OUTPUTS", raising=False)  # conftest.py sets it for the chapters


def controls(box: widgets.interactive) -> dict[str, widgets.Widget]:
    """The panel's settings widgets by description, and the Train button under "Train"."""
    return {w.description: w for w in box.children
            if isinstance(w, widgets.ValueWidget | widgets.Button) and w.description}


def probability_map(fig: Figure) -> np.ndarray:
    """The probability image of the boundary axes (the first one)."""
    images = fig.axes[0].get_images()
    assert len(images) == 1
    return np.asarray(images[0].get_array())  # (200, 200)


def loss_points(fig: Figure) -> int:
    """How many epochs the loss axes (the one labelled "epoch") plots."""
    (ax,) = [ax for ax in fig.axes if ax.get_xlabel() == "epoch"]
    (line,) = ax.get_lines()
    return len(line.get_xdata())


def test_panel_draws_the_default_model_then_retrains_on_train() -> None:
    box = panel.show()
    assert isinstance(box, widgets.interactive)
    first = box.result  # drawn at construction, before any click
    assert isinstance(first, Figure)
    default = explore.explore(hidden=4, lr=0.5, std=0.1, num_epochs=100, batch_size=32, seed=0)
    assert np.array_equal(probability_map(first), probability_map(default))
    assert loss_points(first) == 100

    c = controls(box)
    c["hidden units"].value, c["learning rate"].value, c["noise std"].value = 2, 0.2, 0.2
    c["epochs"].value, c["batch size"].value = 20, 8
    c["Train"].click()
    trained = box.result
    assert isinstance(trained, Figure) and trained is not first  # an error would keep the old figure
    expected = explore.explore(hidden=2, lr=0.2, std=0.2, num_epochs=20, batch_size=8, seed=0)
    assert np.array_equal(probability_map(trained), probability_map(expected))
    assert not np.array_equal(probability_map(trained), probability_map(first))
    assert loss_points(trained) == 20


def test_controls_show_whole_descriptions_and_only_sensible_values() -> None:
    c = controls(panel.show())
    settings = [w for name, w in c.items() if name != "Train"]
    assert len(settings) == 5
    # one description width and one control width: every slider track starts at the same place
    assert len({(w.style.description_width, w.layout.width) for w in settings}) == 1
    assert float(settings[0].style.description_width.removesuffix("em")) >= len("learning rate") * 0.55
    rates = [value for _, value in c["learning rate"].options]
    for rate in rates:  # 1, 2 or 5 times a power of ten
        assert round(rate / 10 ** math.floor(math.log10(rate)), 9) in (1, 2, 5)
    assert min(rates) == 0.01 and max(rates) == 10
    with pytest.raises(TraitError):
        c["learning rate"].value = 0.7
    c["hidden units"].value, c["epochs"].value = 0, 10_000
    assert (c["hidden units"].value, c["epochs"].value) == (1, 300)  # clamped to the slider ends


def test_static_outputs_print_a_note_and_build_nothing(monkeypatch, capsys) -> None:
    monkeypatch.setenv("XORLIB_STATIC_OUTPUTS", "1")
    assert panel.show() is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "run this cell in Jupyter" in out and "make" not in out
    assert plt.get_fignums() == []  # no model was trained or drawn


def test_bad_seed_is_refused_and_import_xorlib_does_not_need_ipywidgets() -> None:
    with pytest.raises(TypeError, match="seed"):
        panel.show(seed=1.5)
    code = "import sys, xorlib; xorlib.figures.panel.show; print('ipywidgets' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_status_line_says_training_while_a_run_is_under_way(monkeypatch) -> None:
    box = panel.show()
    (status,) = [w for w in box.children if isinstance(w, widgets.HTML)]
    assert status.value.startswith("Trained in ")
    seen = []

    def slow_explore(*args, **kwargs):
        seen.append(status.value)  # what the learner reads while the model trains
        return explore.explore(*args, **kwargs)

    monkeypatch.setattr(panel, "explore", slow_explore)
    c = controls(box)
    c["epochs"].value = 10
    c["Train"].click()
    assert seen and seen[0].startswith("<b>Training</b> 4 hidden units for 10 epochs")
    assert status.value.startswith("Trained in ")
    children = list(box.children)
    assert children.index(status) == len(children) - 2  # under the button, above the figure
