"""The sweep of chapter 8 (``08_many_models``) written the public way, with ``torch.func``.

``sweep_func`` trains the same grid as ``xorlib.sweep`` from the same starting
weights and batches, but lets autograd find the gradients: the models' parameters
are stacked with ``torch.func.stack_module_state``, one model's loss is written
with ``functional_call``, and ``vmap(grad(loss))`` turns it into the gradients of
every model at once. Smaller models are padded to the largest hidden size with
zero weights, which SGD leaves at zero (see ``xorlib.sweep``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad, stack_module_state, vmap

from xorlib.classifier import SimpleClassifier
from xorlib.many_models import _check_args, _initial_weights
from xorlib.sweep_results import SweepResult

__all__ = ["sweep_func"]


def _padded(state: dict[str, torch.Tensor], H: int) -> SimpleClassifier:
    """A ``SimpleClassifier(2, H, 1)`` holding ``state`` (of fewer hidden units) and zeros elsewhere."""
    net = SimpleClassifier(2, H, 1)
    h = len(state["linear1.bias"])
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        net.linear1.weight[:h], net.linear1.bias[:h] = state["linear1.weight"], state["linear1.bias"]
        net.linear2.weight[:, :h], net.linear2.bias[:] = state["linear2.weight"], state["linear2.bias"]
    return net


def sweep_func(hidden_sizes: Sequence[int], lrs: Sequence[float], seeds: Sequence[int], X: torch.Tensor,
               y: torch.Tensor, num_epochs: int = 100, batch_size: int = 128) -> SweepResult:
    """``xorlib.sweep``'s models and SGD, with gradients from ``vmap(grad(loss))``.

    Args:
        hidden_sizes: hidden units of the models, e.g. ``range(1, 9)``.
        lrs: SGD learning rates, each > 0.
        seeds: seeds (ints 0 to 2**63 - 1) for the initial weights and the shuffling.
        X: training inputs.
        y: training labels.
        num_epochs: passes over the data.
        batch_size: samples per SGD step (the last batch of an epoch may be smaller).

    Returns:
        The trained weights of all ``len(hidden_sizes) * len(lrs) * len(seeds)`` models, as
        ``xorlib.sweep`` returns them (equal up to float rounding).

    Raises:
        TypeError, ValueError: as ``xorlib.sweep`` raises them.

    Shape:
        - ``X``: ``(N, 2)`` floats.
        - ``y``: ``(N,)`` of 0/1.

    Example::

        >>> import torch, xorlib
        >>> data = xorlib.XORDataset(64, seed=0)
        >>> args = ([1, 3], [0.5], [0, 1], data.X, data.y)
        >>> a = xorlib.sweep_func(*args, num_epochs=2, batch_size=32)
        >>> b = xorlib.sweep(*args, num_epochs=2, batch_size=32)
        >>> a.W1.shape, torch.allclose(a.W1, b.W1, atol=1e-5)
        (torch.Size([4, 3, 2]), True)
    """
    (hidden_sizes, lrs, seeds), num_epochs, batch_size = _check_args(
        hidden_sizes, lrs, seeds, X, y, num_epochs, batch_size)
    dev, S, H, K = X.device, len(seeds), max(hidden_sizes), len(hidden_sizes) * len(lrs)
    # Model k of seed s: hidden size hidden_sizes[k // len(lrs)], lr lrs[k % len(lrs)] (as in sweep).
    nets = [_padded(state, H) for states in _initial_weights(hidden_sizes, seeds) for state in states
            for _ in lrs]
    stacked, _ = stack_module_state(nets)  # {name: (S * K, ...)}
    params = {name: p.detach().to(dev).view(S, K, *p.shape[1:]) for name, p in stacked.items()}
    lr = torch.tensor(lrs, device=dev).repeat(len(hidden_sizes))  # (K,)
    with torch.device("meta"):  # a skeleton: functional_call supplies the weights
        base = SimpleClassifier(2, H, 1)

    def loss(p: dict[str, torch.Tensor], xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(functional_call(base, p, (xb,)).squeeze(1), yb)

    # Inner vmap: the K models of one seed share its batch; outer vmap: one batch per seed.
    grads = vmap(vmap(grad(loss), in_dims=(0, None, None)))
    Xf, yf = X.float(), y.float()
    gens = [torch.Generator().manual_seed(seed) for seed in seeds]  # the batches of sweep and train_fast
    for _ in range(num_epochs):
        perm = torch.stack([torch.randperm(len(X), generator=g) for g in gens]).to(dev)  # (S, N)
        for xb, yb in zip(Xf[perm].split(batch_size, 1), yf[perm].split(batch_size, 1), strict=True):
            for name, g in grads(params, xb, yb).items():  # xb (S, B, 2), yb (S, B)
                params[name].sub_(g * lr.view(K, *[1] * (g.dim() - 2)))  # SGD: p -= lr * grad
    hidden = torch.tensor(hidden_sizes, device=dev).repeat_interleave(len(lrs) * S)  # (K * S,)

    def flat(t: torch.Tensor) -> torch.Tensor:  # (S, K, ...) -> (K * S, ...): model m = k * S + s
        return t.transpose(0, 1).reshape(K * S, *t.shape[2:])

    return SweepResult(hidden_sizes, lrs, seeds, hidden, lr.repeat_interleave(S),
                       torch.tensor(seeds, device=dev).repeat(K), W1=flat(params["linear1.weight"]),
                       b1=flat(params["linear1.bias"]), W2=flat(params["linear2.weight"][:, :, 0]),
                       b2=flat(params["linear2.bias"][:, :, 0]))
