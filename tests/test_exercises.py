"""Each checker in xorlib.exercises accepts a right answer and rejects a typical wrong one with its hint."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import Dataset

from xorlib import exercises as ex


def verdict(capsys: pytest.CaptureFixture, check, answer) -> tuple[bool, str]:
    result = check(answer)
    assert capsys.readouterr().out == "", "a checker returns its verdict; it prints nothing"
    return result.ok, repr(result)


def assert_right(capsys, check, answer) -> None:
    ok, out = verdict(capsys, check, answer)
    assert ok is True and out.startswith("Correct! "), out


def assert_wrong(capsys, check, answer, hint: str) -> None:
    ok, out = verdict(capsys, check, answer)
    assert ok is False and out.startswith("Not yet: "), out
    assert hint in out, out


# Right answers: the same snippets the chapters show as solutions.


def device_of(model):
    return next(model.parameters()).device


def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True))

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.tanh(layer(x))
        return self.layers[-1](x)


class ListMLP(MLP):
    def __init__(self, sizes):
        nn.Module.__init__(self)
        self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]  # a plain list


class Circles(Dataset):
    def __init__(self, size):
        self.X = 2 * torch.rand(size, 2) - 1
        self.y = (self.X.norm(dim=1) > 0.5).long()

    def __len__(self):
        return len(self.X)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


class FlippedCircles(Circles):
    def __getitem__(self, idx):
        return self.X[idx], 1 - self.y[idx]


class FloatCircles(Circles):
    def __getitem__(self, idx):
        return self.X[idx], self.y[idx].float()


def step(model, optimizer, X, y, zero=True):
    if zero:
        optimizer.zero_grad()
    loss = nn.BCEWithLogitsLoss()(model(X).squeeze(1), y.float())
    loss.backward()
    optimizer.step()
    return loss.item()


def bce(z, y):
    return (z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()


def train(model, loader, num_epochs, lr, summed=False):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(num_epochs):
        total = sum(step(model, optimizer, X, y) for X, y in loader)
        losses.append(total if summed else total / len(loader))
    return losses


def grid(model, steps, transpose=False):
    axis = torch.linspace(-0.5, 1.5, steps)
    x2, x1 = torch.meshgrid(axis, axis, indexing="ij")
    with torch.no_grad():
        prob = torch.sigmoid(model(torch.stack([x1, x2], dim=-1).reshape(-1, 2))).reshape(steps, steps)
    return prob.T if transpose else prob


CASES = [  # checker, right answer, wrong answer, a phrase of the hint it must get
    (ex.check_01_gradient, lambda x: 3 * x**2 - 2, lambda x: 3 * x**2, "left out the -2"),
    (ex.check_01_gradient, lambda x: 3 * x**2 - 2, lambda x: x**2 - 2, "3*x**2, not x**2"),
    (ex.check_01_accumulation, 6, 3, "adds into x.grad"),
    (ex.check_01_accumulation, torch.tensor([6.0, 6.0, 6.0]), [0, 0, 0], "resets"),
    (ex.check_02_device_of, device_of, lambda model: torch.device("cpu"), "instead of assuming"),
    (ex.check_02_device_of, device_of, lambda model: model.device, "no .device attribute"),
    (ex.check_02_gflops, lambda n, s: 2 * n**3 / s / 1e9, lambda n, s: n**3 / s / 1e9, "2 n^3 operations"),
    (ex.check_03_count_parameters, count_parameters, lambda m: len(list(m.parameters())), "p.numel()"),
    (ex.check_03_count_parameters, count_parameters, lambda m: sum(p.numel() for p in m.parameters()),
     "trainable"),
    (ex.check_03_module_list, MLP, ListMLP, "nn.ModuleList"),
    (ex.check_04_circles_dataset, Circles, FlippedCircles, "flipped"),
    (ex.check_04_circles_dataset, Circles, FloatCircles, "int64"),
    (ex.check_04_batch_shape, ((32, 2), (32,)), ((32, 2), (32, 1)), "(32,)"),
    (ex.check_04_batch_shape, (torch.Size([32, 2]), torch.Size([32])), ((2, 32), (32,)), "comes first"),
    (ex.check_04_last_batch_size, 4, 32, "left over"),
    (ex.check_05_training_step, step, lambda *args: step(*args, zero=False), "zero the gradients"),
    (ex.check_05_training_step, step, lambda m, o, X, y: nn.BCEWithLogitsLoss()(m(X), y.float()), "squeeze"),
    (ex.check_05_bce, bce, lambda z, y: -(y * torch.log(torch.sigmoid(z))
                                          + (1 - y) * torch.log(1 - torch.sigmoid(z))).mean(), "overflow"),
    (ex.check_05_bce, F.binary_cross_entropy_with_logits, lambda z, y: bce(z, y) * len(z), "don't sum"),
    (ex.check_06_epoch_count, math.ceil(2500 / 128), 19, "drop_last"),
    (ex.check_06_train_loop, train, lambda *args: train(*args, summed=True), "you summed them"),
    (ex.check_07_accuracy, lambda logits, y: ((logits.squeeze(1) >= 0).long() == y).float().mean().item(),
     lambda logits, y: ((logits >= 0).long() == y).float().mean().item(), "broadcasts"),
    (ex.check_07_accuracy, lambda logits, y: ((logits.squeeze(1) >= 0).long() == y).float().mean().item(),
     lambda logits, y: ((logits.squeeze(1) >= 0.5).long() == y).float().mean().item(), "not probabilities"),
    (ex.check_07_eval_mode, False, True, "torch.no_grad()"),
    (ex.check_08_probability_grid, grid, lambda model, steps: grid(model, steps, transpose=True), "rows"),
    (ex.check_08_linear_boundary, lambda w1, w2, b, x1: -(w1 * x1 + b) / w2,
     lambda w1, w2, b, x1: (w1 * x1 + b) / w2, "sign"),
]


@pytest.mark.parametrize(("check", "right", "wrong", "hint"), CASES,
                         ids=[f"{c.__name__}-{h}" for c, _, _, h in CASES])
def test_checker_accepts_right_and_hints_wrong(capsys, check, right, wrong, hint) -> None:
    assert_right(capsys, check, right)
    assert_wrong(capsys, check, wrong, hint)


def test_every_chapter_has_two_or_three_checkers() -> None:
    names = [name for name in dir(ex) if name.startswith("check_")]
    for chapter in range(1, 9):
        assert 2 <= sum(name.startswith(f"check_0{chapter}_") for name in names) <= 3, chapter
    assert {c.__name__ for c, *_ in CASES} == set(names)  # every checker is tested
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


def test_learner_code_that_raises_is_a_wrong_answer(capsys) -> None:
    def broken(x):
        raise ZeroDivisionError("oops")

    assert_wrong(capsys, ex.check_01_gradient, broken, "ZeroDivisionError: oops")


def test_checkers_leave_the_global_random_state_alone() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.check_04_circles_dataset(Circles)
    assert torch.equal(torch.rand(3), expected)
