"""xorlib.distributed: two processes with DDP take the steps one process takes on whole batches."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.distributed as dist

import xorlib
from xorlib import distributed

DATA = xorlib.XORDataset(256, std=0.1, seed=3)


def test_two_processes_end_where_one_process_ends() -> None:
    ranks = distributed.train_ddp(DATA.X, DATA.y, steps=12, batch_size=32, lr=0.5, seed=1)
    alone = distributed.train_one(DATA.X, DATA.y, steps=12, batch_size=32, lr=0.5, seed=1)
    assert len(ranks) == 2
    assert distributed.max_difference(ranks[0], ranks[1]) == 0  # every copy took the same steps
    assert distributed.max_difference(ranks[0], alone) < 1e-6  # ... the steps of the whole batch
    start = distributed.train_one(DATA.X, DATA.y, steps=1, batch_size=32, lr=0.0, seed=1)
    assert distributed.max_difference(alone, start) > 0.05  # and training moved the weights


def test_without_averaging_the_copies_drift_apart() -> None:
    halves = [distributed.train_one(DATA.X, DATA.y, 12, 32, 0.5, 1, rank, 2) for rank in range(2)]
    assert distributed.max_difference(*halves) > 0.01


def test_a_failing_process_leaves_no_process_group(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Invalid learning rate"):  # SGD refuses lr < 0 after the group is up
        distributed._worker(0, 1, distributed._free_port(), DATA.X, DATA.y, 1, 8, -1.0, 0, str(tmp_path))
    assert not dist.is_initialized()


def test_a_batch_that_does_not_split_evenly_is_refused() -> None:
    with pytest.raises(ValueError, match="a batch of 33 cannot be split evenly among 2 processes"):
        distributed.train_ddp(DATA.X, DATA.y, batch_size=33)
    with pytest.raises(ValueError, match="world_size must be a positive integer"):
        distributed.train_ddp(DATA.X, DATA.y, world_size=0)
    assert torch.equal(distributed._share(torch.arange(6), 1, 3), torch.tensor([2, 3]))


def test_max_difference_needs_the_same_parameters() -> None:
    with pytest.raises(ValueError, match="different parameters"):
        distributed.max_difference({"a": torch.zeros(1)}, {"b": torch.zeros(1)})
