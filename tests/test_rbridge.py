"""xorlib.rbridge.to_r: the values and shape that the R appendix rebuilds its matrices from."""

from __future__ import annotations

import pytest
import torch

from xorlib import rbridge


def rebuilt(values: list, shape: list[int]) -> torch.Tensor:
    """What R's matrix(..., byrow = TRUE) / array does with the flat values, done in torch."""
    return torch.tensor(values).reshape(shape)


@pytest.mark.parametrize("shape", [(), (1,), (5,), (3, 2), (2, 3, 4)])
def test_values_are_row_major_and_rebuild_the_tensor(shape: tuple[int, ...]) -> None:
    t = torch.arange(torch.Size(shape).numel(), dtype=torch.float32).reshape(shape) * 0.5 - 1
    out = rbridge.to_r(t)
    assert out["shape"] == list(shape)
    assert len(out["values"]) == t.numel()
    assert torch.equal(rebuilt(out["values"], out["shape"]), t)


def test_row_major_even_for_a_transposed_view() -> None:
    t = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).T  # (3, 2), column-major in memory
    assert rbridge.to_r(t) == {"values": [1.0, 4.0, 2.0, 5.0, 3.0, 6.0], "shape": [3, 2]}


def test_plain_python_numbers_of_the_matching_kind() -> None:
    out = rbridge.to_r(torch.tensor([0, 1, 1]))  # int64 labels become R integers
    assert out == {"values": [0, 1, 1], "shape": [3]}
    assert all(type(v) is int for v in out["values"])
    assert all(type(v) is bool for v in rbridge.to_r(torch.tensor([True, False]))["values"])
    assert all(type(v) is float for v in rbridge.to_r(torch.ones(2, dtype=torch.float64))["values"])


def test_detached_copy_that_shares_nothing() -> None:
    w = torch.ones(2, 2, requires_grad=True)
    out = rbridge.to_r(w * 2)  # a tensor in an autograd graph
    assert out["values"] == [2.0] * 4
    t = torch.zeros(3)
    values = rbridge.to_r(t)["values"]
    t.add_(1)
    assert values == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(("bad", "error", "match"), [
    ([[1.0, 2.0]], TypeError, "expects a torch.Tensor, got list"),
    (torch.ones(2).numpy(), TypeError, "got ndarray"),
    (torch.ones(2, dtype=torch.complex64), TypeError, "real and boolean tensors, got dtype torch.complex64"),
    (torch.empty(rbridge.MAX_VALUES + 1, dtype=torch.bool), ValueError, r"at most 10,000,000 values"),
])
def test_bad_input_says_what_was_expected(bad: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        rbridge.to_r(bad)
