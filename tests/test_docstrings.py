"""Every public function and class of xorlib has a torch-style docstring whose example runs.

A public name is one in a module's ``__all__`` or, without ``__all__``, any name defined in the
module that does not start with ``_``. Its docstring has ``Args:`` (when it takes arguments),
``Returns:`` (functions that return a value) and ``Example::`` with ``>>>`` lines, and those lines
run here as doctests: an example that stops matching what the code prints fails this test.
The exercises' checkers (``check_*``) are the course's machinery, documented by their chapters.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator

import matplotlib
import matplotlib.pyplot as plt
import pytest

import xorlib

matplotlib.use("Agg")

SKIP_PACKAGES = ("xorlib.exercises",)


def modules() -> list[str]:
    names = ["xorlib"]
    for info in pkgutil.walk_packages(xorlib.__path__, "xorlib."):
        last = info.name.rsplit(".", 1)[-1]
        if not last.startswith("_") and not info.name.startswith(SKIP_PACKAGES):
            names.append(info.name)
    return sorted(names)


def public(module_name: str) -> Iterator[tuple[str, Callable]]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    for name, obj in vars(module).items():
        if names is not None and name not in names or name.startswith("_"):
            continue
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module_name:
            yield f"{module_name}.{name}", obj


PUBLIC = [pair for name in modules() for pair in public(name)]


def test_the_walk_finds_the_library() -> None:
    names = {name for name, _ in PUBLIC}
    assert {"xorlib.xordata.XORDataset", "xorlib.training.train_model", "xorlib.figures.panel.show"} <= names
    assert not any(name.startswith("xorlib.exercises") for name in names)


@pytest.mark.parametrize(("name", "obj"), PUBLIC, ids=[name for name, _ in PUBLIC])
def test_docstring_has_args_returns_and_an_example(name: str, obj: Callable) -> None:
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    function = obj.__init__ if inspect.isclass(obj) else obj
    try:
        params = [p for p in inspect.signature(function).parameters if p not in ("self", "cls")]
    except (TypeError, ValueError):  # a class without its own __init__
        params = []
    if params and inspect.isfunction(function) and function.__qualname__.split(".")[0] == obj.__name__:
        assert "Args:" in doc, f"{name} takes {params} but its docstring has no 'Args:' section"
    if inspect.isfunction(obj):
        returns = inspect.signature(obj).return_annotation
        if returns not in ("None", None, inspect.Signature.empty):
            assert "Returns:" in doc, f"{name} returns {returns} but its docstring has no 'Returns:'"
    assert "Example::" in doc and ">>> " in doc, f"{name}'s docstring has no runnable 'Example::'"


@pytest.mark.parametrize("module_name", modules())
def test_examples_run(module_name: str) -> None:
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, module_name, globs={}) if t.examples]
    for test in tests:
        runner.run(test)
    plt.close("all")
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} example lines of {module_name} failed"
