"""Tensors as plain values for R, used by the appendix ``appendix_r`` (PyTorch from R).

R reaches Python through reticulate. Older reticulate releases (1.28, Debian 12's)
cannot convert NumPy 2 arrays: ``tensor$numpy()`` arrives in R as an opaque Python
object. Plain Python lists of numbers always convert, so ``to_r`` hands over the
values as one flat list in row-major order together with the shape; in R,
``matrix(unlist(v$values), nrow = v$shape[[1]], byrow = TRUE)`` rebuilds a matrix.
"""

from __future__ import annotations

import torch

__all__ = ["MAX_VALUES", "to_r"]

MAX_VALUES = 10_000_000  # one Python object per value on the way to R: keep it to a few hundred MB


def to_r(tensor: torch.Tensor) -> dict[str, list]:
    """Return the values and shape of ``tensor`` as plain Python lists (R lists after reticulate).

    The tensor is detached and copied to the CPU; nothing in R shares its memory.

    Args:
        tensor (Tensor): a real or boolean tensor of any shape (a 0-d tensor gives one value,
            shape ``[]``).

    Returns:
        dict[str, list]: ``{"values": [...], "shape": [...]}``: floats, ints or bools in row-major (C) order
        (the last index varies fastest), and the size of each dimension.

    Raises:
        TypeError: ``tensor`` is not a tensor, or is complex.
        ValueError: ``tensor`` has more than ``MAX_VALUES`` values.

    Shape:
        - tensor: any shape ``(d_1, ..., d_k)``, ``k >= 0``.
        - values: ``tensor.numel()`` entries; shape: ``k`` entries.

    Example::

        >>> import torch
        >>> import xorlib
        >>> xorlib.to_r(torch.tensor([[1, 2, 3], [4, 5, 6]]))
        {'values': [1, 2, 3, 4, 5, 6], 'shape': [2, 3]}
        >>> xorlib.to_r(torch.tensor(True))
        {'values': [True], 'shape': []}
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"to_r expects a torch.Tensor, got {type(tensor).__name__}")
    if tensor.is_complex():
        raise TypeError(f"to_r handles real and boolean tensors, got dtype {tensor.dtype}")
    if tensor.numel() > MAX_VALUES:
        raise ValueError(f"to_r copies at most {MAX_VALUES:,} values to R, got {tensor.numel():,} "
                         f"(shape {tuple(tensor.shape)}); reduce the tensor first")
    flat = tensor.detach().cpu().reshape(-1)  # (numel,), row-major whatever the strides were
    return {"values": flat.tolist(), "shape": list(tensor.shape)}
