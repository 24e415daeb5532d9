"""The continuous XOR data set and its loaders, introduced in chapter 4 (``04_data``)."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

from xorlib import _checks
from xorlib._checks import check_x, check_xy  # noqa: F401  (kept importable here for xorlib.figures)

__all__ = ["MAX_SIZE", "MAX_STD", "XORDataset", "make_loader"]

MAX_SIZE = 10_000_000  # samples; building one takes about 40 bytes each, so at most ~0.4 GB
MAX_STD = 1_000.0  # a thousand times the distance between corners: pure noise, yet finite in float32


class XORDataset(Dataset):
    """Noisy points around the corners of the unit square, labelled by XOR.

    A clean point is a corner ``(a, b)`` with ``a, b`` in ``{0, 1}``; its label
    is ``a XOR b``. Gaussian noise with standard deviation ``std`` is then added.

    Args:
        size: number of samples, 1 to ``MAX_SIZE`` (ten million).
        std: standard deviation of the noise added to each coordinate, 0 to ``MAX_STD``.
        seed: seed for this data set's own generator, 0 to 2**63 - 1 (``None``: torch's global one).

    Shape:
        - ``X``: ``(size, 2)`` float32.
        - ``y``: ``(size,)`` int64 of 0/1.
        - ``dataset[i]``: ``((2,), ())``.

    Example::

        >>> import xorlib
        >>> data = xorlib.XORDataset(100, std=0.1, seed=0)
        >>> len(data), data.X.shape, data.y.dtype
        (100, torch.Size([100, 2]), torch.int64)
        >>> clean = xorlib.XORDataset(8, std=0.0, seed=1)
        >>> bool((clean.y == (clean.X[:, 0] != clean.X[:, 1]).long()).all())
        True
    """

    def __init__(self, size: int, std: float = 0.1, seed: int | None = None) -> None:
        super().__init__()
        self.size = _checks.positive_int("size", size, maximum=MAX_SIZE)
        self.std = _checks.number("std", std)
        if self.std > MAX_STD:
            raise ValueError(f"std must be at most {MAX_STD:g} (the corners are 1 apart), got {self.std:g}")
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
    """Wrap ``dataset`` in a DataLoader whose shuffling repeats run to run (seeded generator).

    Args:
        dataset: a map-style ``Dataset`` of ``(x, y)`` samples, e.g. ``XORDataset`` or
            ``TensorDataset(X, y)`` (tensors themselves are refused: wrap them in a TensorDataset).
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: draw a fresh order every epoch.
        seed: seed of the loader's own generator, 0 to 2**63 - 1.

    Returns:
        A ``DataLoader`` yielding ``(X, y)`` batches.

    Shape:
        Each batch: ``X`` ``(B, 2)``, ``y`` ``(B,)`` with ``B <= batch_size``.

    Example::

        >>> import xorlib
        >>> loader = xorlib.make_loader(xorlib.XORDataset(300, seed=0), batch_size=128)
        >>> [len(y) for X, y in loader]
        [128, 128, 44]
    """
    if not isinstance(dataset, Dataset):
        raise TypeError("dataset must be a torch Dataset such as XORDataset or TensorDataset(X, y), "
                        f"got {type(dataset).__name__}; wrap tensors X, y in TensorDataset(X, y)")
    batch_size = _checks.positive_int("batch_size", batch_size)
    _checks.of_type("shuffle", shuffle, bool, "True or False")
    seed = _checks.seed("seed", seed)
    try:
        if len(dataset) == 0:
            raise ValueError("cannot make a loader over an empty dataset (len(dataset) == 0)")
    except TypeError:  # an IterableDataset: no length, and nothing to shuffle
        raise TypeError("dataset must have a length (a map-style Dataset), "
                        f"got {type(dataset).__name__}") from None
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),
    )
