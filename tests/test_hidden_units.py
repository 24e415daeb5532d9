"""xorlib.figures.hidden_units: the hidden units' lines, their votes at the corners, and hidden space."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.helpers import threads
from xorlib import plotting
from xorlib.classifier import SimpleClassifier
from xorlib.figures import explore, hidden_units


@pytest.fixture(scope="module")
def trained():
    with threads(1):  # a model this small only loses time to thread hand-offs
        model, _, _ = explore.train_with_snapshots(4, 0.5, 0.1, 100, 32, seed=0, every=100)
    return model, *explore.make_data(0.1, 0, 200)


def test_activations_are_the_tanh_of_the_first_layer(trained) -> None:
    model, X, _ = trained
    h = hidden_units.activations(model, X)
    assert h.shape == (200, 4)
    assert torch.allclose(h, torch.tanh(X @ model.linear1.weight.T + model.linear1.bias).detach())


def test_corner_votes_add_up_to_the_logits(trained) -> None:
    model = trained[0]
    votes = hidden_units.corner_votes(model)
    assert votes.shape == (4, 4)  # (hidden, corners)
    with torch.no_grad():
        logits = model(hidden_units.CORNERS).squeeze(1)
    assert torch.allclose(votes.sum(0) + model.linear2.bias.detach(), logits, atol=1e-5)
    assert ((logits > 0).long() == torch.tensor([0, 1, 1, 0])).all()  # trained: XOR at the corners


def test_each_unit_gets_its_own_line_on_its_zero_set(trained) -> None:
    model, X, y = trained
    fig = hidden_units.unit_lines(model, X, y)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert len(lines) == 4 and len({line.get_color() for line in lines}) == 4
    weight, bias = model.linear1.weight.detach(), model.linear1.bias.detach()
    for line, w, b in zip(lines, weight, bias, strict=True):
        ends = torch.tensor(np.column_stack([line.get_xdata(), line.get_ydata()]), dtype=torch.float32)
        assert torch.allclose(ends @ w + b, torch.zeros(2), atol=1e-4)  # both ends on w.x + b = 0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    signs = ["+" if v >= 0 else "-" for v in model.linear2.weight.detach()[0]]
    assert labels[2:] == [f"unit {k} ({s})" for k, s in enumerate(signs)]


def test_a_zero_unit_draws_no_line() -> None:
    torch.manual_seed(0)
    model = SimpleClassifier(2, 3, 1)
    with torch.no_grad():
        model.linear1.weight[1] = 0.0
    assert len(hidden_units.unit_lines(model, *explore.make_data(size=20)).axes[0].get_lines()) == 2


def test_hidden_space_puts_the_logit_on_x_and_one_threshold_separates(trained) -> None:
    model, X, y = trained
    fig = hidden_units.hidden_space(model, X, y)
    ax = fig.axes[0]
    points = [c.get_offsets() for c in ax.collections]  # class 0, class 1: (n, 2) each
    with torch.no_grad():
        logits = model(X).squeeze(1)
    assert np.allclose(np.sort(points[0][:, 0]), np.sort(logits[y == 0].numpy()), atol=1e-5)
    assert points[0][:, 0].max() < 0 < points[1][:, 0].min()
    (threshold,) = ax.get_lines()
    assert list(threshold.get_xdata()) == [0, 0]
    assert np.ptp(points[1][:, 1]) > 0.5  # the second axis shows a spread, not a line


def test_one_unit_and_bad_input_are_handled() -> None:
    torch.manual_seed(0)
    X, y = explore.make_data(size=20)
    fig = hidden_units.hidden_space(SimpleClassifier(2, 1, 1), X, y)
    assert (fig.axes[0].collections[0].get_offsets()[:, 1] == 0).all()
    with pytest.raises(TypeError, match="SimpleClassifier"):
        hidden_units.activations(torch.nn.Linear(2, 1), X)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        hidden_units.activations(SimpleClassifier(2, 4, 1), X[:, :1])
    with pytest.raises(TypeError, match="tensor"):
        hidden_units.activations(SimpleClassifier(2, 4, 1), X.tolist())
    with pytest.raises(ValueError, match="2-input, 1-output"):
        hidden_units.corner_votes(SimpleClassifier(2, 4, 2))
    assert not set(hidden_units.UNIT_COLORS) & set(plotting.CLASS_COLORS)  # apart from the class colours
