"""A learner's mistakes at every public function: each one works, or gives a TypeError or ValueError
that says what was expected and what was received, raised before any work (or process) starts."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import xorlib
from xorlib import (
    SimpleClassifier,
    SuccessTable,
    SweepResult,
    XORDataset,
    accuracy,
    distributed,
    load_checkpoint,
    make_loader,
    plotting,
    predict,
    save_checkpoint,
    success_heatmap,
    sweep,
    sweep_func,
    train_fast,
    train_model,
)
from xorlib.hardware import module_dtype
from xorlib.training import progress_bar

DATA = XORDataset(32, seed=0)
X, Y = DATA.X, DATA.y
X3 = torch.rand(32, 3)
NAN_X = X.clone().index_fill_(0, torch.tensor([5]), float("nan"))
Y2 = Y.clone().index_fill_(0, torch.tensor([3]), 2)  # label 2 at sample 3
Y18 = Y.clone().index_fill_(0, torch.tensor([18]), 2)  # ... at sample 18: in the third batch of 8


def model() -> SimpleClassifier:
    torch.manual_seed(0)
    return SimpleClassifier()


def meta_model() -> SimpleClassifier:
    with torch.device("meta"):
        return SimpleClassifier()


def mixed_model() -> SimpleClassifier:
    net = model()
    net.linear2.double()
    return net


def loader(X: torch.Tensor, y: torch.Tensor, batch_size: int = 8) -> DataLoader:
    return DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=False)


def fit(net: nn.Module) -> list[float]:
    return train_model(net, loader(X, Y), num_epochs=1, progress=False)


class WithBuffer(SimpleClassifier):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("scale", torch.ones(1))


class WithLayer(SimpleClassifier):
    def __init__(self) -> None:
        super().__init__()
        self.extra = nn.Linear(1, 1)


class ChangingLoader:
    """Two batches a pass; from the second pass on, the last batch holds a label 2."""

    def __init__(self) -> None:
        self.passes = 0

    def __len__(self) -> int:
        return 2

    def __iter__(self):
        self.passes += 1
        yield X[:16], Y[:16]
        yield X[16:], (Y18 if self.passes > 1 else Y)[16:]


META = r"is on the meta device: it has no data, only shapes; move it with model\.to_empty\(device='cpu'\)"
MIXED = (r"SimpleClassifier mixes dtypes \(torch\.float32: linear1\.weight, linear1\.bias; torch\.float64: "
         r"linear2\.weight, linear2\.bias\); .* model\.float\(\)")
BIG = SimpleClassifier(2, 1_000_000, 1)  # the largest layer allowed: 16 MB, but 4 GB of activations per 1,000
ddp = partial(distributed.train_ddp, X, Y, batch_size=16)
GRID = ([200_000], [0.1, 0.5, 1.0], range(32), X, Y)  # 96 models of 200,000 units: ~40 GB of activations

PROBES: dict[str, tuple[Callable[[], object], type[Exception], str]] = {
    # plotting: inputs are checked, NumPy arrays converted on purpose
    "samples 3 features": (lambda: plotting.samples(X3, Y), ValueError,
                           r"X has 3 features per sample but a plot of the plane \(x_1, x_2\) expects 2"),
    "samples label 2": (lambda: plotting.samples(X, Y2), ValueError, r"labels must be 0 or 1, found \[2\]"),
    "samples NaN": (lambda: plotting.samples(NAN_X, Y), ValueError, r"X must be finite, but 2 of its values"),
    "samples lengths": (lambda: plotting.samples(X[:5], Y), ValueError, r"y must have shape \(5,\) to match"),
    "samples lists": (lambda: plotting.samples(X.tolist(), Y.tolist()), TypeError,
                      r"X must be a torch\.Tensor \(or a NumPy array\), got list"),
    "samples title": (lambda: plotting.samples(X, Y, title=3), TypeError, r"title must be a str, got 3 \("),
    "scatter no axes": (lambda: plotting.scatter(None, X, Y), TypeError, r"ax must be a matplotlib Axes"),
    "scatter label 2": (lambda: plotting.scatter(plotting.figure()[1], X, Y2), ValueError, r"found \[2\]"),
    "boundary 3 features": (lambda: plotting.decision_boundary(SimpleClassifier(3), X, Y), ValueError,
                            r"boundary_image maps the plane of 2 features, but the model expects 3"),
    "boundary label 2": (lambda: plotting.decision_boundary(model(), X, Y2), ValueError, r"found \[2\]"),
    "boundary ax": (lambda: plotting.decision_boundary(model(), X, Y, ax="left"), TypeError,
                    r"ax must be a matplotlib Axes, .*got 'left' \(str\)"),
    "loss_curve empty": (lambda: plotting.loss_curve([]), TypeError, r"losses must be a non-empty list"),
    "loss_curve tensors": (lambda: plotting.loss_curve([torch.tensor(0.5, requires_grad=True)]), TypeError,
                           r"losses\[0\] must be a number, got Tensor; store loss\.item\(\)"),
    "loss_curve empty dict": (lambda: plotting.loss_curve({}), ValueError, r"losses is an empty dict"),
    "loss_curve str": (lambda: plotting.loss_curve("0.5"), TypeError, r"losses must be a non-empty list"),
    "loss_curve None in run": (lambda: plotting.loss_curve({"a": [0.5, None]}), TypeError,
                               r"losses\['a'\]\[1\] must be a number, got NoneType"),
    "probability logits": (lambda: plotting.draw_probability(plotting.figure()[1], torch.randn(5, 5) * 9),
                           ValueError, r"prob must hold probabilities in \[0, 1\]"),
    "probability 1-D": (lambda: plotting.draw_probability(plotting.figure()[1], torch.rand(5)), ValueError,
                        r"prob must be a non-empty grid of floats of shape \(steps, steps\), got \(5,\)"),
    "figure huge": (lambda: plotting.figure(figsize=(1000, 4)), ValueError,
                    r"figsize width must be at most 50 inches, got 1000"),
    "figure figsize": (lambda: plotting.figure(figsize=4), TypeError, r"figsize must be \(width, height\)"),
    "legend_below": (lambda: plotting.legend_below(plt.figure()), TypeError, r"ax must be a matplotlib Axes"),
    "heatmap of a result": (lambda: success_heatmap([[0.5]]), TypeError, r"table must be a SuccessTable"),
    # batches: a lone (X, y) pair is refused, naming the fix; every batch is checked and named
    "accuracy [X, y]": (lambda: accuracy(model(), [X, Y]), TypeError,
                        r"^accuracy expects an iterable of \(X, y\) batches, got one \(X, y\) pair as a "
                        r"list; "
                        r"pass \[\(X, y\)\] or a DataLoader$"),
    "accuracy tensor": (lambda: accuracy(model(), X), TypeError, r"accuracy expects .* batches, got Tensor"),
    "accuracy triple": (lambda: accuracy(model(), [(X, Y, Y)]), TypeError,
                        r"batch 1 must be an \(X, y\) pair, got 3 items"),
    "accuracy bad 2nd batch": (lambda: accuracy(model(), loader(X, Y2, 2)), ValueError,
                               r"^batch 2: labels must be 0 or 1, found \[2\]$"),
    "train_model [X, y]": (lambda: train_model(model(), [X, Y], progress=False), TypeError,
                           r"train_model expects a DataLoader .* pair as a list; for tensors use train_fast, "
                           r"or pass \[\(X, y\)\]"),
    "train_model generator": (lambda: train_model(model(), (b for b in [(X, Y)]), progress=False), TypeError,
                              r"that can be read once per epoch, got a one-pass generator"),
    "train_model label 2 in batch 3": (lambda: train_model(model(), loader(X, Y18), 1, progress=False),
                                       ValueError, r"^epoch 1, batch 3 of 4: labels must be 0 or 1, found "
                                                   r"\[2\]$"),
    "train_model NaN in batch 4": (lambda: train_model(model(), loader(NAN_X.roll(24, 0), Y), 1,
                                                       progress=False),
                                   ValueError, r"^epoch 1, batch 4 of 4: X must be finite, but 2 of its"),
    "train_model bad in epoch 2": (lambda: train_model(model(), ChangingLoader(), 3, progress=False),
                                   ValueError, r"^epoch 2, batch 2 of 2: labels must be 0 or 1"),
    "train_model progress": (lambda: train_model(model(), loader(X, Y), progress="no"), TypeError,
                             r"progress must be True or False, got 'no' \(str\)"),
    "progress_bar epochs": (lambda: progress_bar(-1), ValueError, r"num_epochs must be >= 0, got -1"),
    "predict NumPy": (lambda: predict(model(), X.numpy()), TypeError,
                      r"got ndarray \(convert a NumPy array with torch\.from_numpy\)"),
    "predict meta X": (lambda: predict(model(), X.to("meta")), ValueError, r"^X is on the meta device"),
    "forward float64": (lambda: model()(X.double()), TypeError, r"expected input of the model's dtype "
                        r"torch\.float32, got torch\.float64; convert it with x\.to\(torch\.float32\)"),
    # models on the meta device, or mixing dtypes or devices
    **{f"{name} meta": (lambda call=call: call(meta_model()), ValueError, META) for name, call in {
        "predict": lambda m: predict(m, X), "accuracy": lambda m: accuracy(m, [(X, Y)]),
        "train_fast": lambda m: train_fast(m, X, Y, 1), "train_model": fit,
        "boundary_image": lambda m: plotting.boundary_image(m, steps=5),
        "decision_boundary": lambda m: plotting.decision_boundary(m, X, Y)}.items()},
    **{f"{name} mixed dtypes": (lambda call=call: call(mixed_model()), ValueError, MIXED) for name, call in {
        "predict": lambda m: predict(m, X), "accuracy": lambda m: accuracy(m, [(X, Y)]),
        "train_fast": lambda m: train_fast(m, X, Y, 1), "train_model": fit,
        "boundary_image": lambda m: plotting.boundary_image(m, steps=5),
        "module_dtype": module_dtype}.items()},
    "two devices": (lambda: predict(nn.Sequential(nn.Linear(2, 1), nn.Linear(1, 1, device="meta")), X),
                    ValueError, r"Sequential has tensors on several devices \(cpu: 0\.weight, 0\.bias; meta: "
                                r"1\.weight, 1\.bias\); move the whole model with model\.to\(device\)"),
    # sizes whose memory would be absurd
    "classifier 10**9": (lambda: SimpleClassifier(2, 10**9, 1), ValueError,
                         r"num_hidden must be at most 1,000,000, got 1,000,000,000: the most a checkpoint"),
    "classifier parameters": (lambda: SimpleClassifier(1000, 100_000, 1), ValueError,
                              r"SimpleClassifier\(1000, 100000, 1\) would have 100,200,001 parameters "
                              r"\(401 MB "
                              r"as float32\); at most 10,000,000 allowed"),
    "sweep 200_000": (lambda: sweep(*GRID), ValueError, r"this sweep would need about [\d.,]+ GB of memory "
                      r"\(96 models padded to 200,000 hidden units, batches of 32 samples\); at most 2 GB"),
    "sweep_func 200_000": (lambda: sweep_func(*GRID), ValueError, r"this sweep would need about .* at most"),
    "sweep 10**9": (lambda: sweep([10**9], [0.1], [0], X, Y), ValueError,
                    r"hidden_sizes must be at most 1,000,000, got 1,000,000,000: the largest "),
    "boundary of a huge model": (lambda: plotting.boundary_image(BIG, steps=2000), ValueError,
                                 r"boundary_image with steps=2000 would need about 32,000\.0 GB"),
    "predict with a huge model": (lambda: predict(BIG, X.repeat(40, 1)), ValueError,
                                  r"predict on 1,280 samples at once would need about 10\.2 GB"),
    "train_fast with a huge model": (lambda: train_fast(BIG, X.repeat(40, 1), Y.repeat(40), 1, 1000),
                                     ValueError, r"train_fast with batch_size=1,000 would need about 8\.0"),
    "dataset std": (lambda: XORDataset(4, std=1e39), ValueError, r"std must be at most 1000"),
    "make_loader of tensors": (lambda: make_loader((X, Y)), TypeError,
                               r"dataset must be a torch Dataset .* got tuple; wrap tensors X, y in "
                               r"TensorDataset\(X, y\)"),
    "make_loader shuffle": (lambda: make_loader(DATA, shuffle="yes"), TypeError, r"shuffle must be True or"),
    # results built by hand
    "SweepResult shapes": (lambda: SweepResult((2,), (0.1,), (0, 1), torch.full((2,), 2),
                                               torch.full((2,), 0.1),
                                               torch.arange(2), torch.zeros(3, 2, 2), torch.zeros(2, 2),
                                               torch.zeros(2, 2), torch.zeros(2)), ValueError,
                           r"W1 must be a tensor of shape \(2, 2, 2\) \(2 models of up to 2 hidden units\), "
                           r"got \(3, 2, 2\)"),
    "SuccessTable shapes": (lambda: SuccessTable((1, 2), (0.1,), 4, 0.9, torch.zeros(2)), ValueError,
                            r"rates must be a tensor of shape \(2, 1\)"),
    "logits NaN": (lambda: sweep([2], [0.1], [0], X, Y, 0).logits(NAN_X), ValueError, r"X must be finite"),
    # checkpoints: only what loads is saved
    "save path": (lambda: save_checkpoint(model(), 123), TypeError,
                  r"path must be a file name \(str or pathlib\.Path\), got 123 \(int\)"),
    "load path": (lambda: load_checkpoint(None), TypeError, r"path must be a file name .* got None"),
    # distributed: checked before any process starts (see the spawn fixture)
    "ddp lr": (lambda: ddp(lr=-1), ValueError, r"^lr must be >= 0, got -1\.0$"),
    "ddp seed": (lambda: ddp(seed=-1), ValueError, r"seed must be >= 0 and fit in 64"),
    "ddp seed type": (lambda: ddp(seed="0"), TypeError, r"seed must be an integer"),
    "ddp world_size": (lambda: ddp(world_size=10**4), ValueError,
                       r"world_size must be at most 16, got 10,000: each process is a Python with torch"),
    "ddp features": (lambda: distributed.train_ddp(X3, Y), ValueError, r"X has 3 features per sample but"),
    "ddp labels": (lambda: distributed.train_ddp(X, Y2), ValueError, r"labels must be 0 or 1, found \[2\]"),
    "ddp batch": (lambda: distributed.train_ddp(X, Y, batch_size=64), ValueError,
                  r"batch_size must be at most len\(X\) = 32 \(a batch would repeat samples\), got 64"),
    "ddp steps": (lambda: ddp(steps=0), ValueError, r"steps must be a positive integer"),
    "ddp lists": (lambda: distributed.train_ddp(X.tolist(), Y), TypeError, r"X and y must be tensors, got"),
    "one rank": (lambda: distributed.train_one(X, Y, batch_size=16, rank=2, world_size=2), ValueError,
                 r"rank must be below world_size = 2, got 2"),
    "max_difference shapes": (lambda: distributed.max_difference({"w": torch.zeros(4, 2)},
                                                                 {"w": torch.zeros(1, 2)}),
                              ValueError, r"different shapes: w: \(4, 2\) vs \(1, 2\)"),
    "max_difference empty": (lambda: distributed.max_difference({}, {}), TypeError,
                             r"a must be a non-empty state dict"),
}


@pytest.fixture
def no_spawn(monkeypatch: pytest.MonkeyPatch) -> None:
    def spawn(*args: object, **kwargs: object) -> None:
        raise AssertionError("train_ddp started processes before refusing its arguments")
    monkeypatch.setattr(distributed.mp, "spawn", spawn)


@pytest.mark.parametrize("probe", PROBES)
def test_probe_gets_a_clear_error(probe: str, no_spawn: None) -> None:
    call, error, match = PROBES[probe]
    figures = plt.get_fignums()
    with pytest.raises(error, match=match):
        call()
    if probe.startswith(("samples", "boundary", "loss_curve", "heatmap", "decision_boundary", "figure huge")):
        assert plt.get_fignums() == figures  # a refused call leaves no figure open


# --- what is accepted on purpose -------------------------------------------------------------------

def test_plots_take_numpy_arrays() -> None:
    for fig in (plotting.samples(X.numpy(), Y.numpy()), plotting.decision_boundary(model(), X.numpy(), Y),
                plotting.loss_curve(torch.tensor([0.7, 0.5])), plotting.loss_curve([0.7, float("nan")])):
        assert isinstance(fig, Figure)
    fig = plotting.samples(X.numpy(), Y.numpy())
    assert sum(len(c.get_offsets()) for c in fig.axes[0].collections) == len(X)  # every point drawn


def test_one_batch_in_a_list_is_a_batch_everywhere() -> None:
    a, b = model(), model()
    losses = train_model(a, [(X, Y)], num_epochs=2, progress=False)
    assert losses == pytest.approx(train_fast(b, X, Y, 2, batch_size=32))  # one full batch: the same SGD
    assert accuracy(a, [(X, Y)]) == accuracy(a, ((X, Y),)) == accuracy(a, iter([(X, Y)]))


def test_a_subclass_whose_state_is_a_simple_classifiers_round_trips(tmp_path: Path) -> None:
    class Printing(SimpleClassifier):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return super().forward(x)

    net = Printing()
    loaded = load_checkpoint(save_checkpoint(net, tmp_path / "m.pt"))
    assert torch.equal(loaded(X), net(X))


@pytest.mark.parametrize(("cls", "extra"), [(WithBuffer, "scale"), (WithLayer, "extra.bias, extra.weight")])
def test_save_refuses_what_load_would_refuse(tmp_path: Path, cls: type, extra: str) -> None:
    message = (rf"cannot save {cls.__name__}: a checkpoint holds exactly the tensors of a plain "
               rf"SimpleClassifier .* it also has {extra}\. Save such a model with "
               r"torch\.save\(model\.state_dict\(\), path\)")
    with pytest.raises(ValueError, match=message):
        save_checkpoint(cls(), tmp_path / "m.pt")
    assert list(tmp_path.iterdir()) == []


def test_distributed_converts_float64_like_the_other_loops() -> None:
    a = distributed.train_one(X, Y, steps=2, batch_size=16)
    b = distributed.train_one(X.double(), Y, steps=2, batch_size=16)
    assert distributed.max_difference(a, b) == 0


def test_every_size_simple_classifier_allows_can_be_saved() -> None:
    from xorlib import _checkpoint_checks, _checks
    assert _checkpoint_checks.MAX_SIZE == _checks.MAX_LAYER_SIZE
    assert _checkpoint_checks.MAX_PARAMETERS == _checks.MAX_PARAMETERS
    assert xorlib.SimpleClassifier(2, 1_000_000, 1).sizes["num_hidden"] == 1_000_000


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_sweep_refuses_x_and_y_on_two_devices() -> None:
    with pytest.raises(ValueError, match=r"X and y must be on one device \(the sweep runs on X's\)"):
        sweep([2], [0.1], [0], X.cuda(), Y)


def test_a_modest_sweep_is_not_refused() -> None:
    result = sweep([64], [0.1, 1.0], range(8), X, Y, num_epochs=1, batch_size=32)
    assert result.W1.shape == (16, 64, 2)


def test_the_map_covers_every_sample_however_noisy() -> None:
    """Chapter 11's panel at noise 0.3: samples far outside [-0.5, 1.5]^2 still lie on the map."""
    from xorlib import plotting
    X = torch.tensor([[-1.3, 0.2], [0.5, 2.4], [1.0, 1.0], [0.0, 0.0]])
    y = torch.tensor([0, 1, 0, 1])
    fig = plotting.decision_boundary(SimpleClassifier(), X, y)
    (image,) = fig.axes[0].get_images()
    left, right, bottom, top = image.get_extent()
    assert left <= -1.3 - 0.1 and right >= 1.5 and bottom <= -0.5 and top >= 2.4 + 0.1, image.get_extent()
    plt.close(fig)
    fig = plotting.decision_boundary(SimpleClassifier(), X[2:], y[2:])  # the usual square when it suffices
    assert list(fig.axes[0].get_images()[0].get_extent()) == [plotting.LO, plotting.HI] * 2
    plt.close(fig)
    with pytest.raises(ValueError, match="lo must be below hi"):
        plotting.draw_probability(fig.axes[0], torch.full((3, 3), 0.5), lo=1.0, hi=1.0)
