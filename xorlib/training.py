"""Training loops: ``train_model`` (chapter 6, ``06_training``) and ``train_fast`` (chapter 8).

``train_model`` is the classic loop over a DataLoader. ``train_fast`` does the
same SGD on tensors that already sit on the device: it draws each batch by
slicing a fresh random permutation, which removes the per-sample Python work
that dominates a model this small.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader
from tqdm.std import tqdm

from xorlib import _checks

__all__ = ["progress_bar", "train_fast", "train_model", "trainable"]


def progress_bar(num_epochs: int, enabled: bool = True) -> tqdm:
    """A text progress bar over epochs; call ``.update()`` once per epoch.

    Args:
        num_epochs: the epochs the bar counts to.
        enabled: ``False`` prints nothing.

    Returns:
        A ``tqdm`` bar, to use in a ``with`` block.

    Example::

        >>> from xorlib.training import progress_bar
        >>> with progress_bar(3, enabled=False) as bar:  # enabled=True prints "epoch   3/3 |###...|"
        ...     for epoch in range(3):
        ...         bar.update()
        >>> bar.total, bar.disable
        (3, True)
    """
    num_epochs = _checks.non_negative_int("num_epochs", num_epochs)
    _checks.of_type("enabled", enabled, bool, "True or False")
    # Plain text on stdout, redrawn every tenth of the run: the same characters
    # on every machine (no rates or times), and no widget state in the notebook.
    return tqdm(
        total=num_epochs,
        disable=not enabled,
        file=sys.stdout,
        ascii=" #",
        ncols=60,
        mininterval=0,
        miniters=max(1, num_epochs // 10),
        bar_format="epoch {n_fmt:>3}/{total_fmt} |{bar}|",
    )


def trainable(model: nn.Module) -> list[nn.Parameter]:
    """The parameters of ``model`` that SGD updates: those with ``requires_grad=True``.

    Args:
        model: any ``nn.Module``.

    Returns:
        Its trainable parameters, in ``model.parameters()`` order.

    Raises:
        ValueError: no parameter requires a gradient (nothing to train).

    Example::

        >>> import xorlib
        >>> from xorlib.training import trainable
        >>> model = xorlib.SimpleClassifier(2, 4, 1)
        >>> _ = model.linear1.requires_grad_(False)
        >>> [tuple(p.shape) for p in trainable(model)]
        [(1, 4), (1,)]
    """
    params = [p for p in _checks.module("model", model).parameters() if p.requires_grad]
    if not params:
        raise ValueError(f"{type(model).__name__} has no parameter with requires_grad=True: nothing to train")
    return params


def train_model(
    model: nn.Module,
    loader: DataLoader,
    num_epochs: int = 100,
    lr: float = 0.1,
    progress: bool = True,
) -> list[float]:
    """Train ``model`` with SGD and BCEWithLogitsLoss over ``loader``.

    Batches are moved to the model's device and dtype. Every batch is checked (shapes, finite
    features, 0/1 labels) before its step, and a bad one is named in the error; the steps
    taken before it stay taken. Frozen parameters (``requires_grad=False``) are left as they are.

    Args:
        model: a module returning one logit per sample, e.g. ``SimpleClassifier()``.
        loader: a DataLoader, or any sized iterable of ``(X, y)`` batches read once per epoch
            (a list such as ``[(X, y)]`` works; a lone ``(X, y)`` pair is refused).
        num_epochs: passes over ``loader``.
        lr: SGD learning rate, > 0.
        progress: print a text progress bar.

    Returns:
        The mean loss of each epoch (``num_epochs`` floats).

    Shape:
        Each batch: ``X`` ``(B, num_inputs)`` floats, ``y`` ``(B,)`` of 0/1.

    Example::

        >>> import torch, xorlib
        >>> _ = torch.manual_seed(0)
        >>> model = xorlib.SimpleClassifier(2, 4, 1)
        >>> loader = xorlib.make_loader(xorlib.XORDataset(64, seed=0), batch_size=16)
        >>> losses = xorlib.train_model(model, loader, num_epochs=3, progress=False)
        >>> len(losses)
        3
    """
    num_epochs = _checks.non_negative_int("num_epochs", num_epochs)
    lr = _checks.number("lr", lr, positive=True)
    _checks.of_type("progress", progress, bool, "True or False")
    expects = "train_model expects a DataLoader (an iterable of (X, y) batches)"
    _checks.batch_source(loader, expects, "for tensors use train_fast, or pass [(X, y)]")
    if isinstance(loader, Iterator):  # a generator is used up after one epoch
        raise TypeError(f"{expects} that can be read once per epoch, got a one-pass {type(loader).__name__}; "
                        "pass a DataLoader or a list of batches")
    try:
        count = len(loader)
    except TypeError:
        raise TypeError(f"{expects} with a length, got {type(loader).__name__}") from None
    if count == 0:
        raise ValueError("the loader yields no batches (is its dataset empty?)")
    params = trainable(model)
    device, dtype = _checks.runnable(model)
    num_inputs = getattr(model, "sizes", {}).get("num_inputs")
    optimizer = torch.optim.SGD(params, lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    history, largest = [], 0
    model.train()
    with progress_bar(num_epochs, progress) as bar:
        for epoch in range(num_epochs):
            total = torch.zeros((), device=device)
            for step, X, y in _checks.each_batch(loader):
                # on the loader's (CPU) tensors: a few microseconds, and no wait for the GPU
                _checks.batch_xy(f"epoch {epoch + 1}, batch {step + 1} of {count}", X, y, num_inputs)
                if len(X) > largest:  # the largest batch yet: does it fit in memory?
                    largest = len(X)
                    _checks.forward_memory(model, largest, f"train_model on batches of {largest:,}")
                X, y = X.to(device, dtype), y.to(device)
                logits = _checks.one_logit(model(X), len(X))  # (B, 1) -> (B,)
                loss = loss_fn(logits, y.float())
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.detach()  # no .item(): it would wait for the GPU every step
            history.append(total / count)
            bar.update()
    return torch.stack(history).tolist() if history else []


def train_fast(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    num_epochs: int = 100,
    batch_size: int = 128,
    lr: float = 0.1,
    seed: int = 0,
) -> list[float]:
    """Same SGD as ``train_model``, drawing batches by slicing tensors on the device.

    Each epoch takes a fresh random permutation of the ``N`` samples and cuts it
    into batches of ``batch_size`` (the last may be smaller). ``X`` is converted
    to the model's dtype; frozen parameters are left as they are.

    Args:
        model: a module returning one logit per sample, e.g. ``SimpleClassifier()``.
        X: training inputs (any float dtype, any device).
        y: training labels.
        num_epochs: passes over the data.
        batch_size: samples per SGD step.
        lr: SGD learning rate, > 0.
        seed: seed of the shuffling, 0 to 2**63 - 1.

    Returns:
        The mean loss of each epoch (``num_epochs`` floats).

    Shape:
        - ``X``: ``(N, num_inputs)``.
        - ``y``: ``(N,)`` of 0/1.

    Example::

        >>> import torch, xorlib
        >>> data = xorlib.XORDataset(64, seed=0)
        >>> _ = torch.manual_seed(0)
        >>> model = xorlib.SimpleClassifier(2, 4, 1)
        >>> losses = xorlib.train_fast(model, data.X, data.y, num_epochs=5, batch_size=16, lr=0.5)
        >>> len(losses), losses[-1] < losses[0]
        (5, True)
    """
    num_epochs = _checks.non_negative_int("num_epochs", num_epochs)
    batch_size = _checks.positive_int("batch_size", batch_size)
    lr = _checks.number("lr", lr, positive=True)
    seed = _checks.seed("seed", seed)
    params = trainable(model)
    device, dtype = _checks.runnable(model)
    _checks.check_xy(X, y, getattr(model, "sizes", {}).get("num_inputs"))
    _checks.forward_memory(model, min(batch_size, len(X)), f"train_fast with batch_size={batch_size:,}")
    X, y = X.to(device, dtype), y.to(device).float()  # moved once, not every step
    generator = torch.Generator().manual_seed(seed)  # on the CPU: the same batches on every device
    history = []
    model.train()
    for _ in range(num_epochs):
        perm = torch.randperm(len(X), generator=generator).to(device)  # (N,)
        total = torch.zeros((), device=device)
        # X[perm] is one gather per epoch; split() then returns views, not copies.
        for xb, yb in zip(X[perm].split(batch_size), y[perm].split(batch_size), strict=True):
            loss = F.binary_cross_entropy_with_logits(_checks.one_logit(model(xb), len(xb)), yb)
            grads = torch.autograd.grad(loss, params)  # no .grad fields to zero
            with torch.no_grad():
                for p, grad in zip(params, grads, strict=True):
                    p.add_(grad, alpha=-lr)  # SGD: p -= lr * grad
                total += loss
        history.append(total / -(-len(X) // batch_size))  # ceil(N / batch_size) batches
    return torch.stack(history).tolist() if history else []
