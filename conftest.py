"""pytest settings that hold from any working directory (``cd tests && pytest --nbval ../chapters`` too)."""

import functools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbval.plugin import IPyNbCell

from tests import nbval_record, r_kernel
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


def in_own_kernel(notebook: pytest.Collector) -> None:
    """Start ``notebook``'s kernel from its kernelspec (the R appendix: "ir"), not this Python."""
    setup = notebook.setup

    def own_kernel_setup() -> None:
        option = notebook.config.option
        current_env, option.nbval_current_env = option.nbval_current_env, False  # read by setup alone
        try:
            setup()
        finally:
            option.nbval_current_env = current_env

    notebook.setup = own_kernel_setup


def failing_setup(reason: str) -> None:
    r_kernel.skip_or_fail(reason)  # fails: called only where the appendix is required


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # nbval skips images; compare every figure and animation frame too (tests/nbval_figures.py).
    for item in items:
        if isinstance(item, IPyNbCell):
            item.compare_outputs = with_figures(item.compare_outputs, item)
    # The chapters run first, each once, and their run is kept (tests/nbval_record.py) for the tests
    # after them: the refresh check and the claims in the prose read this run, not a second one.
    items.sort(key=lambda item: not isinstance(item, IPyNbCell))  # stable: each group keeps its order
    for notebook in {item.parent for item in items if isinstance(item, IPyNbCell)}:
        nbval_record.record(notebook, [item for item in items if item.parent is notebook])
    # The R appendix runs in the R kernel; without one it skips (fails in CI) with how to get it.
    notebooks = {item.parent for item in items if isinstance(item, IPyNbCell)}
    for notebook in notebooks:
        if not r_kernel.is_r(notebook.nb.metadata.get("kernelspec", {})):
            continue
        reason = r_kernel.missing(notebook.nb.metadata["kernelspec"].get("name", "ir"))
        if reason is None:
            in_own_kernel(notebook)
        elif r_kernel.required():
            notebook.setup = functools.partial(failing_setup, reason)
        else:
            for item in items:
                if item.parent is notebook:
                    item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def this_run() -> functools.partial:
    """``this_run(path)``: the bytes `make outputs` would write for that notebook from the run nbval
    made of it in this session (tests/nbval_record.py), or None where nbval did not run it whole."""
    return functools.partial(lambda runs, path: runs.get(Path(path).resolve()), nbval_record.RUNS)


@pytest.fixture(autouse=True)
def _no_figures_left() -> Iterator[None]:
    """Close the figures a test leaves open: pyplot keeps every one (and its memory) otherwise."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def one_thread() -> Iterator[None]:
    """The test runs torch on one thread: a model this small only loses time to thread hand-offs."""
    from tests.helpers import threads  # here: conftest.py itself does not import torch

    with threads(1):
        yield
