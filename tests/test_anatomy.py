"""The network diagram and the linear models of chapter 3 (xorlib.figures.anatomy)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.patches import Circle
from torch import nn

from xorlib import SimpleClassifier, XORDataset
from xorlib.figures import anatomy


@pytest.fixture(autouse=True)
def _no_figures_left():
    yield
    plt.close("all")


def texts(ax: plt.Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("sizes", [(2, 4, 1), (3, 5, 1), (2, 7, 3)])
def test_the_diagram_has_one_unit_per_feature_and_one_edge_per_weight(sizes: tuple[int, int, int]) -> None:
    ax = anatomy.draw_network(SimpleClassifier(*sizes))
    units = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(units) == sum(sizes)
    assert len(ax.lines) == sizes[0] * sizes[1] + sizes[1] * sizes[2]
    labels = texts(ax)
    assert [f"$x_{{{i}}}$" for i in range(1, sizes[0] + 1)] == [t for t in labels if t.startswith("$x")]
    assert [f"$h_{{{i}}}$" for i in range(1, sizes[1] + 1)] == [t for t in labels if t.startswith("$h")]
    assert "hidden (tanh)" in labels and "input" in labels and "output" in labels
    assert f"linear1.weight\n({sizes[1]}, {sizes[0]})" in labels, labels
    outputs = ["logit"] if sizes[2] == 1 else [f"logit {i}" for i in range(1, sizes[2] + 1)]
    assert [t for t in labels if t.startswith("logit")] == outputs


def test_columns_are_centred_and_units_do_not_overlap() -> None:
    ax = anatomy.draw_network(SimpleClassifier(3, 5, 1))
    columns: dict[float, list[float]] = {}
    for unit in ax.patches:
        columns.setdefault(unit.center[0], []).append(unit.center[1])
    assert [len(v) for _, v in sorted(columns.items())] == [3, 5, 1]
    for heights in columns.values():
        assert sum(heights) == pytest.approx(0)  # each column centred on the same line
        assert all(a - b >= 2 * anatomy.RADIUS for a, b in zip(heights, heights[1:], strict=False))


def test_sequential_models_and_their_activations_are_read() -> None:
    ax = anatomy.draw_network(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(),
                                            nn.Linear(3, 1), nn.Sigmoid()))
    assert len(ax.patches) == 2 + 3 + 3 + 1 and len(ax.lines) == 6 + 9 + 3
    assert [t for t in texts(ax) if t.startswith("hidden")] == ["hidden (relu)", "hidden (tanh)"]
    assert "output" in texts(ax)
    layers = anatomy._linear_layers(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid()))
    assert [(name, act) for name, _, act in layers] == [("0", "relu"), ("2", "")]  # sigmoid: not hidden
    bare = anatomy.draw_network(nn.Linear(2, 1))  # logistic regression: no hidden column
    assert len(bare.patches) == 3 and len(bare.lines) == 2 and "weight\n(1, 2)" in texts(bare)


def test_an_existing_axes_is_drawn_on() -> None:
    _, ax = plt.subplots()
    assert anatomy.draw_network(SimpleClassifier(), ax=ax) is ax


@pytest.mark.parametrize("bad", [SimpleClassifier, torch.ones(2, 2), "2-4-1", None])
def test_not_a_model_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module instance .*got"):
        anatomy.draw_network(bad)


@pytest.mark.parametrize(("model", "message"), [
    (nn.Tanh(), "Tanh has no nn.Linear layer to draw"),
    (nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), "0 gives 3 outputs but 1 takes 4 inputs"),
    (SimpleClassifier(2, 33, 1), "at most 32 units per layer, got sizes \\[2, 33, 1\\]"),
])
def test_models_that_cannot_be_drawn_say_why(model: nn.Module, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        anatomy.draw_network(model)


def test_the_product_feature_makes_the_xor_labels_a_linear_function_of_the_corners() -> None:
    corners = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    features = anatomy.ProductFeature()(corners)  # (4, 3)
    assert features.tolist() == [[0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 1]]
    assert (features @ torch.tensor([1.0, 1.0, -2.0])).tolist() == [0, 1, 1, 0]  # XOR, linearly
    X = torch.randn(5, 2)
    assert torch.equal(anatomy.ProductFeature()(X)[:, 2], X[:, 0] * X[:, 1])


@pytest.mark.parametrize(("bad", "error"), [([[0.0, 1.0]], TypeError), (torch.ones(4, 3), ValueError),
                                            (torch.ones(2), ValueError)])
def test_the_product_feature_refuses_other_shapes(bad: object, error: type) -> None:
    with pytest.raises(error, match=r"expected .*shape \(N, 2\), got"):
        anatomy.ProductFeature()(bad)


def test_compare_boundaries_draws_one_panel_per_model_and_one_legend() -> None:
    ds = XORDataset(40, seed=0)
    torch.manual_seed(0)
    models = {"line": nn.Linear(2, 1), "product": nn.Sequential(anatomy.ProductFeature(), nn.Linear(3, 1))}
    fig = anatomy.compare_boundaries(models, ds.X, ds.y)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["line", "product"]
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.legends) == 1
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["class 0", "class 1"]
    assert len(fig.axes) == 3  # two panels and the colour bar
    fig.canvas.draw()
    legend_box = fig.legends[0].get_window_extent()
    assert all(not legend_box.overlaps(ax.get_window_extent()) for ax in panels)  # covers no data


@pytest.mark.parametrize(("models", "X", "error"), [
    ({}, None, TypeError), ([nn.Linear(2, 1)], None, TypeError), ({"a": SimpleClassifier}, None, TypeError),
    ({"a": nn.Linear(2, 1)}, torch.ones(4, 3), ValueError)])
def test_compare_boundaries_refuses_bad_input(models: object, X: object, error: type) -> None:
    ds = XORDataset(4, seed=0)
    with pytest.raises(error):
        anatomy.compare_boundaries(models, ds.X if X is None else X, ds.y)
