"""The interactive panel of chapter 11 (``11_decision_boundaries``): ``panel.show()``.

Sliders for the settings of ``xorlib.figures.explore.explore``, a Train button that
retrains and redraws, and a status line that says a run is under way and how long it took.
ipywidgets is imported only when a panel is built, so ``import xorlib`` works without it. With
``XORLIB_STATIC_OUTPUTS`` set (the tests and the stored outputs of the website) it prints a
one-line note instead.
"""

from __future__ import annotations

import html
import os
import time
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from xorlib import _checks
from xorlib.figures.explore import explore

if TYPE_CHECKING:
    from ipywidgets import interactive

__all__ = ["show"]

_STATIC_NOTE = ("Interactive panel: run this cell in Jupyter, with the chapter's earlier cells run, "
               "to train and redraw.")
# Round learning rates (the 1-2-5 series from 0.01 to 10), shown as typed: "0.05", not "0.050".
_LEARNING_RATES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def show(seed: int = 0) -> interactive | None:
    """Build the panel: sliders, a Train button, and the default model's boundary and loss drawn once.

    Args:
        seed (int): the seed of every run (data, initial weights, shuffling), so settings alone decide.

    Returns:
        ipywidgets.interactive | None: the panel (a notebook displays it as a cell's last value);
        its ``result`` is the ``Figure`` of the latest run (``explore.explore``). ``None`` when
        ``XORLIB_STATIC_OUTPUTS`` is set, after printing a note, since a static page cannot run Python.

    Example::

        >>> from unittest import mock
        >>> from xorlib.figures import panel
        >>> with mock.patch.dict("os.environ", {"XORLIB_STATIC_OUTPUTS": "1"}):  # a static page
        ...     panel.show() is None
        Interactive panel: run this cell in Jupyter, ...
        True

    In Jupyter, with ``XORLIB_STATIC_OUTPUTS`` unset, ``panel.show()`` trains the default model
    (100 epochs), draws it and returns the panel.
    """
    seed = _checks.seed("seed", seed)
    if os.environ.get("XORLIB_STATIC_OUTPUTS"):
        print(_STATIC_NOTE)
        return None
    import ipywidgets as widgets

    # Every description gets the same width (the longest, "learning rate", whole), so all the
    # slider tracks start at the same place; every control is as wide as the others.
    style, layout = {"description_width": "7.5em"}, widgets.Layout(width="26em")
    status = widgets.HTML(layout=widgets.Layout(min_height="1.6em"))  # what the Train button started

    def train_and_draw(hidden: int, lr: float, std: float, num_epochs: int, batch_size: int) -> Figure:
        status.value = f"<b>Training</b> {hidden} hidden units for {num_epochs} epochs &hellip;"
        start = time.perf_counter()
        try:
            fig = explore(hidden, lr, std, num_epochs, batch_size, seed=seed)
        except Exception as exc:  # shown in the panel; the previous figure stays
            status.value = f"<b>Stopped:</b> {html.escape(str(exc))}"
            raise
        status.value = f"Trained in {time.perf_counter() - start:.1f} s. Change a setting and press Train."
        plt.show()  # in Jupyter this draws into the panel's output area and closes the figure
        return fig

    def control(kind: type, **kwargs: object) -> widgets.Widget:
        return kind(style=style, layout=layout, **kwargs)

    box = widgets.interactive(
        train_and_draw, {"manual": True, "manual_name": "Train"},
        hidden=control(widgets.IntSlider, value=4, min=1, max=8, description="hidden units"),
        lr=control(widgets.SelectionSlider, options=[(f"{lr:g}", lr) for lr in _LEARNING_RATES],
                   value=0.5, description="learning rate"),
        std=control(widgets.FloatSlider, value=0.1, min=0.0, max=0.5, step=0.05, description="noise std"),
        num_epochs=control(widgets.IntSlider, value=100, min=10, max=300, step=10, description="epochs"),
        batch_size=control(widgets.Dropdown, options=[8, 32, 128], value=32, description="batch size"),
    )
    box.children = (*box.children[:-1], status, box.children[-1])  # the status line above the figure
    box.update()  # draw the default model before the first click
    return box
