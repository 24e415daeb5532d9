"""xorlib.sweep: many models trained at once learn what single runs learn (correctness only, no timing)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure

import xorlib
from xorlib import SimpleClassifier, SuccessTable, SweepResult, XORDataset, success_rate_plot, sweep


@pytest.fixture(scope="module")
def train() -> XORDataset:
    return XORDataset(2500, seed=0)


@pytest.fixture(scope="module")
def test_set() -> XORDataset:
    return XORDataset(500, seed=1)


@pytest.fixture(scope="module")
def full(train: XORDataset) -> SweepResult:
    # The course's settings (100 epochs, batch 128) on a smaller grid: 4 x 2 x 4 = 32 models.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tensors this small only lose time to thread hand-offs on a busy machine
    try:
        return sweep([1, 3, 4, 8], [0.3, 1.0], range(4), train.X, train.y)
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _one_thread_and_no_figures_left():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    plt.close("all")


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
    fig = success_rate_plot(table)
    assert isinstance(fig, Figure) and tuple(fig.get_size_inches()) == (5, 3.2) and fig.dpi == 100
    assert len(fig.axes[0].get_lines()) == 2  # one line per learning rate


def test_initial_weights_are_those_of_simple_classifier(train: XORDataset) -> None:
    result = sweep([1, 3, 8], [0.1, 1.0], [0, 5], train.X, train.y, num_epochs=0)
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


def test_padding_adds_nothing_and_learns_nothing(train: XORDataset) -> None:
    padded = sweep([3, 8], [0.5], [1, 2], train.X, train.y, num_epochs=5)  # 3-unit models padded to 8
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
