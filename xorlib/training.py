"""Training loops: ``train_model`` (chapter 6, ``06_training``) and ``train_fast`` (chapter 8).

``train_model`` is the classic loop over a DataLoader. ``train_fast`` does the
same SGD on tensors that already sit on the device: it draws each batch by
slicing a fresh random permutation, which removes the per-sample Python work
that dominates a model this small.
"""

from __future__ import annotations

import sys

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader
from tqdm.std import tqdm

from xorlib import _checks
from xorlib.hardware import module_device, module_dtype
from xorlib.xordata import check_xy


def progress_bar(num_epochs: int, enabled: bool = True) -> tqdm:
    """A text progress bar over epochs; call ``.update()`` once per epoch."""
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
    """The parameters of ``model`` that SGD updates: those with ``requires_grad=True``."""
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

    Batches are moved to the model's device and dtype. Returns the mean loss of each
    epoch. The first batch is checked (shapes, finite features, 0/1 labels) before any
    step. Frozen parameters (``requires_grad=False``) are left as they are.
    """
    num_epochs = _checks.non_negative_int("num_epochs", num_epochs)
    lr = _checks.number("lr", lr, positive=True)
    if isinstance(loader, tuple) and len(loader) == 2 and isinstance(loader[0], torch.Tensor):
        raise TypeError("train_model expects a DataLoader (batches of (X, y)); for tensors use train_fast")
    if len(loader) == 0:
        raise ValueError("the loader yields no batches (is its dataset empty?)")
    params = trainable(model)
    num_inputs = getattr(model, "sizes", {}).get("num_inputs")
    device, dtype = module_device(model), module_dtype(model)
    optimizer = torch.optim.SGD(params, lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    history = []
    model.train()
    with progress_bar(num_epochs, progress) as bar:
        for epoch in range(num_epochs):
            total = torch.zeros((), device=device)
            for step, (X, y) in enumerate(loader):
                if epoch == step == 0:  # one cheap check (on the CPU), not one sync per batch
                    check_xy(X, y, num_inputs)
                X, y = X.to(device, dtype), y.to(device)
                logits = _checks.one_logit(model(X), len(X))  # (B, 1) -> (B,)
                loss = loss_fn(logits, y.float())
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.detach()  # no .item(): it would wait for the GPU every step
            history.append(total / len(loader))
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
    into batches of ``batch_size`` (the last may be smaller). Returns the mean
    loss of each epoch. ``X`` is converted to the model's dtype; frozen
    parameters are left as they are.

    Shape:
        ``X``: ``(N, num_inputs)``, ``y``: ``(N,)`` of 0/1.
    """
    num_epochs = _checks.non_negative_int("num_epochs", num_epochs)
    batch_size = _checks.positive_int("batch_size", batch_size)
    lr = _checks.number("lr", lr, positive=True)
    seed = _checks.seed("seed", seed)
    params = trainable(model)
    check_xy(X, y, getattr(model, "sizes", {}).get("num_inputs"))
    device = module_device(model)
    X, y = X.to(device, module_dtype(model)), y.to(device).float()  # moved once, not every step
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
