"""The training loops, evaluation and plots learn and draw what the chapters say they do."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import matplotlib
import pytest
import torch
from torch import nn

import xorlib
from xorlib import plot

matplotlib.use("Agg")
SANITIZE = (Path(__file__).parent / "sanitize.cfg").read_text()


@pytest.fixture(scope="module")
def data() -> tuple[xorlib.XORDataset, xorlib.XORDataset]:
    return xorlib.XORDataset(2500, seed=1), xorlib.XORDataset(500, seed=2)


def fresh_model(hidden: int = 4) -> xorlib.SimpleClassifier:
    torch.manual_seed(42)
    return xorlib.SimpleClassifier(2, hidden, 1)


def test_dataloader_loop_learns_xor(data) -> None:
    train, test = data
    model = fresh_model()
    losses = xorlib.train_model(model, xorlib.make_loader(train, 128, seed=0), num_epochs=100, progress=False)
    assert len(losses) == 100 and losses[0] > 0.6 and losses[-1] < 0.05
    assert xorlib.accuracy(model, xorlib.make_loader(test, 128, shuffle=False)) == 1.0


def test_tensor_loop_learns_xor_and_repeats(data) -> None:
    train, test = data
    first, second = fresh_model(), fresh_model()
    losses = xorlib.train_fast(first, train.X, train.y, num_epochs=100, batch_size=128, lr=0.1, seed=0)
    again = xorlib.train_fast(second, train.X, train.y, num_epochs=100, batch_size=128, lr=0.1, seed=0)
    assert losses == again and losses[-1] < 0.05
    assert xorlib.accuracy(first, [(test.X, test.y)]) == 1.0


def test_tensor_loop_is_the_same_sgd_as_the_dataloader_loop(data) -> None:
    """One full-batch epoch has no shuffling to differ in: both loops must take the same step."""
    train, _ = data
    a, b = fresh_model(), fresh_model()
    loader = xorlib.make_loader(train, batch_size=len(train), shuffle=False)
    xorlib.train_model(a, loader, num_epochs=1, lr=0.5, progress=False)
    xorlib.train_fast(b, train.X, train.y, num_epochs=1, batch_size=len(train), lr=0.5)
    assert all(torch.allclose(p, q, atol=1e-6) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def test_one_hidden_unit_cannot_learn_xor(data) -> None:
    train, test = data
    model = fresh_model(hidden=1)
    xorlib.train_fast(model, train.X, train.y, num_epochs=50, lr=1.0)
    assert xorlib.accuracy(model, [(test.X, test.y)]) <= 0.8


def test_progress_bar_prints_the_same_text_every_time() -> None:
    def run() -> str:
        out = io.StringIO()
        with redirect_stdout(out), xorlib.training.progress_bar(20) as bar:
            for _ in range(20):
                bar.update()
        return out.getvalue()

    text = run()
    assert text == run() and "epoch  20/20" in text
    assert not re.search(r"it/s|s/it|\d\d:\d\d", text), "rates or times would never repeat"


def test_evaluation_counts_right_answers() -> None:
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 0.0]]))  # logit = x1 - 0.5
        model.bias.fill_(-0.5)
    X = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.9, 1.0], [0.1, 1.0]])
    assert xorlib.predict(model, X).tolist() == [0, 1, 1, 0]
    assert xorlib.accuracy(model, [(X, torch.tensor([0, 1, 0, 0]))]) == 0.75


def test_boundary_image_orientation() -> None:
    """Columns follow x1, rows follow x2, row 0 at x2 = -0.5 (what imshow(origin='lower') expects)."""
    model = xorlib.SimpleClassifier(2, 1, 1)
    with torch.no_grad():  # tanh(10 * x1 - 5) -> positive for large x1
        model.linear1.weight.copy_(torch.tensor([[10.0, 0.0]]))
        model.linear1.bias.fill_(-5.0)
        model.linear2.weight.fill_(10.0)
        model.linear2.bias.zero_()
    prob = plot.boundary_image(model, steps=50)
    assert prob.shape == (50, 50)
    assert (prob[:, -1] > 0.99).all() and (prob[:, 0] < 0.01).all()


def test_figures_have_fixed_size_dpi_and_palette(data) -> None:
    train, _ = data
    fig = plot.samples(train.X[:100], train.y[:100])
    assert tuple(fig.get_size_inches()) == plot.FIGSIZE and fig.dpi == plot.DPI
    colours = {tuple(c.get_facecolor()[0][:3]) for c in fig.axes[0].collections}
    assert colours == {matplotlib.colors.to_rgb(c) for c in plot.CLASS_COLORS}
    curve = plot.loss_curve({"a": [1.0, 0.5], "b": [1.0, 0.2]})
    assert [line.get_color() for line in curve.axes[0].lines] == list(plot.LINE_COLORS[:2])


def test_timing_and_provenance_lines_match_the_sanitizer() -> None:
    """The lines chapter 2 prints must be the ones tests/sanitize.cfg exempts, or nbval would fail."""
    timing = xorlib.time_matmul(64, "cpu", repeats=2)
    assert timing.seconds > 0 and timing.gflops > 0
    patterns = re.findall(r"(?m)^regex: (.*)$", SANITIZE)
    for line in (str(timing), xorlib.provenance("cpu")):
        assert any(re.search(p, line) for p in patterns), f"no sanitizer covers {line!r}"
    assert xorlib.get_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
