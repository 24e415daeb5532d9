"""Generalisation, introduced in chapter 10 (``10_generalisation``): validation curves and early stopping.

``fit`` trains on one split and measures the loss on another after every epoch, keeping a
copy of the parameters from the epoch with the lowest validation loss: the model that
early stopping chooses. ``plot_curves`` draws both losses and marks that epoch.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

from xorlib import _checks
from xorlib.classifier import eval_mode
from xorlib.hardware import module_device, module_dtype
from xorlib.plotting import LINE_COLORS
from xorlib.training import trainable
from xorlib.xordata import check_xy

__all__ = ["Curves", "fit", "plot_curves", "tensors"]

@dataclass(eq=False)  # holds tensors: compare by identity
class Curves:
    """The losses of one run, epoch by epoch, and the epoch early stopping picks.

    ``fit`` returns it; each argument is also the attribute of that name.

    Args:
        train (list[float]): mean training loss of each epoch (the loss of its one full-batch step).
        val (list[float]): validation loss after each epoch.
        best_epoch (int): 0-based index of the lowest ``val`` (the first, if tied).
        best_state (dict[str, Tensor]): a deep copy of ``model.state_dict()`` at ``best_epoch``.

    Example::

        >>> import torch
        >>> from torch.utils.data import random_split
        >>> from xorlib import SimpleClassifier, XORDataset
        >>> from xorlib.figures import overfitting
        >>> train, val = random_split(XORDataset(40, seed=0), [30, 10], torch.Generator().manual_seed(0))
        >>> model = SimpleClassifier(2, 4, 1)
        >>> curves = overfitting.fit(model, train, val, num_epochs=3)
        >>> len(curves.train), len(curves.val), curves.best_epoch in (0, 1, 2)
        (3, 3, True)
        >>> model.load_state_dict(curves.best_state)  # the weights early stopping keeps
        <All keys matched successfully>
    """

    train: list[float]
    val: list[float]
    best_epoch: int
    best_state: dict[str, torch.Tensor]


def tensors(dataset: Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """All of ``dataset`` (a ``random_split`` subset, say) as one batch.

    Args:
        dataset (Dataset): a dataset of ``(features, label)`` pairs, at least one.

    Returns:
        tuple[Tensor, Tensor]: the features ``X`` and labels ``y`` of every sample, in order.

    Shape:
        - X: ``(N, F)``, with ``N = len(dataset)``.
        - y: ``(N,)``.

    Example::

        >>> import torch
        >>> from torch.utils.data import random_split
        >>> from xorlib import SimpleClassifier, XORDataset
        >>> from xorlib.figures import overfitting
        >>> train, val = random_split(XORDataset(40, seed=0), [30, 10], torch.Generator().manual_seed(0))
        >>> X, y = overfitting.tensors(train)
        >>> X.shape, y.shape
        (torch.Size([30, 2]), torch.Size([30]))
    """
    if len(dataset) == 0:
        raise ValueError("the dataset is empty (len 0); is a split fraction 0?")
    return next(iter(DataLoader(dataset, batch_size=len(dataset))))


def fit(model: nn.Module, train: Dataset, val: Dataset, num_epochs: int = 2000, lr: float = 0.004,
        weight_decay: float = 0.0, patience: int | None = None) -> Curves:
    """Train ``model`` with full-batch Adam and BCE, measuring the validation loss after every epoch.

    Each epoch is one step on all of ``train``; the model is in training mode for it and in
    evaluation mode, without a graph, for the validation loss.

    Args:
        model (nn.Module): a model mapping ``(N, F)`` features to ``(N, 1)`` logits.
        train (Dataset): the samples trained on.
        val (Dataset): the samples the validation loss is measured on.
        num_epochs (int): the most epochs to run.
        lr (float): Adam's learning rate.
        weight_decay (float): Adam's L2 penalty; it adds ``weight_decay * w`` to each gradient.
        patience (int, optional): stop after this many epochs without a new lowest validation
            loss (``None``: never).

    Returns:
        Curves: both losses of every epoch run and the best epoch's weights; the model is left
        with the weights of the last epoch run.

    Shape:
        - each sample of ``train`` and ``val``: features ``(F,)`` and a 0/1 label ``()``.

    Example::

        >>> import torch
        >>> from torch.utils.data import random_split
        >>> from xorlib import SimpleClassifier, XORDataset
        >>> from xorlib.figures import overfitting
        >>> train, val = random_split(XORDataset(40, seed=0), [30, 10], torch.Generator().manual_seed(0))
        >>> curves = overfitting.fit(SimpleClassifier(2, 4, 1), train, val, num_epochs=50, patience=2)
        >>> len(curves.train) == len(curves.val) <= 50
        True
    """
    num_epochs = _checks.positive_int("num_epochs", num_epochs)
    lr = _checks.number("lr", lr, positive=True)
    weight_decay = _checks.number("weight_decay", weight_decay)
    patience = None if patience is None else _checks.positive_int("patience", patience)
    params = trainable(model)  # also checks that model is an nn.Module
    device, dtype = module_device(model), module_dtype(model)
    num_inputs = getattr(model, "sizes", {}).get("num_inputs")
    (X, y), (X_val, y_val) = tensors(train), tensors(val)
    for features, labels in ((X, y), (X_val, y_val)):
        check_xy(features, labels, num_inputs)
    X, X_val = X.to(device, dtype), X_val.to(device, dtype)  # (N, F), (M, F)
    y, y_val = y.to(device, dtype), y_val.to(device, dtype)  # (N,), (M,) as floats for BCE
    optimizer = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    curves = Curves([], [], 0, copy.deepcopy(model.state_dict()))
    for epoch in range(num_epochs):
        model.train()
        loss = F.binary_cross_entropy_with_logits(_checks.one_logit(model(X), len(X)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with eval_mode(model), torch.no_grad():  # measuring, not training
            val_loss = F.binary_cross_entropy_with_logits(_checks.one_logit(model(X_val), len(X_val)), y_val)
        curves.train.append(loss.item())
        curves.val.append(val_loss.item())
        if epoch == 0 or curves.val[-1] < curves.val[curves.best_epoch]:
            curves.best_epoch, curves.best_state = epoch, copy.deepcopy(model.state_dict())
        elif patience is not None and epoch - curves.best_epoch >= patience:
            break
    return curves


def plot_curves(curves: Curves, ax: plt.Axes, title: str = "") -> None:
    """Draw the training (solid) and validation (dashed) losses on ``ax`` and mark the best epoch.

    Epochs are counted from 1 on the x axis; a dotted vertical line marks the lowest validation loss.

    Args:
        curves (Curves): what ``fit`` returned.
        ax (Axes): the Axes to draw on.
        title (str): the Axes' title.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib.figures import overfitting
        >>> curves = overfitting.Curves(train=[0.7, 0.5, 0.4], val=[0.72, 0.6, 0.65], best_epoch=1,
        ...                             best_state={})
        >>> fig, ax = plt.subplots()
        >>> overfitting.plot_curves(curves, ax, title="one run")
        >>> len(ax.lines)  # training, validation, the best epoch
        3
        >>> plt.close(fig)
    """
    if not isinstance(curves, Curves):
        raise TypeError(f"curves must be the Curves that fit returns, got {type(curves).__name__}")
    epochs = range(1, len(curves.train) + 1)  # epoch 1 is the first
    ax.plot(epochs, curves.train, color=LINE_COLORS[0], label="training")
    ax.plot(epochs, curves.val, color=LINE_COLORS[1], linestyle="--", label="validation")
    ax.axvline(curves.best_epoch + 1, color="#555555", linestyle=":", label="lowest validation loss")
    ax.set(xlabel="epoch", ylabel="mean BCE loss", title=title)
    ax.grid(alpha=0.3)
