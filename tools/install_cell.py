"""Give every chapter a first code cell that installs xorlib when it is missing.

Usage: python tools/install_cell.py [--check]

A chapter opened alone (Colab, a fresh Jupyter) has no xorlib. Its first code cell then
installs the library's wheel, which ``make book`` puts in the site's ``_static/``, from the
course site: ``html.baseurl`` in _config.yml, or the ``XORCOURSE_SITE_URL`` environment
variable, which wins. pip installs the wheel with the dependencies it declares (pyproject.toml)
and the extras the chapter needs, and keeps the torch the kernel already has. A chapter needs an
extra when it imports a module of xorlib that imports one of the extra's packages (chapter 11's
``xorlib.figures.panel`` imports ipywidgets: ``xorlib[widgets]``). Where xorlib is installed (the
course's own environment) the cell does nothing and prints nothing. ``--check`` changes nothing
and exits 1 when a chapter's cell is missing or differs from what this tool writes
(tests/test_standalone.py runs it).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat
import tomllib
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
MARK = "# Running this chapter alone"  # first line of the cell: how the tool finds it again

TEMPLATE = '''{mark} (Colab, a fresh Jupyter)? It needs xorlib, the
# course library: this installs it from the course site when it is missing, with
# what it needs, and keeps the torch this kernel already has.
import importlib.metadata
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("xorlib") is None:
    site = os.environ.get("XORCOURSE_SITE_URL", "{site}").rstrip("/")
    if not site:
        raise RuntimeError("no xorlib: set XORCOURSE_SITE_URL to the course site")
    wheel = f"{{site}}/_static/{wheel}"
    pip = [sys.executable, "-m", "pip", "install", "-q", f"{requirement} @ {{wheel}}"]
    try:  # the installed torch stays: pip fails rather than replace it
        pip.append("torch==" + importlib.metadata.version("torch"))
    except importlib.metadata.PackageNotFoundError:
        pass  # none yet: pip installs one
    subprocess.run(pip, check=True)
    importlib.invalidate_caches()  # the new packages import in this kernel'''


def wheel_name() -> str:
    """The file name of xorlib's wheel (``make book`` builds it), with the version from its one source."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    version = ast.literal_eval(re.search(r"__version__ = (.+)", (ROOT / "xorlib/_version.py").read_text())[1])
    return f"{project['name']}-{version}-py3-none-any.whl"


def site_url() -> str:
    """The course site's address: ``html.baseurl`` in _config.yml ("" when unset)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return str((config.get("html") or {}).get("baseurl") or "").rstrip("/")


def import_names(requirement: str) -> set[str]:
    """The top-level modules a distribution provides, read from its metadata where it is installed."""
    from importlib.metadata import PackageNotFoundError, distribution

    name = Requirement(requirement).name
    try:
        dist = distribution(name)
    except PackageNotFoundError:
        return {re.sub(r"[-.]+", "_", name).lower()}
    top = (dist.read_text("top_level.txt") or "").split()
    return set(top) or {re.sub(r"[-.]+", "_", name).lower()}


def imported_modules(tree: ast.AST) -> set[str]:
    """Every module an import statement names, with ``from a import b`` giving both ``a`` and ``a.b``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def library_imports() -> dict[str, set[str]]:
    """Each xorlib module (dotted name) and the top-level modules it imports."""
    found = {}
    for path in sorted((ROOT / "xorlib").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = {module.split(".")[0] for module in imported_modules(ast.parse(path.read_text()))}
    return found


def extras_modules() -> dict[str, set[str]]:
    """Each extra of pyproject.toml and the xorlib modules that import one of its packages."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    imports = library_imports()
    result = {}
    for extra, requirements in sorted(project.get("optional-dependencies", {}).items()):
        tops = set().union(*(import_names(r) for r in requirements))
        result[extra] = {module for module, uses in imports.items() if uses & tops}
    return result


def code_of(nb: nbformat.NotebookNode) -> ast.Module:
    """The notebook's code cells as one module (IPython's ``%`` and ``!`` lines left out)."""
    lines = [line for cell in nb.cells if cell.cell_type == "code" and not cell.source.startswith(MARK)
             for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


def chapter_extras(nb: nbformat.NotebookNode) -> list[str]:
    """The extras whose modules the chapter imports, e.g. ``["widgets"]`` for chapter 11's panel."""
    imported = imported_modules(code_of(nb))
    return [extra for extra, modules in extras_modules().items()
            if any(name == m or name.startswith(m + ".") for name in imported for m in modules)]


def requirement(extras: Iterable[str] = ()) -> str:
    """What pip installs from the wheel: ``xorlib`` or ``xorlib[extra,...]``."""
    extras = sorted(extras)
    return "xorlib" + (f"[{','.join(extras)}]" if extras else "")


def cell_source(extras: Sequence[str] = ()) -> str:
    return TEMPLATE.format(mark=MARK, site=site_url(), wheel=wheel_name(), requirement=requirement(extras))


def apply(nb: nbformat.NotebookNode) -> bool:
    """Put the install cell first among the code cells; True when the notebook changed."""
    if nb.metadata.get("kernelspec", {}).get("language") != "python":
        return False  # the R appendix imports xorlib through reticulate, from the course's Python
    source = cell_source(chapter_extras(nb))
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if code and code[0].source.startswith(MARK):
        if code[0].source == source:
            return False
        code[0].source = source
        return True
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata = {"tags": ["remove-cell"]}  # the website reader needs no installing
    del cell["id"]
    nb.cells.insert(nb.cells.index(code[0]) if code else len(nb.cells), cell)
    return True


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if apply(nb):
            stale.append(path.name)
            if not check:
                nbformat.write(nb, path)
    if check and stale:
        print("no current install cell in:", ", ".join(stale), "(run: python tools/install_cell.py)")
        return 1
    if stale and not check:
        print("updated:", ", ".join(stale), "- now run `make outputs`")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
