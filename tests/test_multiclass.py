"""xorlib.figures.multiclass (chapter 12): four classes from XOR's points, their maps, counts, dead units."""

from __future__ import annotations

import pytest
import torch
from matplotlib.colors import to_rgba
from torch import nn

from xorlib import SimpleClassifier, XORDataset, plotting
from xorlib.figures import multiclass


def quadrants() -> nn.Linear:
    """A hand-set model whose class is the quadrant around (0.5, 0.5), numbered like the corners (2a + b)."""
    model = nn.Linear(2, 4)
    signs = torch.tensor([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])  # (a, b) -> (2a-1, 2b-1)
    with torch.no_grad():
        model.weight.copy_(signs)
        model.bias.copy_(-0.5 * signs.sum(dim=1))  # logit_k = s_k . (x - 0.5)
    return model


# --- CornerDataset ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("size", "std", "seed"),
                         [(2500, 0.1, 1), (500, 0.35, 2), (1, 0.0, 0), (7, 0.2, 2**40)])
def test_corner_dataset_has_xors_points_and_splits_its_classes(size, std, seed) -> None:
    data, xor = multiclass.CornerDataset(size, std=std, seed=seed), XORDataset(size, std=std, seed=seed)
    assert torch.equal(data.X, xor.X)
    assert data.y.dtype == torch.int64 and data.y.shape == (size,)
    assert set(data.y.tolist()) <= {0, 1, 2, 3}
    assert torch.equal(((data.y == 1) | (data.y == 2)).long(), xor.y)  # XOR's class 1 is classes 1 and 2


def test_each_class_sits_at_its_corner() -> None:
    data = multiclass.CornerDataset(4000, std=0.1, seed=3)
    for k, corner in enumerate([(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]):  # class 2a + b
        centre = data.X[data.y == k].mean(dim=0)
        assert torch.allclose(centre, torch.tensor(corner), atol=0.02), (k, centre)
    clean = multiclass.CornerDataset(50, std=0.0, seed=0)
    assert torch.equal(clean.y, (2 * clean.X[:, 0] + clean.X[:, 1]).long())


def test_corner_dataset_is_a_dataset_with_its_own_name() -> None:
    data = multiclass.CornerDataset(10, std=0.2, seed=5)
    x, y = data[3]
    assert x.shape == (2,) and y.shape == () and y.item() == data.y[3].item()
    assert len(data) == 10 and repr(data) == "CornerDataset(size=10, std=0.2)"


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"seed": None}, TypeError, "seed must be an integer"),
    ({"seed": "1"}, TypeError, "seed must be an integer"),
    ({"seed": -1}, ValueError, "seed must be >= 0"),
    ({"seed": 1.5}, TypeError, "seed"),
    ({"size": 0}, ValueError, "size must be a positive integer"),
    ({"std": -0.1}, ValueError, "std must be >= 0"),
])
def test_corner_dataset_refuses_bad_arguments(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        multiclass.CornerDataset(**{"size": 10, "std": 0.1, "seed": 0, **kwargs})


# --- colours ---------------------------------------------------------------------------------------

def test_the_palette_extends_the_courses_two_classes() -> None:
    assert multiclass.CLASS_COLORS[:2] == plotting.CLASS_COLORS  # class 0 blue, class 1 orange everywhere
    assert multiclass.MARKERS[:2] == plotting.MARKERS
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
    assert set(multiclass.CLASS_COLORS) <= okabe_ito and len(set(multiclass.CLASS_COLORS)) == 4
    assert len(set(multiclass.MARKERS)) == 4


# --- region_image and decision_regions -------------------------------------------------------------

def test_region_image_is_the_argmax_on_the_grid_with_rows_following_x2() -> None:
    image = multiclass.region_image(quadrants(), steps=5)  # axis -0.5, 0, 0.5, 1, 1.5
    assert image.shape == (5, 5) and image.dtype == torch.int64
    assert image[0, 0] == 0 and image[4, 4] == 3
    assert image[4, 0] == 1, "row 4 is x2 = 1.5 and column 0 is x1 = -0.5: corner (0, 1), class 1"
    assert image[0, 4] == 2, "row 0 is x2 = -0.5 and column 4 is x1 = 1.5: corner (1, 0), class 2"


def test_region_image_keeps_the_models_mode() -> None:
    model = nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    model.train()
    first, second = multiclass.region_image(model, 7), multiclass.region_image(model, 7)
    assert torch.equal(first, second), "evaluated in eval mode: dropout off"
    assert model.training


@pytest.mark.parametrize(("model", "match"), [
    (nn.Linear(2, 1), r"2 to 4 logits per point"),
    (nn.Linear(2, 5), r"2 to 4 logits per point"),
    (nn.Sequential(nn.Linear(2, 3), nn.Flatten(0)), r"one row of logits per point"),
])
def test_region_image_refuses_models_without_a_row_of_logits(model, match) -> None:
    with pytest.raises(ValueError, match=match):
        multiclass.region_image(model, 4)


@pytest.mark.parametrize(("steps", "error"), [(0, ValueError), (2_001, ValueError), (2.0, TypeError)])
def test_region_image_refuses_bad_steps(steps, error) -> None:
    with pytest.raises(error, match="steps"):
        multiclass.region_image(quadrants(), steps)


def test_region_image_refuses_what_is_not_a_model() -> None:
    with pytest.raises(TypeError, match="nn.Module"):
        multiclass.region_image(lambda x: x, 4)


def test_decision_regions_colours_each_class_by_its_colour() -> None:
    data = multiclass.CornerDataset(40, std=0.1, seed=0)
    fig = multiclass.decision_regions(quadrants(), data.X, data.y, title="quadrants")
    ax = fig.axes[0]
    assert ax.get_title() == "quadrants" and fig.dpi == plotting.DPI
    assert tuple(fig.get_size_inches()) == plotting.FIGSIZE and fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
    assert ax.get_xlim() == (plotting.LO, plotting.HI) and ax.get_ylim() == (plotting.LO, plotting.HI)
    image = ax.images[0]
    rgba = image.cmap(image.norm(image.get_array()))  # (200, 200, 4): the colour of each grid point
    for (row, col), k in (((10, 10), 0), ((190, 10), 1), ((10, 190), 2), ((190, 190), 3)):
        assert tuple(rgba[row, col]) == to_rgba(multiclass.CLASS_COLORS[k]), (row, col, k)
    assert len(ax.collections) >= 4 + 4, "an outline per region and a scatter per class"
    for collection, k in zip(ax.collections[-4:], range(4), strict=True):  # the samples, class by class
        assert tuple(collection.get_facecolor()[0]) == to_rgba(multiclass.CLASS_COLORS[k])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"class {k}" for k in range(4)]


def test_decision_regions_grows_its_square_until_every_sample_is_on_it() -> None:
    data = multiclass.CornerDataset(200, std=0.6, seed=0)  # some points far outside [-0.5, 1.5]^2
    low, high = data.X.min().item(), data.X.max().item()
    assert low < plotting.LO and high > plotting.HI
    ax = multiclass.decision_regions(quadrants(), data.X, data.y).axes[0]
    (lo, hi), extent = ax.get_xlim(), ax.images[0].get_extent()
    assert ax.get_ylim() == (lo, hi) and tuple(extent) == (lo, hi, lo, hi), "a square map, all of it shown"
    assert lo < low and high < hi, "every sample lies on the map"
    assert lo % 0.5 == 0 and hi % 0.5 == 0 and lo > low - 0.6 and hi < high + 0.6, "grown in steps of 0.5"
    image = ax.images[0].get_array()  # the quadrants model: class 2a + b around (0.5, 0.5)
    assert image[0, 0] == 0 and image[-1, -1] == 3 and image[-1, 0] == 1 and image[0, -1] == 2


def test_region_image_covers_the_square_it_is_given() -> None:
    image = multiclass.region_image(quadrants(), steps=5, lo=0.0, hi=4.0)  # axis 0, 1, 2, 3, 4
    assert image[0, 0] == 0 and image[1, 1] == 3, "(1, 1) lies above and right of (0.5, 0.5)"
    with pytest.raises(ValueError, match="lo must be below hi"):
        multiclass.region_image(quadrants(), 5, lo=1.0, hi=1.0)
    with pytest.raises(ValueError, match="lo must be finite"):
        multiclass.region_image(quadrants(), 5, lo=float("nan"))


def test_decision_regions_draws_into_given_axes_without_a_legend() -> None:
    data = multiclass.CornerDataset(20, std=0.1, seed=0)
    fig, axes = plotting.figure(1, 2, figsize=(7, 3.5))
    got = multiclass.decision_regions(SimpleClassifier(2, 8, 4), data.X, data.y, ax=axes[1], legend=False)
    assert got is fig and axes[1].get_legend() is None and not axes[0].images


def test_scatter_refuses_labels_it_has_no_colour_for() -> None:
    fig, ax = plotting.figure()
    with pytest.raises(ValueError, match="classes 0 to 3"):
        multiclass.scatter(ax, torch.zeros(3, 2), torch.tensor([0, 4, 1]))
    with pytest.raises(TypeError, match="integers"):
        multiclass.scatter(ax, torch.zeros(3, 2), torch.tensor([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        multiclass.scatter(ax, torch.zeros(3, 2), torch.tensor([0, 1]))


# --- confusion_matrix ------------------------------------------------------------------------------

def test_confusion_matrix_counts_true_rows_and_predicted_columns() -> None:
    y = torch.tensor([0, 0, 1, 2, 2, 2, 3])
    predictions = torch.tensor([0, 1, 1, 2, 2, 0, 1])
    counts = multiclass.confusion_matrix(y, predictions, 4)
    assert counts.tolist() == [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 1, 0, 0]]
    assert counts.dtype == torch.int64 and counts.sum() == len(y)


def test_confusion_matrix_agrees_with_a_loop_on_random_labels() -> None:
    generator = torch.Generator().manual_seed(0)
    y = torch.randint(0, 5, (300,), generator=generator)
    predictions = torch.randint(0, 5, (300,), generator=generator)
    counts = torch.zeros(5, 5, dtype=torch.long)
    for i, j in zip(y.tolist(), predictions.tolist(), strict=True):
        counts[i, j] += 1
    got = multiclass.confusion_matrix(y, predictions, 5)
    assert torch.equal(got, counts)
    assert got.trace().item() == (y == predictions).sum().item()
    assert torch.equal(got.sum(dim=1), torch.bincount(y, minlength=5)), "rows are the true classes"


@pytest.mark.parametrize(("y", "predictions", "error", "match"), [
    (torch.tensor([0, 1]), torch.tensor([0, 1, 1]), ValueError, r"predictions must have shape \(2,\)"),
    (torch.tensor([0.0, 1.0]), torch.tensor([0, 1]), TypeError, "y must hold class indices as integers"),
    (torch.tensor([0, 1]), torch.tensor([True, False]), TypeError, "predictions must hold class indices"),
    (torch.tensor([0, 4]), torch.tensor([0, 1]), ValueError, r"y must hold classes 0 to 3, found \[4\]"),
    (torch.tensor([0, 1]), torch.tensor([-1, 1]), ValueError, r"predictions must hold classes 0 to 3"),
    ([0, 1], torch.tensor([0, 1]), TypeError, "y must be a tensor"),
    (torch.tensor([[0, 1]]), torch.tensor([0, 1]), ValueError, r"y must have shape \(N,\)"),
])
def test_confusion_matrix_refuses_bad_labels(y, predictions, error, match) -> None:
    with pytest.raises(error, match=match):
        multiclass.confusion_matrix(y, predictions, 4)


def test_confusion_matrix_refuses_a_bad_number_of_classes() -> None:
    with pytest.raises(ValueError, match="num_classes"):
        multiclass.confusion_matrix(torch.tensor([0]), torch.tensor([0]), 0)


# --- dead_units ------------------------------------------------------------------------------------

def test_a_dead_unit_is_below_zero_at_every_sample_and_gets_no_gradient() -> None:
    X = multiclass.CornerDataset(200, std=0.1, seed=0).X
    layer = nn.Linear(2, 3)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]]))
        layer.bias.copy_(torch.tensor([0.1, -5.0, -4.0]))  # alive; below 0 everywhere; below 0 everywhere
    dead = multiclass.dead_units(layer, X)
    assert dead.tolist() == [False, True, True] and dead.dtype == torch.bool
    net = nn.Sequential(layer, nn.ReLU(), nn.Linear(3, 4))
    nn.CrossEntropyLoss()(net(X), torch.zeros(200, dtype=torch.long)).backward()
    assert (layer.weight.grad[dead] == 0).all() and (layer.weight.grad[~dead] != 0).any()


def test_a_unit_positive_at_a_single_sample_is_alive() -> None:
    layer = nn.Linear(1, 1)
    with torch.no_grad():
        layer.weight.fill_(1.0)
        layer.bias.fill_(-0.99)
    X = torch.tensor([[0.0], [0.5], [1.0]])  # inputs -0.99, -0.49, 0.01
    assert multiclass.dead_units(layer, X).tolist() == [False]
    assert multiclass.dead_units(layer, X[:2]).tolist() == [True]


def test_a_unit_exactly_zero_everywhere_is_dead() -> None:
    layer = nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.zero_()
        layer.bias.zero_()  # input 0 at every sample: ReLU gives 0 and torch's slope of ReLU at 0 is 0
    assert multiclass.dead_units(layer, torch.rand(4, 2)).tolist() == [True]


def test_dead_units_converts_the_samples_and_keeps_no_graph() -> None:
    layer = nn.Linear(2, 4).double()
    dead = multiclass.dead_units(layer, torch.rand(5, 2))  # float32 samples, a float64 layer
    assert dead.shape == (4,) and not dead.requires_grad


@pytest.mark.parametrize(("layer", "X", "error", "match"), [
    (nn.Tanh(), torch.zeros(3, 2), TypeError, r"nn.Linear layer in front of the activation"),
    (nn.Sequential(nn.Linear(2, 2)), torch.zeros(3, 2), TypeError, r"model\[0\] of an nn.Sequential"),
    (nn.Linear(2, 3), torch.zeros(3, 5), ValueError, "5 features per sample but the model expects 2"),
    (nn.Linear(2, 3), torch.zeros(3, 2, dtype=torch.long), TypeError, "floating-point"),
    (nn.Linear(2, 3), [[0.0, 0.0]], TypeError, "X must be a tensor"),
])
def test_dead_units_refuses_bad_input(layer, X, error, match) -> None:
    with pytest.raises(error, match=match):
        multiclass.dead_units(layer, X)
