"""Each checker in xorlib.exercises accepts different right answers and refuses plausible wrong ones.

Per checker, ``RIGHT`` lists distinct correct answers (the chapter's solution and other valid ways) and
``WRONG`` lists typical mistakes with a word of the hint each must get.
"""

from __future__ import annotations

import statistics
import time

import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

import xorlib
from xorlib import exercises as ex

RIGHT: list[tuple] = []  # (checker, answer, id)
WRONG: list[tuple] = []  # (checker, answer, word of the hint)


def right(check, *answers_with_ids) -> None:
    RIGHT.extend((check, answer, name) for name, answer in answers_with_ids)


def wrong(check, *answers_with_hints) -> None:
    WRONG.extend((check, answer, hint) for hint, answer in answers_with_hints)


def verdict(capsys: pytest.CaptureFixture, check, answer) -> tuple[bool, str]:
    result = check(answer)
    assert capsys.readouterr().out == "", "a checker returns its verdict; it prints nothing"
    return result.ok, repr(result)


def assert_right(capsys, check, answer) -> None:
    ok, out = verdict(capsys, check, answer)
    assert ok is True and out == "Correct!", out  # the answer is not restated


def assert_wrong(capsys, check, answer, hint: str) -> None:
    ok, out = verdict(capsys, check, answer)
    assert ok is False and out.startswith("Not yet: "), out
    assert hint in out, out


# Chapter 0: labels, distances by broadcasting, two predictions (a shape, shared memory)


def labels_loop(scores):
    return torch.tensor([1 if s > 0 else 0 for s in scores.tolist()])


right(ex.check_00_labels,
      ("compare", lambda s: (s > 0).long()), ("to", lambda s: s.gt(0).to(torch.int64)),
      ("where", lambda s: torch.where(s > 0, 1, 0)), ("loop", labels_loop),
      ("sigmoid", lambda s: torch.sigmoid(s).round().long()))
wrong(ex.check_00_labels,
      ("add .long()", lambda s: s > 0), ("as.integer", lambda s: (s > 0).int()),
      ("use .long()", lambda s: (s > 0).float()), ("truncates", lambda s: s.long()),
      ("flipped", lambda s: (s < 0).long()), ("torch.long", lambda s: (s > 0).to(torch.uint8)),
      ("one label per score", lambda s: (s > 0).long().sum()), ("> 0", lambda s: (s > 1).long()))

CORNERS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def corners_view(X, root=False, dim=2, order=(0, 1, 2, 3)):
    """The chapter's solution; the keywords make the variants below."""
    squares = ((X.view(-1, 1, 2) - CORNERS[list(order)]) ** 2).sum(dim=dim)
    return squares.sqrt() if root else squares


def corners_loop(X):
    return torch.tensor([[((x - c) ** 2).sum().item() for c in CORNERS] for x in X])


def corners_by_coordinate(X):
    cx, cy = CORNERS[:, 0], CORNERS[:, 1]  # (4,) each
    return (X[:, :1] - cx) ** 2 + (X[:, 1:] - cy) ** 2  # (N, 1) against (4,): (N, 4)


right(ex.check_00_corner_distances,
      ("view", corners_view), ("loop", corners_loop), ("by coordinate", corners_by_coordinate),
      ("expanded square", lambda X: (X**2).sum(dim=1, keepdim=True) - 2 * X @ CORNERS.T
       + (CORNERS**2).sum(dim=1)))
wrong(ex.check_00_corner_distances,
      ("leave out the root", lambda X: corners_view(X, root=True)),
      ("square each coordinate", lambda X: (X.view(-1, 1, 2) - CORNERS).abs().sum(dim=2)),
      ("one row per point", lambda X: corners_view(X).T),
      ("one column per corner", lambda X: corners_view(X, dim=1)),
      ("column j belongs to corner j", lambda X: corners_view(X, order=(0, 2, 1, 3))),
      ("line the shapes up", lambda X: ((X - CORNERS) ** 2).sum(dim=1)),
      ("return floats", lambda X: corners_view(X).long()))

right(ex.predict_00_broadcast_shape,
      ("tuple", (3, 4)), ("Size", torch.Size([3, 4])), ("measured", (torch.ones(3, 1) + torch.ones(4)).shape),
      ("broadcast_shapes", torch.broadcast_shapes((3, 1), (4,))))
wrong(ex.predict_00_broadcast_shape,
      ("round brackets", [3, 4]), ("from the right", (4, 3)), ("as many dimensions", (12,)),
      ("as many dimensions", (4,)), ("nothing is recycled", (3, 1)), ("nothing is recycled", (1, 4)),
      ("no more", (3, 4, 1)), ("compare them dimension by dimension", (3, 3)))


def shared_memory_measured():
    x = torch.arange(6)
    v = x.view(2, 3)
    c = v.clone()
    v[0, 1] = 10
    c[1, 2] = -1
    return x.tolist()


right(ex.predict_00_shared_memory,
      ("list", [0, 10, 2, 3, 4, 5]), ("tuple", (0, 10, 2, 3, 4, 5)), ("measured", shared_memory_measured()))
wrong(ex.predict_00_shared_memory,
      ("numbers of its own", [0, 1, 2, 3, 4, 5]), ("how c was made", [0, 10, 2, 3, 4, -1]),
      ("how c was made", [0, 1, 2, 3, 4, -1]), ("PyTorch's order", [0, 1, 10, 3, 4, 5]),
      ("six entries", [0, 10, 2, 3, 4]),
      ("follow each assignment", [10, 1, 2, 3, 4, 5]))

PREDICTIONS = {  # each prediction checker, and how its answer could be written in a hint
    ex.predict_00_broadcast_shape: ("(3, 4)", "3, 4", "3 x 4"),
    ex.predict_00_shared_memory: ("0, 10, 2", "[0, 10"),
    ex.predict_03_parameter_count: ("62",),
    ex.predict_04_batch_sizes: ("32, 32, 32, 4", "[32, 32, 32"),
    ex.predict_05_two_steps: ("2.12", "0.72", "7.2"),
}


def test_a_wrong_prediction_is_not_told_the_answer() -> None:
    for check, answer, _ in WRONG:
        if check in PREDICTIONS:
            hint = repr(check(answer))
            assert not any(text in hint for text in PREDICTIONS[check]), (check.__name__, hint)
    assert not PREDICTIONS.keys() - {c for c, *_ in WRONG}, "every prediction has its wrong guesses"
    assert all(check(a).why for check, a, _ in RIGHT if check in PREDICTIONS), "a right guess keeps its why"


# Chapter 1: a gradient by hand (no autograd), debugging gradient descent


def autograd_backward(x):
    x = x.clone().requires_grad_()
    (x**3 - 2 * x).sum().backward()
    return x.grad


def autograd_grad(x):
    x = x.clone().requires_grad_()
    return torch.autograd.grad((x**3 - 2 * x).sum(), x)[0]


def autograd_enabled(x):
    with torch.enable_grad():
        return autograd_backward(x)


right(ex.check_01_gradient,
      ("formula", lambda x: 3 * x**2 - 2),
      ("methods", lambda x: x.pow(2).mul(3).sub(2)),
      ("loop", lambda x: torch.tensor([3 * v * v - 2 for v in x.tolist()])))
wrong(ex.check_01_gradient,
      ("left out the -2", lambda x: 3 * x**2),
      ("3*x**2, not x**2", lambda x: x**2 - 2),
      ("not -2*x", lambda x: 3 * x**2 - 2 * x),
      ("differentiate each one", lambda x: x**3 - 2 * x),
      ("one entry per entry", lambda x: (3 * x**2 - 2).sum()),
      ("return a tensor", lambda x: (3 * x**2 - 2).numpy()),
      ("you used autograd", autograd_backward),
      ("you used autograd", autograd_grad),
      ("you used autograd", autograd_enabled),
      ("you used autograd", lambda x: torch.func.grad(lambda t: (t**3 - 2 * t).sum())(x)),
      ("you used autograd", lambda x: torch.autograd.functional.jacobian(lambda t: (t**3 - 2 * t).sum(), x)))


def descend(f, start, lr=0.1, steps=100, sign=-1, clear="zero_", leaf=True):
    """The exercise's fixed function; the keywords make the buggy variants below."""
    x = torch.tensor(start, requires_grad=leaf)
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x += sign * lr * x.grad
        if clear == "zero_":
            x.grad.zero_()
        elif clear == "None":
            x.grad = None
    return x.item()


def descend_grad(f, start, lr=0.1, steps=100):
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    for _ in range(steps):
        (slope,) = torch.autograd.grad(f(x), x)  # leaves x.grad alone
        with torch.no_grad():
            x -= lr * slope
    return x


def descend_rebound(f, start, lr=0.1, steps=100):
    x = torch.tensor(start, requires_grad=True)
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x = x - lr * x.grad  # a new tensor, outside the graph: the next backward() fails
    return x.item()


right(ex.debug_01_descend,
      ("zero_", descend), ("grad = None", lambda f, s: descend(f, s, clear="None")),
      ("autograd.grad, float64, a tensor back", descend_grad))
wrong(ex.debug_01_descend,
      ("two bugs", lambda f, s: descend(f, s, sign=1, clear=None)),
      ("never cleared", lambda f, s: descend(f, s, clear=None)),
      ("uphill", lambda f, s: descend(f, s, sign=1)),
      ("x must be a leaf", descend_rebound),
      ("x must be a leaf", lambda f, s: descend(f, s, leaf=False)),
      ("never moved", lambda f, s: descend(f, s, lr=0.0)),
      ("should end at", lambda f, s: descend(f, s, steps=10)))


# Chapter 2: timing honestly, debugging where a batch goes


def timed(work, repeats, warm_up=True, summary=statistics.median, times_all=False):
    """The exercise's solution; the keywords make the variants below."""
    if warm_up and not times_all:
        work()
    times = []
    for _ in range(repeats + (1 if times_all else 0)):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return summary(times)


def timed_torch(work, repeats):
    work()
    stamps = [time.perf_counter()]
    for _ in range(repeats):
        work()
        stamps.append(time.perf_counter())
    return torch.tensor(stamps, dtype=torch.float64).diff().median().item()  # odd repeats: the middle one


def timed_sorted(work, repeats):
    work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def timed_once(work, repeats):
    work()
    start = time.perf_counter()
    for _ in range(repeats):
        work()
    return (time.perf_counter() - start) / repeats


right(ex.check_02_timing,
      ("statistics.median", timed), ("torch median", timed_torch), ("sorted", timed_sorted))
wrong(ex.check_02_timing,
      ("one untimed call", lambda w, r: timed(w, r, warm_up=False)),
      ("that is the mean", lambda w, r: timed(w, r, summary=statistics.mean)),
      ("that is the mean", timed_once),
      ("warm-up call was timed", lambda w, r: timed(w, r, times_all=True)),
      ("fastest", lambda w, r: timed(w, r, summary=min)),
      ("slowest", lambda w, r: timed(w, r, summary=max)),
      ("total", lambda w, r: timed(w, r, summary=sum)),
      ("read time.perf_counter()", lambda w, r: timed(w, r, summary=lambda t: 0.0)),
      ("repeats + 1", lambda w, r: timed(w, r * 2)),
      ("with no arguments", lambda w, r: w(r)))


def logits_on_buggy(model, X, assign=False, where=None):
    """The exercise's cell: the device of the machine, and the result of .to() dropped."""
    device = where(model) if where else xorlib.get_device()
    if assign:
        X = X.to(device)
    else:
        X.to(device)
    return model(X)


def model_device(model):
    return next(model.parameters()).device


def model_to_data(model, X):
    model.to(X.device)  # moves the caller's model
    return model(X)


right(ex.debug_02_logits_on,
      ("next(parameters())", lambda m, X: logits_on_buggy(m, X, assign=True, where=model_device)),
      ("module_device", lambda m, X: m(X.to(xorlib.module_device(m)))),
      ("a named weight", lambda m, X: m(X.to(m.linear1.weight.device))))
wrong(ex.debug_02_logits_on,
      ("device other than the model's", logits_on_buggy),
      ("device other than the model's", lambda m, X: logits_on_buggy(m, X, assign=True)),
      ("returns a new tensor", lambda m, X: logits_on_buggy(m, X, where=model_device)),
      ("leave the model where it is", model_to_data),
      ("return model(X)", lambda m, X: torch.sigmoid(logits_on_buggy(m, X, assign=True, where=model_device))),
      ("(5, 1)", lambda m, X: m(X.to(model_device(m))).squeeze(1)))


# Chapter 3: predicting a parameter count, a list of layers


right(ex.predict_03_parameter_count,
      ("literal", 62), ("by hand", (3 * 10 + 10) + (10 * 2 + 2)),
      ("measured", sum(p.numel() for p in xorlib.SimpleClassifier(3, 10, 2).parameters())))
wrong(ex.predict_03_parameter_count,
      ("SimpleClassifier(2, 4, 1)", 17), ("biases", 3 * 10 + 10 * 2), ("weights and biases", 3 * 10 * 2),
      ("weights and biases", 3 + 10 + 2), ("four parameter tensors", 52), ("four parameter tensors", 64))


def layers(sizes):
    return [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


class MLP(nn.Module):  # the chapter's solution
    def __init__(self, sizes, between=torch.tanh, last=None):
        super().__init__()
        self.layers = nn.ModuleList(layers(sizes))
        self.between, self.last = between, last

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = self.between(layer(x))
        x = self.layers[-1](x)
        return self.last(x) if self.last else x


class SequentialMLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        modules = [m for layer in layers(sizes) for m in (layer, nn.Tanh())]
        self.net = nn.Sequential(*modules[:-1])  # no Tanh after the last layer

    def forward(self, x):
        return self.net(x)


class NamedMLP(nn.Module):  # layers registered one by one instead of in a list
    def __init__(self, sizes):
        super().__init__()
        self.count = len(sizes) - 1
        for i, layer in enumerate(layers(sizes)):
            self.add_module(f"layer{i}", layer)

    def forward(self, x):
        for i in range(self.count):
            x = getattr(self, f"layer{i}")(x)
            x = F.tanh(x) if i < self.count - 1 else x
        return x


def mlp(between=torch.tanh, last=None) -> type:
    """MLP with another function between layers or after the last one."""
    class Changed(MLP):
        def __init__(self, sizes):
            super().__init__(sizes, between, last)
    return Changed


class ListMLP(MLP):
    def __init__(self, sizes):
        nn.Module.__init__(self)
        self.layers, self.between, self.last = layers(sizes), torch.tanh, None  # a plain list


class SkipMLP(MLP):
    def forward(self, x):  # forgets the middle layers
        return self.layers[-1](torch.tanh(self.layers[0](x)))


class SameSizeMLP(MLP):
    def __init__(self, sizes):
        super().__init__(sizes)
        self.layers = nn.ModuleList(nn.Linear(sizes[0], b) for b in sizes[1:])


class NotAModule:
    def __init__(self, sizes):
        self.layers = layers(sizes)


right(ex.check_03_module_list, ("ModuleList", MLP), ("Sequential", SequentialMLP), ("add_module", NamedMLP))
wrong(ex.check_03_module_list,
      ("nn.ModuleList", ListMLP),
      ("one linear map", mlp(between=lambda t: t)),
      ("no tanh after the last layer", mlp(last=torch.tanh)),
      ("ReLU", mlp(between=torch.relu)),
      ("every layer in order", mlp(between=torch.sigmoid)),
      ("every layer in order", SkipMLP),
      ("one nn.Linear(a, b) per pair", SameSizeMLP),
      ("subclass nn.Module", NotAModule))


# Chapter 4: a data set, predicting the batches a DataLoader gives


class Circles(Dataset):  # the chapter's solution
    def __init__(self, size):
        self.X = 2 * torch.rand(size, 2) - 1
        self.y = (self.X.norm(dim=1) > 0.5).long()

    def __len__(self):
        return len(self.X)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


class UniformCircles(Circles):
    def __init__(self, size):
        self.X = torch.empty(size, 2).uniform_(-1, 1)
        self.y = (self.X.pow(2).sum(dim=1) > 0.25).long()  # squared radius against 0.5 ** 2


class IntLabelCircles(Circles):
    def __getitem__(self, idx):
        return self.X[idx], int(self.y[idx])  # the DataLoader collates Python ints to int64


class SeededCircles(Dataset):  # each point made on demand, the same one every time
    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, idx):
        x = 2 * torch.rand(2, generator=torch.Generator().manual_seed(idx)) - 1
        return x, (x.norm() > 0.5).long()


class FreshCircles(SeededCircles):  # a new random point at every access
    def __getitem__(self, idx):
        x = 2 * torch.rand(2) - 1
        return x, (x.norm() > 0.5).long()


class Fixed300Circles(Circles):
    def __init__(self, size):
        super().__init__(300)


def circles(get=None, make=lambda size: 2 * torch.rand(size, 2) - 1, radius=lambda x: x.norm(dim=1)):
    """A Circles class with one thing changed: how items are returned, points drawn or radii measured."""
    class Changed(Circles):
        def __init__(self, size):
            self.X = make(size)
            self.y = (radius(self.X) > 0.5).long()

        def __getitem__(self, idx):
            return get(self, idx) if get else super().__getitem__(idx)
    return Changed


right(ex.check_04_circles_dataset,
      ("tensors", Circles), ("uniform_", UniformCircles), ("int label", IntLabelCircles),
      ("seeded per item", SeededCircles))
wrong(ex.check_04_circles_dataset,
      ("flipped", circles(get=lambda ds, i: (ds.X[i], 1 - ds.y[i]))),
      ("int64", circles(get=lambda ds, i: (ds.X[i], ds.y[i].float()))),
      ("scalar", circles(get=lambda ds, i: (ds.X[i], ds.y[i:i + 1]))),
      ("pair", circles(get=lambda ds, i: (ds.X[i], ds.y[i], i))),
      ("float32", circles(make=lambda size: 2 * torch.rand(size, 2, dtype=torch.float64) - 1)),
      ("fill the square", circles(make=lambda size: torch.rand(size, 2))),
      ("fill the square", circles(make=lambda size: torch.randn(size, 2))),
      ("not its square", circles(radius=lambda x: x.pow(2).sum(dim=1))),
      ("different sample each time", FreshCircles),
      ("size it was built with (57)", Fixed300Circles))

right(ex.predict_04_batch_sizes,
      ("list", [32, 32, 32, 4]), ("tuple", (32, 32, 32, 4)),
      ("measured", [len(y) for _, y in DataLoader(Circles(100), batch_size=32, shuffle=True)]))
wrong(ex.predict_04_batch_sizes,
      ("drop_last=True", [32, 32, 32]), ("more than the data set has", [32, 32, 32, 32]),
      ("even the batches out", [25, 25, 25, 25]), ("even the batches out", [34, 33, 33]),
      ("fills each batch up to batch_size", [4, 32, 32, 32]), ("even the batches out", [20] * 5),
      ("every batch but the last is full", [32, 32, 36]))


# Chapter 5: predicting two steps, debugging a training step, a straight-line classifier


def two_steps_measured():
    w = torch.tensor(1.0, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.1)
    for _ in range(2):
        loss = (w - 3) ** 2
        loss.backward()
        optimizer.step()
    return round(w.item(), 2)


right(ex.predict_05_two_steps,
      ("literal", 2.12), ("measured", two_steps_measured()), ("tensor", torch.tensor(2.12)))
wrong(ex.predict_05_two_steps,
      ("what does w.grad hold", 1.72), ("the loop runs twice", 1.4), ("step() changes w", 1.0),
      ("against its gradient", 0.28), ("against its gradient", -0.2), ("work through the two passes", 3.0))


def step(model, optimizer, X, y, loss_of=None, zero="before", item=True, do_step="after"):
    """The fixed step; the keywords make the variants below."""
    if zero == "before":
        optimizer.zero_grad()
    logits = model(X).squeeze(1)
    loss = (loss_of or nn.BCEWithLogitsLoss())(logits, y.float())
    if do_step == "before":
        optimizer.step()
    loss.backward()
    if do_step == "after":
        optimizer.step()
    if zero == "after":
        optimizer.zero_grad()
    return loss.item() if item else loss


def step_2d_target(model, optimizer, X, y):
    model.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y.float().unsqueeze(1))  # (N, 1) against (N, 1)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def step_own_optimizer(model, optimizer, X, y):
    return step(model, torch.optim.SGD(model.parameters(), lr=0.1), X, y)


def step_loss_after(model, optimizer, X, y):
    step(model, optimizer, X, y)
    return F.binary_cross_entropy_with_logits(model(X).squeeze(1), y.float()).item()


def sigmoid_then_bce(logits, target):
    return nn.BCELoss()(torch.sigmoid(logits), target)


def sigmoid_first(logits, target):  # the exercise's first bug
    return nn.BCEWithLogitsLoss()(torch.sigmoid(logits), target)


def step_int_target(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = nn.BCEWithLogitsLoss()(model(X).squeeze(1), y)  # int64 target
    loss.backward()
    optimizer.step()
    return loss.item()


right(ex.debug_05_step,
      ("fixed", step), ("zero_grad last", lambda *args: step(*args, zero="after")),
      ("(N, 1) target", step_2d_target))
wrong(ex.debug_05_step,
      ("raw logits", lambda *args: step(*args, loss_of=sigmoid_first, zero=None)),
      ("raw logits", lambda *args: step(*args, loss_of=sigmoid_first)),
      ("what does backward() do", lambda *args: step(*args, zero=None)),
      ("in which order", lambda *args: step(*args, do_step="before")),
      ("y.float()", step_int_target),
      ("squeeze", lambda m, o, X, y: nn.BCEWithLogitsLoss()(m(X), y.float())),
      ("saturates", lambda *args: step(*args, loss_of=sigmoid_then_bce)),
      ("Python float", lambda *args: step(*args, item=False)),
      ("did not change", lambda *args: step(*args, do_step=None)),
      ("moved unlike one SGD step", step_own_optimizer),
      ("computed before the step", step_loss_after))


def fit(model, X, y, steps=200, lr=1.0, target=lambda y: y.float(), loss_of=None):
    """The chapter's solution; the keywords make the variants below."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = (loss_of or nn.BCEWithLogitsLoss())(model(X).squeeze(dim=1), target(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def fit_functional(model, X, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
    for _ in range(100):
        model.zero_grad()
        F.binary_cross_entropy_with_logits(model(X)[:, 0], y.float()).backward()
        optimizer.step()


right(ex.check_05_line_classifier,
      ("loop", fit), ("functional", fit_functional),
      ("train_model on one batch", lambda m, X, y: xorlib.train_model(m, [(X, y)], num_epochs=300, lr=0.5,
                                                                     progress=False)))
wrong(ex.check_05_line_classifier,
      ("did not change", lambda m, X, y: None),
      ("did not change", lambda m, X, y: fit(nn.Linear(2, 1), X, y)),
      ("more steps, or a larger lr", lambda m, X, y: fit(m, X, y, steps=10, lr=0.1)),
      ("rose", lambda m, X, y: fit(m, X, y, target=lambda y: 1 - y.float())),
      ("y.float()", lambda m, X, y: fit(m, X, y, target=lambda y: y)),
      ("more steps, or a larger lr", lambda m, X, y: fit(m, X, y, steps=30, lr=0.1, loss_of=sigmoid_first)))


# Chapter 6: debugging a training loop, resuming from a checkpoint


def train(model, loader, num_epochs, lr, loss_fn=None, optimizer=None, order="backward, step", mode=True,
          mean=None):
    """The fixed loop; the keywords make the variants below."""
    optimizer = optimizer or torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = loss_fn or nn.BCEWithLogitsLoss()
    if mode:
        model.train()
    history = []
    for _ in range(num_epochs):
        batches = []
        for X, y in loader:
            loss = loss_fn(model(X)[:, 0], y.float())
            if order != "no zero_grad":
                optimizer.zero_grad()
            if order == "step, backward":
                optimizer.step()
            loss.backward()
            if order != "step, backward":
                optimizer.step()
            batches.append((loss.item(), len(y)))
        history.append(mean(batches, loader) if mean else sum(b for b, _ in batches) / len(batches))
    return history


def averaged(mean):
    """The fixed loop with another way to sum up an epoch's (loss, batch size) pairs."""
    return lambda *args: train(*args, mean=mean)


def train_tensor_sum(model, loader, num_epochs, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    history = []
    for _ in range(num_epochs):
        total = torch.zeros(())
        for X, y in loader:
            loss = F.binary_cross_entropy_with_logits(model(X).view(-1), y.to(torch.float32))
            model.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach()
        history.append(total / len(loader))
    return history


def per_batch(model, loader, num_epochs, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    return [step(model, optimizer, X, y) for _ in range(num_epochs) for X, y in loader]


right(ex.debug_06_train_loop,
      ("fixed", train),
      ("statistics.mean", averaged(lambda b, _: statistics.mean(v for v, _ in b))),
      ("tensor sum", train_tensor_sum),
      ("train_model", lambda *args: xorlib.train_model(*args, progress=False)))
wrong(ex.debug_06_train_loop,
      ("never moved", lambda *args: train(*args, order="step, backward", mode=False)),
      ("never moved", lambda *args: train(*args, order="step, backward")),
      ("evaluation mode", lambda *args: train(*args, mode=False)),
      ("you summed them", averaged(lambda b, _: sum(v for v, _ in b))),
      ("mean per sample", averaged(lambda b, ld: sum(v * n for v, n in b) / len(ld.dataset))),
      ("not of samples", averaged(lambda b, ld: sum(v for v, _ in b) / len(ld.dataset))),
      ("last batch's loss", averaged(lambda b, _: b[-1][0])),
      ("one loss per batch", per_batch),
      ("one mean loss per epoch", lambda m, ld, n, lr: train(m, ld, n, lr)[-1:]),
      ("saturates", lambda *args: train(*args, loss_fn=sigmoid_then_bce)),
      ("differ from plain SGD", lambda *args: train(*args, order="no zero_grad")),
      ("plain SGD", lambda m, *args: train(m, *args, optimizer=torch.optim.Adam(m.parameters()))))


def resume(path, loader, num_epochs, lr=0.1, save=True, load=True, epochs=lambda n: n):
    """The chapter's solution; the keywords make the variants below."""
    model = xorlib.load_checkpoint(path) if load else xorlib.SimpleClassifier()
    losses = xorlib.train_model(model, loader, epochs(num_epochs), lr=lr, progress=False)
    if save:
        xorlib.save_checkpoint(model, path)
    return losses


def resume_own_loop(path, loader, num_epochs):
    model = xorlib.load_checkpoint(path)
    losses = train(model, loader, num_epochs, 0.1)
    xorlib.save_checkpoint(model, str(path))
    return losses


def resume_epoch_by_epoch(path, loader, num_epochs):
    losses = []
    for _ in range(num_epochs):  # plain SGD keeps nothing between calls: the same run
        model = xorlib.load_checkpoint(path)
        losses += xorlib.train_model(model, loader, 1, lr=0.1, progress=False)
        xorlib.save_checkpoint(model, path)
    return losses


def resume_state_dict(path, loader, num_epochs):
    model = xorlib.load_checkpoint(path)
    losses = xorlib.train_model(model, loader, num_epochs, lr=0.1, progress=False)
    torch.save(model.state_dict(), path)  # load_checkpoint cannot read it
    return losses


right(ex.check_06_resume, ("library", resume), ("own loop", resume_own_loop),
      ("epoch by epoch", resume_epoch_by_epoch))
wrong(ex.check_06_resume,
      ("still holds the old weights", lambda *args: resume(*args, save=False)),
      ("not a new one", lambda *args: resume(*args, load=False)),
      ("no longer a checkpoint", resume_state_dict),
      ("SGD with lr 0.1", lambda *args: resume(*args, lr=0.5)),
      ("more epochs", lambda *args: resume(*args, epochs=lambda n: n + 1)),
      ("return the epochs' losses", lambda *args: resume(*args) and None),
      ("one mean loss for each", lambda *args: resume(*args)[:1]),
      ("rebuilds the model", lambda p, *args: xorlib.load_checkpoint(p, xorlib.SimpleClassifier())))


# Chapters 0 to 6: the code the exercises print is the code the checkers judge


PRINTED = {  # chapter: (checker, code as printed, name of the buggy function or how to read the answer, hint)
    "00_tensors": (ex.predict_00_shared_memory, """
x = torch.arange(6)
v = x.view(2, 3)
c = v.clone()
v[0, 1] = 10
c[1, 2] = -1
""", lambda ns: ns["x"].tolist(), None),
    "01_autograd": (ex.debug_01_descend, """
def descend(f, start, lr=0.1, steps=100):
    x = torch.tensor(start, requires_grad=True)
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():  # the step itself is not recorded
            x += lr * x.grad
    return x.item()
""", "descend", "two bugs"),
    "02_devices": (ex.debug_02_logits_on, """
def logits_on(model, X):
    device = xorlib.get_device()
    X.to(device)
    return model(X)
""", "logits_on", "device other than the model's"),
    "05_optimization": (ex.debug_05_step, """
def train_step(model, optimizer, X, y):
    logits = model(X).squeeze(dim=1)
    loss = nn.BCEWithLogitsLoss()(torch.sigmoid(logits), y.float())
    loss.backward()
    optimizer.step()
    return loss.item()
""", "train_step", "raw logits"),
    "06_training": (ex.debug_06_train_loop, """
def train(model, loader, num_epochs, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history = []
    for _ in range(num_epochs):
        losses = []
        for X, y in loader:
            logits = model(X)[:, 0]
            loss = nn.functional.binary_cross_entropy_with_logits(logits, y.float())
            optimizer.zero_grad()
            optimizer.step()
            loss.backward()
            losses.append(loss.item())
        history.append(sum(losses) / len(losses))
    return history
""", "train", "never moved"),
}
PRINTED["05_optimization_predict"] = (ex.predict_05_two_steps, """
w = torch.tensor(1.0, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=0.1)  # a list of tensors works too
for _ in range(2):
    loss = (w - 3) ** 2
    loss.backward()
    optimizer.step()
""", lambda ns: round(ns["w"].item(), 2), None)


@pytest.mark.parametrize("key", PRINTED)
def test_the_printed_code_is_what_the_checker_judges(capsys, key) -> None:
    """A debugging exercise's buggy cell is refused with its hint; a prediction's code gives the answer."""
    import json
    from pathlib import Path

    check, code, read, hint = PRINTED[key]
    chapter = Path(__file__).resolve().parent.parent / "chapters" / f"{key.removesuffix('_predict')}.ipynb"
    nb = json.loads(chapter.read_text())
    printed = "\n".join(line.strip() for c in nb["cells"] if c["cell_type"] == "markdown"
                        for line in "".join(c["source"]).splitlines())
    assert "\n".join(line.strip() for line in code.strip().splitlines()) in printed, key
    namespace = {"torch": torch, "nn": nn, "xorlib": xorlib}
    exec(code, namespace)  # the chapter's own lines
    if hint is None:
        assert_right(capsys, check, read(namespace))
    else:
        assert_wrong(capsys, check, namespace[read], hint)


# Chapter 7: dropout predicted, an accuracy in batches debugged, a feature that beats the baseline

# The code the chapters give to debug, exactly as printed there (test_the_debugging_code_is_the_chapters'
# checks that), run here so that the checkers are seen to refuse it.
BUGGY = {
    "07_evaluation": '''
def batch_accuracy(model, X, y, batch_size):
    correct = 0
    for start in range(0, len(X), batch_size):
        logits = model(X[start:start + batch_size])  # (B, 1)
        predicted = (torch.sigmoid(logits) >= 0).long()
        yb = y[start:start + batch_size]
        correct += (predicted.squeeze(0) == yb).sum().item()
    return correct / len(X)
''',
    "09_learning_rate": '''
def train_momentum(model, X, y, num_epochs, batch_size, lr):
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(num_epochs):
        for start in range(0, len(X), batch_size):
            optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
            logits = model(X[start:start + batch_size]).squeeze(dim=1)
            loss = loss_fn(logits, y[start:start + batch_size].float())
            loss.backward()
            optimizer.zero_grad()
            optimizer.step()
''',
    "10_generalisation": '''
def best_weights(model, X_train, y_train, X_val, y_val, num_epochs):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    best_loss, best_state = float("inf"), None
    for _ in range(num_epochs):
        loss = loss_fn(model(X_train).squeeze(dim=1), y_train.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            val_loss = loss_fn(model(X_train).squeeze(dim=1), y_train.float()).item()
        if val_loss < best_loss:
            best_loss, best_state = val_loss, model.state_dict()
    return best_state
''',
}


def buggy(chapter: str):
    """The function the chapter's debugging exercise gives, defined from its printed source."""
    scope = {"torch": torch, "loss_fn": nn.BCEWithLogitsLoss()}
    exec(BUGGY[chapter], scope)  # the course's own code, as the chapter prints it
    return next(v for k, v in scope.items() if callable(v) and k not in ("torch", "loss_fn"))


right(ex.predict_07_dropout,
      ("list", [0.0, 3.75]), ("any order", (3.75, 0.0)), ("set", {0.0, 3.75}),
      ("tensor", torch.tensor([0.0, 3.75])),
      ("measured", sorted(nn.Dropout(p=0.2)(torch.full((10_000,), 3.0)).unique().tolist())))
wrong(ex.predict_07_dropout,
      ("changed too", [0.0, 3.0]), ("depends on p", [0.0, 6.0]), ("share that is kept", [0.0, 15.0]),
      ("scaled up", [0.0, 2.4]), ("training mode", [3.0]), ("training mode", [3.75]),
      ("dropped or kept", [0.0, 1.25]))


def batch_accuracy(model, X, y, batch_size, total=None, train=False, grad=False, cut=0.5, dim=1, wrong=False):
    """The chapter's fixed function; the keywords put its bugs (and other mistakes) back one by one."""
    if not train:
        model.eval()
    correct = 0
    with torch.set_grad_enabled(grad):
        for start in range(0, len(X), batch_size):
            predicted = (torch.sigmoid(model(X[start:start + batch_size])) >= cut).long()
            yb = y[start:start + batch_size]
            hits = (predicted.squeeze(dim) != yb) if wrong else (predicted.squeeze(dim) == yb)
            correct += hits.sum().item()
    return correct / (total(X, batch_size) if total else len(X))


def batch_accuracy_inference(model, X, y, batch_size):
    model.eval()
    with torch.inference_mode():
        batches = zip(X.split(batch_size), y.split(batch_size), strict=True)
        hits = [(model(xb).view(-1) >= 0).long() == yb for xb, yb in batches]
    return torch.cat(hits).float().mean()


def batch_accuracy_library(model, X, y, batch_size):  # xorlib.accuracy switches to eval and no_grad itself
    starts = range(0, len(X), batch_size)
    return xorlib.accuracy(model, [(X[i:i + batch_size], y[i:i + batch_size]) for i in starts])


right(ex.debug_07_accuracy,
      ("chapter", batch_accuracy), ("inference_mode", batch_accuracy_inference),
      ("xorlib.accuracy", batch_accuracy_library))
wrong(ex.debug_07_accuracy,
      ("training mode", buggy("07_evaluation")),
      ("training mode", lambda *a: batch_accuracy(*a, train=True)),
      ("never comes", lambda *a: batch_accuracy(*a, grad=True)),
      ("probability is never below 0", lambda *a: batch_accuracy(*a, cut=0.0)),
      ("broadcast to (B, B)", lambda *a: batch_accuracy(*a, dim=0)),
      ("not by the number of batches", lambda *a: batch_accuracy(*a, total=lambda X, b: -(-len(X) // b))),
      ("fraction wrong", lambda *a: batch_accuracy(*a, wrong=True)),
      ("percentage", lambda *a: 100 * batch_accuracy(*a)),
      ("every point must count once", lambda m, X, y, b: batch_accuracy(m, X[:48], y[:48], b, lambda *_: 60)),
      ("every point must count once", lambda m, X, y, b: batch_accuracy(m, X[:-1], y[:-1], b, lambda *_: 60)),
      ("never called the model", lambda *a: 0.75))


def circle_squares(X):
    return (X**2).sum(dim=1, keepdim=True)


right(ex.check_07_circle_feature,
      ("squared radius", circle_squares), ("radius", lambda X: X.norm(dim=1, keepdim=True)),
      ("squares", lambda X: X**2), ("points and squares", lambda X: torch.cat([X, X**2], dim=1)))
wrong(ex.check_07_circle_feature,
      ("answering class 1 everywhere", lambda X: X),
      ("x1*x2 told XOR's corners apart", lambda X: torch.cat([X, X[:, :1] * X[:, 1:]], dim=1)),
      ("not the circle yet", lambda X: X.abs()),
      ("(N, k)", lambda X: circle_squares(X)[:, 0]),
      ("floats", lambda X: (circle_squares(X) > 0.25).long()),
      ("inf or NaN", lambda X: circle_squares(X).log() * 0 / 0),
      ("(N, k)", lambda X: circle_squares(X)[:10]))


# Chapter 8: a batched forward pass, the shape that vmap gives


def logits_einsum(W1, b1, W2, b2, X):
    hidden = torch.tanh(torch.einsum("mhi,ni->mnh", W1, X) + b1[:, None, :])
    return torch.einsum("mnh,moh->mn", hidden, W2) + b2


def logits_bmm(W1, b1, W2, b2, X):
    hidden = torch.tanh(X @ W1.transpose(1, 2) + b1.unsqueeze(1))  # (M, N, H): X broadcasts over M
    return (torch.bmm(hidden, W2.transpose(1, 2)) + b2.unsqueeze(1)).squeeze(2)


def logits_vmap(W1, b1, W2, b2, X):
    def one(w1, c1, w2, c2):
        return (torch.tanh(X @ w1.T + c1) @ w2.T + c2).squeeze(1)
    return torch.vmap(one)(W1, b1, W2, b2)


right(ex.check_08_batched_logits, ("einsum", logits_einsum), ("bmm", logits_bmm), ("vmap", logits_vmap))
wrong(ex.check_08_batched_logits,
      ("(M, N)", lambda *a: logits_bmm(*a).unsqueeze(2)),
      ("models first", lambda *a: logits_bmm(*a).T),
      ("tanh", lambda W1, b1, W2, b2, X: torch.einsum("mnh,moh->mn", torch.einsum("mhi,ni->mnh", W1, X)
                                                      + b1[:, None, :], W2) + b2),
      ("hidden bias", lambda W1, b1, W2, b2, X: logits_einsum(W1, torch.zeros_like(b1), W2, b2, X)),
      ("output bias", lambda W1, b1, W2, b2, X: logits_einsum(W1, b1, W2, torch.zeros_like(b2), X)),
      ("one logit per model", lambda W1, b1, W2, b2, X: logits_bmm(W1, b1, W2, b2, X)[:, :3]))


def vmap_shape():
    """The chapter's code, run."""
    nets = [xorlib.SimpleClassifier(2, 8, 1) for _ in range(5)]
    params, _ = torch.func.stack_module_state(nets)
    with torch.device("meta"):
        skeleton = xorlib.SimpleClassifier(2, 8, 1)

    def logits_of(p, X):
        return torch.func.functional_call(skeleton, p, (X,))

    return torch.vmap(logits_of, in_dims=(0, None))(params, torch.rand(100, 2)).shape


right(ex.predict_08_vmap_shape,
      ("tuple", (5, 100, 1)), ("list", [5, 100, 1]), ("Size", torch.Size([5, 100, 1])),
      ("measured", vmap_shape()))
wrong(ex.predict_08_vmap_shape,
      ("models' axis is in the output", (100, 1)), ("what a SimpleClassifier returns", (5, 100)),
      ("first, unless told", (100, 5, 1)), ("stacked weight", (5, 8, 2)), ("all 100 points", (5, 1)),
      ("what one model returns", (5, 1, 100)))


# Chapter 9: a parabola predicted, a momentum loop debugged, the full batch's learning rate


def parabola():
    """The chapter's code, run."""
    w = torch.tensor(1.0, requires_grad=True)
    for _ in range(3):
        (5 * w**2).backward()
        with torch.no_grad():
            w -= 0.15 * w.grad
        w.grad = None
    return round(w.item(), 4)


right(ex.predict_09_parabola,
      ("float", -0.125), ("formula", (1 - 0.15 * 10) ** 3), ("tensor", torch.tensor(-0.125)),
      ("measured", parabola()))
wrong(ex.predict_09_parabola,
      ("sign of w", 0.125), ("after one step", -0.5), ("after two steps", 0.25), ("1 - lr * L", 3.375),
      ("1 - lr * L", -3.375), ("minimum", 0), ("apply it three times", 0.614125))


def train_momentum(model, X, y, num_epochs, batch_size, lr, fresh=False, zero="before", shuffle=False):
    """The chapter's fixed loop; the keywords put its bugs (and other mistakes) back."""
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(num_epochs):
        order = torch.randperm(len(X)) if shuffle else torch.arange(len(X))
        for start in range(0, len(X), batch_size):
            if fresh:
                optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
            batch = order[start:start + batch_size]
            loss = loss_fn(model(X[batch]).squeeze(dim=1), y[batch].float())
            if zero == "before":
                optimizer.zero_grad()
            loss.backward()
            if zero == "after":
                optimizer.zero_grad()
            optimizer.step()


def train_momentum_split(model, X, y, num_epochs, batch_size, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(num_epochs):
        for xb, yb in zip(X.split(batch_size), y.split(batch_size), strict=True):
            loss = F.binary_cross_entropy_with_logits(model(xb)[:, 0], yb.float())
            model.zero_grad()
            loss.backward()
            optimizer.step()


right(ex.debug_09_momentum, ("chapter", train_momentum), ("split", train_momentum_split))
wrong(ex.debug_09_momentum,
      ("never moved", buggy("09_learning_rate")),
      ("never moved", lambda *a: train_momentum(*a, zero="after")),
      ("exactly like plain SGD", lambda *a: train_momentum(*a, fresh=True)),
      ("pile up", lambda *a: train_momentum(*a, zero="never")),
      ("two things are off", lambda *a: train_momentum(*a, fresh=True, zero="never")),
      ("no shuffling", lambda *a: train_momentum(*a, shuffle=True)),
      ("no shuffling", lambda m, X, y, n, b, lr: train_momentum(m, X, y, n, b, lr / 2)),
      ("squeeze", lambda m, X, y, *a: train_momentum(m, X, y.unsqueeze(1), *a)))

right(ex.check_09_full_batch_rate, ("float", 3.0), ("int", 3), ("tensor", torch.tensor(3.0)))
wrong(ex.check_09_full_batch_rate,
      ("the chapter tried", 1.0), ("near ln 2", 0.3), ("overshoot", 10), ("one of the rates", 0.1),
      ("one of the rates", 30.0))


def test_the_full_batch_rate_is_the_sweeps() -> None:
    """The answer check_09_full_batch_rate expects is what the sweep gives."""
    from xorlib.exercises import ch09
    from xorlib.figures import step_sizes

    data = xorlib.XORDataset(size=2500, seed=1)
    rates = ch09._FULL_BATCH_RATES
    swept = xorlib.sweep([4], rates, range(4), data.X, data.y, num_epochs=100, batch_size=2500)
    medians = step_sizes.final_losses(swept, data.X, data.y)[0].quantile(0.5, dim=1)  # (rates,)
    assert rates[medians.argmin()] == ch09._FULL_BATCH_BEST
    assert ex.check_09_full_batch_rate(rates[medians.argmin()])
    assert sorted(medians.tolist())[1] > 3 * medians.min().item(), "the best rate wins clearly"


# Chapter 10: patience on a narrower network, a loop that keeps the wrong weights


right(ex.check_10_patience,
      ("4 digits", (0.6991, 0.4781)), ("3 digits", [0.699, 0.478]),
      ("tensors", (torch.tensor(0.69910), torch.tensor(0.47813))))
wrong(ex.check_10_patience,
      ("other order", (0.4781, 0.6991)), ("last epoch", (0.7081, 0.4951)),
      ("training losses", (0.6864, 0.3703)), ("did both runs", (0.4781, 0.4781)),
      ("manual_seed(0)", (0.6991, 0.5072)))


def test_the_kept_losses_are_fits() -> None:
    """The losses check_10_patience expects are what overfitting.fit gives (and what its hints name)."""
    from torch.utils.data import random_split

    from xorlib.exercises import ch10
    from xorlib.figures import overfitting

    hard = xorlib.XORDataset(size=200, std=0.35, seed=0)
    train_part, val_part, _ = random_split(hard, [0.6, 0.2, 0.2], generator=torch.Generator().manual_seed(0))
    runs = []
    for patience in (20, 50):
        torch.manual_seed(0)
        model = xorlib.SimpleClassifier(2, 32, 1)
        runs.append(overfitting.fit(model, train_part, val_part, patience=patience))
    assert [len(run.val) for run in runs] == [21, 198] and [run.best_epoch for run in runs] == [0, 147]
    for got, want in ((tuple(run.val[run.best_epoch] for run in runs), ch10._KEPT),
                      (tuple(run.val[-1] for run in runs), ch10._LAST),
                      (tuple(run.train[run.best_epoch] for run in runs), ch10._TRAIN_AT_KEPT)):
        assert got == pytest.approx(want, abs=1e-4)
    assert ex.check_10_patience(tuple(run.val[run.best_epoch] for run in runs))


def best_weights(model, X_train, y_train, X_val, y_val, num_epochs, on_train=False, copy_state=True):
    """The chapter's fixed function; the keywords put its bugs back."""
    loss_fn = nn.BCEWithLogitsLoss()
    X_check, y_check = (X_train, y_train) if on_train else (X_val, y_val)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    best_loss, best_state = float("inf"), None
    for _ in range(num_epochs):
        loss = loss_fn(model(X_train).squeeze(dim=1), y_train.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            val_loss = loss_fn(model(X_check).squeeze(dim=1), y_check.float()).item()
        if val_loss < best_loss:
            state = model.state_dict()
            best_loss, best_state = val_loss, ({k: v.clone() for k, v in state.items()} if copy_state
                                               else state)
    return best_state


def best_weights_modes(model, X_train, y_train, X_val, y_val, num_epochs):
    import copy

    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    losses, states = [], []
    for _ in range(num_epochs):
        model.train()
        loss = F.binary_cross_entropy_with_logits(model(X_train)[:, 0], y_train.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            losses.append(F.binary_cross_entropy_with_logits(model(X_val)[:, 0], y_val.float()).item())
        states.append(copy.deepcopy(model.state_dict()))
    return states[losses.index(min(losses))]


right(ex.debug_10_best_weights, ("chapter", best_weights), ("every state kept", best_weights_modes))
wrong(ex.debug_10_best_weights,
      ("model's own tensors", buggy("10_generalisation")),
      ("model's own tensors", lambda *a: best_weights(*a, copy_state=False)),
      ("lowest loss on the training points", lambda *a: best_weights(*a, on_train=True)),
      ("not the weights of the epoch", lambda m, *a: best_weights(m, *a[:-1], 5)),
      ("return the kept state dict", lambda *a: list(best_weights(*a).values())))


# Chapter 11: a grid's shape predicted, where a boundary crosses a line, a straight boundary


def grid_shape():
    """The chapter's code, run."""
    xs, ys = torch.linspace(-0.5, 1.5, 5), torch.linspace(-0.5, 1.5, 3)
    xx1, xx2 = torch.meshgrid(xs, ys, indexing="xy")
    return tuple(torch.stack([xx1, xx2], dim=-1).shape)


right(ex.predict_11_grid_shape,
      ("tuple", (3, 5, 2)), ("list", [3, 5, 2]), ("Size", torch.Size([3, 5, 2])), ("measured", grid_shape()))
wrong(ex.predict_11_grid_shape,
      ("second input", (5, 3, 2)), ("puts the new axis last", (2, 3, 5)), ("flattens nothing", (15, 2)),
      ("new axis for the two coordinates", (3, 5)), ("how many rows and columns", (4, 4, 2)))


def crossing(model, x2, swap=False, level=0.0, index=False, steps=2001):
    """The chapter's solution: the point of a fine line nearest to logit == level (0: P = 0.5)."""
    x1 = torch.linspace(-0.5, 1.5, steps)
    fixed = torch.full_like(x1, x2)
    points = torch.stack([fixed, x1] if swap else [x1, fixed], dim=1)  # (steps, 2)
    with torch.no_grad():
        logits = model(points).squeeze(1)  # (steps,)
    i = (logits - level).abs().argmin()
    return i.item() if index else x1[i].item()


def crossing_bisection(model, x2):
    lo, hi = -0.5, 1.5
    sign = model(torch.tensor([[lo, x2]])).item() > 0
    for _ in range(30):
        mid = (lo + hi) / 2
        with torch.no_grad():
            lo, hi = (mid, hi) if (model(torch.tensor([[mid, x2]])).item() > 0) == sign else (lo, mid)
    return (lo + hi) / 2


def crossing_sign_change(model, x2):
    x1 = torch.linspace(-0.5, 1.5, 401)  # steps of 0.005
    with torch.no_grad():
        prob = torch.sigmoid(model(torch.stack([x1, x2 * torch.ones(401)], dim=-1)))[:, 0]
    i = ((prob[:-1] >= 0.5) != (prob[1:] >= 0.5)).nonzero()[0, 0]
    return (x1[i] + x1[i + 1]) / 2


right(ex.check_11_crossing,
      ("chapter", crossing), ("bisection", crossing_bisection), ("sign change", crossing_sign_change),
      ("coarse grid", lambda m, x2: crossing(m, x2, steps=201)))
wrong(ex.check_11_crossing,
      ("x2 stays fixed", lambda m, x2: crossing(m, x2, swap=True)),
      ("not where the logit is 0.5", lambda m, x2: crossing(m, x2, level=0.5)),
      ("not its index", lambda m, x2: crossing(m, x2, index=True)),
      ("elsewhere than", lambda m, x2: crossing(m, x2, steps=21)),
      ("(N, 2)", lambda m, x2: m(torch.tensor([0.5, x2])).item()))

right(ex.check_11_linear_boundary,
      ("chapter", lambda w1, w2, b, x1: -(w1 * x1 + b) / w2),
      ("expanded", lambda w1, w2, b, x1: -w1 / w2 * x1 - b / w2),
      ("reordered", lambda w1, w2, b, x1: (-b - w1 * x1) / w2))
wrong(ex.check_11_linear_boundary,
      ("sign", lambda w1, w2, b, x1: (w1 * x1 + b) / w2),
      ("divide by w2", lambda w1, w2, b, x1: -(w1 * x1 + b)),
      ("bias by w2", lambda w1, w2, b, x1: -w1 * x1 / w2 - b),
      ("not 0.5", lambda w1, w2, b, x1: (0.5 - w1 * x1 - b) / w2),
      ("whose weight is w2", lambda w1, w2, b, x1: -(w2 * x1 + b) / w1))


# Chapters 7 to 11 together: no hint gives a prediction away, and the debugging code is the chapters'


HIDDEN_7_TO_11 = {  # each prediction of chapters 7 to 11, and how its answer could be written in a hint
    ex.predict_07_dropout: ("3.75",),
    ex.predict_08_vmap_shape: ("(5, 100, 1)", "5, 100, 1"),
    ex.predict_09_parabola: ("0.125", "1/8"),
    ex.predict_11_grid_shape: ("(3, 5, 2)", "3, 5, 2"),
}


def test_a_wrong_guess_of_chapters_7_to_11_is_not_told_the_answer() -> None:
    for check, guess, _ in WRONG:
        if check in HIDDEN_7_TO_11:
            hint = repr(check(guess))
            assert not any(text in hint for text in HIDDEN_7_TO_11[check]), (check.__name__, hint)
    assert all(check(answer).why for check, answer, _ in RIGHT if check in HIDDEN_7_TO_11)


def test_the_debugging_code_is_the_chapters() -> None:
    """The buggy functions above are the ones the chapters print, line for line."""
    import json
    from pathlib import Path

    for chapter, code in BUGGY.items():
        nb = json.loads((Path(__file__).parent.parent / "chapters" / f"{chapter}.ipynb").read_text())
        text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        printed = "\n".join(line.strip() for line in text.splitlines())
        assert "\n".join(line.strip() for line in code.strip().splitlines()) in printed, chapter


# Chapter 13: a processor's peak


right(ex.check_13_peak, ("chapter", lambda c, lanes, u, ghz: c * lanes * 2 * u * ghz),
      ("FLOP per cycle", lambda c, lanes, u, ghz: (lanes * 2 * u) * ghz * c))
wrong(ex.check_13_peak,
      ("two operations", lambda c, lanes, u, ghz: c * lanes * u * ghz),
      ("GHz", lambda c, lanes, u, ghz: c * lanes * 2 * u * ghz * 1e9),
      ("multiply by the cores", lambda c, lanes, u, ghz: lanes * 2 * u * ghz),
      ("FMA units", lambda c, lanes, u, ghz: c * lanes * 2 * ghz))


# The R appendix: the rows of the second batch, in R's counting (answers arrive as reticulate makes them)


right(ex.check_r_second_batch, ("33:64", list(range(33, 65))),
      ("seq as doubles", [float(r) for r in range(33, 65)]), ("tuple", tuple(range(33, 65))))
wrong(ex.check_r_second_batch,
      ("counted from 0", list(range(32, 64))), ("first batch", list(range(1, 33))),
      ("holds 32 rows", list(range(33, 66))), ("follows the first 32 rows", list(range(65, 97))),
      ("whole numbers", [r + 0.5 for r in range(33, 65)]), ("holds 32 rows", 33))


@pytest.mark.parametrize(("check", "answer"), [(c, a) for c, a, _ in RIGHT],
                         ids=[f"{c.__name__}-{name}" for c, _, name in RIGHT])
def test_checker_accepts_right_answer(capsys, check, answer) -> None:
    assert_right(capsys, check, answer)


@pytest.mark.parametrize(("check", "answer", "hint"), WRONG,
                         ids=[f"{c.__name__}-{hint}" for c, _, hint in WRONG])
def test_checker_refuses_wrong_answer_with_hint(capsys, check, answer, hint) -> None:
    assert_wrong(capsys, check, answer, hint)


def test_every_checker_has_its_tables() -> None:
    names = [name for name in dir(ex) if name.startswith(("check_", "predict_", "debug_"))]
    for chapter in range(14):  # every numbered chapter has one to four exercises
        assert 1 <= sum(name.split("_")[1] == f"{chapter:02d}" for name in names) <= 4, chapter
    for name in names:
        if name.split("_")[1] == "12":
            continue  # chapter 12's tables are in tests/test_exercises_ch12.py
        assert sum(c.__name__ == name for c, *_ in RIGHT) >= 2, name
        assert sum(c.__name__ == name for c, *_ in WRONG) >= 1, name
    assert all(getattr(ex, name).__doc__ for name in names)


def test_wrong_kind_of_answer_raises_type_error() -> None:
    with pytest.raises(TypeError, match="function"):
        ex.check_01_gradient(42)
    with pytest.raises(TypeError, match="class"):
        ex.check_03_module_list(MLP([2, 1]))
    with pytest.raises(TypeError, match="number"):
        ex.predict_05_two_steps("2.12")
    with pytest.raises(TypeError, match="list of distinct values"):
        ex.predict_07_dropout("0, 3.75")
    with pytest.raises(TypeError, match="list of whole numbers"):
        ex.predict_04_batch_sizes("32, 32, 32, 4")
    with pytest.raises(TypeError, match="a shape such as"):
        ex.predict_00_broadcast_shape("(3, 4)")
    with pytest.raises(TypeError, match="row numbers"):
        ex.check_r_second_batch("33:64")


def test_learner_code_that_raises_is_a_wrong_answer(capsys) -> None:
    def broken(x):
        raise ZeroDivisionError("oops")

    assert_wrong(capsys, ex.check_01_gradient, broken, "ZeroDivisionError: oops")


def test_checkers_leave_the_global_random_state_alone() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.check_04_circles_dataset(Circles)
    ex.debug_06_train_loop(train)
    assert torch.equal(torch.rand(3), expected)
