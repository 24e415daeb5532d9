"""The continuous XOR data set and its loaders, introduced in chapter 4 (``04_data``)."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

from xorlib import _checks

MAX_SIZE = 10_000_000  # samples; building one takes about 40 bytes each, so at most ~0.4 GB


class XORDataset(Dataset):
    """Noisy points around the corners of the unit square, labelled by XOR.

    A clean point is a corner ``(a, b)`` with ``a, b`` in ``{0, 1}``; its label
    is ``a XOR b``. Gaussian noise with standard deviation ``std`` is then added.

    Args:
        size: number of samples, 1 to ``MAX_SIZE`` (ten million).
        std: standard deviation of the noise added to each coordinate.
        seed: seed for this data set's own generator, 0 to 2**63 - 1 (``None``: torch's global one).

    Shape:
        ``X``: ``(size, 2)`` float32, ``y``: ``(size,)`` int64 of 0/1.
    """

    def __init__(self, size: int, std: float = 0.1, seed: int | None = None) -> None:
        super().__init__()
        self.size = _checks.positive_int("size", size, maximum=MAX_SIZE)
        self.std = _checks.number("std", std)
        seed = None if seed is None else _checks.seed("seed", seed)
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        corners = torch.randint(0, 2, (self.size, 2), generator=generator).float()  # (size, 2)
        self.y = (corners.sum(dim=1) == 1).long()  # exactly one coordinate is 1
        # float32 whatever torch.set_default_dtype says: the models here are float32
        self.X = corners + self.std * torch.randn(self.size, 2, generator=generator, dtype=torch.float32)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.X[idx], self.y[idx]  # shapes (2,) and ()

    def extra_repr(self) -> str:
        return f"size={self.size}, std={self.std}"

    def __repr__(self) -> str:
        return f"XORDataset({self.extra_repr()})"


def make_loader(
    dataset: Dataset, batch_size: int = 128, shuffle: bool = True, seed: int = 0
) -> DataLoader:
    """Wrap ``dataset`` in a DataLoader whose shuffling repeats run to run (seeded generator)."""
    batch_size = _checks.positive_int("batch_size", batch_size)
    seed = _checks.seed("seed", seed)
    if len(dataset) == 0:
        raise ValueError("cannot make a loader over an empty dataset (len(dataset) == 0)")
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),
    )


def check_x(X: torch.Tensor, num_inputs: int | None = None) -> None:
    """Raise a clear error unless ``X`` is ``(N, F)`` finite floats (any float dtype), ``N >= 1``."""
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a tensor of shape (N, features), got {type(X).__name__}")
    if X.dim() != 2 or len(X) == 0:
        raise ValueError(f"X must have shape (N, features) with N >= 1, got {tuple(X.shape)}")
    if not X.is_floating_point():
        raise TypeError(f"X must hold floating-point features, got dtype {X.dtype}")
    if num_inputs is not None and X.shape[1] != num_inputs:
        raise ValueError(f"X has {X.shape[1]} features per sample but the model expects {num_inputs}")
    bad = (~torch.isfinite(X)).sum().item()  # NaN would train to NaN weights, and score as if correct
    if bad:
        raise ValueError(f"X must be finite, but {bad} of its values are NaN or inf")


def check_xy(X: torch.Tensor, y: torch.Tensor, num_inputs: int | None = None) -> None:
    """Raise a clear error unless ``X`` passes ``check_x`` and ``y`` is ``(N,)`` labels in {0, 1}."""
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(f"X and y must be tensors, got {type(X).__name__} and {type(y).__name__}")
    check_x(X, num_inputs)
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},) to match X, got {tuple(y.shape)}")
    bad = y[(y != 0) & (y != 1)]
    if len(bad):
        raise ValueError(f"labels must be 0 or 1, found {bad.unique()[:5].tolist()}")
