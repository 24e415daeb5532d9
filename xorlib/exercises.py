"""Answer checkers, used by the exercises at the end of every chapter.

Each ``check_<chapter>_<what>`` takes the learner's answer (a value, a function or a
class). A right answer prints ``Correct! ...`` and returns True; a wrong one prints
``Not yet: <hint>`` and returns False, and so does learner code that raises. Only an
answer that is not even the expected kind of thing raises a TypeError. Checkers run
under their own seeded random state: they neither depend on nor disturb the learner's.
"""

from __future__ import annotations

import copy
import functools
import numbers
import operator
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from xorlib import plot
from xorlib.data import XORDataset, make_loader
from xorlib.model import SimpleClassifier
from xorlib.training import train_model


class _NotYet(Exception):
    """A wrong answer; the message is the hint shown to the learner."""


def _verdict(ok: bool, hint: str, success: str) -> bool:
    print(f"Correct! {success}" if ok else f"Not yet: {hint}")
    return ok


def _checker(success: str) -> Callable:
    """Turn ``check(answer)``, which raises ``_NotYet(hint)`` on a wrong answer, into a printed verdict."""
    def wrap(check: Callable[[Any], None]) -> Callable[[Any], bool]:
        @functools.wraps(check)
        def run(answer: Any) -> bool:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                try:
                    check(answer)
                except _NotYet as wrong:
                    return _verdict(False, str(wrong), success)
            return _verdict(True, "", success)
        return run
    return wrap


def _require(ok: bool, hint: str) -> None:
    if not ok:
        raise _NotYet(hint)


def _call(fn: Callable, *args: Any, hint: str = "") -> Any:
    """Run learner code; an exception in it becomes a hint instead of a traceback."""
    try:
        return fn(*args)
    except Exception as exc:
        advice = f" ({hint})" if hint else ""
        raise _NotYet(f"your code raised {type(exc).__name__}: {exc}{advice}") from None


def _close(a: Any, b: Any, rtol: float = 1e-4) -> bool:
    a, b = torch.as_tensor(a).detach().double(), torch.as_tensor(b).detach().double()
    return a.shape == b.shape and torch.allclose(a, b, rtol=rtol, atol=1e-6)


def _compare(got: Any, want: Any, mistakes: list[tuple[Any, str]], otherwise: str) -> None:
    """Pass if ``got`` matches ``want``; else give the hint of the first typical mistake it matches."""
    if _close(got, want):
        return
    raise _NotYet(next((hint for wrong, hint in mistakes if _close(got, wrong)), otherwise))


def _number(value: Any, answer: bool = False) -> float:
    """A real number (or one-element tensor) as a float: TypeError for an answer, a hint for a result."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if answer:
        raise TypeError(f"expected a number as the answer, got {value!r} ({type(value).__name__})")
    raise _NotYet(f"your function should return a number, got {type(value).__name__}")


def _same_params(a: nn.Module, b: nn.Module) -> bool:
    return all(_close(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def _tensor(value: Any) -> torch.Tensor:
    _require(isinstance(value, torch.Tensor), f"return a tensor, not a {type(value).__name__}")
    return value.detach()


def _kind(answer: Any, ok: bool, expected: str) -> None:
    if not ok:
        raise TypeError(f"expected {expected}, got {answer!r} ({type(answer).__name__})")


# Chapter 1: autograd


@_checker("Autograd agrees: the gradient of sum(x**3 - 2*x) is 3*x**2 - 2.")
def check_01_gradient(fn: Callable) -> None:
    """``fn(x)`` returns, worked out by hand, the gradient of ``g(x) = (x**3 - 2*x).sum()``."""
    _kind(fn, callable(fn), "a function fn(x) returning the gradient as a tensor")
    x = torch.randn(6, requires_grad=True)
    (want,) = torch.autograd.grad((x**3 - 2 * x).sum(), x)
    x = x.detach()
    got = _tensor(_call(fn, x.clone()))
    _require(got.shape == x.shape, f"the gradient has one entry per entry of x: shape {tuple(x.shape)}, "
                                   f"got {tuple(got.shape)}")
    _compare(got, want, [(3 * x**2, "the derivative of -2*x is -2: you left out the -2"),
                         (x**2 - 2, "the derivative of x**3 is 3*x**2, not x**2"),
                         (3 * x**2 - 2 * x, "the derivative of -2*x is the constant -2, not -2*x"),
                         (x**3 - 2 * x, "that is g's terms themselves; differentiate each one")],
             "differentiate each term x**3 - 2*x with respect to its own x; compare with autograd")


@_checker("backward() adds into .grad: 3 + 3 = 6 per entry. Zero the gradients between steps.")
def check_01_accumulation(value: Any) -> None:
    """``x = torch.tensor([1., 2., 3.], requires_grad=True)``, ``y = 3 * x.sum()``, then
    ``y.backward(retain_graph=True)`` and ``y.backward()``: what is ``x.grad``? (A number: every entry.)"""
    _kind(value, isinstance(value, (numbers.Real, list, tuple, torch.Tensor)) and not isinstance(value, bool),
          "a number, a list or a tensor")
    try:
        got = torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"expected a number, a list of numbers or a tensor, got {value!r}") from None
    got = got.expand(3) if got.numel() == 1 else got
    _require(got.shape == (3,), f"x.grad has the shape of x (3 entries), got shape {tuple(got.shape)}")
    _compare(got, torch.full((3,), 6.0),
             [(torch.full((3,), 3.0), "backward() adds into x.grad instead of overwriting it; it ran twice"),
              (torch.zeros(3), "nothing resets x.grad between the two calls")],
             "each backward() adds dy/dx = 3 to every entry of x.grad")


# Chapter 2: devices and timing


@_checker("Ask a parameter: a module has no device of its own, its tensors do.")
def check_02_device_of(fn: Callable) -> None:
    """``fn(model)`` returns the ``torch.device`` that ``model``'s parameters live on."""
    _kind(fn, callable(fn), "a function fn(model) returning a torch.device")
    for where in ("cpu", "meta"):  # "meta": tensors without data, available on every machine
        hint = "an nn.Module has no .device attribute; ask a parameter: next(model.parameters()).device"
        got = _call(fn, SimpleClassifier().to(where), hint=hint)
        try:
            got = torch.device(got)
        except (TypeError, RuntimeError):
            raise _NotYet(f"return a torch.device such as torch.device('cpu'), got {got!r}") from None
        _require(got.type == where, f"for a model moved with .to({where!r}) you answered {str(got)!r}: read "
                                    "the device from the model's parameters instead of assuming it")


@_checker("A product of two n x n matrices costs 2 n^3 operations (n^3 multiplies, about n^3 adds).")
def check_02_gflops(fn: Callable) -> None:
    """``fn(n, seconds)`` returns the GFLOP/s rate of an ``n x n`` matrix product that took ``seconds``."""
    _kind(fn, callable(fn), "a function fn(n, seconds) returning GFLOP/s")
    for n, s in ((1000, 0.5), (4096, 0.02), (123, 1.7e-4)):
        _compare(_number(_call(fn, n, s)), 2 * n**3 / s / 1e9,
                 [(n**3 / s / 1e9, "a matrix product costs 2 n^3 operations (each of the n^2 entries takes n "
                                   "multiplications and n additions), not n^3"),
                  (2 * n**3 / s, "giga means 1e9: divide the operations per second by 1e9"),
                  (2 * n**3 * s / 1e9, "a rate is operations divided by seconds, not multiplied")],
                 "GFLOP/s = 2 * n**3 / seconds / 1e9")


# Chapter 3: nn.Module


@_checker("sum(p.numel() for p in model.parameters() if p.requires_grad) works for any model.")
def check_03_count_parameters(fn: Callable) -> None:
    """``fn(model)`` returns the number of trainable numbers (``requires_grad``) in ``model``."""
    _kind(fn, callable(fn), "a function fn(model) returning an int")
    frozen = SimpleClassifier(2, 5, 1)
    frozen.linear1.requires_grad_(False)
    for model in (SimpleClassifier(2, 4, 1), SimpleClassifier(3, 7, 2), frozen):
        params = list(model.parameters())
        _compare(_number(_call(fn, model)), sum(p.numel() for p in params if p.requires_grad),
                 [(len(params), "count the numbers inside each tensor (p.numel()), not the tensors"),
                  (sum(p.numel() for p in params), "count only trainable parameters (p.requires_grad)"),
                  (sum(p.numel() for p in params if p.dim() > 1), "don't forget the biases")],
                 "work it out from the model itself: add up p.numel() over model.parameters()")


@_checker("nn.ModuleList registers each layer, so parameters(), .to() and state_dict() see them.")
def check_03_module_list(cls: type) -> None:
    """``cls(sizes)`` is an ``nn.Module`` with one ``nn.Linear`` per consecutive pair of ``sizes``, kept
    in a list, and tanh between layers; ``cls([2, 8, 8, 1])`` maps ``(N, 2)`` to ``(N, 1)``."""
    _kind(cls, isinstance(cls, type), "a class, built as cls(sizes)")
    for sizes in ([2, 8, 8, 1], [3, 5, 2]):
        model = _call(cls, sizes)
        _require(isinstance(model, nn.Module), "subclass nn.Module and call super().__init__() first")
        found = sum(p.numel() for p in model.parameters())
        want = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        _require(found > 0, "model.parameters() is empty: nn.Module cannot see layers in a plain Python "
                            "list; use nn.ModuleList")
        _require(found == want, f"sizes {sizes} need {want} parameters, found {found}: one "
                                "nn.Linear(sizes[i], sizes[i + 1]) per consecutive pair")
        out = _tensor(_call(model, torch.randn(5, sizes[0])))
        _require(out.shape == (5, sizes[-1]), f"for sizes {sizes} the output should be (5, {sizes[-1]}) for "
                                              f"5 inputs, got {tuple(out.shape)}")
        model(torch.randn(5, sizes[0])).sum().backward()
        _require(all(p.grad is not None for p in model.parameters()), "forward should use every layer")


# Chapter 4: data


@_checker("A Dataset only needs __len__ and __getitem__; the DataLoader does the batching.")
def check_04_circles_dataset(cls: type) -> None:
    """``cls(size)``: ``size`` points uniform in ``[-1, 1]^2``; label 1 when the point is farther than 0.5
    from the origin, else 0. ``ds[i]`` is ``(x, label)``: x float32 of shape (2,), label an int64 scalar."""
    _kind(cls, isinstance(cls, type), "a class, built as cls(size)")
    ds = _call(cls, 300)
    n = _call(len, ds)
    _require(n == 300, f"len(dataset) should be the size it was built with (300), got {n}")
    items = [_call(operator.getitem, ds, i) for i in range(300)]
    for item in items:
        _require(isinstance(item, (tuple, list)) and len(item) == 2, "ds[i] should return a pair (x, label)")
        x, label = item
        _require(isinstance(x, torch.Tensor) and x.shape == (2,) and x.dtype == torch.float32,
                 f"x should be a float32 tensor of shape (2,), got {getattr(x, 'dtype', type(x).__name__)} "
                 f"of shape {tuple(getattr(x, 'shape', ()))}")
        _require(isinstance(label, torch.Tensor), "label should be a tensor: self.y[idx] of an int64 tensor")
        _require(label.shape == (), f"label should be a scalar (shape ()), got {tuple(label.shape)}: "
                                    "index self.y[idx], not self.y[idx:idx + 1]")
        _require(label.dtype == torch.int64, f"labels should be int64 (.long()), got {label.dtype}")
    X, y = torch.stack([x for x, _ in items]), torch.stack([label for _, label in items])
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
    _kind(answer, pair and all(isinstance(s, (tuple, list, torch.Size)) for s in answer),
          "a pair of shapes such as ((3, 4), (5,))")
    x_shape, y_shape = (tuple(s) for s in answer)
    _require(x_shape != (2, 32), "the batch dimension comes first: (batch, features)")
    _require(x_shape != (2,) and y_shape != (), "that is one sample; a batch stacks 32 of them")
    _require(y_shape != (32, 1), "each label is a scalar (shape ()), so 32 of them make shape (32,)")
    _require((x_shape, y_shape) == ((32, 2), (32,)), "each sample is x (2,) and a scalar label; batch 32")


@_checker("100 = 3 * 32 + 4: the last batch holds the remainder (unless drop_last=True).")
def check_04_last_batch_size(answer: Any) -> None:
    """A DataLoader over 100 samples with ``batch_size=32``: how many samples does the last batch hold?"""
    _compare(_number(answer, answer=True), 4,
             [(32, "100 is not a multiple of 32: the last batch holds what is left over"),
              (3, "3 is the number of full batches; how many samples are left for the last one?"),
              (0, "the leftover samples are kept unless you pass drop_last=True")],
             "100 samples in batches of 32: what is left after the full batches?")


# Chapter 5: optimization

_STEP_HINT = "the logits are (N, 1): .squeeze(1) them to match y (N,); the target must be float: y.float()"


@_checker("zero_grad, forward, loss, backward, step: the order of every training step.")
def check_05_training_step(fn: Callable) -> None:
    """``fn(model, optimizer, X, y)`` does one SGD step on ``BCEWithLogitsLoss`` and returns the loss as a
    float. ``X`` is ``(N, 2)``, ``y`` ``(N,)`` int64 labels as in ``XORDataset``."""
    _kind(fn, callable(fn), "a function step(model, optimizer, X, y) returning a float")
    data = XORDataset(64, seed=0)
    model = SimpleClassifier(2, 4, 1)
    ref = copy.deepcopy(model)
    opt, ref_opt = torch.optim.SGD(model.parameters(), lr=0.5), torch.optim.SGD(ref.parameters(), lr=0.5)
    for i in range(2):
        before = copy.deepcopy(model)
        loss = _call(fn, model, opt, data.X.clone(), data.y.clone(), hint=_STEP_HINT)
        logits = ref(data.X).squeeze(1)
        ref_loss = F.binary_cross_entropy_with_logits(logits, data.y.float())
        ref_opt.zero_grad()
        ref_loss.backward()
        ref_opt.step()
        _require(not _same_params(before, model),
                 "the parameters did not change: call loss.backward() then optimizer.step(), and "
                 "optimizer.zero_grad() before backward (not between backward and step)")
        _compare(_number(loss), ref_loss.item(),
                 [(F.binary_cross_entropy_with_logits(logits.sigmoid(), data.y.float()).item(),
                   "BCEWithLogitsLoss applies the sigmoid itself: give it the raw logits")],
                 "return the loss of this batch, computed before the step")
        hint = ("the first step was right but the second was not: did you zero the gradients? backward() "
                "adds to .grad" if i else
                "the parameters moved unlike one SGD step on BCEWithLogitsLoss()(logits, y.float())")
        _require(_same_params(model, ref), hint)
        _require(isinstance(loss, float), f"return loss.item(), a Python float, not a {type(loss).__name__}")


@_checker("Log-sigmoid never overflows: for any logit, the loss stays finite.")
def check_05_bce(fn: Callable) -> None:
    """``fn(logits, targets)`` returns the mean binary cross-entropy of ``(N,)`` logits against ``(N,)``
    float 0/1 targets, like ``F.binary_cross_entropy_with_logits``, and stays finite for logits of +-100."""
    _kind(fn, callable(fn), "a function fn(logits, targets) returning a 0-dim tensor")
    for z, t in ((3 * torch.randn(8), torch.randint(0, 2, (8,)).float()),
                 (torch.tensor([100.0, -100, 100, -100, 30, -30]), torch.tensor([0.0, 1, 1, 0, 1, 0]))):
        got, want = _tensor(_call(fn, z.clone(), t.clone())), F.binary_cross_entropy_with_logits(z, t)
        per_sample = F.binary_cross_entropy_with_logits(z, t, reduction="none")
        _require(not _close(got, per_sample), "average the per-sample losses: return their mean")
        _require(got.shape == (), f"return a single number (a 0-dim tensor), got shape {tuple(got.shape)}")
        _require(bool(torch.isfinite(got)), "overflow: for logits of +-100, sigmoid rounds to exactly 0 or 1 "
                 "(or exp(100) overflows), so a log gives inf or nan. Stable form: "
                 "max(z, 0) - z*y + log1p(exp(-|z|))")
        _compare(got, want, [(per_sample.sum(), "average over the samples, don't sum")],
                 "loss = mean of -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]")


# Chapter 6: training


@_checker("ceil(2500 / 128) = 20 steps: 19 full batches and one of 68.")
def check_06_epoch_count(answer: Any) -> None:
    """2500 samples, ``batch_size=128``, default DataLoader: how many optimizer steps make one epoch?"""
    _compare(_number(answer, answer=True), 20,
             [(19, "the last, smaller batch (2500 - 19 * 128 = 68 samples) is a step too (no drop_last)"),
              (2500 / 128, "count whole batches, rounding up: math.ceil(2500 / 128)"),
              (2500, "one step per batch, not per sample")],
             "one step per batch: how many batches of 128 cover 2500 samples?")


@_checker("The loop matches xorlib.train_model step for step.")
def check_06_train_loop(fn: Callable) -> None:
    """``fn(model, loader, num_epochs, lr)`` trains with SGD on ``BCEWithLogitsLoss`` and returns a list with
    each epoch's mean batch loss."""
    _kind(fn, callable(fn), "a function train(model, loader, num_epochs, lr) returning a list of floats")
    data = XORDataset(256, seed=0)
    model = SimpleClassifier(2, 4, 1)
    ref, before = copy.deepcopy(model), copy.deepcopy(model)
    got = _call(fn, model, make_loader(data, 64, seed=0), 3, 0.1, hint=_STEP_HINT)
    want = train_model(ref, make_loader(data, 64, seed=0), 3, 0.1, progress=False)
    _require(isinstance(got, (list, tuple)), f"return a list of losses, got {type(got).__name__}")
    got = [_number(v) for v in got]
    _require(len(got) != 12, "that is one loss per batch; average them into one value per epoch")
    _require(len(got) == 3, f"return one mean loss per epoch: 3 values for num_epochs=3, got {len(got)}")
    _require(not _same_params(before, model),
             "the parameters did not move: call loss.backward() and optimizer.step() for every batch")
    _require(_same_params(model, ref),
             "the trained parameters differ from plain SGD(model.parameters(), lr=lr) on BCEWithLogitsLoss: "
             "check zero_grad before backward, and that the loss gets the raw logits")
    _compare(got, want, [([4 * v for v in want], "average the batch losses of an epoch; you summed them")],
             "each value should be the mean of that epoch's batch losses (loss.item() before each step)")


# Chapter 7: evaluation

_LOGITS = torch.tensor([[2.0], [-1.0], [0.3], [-0.2], [0.2], [-3.0], [1.0], [0.1], [0.4], [-0.6]])
_LABELS = torch.tensor([1, 0, 1, 1, 1, 0, 0, 1, 1, 0])  # right answer 0.8; the mistakes below all differ


@_checker("sigmoid(logit) >= 0.5 is the same as logit >= 0; squeeze before comparing with y.")
def check_07_accuracy(fn: Callable) -> None:
    """``fn(logits, y)``: the fraction of correct predictions, from model outputs ``(N, 1)`` and labels
    ``(N,)``."""
    _kind(fn, callable(fn), "a function fn(logits, y) returning a float")
    pred = (_LOGITS >= 0).long()
    _compare(_number(_call(fn, _LOGITS.clone(), _LABELS.clone())), 0.8,
             [(((_LOGITS >= 0.5).long().squeeze(1) == _LABELS).float().mean(), "these are logits, not "
               "probabilities: threshold sigmoid(logits) at 0.5, i.e. the logits at 0"),
              ((pred == _LABELS).float().mean(), "(N, 1) == (N,) broadcasts to (N, N): squeeze(1) first"),
              (8, "divide the number correct by the number of samples"),
              (80, "return a fraction between 0 and 1, not a percentage"),
              (0.2, "that is the fraction wrong (the error rate)")],
             "predict 1 where sigmoid(logit) >= 0.5, compare with y, and take the mean")


@_checker("eval() changes layers like Dropout; only torch.no_grad() stops gradient tracking.")
def check_07_eval_mode(answer: Any) -> None:
    """True or False: after ``model.eval()``, outputs of ``model(X)`` no longer track gradients."""
    _kind(answer, isinstance(answer, bool), "True or False")
    _require(answer is False, "model.eval() only switches layers such as Dropout and BatchNorm to "
                              "inference behaviour; outputs still have requires_grad=True. "
                              "torch.no_grad() is what stops tracking")


# Chapter 8: decision boundaries


@_checker("The same grid as xorlib.plot.boundary_image.")
def check_08_probability_grid(fn: Callable) -> None:
    """``fn(model, steps)``: P(class 1) on a ``steps x steps`` grid over ``[-0.5, 1.5]^2``, entry ``[i, j]``
    at ``x_1 = axis[j]``, ``x_2 = axis[i]`` with ``axis = torch.linspace(-0.5, 1.5, steps)``."""
    _kind(fn, callable(fn), "a function fn(model, steps) returning a (steps, steps) tensor")
    model = SimpleClassifier(2, 4, 1)
    want = plot.boundary_image(model, steps=7)
    axis = torch.linspace(-0.5, 1.5, 7)
    x2, x1 = torch.meshgrid(axis, axis, indexing="ij")
    logits = model(torch.stack([x1, x2], dim=-1).reshape(-1, 2)).reshape(7, 7).detach()
    got = _tensor(_call(fn, model, 7))
    _require(got.numel() == 49, f"one value per grid point: 7 x 7 = 49 for steps=7, got {got.numel()}")
    _require(got.shape == (7, 7), f"reshape to (steps, steps), got {tuple(got.shape)}")
    _compare(got, want, [(want.T, "rows should follow x_2 and columns x_1 (imshow(origin='lower') then puts "
                                  "x_2 upwards): meshgrid(axis, axis, indexing='ij') returns (x2, x1)"),
                         (logits, "apply torch.sigmoid to the logits to get probabilities")],
             "evaluate the model at every (x_1, x_2) of the grid over [-0.5, 1.5]^2 and apply sigmoid")


@_checker("A linear model's boundary is a straight line, which is why it cannot separate XOR.")
def check_08_linear_boundary(fn: Callable) -> None:
    """For a linear model with logit ``w1*x1 + w2*x2 + b``, ``fn(w1, w2, b, x1)`` returns the ``x2`` where
    P(class 1) = 0.5 (``w2`` is not 0)."""
    _kind(fn, callable(fn), "a function fn(w1, w2, b, x1) returning a number")
    for w1, w2, b, x1 in ((1.0, 2.0, -1.0, 0.3), (-0.5, 1.5, 0.2, 1.0), (2.0, -1.0, 0.5, -0.4)):
        _compare(_number(_call(fn, w1, w2, b, x1)), -(w1 * x1 + b) / w2,
                 [((w1 * x1 + b) / w2, "check the sign: x2 = -(w1*x1 + b) / w2"),
                  (-(w1 * x1 + b), "divide by w2 to solve for x2"),
                  (-w1 * x1 / w2 - b, "divide the bias by w2 too: x2 = -(w1*x1 + b) / w2"),
                  ((0.5 - w1 * x1 - b) / w2, "P = 0.5 where the logit is 0, not 0.5 (sigmoid(0) = 0.5)")],
                 "P(class 1) = 0.5 where the logit w1*x1 + w2*x2 + b is 0; solve for x2")
