"""Each checker in xorlib.exercises accepts different right answers and refuses plausible wrong ones.

Per checker, ``RIGHT`` lists distinct correct answers (the chapter's solution and other valid ways) and
``WRONG`` lists typical mistakes with a word of the hint each must get.
"""

from __future__ import annotations

import math
import statistics

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


# Chapter 0: a slice, labels, a broadcast shape, a copy


right(ex.check_00_slice,
      ("slice", lambda x: x[1:3]), ("index list", lambda x: x[[1, 2]]),
      ("narrow", lambda x: x.narrow(0, 1, 2)), ("stack", lambda x: torch.stack([x[1], x[2]])))
wrong(ex.check_00_slice,
      ("1-based", lambda x: x[2:3]), ("second entry is x[1]", lambda x: x[2:4]),
      ("second entry is x[1]", lambda x: x[[2, 3]]), ("leaves out index b", lambda x: x[1:2]),
      ("first two", lambda x: x[:2]), ("return a tensor", lambda x: x[1:3].tolist()),
      ("shape (2,)", lambda x: x[1:4]), ("positions 1 and 2", lambda x: x[-2:]))


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

right(ex.check_00_broadcast_shape,
      ("tuple", (3, 4)), ("Size", torch.Size([3, 4])), ("measured", (torch.ones(3, 1) + torch.ones(4)).shape),
      ("broadcast_shapes", torch.broadcast_shapes((3, 1), (4,))))
wrong(ex.check_00_broadcast_shape,
      ("not [3, 4]", [3, 4]), ("from the right", (4, 3)), ("counts as (1, 4)", (12,)),
      ("counts as (1, 4)", (4,)), ("nothing is recycled", (3, 1)), ("stretch", (3, 4, 1)))


def zeroed_clone(x, row=0, col=None):
    y = x.clone()
    if col is None:
        y[row] = 0.0
    else:
        y[:, col] = 0.0
    return y


def zeroed_alias(x, make=lambda t: t):
    y = make(x)  # shares x's memory
    y[0] = 0.0
    return y


def zeroed_through_numpy(x):
    x.numpy()[0] = 0.0  # .numpy() shares x's memory
    return x.clone()


right(ex.check_00_copy,
      ("clone", zeroed_clone), ("cat", lambda x: torch.cat([torch.zeros_like(x[:1]), x[1:]])),
      ("mask", lambda x: x * (torch.arange(len(x)) > 0).unsqueeze(1)),
      ("index_fill", lambda x: x.index_fill(0, torch.tensor([0]), 0.0)))
wrong(ex.check_00_copy,
      ("changed x itself", zeroed_alias),
      ("changed x itself", lambda x: zeroed_alias(x, lambda t: t.view(t.shape))),
      ("changed x itself", lambda x: zeroed_alias(x, lambda t: t[:])),
      ("changed x itself", lambda x: zeroed_alias(x, torch.Tensor.detach)),
      ("changed x itself", zeroed_through_numpy),
      ("first row is x[0]", lambda x: zeroed_clone(x, row=1)),
      ("first column", lambda x: zeroed_clone(x, col=0)),
      ("shape of x", lambda x: zeroed_clone(x)[1:]), ("return a tensor", lambda x: zeroed_clone(x).numpy()),
      ("every row of x but the first", lambda x: x.clone()))


# Chapter 1: a gradient by hand (no autograd), accumulation


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

right(ex.check_01_accumulation,
      ("int", 6), ("float", 6.0), ("list", [6, 6, 6]), ("tensor", torch.tensor([6.0, 6.0, 6.0])),
      ("0-dim", torch.tensor(6.0)))
wrong(ex.check_01_accumulation,
      ("adds into x.grad", 3), ("resets", [0, 0, 0]), ("each backward() adds", 9), ("shape of x", [6, 6]))


# Chapter 2: where a model lives, GFLOP/s


right(ex.check_02_device_of,
      ("next", lambda model: next(model.parameters()).device),
      ("a named layer", lambda model: model.linear1.weight.device),
      ("state_dict", lambda model: next(iter(model.state_dict().values())).device))
wrong(ex.check_02_device_of,
      ("instead of assuming", lambda model: torch.device("cpu")),
      ("instead of assuming", lambda model: torch.device("cuda" if torch.cuda.is_available() else "cpu")),
      ("no .device attribute", lambda model: model.device),
      ("not its name", lambda model: str(next(model.parameters()).device)))

right(ex.check_02_gflops,
      ("2n^3", lambda n, s: 2 * n**3 / s / 1e9),
      ("exact count", lambda n, s: n**2 * (2 * n - 1) / s / 1e9),  # n multiplies, n - 1 adds per entry
      ("one division", lambda n, s: 2 * n**3 / (s * 1e9)))
wrong(ex.check_02_gflops,
      ("2 n^3 operations", lambda n, s: n**3 / s / 1e9),
      ("bitwise XOR", lambda n, s: 2 * n ^ 3 / s / 1e9),
      ("n^2 entries", lambda n, s: 2 * n**2 / s / 1e9),
      ("divide the operations per second by 1e9", lambda n, s: 2 * n**3 / s),
      ("mega", lambda n, s: 2 * n**3 / s / 1e6),
      ("not multiplied", lambda n, s: 2 * n**3 * s / 1e9))


# Chapter 3: counting parameters, a list of layers


def count_loop(model):
    total = 0
    for _, p in model.named_parameters():
        if p.requires_grad:
            total += math.prod(p.shape)
    return total


right(ex.check_03_count_parameters,
      ("generator", lambda m: sum(p.numel() for p in m.parameters() if p.requires_grad)),
      ("loop", count_loop),
      ("one vector", lambda m: nn.utils.parameters_to_vector(p for p in m.parameters() if p.requires_grad)
       .numel()))
wrong(ex.check_03_count_parameters,
      ("p.numel()", lambda m: len(list(m.parameters()))),
      ("trainable", lambda m: sum(p.numel() for p in m.parameters())),
      ("biases", lambda m: sum(p.numel() for p in m.parameters() if p.requires_grad and p.dim() > 1)),
      ("buffers", lambda m: sum(t.numel() for t in m.state_dict().values())),
      ("every model has", lambda m: sum(p.numel() for layer in (m.linear1, m.linear2)
                                        for p in layer.parameters() if p.requires_grad)),
      ("add up p.numel()", lambda m: 17))


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


# Chapter 4: a data set, batch shapes, the last batch


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


def first_batch_shapes():
    X, y = next(iter(DataLoader(xorlib.XORDataset(200), batch_size=32)))
    return X.shape, y.shape


right(ex.check_04_batch_shape,
      ("tuples", ((32, 2), (32,))), ("sizes", (torch.Size([32, 2]), torch.Size([32]))),
      ("lists", [[32, 2], [32]]), ("measured", first_batch_shapes()))
wrong(ex.check_04_batch_shape,
      ("(32,)", ((32, 2), (32, 1))), ("comes first", ((2, 32), (32,))), ("one sample", ((2,), ())),
      ("needs a comma", ((32, 2), (32))), ("one shape", (32, 2)), ("whole data set", ((200, 2), (200,))),
      ("each sample", ((32, 2), (2,))))

right(ex.check_04_last_batch_size,
      ("int", 4), ("remainder", 100 % 32), ("subtraction", 100 - 3 * 32), ("tensor", torch.tensor(4)))
wrong(ex.check_04_last_batch_size,
      ("left over", 32), ("full batches", 3), ("drop_last", 0), ("counts batches", 100 / 32),
      ("what is left", 28))


# Chapter 5: a training step, a stable loss


def step(model, optimizer, X, y, loss_of=None, zero="before", item=True, do_step=True):
    """The chapter's step; the keywords make the variants below."""
    if zero == "before":
        optimizer.zero_grad()
    logits = model(X).squeeze(1)
    loss = (loss_of or nn.BCEWithLogitsLoss())(logits, y.float())
    loss.backward()
    if do_step:
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


right(ex.check_05_training_step,
      ("chapter", step), ("zero_grad last", lambda *args: step(*args, zero="after")),
      ("(N, 1) target", step_2d_target))
wrong(ex.check_05_training_step,
      ("zero the gradients", lambda *args: step(*args, zero=None)),
      ("squeeze", lambda m, o, X, y: nn.BCEWithLogitsLoss()(m(X), y.float())),
      ("give it the raw logits", lambda *args: step(*args, loss_of=lambda z, t: nn.BCEWithLogitsLoss()(
          torch.sigmoid(z), t))),
      ("saturates", lambda *args: step(*args, loss_of=sigmoid_then_bce)),
      ("Python float", lambda *args: step(*args, item=False)),
      ("did not change", lambda *args: step(*args, do_step=False)),
      ("moved unlike one SGD step", step_own_optimizer),
      ("computed before the step", step_loss_after))


def bce_loop(z, y):
    losses = []
    for a, b in zip(z.tolist(), y.tolist(), strict=True):
        losses.append(max(a, 0.0) - a * b + math.log1p(math.exp(-abs(a))))
    return torch.tensor(losses).mean()


def naive_bce(z, y):
    return -(y * torch.log(torch.sigmoid(z)) + (1 - y) * torch.log(1 - torch.sigmoid(z))).mean()


right(ex.check_05_bce,
      ("chapter", lambda z, y: (z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()),
      ("torch", F.binary_cross_entropy_with_logits),
      ("softplus", lambda z, y: (F.softplus(z) - z * y).mean()),
      ("logsigmoid", lambda z, y: -(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z)).mean()),
      ("logaddexp", lambda z, y: (torch.logaddexp(torch.zeros_like(z), z) - z * y).mean()),
      ("loop", bce_loop))
wrong(ex.check_05_bce,
      ("overflow", naive_bce),
      ("overflow", lambda z, y: (torch.log1p(torch.exp(z)) - z * y).mean()),
      ("don't sum", lambda z, y: F.binary_cross_entropy_with_logits(z, y, reduction="sum")),
      ("average the per-sample", lambda z, y: F.binary_cross_entropy_with_logits(z, y, reduction="none")),
      ("large ones", sigmoid_then_bce),
      ("large ones", lambda z, y: F.binary_cross_entropy(torch.sigmoid(z).clamp(1e-7, 1 - 1e-7), y)),
      ("loss = mean of", lambda z, y: (z.clamp(min=0) + z * y + torch.log1p(torch.exp(-z.abs()))).mean()))


# Chapter 6: steps per epoch, a training loop


right(ex.check_06_epoch_count,
      ("int", 20), ("ceil", math.ceil(2500 / 128)), ("floor division", -(-2500 // 128)),
      ("measured", len(DataLoader(range(2500), batch_size=128))), ("float", 20.0))
wrong(ex.check_06_epoch_count,
      ("drop_last", 19), ("rounding up", 2500 / 128), ("not per sample", 2500), ("one pass", 2000))


def train(model, loader, num_epochs, lr, loss_fn=None, optimizer=None, zero=True, mean=None):
    """The chapter's loop; the keywords make the variants below."""
    optimizer = optimizer or torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = loss_fn or nn.BCEWithLogitsLoss()
    history = []
    for _ in range(num_epochs):
        batches = []
        for X, y in loader:
            if zero:
                optimizer.zero_grad()
            loss = loss_fn(model(X).squeeze(dim=1), y.float())
            loss.backward()
            optimizer.step()
            batches.append((loss.item(), len(y)))
        history.append(mean(batches, loader) if mean else sum(b for b, _ in batches) / len(loader))
    return history


def averaged(mean):
    """The chapter's loop with another way to sum up an epoch's (loss, batch size) pairs."""
    return lambda *args: train(*args, mean=mean)


def train_tensor_sum(model, loader, num_epochs, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
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
    return [step(model, optimizer, X, y) for _ in range(num_epochs) for X, y in loader]


right(ex.check_06_train_loop,
      ("chapter", train),
      ("statistics.mean", averaged(lambda b, _: statistics.mean(v for v, _ in b))),
      ("tensor sum", train_tensor_sum),
      ("train_model", lambda *args: xorlib.train_model(*args, progress=False)))
wrong(ex.check_06_train_loop,
      ("you summed them", averaged(lambda b, _: sum(v for v, _ in b))),
      ("mean per sample", averaged(lambda b, ld: sum(v * n for v, n in b) / len(ld.dataset))),
      ("not of samples", averaged(lambda b, ld: sum(v for v, _ in b) / len(ld.dataset))),
      ("smaller batch is a batch too", averaged(lambda b, ld: sum(v for v, _ in b)
                                                / (len(ld.dataset) // ld.batch_size))),
      ("last batch's loss", averaged(lambda b, _: b[-1][0])),
      ("one loss per batch", per_batch),
      ("one mean loss per epoch", lambda m, ld, n, lr: train(m, ld, n, lr)[-1:]),
      ("saturates", lambda *args: train(*args, loss_fn=sigmoid_then_bce)),
      ("zero_grad", lambda *args: train(*args, zero=False)),
      ("plain SGD", lambda m, *args: train(m, *args, optimizer=torch.optim.Adam(m.parameters()))),
      ("did not move", lambda m, *args: train(m, *args, optimizer=torch.optim.SGD(m.parameters(), lr=0.0))))


# Chapter 7: accuracy, eval mode


def acc_loop(logits, y):
    hits = 0
    for z, label in zip(logits[:, 0].tolist(), y.tolist(), strict=True):
        hits += int(z >= 0) == label
    return hits / len(y)


right(ex.check_07_accuracy,
      ("chapter", lambda logits, y: ((logits.squeeze(1) >= 0).long() == y).float().mean().item()),
      ("sigmoid", lambda logits, y: (torch.sigmoid(logits).view(-1) >= 0.5).eq(y).float().mean()),
      ("(N, 1) labels", lambda logits, y: ((logits > 0).long() == y.unsqueeze(1)).float().mean().item()),
      ("loop", acc_loop))
wrong(ex.check_07_accuracy,
      ("broadcasts", lambda logits, y: ((logits >= 0).long() == y).float().mean().item()),
      ("not probabilities", lambda logits, y: ((logits.squeeze(1) >= 0.5).long() == y).float().mean().item()),
      ("number correct", lambda logits, y: ((logits.squeeze(1) >= 0).long() == y).sum().item()),
      ("percentage", lambda logits, y: 100 * ((logits.squeeze(1) >= 0).long() == y).float().mean().item()),
      ("fraction wrong", lambda logits, y: ((logits.squeeze(1) >= 0).long() != y).float().mean().item()),
      ("predicted as class 1", lambda logits, y: (logits >= 0).float().mean().item()))

right(ex.check_07_eval_mode,
      ("literal", False),
      ("measured", xorlib.SimpleClassifier().eval()(torch.zeros(1, 2)).requires_grad is False))
wrong(ex.check_07_eval_mode, ("torch.no_grad()", True))


# Chapter 8: the probability grid, a straight boundary


def grid(model, steps, indexing="ij", transpose=False, lo=-0.5, hi=1.5, apply=torch.sigmoid, flat=False):
    """The chapter's grid; the keywords make the variants below."""
    axis = torch.linspace(lo, hi, steps)
    if indexing == "ij":
        x2, x1 = torch.meshgrid(axis, axis, indexing="ij")
    else:
        x1, x2 = torch.meshgrid(axis, axis, indexing="xy")
    with torch.no_grad():
        prob = apply(model(torch.stack([x1, x2], dim=-1).reshape(-1, 2)))
    if flat:
        return prob.reshape(-1)
    return prob.reshape(steps, steps).T if transpose else prob.reshape(steps, steps)


def grid_loop(model, steps):
    axis = torch.linspace(-0.5, 1.5, steps).tolist()
    rows = [[torch.sigmoid(model(torch.tensor([[a, b]]))).item() for a in axis] for b in axis]
    return torch.tensor(rows)


def grid_cartesian(model, steps):
    axis = torch.linspace(-0.5, 1.5, steps)
    points = torch.cartesian_prod(axis, axis).flip(1)  # (x1, x2) with x1 the faster one
    return torch.sigmoid(model(points)).reshape(steps, steps)


right(ex.check_11_probability_grid,
      ("chapter", grid), ("xy", lambda m, s: grid(m, s, indexing="xy")), ("loop", grid_loop),
      ("cartesian_prod", grid_cartesian))
wrong(ex.check_11_probability_grid,
      ("rows", lambda m, s: grid(m, s, transpose=True)),
      ("rows", lambda m, s: grid(m, s, indexing="xy", transpose=True)),
      ("apply torch.sigmoid", lambda m, s: grid(m, s, apply=lambda z: z)),
      ("P(class 0)", lambda m, s: grid(m, s, apply=lambda z: 1 - torch.sigmoid(z))),
      ("not [0, 1]", lambda m, s: grid(m, s, lo=0.0, hi=1.0)),
      ("reshape to (steps, steps)", lambda m, s: grid(m, s, flat=True)),
      ("one value per grid point", lambda m, s: grid(m, 7)),
      ("(N, 2)", lambda m, s: torch.sigmoid(m(torch.stack(torch.meshgrid(
          torch.linspace(-0.5, 1.5, s), torch.linspace(-0.5, 1.5, s), indexing="xy"), dim=-1)))))

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


# Chapter 8: a batched forward pass


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


# Chapter 9: momentum by hand


def momentum_chapter(w, grad, v, lr, beta):
    v = beta * v + grad
    return w - lr * v, v


def momentum_in_place(w, grad, v, lr, beta):
    v.mul_(beta).add_(grad)
    w.sub_(lr * v)
    return w, v


right(ex.check_09_momentum_step, ("chapter", momentum_chapter), ("in place", momentum_in_place),
      ("torch.optim", lambda w, g, v, lr, beta: (w - lr * (beta * v + g), beta * v + g)))
wrong(ex.check_09_momentum_step,
      ("then move w with the new v", lambda w, g, v, lr, beta: (w - lr * v, beta * v + g)),
      ("not an average", lambda w, g, v, lr, beta: (w - lr * (beta * v + (1 - beta) * g),
                                                    beta * v + (1 - beta) * g)),
      ("against the velocity", lambda w, g, v, lr, beta: (w + lr * (beta * v + g), beta * v + g)),
      ("plain SGD", lambda w, g, v, lr, beta: (w - lr * g, beta * v + g)),
      ("the pair (w, v)", lambda w, g, v, lr, beta: w - lr * (beta * v + g)))


# Chapter 10: when early stopping stops


def stop_chapter(val_losses, patience):
    best = 0
    for epoch, loss in enumerate(val_losses):
        if loss < val_losses[best]:
            best = epoch
        if epoch - best == patience:
            return best, epoch + 1
    return best, len(val_losses)


def stop_counter(val_losses, patience):
    lowest, best, waited = math.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        lowest, best, waited = (loss, epoch, 0) if loss < lowest else (lowest, best, waited + 1)
        if waited == patience:
            return best, epoch + 1
    return best, len(val_losses)


def stop_tie(val_losses, patience):
    best = 0
    for epoch, loss in enumerate(val_losses):
        if loss <= val_losses[best]:
            best = epoch
        if epoch - best == patience:
            return best, epoch + 1
    return best, len(val_losses)


right(ex.check_10_early_stopping, ("chapter", stop_chapter), ("counter", stop_counter))
wrong(ex.check_10_early_stopping,
      ("a tie is not", stop_tie),
      ("not one epoch later", lambda v, p: stop_chapter(v, p + 1)),
      ("count epochs from 0", lambda v, p: (stop_chapter(v, p)[0] + 1, stop_chapter(v, p)[1])),
      ("last index + 1", lambda v, p: (stop_chapter(v, p)[0], stop_chapter(v, p)[1] - 1)),
      ("the pair (best, epochs)", lambda v, p: stop_chapter(v, p)[0]),
      ("lowest loss so far", lambda v, p: (0, len(v))))


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
    names = [name for name in dir(ex) if name.startswith("check_")]
    for chapter in range(14):  # every numbered chapter has one to four exercises
        assert 1 <= sum(name.startswith(f"check_{chapter:02d}_") for name in names) <= 4, chapter
    names = [name for name in names if not name.startswith("check_12_")]  # in tests/test_exercises_ch12.py
    for name in names:
        assert sum(c.__name__ == name for c, *_ in RIGHT) >= 2, name
        assert sum(c.__name__ == name for c, *_ in WRONG) >= 1, name
    assert all(getattr(ex, name).__doc__ for name in names)


def test_wrong_kind_of_answer_raises_type_error() -> None:
    with pytest.raises(TypeError, match="function"):
        ex.check_01_gradient(42)
    with pytest.raises(TypeError, match="class"):
        ex.check_03_module_list(MLP([2, 1]))
    with pytest.raises(TypeError, match="number"):
        ex.check_06_epoch_count("20")
    with pytest.raises(TypeError, match="True or False"):
        ex.check_07_eval_mode("no")
    with pytest.raises(TypeError, match="pair of shapes"):
        ex.check_04_batch_shape("(32, 2)")
    with pytest.raises(TypeError, match="a shape such as"):
        ex.check_00_broadcast_shape("(3, 4)")
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
    ex.check_06_train_loop(train)
    assert torch.equal(torch.rand(3), expected)
