"""Bad input at xorlib's public boundary gives a TypeError or ValueError that says what was expected."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

import xorlib
from tests.helpers import exactly, fake_accelerator, weights
from xorlib import SimpleClassifier, XORDataset, accuracy, make_loader, predict, train_fast, train_model


def xy(n: int = 8, features: int = 2, labels: tuple[int, ...] = (0, 1)) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` float points with ``features`` columns and labels cycling through ``labels``."""
    X = torch.rand(n, features, generator=torch.Generator().manual_seed(0))  # (n, features)
    y = torch.tensor([labels[i % len(labels)] for i in range(n)])  # (n,)
    return X, y


def loader(X: torch.Tensor, y: torch.Tensor, batch_size: int = 4) -> DataLoader:
    return DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=False)


# --- dataset size and noise ------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, -3])
def test_dataset_size_below_one(size: int) -> None:
    with pytest.raises(ValueError, match=rf"size must be a positive integer \(>= 1\), got {size}"):
        XORDataset(size)


@pytest.mark.parametrize("size", [2.5, "10", True, None])
def test_dataset_size_not_an_integer(size: object) -> None:
    expected = rf"size must be a positive integer, got .* \({type(size).__name__}\)"
    with pytest.raises(TypeError, match=expected):
        XORDataset(size)


def test_negative_noise_std() -> None:
    with pytest.raises(ValueError, match=r"std must be >= 0, got -0\.1"):
        XORDataset(10, std=-0.1)


@pytest.mark.parametrize("std", [float("nan"), float("inf")])
def test_non_finite_noise_std(std: float) -> None:
    with pytest.raises(ValueError, match=r"std must be finite"):
        XORDataset(10, std=std)


def test_dataset_seed_not_an_integer() -> None:
    with pytest.raises(TypeError, match=r"seed must be an integer, got '1' \(str\)"):
        XORDataset(10, seed="1")


def test_loader_seed_not_an_integer() -> None:
    with pytest.raises(TypeError, match=exactly("seed must be an integer, got 1.5 (float)")):
        make_loader(XORDataset(10), seed=1.5)


# --- layer sizes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["num_inputs", "num_hidden", "num_outputs"])
def test_layer_size_below_one(name: str) -> None:
    with pytest.raises(ValueError, match=rf"{name} must be a positive integer \(>= 1\), got 0"):
        SimpleClassifier(**{name: 0})


def test_layer_size_not_an_integer() -> None:
    with pytest.raises(TypeError, match=r"num_hidden must be a positive integer, got 4\.0 \(float\)"):
        SimpleClassifier(num_hidden=4.0)


# --- feature count ---------------------------------------------------------------------------------

def test_forward_with_wrong_feature_count() -> None:
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 2\), got \(5, 3\)"):
        SimpleClassifier()(torch.zeros(5, 3))


def test_forward_with_a_list() -> None:
    with pytest.raises(TypeError, match=r"expected a tensor of shape \(N, 2\), got list"):
        SimpleClassifier()([[0.0, 1.0]])


def test_train_fast_with_wrong_feature_count() -> None:
    with pytest.raises(ValueError, match=r"X has 3 features per sample but the model expects 2"):
        train_fast(SimpleClassifier(), *xy(features=3), num_epochs=1)


def test_train_model_with_wrong_feature_count() -> None:
    with pytest.raises(ValueError, match=r"X has 3 features per sample but the model expects 2"):
        train_model(SimpleClassifier(), loader(*xy(features=3)), num_epochs=1, progress=False)


def test_accuracy_with_wrong_feature_count() -> None:
    with pytest.raises(ValueError, match=r"X has 3 features per sample but the model expects 2"):
        accuracy(SimpleClassifier(), [xy(features=3)])


def test_integer_features() -> None:
    X, y = xy()
    with pytest.raises(TypeError, match=r"X must hold floating-point features, got dtype torch\.int64"):
        train_fast(SimpleClassifier(), X.long(), y, num_epochs=1)


@pytest.mark.parametrize("as_list", ["X", "y"])
def test_data_that_is_not_a_tensor(as_list: str) -> None:
    X, y = xy()
    X, y = (X.tolist(), y) if as_list == "X" else (X, y.tolist())
    got = "list and Tensor" if as_list == "X" else "Tensor and list"
    with pytest.raises(TypeError, match=exactly(f"X and y must be tensors, got {got}")):
        train_fast(SimpleClassifier(), X, y, num_epochs=1)


# --- labels ----------------------------------------------------------------------------------------

def test_train_fast_with_labels_not_0_1() -> None:
    with pytest.raises(ValueError, match=r"labels must be 0 or 1, found \[2\]"):
        train_fast(SimpleClassifier(), *xy(labels=(0, 1, 2)), num_epochs=1)


def test_many_bad_labels_are_listed_up_to_five() -> None:
    message = "labels must be 0 or 1, found [2, 3, 4, 5, 6]"
    with pytest.raises(ValueError, match=exactly(message)):
        train_fast(SimpleClassifier(), *xy(labels=(0, 1, 2, 3, 4, 5, 6, 7)), num_epochs=1)


def test_train_model_with_labels_not_0_1_fails_before_any_step() -> None:
    model = SimpleClassifier()
    before = weights(model)
    with pytest.raises(ValueError, match=r"labels must be 0 or 1, found \[-1, 3\]"):
        train_model(model, loader(*xy(labels=(0, 3, -1, 1))), num_epochs=2, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, weights(model), strict=True))


def test_train_model_with_labels_of_shape_n_by_1() -> None:
    X, y = xy()
    with pytest.raises(ValueError, match=r"y must have shape \(4,\) to match X, got \(4, 1\)"):
        train_model(SimpleClassifier(), loader(X, y[:, None]), num_epochs=1, progress=False)


def test_accuracy_with_labels_not_0_1() -> None:
    with pytest.raises(ValueError, match=r"labels must be 0 or 1, found \[5\]"):
        accuracy(SimpleClassifier(), [xy(labels=(0, 5))])


def test_accuracy_with_labels_of_shape_n_by_1_does_not_miscount() -> None:
    X, y = xy()
    with pytest.raises(ValueError, match=r"y must have shape \(8,\) to match X, got \(8, 1\)"):
        accuracy(SimpleClassifier(), [(X, y[:, None])])


def test_accuracy_given_one_batch_instead_of_batches() -> None:
    message = ("accuracy expects an iterable of (X, y) batches, got one (X, y) pair as a tuple; "
               "pass [(X, y)] or a DataLoader")
    with pytest.raises(TypeError, match=exactly(message)):
        accuracy(SimpleClassifier(), xy(n=2))


# --- empty data ------------------------------------------------------------------------------------

def empty_dataset() -> TensorDataset:
    return TensorDataset(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))


def test_make_loader_over_empty_dataset() -> None:
    message = "cannot make a loader over an empty dataset (len(dataset) == 0)"
    with pytest.raises(ValueError, match=exactly(message)):
        make_loader(empty_dataset())


def test_train_model_over_empty_loader() -> None:
    empty = DataLoader(empty_dataset(), batch_size=4, shuffle=False)
    with pytest.raises(ValueError, match=exactly("the loader yields no batches (is its dataset empty?)")):
        train_model(SimpleClassifier(), empty, num_epochs=1, progress=False)


def test_train_fast_on_empty_tensors() -> None:
    with pytest.raises(ValueError, match=r"X must have shape \(N, features\) with N >= 1, got \(0, 2\)"):
        train_fast(SimpleClassifier(), torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))


def test_accuracy_over_no_batches() -> None:
    message = "accuracy needs at least one sample; the batches were empty"
    with pytest.raises(ValueError, match=exactly(message)):
        accuracy(SimpleClassifier(), [])


# --- epochs, learning rate, batch size ------------------------------------------------------------

def test_train_model_negative_epochs() -> None:
    with pytest.raises(ValueError, match=r"num_epochs must be >= 0, got -1"):
        train_model(SimpleClassifier(), loader(*xy()), num_epochs=-1, progress=False)


def test_train_fast_negative_epochs() -> None:
    with pytest.raises(ValueError, match=r"num_epochs must be >= 0, got -5"):
        train_fast(SimpleClassifier(), *xy(), num_epochs=-5)


@pytest.mark.parametrize(("epochs", "shown"),
                         [(2.5, "2.5 (float)"), (True, "True (bool)"), ("3", "'3' (str)")])
def test_epochs_not_an_integer(epochs: object, shown: str) -> None:
    with pytest.raises(TypeError, match=exactly(f"num_epochs must be a non-negative integer, got {shown}")):
        train_fast(SimpleClassifier(), *xy(), num_epochs=epochs)


@pytest.mark.parametrize("lr", [0, -0.1])
def test_train_model_learning_rate_not_positive(lr: float) -> None:
    with pytest.raises(ValueError, match=rf"lr must be > 0, got {float(lr)}"):
        train_model(SimpleClassifier(), loader(*xy()), num_epochs=1, lr=lr, progress=False)


@pytest.mark.parametrize("lr", [0.0, -1.0])
def test_train_fast_learning_rate_not_positive(lr: float) -> None:
    with pytest.raises(ValueError, match=rf"lr must be > 0, got {lr}"):
        train_fast(SimpleClassifier(), *xy(), num_epochs=1, lr=lr)


def test_learning_rate_not_a_number() -> None:
    with pytest.raises(TypeError, match=r"lr must be a real number, got '0\.1' \(str\)"):
        train_fast(SimpleClassifier(), *xy(), num_epochs=1, lr="0.1")


def test_batch_size_below_one() -> None:
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer \(>= 1\), got 0"):
        make_loader(XORDataset(10), batch_size=0)


def test_train_fast_batch_size_below_one() -> None:
    with pytest.raises(ValueError, match=exactly("batch_size must be a positive integer (>= 1), got 0")):
        train_fast(SimpleClassifier(), *xy(), num_epochs=1, batch_size=0)


# --- predictions -----------------------------------------------------------------------------------

def test_predict_on_a_list() -> None:
    with pytest.raises(TypeError, match=r"X must be a tensor of shape \(N, features\), got list"):
        predict(SimpleClassifier(), [[0.0, 1.0]])


def test_predict_threshold_outside_0_1() -> None:
    with pytest.raises(ValueError, match=r"threshold is a probability and must lie in \[0, 1\], got 1\.5"):
        predict(SimpleClassifier(), torch.zeros(3, 2), threshold=1.5)


def test_predict_threshold_not_a_number() -> None:
    with pytest.raises(TypeError, match=exactly("threshold must be a real number, got '0.5' (str)")):
        predict(SimpleClassifier(), torch.zeros(3, 2), threshold="0.5")


# --- devices ---------------------------------------------------------------------------------------

def test_cuda_asked_for_without_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_accelerator(monkeypatch, None)
    message = ("device 'cuda' was asked for, but this machine has no accelerator "
               "(torch.accelerator.current_accelerator()); use get_device() to fall back to the CPU")
    with pytest.raises(ValueError, match=exactly(message)):
        xorlib.get_device("cuda")
    assert xorlib.get_device() == torch.device("cpu")  # the automatic choice falls back instead


def test_another_accelerator_than_the_one_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_accelerator(monkeypatch, "mps")
    message = r"device 'cuda' was asked for, but this machine has a mps accelerator instead"
    with pytest.raises(ValueError, match=message):
        xorlib.get_device("cuda")


def test_cuda_index_beyond_the_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_accelerator(monkeypatch, "cuda", count=1)
    with pytest.raises(ValueError, match=r"device 'cuda:3' was asked for, but this machine has 1 cuda dev"):
        xorlib.get_device("cuda:3")


def test_unknown_device_name() -> None:
    with pytest.raises(ValueError, match=r"unknown device 'gpu'; expected None, 'cpu', or an accelerator "
                                         r"such as 'cuda', 'cuda:N' or 'mps'"):
        xorlib.get_device("gpu")


def test_device_of_wrong_type() -> None:
    with pytest.raises(TypeError, match=r"prefer must be None, a string or a torch\.device, got int"):
        xorlib.get_device(0)


def test_time_matmul_of_an_empty_matrix() -> None:
    with pytest.raises(ValueError, match=exactly("n must be a positive integer (>= 1), got 0")):
        xorlib.time_matmul(n=0)


def test_time_matmul_with_no_repeats() -> None:
    with pytest.raises(ValueError, match=r"repeats must be a positive integer \(>= 1\), got 0"):
        xorlib.time_matmul(n=4, repeats=0)


def test_module_without_parameters() -> None:
    with pytest.raises(ValueError, match=r"Tanh has no parameters, so it lives on no device"):
        xorlib.module_device(torch.nn.Tanh())
