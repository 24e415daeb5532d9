"""Data-parallel training across processes, introduced in chapter 13 (``13_going_further``).

Every process holds a whole copy of the model and takes its share of each batch.
``DistributedDataParallel`` (DDP) averages the gradients of all processes (an all-reduce)
during ``backward()``, so every copy takes the step one process would take on the whole
batch. Here the processes run on this machine and talk over the loopback address only,
with the gloo backend (CPU); on GPUs it is nccl, one process per GPU, started by torchrun.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Mapping
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from xorlib import _checks
from xorlib.classifier import SimpleClassifier

__all__ = ["MAX_WORLD_SIZE", "max_difference", "train_ddp", "train_one"]

MAX_WORLD_SIZE = 16  # processes; each is a Python with torch loaded (~0.3 GB), one core each


def _share(X: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """Rows ``rank * b : (rank + 1) * b`` of ``X``, with ``b = len(X) // world_size``. Shape: (b, ...)."""
    if len(X) % world_size:
        raise ValueError(f"a batch of {len(X)} cannot be split evenly among {world_size} processes")
    b = len(X) // world_size
    return X[rank * b:(rank + 1) * b]


def _check(X: torch.Tensor, y: torch.Tensor, steps: int, batch_size: int, lr: float, seed: int,
           world_size: int) -> tuple[torch.Tensor, torch.Tensor, int, int, float, int, int]:
    """The arguments of ``train_ddp`` and ``train_one`` checked, ``X`` as float32 on the CPU."""
    _checks.check_xy(X, y, num_inputs=2)
    if X.device.type != "cpu" or y.device.type != "cpu":
        raise ValueError(f"X and y must be on the CPU (the gloo backend), got {X.device} and {y.device}; "
                         "pass X.cpu() and y.cpu()")
    steps, batch_size = _checks.positive_int("steps", steps), _checks.positive_int("batch_size", batch_size)
    if batch_size > len(X):
        raise ValueError(f"batch_size must be at most len(X) = {len(X)} (a batch would repeat samples), "
                         f"got {batch_size}")
    lr, seed = _checks.number("lr", lr), _checks.seed("seed", seed)
    world_size = _checks.positive_int("world_size", world_size, MAX_WORLD_SIZE,
                                      "each process is a Python with torch loaded, ~0.3 GB")
    _share(torch.empty(batch_size), 0, world_size)  # fail here, not in every process
    return X.detach().float(), y.detach(), steps, batch_size, lr, seed, world_size


def _train_steps(model: nn.Module, X: torch.Tensor, y: torch.Tensor, steps: int, batch_size: int,
                 lr: float, rank: int = 0, world_size: int = 1) -> None:
    """SGD on batches taken in order from (X, y) (wrapping around); this process uses its share."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()  # the mean over this process's share of the batch
    for step in range(steps):
        rows = torch.arange(step * batch_size, (step + 1) * batch_size) % len(X)
        xb, yb = _share(X[rows], rank, world_size), _share(y[rows], rank, world_size)
        loss = loss_fn(model(xb).squeeze(1), yb.float())
        optimizer.zero_grad()
        loss.backward()  # under DDP: gradients all-reduced (averaged) across processes here
        optimizer.step()


def _worker(rank: int, world_size: int, port: int, X: torch.Tensor, y: torch.Tensor, steps: int,
            batch_size: int, lr: float, seed: int, out: str) -> None:
    """One process of ``train_ddp`` (started by torch.multiprocessing, importable from Jupyter)."""
    loopback = next(name for _, name in socket.if_nameindex() if name.startswith("lo"))
    os.environ.setdefault("GLOO_SOCKET_IFNAME", loopback)  # gloo talks over loopback only
    torch.set_num_threads(1)  # one core per process
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size)
    try:
        torch.manual_seed(seed)  # the same initial weights in every process (DDP checks this too)
        model = DistributedDataParallel(SimpleClassifier())
        _train_steps(model, X, y, steps, batch_size, lr, rank, world_size)
        torch.save(model.module.state_dict(), Path(out) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()  # always, so a failed run leaves no group behind


def _free_port() -> int:
    """A TCP port that is free on the loopback address, for the processes to meet at."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # port 0: the system picks a free one
        return s.getsockname()[1]


def train_ddp(X: torch.Tensor, y: torch.Tensor, steps: int = 20, batch_size: int = 64, lr: float = 0.1,
              seed: int = 0, world_size: int = 2) -> list[dict[str, torch.Tensor]]:
    """Train ``SimpleClassifier`` with DDP in ``world_size`` processes; each process's final weights.

    Step ``s`` takes rows ``s * batch_size`` to ``(s + 1) * batch_size`` of ``X`` (wrapping
    around), and each process takes its even share of them. Every argument is checked here,
    before any process starts.

    Args:
        X: training inputs, on the CPU (converted to float32).
        y: training labels.
        steps: SGD steps.
        batch_size: rows per step, at most ``len(X)`` and divisible by ``world_size``.
        lr: SGD learning rate, >= 0 (0 takes no step).
        seed: seed of the initial weights, the same in every process.
        world_size: processes, 1 to ``MAX_WORLD_SIZE``.

    Returns:
        One ``state_dict`` per process (all equal: DDP keeps the copies in step).

    Shape:
        - ``X``: ``(N, 2)`` floats.
        - ``y``: ``(N,)`` of 0/1.

    Example::

        >>> import xorlib
        >>> from xorlib import distributed
        >>> data = xorlib.XORDataset(64, seed=0)
        >>> ranks = distributed.train_ddp(data.X, data.y, steps=2, batch_size=16, world_size=2)
        >>> len(ranks), distributed.max_difference(*ranks)
        (2, 0.0)
    """
    X, y, steps, batch_size, lr, seed, world_size = _check(X, y, steps, batch_size, lr, seed, world_size)
    port = _free_port()
    with tempfile.TemporaryDirectory() as out:
        mp.spawn(_worker, args=(world_size, port, X, y, steps, batch_size, lr, seed, out), nprocs=world_size)
        return [torch.load(Path(out) / f"rank{r}.pt", weights_only=True) for r in range(world_size)]


def train_one(X: torch.Tensor, y: torch.Tensor, steps: int = 20, batch_size: int = 64, lr: float = 0.1,
              seed: int = 0, rank: int = 0, world_size: int = 1) -> dict[str, torch.Tensor]:
    """The same training in this process alone, on share ``rank`` of each batch (all of it by default).

    Args:
        X, y, steps, batch_size, lr, seed: as for ``train_ddp``.
        rank: which share of each batch to train on, 0 to ``world_size - 1``.
        world_size: how many shares each batch is cut into.

    Returns:
        The final ``state_dict``.

    Shape:
        - ``X``: ``(N, 2)`` floats.
        - ``y``: ``(N,)`` of 0/1.

    Example::

        >>> import xorlib
        >>> from xorlib import distributed
        >>> data = xorlib.XORDataset(64, seed=0)
        >>> state = distributed.train_one(data.X, data.y, steps=2, batch_size=16)
        >>> sorted(state), tuple(state["linear1.weight"].shape)
        (['linear1.bias', 'linear1.weight', 'linear2.bias', 'linear2.weight'], (4, 2))
    """
    X, y, steps, batch_size, lr, seed, world_size = _check(X, y, steps, batch_size, lr, seed, world_size)
    rank = _checks.non_negative_int("rank", rank)
    if rank >= world_size:
        raise ValueError(f"rank must be below world_size = {world_size}, got {rank}")
    torch.manual_seed(seed)
    model = SimpleClassifier()
    _train_steps(model, X, y, steps, batch_size, lr, rank, world_size)
    return model.state_dict()


def max_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    """The largest absolute difference between two state dicts with the same keys and shapes.

    Args:
        a, b: state dicts, e.g. from ``train_ddp`` or ``train_one``.

    Returns:
        ``max |a[k] - b[k]|`` over every key and entry.

    Example::

        >>> import torch
        >>> from xorlib.distributed import max_difference
        >>> max_difference({"w": torch.tensor([1.0, 2.0])}, {"w": torch.tensor([1.0, 2.5])})
        0.5
    """
    for name, d in (("a", a), ("b", b)):
        if not isinstance(d, Mapping) or not d or not all(isinstance(v, torch.Tensor) for v in d.values()):
            raise TypeError(f"{name} must be a non-empty state dict {{name: tensor}}, got {type(d).__name__}")
    if a.keys() != b.keys():
        raise ValueError(f"different parameters: {sorted(a)} and {sorted(b)}")
    shapes = [f"{k}: {tuple(a[k].shape)} vs {tuple(b[k].shape)}" for k in a if a[k].shape != b[k].shape]
    if shapes:
        raise ValueError("different shapes: " + "; ".join(shapes))
    return max((a[k].detach().cpu() - b[k].detach().cpu()).abs().max().item() for k in a)
