"""The classifier, introduced in chapter 3 (``03_modules``), and ``eval_mode`` for scoring it (chapter 7)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from xorlib import _checks

__all__ = ["SimpleClassifier", "eval_mode"]


class SimpleClassifier(nn.Module):
    """A one-hidden-layer network: ``Linear -> tanh -> Linear``, returning logits.

    Each layer size is at most 1,000,000 and the model at most 10,000,000 parameters
    (40 MB as float32), the most a checkpoint may hold; a larger size is refused before
    any memory is allocated.

    Args:
        num_inputs: features per sample (2 for XOR).
        num_hidden: hidden units.
        num_outputs: logits per sample (1 for a binary classifier).

    Shape:
        - Input: ``(N, num_inputs)``, floats of the model's dtype.
        - Output: ``(N, num_outputs)`` logits (no sigmoid).

    Example::

        >>> import torch, xorlib
        >>> model = xorlib.SimpleClassifier(2, 4, 1)
        >>> model(torch.zeros(5, 2)).shape
        torch.Size([5, 1])
        >>> model.sizes
        {'num_inputs': 2, 'num_hidden': 4, 'num_outputs': 1}
        >>> sum(p.numel() for p in model.parameters())
        17
    """

    def __init__(self, num_inputs: int = 2, num_hidden: int = 4, num_outputs: int = 1) -> None:
        super().__init__()
        num_inputs, num_hidden, num_outputs = _checks.layer_sizes(num_inputs, num_hidden, num_outputs)
        self.linear1 = nn.Linear(num_inputs, num_hidden)
        self.act_fn = nn.Tanh()
        self.linear2 = nn.Linear(num_hidden, num_outputs)

    @property
    def sizes(self) -> dict[str, int]:
        """The layer sizes that rebuild this architecture."""
        return {
            "num_inputs": self.linear1.in_features,
            "num_hidden": self.linear1.out_features,
            "num_outputs": self.linear2.out_features,
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"expected a tensor of shape (N, {self.linear1.in_features}), "
                            f"got {type(x).__name__}")
        if x.dim() != 2 or x.shape[1] != self.linear1.in_features:
            raise ValueError(
                f"expected input of shape (N, {self.linear1.in_features}), got {tuple(x.shape)}"
            )
        dtype = self.linear1.weight.dtype
        if x.dtype != dtype:  # e.g. float64 from NumPy into a float32 model
            raise TypeError(f"expected input of the model's dtype {dtype}, got {x.dtype}; "
                            f"convert it with x.to({dtype})")
        x = self.linear1(x)  # (N, hidden)
        x = self.act_fn(x)
        return self.linear2(x)  # (N, outputs): logits, no sigmoid


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode for a ``with`` block, then give every submodule back its own mode.

    ``model.train()`` afterwards would not do: it would also switch on a submodule the
    caller had put in eval mode on purpose.

    Args:
        model: any ``nn.Module``.

    Returns:
        A context manager that yields ``model``, in eval mode inside the block.

    Example::

        >>> from torch import nn
        >>> from xorlib.classifier import eval_mode
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
        >>> with eval_mode(net):
        ...     net.training, net[1].training
        (False, False)
        >>> net.training, net[1].training
        (True, True)
    """
    modes = [(module, module.training) for module in _checks.module("model", model).modules()]
    model.eval()  # switches layers like Dropout to inference behaviour; gradients are untouched
    try:
        yield model
    finally:
        for module, training in modes:
            module.training = training
