"""Many XOR models trained at once, introduced in chapter 6 (``06_training``).

A model this small leaves the machine idle: each SGD step is a few tiny
operations. ``sweep`` stacks the weights of a whole grid of models (hidden
sizes x learning rates x seeds) into a few tensors and trains them together
with batched matrix products. Smaller models are padded to the largest hidden
size with all-zero weights, a fixed point of SGD: a padded unit outputs
tanh(0) = 0 and its zero outgoing weight passes back no gradient, so padding
adds nothing to the output and learns nothing. Model ``(hidden, lr, seed)``
starts from the weights of ``torch.manual_seed(seed); SimpleClassifier(2,
hidden, 1)`` and sees the batches of ``train_fast(..., seed=seed)``, so it
follows that single run up to float rounding (which many epochs can amplify).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from xorlib import _checks
from xorlib.data import check_xy
from xorlib.model import SimpleClassifier
from xorlib.sweep_result import SweepResult


def _sizes(name: str, values: Sequence, check) -> tuple:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | range) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty list or range, got {values!r}")
    return tuple(check(name, v) for v in values)


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
        TypeError, ValueError: an argument has the wrong type or value.

    Shape:
        ``X``: ``(N, 2)``, ``y``: ``(N,)`` of 0/1.
    """
    hidden_sizes = _sizes("hidden_sizes", hidden_sizes, _checks.positive_int)
    lrs = _sizes("lrs", lrs, lambda n, v: _checks.number(n, v, positive=True))
    seeds = _sizes("seeds", seeds, _checks.seed)
    num_epochs = _checks.non_negative_int("num_epochs", num_epochs)
    batch_size = _checks.positive_int("batch_size", batch_size)
    check_xy(X, y, 2)
    dev, S, H, K = X.device, len(seeds), max(hidden_sizes), len(hidden_sizes) * len(lrs)
    # Model k of seed s has hidden_sizes[k // len(lrs)] units and lr lrs[k % len(lrs)].
    hidden = torch.tensor(hidden_sizes, device=dev).repeat_interleave(len(lrs))  # (K,)
    lr = torch.tensor(lrs, device=dev).repeat(len(hidden_sizes))  # (K,)
    # Weights in a training layout: W1a (S, 3, H, K) holds x1, x2 and bias rows.
    W1a, W2, b2 = torch.zeros(S, 3, H, K), torch.zeros(S, H, K), torch.zeros(S, K)
    with torch.random.fork_rng(devices=[]), torch.no_grad():  # the caller's global RNG is left alone
        for s, seed in enumerate(seeds):
            for i, h in enumerate(hidden_sizes):
                torch.manual_seed(seed)
                net = SimpleClassifier(2, h, 1)  # real nn.Linear layers: their own initialisation
                ks = slice(i * len(lrs), (i + 1) * len(lrs))  # this hidden size, every lr
                W1a[s, :2, :h, ks] = net.linear1.weight.T[:, :, None]  # (2, h, 1): one copy per lr
                W1a[s, 2, :h, ks] = net.linear1.bias[:, None]
                W2[s, :h, ks], b2[s, ks] = net.linear2.weight[0, :, None], net.linear2.bias
    W1a, W2, b2 = W1a.to(dev), W2.to(dev), b2.to(dev)
    _train(W1a, W2, b2, lr, X, y, seeds, num_epochs, batch_size)

    def flat(t: torch.Tensor) -> torch.Tensor:  # (S, ..., K) -> (K * S, ...): model m = k * S + s
        return t.movedim(-1, 0).reshape(K * S, *t.shape[1:-1])

    return SweepResult(
        hidden_sizes, lrs, seeds, hidden.repeat_interleave(S), lr.repeat_interleave(S),
        torch.tensor(seeds, device=dev).repeat(K), W1=flat(W1a[:, :2]).transpose(1, 2), b1=flat(W1a[:, 2]),
        W2=flat(W2), b2=flat(b2),
    )


def _train(W1a: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor, lr: torch.Tensor, X: torch.Tensor,
           y: torch.Tensor, seeds: tuple[int, ...], num_epochs: int, batch_size: int) -> None:
    """SGD on the stacked weights, in place, with the gradients of each model's mean BCE written out."""
    S, _, H, K = W1a.shape
    X = X.float()
    Xa = torch.cat([X, torch.ones(len(X), 1, device=X.device)], dim=1)  # (N, 3): the ones column adds b1
    yf, W1v = y.float(), W1a.view(S, 3, H * K)
    gens = [torch.Generator().manual_seed(seed) for seed in seeds]  # CPU: the same batches on every device
    lr_hk = lr.repeat(H)  # (H * K,): the lr of each column of W1v
    one = torch.ones((), device=X.device)
    for _ in range(num_epochs):
        perm = torch.stack([torch.randperm(len(X), generator=g) for g in gens]).to(X.device)  # (S, N)
        for xb, yb in zip(Xa[perm].split(batch_size, 1), yf[perm].split(batch_size, 1), strict=True):
            B = xb.shape[1]  # xb (S, B, 3), yb (S, B)
            # h = tanh(x W1 + b1) (S, B, H, K), written as 2 sigmoid(2a) - 1: equal, and torch.tanh
            # is several times slower than sigmoid on some CPUs.
            h = torch.sigmoid(torch.bmm(xb, W1v).mul_(2)).mul_(2).sub_(1).view(S, B, H, K)
            z = (h * W2[:, None]).sum(dim=2) + b2[:, None]  # (S, B, K) logits
            dz = (torch.sigmoid(z) - yb[..., None]) / B  # d(mean BCE)/dz, (S, B, K)
            dh = dz[:, :, None] * W2[:, None]  # (S, B, H, K): zero on padded units (W2 = 0 there)
            # back through tanh: da = dh * (1 - h^2), as addcmul (1 - h*h) then mul_ in the same buffer:
            # no temporaries to allocate, and 1 - h*h rounded once, as autograd's tanh backward does
            da = torch.addcmul(one, h, h, value=-1).mul_(dh)
            W1v.addcmul_(torch.bmm(xb.transpose(1, 2), da.reshape(S, B, H * K)), lr_hk, value=-1)
            W2.addcmul_((h * dz[:, :, None]).sum(dim=1), lr, value=-1)  # zero on padding (h = 0 there)
            b2.addcmul_(dz.sum(dim=1), lr, value=-1)
