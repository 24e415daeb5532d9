"""Properties of XORDataset that hold for every size, noise level and seed (checked with hypothesis)."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from xorlib import XORDataset

FAST = settings(max_examples=40, deadline=None, database=None)  # database=None: no .hypothesis folder
sizes = st.integers(min_value=1, max_value=400)
seeds = st.integers(min_value=0, max_value=2**31 - 1)
# 0.05 puts the rounding boundary (0.5 away) ten standard deviations out: never crossed in practice.
small_stds = st.floats(min_value=0.0, max_value=0.05, allow_nan=False)


def xor(corners: torch.Tensor) -> torch.Tensor:
    """``a XOR b`` for each row ``(a, b)`` of 0/1 corners ``(N, 2)``, as int64 ``(N,)``."""
    a, b = corners.long().unbind(dim=1)
    return a ^ b


@FAST
@given(size=sizes, seed=seeds)
def test_without_noise_points_are_corners_labelled_by_xor(size: int, seed: int) -> None:
    data = XORDataset(size, std=0.0, seed=seed)
    assert ((data.X == 0) | (data.X == 1)).all()
    assert torch.equal(data.y, xor(data.X))


@FAST
@given(size=sizes, std=small_stds, seed=seeds)
def test_rounding_noisy_points_recovers_corners_and_labels(size: int, std: float, seed: int) -> None:
    data = XORDataset(size, std=std, seed=seed)
    corners = data.X.round()
    assert ((corners == 0) | (corners == 1)).all()
    assert (data.X - corners).abs().max() <= 10 * std + 1e-6  # the noise is on the scale of std
    assert torch.equal(data.y, xor(corners))


@FAST
@given(size=sizes, std=st.floats(min_value=0.0, max_value=2.0), seed=st.none() | seeds)
def test_shapes_dtypes_and_items(size: int, std: float, seed: int | None) -> None:
    data = XORDataset(size, std=std, seed=seed)
    assert len(data) == size
    assert data.X.shape == (size, 2) and data.X.dtype == torch.float32
    assert data.y.shape == (size,) and data.y.dtype == torch.int64
    assert set(data.y.unique().tolist()) <= {0, 1}
    x0, y0 = data[0]
    assert x0.shape == (2,) and y0.shape == ()


@FAST
@given(size=sizes, std=st.floats(min_value=0.0, max_value=1.0), seed=seeds)
def test_same_seed_gives_identical_data(size: int, std: float, seed: int) -> None:
    a, b = XORDataset(size, std=std, seed=seed), XORDataset(size, std=std, seed=seed)
    assert torch.equal(a.X, b.X) and torch.equal(a.y, b.y)


@FAST
@given(size=st.integers(min_value=20, max_value=400), std=st.floats(min_value=0.0, max_value=1.0),
       seeds=st.lists(seeds, min_size=2, max_size=2, unique=True))
def test_different_seeds_give_different_data(size: int, std: float, seeds: list[int]) -> None:
    # Even without noise, 20 random corners agree by chance with probability 4**-20.
    a, b = (XORDataset(size, std=std, seed=s) for s in seeds)
    assert not (torch.equal(a.X, b.X) and torch.equal(a.y, b.y))


@FAST
@given(seed=seeds)
def test_seeded_dataset_leaves_global_rng_alone(seed: int) -> None:
    before = torch.random.get_rng_state()
    XORDataset(50, seed=seed)
    assert torch.equal(torch.random.get_rng_state(), before)


@FAST
@given(size=sizes, std=st.floats(min_value=0.0, max_value=2.0), seed=seeds)
def test_seeded_data_is_corners_then_noise_from_the_seeds_generator(size: int, std: float, seed: int) -> None:
    # The documented recipe, drawn in this order: the chapters' numbers depend on it not drifting.
    g = torch.Generator().manual_seed(seed)
    corners = torch.randint(0, 2, (size, 2), generator=g).float()
    noise = torch.randn(size, 2, generator=g)
    data = XORDataset(size, std=std, seed=seed)
    assert torch.equal(data.X, corners + std * noise) and torch.equal(data.y, xor(corners))
