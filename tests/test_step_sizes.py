"""xorlib.figures.step_sizes: the quadratic's rule, swept models' scores, any optimizer, figures."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import matplotlib
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from xorlib import SimpleClassifier, SweepResult, XORDataset, sweep, train_fast
from xorlib.figures import step_sizes


@pytest.fixture(scope="module")
def data() -> XORDataset:
    return XORDataset(300, seed=0)


@pytest.fixture(scope="module")
def result(data: XORDataset) -> SweepResult:
    # hidden sizes 1 and 3: the 1-unit models carry two padded units that must not count
    return sweep([1, 3], [0.3, 10.0], range(2), data.X, data.y, num_epochs=20, batch_size=32)


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.45, 0.5, 0.55])
def test_quadratic_descent_is_gradient_descent_by_autograd(rate: float) -> None:
    w = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    expected = [w.item()]
    for _ in range(12):
        (4.0 / 2 * w**2).backward()
        with torch.no_grad():
            w -= rate * w.grad
        w.grad = None
        expected.append(w.item())
    got = step_sizes.quadratic_descent(4.0, rate, steps=12, w0=1.5)
    assert got.dtype == torch.float64 and got.shape == (13,)
    torch.testing.assert_close(got, torch.tensor(expected, dtype=torch.float64))


@pytest.mark.parametrize("rate", [0.01, 0.1, 0.4, 0.49, 0.5, 0.51, 0.7])
def test_quadratic_converges_exactly_below_two_over_curvature(rate: float) -> None:
    size = step_sizes.quadratic_descent(4.0, rate, steps=40).abs()  # 2 / L = 0.5
    if rate < 0.5:
        assert (size[1:] < size[:-1]).all() and size[-1] < 0.2
    elif rate > 0.5:
        assert (size[1:] > size[:-1]).all() and size[-1] > 1.4
    else:
        assert (size == 1).all(), "at exactly 2 / L the iterate flips sign and keeps its size"


def test_quadratic_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="lr must be > 0"):
        step_sizes.quadratic_descent(4.0, 0.0)
    with pytest.raises(TypeError, match="curvature must be a real number"):
        step_sizes.quadratic_descent("4", 0.1)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        step_sizes.quadratic_descent(4.0, 0.1, steps=-1)


def test_final_losses_are_each_models_mean_bce(result: SweepResult, data: XORDataset) -> None:
    losses = step_sizes.final_losses(result, data.X, data.y)
    assert losses.shape == (2, 2, 2)
    for m in range(8):  # model m = (i * len(lrs) + j) * len(seeds) + k
        logits = result.model(m)(data.X).squeeze(1)
        expected = nn.BCEWithLogitsLoss()(logits, data.y.float())
        torch.testing.assert_close(losses.flatten()[m], expected.detach(), rtol=1e-4, atol=1e-6)


def test_saturation_counts_real_units_only(result: SweepResult, data: XORDataset) -> None:
    shares = step_sizes.saturation(result, data.X, level=0.9)
    assert shares.shape == (2, 2, 2)
    for m in range(8):
        h = torch.tanh(result.model(m).linear1(data.X)).detach()  # (N, real hidden units)
        assert math.isclose(shares.flatten()[m].item(), (h.abs() > 0.9).float().mean().item(), abs_tol=1e-6)
    assert shares[:, 1].mean() > shares[:, 0].mean(), "lr 10 saturates more units than lr 0.3"


def test_scores_reject_bad_input(result: SweepResult, data: XORDataset) -> None:
    with pytest.raises(TypeError, match="must be a SweepResult"):
        step_sizes.final_losses("result", data.X, data.y)
    with pytest.raises(ValueError, match="y must have shape"):
        step_sizes.final_losses(result, data.X, data.y[:-1])
    with pytest.raises(ValueError, match="probability"):
        step_sizes.saturation(result, data.X, level=1.5)
    with pytest.raises(ValueError, match="features per sample"):
        step_sizes.saturation(result, data.X[:, :1])


def test_train_with_sgd_is_train_fast(data: XORDataset) -> None:
    torch.manual_seed(5)
    a = SimpleClassifier(2, 4, 1)
    b = SimpleClassifier(2, 4, 1)
    b.load_state_dict(a.state_dict())
    fast = train_fast(a, data.X, data.y, num_epochs=15, batch_size=32, lr=0.5, seed=3)
    mine = step_sizes.train_with(b, torch.optim.SGD(b.parameters(), lr=0.5), data.X, data.y, 15, 32, seed=3)
    assert len(mine) == 15
    torch.testing.assert_close(torch.tensor(mine), torch.tensor(fast))
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q)


def test_train_with_uses_the_optimizer_it_is_given(data: XORDataset) -> None:
    torch.manual_seed(0)
    adam, sgd = SimpleClassifier(2, 4, 1), SimpleClassifier(2, 4, 1)
    sgd.load_state_dict(adam.state_dict())  # the same start
    fast = step_sizes.train_with(adam, torch.optim.Adam(adam.parameters(), lr=0.02), data.X, data.y, 30, 32)
    slow = step_sizes.train_with(sgd, torch.optim.SGD(sgd.parameters(), lr=0.02), data.X, data.y, 30, 32)
    assert fast[-1] < 0.5 * slow[-1], "Adam at lr 0.02 goes much further than plain SGD at lr 0.02"
    with pytest.raises(TypeError, match="torch.optim.Optimizer"):
        step_sizes.train_with(adam, "adam", data.X, data.y)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        step_sizes.train_with("model", torch.optim.SGD(adam.parameters()), data.X, data.y)


def outside(fig: Figure) -> None:
    """The legend lies wholly outside the axes, so it covers no data."""
    fig.canvas.draw()
    (ax,) = fig.axes
    legend, box = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.x0 >= box.x1 and box.y0 <= legend.y0 and legend.y1 <= box.y1 + 1
    assert fig.get_window_extent().contains(legend.x1 - 1, legend.y1 - 1), "the legend is cut off"


def test_lines_draws_every_run_with_the_legend_outside() -> None:
    runs = {"a": [1.0, 0.5, 0.25], "b": [1.0, 2.0, 4.0]}
    fig = step_sizes.lines(runs, x=[0.1, 1, 10], logx=True, markers=True)
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    assert list(ax.get_lines()[1].get_ydata()) == [1.0, 2.0, 4.0]
    assert ax.get_yscale() == ax.get_xscale() == "log"
    outside(fig)
    matplotlib.pyplot.close(fig)
    with pytest.raises(TypeError, match="non-empty dict"):
        step_sizes.lines({})


def test_strip_shows_every_seed_and_the_median() -> None:
    losses = torch.tensor([[0.6, 0.7, 0.65, 0.69], [0.01, 0.02, 0.03, 0.0]])
    fig = step_sizes.strip([0.01, 1.0], losses, floor=1e-4)
    (ax,) = fig.axes
    dots, medians = ax.collections
    assert len(dots.get_offsets()) == 8 and dots.get_offsets()[:, 1].min() == pytest.approx(1e-4)
    assert medians.get_offsets()[:, 1].tolist() == pytest.approx([0.67, 0.015])  # mean of the middle two
    outside(fig)
    matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match=r"shape \(3, num_seeds\)"):
        step_sizes.strip([0.1, 1.0, 10.0], losses)


# Chapter 9's sweeps, run in a fresh process at 1 and then 2 threads: the learning-rate table (7 rates
# x 32 seeds, batch 128; 30 epochs here, not 100) and the full-batch row (3 rates x 4 seeds, batch
# 2500). At these sizes torch really splits work between threads (the worker-thread ticks measure
# it); a toy sweep of 4 models in batches of 32 never leaves the main thread. OMP_WAIT_POLICY=PASSIVE
# lets an idle worker sleep instead of spinning, so its CPU time is work it was given.
THREADS_CHILD = """
import os, sys, torch, xorlib
from xorlib.figures import step_sizes

def worker_ticks():  # CPU time, in clock ticks, of every thread of this process but the main one
    if not os.path.isdir("/proc/self/task"):
        return None
    total = 0
    for tid in os.listdir("/proc/self/task"):
        if int(tid) != os.getpid():
            fields = open(f"/proc/self/task/{tid}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total

train = xorlib.XORDataset(size=2500, seed=1)
runs = {}
for count in (1, 2):
    torch.set_num_threads(count)
    before = worker_ticks()
    table = xorlib.sweep([4], (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0), range(32), train.X, train.y,
                         num_epochs=30, batch_size=128)
    full = xorlib.sweep([4], (0.01, 0.1, 1.0), range(4), train.X, train.y, batch_size=2500)
    after = worker_ticks()
    runs[count] = {"table": step_sizes.final_losses(table, train.X, train.y), "table_W1": table.W1,
                   "full": step_sizes.final_losses(full, train.X, train.y), "full_W1": full.W1,
                   "ticks": None if before is None else after - before}
torch.save(runs, sys.argv[1])
"""


def test_chaotic_runs_repeat_under_any_thread_count(tmp_path) -> None:
    """The batched sweep does not depend on the thread count, even where it is chaotic (lr = 10): on
    one machine, `make test`'s one-thread kernel set changes only what the kernels themselves change."""
    out = tmp_path / "runs.pt"
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    run = subprocess.run([sys.executable, "-c", THREADS_CHILD, str(out)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    one, two = (torch.load(out)[count] for count in (1, 2))
    if two["ticks"] is not None:  # Linux: the second thread really took part (10 ms ticks)
        assert two["ticks"] >= 3, f"the worker thread ran {two['ticks']} ticks (one thread: {one['ticks']})"
    for name in ("table", "table_W1", "full", "full_W1"):
        assert torch.equal(one[name], two[name]), f"{name} differs between 1 and 2 threads"
    assert one["table"][0, -1].max() > math.log(2), "lr = 10 is chaotic: some seeds end worse than a coin"
