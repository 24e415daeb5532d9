"""Helpers that several test files share: one definition each, imported where needed.

The fixtures that go with them live in the root ``conftest.py``: every test's figures are closed
after it (autouse), and ``one_thread`` runs a test on one torch thread.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import torch
from torch import nn

from tests.ci import in_ci  # the tests read CI one way


def exactly(message: str) -> str:
    """A ``match`` pattern for this whole message and nothing around it."""
    return f"^{re.escape(message)}$"


def weights(model: nn.Module) -> list[torch.Tensor]:
    """Copies of ``model``'s parameters, in order: what they were before a step changes them."""
    return [p.detach().clone() for p in model.parameters()]


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    """Whether the two models hold the same state: the same keys and bit-for-bit equal tensors."""
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def fake_accelerator(monkeypatch: pytest.MonkeyPatch, kind: str | None, count: int = 1) -> None:
    """Pretend this machine's accelerator is ``kind`` (None: it has none) with ``count`` devices."""
    found = torch.device(kind) if kind else None
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda check_available=False: found)
    monkeypatch.setattr(torch.accelerator, "device_count", lambda: count if kind else 0)


@contextmanager
def threads(count: int) -> Iterator[None]:
    """torch's intra-op thread count set to ``count`` inside the block, and restored after it."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def skip_or_fail(reason: str, required_by: str) -> None:
    """Skip with ``reason``; fail with it in CI or where ``required_by`` (a variable's name) is 1."""
    if in_ci() or os.environ.get(required_by) == "1":
        pytest.fail(f"{reason} (required here: CI is set, or {required_by}=1)", pytrace=False)
    pytest.skip(reason)
