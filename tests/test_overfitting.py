"""xorlib.figures.overfitting: validation curves, the early-stopping copy, weight decay, patience."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset, random_split

import xorlib
from xorlib.figures.overfitting import Curves, fit, plot_curves, tensors
from xorlib.plotting import LINE_COLORS

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def parts() -> list:
    """The chapter's harder XOR, smaller: 60 noisy points cut 60/20/20."""
    hard = xorlib.XORDataset(60, std=0.35, seed=0)
    return random_split(hard, [0.6, 0.2, 0.2], generator=torch.Generator().manual_seed(0))


def wide(hidden: int = 32, seed: int = 42) -> xorlib.SimpleClassifier:
    torch.manual_seed(seed)
    return xorlib.SimpleClassifier(2, hidden, 1)


def same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_tensors_stacks_a_subset_in_its_own_order(parts) -> None:
    train, _, _ = parts
    X, y = tensors(train)
    assert X.shape == (36, 2) and y.shape == (36,) and y.dtype == torch.int64
    assert torch.equal(X, train.dataset.X[train.indices]) and torch.equal(y, train.dataset.y[train.indices])


def test_fit_is_the_chapters_full_batch_adam_loop(parts) -> None:
    """Epoch by epoch the same losses as the loop written out in chapter 10."""
    train, val, _ = parts
    (X, y), (X_val, y_val) = tensors(train), tensors(val)
    model, loss_fn = wide(), nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.004, weight_decay=0.003)
    by_hand = []
    for _ in range(20):
        loss = loss_fn(model(X).squeeze(dim=1), y.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            by_hand.append((loss.item(), loss_fn(model(X_val).squeeze(dim=1), y_val.float()).item()))
    fitted = wide()
    curves = fit(fitted, train, val, num_epochs=20, weight_decay=0.003)
    assert list(zip(curves.train, curves.val, strict=True)) == by_hand
    assert same(fitted.state_dict(), model.state_dict()), "the model is left at its last epoch"


def test_best_state_is_a_copy_of_the_lowest_validation_epoch(parts) -> None:
    train, val, _ = parts
    model = wide(hidden=128)
    curves = fit(model, train, val, num_epochs=300)
    assert len(curves.train) == len(curves.val) == 300
    assert curves.best_epoch == curves.val.index(min(curves.val)) < 299, "it overfits after an early low"
    again = wide(hidden=128)
    fit(again, train, val, num_epochs=curves.best_epoch + 1)  # stop exactly there
    assert same(curves.best_state, again.state_dict())
    assert not same(curves.best_state, model.state_dict()), "a copy, not the live tensors"


def test_patience_stops_after_that_many_epochs_without_a_new_low(parts) -> None:
    train, val, _ = parts
    full = fit(wide(hidden=128), train, val, num_epochs=300)
    stopped = fit(wide(hidden=128), train, val, num_epochs=300, patience=10)
    assert len(stopped.val) == stopped.best_epoch + 11 < 300  # the best epoch, then 10 without a new low
    assert stopped.val == full.val[: len(stopped.val)]
    assert min(full.val[stopped.best_epoch + 1 : len(stopped.val)]) >= stopped.val[stopped.best_epoch]


def test_validation_is_measured_in_eval_mode_without_a_graph(parts) -> None:
    """Dropout off and no graph for the validation pass; training mode and a graph for the step."""
    train, val, _ = parts
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Dropout(0.5), nn.Linear(16, 1))
    seen = []  # (batch size, training mode, graph recorded) of every forward pass
    model.register_forward_hook(lambda m, a, out: seen.append((len(a[0]), m.training, out.requires_grad)))
    curves = fit(model.eval(), train, val, num_epochs=3)  # handed over in eval mode, trained in train mode
    assert seen == [(36, True, True), (12, False, False)] * 3
    X_val, y_val = tensors(val)
    with torch.no_grad():
        model.eval()
        last = nn.functional.binary_cross_entropy_with_logits(model(X_val).squeeze(dim=1), y_val.float())
    assert curves.val[-1] == last.item()


def test_weight_decay_keeps_the_weights_small(parts) -> None:
    train, val, _ = parts
    free, decayed = wide(), wide()
    fit(free, train, val, num_epochs=300, lr=0.01)
    fit(decayed, train, val, num_epochs=300, lr=0.01, weight_decay=0.01)
    assert decayed.linear1.weight.abs().max() < free.linear1.weight.abs().max() / 2


def test_frozen_parameters_stay_and_float64_models_train(parts) -> None:
    train, val, _ = parts
    model = wide().double()
    model.linear1.requires_grad_(False)
    before = model.linear1.weight.clone()
    curves = fit(model, train, val, num_epochs=5)
    assert torch.equal(model.linear1.weight, before) and curves.train[-1] < curves.train[0]


def test_plot_curves_draws_both_losses_and_marks_the_best_epoch() -> None:
    curves = Curves([0.7, 0.5, 0.3], [0.7, 0.6, 0.8], 1, {})
    fig, ax = plt.subplots()
    plot_curves(curves, ax, title="t")
    solid, dashed, mark = ax.lines
    assert list(solid.get_ydata()) == curves.train and list(dashed.get_ydata()) == curves.val
    assert [solid.get_color(), dashed.get_color()] == list(LINE_COLORS[:2]) and dashed.get_linestyle() == "--"
    assert list(mark.get_xdata()) == [2, 2], "epoch 2 on the axis: the best epoch, counted from 1"
    assert ax.get_title() == "t"


@pytest.mark.parametrize("case", ["epochs", "decay", "patience", "lr", "model", "labels", "features", "empty",
                                  "curves"])
def test_bad_input_gets_a_clear_error(parts, case: str) -> None:
    train, val, _ = parts
    bad_labels = TensorDataset(torch.zeros(4, 2), torch.tensor([0, 1, 2, 1]))
    three = TensorDataset(torch.zeros(4, 3), torch.tensor([0, 1, 0, 1]))
    calls = {
        "epochs": (ValueError, "num_epochs", lambda: fit(wide(), train, val, num_epochs=0)),
        "decay": (ValueError, "weight_decay", lambda: fit(wide(), train, val, weight_decay=-0.1)),
        "patience": (ValueError, "patience", lambda: fit(wide(), train, val, patience=0)),
        "lr": (TypeError, "lr", lambda: fit(wide(), train, val, lr="0.01")),
        "model": (TypeError, "nn.Module", lambda: fit(xorlib.SimpleClassifier, train, val)),
        "labels": (ValueError, "labels must be 0 or 1", lambda: fit(wide(), train, bad_labels)),
        "features": (ValueError, "3 features", lambda: fit(wide(), three, val)),
        "empty": (ValueError, "empty", lambda: tensors(TensorDataset(torch.zeros(0, 2)))),
        "curves": (TypeError, "Curves", lambda: plot_curves([0.5], plt.subplots()[1])),
    }
    error, words, call = calls[case]
    with pytest.raises(error, match=words):
        call()
