"""Re-execute chapters in place and keep their metadata to a short allow-list.

Usage: python tools/refresh_outputs.py [NOTEBOOK ...]   (default: every chapter)

Runs each notebook top to bottom in a fresh kernel of this environment, with
the same seeds the chapters set themselves, then writes it back with only
kernelspec/language_info (notebook) and tags/mystnb (cell) metadata, so a
second run leaves every file byte-identical.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_KEYS = ("kernelspec", "language_info")
CELL_KEYS = ("tags", "mystnb")  # mystnb carries figure alt text for the website


def clean(nb: nbformat.NotebookNode) -> None:
    """Drop every metadata key outside the allow-list (mutates ``nb``)."""
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in NOTEBOOK_KEYS}
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in CELL_KEYS}
        cell.pop("id", None)
    nb.nbformat, nb.nbformat_minor = 4, 4  # 4.4 has no cell ids, which change on every save


def refresh(path: Path) -> None:
    os.environ["XORLIB_STATIC_OUTPUTS"] = "1"  # chapter 8 stores a note, not widget state
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", record_timing=False,
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
