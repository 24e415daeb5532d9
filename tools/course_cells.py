"""Give the chapters' exercise solutions the cell metadata that folds them, source and output.

Usage: python tools/course_cells.py [--check] [NOTEBOOK ...]   (default: every chapter)

A solution cell is a code cell in a chapter's "## Exercises" section (up to the next heading of
level 1 or 2) tagged ``hide-input`` (not yet converted) or ``hide-cell`` (converted). Each gets:

- the ``hide-cell`` tag in place of ``hide-input``: MyST-NB folds the whole cell, output included,
  so the checker's verdict stays hidden until the reader opens it;
- ``mystnb.code_prompt_show``/``code_prompt_hide``: the fold's label, "Show solution";
- ``jupyter.source_hidden``/``outputs_hidden``: JupyterLab's own collapsed source and outputs;
- a first line ``# Solution``: a collapsed cell in JupyterLab still shows its first line, which
  must not be the answer.

Only metadata and that first line change; outputs are kept as they are. A second run changes nothing. With
``--check`` nothing is written and the exit status is 1 when some chapter still needs the change.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = re.compile(r"^##\s+Exercises\b")
HEADING = re.compile(r"^#{1,2}\s")  # a heading that ends the exercises section
SOLUTION_TAGS = ("hide-input", "hide-cell")
MYSTNB = {"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
JUPYTER = {"source_hidden": True, "outputs_hidden": True}
FIRST_LINE = "# Solution"  # what a collapsed cell shows in JupyterLab


def solution_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The code cells of the exercises section tagged ``hide-input`` or ``hide-cell``, in order."""
    found, inside = [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            first = cell.source.lstrip().split("\n", 1)[0]
            if EXERCISES.match(first):
                inside = True
            elif HEADING.match(first):
                inside = False
        elif cell.cell_type == "code" and inside:
            if any(tag in cell.metadata.get("tags", []) for tag in SOLUTION_TAGS):
                found.append(cell)
    return found


def fold(cell: nbformat.NotebookNode) -> bool:
    """Give one solution cell the folding metadata; return whether anything changed."""
    before = nbformat.from_dict(cell.metadata)
    tags = [("hide-cell" if t == "hide-input" else t) for t in cell.metadata.get("tags", [])]
    cell.metadata["tags"] = list(dict.fromkeys(tags))  # "hide-cell" once, order kept
    cell.metadata["mystnb"] = {**cell.metadata.get("mystnb", {}), **MYSTNB}
    cell.metadata["jupyter"] = {**cell.metadata.get("jupyter", {}), **JUPYTER}
    source = cell.source
    if source.split("\n", 1)[0] != FIRST_LINE:
        cell.source = f"{FIRST_LINE}\n{source}"
    return cell.metadata != before or cell.source != source


def convert(path: Path, write: bool = True) -> int:
    """Fold the solutions of one notebook; return how many cells changed (0: already folded)."""
    nb = nbformat.read(path, as_version=4)
    cells = solution_cells(nb)
    if not cells:
        raise ValueError(f"{path.name}: no solution cells (code cells tagged {' or '.join(SOLUTION_TAGS)} "
                         "after a '## Exercises' heading)")
    changed = sum(fold(cell) for cell in cells)
    if changed and write:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"] or [  # the R appendix has no exercises
        p for p in sorted((ROOT / "chapters").glob("*.ipynb"))
        if nbformat.read(p, as_version=4).metadata.kernelspec.language == "python"]
    pending = 0
    for path in paths:
        changed = convert(path, write=not check)
        pending += changed
        verb = "would fold" if check else "folded"
        print(f"{path.name}: {verb} {changed} solution cell(s)" if changed else f"{path.name}: up to date")
    return 1 if check and pending else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
