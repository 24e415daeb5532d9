"""The results of a sweep, introduced in chapter 8 (``08_many_models``).

``SweepResult`` holds the trained weights of every model of ``xorlib.sweep`` and scores
them; ``SuccessTable`` counts, per hidden size and learning rate, how many seeds
learned XOR; ``success_heatmap`` draws that table.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from xorlib import _checks
from xorlib.classifier import SimpleClassifier
from xorlib.plotting import DPI

__all__ = ["SuccessTable", "SweepResult", "success_heatmap"]


def _shapes(owner: object, expected: dict[str, tuple[int, ...]], what: str) -> None:
    for name, shape in expected.items():
        value = getattr(owner, name)
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != shape:
            got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise ValueError(f"{name} must be a tensor of shape {shape} ({what}), got {got}")


@dataclass(frozen=True, eq=False)  # == is identity: a field-wise == of tensors has no single truth value
class SweepResult:
    """Trained weights of ``M = len(hidden_sizes) * len(lrs) * len(seeds)`` models, in nn.Linear layout.

    Model ``m = (i * len(lrs) + j) * len(seeds) + k`` has ``hidden_sizes[i]`` units,
    learning rate ``lrs[j]`` and seed ``seeds[k]``; so ``values.view(len(hidden_sizes),
    len(lrs), len(seeds))`` turns any per-model tensor into the grid. ``H = max(hidden_sizes)``.
    ``xorlib.sweep`` builds it; the shapes are checked when it is built.

    Args:
        hidden_sizes, lrs, seeds: the grid.
        hidden: each model's real hidden size.
        lr: each model's learning rate.
        seed: each model's seed.
        W1, b1: the first layer's weights and biases; rows past a model's hidden size are padding.
        W2, b2: the second layer's weights (zero on padding) and biases.

    Shape:
        ``hidden``, ``lr``, ``seed``, ``b2``: ``(M,)``; ``W1``: ``(M, H, 2)``; ``b1``, ``W2``: ``(M, H)``.

    Example::

        >>> import xorlib
        >>> data = xorlib.XORDataset(64, seed=0)
        >>> result = xorlib.sweep([2, 3], [0.5], [0, 1], data.X, data.y, num_epochs=1)
        >>> result.hidden.tolist(), result.logits(data.X).shape
        ([2, 2, 3, 3], torch.Size([4, 64]))
        >>> result.model(2).sizes
        {'num_inputs': 2, 'num_hidden': 3, 'num_outputs': 1}
        >>> result.accuracy(data.X, data.y).shape
        torch.Size([4])
    """

    hidden_sizes: tuple[int, ...]
    lrs: tuple[float, ...]
    seeds: tuple[int, ...]
    hidden: torch.Tensor  # (M,) int64: each model's real hidden size
    lr: torch.Tensor  # (M,)
    seed: torch.Tensor  # (M,) int64
    W1: torch.Tensor  # (M, H, 2); rows past a model's hidden size are padding
    b1: torch.Tensor  # (M, H)
    W2: torch.Tensor  # (M, H); zero on padding
    b2: torch.Tensor  # (M,)

    def __post_init__(self) -> None:
        M = len(self.hidden_sizes) * len(self.lrs) * len(self.seeds)
        H = self.W1.shape[1] if isinstance(self.W1, torch.Tensor) and self.W1.dim() == 3 else "H"
        _shapes(self, {"hidden": (M,), "lr": (M,), "seed": (M,), "W1": (M, H, 2), "b1": (M, H), "W2": (M, H),
                       "b2": (M,)}, f"{M} models of up to {H} hidden units")

    def logits(self, X: torch.Tensor) -> torch.Tensor:
        """Every model's logits for ``X``. Shape: ``X`` ``(N, 2)`` -> ``(M, N)``."""
        if not isinstance(X, torch.Tensor) or X.dim() != 2 or X.shape[1] != 2:
            got = tuple(X.shape) if isinstance(X, torch.Tensor) else type(X).__name__
            raise ValueError(f"X must be a tensor of shape (N, 2), got {got}")
        if X.is_floating_point() and not X.isfinite().all():
            raise ValueError("X must be finite, but some of its values are NaN or inf")
        X = X.to(self.W1.device, torch.float32)
        mask = torch.arange(self.W1.shape[1], device=X.device) < self.hidden[:, None]  # (M, H)
        with torch.no_grad():  # scoring needs no graph
            h = torch.tanh(torch.einsum("nf,mhf->mnh", X, self.W1) + self.b1[:, None])  # (M, N, H)
            return torch.einsum("mnh,mh->mn", h, self.W2 * mask) + self.b2[:, None]

    def accuracy(self, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Fraction of ``(X, y)`` each model classifies correctly. Shape: ``(N, 2), (N,)`` -> ``(M,)``."""
        _checks.check_xy(X, y, 2)
        correct = (self.logits(X) >= 0).long() == y.to(self.W1.device)  # (M, N); predict's rule at 0.5
        return correct.float().mean(dim=1).cpu()

    def model(self, m: int) -> SimpleClassifier:
        """Model ``m`` as a ``SimpleClassifier`` with only its real hidden units (on the CPU)."""
        m = _checks.non_negative_int("m", m)
        if m >= len(self.hidden):
            raise ValueError(f"model index must be < {len(self.hidden)}, got {m}")
        h = int(self.hidden[m])
        with torch.device("meta"):  # no memory and no random draws: the weights come from the sweep
            net = SimpleClassifier(2, h, 1)
        state = {"linear1.weight": self.W1[m, :h], "linear1.bias": self.b1[m, :h],
                 "linear2.weight": self.W2[m, None, :h], "linear2.bias": self.b2[m, None]}
        net.load_state_dict({k: v.detach().cpu().clone() for k, v in state.items()}, assign=True)
        return net

    def success_table(self, X: torch.Tensor, y: torch.Tensor, threshold: float = 0.99) -> SuccessTable:
        """Share of seeds whose test accuracy is >= ``threshold``, per (hidden size, lr)."""
        threshold = _checks.probability("threshold", threshold)
        hits = (self.accuracy(X, y) >= threshold).float()  # (M,)
        rates = hits.view(len(self.hidden_sizes), len(self.lrs), len(self.seeds)).mean(dim=2)
        return SuccessTable(self.hidden_sizes, self.lrs, len(self.seeds), threshold, rates)


@dataclass(frozen=True, eq=False)  # == is identity; compare two tables with torch.equal(a.rates, b.rates)
class SuccessTable:
    """Success rates ``(len(hidden_sizes), len(lrs))``; ``str()`` prints them as a text table.

    ``SweepResult.success_table`` builds it; the shape of ``rates`` is checked when it is built.

    Args:
        hidden_sizes: the rows' hidden sizes.
        lrs: the columns' learning rates.
        num_seeds: how many seeds each rate is over.
        threshold: the test accuracy that counts as success.
        rates: the share of seeds that succeeded.

    Shape:
        ``rates``: ``(len(hidden_sizes), len(lrs))``.

    Example::

        >>> import torch
        >>> from xorlib import SuccessTable
        >>> print(SuccessTable((1, 8), (0.1, 1.0), 4, 0.99, torch.tensor([[0.0, 0.25], [1.0, 0.5]])))
        share of 4 seeds reaching test accuracy >= 0.99
        hidden |    lr=0.1      lr=1
        ----------------------------
             1 |      0.00      0.25
             8 |      1.00      0.50
    """

    hidden_sizes: tuple[int, ...]
    lrs: tuple[float, ...]
    num_seeds: int
    threshold: float
    rates: torch.Tensor

    def __post_init__(self) -> None:
        rows, cols = len(self.hidden_sizes), len(self.lrs)
        _shapes(self, {"rates": (rows, cols)}, f"{rows} hidden sizes by {cols} learning rates")

    def __str__(self) -> str:
        head = "hidden | " + " ".join(f"{f'lr={lr:g}':>9}" for lr in self.lrs)
        rows = [f"{h:>6} | " + " ".join(f"{r:>9.2f}" for r in row.tolist())
                for h, row in zip(self.hidden_sizes, self.rates, strict=True)]
        note = f"share of {self.num_seeds} seeds reaching test accuracy >= {self.threshold:g}"
        return "\n".join([note, head, "-" * len(head), *rows])


def success_heatmap(table: SuccessTable, title: str = "Which networks learn XOR?") -> Figure:
    """The success rates as a heatmap: hidden units down, learning rates across, each cell annotated.

    The colour map is cividis (readable with any colour vision, and in greyscale); a cell's
    text is white on the dark end and black on the light end.

    Args:
        table: a ``SuccessTable``, e.g. from ``SweepResult.success_table``.
        title: the figure's title.

    Returns:
        The figure (close it with ``plt.close(fig)`` when done).

    Example::

        >>> import matplotlib.pyplot as plt
        >>> import torch, xorlib
        >>> table = xorlib.SuccessTable((1, 8), (0.1, 1.0), 4, 0.99, torch.tensor([[0.0, 0.25], [1.0, 0.5]]))
        >>> fig = xorlib.success_heatmap(table)
        >>> len(fig.axes[0].texts)  # one annotation per cell
        4
        >>> plt.close(fig)
    """
    _checks.of_type("table", table, SuccessTable, "a SuccessTable (e.g. result.success_table(X, y))")
    _checks.of_type("title", title, str, "a str")
    rates = table.rates.detach().cpu()
    fig, ax = plt.subplots(figsize=(4.6, 4.4), dpi=DPI, layout="constrained")
    image = ax.imshow(rates.numpy(), cmap="cividis", vmin=0, vmax=1, aspect="auto")
    for (i, j), rate in zip(((i, j) for i in range(rates.shape[0]) for j in range(rates.shape[1])),
                            rates.flatten().tolist(), strict=True):
        ax.text(j, i, f"{rate:.2f}", ha="center", va="center", fontsize=10,
                color="white" if rate < 0.5 else "black")
    ax.set_xticks(range(len(table.lrs)), [f"{lr:g}" for lr in table.lrs])
    ax.set_yticks(range(len(table.hidden_sizes)), [str(h) for h in table.hidden_sizes])
    ax.set_xlabel("learning rate")
    ax.set_ylabel("hidden units")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label=f"share of {table.num_seeds} seeds with test acc >= {table.threshold:g}")
    return fig
