"""Chapter 1's maths: gradients worked out by hand agree with torch's autograd."""

from __future__ import annotations

import torch


def f(x: torch.Tensor) -> torch.Tensor:
    """The chapter's function: mean((x + 2)^2 + 3)."""
    return ((x + 2) ** 2 + 3).mean()


def grad_f_by_hand(x: torch.Tensor) -> torch.Tensor:
    """d/dx_i of mean((x + 2)^2 + 3) = 2 (x_i + 2) / n."""
    return 2 * (x + 2) / x.numel()


def autograd(fn, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    fn(x).backward()
    return x.grad


def test_the_chapter_values() -> None:
    x = torch.arange(3, dtype=torch.float32, requires_grad=True)
    y = f(x)
    y.backward()
    assert torch.isclose(y, torch.tensor(38 / 3))  # (4 + 9 + 16) / 3 + 3 = 12.6667
    assert torch.allclose(x.grad, torch.tensor([4 / 3, 2.0, 8 / 3]))
    assert type(y.grad_fn).__name__ == "MeanBackward0"


def test_hand_gradient_matches_autograd_on_random_inputs() -> None:
    generator = torch.Generator().manual_seed(0)
    for n in (1, 3, 10, 100):
        x = torch.randn(n, generator=generator, dtype=torch.float64)
        assert torch.allclose(autograd(f, x), grad_f_by_hand(x))


def test_a_wrong_hand_gradient_is_caught() -> None:
    x = torch.randn(5, dtype=torch.float64)
    forgot_the_mean = 2 * (x + 2)  # a typical slip: no 1/n
    assert not torch.allclose(autograd(f, x), forgot_the_mean)


def test_gradients_accumulate_until_cleared() -> None:
    x = torch.arange(3, dtype=torch.float32, requires_grad=True)
    f(x).backward()
    f(x).backward()
    assert torch.allclose(x.grad, 2 * grad_f_by_hand(x.detach()))
    x.grad.zero_()
    f(x).backward()
    assert torch.allclose(x.grad, grad_f_by_hand(x.detach()))
