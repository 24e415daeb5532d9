"""Exercises for chapter 3 (``03_modules``) and chapter 4 (``04_data``)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from xorlib.classifier import SimpleClassifier
from xorlib.exercises._verdict import _call, _checker, _compare, _kind, _number, _require, _tensor

# Chapter 3: nn.Module


@_checker("sum(p.numel() for p in model.parameters() if p.requires_grad) works for any model.")
def check_03_count_parameters(fn: Callable) -> None:
    """``fn(model)`` returns the number of trainable numbers (``requires_grad``) in ``model``."""
    _kind(fn, callable(fn), "a function fn(model) returning an int")
    frozen = SimpleClassifier(2, 5, 1)
    frozen.linear1.requires_grad_(False)
    other = nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.Tanh(), nn.Linear(6, 1))  # with buffers
    other[0].requires_grad_(False)
    for model in (SimpleClassifier(2, 4, 1), SimpleClassifier(3, 7, 2), other, frozen):
        params = list(model.parameters())
        got = _number(_call(fn, model, hint="work from model.parameters(), which every model has"))
        _compare(got, sum(p.numel() for p in params if p.requires_grad),
                 [(len(params), "count the numbers inside each tensor (p.numel()), not the tensors"),
                  (sum(p.numel() for p in params), "count only trainable parameters (p.requires_grad)"),
                  (sum(p.numel() for p in params if p.dim() > 1), "don't forget the biases"),
                  (sum(t.numel() for t in model.state_dict().values()), "state_dict() also holds buffers "
                   "(such as BatchNorm's running statistics) and frozen tensors: use model.parameters()")],
                 f"wrong for a {type(model).__name__}: add up p.numel() over model.parameters(), which every "
                 "model has")


def _through(layers: list[nn.Module], x: torch.Tensor, between: Callable) -> torch.Tensor:
    for layer in layers[:-1]:
        x = between(layer(x))
    return layers[-1](x)


@_checker("nn.ModuleList registers each layer, so parameters(), .to() and state_dict() see them.")
def check_03_module_list(cls: type) -> None:
    """``cls(sizes)`` is an ``nn.Module`` with one ``nn.Linear`` per consecutive pair of ``sizes``, kept
    in a list, and tanh between layers; ``cls([2, 8, 8, 1])`` maps ``(N, 2)`` to ``(N, 1)``."""
    _kind(cls, isinstance(cls, type), "a class, built as cls(sizes)")
    for sizes in ([2, 8, 8, 1], [3, 5, 2]):
        model = _call(cls, sizes)
        _require(isinstance(model, nn.Module), "subclass nn.Module and call super().__init__() first")
        _require(any(True for _ in model.parameters()), "model.parameters() is empty: nn.Module cannot see "
                                                        "layers in a plain Python list; use nn.ModuleList")
        layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
        pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
        found = [(m.in_features, m.out_features) for m in layers]
        _require(found == pairs, f"sizes {sizes} need one nn.Linear(a, b) per pair (a, b) in {pairs}, "
                                 f"found {found}")
        x = 3 * torch.randn(5, sizes[0])  # (5, sizes[0]), wide enough for tanh to bend
        out = _tensor(_call(model, x.clone()))
        _require(out.shape == (5, sizes[-1]), f"for sizes {sizes} the output should be (5, {sizes[-1]}) for "
                                              f"5 inputs, got {tuple(out.shape)}")
        with torch.no_grad():
            want = _through(layers, x, torch.tanh)
            mistakes = [(_through(layers, x, lambda t: t), "with nothing between them the layers make one "
                         "linear map, which cannot learn XOR: put torch.tanh after every layer but the last"),
                        (torch.tanh(want), "no tanh after the last layer: the network returns logits"),
                        (_through(layers, x, torch.relu), "the exercise asks for tanh between layers (ReLU "
                         "bends too, but makes a different network): torch.tanh(layer(x))")]
        _compare(out, want, mistakes, "apply every layer in order, torch.tanh between them and nothing after "
                                      "the last")


# Chapter 4: data


def _item(ds: Any, i: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``ds[i]`` checked: x float32 of shape (2,), label an int64 scalar (a Python int is collated to one)."""
    item = _call(operator.getitem, ds, i)
    _require(isinstance(item, (tuple, list)) and len(item) == 2, "ds[i] should return a pair (x, label)")
    x, label = item
    _require(isinstance(x, torch.Tensor) and x.shape == (2,) and x.dtype == torch.float32,
             f"x should be a float32 tensor of shape (2,), got {getattr(x, 'dtype', type(x).__name__)} "
             f"of shape {tuple(getattr(x, 'shape', ()))}")
    if isinstance(label, int) and not isinstance(label, bool):
        label = torch.tensor(label)  # what the DataLoader makes of it
    _require(isinstance(label, torch.Tensor), "label should be a tensor: self.y[idx] of an int64 tensor")
    _require(label.shape == (), f"label should be a scalar (shape ()), got {tuple(label.shape)}: "
                                "index self.y[idx], not self.y[idx:idx + 1]")
    _require(label.dtype == torch.int64, f"labels should be int64 (.long()), got {label.dtype}")
    return x, label


@_checker("A Dataset only needs __len__ and __getitem__; the DataLoader does the batching.")
def check_04_circles_dataset(cls: type) -> None:
    """``cls(size)``: ``size`` points uniform in ``[-1, 1]^2``; label 1 when the point is farther than 0.5
    from the origin, else 0. ``ds[i]`` is ``(x, label)``: x float32 of shape (2,), label an int64 scalar."""
    _kind(cls, isinstance(cls, type), "a class, built as cls(size)")
    for size in (57, 300):
        ds = _call(cls, size)
        n = _call(len, ds)
        _require(n == size, f"len(dataset) should be the size it was built with ({size}), got {n}")
        items = [_item(ds, i) for i in range(size)]
        again = _item(ds, size - 1)
        _require(torch.equal(again[0], items[-1][0]) and torch.equal(again[1], items[-1][1]),
                 "ds[i] gave a different sample each time: draw all the points once, in __init__")
    X, y = torch.stack([x for x, _ in items]), torch.stack([label for _, label in items])  # (300, 2), (300,)
    _require(X.abs().max() <= 1 and X.min() < -0.5, "points should fill the square [-1, 1]^2: 2 * "
                                                    "torch.rand(size, 2) - 1 (torch.rand alone gives [0, 1))")
    _compare(y, (X.norm(dim=1) > 0.5).long(),
             [((X.norm(dim=1) <= 0.5).long(), "labels are flipped: 1 goes outside the circle of radius 0.5"),
              ((X.pow(2).sum(dim=1) > 0.5).long(), "compare the radius x.norm() with 0.5, not its square")],
             "label 1 exactly when x.norm() > 0.5")


@_checker("Samples are stacked along a new first (batch) dimension: X (32, 2), y (32,).")
def check_04_batch_shape(answer: Any) -> None:
    """``DataLoader(XORDataset(200), batch_size=32)``: give ``(X.shape, y.shape)`` of its first batch."""
    pair = isinstance(answer, (tuple, list)) and len(answer) == 2
    _kind(answer, pair and all(isinstance(s, (tuple, list, torch.Size, int)) for s in answer),
          "a pair of shapes such as ((3, 4), (5,))")
    numbers = [isinstance(s, int) for s in answer]
    _require(not all(numbers), "that is one shape: answer with both, (X.shape, y.shape)")
    _require(not any(numbers), "(32) is just the number 32 in Python: a one-entry shape needs a comma, (32,)")
    x_shape, y_shape = (tuple(s) for s in answer)
    _require(x_shape != (2, 32), "the batch dimension comes first: (batch, features)")
    _require(x_shape != (200, 2), "that is the whole data set; a batch holds batch_size=32 samples")
    _require(x_shape != (2,) and y_shape != (), "that is one sample; a batch stacks 32 of them")
    _require(y_shape != (32, 1), "each label is a scalar (shape ()), so 32 of them make shape (32,)")
    _require((x_shape, y_shape) == ((32, 2), (32,)), "each sample is x (2,) and a scalar label; batch 32")


@_checker("100 = 3 * 32 + 4: the last batch holds the remainder (unless drop_last=True).")
def check_04_last_batch_size(answer: Any) -> None:
    """A DataLoader over 100 samples with ``batch_size=32``: how many samples does the last batch hold?"""
    _compare(_number(answer, answer=True), 4,
             [(32, "100 is not a multiple of 32: the last batch holds what is left over"),
              (3, "3 is the number of full batches; how many samples are left for the last one?"),
              (100 / 32, "100 / 32 counts batches, not samples: how many are left after 3 full batches?"),
              (0, "the leftover samples are kept unless you pass drop_last=True")],
             "100 samples in batches of 32: what is left after the full batches?")
