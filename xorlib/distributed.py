"""Data-parallel training across processes, introduced in chapter 12 (``12_going_further``).

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
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from xorlib import _checks
from xorlib.classifier import SimpleClassifier
from xorlib.xordata import check_xy


def share(X: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """Rows ``rank * b : (rank + 1) * b`` of ``X``, with ``b = len(X) // world_size``. Shape: (b, ...)."""
    if len(X) % world_size:
        raise ValueError(f"a batch of {len(X)} cannot be split evenly among {world_size} processes")
    b = len(X) // world_size
    return X[rank * b:(rank + 1) * b]


def train_steps(model: nn.Module, X: torch.Tensor, y: torch.Tensor, steps: int, batch_size: int,
                lr: float, rank: int = 0, world_size: int = 1) -> None:
    """SGD on batches taken in order from (X, y) (wrapping around); this process uses its share."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()  # the mean over this process's share of the batch
    for step in range(steps):
        rows = torch.arange(step * batch_size, (step + 1) * batch_size) % len(X)
        xb, yb = share(X[rows], rank, world_size), share(y[rows], rank, world_size)
        loss = loss_fn(model(xb).squeeze(1), yb.float())
        optimizer.zero_grad()
        loss.backward()  # under DDP: gradients all-reduced (averaged) across processes here
        optimizer.step()


def worker(rank: int, world_size: int, port: int, X: torch.Tensor, y: torch.Tensor, steps: int,
           batch_size: int, lr: float, seed: int, out: str) -> None:
    """One process of ``train_ddp`` (started by torch.multiprocessing, importable from Jupyter)."""
    loopback = next(name for _, name in socket.if_nameindex() if name.startswith("lo"))
    os.environ.setdefault("GLOO_SOCKET_IFNAME", loopback)  # gloo talks over loopback only
    torch.set_num_threads(1)  # one core per process
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size)
    try:
        torch.manual_seed(seed)  # the same initial weights in every process (DDP checks this too)
        model = DistributedDataParallel(SimpleClassifier())
        train_steps(model, X, y, steps, batch_size, lr, rank, world_size)
        torch.save(model.module.state_dict(), Path(out) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()  # always, so a failed run leaves no group behind


def free_port() -> int:
    """A TCP port that is free on the loopback address, for the processes to meet at."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # port 0: the system picks a free one
        return s.getsockname()[1]


def train_ddp(X: torch.Tensor, y: torch.Tensor, steps: int = 20, batch_size: int = 64, lr: float = 0.1,
              seed: int = 0, world_size: int = 2) -> list[dict[str, torch.Tensor]]:
    """Train ``SimpleClassifier`` with DDP in ``world_size`` processes; each process's final weights.

    Shape: X (N, 2) float, y (N,) of 0/1. Each batch of ``batch_size`` rows is split evenly.
    """
    check_xy(X, y, num_inputs=2)
    steps, batch_size = _checks.positive_int("steps", steps), _checks.positive_int("batch_size", batch_size)
    world_size = _checks.positive_int("world_size", world_size)
    share(torch.empty(batch_size), 0, world_size)  # fail here, not in every process
    port = free_port()
    with tempfile.TemporaryDirectory() as out:
        mp.spawn(worker, args=(world_size, port, X, y, steps, batch_size, lr, seed, out), nprocs=world_size)
        return [torch.load(Path(out) / f"rank{r}.pt", weights_only=True) for r in range(world_size)]


def train_one(X: torch.Tensor, y: torch.Tensor, steps: int = 20, batch_size: int = 64, lr: float = 0.1,
              seed: int = 0, rank: int = 0, world_size: int = 1) -> dict[str, torch.Tensor]:
    """The same training in this process alone, on share ``rank`` of each batch (all of it by default)."""
    check_xy(X, y, num_inputs=2)
    torch.manual_seed(seed)
    model = SimpleClassifier()
    train_steps(model, X, y, steps, batch_size, lr, rank, world_size)
    return model.state_dict()


def max_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    """The largest absolute difference between two state dicts with the same keys and shapes."""
    if a.keys() != b.keys():
        raise ValueError(f"different parameters: {sorted(a)} and {sorted(b)}")
    return max((a[k] - b[k]).abs().max().item() for k in a)
