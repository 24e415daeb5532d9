"""The training loops, evaluation and plots learn and draw what the chapters say they do."""

from __future__ import annotations

import copy
import io
import re
import time
from contextlib import redirect_stdout
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pytest
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

import xorlib
from tests.helpers import fake_accelerator, same_weights
from xorlib import hardware, plotting

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
    prob = plotting.boundary_image(model, steps=50)
    assert prob.shape == (50, 50)
    assert (prob[:, -1] > 0.99).all() and (prob[:, 0] < 0.01).all()


def test_figures_have_fixed_size_dpi_and_palette(data) -> None:
    train, _ = data
    fig = plotting.samples(train.X[:100], train.y[:100])
    assert tuple(fig.get_size_inches()) == plotting.FIGSIZE and fig.dpi == plotting.DPI
    colours = {tuple(c.get_facecolor()[0][:3]) for c in fig.axes[0].collections}
    assert colours == {matplotlib.colors.to_rgb(c) for c in plotting.CLASS_COLORS}
    curve = plotting.loss_curve({"a": [1.0, 0.5], "b": [1.0, 0.2]})
    assert [line.get_color() for line in curve.axes[0].lines] == list(plotting.LINE_COLORS[:2])


def test_timing_and_provenance_lines_match_the_sanitizer() -> None:
    """The lines chapter 2 prints must be the ones tests/sanitize.cfg exempts, or nbval would fail."""
    timing = xorlib.time_matmul(64, "cpu", repeats=2)
    patterns = re.findall(r"(?m)^regex: (.*)$", SANITIZE)
    for line in (str(timing), xorlib.provenance("cpu")):
        assert any(re.search(p, line) for p in patterns), f"no sanitizer covers {line!r}"
    assert xorlib.get_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_predict_compares_the_probability_with_its_threshold() -> None:
    model = nn.Linear(2, 1)
    with torch.no_grad():  # logit = x1, so p = sigmoid(x1)
        model.weight.copy_(torch.tensor([[1.0, 0.0]]))
        model.bias.zero_()
    X = torch.tensor([[-2.0, 0.0], [0.0, 0.0], [0.5, 0.0], [3.0, 0.0], [100.0, 0.0]])  # p: .12 .5 .62 .95 1
    assert xorlib.predict(model, X).tolist() == [0, 1, 1, 1, 1]  # p = 0.5 reaches the default 0.5
    assert xorlib.predict(model, X, threshold=0.7).tolist() == [0, 0, 0, 1, 1]
    assert xorlib.predict(model, X, threshold=0.0).tolist() == [1, 1, 1, 1, 1]  # both ends are allowed
    # P(class 1) >= 1 needs an infinite logit; sigmoid(100) rounds to 1.0 but the logit rule does not
    assert xorlib.predict(model, X, threshold=1.0).tolist() == [0, 0, 0, 0, 0]


def test_accuracy_over_a_tuple_of_batches() -> None:
    model = nn.Linear(2, 1)
    with torch.no_grad():  # logit = x1: class 1 for x1 >= 0
        model.weight.copy_(torch.tensor([[1.0, 0.0]]))
        model.bias.zero_()
    X, y = torch.tensor([[1.0, 0.0], [-1.0, 0.0]]), torch.tensor([1, 1])
    assert xorlib.accuracy(model, ((X, y), (X, y), (X, 1 - y))) == 0.5  # any iterable of batches


def test_make_loader_defaults_batch_128_shuffled_with_seed_0() -> None:
    data = xorlib.XORDataset(300, seed=3)
    batches = [X for X, _ in xorlib.make_loader(data)]
    assert [len(X) for X in batches] == [128, 128, 44]
    assert not torch.equal(batches[0], data.X[:128])  # shuffled
    seeded = [X for X, _ in xorlib.make_loader(data, seed=0)]
    other = [X for X, _ in xorlib.make_loader(data, seed=1)]
    assert all(torch.equal(a, b) for a, b in zip(batches, seeded, strict=True))
    assert not torch.equal(batches[0], other[0])


def test_training_defaults_are_100_epochs_batch_128_lr_0_1_seed_0() -> None:
    data = xorlib.XORDataset(300, seed=3)
    a, b = fresh_model(), fresh_model()
    losses = xorlib.train_fast(a, data.X, data.y)
    assert losses == xorlib.train_fast(b, data.X, data.y, num_epochs=100, batch_size=128, lr=0.1, seed=0)
    assert len(losses) == 100 and same_weights(a, b)

    data = xorlib.XORDataset(256, seed=4)
    a, b, out = fresh_model(), fresh_model(), io.StringIO()
    with redirect_stdout(out):  # progress=True by default: the bar is printed
        losses = xorlib.train_model(a, xorlib.make_loader(data))
    assert "epoch 100/100" in out.getvalue()
    assert losses == xorlib.train_model(b, xorlib.make_loader(data), num_epochs=100, lr=0.1, progress=False)
    assert same_weights(a, b)


@pytest.mark.parametrize("loop", ["train_fast", "train_model"])
def test_loops_train_any_module_and_zero_epochs_change_nothing(loop: str) -> None:
    data = xorlib.XORDataset(64, seed=5)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))  # no .sizes attribute
    before = copy.deepcopy(net)

    def run(epochs: int) -> list[float]:
        if loop == "train_fast":
            return xorlib.train_fast(net, data.X, data.y, num_epochs=epochs, batch_size=16)
        return xorlib.train_model(net, xorlib.make_loader(data, 16), num_epochs=epochs, progress=False)

    assert run(0) == [] and same_weights(net, before)
    losses = run(3)
    assert len(losses) == 3 and losses[-1] < losses[0]


def test_train_fast_reports_the_mean_loss_of_the_epochs_batches() -> None:
    # 100 identical samples in batches of 30, 30, 30 and 10: every batch has the same mean loss, and
    # a tiny lr keeps the weights (so that loss) fixed, so the epoch's mean must equal it.
    model = fresh_model()
    X, y = torch.tensor([[0.3, 0.8]]).repeat(100, 1), torch.ones(100, dtype=torch.long)
    with torch.no_grad():
        start = nn.functional.binary_cross_entropy_with_logits(model(X).squeeze(1), y.float()).item()
    (loss,) = xorlib.train_fast(model, X, y, num_epochs=1, batch_size=30, lr=1e-9)
    assert loss == pytest.approx(start, rel=1e-6)


@pytest.mark.parametrize("epochs", [10, 25, 100])
def test_progress_bar_is_60_columns_of_hashes_redrawn_every_tenth(epochs: int) -> None:
    out = io.StringIO()
    with redirect_stdout(out), xorlib.training.progress_bar(epochs) as bar:
        for _ in range(epochs):
            bar.update()
    frames = [f for f in out.getvalue().rstrip("\n").split("\r") if f]
    assert all(len(f) == 60 for f in frames), frames
    assert all(re.fullmatch(rf"epoch +\d+/{epochs} \|#* *\|", f) for f in frames), frames
    shown = {int(re.match(r"epoch +(\d+)", f).group(1)) for f in frames}
    assert shown == set(range(0, epochs, max(1, epochs // 10))) | {epochs}
    assert frames[-1].endswith("#|")  # full at the end


def test_get_device_asks_torch_accelerator_and_falls_back_to_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = torch.accelerator.current_accelerator(check_available=True) or torch.device("cpu")
    assert xorlib.get_device() == expected  # on this CPU-only machine: cpu
    for kind in ("mps", "xpu"):
        fake_accelerator(monkeypatch, kind, 1)
        assert xorlib.get_device() == torch.device(kind)
        assert xorlib.get_device(kind) == torch.device(kind)
        assert xorlib.get_device("cpu") == torch.device("cpu")


def test_get_device_prefers_cuda_and_checks_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    assert xorlib.get_device("cpu") == torch.device("cpu")
    fake_accelerator(monkeypatch, "cuda", 2)
    assert xorlib.get_device() == torch.device("cuda")
    assert xorlib.get_device("cuda") == torch.device("cuda")
    assert xorlib.get_device("cuda:1") == torch.device("cuda:1")
    with pytest.raises(ValueError, match=r"device 'cuda:2' was asked for, but this machine has 2 cuda dev"):
        xorlib.get_device("cuda:2")  # numbered 0 and 1


def test_provenance_names_the_torch_release_and_the_device(monkeypatch: pytest.MonkeyPatch) -> None:
    line = xorlib.provenance("cpu")
    release = re.fullmatch(r"Outputs verified with torch (\d+\.\d+\.\d+) on device: cpu", line)
    assert release and torch.__version__.startswith(release.group(1))
    fake_accelerator(monkeypatch, "cuda", 2)  # a machine with two GPUs
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device: f"GPU {torch.device(device).index}")
    assert xorlib.provenance("cuda:1") == f"Outputs verified with torch {release.group(1)} on device: GPU 1"


def test_time_matmul_reports_the_time_it_took_and_leaves_the_random_state_alone() -> None:
    state = torch.random.get_rng_state()
    start = time.perf_counter()
    timing = xorlib.time_matmul(64)
    elapsed = time.perf_counter() - start
    assert torch.equal(torch.random.get_rng_state(), state)  # a chapter's later draws do not shift
    assert timing.device == "cpu" and timing.repeats == 3 and timing.n == 64
    # two of the three timed products took the median or longer, all within the call
    assert timing.seconds <= elapsed / 2


class Products(TorchFunctionMode):
    """Writes "product" into ``events`` at each matrix product."""

    def __init__(self, events: list[str]) -> None:
        super().__init__()
        self.events = events

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", None) in ("matmul", "__matmul__", "mm"):  # x @ x: Tensor.matmul
            self.events.append("product")
        return func(*args, **(kwargs or {}))


def test_time_matmul_times_each_product_after_a_warm_up_and_reports_the_median(monkeypatch) -> None:
    """The clock brackets each timed product alone, the warm-up is not timed, and the seconds
    reported are the median: products of 1 s, 2 s and 9 s report 2 s, not the mean (4 s), the sum
    (12 s), the fastest (1 s) or the span from first reading to last (29 s)."""
    events: list[str] = []
    readings = iter([0.0, 1.0, 10.0, 12.0, 20.0, 29.0])

    def clock() -> float:
        events.append("clock")
        return next(readings)

    monkeypatch.setattr(hardware, "time", SimpleNamespace(perf_counter=clock))
    with Products(events):
        timing = xorlib.time_matmul(64, repeats=3)
    assert events == ["product"] + ["clock", "product", "clock"] * 3  # warm-up, then three timed
    assert timing.seconds == 2.0
    assert timing.gflops == pytest.approx(2 * 64**3 / 2.0 / 1e9)
    assert str(timing) == "64x64 matmul on cpu: 2.0000 s (median of 3), 0 GFLOP/s"
