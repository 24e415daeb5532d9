"""Exercises for chapter 3 (``03_modules``) and chapter 4 (``04_data``)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from xorlib.exercises._verdict import _call, _checker, _compare, _kind, _require, _tensor

# Chapter 3: nn.Module


@_checker("Each nn.Linear(a, b) holds a (b, a) weight and b biases: (3 * 10 + 10) + (10 * 2 + 2) = 62.")
def predict_03_parameter_count(answer: Any) -> None:
    """Your guess: what ``sum(p.numel() for p in xorlib.SimpleClassifier(3, 10, 2).parameters())`` prints."""
    _kind(answer, isinstance(answer, int) and not isinstance(answer, bool), "a whole number such as 17")
    _require(answer != 17, "17 is the count for SimpleClassifier(2, 4, 1); this one has other sizes")
    _require(answer != 3 * 10 + 10 * 2, "count the biases too: every output unit of a layer has one")
    _require(answer not in (3 * 10 * 2, 3 + 10 + 2), "a layer's weights form a matrix: add up what each "
                                                      "layer holds, weights and biases")
    _require(answer == 62, "not quite: list the four parameter tensors of the two layers with their shapes, "
                           "then add up their sizes")


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


@_checker("A DataLoader fills each batch with batch_size samples in turn, and the last one takes what "
          "is left: 100 = 3 * 32 + 4. Shuffling changes which samples, not the sizes; drop_last=True would "
          "drop the 4.")
def predict_04_batch_sizes(answer: Any) -> None:
    """Your guess: the sizes of the batches of ``DataLoader(Circles(100), batch_size=32, shuffle=True)``
    over one pass, in order, as a list."""
    _kind(answer, isinstance(answer, (list, tuple)) and all(
        isinstance(n, int) and not isinstance(n, bool) for n in answer), "a list of whole numbers such as "
          "[10, 10, 5]")
    sizes = list(answer)
    _require(sum(sizes) <= 100, f"your batches hold {sum(sizes)} samples in all, more than the data set has")
    _require(sum(sizes) == 100, f"your batches hold {sum(sizes)} samples in all: one pass leaves no sample "
                                "out unless you ask it to (drop_last=True)")
    _require(sizes[0] == 32 or max(sizes) - min(sizes) > 1, "the loader does not even the batches out: it "
                                                            "fills one after the other")
    _require(sizes[0] == 32, "the loader fills each batch up to batch_size before starting the next; "
                             "shuffling changes which samples a batch holds, not the sizes")
    _require(sizes == [32, 32, 32, 4], "every batch but the last is full")
