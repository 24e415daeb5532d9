"""Give every chapter a first code cell that installs xorlib when it is missing.

Usage: python tools/install_cell.py [--check]

A chapter opened alone (Colab, a fresh Jupyter) has no xorlib. Its first code cell then
installs the library's wheel, which ``make book`` puts in the site's ``_static/``, from the
course site: ``html.baseurl`` in _config.yml, or the ``XORCOURSE_SITE_URL`` environment
variable, which wins. Where xorlib is installed (the course's own environment) the cell
does nothing and prints nothing. ``--check`` changes nothing and exits 1 when a chapter's
cell is missing or differs from what this tool writes (tests/test_standalone.py runs it).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat
import tomllib
import yaml

ROOT = Path(__file__).resolve().parent.parent
MARK = "# Running this chapter alone"  # first line of the cell: how the tool finds it again

TEMPLATE = '''{mark} (Colab, a fresh Jupyter)? It needs xorlib, the
# course library: this installs it from the course site when it is missing.
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("xorlib") is None:
    site = os.environ.get("XORCOURSE_SITE_URL", "{site}").rstrip("/")
    if not site:
        raise RuntimeError("no xorlib: set XORCOURSE_SITE_URL to the course site")
    wheel = f"{{site}}/_static/{wheel}"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", wheel]
    subprocess.run(pip, check=True)'''


def wheel_name() -> str:
    """The file name of xorlib's wheel (``make book`` builds it), with the version from its one source."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    version = ast.literal_eval(re.search(r"__version__ = (.+)", (ROOT / "xorlib/_version.py").read_text())[1])
    return f"{project['name']}-{version}-py3-none-any.whl"


def site_url() -> str:
    """The course site's address: ``html.baseurl`` in _config.yml ("" when unset)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return str((config.get("html") or {}).get("baseurl") or "").rstrip("/")


def cell_source() -> str:
    return TEMPLATE.format(mark=MARK, site=site_url(), wheel=wheel_name())


def apply(nb: nbformat.NotebookNode) -> bool:
    """Put the install cell first among the code cells; True when the notebook changed."""
    if nb.metadata.get("kernelspec", {}).get("language") != "python":
        return False  # the R appendix imports xorlib through reticulate, from the course's Python
    source = cell_source()
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
