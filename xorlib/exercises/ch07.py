"""Exercises for chapter 7 (``07_evaluation``): what dropout does in training mode, an accuracy in
batches with four bugs, and a feature that beats the baseline on another data set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from xorlib.exercises._verdict import _call, _checker, _compare, _kind, _number, _require, _tensor

# A prediction: nn.Dropout(p=0.2), fresh (so in training mode), on 10,000 entries equal to 3.0.
# A hint names what dropout does, never the values it leaves.
_DROPOUT_MISTAKES = (
    ([0.0, 3.0], "dropout does more than zero some entries: the ones it keeps are changed too"),
    ([0.0, 6.0], "the survivors' factor depends on p; 2 was the factor for p = 0.5"),
    ([0.0, 15.0], "the kept entries are divided by the share that is kept, not by the share dropped"),
    ([0.0, 2.4], "the kept entries are scaled up, not down, so that the mean stays what it was"),
    ([3.0], "a fresh module is in training mode: dropout zeroes some entries"),
    ([3.75], "a fresh module is in training mode: dropout zeroes some entries"),
)


@_checker("A kept entry is divided by 1 - p = 0.8, so 3 becomes 3.75, and the mean stays 3; the rest are 0.")
def predict_07_dropout(guess: Any) -> None:
    """``sorted(nn.Dropout(p=0.2)(torch.full((10_000,), 3.0)).unique().tolist())``, guessed before running
    it: the list of the distinct values in the output."""
    _kind(guess, isinstance(guess, (list, tuple, set, torch.Tensor)),
          "the list of distinct values, such as [1.0, 2.0]")
    items = guess.tolist() if isinstance(guess, torch.Tensor) else guess
    values = sorted(_number(v, answer=True) for v in items)
    if _same_values(values, [0.0, 3.75]):
        return
    hint = next((h for wrong, h in _DROPOUT_MISTAKES if _same_values(values, wrong)),
                "each entry is either dropped or kept; which value does a kept entry of 3.0 become?")
    _require(False, hint)


def _same_values(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) < 1e-4 for x, y in zip(a, b, strict=True))


# A debugging exercise: the learner fixes an accuracy computed in batches; the fixed function is run on a
# model with dropout that notes, at every call, its mode and whether autograd records.


class _Probe(nn.Module):
    """A 2-16-1 network with dropout that records ``(training, grad enabled)`` at each call."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Dropout(p=0.5), nn.Linear(16, 1))
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append((self.training, torch.is_grad_enabled()))
        return self.net(x)  # (N, 1)


def _accuracy_data() -> tuple[_Probe, torch.Tensor, torch.Tensor]:
    """A probe model, 60 points, and labels on which its eval-mode accuracy is exactly 0.75."""
    model = _Probe()
    X = 2 * torch.rand(60, 2) - 0.5  # (60, 2)
    with torch.no_grad():
        model.net[-1].bias -= model.net.eval()(X).median()  # about half the points on each side
        y = (model.net(X)[:, 0] >= 0).long()  # (60,): its own eval-mode predictions
    y[:15] = 1 - y[:15]  # 15 of 60 made wrong
    model.train()  # as a model is after training
    model.calls.clear()
    return model, X, y


def _batched(logits: torch.Tensor, y: torch.Tensor, batch_size: int, score: Callable) -> float:
    """``score(logits_batch, y_batch)`` summed over the batches, divided by the number of points."""
    return sum(score(logits[i:i + batch_size], y[i:i + batch_size])
               for i in range(0, len(y), batch_size)) / len(y)


@_checker("Scoring needs eval() (dropout off), no_grad() (no graph), the logit cut at 0 (that is, "
          "sigmoid at 0.5) and predictions (B,) compared with labels (B,); the batch size changes nothing.")
def debug_07_accuracy(fn: Callable) -> None:
    """``fn(model, X, y, batch_size)``: the fraction of ``X``'s points that ``model`` (with dropout, handed
    over in training mode) classifies correctly, computed in batches of ``batch_size``."""
    _kind(fn, callable(fn), "a function fn(model, X, y, batch_size) returning a number")
    model, X, y = _accuracy_data()
    with torch.no_grad():
        logits = model.net.eval()(X)  # (60, 1)
    for batch_size in (16, 7, 60):  # the last batch is smaller, then a single batch
        broadcast = _batched(logits, y, batch_size, lambda z, yb: ((z >= 0).long() == yb).sum().item())
        model.train()
        model.calls.clear()
        got = _number(_call(fn, model, X.clone(), y.clone(), batch_size))
        _require(bool(model.calls), "your function never called the model")
        _require(not any(training for training, _ in model.calls),
                 "the model was still in training mode, so its dropout zeroed random hidden units while it "
                 "was scored (run it twice: two answers); switch it to evaluation mode first")
        _compare(got, 0.75, [
            (y.float().mean(), "every point was predicted class 1: a probability is never below 0, so "
                               "compare sigmoid(logits) with 0.5 (or the logits with 0)"),
            (broadcast, "your count was too large: predictions (B, 1) compared with labels (B,) broadcast "
                        "to (B, B); remove the dimension of size 1 (squeeze(1), not squeeze(0))"),
            (0.25, "that is the fraction wrong"),
            (75.0, "return a fraction between 0 and 1, not a percentage"),
            (45.0, "divide the number correct by the number of points"),
            (45 / -(-60 // batch_size), "divide by the number of points, not by the number of batches")],
            "count the points whose prediction equals the label over all the batches (the last one may be "
            "smaller: every point must count once) and divide by the number of points")
        _require(not any(grad for _, grad in model.calls),
                 "the number is right, but every forward pass recorded a graph for a backward pass that "
                 "never comes: score under torch.no_grad() (or torch.inference_mode())")


# Applying the baseline somewhere new: the circles data, where no line does better than "always class 1".


def _circles(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    X = 2 * torch.rand(n, 2) - 1  # (n, 2), uniform in [-1, 1]^2
    return X, (X.norm(dim=1) > 0.5).long()  # class 1 outside the circle of radius 0.5


def _fitted_accuracy(train: torch.Tensor, y: torch.Tensor, test: torch.Tensor, y_test: torch.Tensor) -> float:
    """Logistic regression, nn.Linear(k, 1), fitted on standardised features; its accuracy on ``test``."""
    mean, std = train.mean(dim=0), train.std(dim=0).clamp(min=1e-6)
    train, test = (train - mean) / std, (test - mean) / std
    linear = nn.Linear(train.shape[1], 1)
    lbfgs = torch.optim.LBFGS(linear.parameters(), max_iter=100, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        lbfgs.zero_grad()
        loss = F.binary_cross_entropy_with_logits(linear(train)[:, 0], y.float())
        loss.backward()
        return loss

    lbfgs.step(closure)
    with torch.no_grad():
        return ((linear(test)[:, 0] >= 0).long() == y_test).float().mean().item()


def _features(fn: Callable, X: torch.Tensor) -> torch.Tensor:
    got = _tensor(_call(fn, X.clone()))
    _require(got.dim() == 2 and len(got) == len(X),
             f"return one row of features per point, (N, k), got shape {tuple(got.shape)} for N = {len(X)}")
    _require(1 <= got.shape[1] <= 20, f"between 1 and 20 features per point, got {got.shape[1]}")
    _require(got.is_floating_point(), f"features must be floats, got {got.dtype}")
    _require(bool(torch.isfinite(got).all()), "some features are inf or NaN")
    return got.float()


@_checker("x1^2 + x2^2 is the squared distance from the centre: a line in (x1^2, x2^2) is a circle, and "
          "one feature makes logistic regression exact where the raw points leave it at the baseline.")
def check_07_circle_feature(fn: Callable) -> None:
    """``fn(X)`` turns points ``(N, 2)`` into features ``(N, k)`` on which ``nn.Linear(k, 1)`` classifies at
    least 98% of fresh circles points: uniform in ``[-1, 1]^2``, class 1 farther than 0.5 from the centre."""
    _kind(fn, callable(fn), "a function fn(X) returning an (N, k) tensor of features")
    (X, y), (X_test, y_test) = _circles(1000), _circles(1000)
    acc = _fitted_accuracy(_features(fn, X), y, _features(fn, X_test), y_test)
    baseline = y_test.float().mean().item()  # the score of answering class 1 everywhere
    product = (X_test[:, 0] * X_test[:, 1]).unsqueeze(1)
    if acc < baseline + 0.02:
        uses_product = any(_close_column(col, product) for col in _features(fn, X_test).T)
        _require(not uses_product, f"{acc:.0%}: x1*x2 told XOR's corners apart, not a disc from the ring "
                 "around it; which quantity is small inside the circle and large outside?")
        _require(False, f"{acc:.0%} of fresh points: no better than answering class 1 everywhere "
                        f"({baseline:.0%} of them); no straight line in these features separates the disc "
                        "from the ring around it")
    _require(acc >= 0.98, f"{acc:.1%} of fresh points: better than the {baseline:.0%} of always class 1, "
                          "but the boundary is not the circle yet; which single quantity tells inside from "
                          "outside?")


def _close_column(col: torch.Tensor, target: torch.Tensor) -> bool:
    return bool(torch.allclose(col, target[:, 0], atol=1e-5))
