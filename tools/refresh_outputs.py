"""Re-execute chapters in place and keep their metadata to a short allow-list.

Usage: python tools/refresh_outputs.py [NOTEBOOK ...]   (default: every chapter)

Runs each notebook top to bottom in a fresh kernel of this environment (the kernel its
kernelspec names: python3 for the chapters, the R kernel "ir" for the R appendix), with
the same seeds the chapters set themselves, then writes it back with only
kernelspec/language_info (notebook) and tags/mystnb/jupyter (cell) metadata, and with
consecutive stream outputs merged as a terminal shows them, so a second run
leaves every file byte-identical.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_KEYS = ("kernelspec", "language_info")
# mystnb: figure alt text and the "Show solution" fold for the website; jupyter: the same
# solutions collapsed in JupyterLab (tools/course_cells.py writes both).
CELL_KEYS = ("tags", "mystnb", "jupyter")
OVERWRITTEN = re.compile(r"^.*\r(?=[^\n])", re.MULTILINE)  # text that a later \r on its line redraws


def merge_streams(outputs: list) -> list:
    """Consecutive stream outputs of one name as one text, with ``\r`` applied as a terminal would.

    How the kernel splits a cell's printing into messages depends on timing, not on the code; and
    a progress bar redrawn with ``\r`` is stored as the final bar only (nbval compares it so too).
    """
    merged: list = []
    for out in outputs:
        if out.output_type == "stream" and merged and merged[-1].get("name") == out.name:
            merged[-1].text += out.text
        else:
            merged.append(out)
    for out in merged:
        if out.output_type == "stream":
            out.text = OVERWRITTEN.sub("", out.text)
    return merged


def clean(nb: nbformat.NotebookNode) -> None:
    """Drop every metadata key outside the allow-list (mutates ``nb``)."""
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in NOTEBOOK_KEYS}
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in CELL_KEYS}
        cell.pop("id", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nb.nbformat, nb.nbformat_minor = 4, 4  # 4.4 has no cell ids, which change on every save


def refresh(path: Path) -> None:
    os.environ["XORLIB_STATIC_OUTPUTS"] = "1"  # chapter 8 stores a note, not widget state
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    clean(nb)
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        print(f"executing {path.name}", flush=True)
        refresh(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
