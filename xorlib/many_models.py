"""Many XOR models trained at once, introduced in chapter 8 (``08_many_models``).

A model this small leaves the machine idle: each SGD step is a few tiny
operations. ``sweep`` stacks the weights of a whole grid of models (hidden
sizes x learning rates x seeds) into a few tensors and trains them together
with batched matrix products and hand-written gradients. Smaller models are
padded to the largest hidden size with all-zero weights, a fixed point of SGD:
a padded unit outputs tanh(0) = 0 and its zero outgoing weight passes back no
gradient, so padding adds nothing to the output and learns nothing. Model
``(hidden, lr, seed)`` starts from the weights of ``torch.manual_seed(seed);
SimpleClassifier(2, hidden, 1)`` and sees the batches of ``train_fast(...,
seed=seed)``, so it follows that single run up to float rounding (which many
epochs can amplify). ``xorlib.func_sweep`` trains the same grid with torch.func.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from xorlib import _checks
from xorlib.classifier import SimpleClassifier
from xorlib.sweep_results import SweepResult

__all__ = ["sweep"]

Grid = tuple[tuple[int, ...], tuple[float, ...], tuple[int, ...]]


def _sizes(name: str, values: Sequence, check) -> tuple:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | range) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty list or range, got {values!r}")
    return tuple(check(name, v) for v in values)


def _hidden(name: str, value: object) -> int:
    return _checks.positive_int(name, value, _checks.MAX_LAYER_SIZE, "the largest SimpleClassifier")


def _check_args(hidden_sizes: Sequence[int], lrs: Sequence[float], seeds: Sequence[int], X: torch.Tensor,
                y: torch.Tensor, num_epochs: int, batch_size: int) -> tuple[Grid, int, int]:
    """A sweep's arguments checked: (the grid as tuples, num_epochs, batch_size), or a clear
    TypeError/ValueError naming the bad argument (a grid too large for memory included)."""
    grid = (_sizes("hidden_sizes", hidden_sizes, _hidden),
            _sizes("lrs", lrs, lambda n, v: _checks.number(n, v, positive=True)),
            _sizes("seeds", seeds, _checks.seed))
    num_epochs = _checks.non_negative_int("num_epochs", num_epochs)
    batch_size = _checks.positive_int("batch_size", batch_size)
    _checks.check_xy(X, y, 2)
    if X.device != y.device:
        raise ValueError(f"X and y must be on one device (the sweep runs on X's), "
                         f"got {X.device} and {y.device}")
    # Per step, each hidden unit of each model holds ~4 floats per sample of the batch (activations and
    # gradients); each seed holds its shuffled copy of the data (~8 floats per sample).
    models, H, B = len(seeds) * len(grid[0]) * len(lrs), max(grid[0]), min(batch_size, len(X))
    _checks.affordable("this sweep", 4 * (models * H * (4 * B + 8) + 8 * len(seeds) * len(X)),
                       f"{models:,} models padded to {H:,} hidden units, batches of {B:,} samples")
    return grid, num_epochs, batch_size


def _initial_weights(hidden_sizes: tuple[int, ...], seeds: tuple[int, ...]) -> list[list[dict]]:
    """``[seed][hidden size]``: ``state_dict()`` of ``torch.manual_seed(seed); SimpleClassifier(2, h, 1)``."""
    states: list[list[dict]] = []
    with torch.random.fork_rng(devices=[]):  # the caller's global RNG is left alone
        for seed in seeds:
            states.append([])
            for h in hidden_sizes:
                torch.manual_seed(seed)
                states[-1].append(SimpleClassifier(2, h, 1).state_dict())  # real nn.Linear initialisation
    return states


def sweep(hidden_sizes: Sequence[int], lrs: Sequence[float], seeds: Sequence[int], X: torch.Tensor,
          y: torch.Tensor, num_epochs: int = 100, batch_size: int = 128) -> SweepResult:
    """Train one ``SimpleClassifier(2, h, 1)`` per (hidden size, lr, seed), all at once, with SGD.

    Each model minimises its own mean BCE-with-logits loss. Shuffling is per
    seed: every epoch each seed draws its own permutation of the samples (as
    ``train_fast(..., seed=seed)`` does), and the models with that seed share
    those batches. Deterministic for given arguments; runs on ``X``'s device.

    Args:
        hidden_sizes: hidden units of the models, e.g. ``range(1, 9)``.
        lrs: SGD learning rates, each > 0.
        seeds: seeds (ints 0 to 2**63 - 1) for the initial weights and the shuffling.
        X: training inputs.
        y: training labels.
        num_epochs: passes over the data.
        batch_size: samples per SGD step (the last batch of an epoch may be smaller).

    Returns:
        The trained weights of all ``len(hidden_sizes) * len(lrs) * len(seeds)`` models.

    Raises:
        TypeError, ValueError: an argument has the wrong type or value, or the grid would need more
            than 2 GB of memory (models x largest hidden size x batch size).

    Shape:
        - ``X``: ``(N, 2)`` floats.
        - ``y``: ``(N,)`` of 0/1.

    Example::

        >>> import xorlib
        >>> data = xorlib.XORDataset(64, seed=0)
        >>> result = xorlib.sweep([2, 4], [0.1, 1.0], [0, 1, 2], data.X, data.y, num_epochs=2, batch_size=32)
        >>> result.W1.shape, result.hidden.tolist()[:6]
        (torch.Size([12, 4, 2]), [2, 2, 2, 2, 2, 2])
    """
    (hidden_sizes, lrs, seeds), num_epochs, batch_size = _check_args(
        hidden_sizes, lrs, seeds, X, y, num_epochs, batch_size)
    dev, S, H, K = X.device, len(seeds), max(hidden_sizes), len(hidden_sizes) * len(lrs)
    # Model k of seed s has hidden_sizes[k // len(lrs)] units and lr lrs[k % len(lrs)].
    hidden = torch.tensor(hidden_sizes, device=dev).repeat_interleave(len(lrs))  # (K,)
    lr = torch.tensor(lrs, device=dev).repeat(len(hidden_sizes))  # (K,)
    # Weights in a training layout: W1 (S, K, H, 3) holds each unit's x1, x2 and bias weights.
    W1, W2, b2 = torch.zeros(S, K, H, 3), torch.zeros(S, K, H), torch.zeros(S, K)
    for s, states in enumerate(_initial_weights(hidden_sizes, seeds)):
        for i, (h, state) in enumerate(zip(hidden_sizes, states, strict=True)):
            ks = slice(i * len(lrs), (i + 1) * len(lrs))  # this hidden size, every lr
            W1[s, ks, :h, :2], W1[s, ks, :h, 2] = state["linear1.weight"], state["linear1.bias"]
            W2[s, ks, :h], b2[s, ks] = state["linear2.weight"][0], state["linear2.bias"]
    W1, W2, b2 = W1.to(dev), W2.to(dev), b2.to(dev)
    real = (torch.arange(H, device=dev) < hidden[:, None]).float()  # (K, H): 0 on padding
    _train(W1, W2, b2, lr, real, X, y, seeds, num_epochs, batch_size)

    def flat(t: torch.Tensor) -> torch.Tensor:  # (S, K, ...) -> (K * S, ...): model m = k * S + s
        return t.transpose(0, 1).reshape(K * S, *t.shape[2:])

    return SweepResult(hidden_sizes, lrs, seeds, hidden.repeat_interleave(S), lr.repeat_interleave(S),
                       torch.tensor(seeds, device=dev).repeat(K), W1=flat(W1[..., :2]), b1=flat(W1[..., 2]),
                       W2=flat(W2), b2=flat(b2))


def _train(W1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor, lr: torch.Tensor, real: torch.Tensor,
           X: torch.Tensor, y: torch.Tensor, seeds: tuple[int, ...], num_epochs: int, batch_size: int,
           ) -> None:
    """SGD on the stacked weights, in place, with the gradients of each model's mean BCE written out.

    With s = sigmoid(2a), tanh(a) = 2s - 1 and 1 - tanh(a)^2 = 4s(1 - s): one sigmoid (several
    times faster than tanh on some CPUs) serves the forward and the backward pass.
    """
    S, K, H, _ = W1.shape
    Xa = torch.cat([X.float(), torch.ones(len(X), 1, device=X.device)], dim=1)  # (N, 3): ones add b1
    gens = [torch.Generator().manual_seed(seed) for seed in seeds]  # CPU: the same batches on every device
    W1.mul_(2)  # W1 holds 2 W1 while training, so that bmm gives 2a directly (doubling is exact)
    W1v, lr_k = W1.view(S, K * H, 3), lr[:, None]  # (S, K*H, 3): one row per unit; lr (K, 1)
    buffers: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}  # reused: no fresh 4 MB per step
    for _ in range(num_epochs):
        perm = torch.stack([torch.randperm(len(X), generator=g) for g in gens]).to(X.device)  # (S, N)
        XT = Xa[perm].transpose(1, 2).contiguous()  # (S, 3, N): batches are slices along N
        for xb, yb in zip(XT.split(batch_size, 2), y.float()[perm].split(batch_size, 1), strict=True):
            B = xb.shape[2]  # xb (S, 3, B), yb (S, B)
            if B not in buffers:
                buffers[B] = (xb.new_empty(S, K * H, B), xb.new_empty(S, K * H, B))
            s, t = buffers[B]
            torch.bmm(W1v, xb, out=s).sigmoid_()  # s = sigmoid(2a), (S, K*H, B)
            sk = s.view(S * K, H, B)  # one (H, B) matrix per model
            # z = w2 . (2s - 1) + b2 = (2 w2) . s + (b2 - sum w2), (S, K, B)
            z = torch.bmm((2 * W2).view(S * K, 1, H), sk).view(S, K, B) + (b2 - W2.sum(2))[..., None]
            dz = (torch.sigmoid(z) - yb[:, None]) / B  # d(mean BCE)/dz, (S, K, B)
            db2 = dz.sum(2)  # (S, K)
            # dW2 = sum_b dz (2s - 1); the mask keeps padded units at exactly zero despite rounding
            dW2 = torch.bmm(dz.view(S * K, 1, B), sk.transpose(1, 2)).view(S, K, H).mul_(2)
            dW2.sub_(db2[..., None]).mul_(real)
            # dW1 = 4 w2 sum_b dz s(1 - s) x: t = s(1 - s) dz in place, then one bmm per seed
            torch.addcmul(s, s, s, value=-1, out=t).view(S, K, H, B).mul_(dz[:, :, None])
            dW1 = torch.bmm(t, xb.transpose(1, 2)).view(S, K, H, 3)
            W1.addcmul_(dW1, (8 * lr_k * W2)[..., None], value=-1)  # 2 W1 -= 2 lr dW1
            W2.addcmul_(dW2, lr_k, value=-1)
            b2.addcmul_(db2, lr, value=-1)
    W1.mul_(0.5)
