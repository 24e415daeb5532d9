"""Exercises for chapters 8 (``08_many_models``), 9 (``09_learning_rate``) and 10 (``10_generalisation``)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from xorlib.exercises._verdict import _call, _checker, _compare, _kind, _require, _tensor

# Chapter 8: many models at once


def _one_model_at_a_time(W1, b1, W2, b2, X, act=torch.tanh) -> torch.Tensor:
    """(M, N): the logits of each stacked model, computed with a loop over the models."""
    logits = [act(X @ W1[m].T + b1[m]) @ W2[m].T + b2[m] for m in range(len(W1))]  # M x (N, 1)
    return torch.stack(logits).squeeze(2)


@_checker("One batched product serves every model; no loop over the models.")
def check_08_batched_logits(fn: Callable) -> None:
    """``fn(W1, b1, W2, b2, X)``: the logits ``(M, N)`` of ``M`` stacked 2-H-1 tanh models on ``X``."""
    _kind(fn, callable(fn), "a function fn(W1, b1, W2, b2, X) returning an (M, N) tensor")
    for M, H, N in ((3, 4, 5), (2, 6, 7)):  # two sizes: nothing may be hard-coded
        W1, b1 = torch.randn(M, H, 2), torch.randn(M, H)
        W2, b2 = torch.randn(M, 1, H), torch.randn(M, 1)
        X = torch.randn(N, 2)
        want = _one_model_at_a_time(W1, b1, W2, b2, X)
        got = _tensor(_call(fn, W1.clone(), b1.clone(), W2.clone(), b2.clone(), X.clone()))
        _require(got.shape != (M, N, 1), "drop the last axis of size 1: return (M, N)")
        _require(got.shape != (N, M), "put the models first: (M, N), one row per model")
        _require(got.shape == (M, N), f"expected one logit per model and point, (M, N) = {(M, N)}, "
                                      f"got {tuple(got.shape)}")
        zero, linear = torch.zeros_like, (lambda t: t)
        _compare(got, want,
                 [(_one_model_at_a_time(W1, b1, W2, b2, X, act=linear), "apply tanh in the hidden layer"),
                  (_one_model_at_a_time(W1, zero(b1), W2, b2, X), "add the hidden bias b1 (shape (M, H))"),
                  (_one_model_at_a_time(W1, b1, W2, zero(b2), X), "add the output bias b2 (shape (M, 1))")],
                 "model m computes tanh(X @ W1[m].T + b1[m]) @ W2[m].T + b2[m]; do that for all m at once")


# Chapter 9: momentum


def _momentum_run(rule: str, lr: float, beta: float, grads: list[torch.Tensor]) -> torch.Tensor:
    w, v = torch.ones(3), torch.zeros(3)
    for g in grads:
        if rule == "late":  # w moves with the old v
            w, v = w - lr * v, beta * v + g
        elif rule == "average":  # an average of gradients, as Adam keeps, not a sum
            v = beta * v + (1 - beta) * g
            w = w - lr * v
        else:
            v = beta * v + g
            w = w - lr * v
    return w


@_checker("v sums past gradients, so steady gradients build up speed; torch.optim.SGD(momentum=...) agrees.")
def check_09_momentum_step(fn: Callable) -> None:
    """``fn(w, grad, v, lr, beta)`` returns ``(w, v)`` after one step of SGD with momentum."""
    _kind(fn, callable(fn), "a function fn(w, grad, v, lr, beta) returning (w, v)")
    grads = [torch.randn(3) for _ in range(4)]
    for lr, beta in ((0.1, 0.9), (0.5, 0.5)):
        w, v = torch.ones(3), torch.zeros(3)
        for g in grads:
            out = _call(fn, w.clone(), g.clone(), v.clone(), lr, beta)
            _require(isinstance(out, tuple) and len(out) == 2, "return the pair (w, v): the new weights "
                                                               "and the new velocity")
            w, v = _tensor(out[0]), _tensor(out[1])
        param = torch.nn.Parameter(torch.ones(3))  # the same steps through torch's own optimizer
        sgd = torch.optim.SGD([param], lr=lr, momentum=beta)
        for g in grads:
            param.grad = g.clone()
            sgd.step()
        _compare(w, param.detach(),
                 [(_momentum_run("late", lr, beta, grads), "update v first, then move w with the new v"),
                  (_momentum_run("average", lr, beta, grads), "v = beta * v + grad: a sum of past gradients, "
                                                              "not an average (no 1 - beta)"),
                  (2 - _momentum_run("sum", lr, beta, grads), "step against the velocity: w - lr * v"),
                  (torch.ones(3) - lr * sum(grads), "that is plain SGD: step with v, not with the gradient")],
                 "v = beta * v + grad, then w = w - lr * v, and return (w, v)")


# Chapter 10: early stopping

_CASES = [([0.9, 0.7, 0.8, 0.75, 0.72, 0.6], 3), ([0.9, 0.8, 0.7], 2), ([0.5, 0.6, 0.5, 0.7], 2),
          ([1.0, 0.9, 0.95, 0.5], 1)]


def _stop(losses: list[float], patience: int, tie: bool = False, extra: int = 0) -> tuple[int, int]:
    best = 0
    for epoch, loss in enumerate(losses):
        if loss < losses[best] or (tie and loss == losses[best]):
            best = epoch
        if epoch - best == patience + extra:
            return best, epoch + 1
    return best, len(losses)


@_checker("The kept weights are the best epoch's; the run ends patience epochs after it.")
def check_10_early_stopping(fn: Callable) -> None:
    """``fn(val_losses, patience)`` returns ``(best, epochs)``: the kept epoch (from 0) and the epochs run."""
    _kind(fn, callable(fn), "a function fn(val_losses, patience) returning (best, epochs)")
    for losses, patience in _CASES:
        got = _call(fn, list(losses), patience)
        _require(isinstance(got, tuple) and len(got) == 2, "return the pair (best, epochs)")
        want = _stop(losses, patience)
        if got == want:
            continue
        where = f" (for {losses} with patience {patience}, you returned {got})"
        _require(got != _stop(losses, patience, tie=True), "a tie is not a new lowest loss: use <, not <="
                 + where)
        _require(got != _stop(losses, patience, extra=1), "stop once patience epochs in a row brought no new "
                 "low, not one epoch later" + where)
        _require(got != (want[0] + 1, want[1]), "count epochs from 0: the first epoch is epoch 0" + where)
        _require(got != (want[0], want[1] - 1), "epochs counts the epochs that ran: last index + 1" + where)
        _require(False, "keep the epoch with the lowest loss so far and stop after patience epochs "
                        "without a new low" + where)
