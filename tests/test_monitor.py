"""xorlib.monitor: what SummaryWriter logs comes back from the event files, and is drawn."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch
from torch.utils.tensorboard import SummaryWriter

from xorlib import monitor, plotting


def log_run(logdir: Path) -> dict[str, list[float]]:
    """Log two scalars for 5 epochs and one figure; return what was logged."""
    logged = {"loss/train": [0.7, 0.5, 0.3, 0.2, 0.1 + 1e-9], "accuracy/train": [0.5, 0.6, 0.8, 0.9, 1.0]}
    with SummaryWriter(logdir) as writer:
        for step in (3, 0, 1, 2, 4):  # out of order: read_scalars sorts by step
            for tag, values in logged.items():
                writer.add_scalar(tag, values[step], step)
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        writer.add_figure("boundary", fig, 4)
    return logged


def test_scalars_come_back_as_logged_in_float32(tmp_path: Path) -> None:
    logged = log_run(tmp_path / "run")
    scalars = monitor.read_scalars(tmp_path / "run")
    assert list(scalars) == ["accuracy/train", "loss/train"]
    for tag, values in logged.items():
        steps, back = scalars[tag]
        assert steps == [0, 1, 2, 3, 4]
        assert back == torch.tensor(values, dtype=torch.float32).tolist()  # the event file stores float32
    assert scalars["loss/train"][1][4] != logged["loss/train"][4]  # ... so 0.1 + 1e-9 comes back rounded
    assert monitor.read_scalars(str(tmp_path / "run")) == scalars


def test_tags_list_scalars_and_the_image(tmp_path: Path) -> None:
    log_run(tmp_path / "run")
    assert monitor.run_tags(tmp_path / "run") == {"images": ["boundary"],
                                                  "scalars": ["accuracy/train", "loss/train"]}


def test_missing_or_empty_run_directory_and_wrong_types_raise(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no TensorBoard event files in '.*nowhere'"):
        monitor.read_scalars(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no TensorBoard event files"):
        monitor.run_tags(tmp_path / "empty")
    with pytest.raises(TypeError, match="logdir must be a str or pathlib.Path, got int"):
        monitor.read_scalars(3)
    with pytest.raises(ValueError, match="scalars must be a non-empty dict"):
        monitor.scalar_plot({})


def test_scalar_plot_stacks_one_panel_per_tag(tmp_path: Path) -> None:
    log_run(tmp_path / "run")
    scalars = monitor.read_scalars(tmp_path / "run")
    fig = monitor.scalar_plot(scalars)
    assert fig.dpi == plotting.DPI and tuple(fig.get_size_inches()) == (5, 1.2 + 1.6 * 2)
    assert [ax.get_ylabel() for ax in fig.axes] == ["accuracy/train", "loss/train"]
    for ax, (steps, values) in zip(fig.axes, scalars.values(), strict=True):
        (line,) = ax.get_lines()
        assert list(line.get_xdata()) == steps and list(line.get_ydata()) == values
    assert [ax.get_lines()[0].get_color() for ax in fig.axes] == list(plotting.LINE_COLORS[:2])
    assert fig.axes[-1].get_xlabel() == "epoch (the step logged)"
    assert fig.get_suptitle() == "Read back from the event files"
