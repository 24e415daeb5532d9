"""Exploring training, introduced in chapter 11 (``11_decision_boundaries``).

The logic behind the chapter's interactive panel and its animation: retrain a
small model from a few settings, keep snapshots of its decision boundary, and
draw them. The panel's widgets are in ``xorlib.figures.panel``.
Every run is seeded, so the same settings always give the same pictures.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from html import escape

import matplotlib.pyplot as plt
import torch
from matplotlib.animation import Animation, FuncAnimation
from matplotlib.figure import Figure

from xorlib import _checks, plotting
from xorlib.classifier import SimpleClassifier
from xorlib.evaluation import accuracy
from xorlib.training import train_fast
from xorlib.xordata import XORDataset

# Text symbols for the animation's buttons, replacing matplotlib's Font Awesome icons (a CDN stylesheet).
# U+FE0E asks for the plain-text glyph, not an emoji.
_BUTTONS = {"minus": "&minus;", "fast-backward": "|&#9664;&#xFE0E;", "step-backward": "&#9664;&#xFE0E;|",
            "play fa-flip-horizontal": "&#9664;&#xFE0E;", "pause": "&#10074;&#10074;",
            "play": "&#9654;&#xFE0E;", "step-forward": "|&#9654;&#xFE0E;",
            "fast-forward": "&#9654;&#xFE0E;|", "plus": "+"}
SLIDER_LABEL = ' aria-label="Animation frame"'  # the accessible name of the frame slider


def make_data(std: float = 0.1, seed: int = 0, size: int = 200) -> tuple[torch.Tensor, torch.Tensor]:
    """The samples every function here trains on: ``XORDataset(size, std, seed)``'s ``X`` and ``y``."""
    data = XORDataset(size, std=std, seed=_checks.seed("seed", seed))
    return data.X, data.y


def train_with_snapshots(hidden: int, lr: float, std: float, num_epochs: int, batch_size: int,
                         seed: int = 0, every: int = 10, size: int = 200
                         ) -> tuple[SimpleClassifier, list[float], list[tuple[int, torch.Tensor]]]:
    """Train ``SimpleClassifier(2, hidden, 1)`` on ``make_data(std, seed, size)`` with ``train_fast``.

    Returns the model, the loss of each epoch, and snapshots ``(epoch, P(class 1) grid)`` from
    ``plotting.boundary_image``: at epoch 0, every ``every`` epochs, and at the last epoch.
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
    to see the plateau and the fold); played once, the last frame stays. With ``losses`` (one per
    epoch, as ``train_with_snapshots`` returns) each title also gives the loss so far.
    The figure is closed at once (a notebook would otherwise also show it as a still image);
    render the animation with ``animation_html``.
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


def animation_html(anim: FuncAnimation, alt: str = "") -> str:
    """Self-contained, deterministic HTML for ``anim``: no CDN link, an id derived from the page
    without its frame images (so another processor's last-bit differences in a frame keep the id),
    ``alt`` text on the frame image for readers who cannot see it, and a name for the frame
    slider (``aria-label``), which screen readers would otherwise announce as an unlabelled slider.

    Rendering opens no figure; close the animation's own figure when you make it, as
    ``boundary_animation`` does, or a notebook also shows it as a still image.
    """
    if not isinstance(anim, Animation) or not isinstance(alt, str):
        raise TypeError(f"expected a matplotlib Animation and a str alt text, got {type(anim).__name__} "
                        f"and {type(alt).__name__}")
    html = anim.to_jshtml(default_mode="once")
    alt_attr = f' alt="{escape(alt, quote=True)}"'
    html = re.sub(r'(<img id="_anim_img[0-9a-f]+")', lambda m: m.group(1) + alt_attr, html)
    html = re.sub(r'(<input id="_anim_slider[0-9a-f]+" type="range")', lambda m: m.group(1) + SLIDER_LABEL,
                  html)
    html = re.sub(r"<link[^>]*>\s*", "", html)  # the Font Awesome stylesheet from a CDN
    html = re.sub(r'<i class="fa fa-([a-z -]+)"></i>', lambda m: _BUTTONS[m.group(1)], html)
    random_id = re.search(r'id="_anim_img([0-9a-f]+)"', html).group(1)  # uuid4 changes every call
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=\\\n]+", "", html.replace(random_id, ""))
    stable_id = hashlib.sha256(page.encode()).hexdigest()[:32]
    return html.replace(random_id, stable_id)


def small_multiples(hidden_sizes: Sequence[int], lr: float = 0.5, std: float = 0.1, num_epochs: int = 100,
                    batch_size: int = 32, seed: int = 0, size: int = 200) -> Figure:
    """Train one model per hidden size (same data, same seed) and draw their boundaries side by side.

    One axes per size (a single size also gets ``decision_boundary``'s colorbar).
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
    """Retrain from these settings; return the decision boundary and the loss curve side by side."""
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
