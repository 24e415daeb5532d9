"""xorlib keeps one contract everywhere: public APIs only, one prediction rule, modes and frozen
weights left as found, float64 inputs converted, and a clear error for every bad input."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import xorlib
from tests.helpers import weights
from xorlib import (
    MatmulTiming,
    SimpleClassifier,
    SweepResult,
    XORDataset,
    accuracy,
    make_loader,
    plotting,
    predict,
    sweep,
    train_fast,
    train_model,
)
from xorlib._checks import MAX_SEED
from xorlib.figures import explore
from xorlib.xordata import MAX_SIZE

ROOT = Path(__file__).resolve().parents[1]


def data(n: int = 16, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    ds = XORDataset(n, seed=seed)
    return ds.X, ds.y


def seeded_model(outputs: int = 1, seed: int = 0) -> SimpleClassifier:
    torch.manual_seed(seed)
    return SimpleClassifier(2, 4, outputs)


@pytest.fixture(scope="module")
def result() -> SweepResult:
    X, y = data(40)
    return sweep([1, 3], [0.5], [0, 1, 2], X, y, num_epochs=2, batch_size=16)


# --- 1. public APIs only ---------------------------------------------------------------------------

def private_uses(path: Path) -> list[str]:
    """``obj._name`` (not a dunder, not on self/cls), ``torch.ops`` and imports from ``pkg._module``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute):
            private = node.attr.startswith("_") and not node.attr.endswith("__")
            on_own = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            if (private and not on_own) or node.attr == "ops":
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module and not node.module.startswith("xorlib"):
            if any(part.startswith("_") and not part.endswith("__") for part in node.module.split(".")):
                found.append(f"{path.name}:{node.lineno} from {node.module}")
    return found


@pytest.mark.parametrize("path", sorted([*(ROOT / "xorlib").rglob("*.py"), *(ROOT / "_ext").glob("*.py")]),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_names_of_other_libraries(path: Path) -> None:
    assert private_uses(path) == []


def test_the_private_name_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import torch\ntorch._foreach_add_(a, b)\nanim._fig\ntorch.ops.aten.tanh_backward\n"
                      "from torch._dynamo import x\nself._ok\n")
    assert sorted(use.split(" ", 1)[1] for use in private_uses(sample)) == [
        "._fig", "._foreach_add_", ".ops", "from torch._dynamo"]


# --- 2. the sweep starts from real nn.Linear layers ------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 7, 2**40])
def test_sweep_starts_from_the_weights_of_simple_classifier(seed: int) -> None:
    torch.manual_seed(123)
    result = sweep(range(1, 9), [0.1], [seed], *data(), num_epochs=0)
    after = torch.rand(3)
    torch.manual_seed(123)
    assert torch.equal(after, torch.rand(3))  # the caller's global RNG is left alone
    for m, hidden in enumerate(range(1, 9)):
        torch.manual_seed(seed)
        expected = SimpleClassifier(2, hidden, 1).state_dict()
        got = result.model(m).state_dict()
        assert all(torch.equal(got[k], expected[k]) for k in expected), (hidden, seed)
        for name, fan_in in (("linear1", 2), ("linear2", hidden)):  # nn.Linear: U(-1/sqrt(fan_in), +)
            for kind in ("weight", "bias"):
                assert got[f"{name}.{kind}"].abs().max() <= fan_in**-0.5


# --- 3. the same semantics everywhere --------------------------------------------------------------

TRAINERS: dict[str, Callable[[nn.Module, torch.Tensor, torch.Tensor], list[float]]] = {
    "train_model": lambda m, X, y: train_model(m, make_loader(TensorDataset(X, y), 8), 3, 0.5, False),
    "train_fast": lambda m, X, y: train_fast(m, X, y, 3, 8, 0.5),
}


@pytest.mark.parametrize("trainer", TRAINERS)
def test_a_frozen_layer_stays_and_the_rest_learns(trainer: str) -> None:
    model = seeded_model()
    model.linear1.requires_grad_(False)  # chapter 3's freezing
    before = weights(model)
    TRAINERS[trainer](model, *data())
    after = weights(model)
    assert torch.equal(after[0], before[0]) and torch.equal(after[1], before[1])  # linear1 untouched
    assert not torch.equal(after[2], before[2]) and not torch.equal(after[3], before[3])


@pytest.mark.parametrize("trainer", TRAINERS)
def test_a_fully_frozen_model_is_refused(trainer: str) -> None:
    model = seeded_model().requires_grad_(False)
    with pytest.raises(ValueError, match="no parameter with requires_grad=True: nothing to train"):
        TRAINERS[trainer](model, *data())


SCORERS: dict[str, Callable[[nn.Module], object]] = {
    "predict": lambda m: predict(m, data()[0]),
    "accuracy": lambda m: accuracy(m, [data()]),
    "boundary_image": lambda m: plotting.boundary_image(m, steps=5),
}


@pytest.mark.parametrize("scorer", SCORERS)
def test_scoring_keeps_every_module_in_the_mode_it_found(scorer: str) -> None:
    model = nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.5), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 1))
    for modes in ([True] * 5, [False] * 5, [True, False, True, True, False]):  # the last one: mixed
        for module, training in zip(model, modes, strict=True):
            module.training = training
        model.training = modes[0]
        SCORERS[scorer](model)
        assert [model.training, *(m.training for m in model)] == [modes[0], *modes]


def test_scoring_is_done_in_eval_mode_even_when_handed_a_model_in_train_mode() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.Dropout(0.5), nn.Linear(64, 1)).eval()
    X = torch.rand(200, 2)
    expected = (model(X).squeeze(1) >= 0).long(), plotting.boundary_image(model, steps=5)
    model.train()  # dropout on: two calls of model(X) would differ
    assert torch.equal(predict(model, X), expected[0]) and torch.equal(predict(model, X), expected[0])
    assert torch.equal(plotting.boundary_image(model, steps=5), expected[1])


def test_predict_and_sweep_result_apply_one_rule_at_logit_zero(result: SweepResult) -> None:
    logits = torch.tensor([-1e-8, 0.0, 1e-8])
    assert torch.sigmoid(logits).tolist() == [0.5, 0.5, 0.5]  # why the rule is written on logits
    flat = dataclasses.replace(result, W2=torch.zeros_like(result.W2), b2=torch.cat([logits, logits]))
    X, ones = data(5)[0], torch.ones(5, dtype=torch.long)
    from_sweep = flat.accuracy(X, ones)  # (6,): share predicted 1
    from_predict = torch.tensor([predict(flat.model(m), X).float().mean().item() for m in range(6)])
    assert from_sweep.tolist() == from_predict.tolist() == [0.0, 1.0, 1.0] * 2


def test_predict_threshold_ends_are_exact() -> None:
    model = seeded_model()
    with torch.no_grad():
        model.linear2.bias.fill_(40.0)  # sigmoid rounds to 1.0 in float32, yet P(class 1) < 1
    X = data()[0]
    assert predict(model, X, threshold=0.0).tolist() == [1] * len(X)
    assert predict(model, X, threshold=1.0).tolist() == [0] * len(X)


@pytest.mark.parametrize("kind", ["SweepResult", "SuccessTable"])
def test_results_holding_tensors_compare_by_identity(result: SweepResult, kind: str) -> None:
    obj = result if kind == "SweepResult" else result.success_table(*data(40, seed=1))
    tensors = {f.name: getattr(obj, f.name).clone() for f in dataclasses.fields(obj)
               if isinstance(getattr(obj, f.name), torch.Tensor)}
    copy = dataclasses.replace(obj, **tensors)  # equal values in new tensors
    assert obj == obj and obj != copy and len({obj, copy}) == 2  # no "ambiguous Boolean value" error


@pytest.mark.parametrize("kind", ["MatmulTiming", "SweepResult", "SuccessTable"])
def test_results_are_frozen_so_their_checks_hold_for_life(result: SweepResult, kind: str) -> None:
    """Each result is checked when made (__post_init__); frozen, no assignment can undo that later."""
    made = {"MatmulTiming": lambda: MatmulTiming(4, "cpu", 0.5, 3),
            "SweepResult": lambda: dataclasses.replace(result),  # a copy: the fixture stays whole
            "SuccessTable": lambda: result.success_table(*data(40, seed=1))}
    obj = made[kind]()
    for field in dataclasses.fields(obj):
        before = getattr(obj, field.name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, field.name, None)  # a value its check refuses
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(obj, field.name)
        assert getattr(obj, field.name) is before
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.notes = "added later"


def test_matmul_timing_is_a_value_usable_as_a_key() -> None:
    a, b = MatmulTiming(4, "cpu", 0.5, 3), MatmulTiming(4, "cpu", 0.5, 3)
    assert a == b and a is not b and a != MatmulTiming(4, "cpu", 0.25, 3)
    assert {a: "measured"}[b] == "measured"  # equal values hash alike: frozen and eq give __hash__
    assert len({a, b, MatmulTiming(4, "cpu", 0.25, 3)}) == 2


# --- 4. float64 inputs are converted, not refused --------------------------------------------------

def test_dataset_is_float32_whatever_the_default_dtype() -> None:
    expected = XORDataset(20, seed=3).X
    torch.set_default_dtype(torch.float64)
    try:
        X = XORDataset(20, seed=3).X
    finally:
        torch.set_default_dtype(torch.float32)
    assert X.dtype == torch.float32 and torch.equal(X, expected)


@pytest.mark.parametrize("trainer", TRAINERS)
def test_training_on_float64_equals_training_on_float32(trainer: str) -> None:
    X, y = data()
    runs = [(seeded_model(), X), (seeded_model(), X.double())]
    losses = [TRAINERS[trainer](model, X_, y) for model, X_ in runs]
    assert losses[0] == losses[1]
    assert all(torch.equal(p, q) for p, q in zip(weights(runs[0][0]), weights(runs[1][0]), strict=True))


def test_scoring_float64_equals_scoring_float32(result: SweepResult) -> None:
    model, (X, y) = seeded_model(), data(40)
    assert torch.equal(predict(model, X.double()), predict(model, X))
    assert accuracy(model, [(X.double(), y)]) == accuracy(model, [(X, y)])
    assert torch.equal(result.accuracy(X.double(), y), result.accuracy(X, y))
    a, b = (sweep([2], [0.5], [0], X_, y, num_epochs=2, batch_size=16) for X_ in (X, X.double()))
    assert torch.equal(a.W1, b.W1) and torch.equal(a.W2, b.W2)


def test_snapshots_accept_the_largest_seed() -> None:
    _, losses, _ = explore.train_with_snapshots(2, 0.5, 0.1, 2, 16, seed=MAX_SEED, every=1, size=20)
    assert len(losses) == 2


# --- 4. clear errors at the boundary ---------------------------------------------------------------

NAN_X = torch.tensor([[0.0, float("nan")], [1.0, 0.0]])
INF_X = torch.tensor([[0.0, float("inf")], [1.0, 0.0]])
Y2 = torch.tensor([0, 1])


def nan_model() -> SimpleClassifier:
    model = seeded_model()
    with torch.no_grad():
        model.linear2.bias.fill_(float("nan"))
    return model


def no_cuda(call: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(torch.cuda, "is_available", lambda: False)
            mp.setattr(torch.accelerator, "current_accelerator", lambda check_available=False: None)
            return call()
    return run


CASES: dict[str, tuple[Callable[[], object], type[Exception], str]] = {
    # non-finite inputs
    "train_model NaN X": (lambda: train_model(seeded_model(), DataLoader(TensorDataset(NAN_X, Y2)), 1,
                                              progress=False), ValueError, r"X must be finite, but 1 of"),
    "train_fast inf X": (lambda: train_fast(seeded_model(), INF_X, Y2, 1), ValueError, r"X must be finite"),
    "predict NaN X": (lambda: predict(seeded_model(), NAN_X), ValueError, r"X must be finite"),
    "accuracy inf X": (lambda: accuracy(seeded_model(), [(INF_X, Y2)]), ValueError, r"X must be finite"),
    "sweep NaN X": (lambda: sweep([2], [0.1], [0], NAN_X, Y2), ValueError, r"X must be finite"),
    "SweepResult NaN X": (lambda: sweep([2], [0.1], [0], *data(), num_epochs=0).accuracy(NAN_X, Y2),
                          ValueError, r"X must be finite"),
    "NaN label": (lambda: train_fast(seeded_model(), *data(2)[:1], torch.tensor([0.0, float("nan")])),
                  ValueError, r"labels must be 0 or 1, found \[nan\]"),
    # a model whose outputs are NaN
    "predict NaN model": (lambda: predict(nan_model(), data()[0]), ValueError,
                          r"the model returned NaN for 16 of 16 samples"),
    "accuracy NaN model": (lambda: accuracy(nan_model(), [data()]), ValueError, r"the model returned NaN"),
    # seeds
    "dataset bool seed": (lambda: XORDataset(4, seed=True), TypeError, r"seed must be an integer, got True"),
    "dataset float seed": (lambda: XORDataset(4, seed=1.0), TypeError, r"seed must be an integer, got 1\.0"),
    "dataset 2**64 seed": (lambda: XORDataset(4, seed=2**64), ValueError, r"seed must be >= 0 and fit in 64"),
    "dataset negative seed": (lambda: XORDataset(4, seed=-1), ValueError, r"seed must be >= 0 and fit in 64"),
    "loader 2**63 seed": (lambda: make_loader(XORDataset(4), seed=2**63), ValueError, r"at most 2\*\*63 - 1"),
    "train_fast str seed": (lambda: train_fast(seeded_model(), *data(), seed="0"), TypeError,
                            r"seed must be an integer, got '0' \(str\)"),
    "train_fast 2**64 seed": (lambda: train_fast(seeded_model(), *data(), seed=2**64), ValueError, r"64"),
    "sweep bool seed": (lambda: sweep([2], [0.1], [False], *data()), TypeError, r"seeds must be an integer"),
    "sweep 2**63 seed": (lambda: sweep([2], [0.1], [2**63], *data()), ValueError, r"seeds must be >= 0 and"),
    "explore float seed": (lambda: explore.make_data(seed=0.5), TypeError, r"seed must be an integer"),
    # sizes
    "dataset too large": (lambda: XORDataset(MAX_SIZE + 1), ValueError, r"size must be at most 10,000,000,"),
    "dataset 10**12": (lambda: XORDataset(10**12), ValueError, r"size must be at most 10,000,000"),
    "matmul too large": (lambda: xorlib.time_matmul(10**6), ValueError, r"n must be at most 20,000"),
    "boundary steps": (lambda: plotting.boundary_image(seeded_model(), steps=10**5), ValueError,
                       r"steps must be at most 2,000"),
    "boundary lo >= hi": (lambda: plotting.boundary_image(seeded_model(), lo=1, hi=0), ValueError,
                          r"lo must be below hi, got lo=1\.0, hi=0\.0"),
    # devices
    "time_matmul no GPU": (no_cuda(lambda: xorlib.time_matmul(4, "cuda")), ValueError,
                           r"device 'cuda' was asked for, but this machine has no accelerator"),
    "time_matmul misspelt": (lambda: xorlib.time_matmul(4, "cdua"), ValueError,
                             r"unknown device 'cdua'; expected None, 'cpu', or an accelerator"),
    "time_matmul mps": (no_cuda(lambda: xorlib.time_matmul(4, "mps")), ValueError,
                        r"device 'mps' was asked for, but this machine has no accelerator"),
    "provenance no GPU": (no_cuda(lambda: xorlib.provenance("cuda:0")), ValueError,
                          r"device 'cuda:0' was asked for, but this machine has no accelerator"),
    "provenance misspelt": (lambda: xorlib.provenance("gpu"), ValueError, r"unknown device 'gpu'"),
    "provenance torch.device": (no_cuda(lambda: xorlib.provenance(torch.device("cuda"))), ValueError,
                                r"device 'cuda' was asked for"),
    # models with more than one output
    "predict 2 outputs": (lambda: predict(seeded_model(2), data()[0]), ValueError,
                          r"the model must return one logit per sample, shape \(16, 1\), got \(16, 2\)"),
    "accuracy 2 outputs": (lambda: accuracy(seeded_model(2), [data()]), ValueError, r"one logit per sample"),
    "boundary 2 outputs": (lambda: plotting.boundary_image(seeded_model(2), steps=3), ValueError,
                           r"shape \(9, 1\), got \(9, 2\)"),
    "train_model 2 outputs": (lambda: TRAINERS["train_model"](seeded_model(2), *data()), ValueError,
                              r"shape \(8, 1\), got \(8, 2\)"),
    "train_fast 2 outputs": (lambda: train_fast(seeded_model(2), *data()), ValueError,
                             r"shape \(16, 1\), got \(16, 2\)"),
    "train_fast flat output": (lambda: train_fast(nn.Sequential(nn.Linear(2, 1), nn.Flatten(0)), *data()),
                               ValueError, r"shape \(16, 1\), got \(16,\)"),
    # not a model
    "predict on the class": (lambda: predict(SimpleClassifier, data()[0]), TypeError,
                             r"model must be a torch\.nn\.Module instance such as SimpleClassifier\(\)"),
    "train_fast on a function": (lambda: train_fast(print, *data()), TypeError, r"got <built-in function"),
    "train_model on tensors": (lambda: train_model(seeded_model(), data()), TypeError,
                               r"train_model expects a DataLoader .* for tensors use train_fast"),
    # thresholds and probabilities
    "predict threshold < 0": (lambda: predict(seeded_model(), data()[0], threshold=-0.1), ValueError,
                              r"threshold is a probability and must lie in \[0, 1\], got -0\.1"),
    "predict threshold NaN": (lambda: predict(seeded_model(), data()[0], threshold=float("nan")), ValueError,
                              r"threshold must be finite, got nan"),
    "success table threshold > 1": (lambda: sweep([2], [0.1], [0], *data(), num_epochs=0).success_table(
        *data(), threshold=1.5), ValueError, r"threshold is a probability and must lie in \[0, 1\], got 1"),
    # results built by hand
    "MatmulTiming zero seconds": (lambda: MatmulTiming(4, "cpu", 0.0, 3), ValueError, r"seconds must be > 0"),
    "MatmulTiming device type": (lambda: MatmulTiming(4, torch.device("cpu"), 1.0, 3), TypeError,
                                 r"device must be a device name such as 'cpu', got device"),
    "animation_html of a figure": (lambda: explore.animation_html(plt.figure()), TypeError,
                                   r"expected a matplotlib Animation and a str alt text, got Figure"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gets_a_clear_error(case: str) -> None:
    call, error, match = CASES[case]
    with pytest.raises(error, match=match):
        call()
