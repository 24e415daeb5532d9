"""Exploring training, introduced in chapter 11 (``11_decision_boundaries``).

The logic behind the chapter's interactive panel and its animation: retrain a
small model from a few settings, keep snapshots of its decision boundary, and
draw them. The panel's widgets are in ``xorlib.figures.panel``.
Every run is seeded, so the same settings always give the same pictures.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Sequence
from html import escape

import matplotlib
import matplotlib.pyplot as plt
import torch
from matplotlib.animation import Animation, FuncAnimation
from matplotlib.figure import Figure

from xorlib import _checks, plotting
from xorlib.classifier import SimpleClassifier
from xorlib.evaluation import accuracy
from xorlib.training import train_fast
from xorlib.xordata import XORDataset

__all__ = ["animation_html", "boundary_animation", "explore", "make_data", "small_multiples",
           "train_with_snapshots"]


def make_data(std: float = 0.1, seed: int = 0, size: int = 200) -> tuple[torch.Tensor, torch.Tensor]:
    """The samples every function here trains on: ``XORDataset(size, std, seed)``'s ``X`` and ``y``.

    Args:
        std (float): the standard deviation of the noise around each corner.
        seed (int): the seed of the samples; the same seed gives the same samples.
        size (int): the number of samples.

    Returns:
        tuple[Tensor, Tensor]: the samples ``X`` and their labels ``y``.

    Shape:
        - X: ``(size, 2)``, float32.
        - y: ``(size,)``, int64 labels 0 or 1.

    Example::

        >>> from xorlib.figures import explore
        >>> X, y = explore.make_data(std=0.1, seed=0, size=40)
        >>> X.shape, y.shape, y.dtype
        (torch.Size([40, 2]), torch.Size([40]), torch.int64)
    """
    data = XORDataset(size, std=std, seed=_checks.seed("seed", seed))
    return data.X, data.y


def train_with_snapshots(hidden: int, lr: float, std: float, num_epochs: int, batch_size: int,
                         seed: int = 0, every: int = 10, size: int = 200
                         ) -> tuple[SimpleClassifier, list[float], list[tuple[int, torch.Tensor]]]:
    """Train ``SimpleClassifier(2, hidden, 1)`` on ``make_data(std, seed, size)`` with ``train_fast``.

    The seed fixes the data, the initial weights and the shuffling, so the same settings always
    give the same run; the caller's global random state is left alone.

    Args:
        hidden (int): the number of hidden units.
        lr (float): the learning rate of plain SGD.
        std (float): the noise of the samples (``make_data``).
        num_epochs (int): epochs to train (0: none, only the initial snapshot).
        batch_size (int): samples per step.
        seed (int): the seed of the whole run.
        every (int): epochs between snapshots.
        size (int): the number of samples.

    Returns:
        tuple: the trained model, the mean loss of each epoch (``num_epochs`` floats), and the
        snapshots ``(epoch, P(class 1) grid)`` from ``plotting.boundary_image``: at epoch 0, every
        ``every`` epochs, and at the last epoch.

    Shape:
        - each snapshot's grid: ``(200, 200)``, float32 probabilities.

    Example::

        >>> from xorlib.figures import explore
        >>> model, losses, snapshots = explore.train_with_snapshots(
        ...     hidden=2, lr=0.5, std=0.1, num_epochs=5, batch_size=16, every=2, size=32)
        >>> len(losses), [epoch for epoch, _ in snapshots]
        (5, [0, 2, 4, 5])
        >>> snapshots[-1][1].shape
        torch.Size([200, 200])
    """
    hidden = _checks.positive_int("hidden", hidden)
    batch_size = _checks.positive_int("batch_size", batch_size)
    num_epochs = _checks.non_negative_int("num_epochs", num_epochs)
    every = _checks.positive_int("every", every)
    lr, seed = _checks.number("lr", lr, positive=True), _checks.seed("seed", seed)
    X, y = make_data(std, seed, size)
    with torch.random.fork_rng(devices=[]):  # seeded init that leaves the caller's global RNG alone
        torch.manual_seed(seed)
        model = SimpleClassifier(2, hidden, 1)
    losses: list[float] = []
    snapshots = [(0, plotting.boundary_image(model))]
    while len(losses) < num_epochs:
        chunk = min(every, num_epochs - len(losses))
        # a fresh shuffling stream per chunk, the same on every run (kept in the range of a seed)
        chunk_seed = (seed * 100_003 + len(losses)) % (_checks.MAX_SEED + 1)
        losses += train_fast(model, X, y, chunk, batch_size, lr, seed=chunk_seed)
        snapshots.append((len(losses), plotting.boundary_image(model)))
    return model, losses, snapshots


def boundary_animation(snapshots: Sequence[tuple[int, torch.Tensor]], X: torch.Tensor, y: torch.Tensor,
                       interval: int = 700, losses: Sequence[float] | None = None) -> FuncAnimation:
    """Animate the snapshots of ``train_with_snapshots`` over the samples ``X``, ``y``.

    Each frame shows for ``interval`` ms (the default plays 13 frames in about 9 s, slow enough
    to see the plateau and the fold); played once, the last frame stays. With ``losses`` each
    title also gives the loss so far. The figure is closed at once (a notebook would otherwise
    also show it as a still image); render the animation with ``animation_html``.

    Args:
        snapshots (Sequence[tuple[int, Tensor]]): ``(epoch, P(class 1) grid)`` pairs, one per frame.
        X (Tensor): the samples drawn under every frame.
        y (Tensor): their labels, 0 or 1.
        interval (int): milliseconds per frame.
        losses (Sequence[float], optional): the loss of each epoch, as ``train_with_snapshots``
            returns them.

    Returns:
        FuncAnimation: one frame per snapshot, not repeated.

    Shape:
        - each snapshot's grid: ``(steps, steps)``, as ``plotting.boundary_image`` returns it.
        - X: ``(N, 2)``.
        - y: ``(N,)``.

    Example::

        >>> from xorlib.figures import explore
        >>> X, y = explore.make_data(size=32)
        >>> _, losses, snapshots = explore.train_with_snapshots(2, 0.5, 0.1, 4, 16, every=2, size=32)
        >>> anim = explore.boundary_animation(snapshots, X, y, losses=losses)
        >>> anim.to_jshtml().count("data:image/png;base64,")  # one frame per snapshot: epochs 0, 2, 4
        3
    """
    if not snapshots:
        raise ValueError("boundary_animation needs at least one snapshot, got none")
    interval = _checks.positive_int("interval", interval)
    fig, ax = plotting.figure()
    artists: list = []
    plotting.scatter(ax, X, y)

    def update(i: int) -> list:
        for artist in artists:
            artist.remove()
        artists[:] = plotting.draw_probability(ax, snapshots[i][1])
        epoch = snapshots[i][0]
        loss = f", loss {losses[epoch - 1]:.2f}" if losses and 0 < epoch <= len(losses) else ""
        ax.set_title(f"epoch {epoch}{loss}")
        return artists

    update(0)
    fig.tight_layout()
    plt.close(fig)
    return FuncAnimation(fig, update, frames=len(snapshots), interval=interval, repeat=False)


def animation_html(anim: Animation, alt: str = "") -> str:
    """Self-contained, deterministic HTML for ``anim``, from matplotlib's ``to_jshtml`` player.

    Changed from matplotlib's page: no link to a CDN (text symbols replace the buttons' icon
    font), an id derived from the page without its frame images (so another processor's
    last-bit differences in a frame keep the id), ``alt`` text on the frame image for readers
    who cannot see it, and a name for the frame slider (``aria-label``), which screen readers
    would otherwise announce as an unlabelled slider. Where the installed matplotlib writes a
    page other than the one these changes were made for, it warns and returns its page as it is.

    Rendering opens no figure; close the animation's own figure when you make it, as
    ``boundary_animation`` does, or a notebook also shows it as a still image.

    Args:
        anim (Animation): the animation to render, every frame embedded as a PNG image.
        alt (str): the text alternative of the frame image.

    Returns:
        str: the player's HTML, the same for the same animation on every run.

    Example::

        >>> from xorlib.figures import explore
        >>> X, y = explore.make_data(size=32)
        >>> _, _, snapshots = explore.train_with_snapshots(2, 0.5, 0.1, 2, 16, every=1, size=32)
        >>> anim = explore.boundary_animation(snapshots, X, y)
        >>> html = explore.animation_html(anim, alt="The boundary over 2 epochs")
        >>> html.count("data:image/png;base64,"), "<link" in html  # 3 frames, no CDN
        (3, False)
        >>> 'aria-label="Animation frame"' in html and 'alt="The boundary over 2 epochs"' in html
        True
    """
    if not isinstance(anim, Animation) or not isinstance(alt, str):
        raise TypeError(f"expected a matplotlib Animation and a str alt text, got {type(anim).__name__} "
                        f"and {type(alt).__name__}")
    html = anim.to_jshtml(default_mode="once")
    changes = _jshtml_changes(html)
    if changes:
        warnings.warn(f"matplotlib {matplotlib.__version__} writes an animation page other than the one "
                      f"xorlib.figures.explore was written for (matplotlib {JSHTML_CHECKED_WITH}): "
                      f"{'; '.join(changes)}. Its page is returned unchanged: it may load icons from a "
                      "CDN and its id changes on every call.", RuntimeWarning, stacklevel=2)
        return html
    return _rewrite_jshtml(html, alt)


# --- matplotlib's JavaScript player, the only place that reads its HTML --------------------------------
# ``Animation.to_jshtml`` (public) fills a template that matplotlib keeps in its private module
# ``matplotlib._animation_data`` (``DISPLAY_TEMPLATE``); matplotlib promises nothing about its text.
# Every assumption about that text is in _JSHTML and the two functions below, checked against
# matplotlib 3.11.2; tests/test_couplings.py renders a page and fails, naming what is gone, when a
# matplotlib release changes one. _static/course.css styles the player by its classes (tested there too).
JSHTML_CHECKED_WITH = "3.11.2"
_JSHTML = {  # what is rewritten: a regular expression each, every one found at least once
    "frame image": r'<img id="_anim_img([0-9a-f]+)"',  # its id's suffix: a fresh uuid4 on every call
    "frame slider": r'<input id="_anim_slider([0-9a-f]+)" type="range"',
    "stylesheet link": r"<link[^>]*>\s*",  # Font Awesome's stylesheet from a CDN
    "button icon": r'<i class="fa fa-([a-z -]+)"></i>',
    "frame data": r"data:image/png;base64,[A-Za-z0-9+/=\\\n]+",  # base64 with escaped line ends
}
# Text symbols for the buttons, by Font Awesome icon; U+FE0E asks for the plain-text glyph, not an emoji.
_ICONS = {"minus": "&minus;", "fast-backward": "|&#9664;&#xFE0E;", "step-backward": "&#9664;&#xFE0E;|",
          "play fa-flip-horizontal": "&#9664;&#xFE0E;", "pause": "&#10074;&#10074;",
          "play": "&#9654;&#xFE0E;", "step-forward": "|&#9654;&#xFE0E;",
          "fast-forward": "&#9654;&#xFE0E;|", "plus": "+"}
_SLIDER_LABEL = ' aria-label="Animation frame"'  # the accessible name of the frame slider


def _jshtml_changes(html: str) -> list[str]:
    """What ``_rewrite_jshtml`` assumes of a ``to_jshtml`` page and ``html`` lacks; ``[]`` when nothing."""
    changes = [f"no {part} ({pattern})" for part, pattern in _JSHTML.items() if not re.search(pattern, html)]
    icons = re.findall(_JSHTML["button icon"], html)
    if icons and sorted(icons) != sorted(_ICONS):
        changes.append(f"button icons {sorted(icons)} instead of {sorted(_ICONS)}")
    image, slider = re.search(_JSHTML["frame image"], html), re.search(_JSHTML["frame slider"], html)
    if image and slider and image.group(1) != slider.group(1):
        changes.append("the frame image and slider ids differ in their suffix")
    return changes


def _rewrite_jshtml(html: str, alt: str) -> str:
    """``animation_html``'s changes to a ``to_jshtml`` page that ``_jshtml_changes`` found as assumed."""
    alt_attr = f' alt="{escape(alt, quote=True)}"'
    html = re.sub(_JSHTML["frame image"], lambda m: m.group(0) + alt_attr, html)
    html = re.sub(_JSHTML["frame slider"], lambda m: m.group(0) + _SLIDER_LABEL, html)
    html = re.sub(_JSHTML["stylesheet link"], "", html)
    html = re.sub(_JSHTML["button icon"], lambda m: _ICONS[m.group(1)], html)
    random_id = re.search(_JSHTML["frame image"], html).group(1)  # uuid4: everywhere the player names itself
    page = re.sub(_JSHTML["frame data"], "", html.replace(random_id, ""))
    stable_id = hashlib.sha256(page.encode()).hexdigest()[:32]
    return html.replace(random_id, stable_id)


def small_multiples(hidden_sizes: Sequence[int], lr: float = 0.5, std: float = 0.1, num_epochs: int = 100,
                    batch_size: int = 32, seed: int = 0, size: int = 200) -> Figure:
    """Train one model per hidden size (same data, same seed) and draw their boundaries side by side.

    Each panel's title gives the hidden size and the training accuracy; at most three panels a
    row, one legend under them all.

    Args:
        hidden_sizes (Sequence[int]): one model and one panel per size, in order.
        lr (float): the learning rate of every model.
        std (float): the noise of the samples (``make_data``).
        num_epochs (int): epochs to train each model.
        batch_size (int): samples per step.
        seed (int): the seed of every run (data, initial weights, shuffling).
        size (int): the number of samples.

    Returns:
        Figure: one axes per hidden size.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib.figures import explore
        >>> fig = explore.small_multiples([1, 3], num_epochs=2, batch_size=16, size=32)
        >>> [ax.get_title().split()[0] for ax in fig.axes]
        ['1', '3']
        >>> plt.close(fig)
    """
    if len(hidden_sizes) == 0:
        raise ValueError("small_multiples needs at least one hidden size")
    cols = min(3, len(hidden_sizes))  # at most three a row, so each map stays readable on a page
    rows = -(-len(hidden_sizes) // cols)
    fig, axes = plotting.figure(rows, cols, figsize=(2.5 * cols, 2.9 * rows + 0.3), squeeze=False,
                            layout="constrained")
    for ax in axes.flat[len(hidden_sizes):]:
        fig.delaxes(ax)  # empty slots of the last row
    X, y = make_data(std, seed, size)
    for ax, hidden in zip(axes.flat, hidden_sizes, strict=False):
        model, _, _ = train_with_snapshots(hidden, lr, std, num_epochs, batch_size, seed,
                                           every=num_epochs or 1, size=size)
        acc = accuracy(model, [(X, y)])
        plotting.decision_boundary(model, X, y, title=f"{hidden} hidden: {acc:.0%}", ax=ax, legend=False)
        ax.set(xticks=[0, 1], yticks=[0, 1])  # the corners; fewer, larger tick labels
        ax.tick_params(labelsize=11)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)  # one, under all maps
    return fig


def explore(hidden: int, lr: float, std: float, num_epochs: int, batch_size: int, seed: int = 0,
            size: int = 200) -> Figure:
    """Retrain from these settings; draw the decision boundary and the loss curve side by side.

    The figure of chapter 11's panel (``xorlib.figures.panel.show``), one per click of Train.

    Args:
        hidden (int): the number of hidden units.
        lr (float): the learning rate.
        std (float): the noise of the samples (``make_data``).
        num_epochs (int): epochs to train.
        batch_size (int): samples per step.
        seed (int): the seed of the run (data, initial weights, shuffling).
        size (int): the number of samples.

    Returns:
        Figure: the boundary, titled with the training accuracy, and the loss of each epoch.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib.figures import explore
        >>> fig = explore.explore(hidden=2, lr=0.5, std=0.1, num_epochs=3, batch_size=16, size=32)
        >>> len(fig.axes[1].lines[0].get_xdata())  # one loss per epoch
        3
        >>> plt.close(fig)
    """
    model, losses, _ = train_with_snapshots(hidden, lr, std, num_epochs, batch_size, seed,
                                            every=num_epochs or 1, size=size)
    X, y = make_data(std, seed, size)
    fig, (left, right) = plotting.figure(1, 2, figsize=(8.5, 3.8))
    plotting.decision_boundary(model, X, y, title=f"accuracy {accuracy(model, [(X, y)]):.0%}", ax=left)
    right.plot(range(1, len(losses) + 1), losses)
    right.set(xlabel="epoch", ylabel="mean BCE loss", title="training loss")
    right.grid(alpha=0.3)
    fig.tight_layout()
    return fig
