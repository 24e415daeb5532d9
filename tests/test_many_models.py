"""xorlib.sweep: many models trained at once learn what single runs learn (correctness only, no timing)."""

from __future__ import annotations

import dataclasses

import matplotlib
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

import xorlib
from tests.helpers import exactly, threads
from xorlib import (
    SimpleClassifier,
    SuccessTable,
    SweepResult,
    XORDataset,
    plotting,
    success_heatmap,
    sweep,
    sweep_func,
)


@pytest.fixture(scope="module")
def train() -> XORDataset:
    return XORDataset(2500, seed=0)


@pytest.fixture(scope="module")
def test_set() -> XORDataset:
    return XORDataset(500, seed=1)


@pytest.fixture(scope="module")
def full(train: XORDataset) -> SweepResult:
    # The course's settings (100 epochs, batch 128) on a smaller grid: 4 x 2 x 4 = 32 models.
    with threads(1):  # tensors this small only lose time to thread hand-offs on a busy machine
        return sweep([1, 3, 4, 8], [0.3, 1.0], range(4), train.X, train.y)


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest.py; figures are closed there too


def test_grid_order_and_shapes(full: SweepResult) -> None:
    M = 4 * 2 * 4
    assert full.W1.shape == (M, 8, 2) and full.b1.shape == (M, 8) and full.W2.shape == (M, 8)
    assert full.b2.shape == (M,)
    grid = (4, 2, 4)  # (hidden, lr, seed): model m = (i * len(lrs) + j) * len(seeds) + k
    assert full.hidden.view(grid)[:, 0, 0].tolist() == [1, 3, 4, 8]
    assert full.lr.view(grid)[0, :, 0].tolist() == pytest.approx([0.3, 1.0])
    assert full.seed.view(grid)[0, 0].tolist() == [0, 1, 2, 3]


def test_sweep_learns_xor(full: SweepResult, test_set: XORDataset) -> None:
    acc = full.accuracy(test_set.X, test_set.y)  # (M,)
    assert acc.shape == (32,)
    enough = full.hidden >= 3
    assert (acc[enough] >= 0.99).float().mean() >= 0.9  # almost every run with >= 3 units succeeds
    # One tanh unit draws a single straight boundary: at most 3 of the 4 corners are right.
    assert acc[full.hidden == 1].max() <= 0.8


def test_success_table_and_plot(full: SweepResult, test_set: XORDataset) -> None:
    table = full.success_table(test_set.X, test_set.y)
    assert isinstance(table, SuccessTable) and table.rates.shape == (4, 2)
    assert table.rates[0].tolist() == [0.0, 0.0] and table.rates[1:].min() >= 0.5
    text = str(table)
    assert "lr=0.3" in text and "lr=1" in text and len(text.splitlines()) == 3 + 4
    fig = success_heatmap(table)
    assert isinstance(fig, Figure) and tuple(fig.get_size_inches()) == (4.6, 4.4) and fig.dpi == 100
    assert fig.axes[0].get_images()[0].get_array().shape == (4, 2)  # one cell per (hidden size, lr)


def test_initial_weights_are_those_of_simple_classifier(train: XORDataset) -> None:
    result = sweep([1, 3, 8], [0.1, 1.0], [0, 5], train.X, train.y, num_epochs=0)
    assert (result.hidden_sizes, result.lrs, result.seeds) == ((1, 3, 8), (0.1, 1.0), (0, 5))
    for m in range(len(result.hidden)):
        torch.manual_seed(int(result.seed[m]))
        reference = SimpleClassifier(2, int(result.hidden[m]), 1)
        for (name, got), want in zip(result.model(m).state_dict().items(), reference.state_dict().values(),
                                     strict=True):
            assert torch.equal(got, want), (m, name)


def test_each_model_follows_its_train_fast_run(train: XORDataset) -> None:
    # Same start, same batches, same SGD: the hand-written gradients must match autograd's.
    result = sweep([2, 5], [0.1, 1.0], [3, 7], train.X, train.y, num_epochs=3)
    for m in range(len(result.hidden)):
        torch.manual_seed(int(result.seed[m]))
        reference = SimpleClassifier(2, int(result.hidden[m]), 1)
        xorlib.train_fast(reference, train.X, train.y, num_epochs=3, batch_size=128,
                          lr=float(result.lr[m]), seed=int(result.seed[m]))
        for got, want in zip(result.model(m).parameters(), reference.parameters(), strict=True):
            torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("hidden_sizes", [[3, 8], [8, 3]])
def test_padding_adds_nothing_and_learns_nothing(train: XORDataset, hidden_sizes: list[int]) -> None:
    padded = sweep(hidden_sizes, [0.5], [1, 2], train.X, train.y, num_epochs=5)  # 3-unit models padded to 8
    alone = sweep([3], [0.5], [1, 2], train.X, train.y, num_epochs=5)  # no padding at all
    small = padded.hidden == 3
    # Padded units got no gradient: their incoming and outgoing weights are still exactly zero.
    for weights in (padded.W1, padded.b1, padded.W2):
        assert not weights[small, 3:].any()
    torch.testing.assert_close(padded.W1[small, :3], alone.W1)
    torch.testing.assert_close(padded.W2[small, :3], alone.W2)
    torch.testing.assert_close(padded.b2[small], alone.b2)
    # A padded model's logits equal those of a SimpleClassifier holding only its 3 real units.
    m = int(torch.nonzero(small)[0])
    net = SimpleClassifier(2, 3, 1)
    with torch.no_grad():
        net.linear1.weight.copy_(padded.W1[m, :3])
        net.linear1.bias.copy_(padded.b1[m, :3])
        net.linear2.weight.copy_(padded.W2[m, None, :3])
        net.linear2.bias.copy_(padded.b2[m, None])
        torch.testing.assert_close(padded.logits(train.X[:300])[m], net(train.X[:300]).squeeze(1))


def test_default_is_100_epochs(train: XORDataset) -> None:
    X, y = train.X[:200], train.y[:200]
    a, b = sweep([2], [0.5], [0], X, y), sweep([2], [0.5], [0], X, y, num_epochs=100)
    c = sweep([2], [0.5], [0], X, y, num_epochs=99)
    assert torch.equal(a.W1, b.W1) and torch.equal(a.b2, b.b2) and not torch.equal(a.W1, c.W1)


def test_deterministic(train: XORDataset) -> None:
    a = sweep([2, 4], [0.3], [0, 1], train.X, train.y, num_epochs=4)
    b = sweep([2, 4], [0.3], [0, 1], train.X, train.y, num_epochs=4)
    for name in ("W1", "b1", "W2", "b2"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(hidden_sizes=4), TypeError, "hidden_sizes must be a non-empty list"),
        (dict(hidden_sizes=[]), TypeError, "hidden_sizes must be a non-empty list"),
        (dict(hidden_sizes=[2, 0]), ValueError, "hidden_sizes must be a positive integer"),
        (dict(hidden_sizes=[2.5]), TypeError, "hidden_sizes must be a positive integer"),
        (dict(lrs=[0.1, -1.0]), ValueError, "lrs must be > 0"),
        (dict(lrs=["0.1"]), TypeError, "lrs must be a real number"),
        (dict(seeds=[-1]), ValueError, "seeds must be >= 0"),
        (dict(num_epochs=-1), ValueError, "num_epochs must be >= 0"),
        (dict(batch_size=0), ValueError, "batch_size must be a positive integer"),
        (dict(X=torch.zeros(10, 3)), ValueError, "expects 2"),
        (dict(y=torch.full((10,), 2)), ValueError, "labels must be 0 or 1"),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs: dict, error: type, match: str) -> None:
    args = dict(hidden_sizes=[2], lrs=[0.1], seeds=[0], X=torch.zeros(10, 2), y=torch.zeros(10).long(),
                num_epochs=1)
    with pytest.raises(error, match=match):
        sweep(**{**args, **kwargs})


def test_bad_result_queries_raise(full: SweepResult, test_set: XORDataset) -> None:
    with pytest.raises(ValueError, match="model index must be < 32"):
        full.model(32)
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        full.logits(torch.zeros(5, 3))
    with pytest.raises(ValueError, match="y must have shape"):
        full.accuracy(test_set.X, test_set.y[:10])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_runs_on_the_device_of_x(train: XORDataset, test_set: XORDataset) -> None:
    result = sweep([4, 8], [1.0], range(4), train.X.cuda(), train.y.cuda())
    assert result.W1.is_cuda
    assert (result.accuracy(test_set.X, test_set.y) >= 0.99).float().mean() >= 0.75


def test_logits_accept_any_real_dtype_and_name_bad_input(full: SweepResult, test_set: XORDataset) -> None:
    X = test_set.X[:50]
    torch.testing.assert_close(full.logits(X.double()), full.logits(X))
    torch.testing.assert_close(full.logits(X.round().long()), full.logits(X.round()))
    with pytest.raises(ValueError, match=exactly("X must be a tensor of shape (N, 2), got list")):
        full.logits(X.tolist())
    with pytest.raises(ValueError, match=exactly("X must be a tensor of shape (N, 2), got (5, 3)")):
        full.logits(torch.zeros(5, 3))
    with pytest.raises(ValueError, match=exactly("X has 3 features per sample but the model expects 2")):
        full.accuracy(torch.zeros(5, 3), torch.zeros(5).long())


def test_logits_ignore_what_the_padding_holds(train: XORDataset) -> None:
    """Like model(m), logits use a model's real units only, whatever sits in its padded rows."""
    result = sweep([2, 5], [0.5], [0, 1], train.X, train.y, num_epochs=2)
    pad = (torch.arange(5) >= result.hidden[:, None]).float()  # (M, H): 1 on padded units
    g = torch.Generator().manual_seed(0)
    noise = {name: torch.randn(getattr(result, name).shape, generator=g) for name in ("W1", "b1", "W2")}
    noisy = dataclasses.replace(result, W1=result.W1 + noise["W1"] * pad[..., None],
                                b1=result.b1 + noise["b1"] * pad, W2=result.W2 + noise["W2"] * pad)
    X = train.X[:100]
    torch.testing.assert_close(noisy.logits(X), result.logits(X))
    for m in range(len(noisy.hidden)):
        torch.testing.assert_close(noisy.logits(X)[m], noisy.model(m)(X).squeeze(1))


def constant_models(logits: list[float]) -> SweepResult:
    """Models with 2 hidden units whose logit is the same for every input (weights zero, b2 = logit)."""
    M = len(logits)
    return SweepResult((2,), (0.1,), tuple(range(M)), torch.full((M,), 2), torch.full((M,), 0.1),
                       torch.arange(M), W1=torch.zeros(M, 2, 2), b1=torch.zeros(M, 2), W2=torch.zeros(M, 2),
                       b2=torch.tensor(logits))


def test_accuracy_counts_a_logit_of_0_as_class_1_like_predict() -> None:
    result = constant_models([0.0, 0.5, -0.5])  # p = 0.5, 0.62, 0.38
    X, y = torch.zeros(4, 2), torch.ones(4, dtype=torch.long)
    assert result.accuracy(X, y).tolist() == [1.0, 1.0, 0.0]
    assert [xorlib.accuracy(result.model(m), [(X, y)]) for m in range(3)] == [1.0, 1.0, 0.0]


def test_success_means_accuracy_at_least_the_threshold() -> None:
    X, y = torch.zeros(4, 2), torch.tensor([1, 1, 0, 0])
    table = constant_models([0.0, 1.0, -1.0]).success_table(X, y, threshold=0.5)  # every accuracy is 0.5
    assert table.rates.tolist() == [[1.0]] and table.num_seeds == 3
    assert str(table).splitlines()[0] == "share of 3 seeds reaching test accuracy >= 0.5"
    assert constant_models([0.0]).success_table(X, y, threshold=0.75).rates.tolist() == [[0.0]]


def test_bad_model_index_and_threshold_name_the_argument(full: SweepResult, test_set: XORDataset) -> None:
    with pytest.raises(ValueError, match=exactly("m must be >= 0, got -1")):
        full.model(-1)
    with pytest.raises(TypeError, match=exactly("m must be a non-negative integer, got 1.5 (float)")):
        full.model(1.5)
    message = "threshold is a probability and must lie in [0, 1], got -0.1"
    with pytest.raises(ValueError, match=exactly(message)):
        full.success_table(test_set.X, test_set.y, threshold=-0.1)


def test_success_table_prints_as_a_text_table() -> None:
    table = SuccessTable((1, 8), (0.1, 1.0), 4, 0.99, torch.tensor([[0.0, 0.25], [1.0, 0.5]]))
    assert str(table).splitlines() == [
        "share of 4 seeds reaching test accuracy >= 0.99",
        "hidden |    lr=0.1      lr=1",
        "----------------------------",
        "     1 |      0.00      0.25",
        "     8 |      1.00      0.50",
    ]


def test_success_table_with_a_row_missing_is_refused() -> None:
    message = "rates must be a tensor of shape (3, 1) (3 hidden sizes by 1 learning rates), got (2, 1)"
    with pytest.raises(ValueError, match=exactly(message)):
        SuccessTable((1, 2, 8), (0.1,), 4, 0.99, torch.tensor([[0.0], [1.0]]))  # no row for 8 units


def test_success_heatmap_draws_one_annotated_cell_per_hidden_size_and_lr() -> None:
    lrs = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
    rates = torch.linspace(0, 1, 18).view(3, 6)
    table = SuccessTable((1, 2, 4), lrs, 32, 0.9, rates)
    with matplotlib.rc_context({"figure.dpi": 72}):  # the size must not follow the user's settings
        fig = success_heatmap(table)
    ax, bar = fig.axes
    assert fig.dpi == plotting.DPI and isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    (image,) = ax.get_images()
    assert image.get_array().tolist() == rates.tolist()  # row i: hidden_sizes[i], column j: lrs[j]
    assert image.get_cmap().name == "cividis" and image.get_clim() == (0, 1)
    texts = ax.texts
    assert [t.get_text() for t in texts] == [f"{r:.2f}" for r in rates.flatten().tolist()]
    assert [t.get_position() for t in texts] == [(j, i) for i in range(3) for j in range(6)]
    colors = ["white" if r < 0.5 else "black" for r in rates.flatten().tolist()]  # dark cells: white text
    assert [t.get_color() for t in texts] == colors
    assert min(t.get_fontsize() for t in texts + ax.get_xticklabels() + ax.get_yticklabels()) >= 9
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.01", "0.03", "0.1", "0.3", "1", "3"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2", "4"]
    assert ax.get_xlabel() == "learning rate" and ax.get_ylabel() == "hidden units"
    assert bar.get_ylabel() == "share of 32 seeds with test acc >= 0.9"
    assert ax.get_title() == "Which networks learn XOR?"
    assert success_heatmap(table, title="Sweep").axes[0].get_title() == "Sweep"


def test_sweep_func_follows_the_hand_written_sweep(train: XORDataset) -> None:
    # Same start, same batches: autograd's gradients (through vmap) match the written-out ones.
    args = ([1, 3, 8], [0.1, 1.0], [0, 5], train.X, train.y)
    a, b = sweep(*args, num_epochs=3), sweep_func(*args, num_epochs=3)
    for name in ("hidden", "lr", "seed"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    for name in ("W1", "b1", "W2", "b2"):
        torch.testing.assert_close(getattr(b, name), getattr(a, name), atol=1e-5, rtol=1e-4)
    small = b.hidden < 8  # padded units stay exactly zero under autograd too
    assert not b.W1[small & (b.hidden == 1), 1:].any() and not b.W2[small & (b.hidden == 3), 3:].any()


def test_sweep_func_gives_the_same_success_table(train: XORDataset, test_set: XORDataset) -> None:
    # The course's settings (100 epochs, batch 128) on a small grid: the same table, and final
    # losses that agree to float tolerance although 2,000 steps of rounding lie between them.
    args = ([1, 2, 8], [0.03, 1.0], range(3), train.X, train.y)
    a, b = sweep(*args), sweep_func(*args)
    rates = a.success_table(test_set.X, test_set.y).rates
    assert rates.min() == 0 and rates.max() == 1  # some configurations fail, some succeed
    assert torch.equal(b.success_table(test_set.X, test_set.y).rates, rates)
    targets = train.y.float().expand(len(a.hidden), -1)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    losses = [bce(r.logits(train.X), targets, reduction="none").mean(dim=1) for r in (a, b)]
    torch.testing.assert_close(losses[1], losses[0], atol=1e-4, rtol=0)


def test_sweep_func_checks_its_arguments_like_sweep() -> None:
    X, y = torch.zeros(10, 2), torch.zeros(10).long()
    with pytest.raises(ValueError, match=exactly("lrs must be > 0, got -1.0")):
        sweep_func([2], [-1.0], [0], X, y)
    with pytest.raises(TypeError, match="hidden_sizes must be a non-empty list or range"):
        sweep_func([], [0.1], [0], X, y)
    with pytest.raises(ValueError, match="num_epochs must be >= 0"):
        sweep_func([2], [0.1], [0], X, y, num_epochs=-1)
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        sweep_func([2], [0.1], [0], X, torch.full((10,), 2))
