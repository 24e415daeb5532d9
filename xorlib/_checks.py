"""Input checks shared by xorlib's public functions.

Each helper raises a TypeError or ValueError whose message says what was
expected and what was received, so a learner's mistake never ends in a
confusing traceback deep inside torch.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator

import numpy as np
import torch
from torch import nn

MAX_SEED = 2**63 - 1  # a seed fits an int64 tensor (torch.manual_seed alone would take up to 2**64 - 1)
# Sizes of one SimpleClassifier: also the most a checkpoint may hold, so every model can be saved.
MAX_LAYER_SIZE = 1_000_000
MAX_PARAMETERS = 10_000_000  # 40 MB as float32; the course's models have a few dozen
MAX_BYTES = 2 * 10**9  # memory one call may ask for: more than a laptop spares, 20x the course's largest


def _int(name: str, value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):  # True is an int to Python
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    return int(value)


def positive_int(name: str, value: object, maximum: int | None = None, why: str = "") -> int:
    """Return ``value`` if it is an int >= 1 (and <= ``maximum`` if given, ``why`` saying why), else raise."""
    value = _int(name, value, "a positive integer")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:,}, got {value:,}" + (f": {why}" if why else ""))
    return value


def non_negative_int(name: str, value: object) -> int:
    """Return ``value`` if it is an int >= 0, else raise a clear error."""
    value = _int(name, value, "a non-negative integer")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def seed(name: str, value: object) -> int:
    """Return ``value`` if it is an int in ``[0, MAX_SEED]``, else raise a clear error."""
    value = _int(name, value, "an integer")
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"{name} must be >= 0 and fit in 64 bits (at most 2**63 - 1), got {value}")
    return value


def number(name: str, value: object, *, positive: bool = False, signed: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number: > 0 if ``positive``, any sign if
    ``signed``, else >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):  # nan, inf or -inf
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if not positive and not signed and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def probability(name: str, value: object) -> float:
    """Return ``value`` as a float if it lies in ``[0, 1]``, else raise a clear error."""
    value = number(name, value, signed=True)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} is a probability and must lie in [0, 1], got {value}")
    return value


def of_type(name: str, value: object, kind: type | tuple[type, ...], what: str) -> object:
    """Return ``value`` if it is an instance of ``kind`` (described as ``what``), else raise a TypeError."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    return value


def affordable(what: str, nbytes: float, detail: str) -> None:
    """Raise a ValueError if ``what`` would need more than ``MAX_BYTES`` of memory (``detail``: for what)."""
    if nbytes > MAX_BYTES:
        raise ValueError(f"{what} would need about {nbytes / 1e9:,.1f} GB of memory ({detail}); at most "
                         f"{MAX_BYTES / 1e9:g} GB is allowed, so that a mistyped size fails here, not in the "
                         "allocator. The course's sizes need well under 0.1 GB")


def layer_sizes(num_inputs: object, num_hidden: object, num_outputs: object) -> tuple[int, int, int]:
    """The sizes of a ``SimpleClassifier``, checked against ``MAX_LAYER_SIZE`` and ``MAX_PARAMETERS``."""
    why = "the most a checkpoint may hold"
    i, h, o = (positive_int(n, v, MAX_LAYER_SIZE, why) for n, v in
               (("num_inputs", num_inputs), ("num_hidden", num_hidden), ("num_outputs", num_outputs)))
    count = h * (i + 1) + o * (h + 1)  # weights and biases of both layers
    if count > MAX_PARAMETERS:
        raise ValueError(f"SimpleClassifier({i}, {h}, {o}) would have {count:,} parameters "
                         f"({4 * count / 1e6:,.0f} MB as float32); at most {MAX_PARAMETERS:,} allowed: {why}")
    return i, h, o


# --- models -----------------------------------------------------------------------------------------

def module(name: str, value: object) -> nn.Module:
    """Return ``value`` if it is a ``torch.nn.Module`` (an instance, not the class), else raise."""
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module instance such as SimpleClassifier(), "
                        f"got {value!r} ({type(value).__name__})")
    return value


def _grouped(pairs: list[tuple[str, object]]) -> str:
    groups: dict[str, list[str]] = {}
    for tensor_name, key in pairs:
        groups.setdefault(str(key), []).append(tensor_name)
    return "; ".join(f"{key}: {', '.join(names[:4])}{', ...' if len(names) > 4 else ''}"
                     for key, names in groups.items())


def model_device(model: object) -> torch.device:
    """The one device holding ``model``'s parameters and buffers; raise if none or several."""
    params = list(module("model", model).named_parameters())
    if not params:
        raise ValueError(f"{type(model).__name__} has no parameters, so it lives on no device")
    tensors = params + list(model.named_buffers())
    if len({t.device for _, t in tensors}) > 1:
        raise ValueError(f"{type(model).__name__} has tensors on several devices ("
                         f"{_grouped([(n, t.device) for n, t in tensors])}); move the whole model with "
                         "model.to(device)")
    return params[0][1].device


def model_dtype(model: object) -> torch.dtype:
    """The one floating dtype of ``model``'s parameters and floating buffers; raise if they mix dtypes."""
    model_device(model)  # the same checks: a module, with parameters, on one device
    tensors = [(n, t) for n, t in [*model.named_parameters(), *model.named_buffers()]
               if t.is_floating_point()]
    if len({t.dtype for _, t in tensors}) > 1:
        dtypes = _grouped([(n, t.dtype) for n, t in tensors])
        raise ValueError(f"{type(model).__name__} mixes dtypes ({dtypes}); its layers must share one, "
                         "e.g. model.float() makes them all float32")
    return next(model.parameters()).dtype


def runnable(model: object) -> tuple[torch.device, torch.dtype]:
    """``(device, dtype)`` of a model that can run: one device, one dtype, and data (not the meta device)."""
    dtype, device = model_dtype(model), model_device(model)
    if device.type == "meta":
        raise ValueError(f"{type(model).__name__} is on the meta device: it has no data, only shapes; "
                         "move it with model.to_empty(device='cpu') and then load weights "
                         "(load_checkpoint(path, model) or model.load_state_dict(state))")
    return device, dtype


def forward_memory(model: nn.Module, rows: int, what: str) -> None:
    """Refuse to run ``rows`` samples through ``model`` at once if the activations would not fit
    (``affordable``); a layer's width is read from its parameters' first dimension."""
    width = max((p.shape[0] for p in model.parameters() if p.dim()), default=1)
    size = next(model.parameters()).element_size()
    affordable(what, size * rows * (2 * width + 3), f"{rows:,} samples through layers up to {width:,} wide")


def one_logit(out: object, n: int) -> torch.Tensor:
    """Return a model's output ``(n, 1)`` as ``(n,)`` logits, or raise if it is not one logit per sample."""
    if not isinstance(out, torch.Tensor) or out.shape != (n, 1):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"the model must return one logit per sample, shape ({n}, 1), got {got}")
    return out.view(n)  # (n, 1) -> (n,); a view costs less in backward than squeeze


# --- data -------------------------------------------------------------------------------------------

def _hint(*values: object) -> str:
    if any(isinstance(v, np.ndarray) for v in values):
        return " (convert a NumPy array with torch.from_numpy)"
    return ""


def check_x(X: torch.Tensor, num_inputs: int | None = None, who: str = "the model") -> None:
    """Raise a clear error unless ``X`` is ``(N, F)`` finite floats (any float dtype), ``N >= 1``,
    with ``F == num_inputs`` if given (``who`` names what expects that many)."""
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a tensor of shape (N, features), got {type(X).__name__}{_hint(X)}")
    if X.dim() != 2 or len(X) == 0:
        raise ValueError(f"X must have shape (N, features) with N >= 1, got {tuple(X.shape)}")
    if not X.is_floating_point():
        raise TypeError(f"X must hold floating-point features, got dtype {X.dtype}")
    if X.is_meta:
        raise ValueError("X is on the meta device: it has shapes but no values")
    if num_inputs is not None and X.shape[1] != num_inputs:
        raise ValueError(f"X has {X.shape[1]} features per sample but {who} expects {num_inputs}")
    bad = (~torch.isfinite(X)).sum().item()  # NaN would train to NaN weights, and score as if correct
    if bad:
        raise ValueError(f"X must be finite, but {bad} of its values are NaN or inf")


def check_xy(X: torch.Tensor, y: torch.Tensor, num_inputs: int | None = None, who: str = "the model") -> None:
    """Raise a clear error unless ``X`` passes ``check_x`` and ``y`` is ``(N,)`` labels in {0, 1}."""
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(f"X and y must be tensors, got {type(X).__name__} and {type(y).__name__}"
                        + _hint(X, y))
    check_x(X, num_inputs, who)
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},) to match X, got {tuple(y.shape)}")
    bad = y[(y != 0) & (y != 1)]
    if len(bad):
        raise ValueError(f"labels must be 0 or 1, found {bad.unique()[:5].tolist()}")


def as_tensor(name: str, value: object) -> torch.Tensor:
    """``value`` as a tensor: a tensor as it is, a NumPy array converted; anything else is a TypeError."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor (or a NumPy array), got {type(value).__name__}")
    return value


def batch_source(value: object, expects: str, fix: str) -> object:
    """Return ``value`` if it can be an iterable of ``(X, y)`` batches, else raise a TypeError that
    starts with ``expects`` and, for a lone ``(X, y)`` pair, ends with ``fix``."""
    pair = isinstance(value, tuple | list) and len(value) == 2
    if pair and all(isinstance(v, torch.Tensor) for v in value):
        # iterating (X, y) would unpack the rows of X; say so rather than fail or miscount
        raise TypeError(f"{expects}, got one (X, y) pair as a {type(value).__name__}; {fix}")
    if isinstance(value, torch.Tensor | np.ndarray | str | bytes | dict) or not isinstance(value, Iterable):
        raise TypeError(f"{expects}, got {type(value).__name__}")
    return value


def each_batch(value: Iterable) -> Iterator[tuple[int, torch.Tensor, torch.Tensor]]:
    """Yield ``(i, X, y)`` for each item of ``value``, refusing an item that is not an ``(X, y)`` pair."""
    for i, batch in enumerate(value):
        if not (isinstance(batch, tuple | list) and len(batch) == 2):
            what = f"{len(batch)} items" if isinstance(batch, tuple | list) else type(batch).__name__
            raise TypeError(f"batch {i + 1} must be an (X, y) pair, got {what}")
        yield i, batch[0], batch[1]


def batch_xy(where: str, X: torch.Tensor, y: torch.Tensor, num_inputs: int | None) -> None:
    """``check_xy`` for one batch, naming the batch (``where``) in the error."""
    try:
        check_xy(X, y, num_inputs)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{where}: {exc}") from None
