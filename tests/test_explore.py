"""xorlib.figures.explore: snapshots, the animation's HTML, small multiples, the panel figure (no browser)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure

from tests.helpers import threads
from xorlib import plotting
from xorlib.classifier import SimpleClassifier
from xorlib.figures import explore

SETTINGS = dict(hidden=4, lr=0.5, std=0.1, num_epochs=7, batch_size=16, size=40)  # tiny: fast tests


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest.py; figures are closed there too


@pytest.fixture(scope="module")
def run():
    with threads(1):
        return explore.train_with_snapshots(**SETTINGS, seed=0, every=3)


def test_snapshots_every_few_epochs_plus_start_and_end(run) -> None:
    model, losses, snapshots = run
    assert isinstance(model, SimpleClassifier) and model.sizes["num_hidden"] == 4
    assert len(losses) == 7
    assert [epoch for epoch, _ in snapshots] == [0, 3, 6, 7]
    for _, prob in snapshots:
        assert prob.shape == (200, 200) and prob.dtype == torch.float32
        assert 0 <= prob.min() and prob.max() <= 1


def test_snapshots_repeat_for_a_seed_and_leave_the_global_rng_alone(run) -> None:
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    _, losses, snapshots = explore.train_with_snapshots(**SETTINGS, seed=0, every=3)
    assert torch.equal(torch.rand(2), expected)
    assert losses == run[1]
    assert all(torch.equal(a, b) for (_, a), (_, b) in zip(snapshots, run[2], strict=True))
    _, other, _ = explore.train_with_snapshots(**SETTINGS, seed=1, every=3)
    assert other != losses


def test_bad_settings_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="every"):
        explore.train_with_snapshots(**SETTINGS, every=0)
    with pytest.raises(TypeError, match="hidden"):
        explore.train_with_snapshots(**{**SETTINGS, "hidden": 2.5})
    with pytest.raises(ValueError, match="lr"):
        explore.train_with_snapshots(**{**SETTINGS, "lr": 0})
    with pytest.raises(ValueError, match="snapshot"):
        explore.boundary_animation([], *explore.make_data())


def test_animation_html_is_self_contained_and_deterministic(run) -> None:
    X, y = explore.make_data(std=0.1, seed=0, size=40)
    open_figures = plt.get_fignums()
    html = explore.animation_html(explore.boundary_animation(run[2], X, y))
    assert plt.get_fignums() == open_figures  # nothing left to show as a still image
    assert len(re.findall(r'frames\[\d+\] = "data:image/png;base64,', html)) == len(run[2])
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<link" not in html and 'class="fa' not in html
    assert 'value="once"' in html and re.search(r'value="once"\s+id="[^"]+"\s+checked', html)
    again = explore.animation_html(explore.boundary_animation(run[2], X, y))
    assert again == html


def test_animation_id_does_not_depend_on_the_pixels_of_its_frames(run) -> None:
    """Another processor may draw a frame a few pixels apart; the page's id (compared as text) stays."""
    X, y = explore.make_data(std=0.1, seed=0, size=40)
    html = explore.animation_html(explore.boundary_animation(run[2], X, y))
    reordered = explore.animation_html(explore.boundary_animation(run[2][::-1], X, y))
    frames = re.compile(r'"data:image/png;base64,[^"]+"')
    assert frames.findall(reordered) != frames.findall(html), "the frames themselves differ"
    ids = re.compile(r'id="_anim_img([0-9a-f]+)"')
    assert ids.findall(reordered) == ids.findall(html)
    fewer = explore.animation_html(explore.boundary_animation(run[2][1:], X, y))
    assert ids.findall(fewer) != ids.findall(html), "a page with other frames in number is another page"


def test_small_multiples_draws_one_axes_per_hidden_size() -> None:
    fig = explore.small_multiples([1, 3], lr=0.5, num_epochs=3, batch_size=16, size=40)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    assert [ax.get_title().split()[0] for ax in fig.axes] == ["1", "3"]


def test_explore_returns_boundary_and_loss_curve() -> None:
    fig = explore.explore(hidden=3, lr=0.5, std=0.2, num_epochs=4, batch_size=16, seed=2, size=40)
    assert isinstance(fig, Figure) and len(fig.axes) >= 2
    assert len(fig.axes[1].lines[0].get_xdata()) == 4  # one loss per epoch


class Inputs(HTMLParser):
    """The attributes of every <input> in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append(dict(attrs))


def test_animation_slider_has_an_accessible_name_and_plays_slowly(run) -> None:
    X, y = explore.make_data(std=0.1, seed=0, size=40)
    html = explore.animation_html(explore.boundary_animation(run[2], X, y))
    parser = Inputs()
    parser.feed(html)
    (slider,) = [i for i in parser.inputs if i.get("type") == "range"]
    assert slider.get("aria-label") == "Animation frame"
    interval = float(re.search(r"new Animation\(frames,\s*img_id,\s*slider_id,\s*([0-9.]+)", html).group(1))
    assert 8_000 <= 13 * interval <= 10_000, "chapter 11's 13 frames should play in 8-10 s"


def test_animation_titles_give_epoch_and_loss(run, monkeypatch) -> None:
    snapshots, losses = run[2], [0.11 * k for k in range(1, 8)]  # distinct: a wrong epoch shows
    X, y = explore.make_data(std=0.1, seed=0, size=40)
    figures, original = [], plotting.figure
    def recording_figure(*args, **kwargs):
        figures.append(original(*args, **kwargs))
        return figures[-1]
    monkeypatch.setattr(explore.plotting, "figure", recording_figure)
    for given, last_title in ((losses, "epoch 7, loss 0.77"), (None, "epoch 7")):
        explore.animation_html(explore.boundary_animation(snapshots, X, y, losses=given))
        assert figures[-1][1].get_title() == last_title  # rendering ends on the last frame
