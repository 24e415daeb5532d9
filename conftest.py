"""pytest settings that hold from any working directory (``cd tests && pytest --nbval ../chapters`` too)."""

import os
from pathlib import Path

import pytest
from nbval.plugin import IPyNbCell

from tests.nbval_figures import with_figures

ROOT = Path(__file__).resolve().parent

# Chapter 8's widget panel stores a one-line note instead of widget state when this is set
# (tools/refresh_outputs.py sets it too); in a live Jupyter session the panel appears.
os.environ.setdefault("XORLIB_STATIC_OUTPUTS", "1")


def pytest_configure(config: pytest.Config) -> None:
    # nbval: compare machine-dependent lines through tests/sanitize.cfg, and run the chapters
    # in a kernel of this very environment (the one that has xorlib installed).
    if config.option.nbval_sanitize_with is None:
        config.option.nbval_sanitize_with = str(ROOT / "tests" / "sanitize.cfg")
    if not config.option.nbval_kernel_name:
        config.option.nbval_current_env = True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # nbval skips images; compare every figure and animation frame too (tests/nbval_figures.py).
    for item in items:
        if isinstance(item, IPyNbCell):
            item.compare_outputs = with_figures(item.compare_outputs, item)
