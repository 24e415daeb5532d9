"""One execution per chapter feeds every check: nbval's run, kept as the notebook it produced.

nbval executes each chapter cell by cell and compares every output with the stored one. The root
``conftest.py`` also keeps the kernel messages that nbval reads for each cell and, once a chapter
has run to its end, assembles the notebook that run produced, cleaned exactly as
``tools/refresh_outputs.py`` (``make outputs``) writes one. The refresh check in
``tests/test_notebooks.py`` and the prose claims in ``tests/test_claims.py`` read that notebook
(through the ``this_run`` fixture), so a chapter runs once per kernel set, not once per check.
Each assembled notebook is also written to ``_build/executed/<kernel set>/`` to inspect or diff.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.v4 import output_from_msg

from tools.refresh_outputs import clean

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}
RUNS: dict[Path, bytes] = {}  # notebook path -> the bytes `make outputs` would write from this run


def kernel_set() -> str:
    """A folder name for this run: the environment (``venv``, ``venv-compat``) and the kernels it
    uses, from the variables that torch, MKL, oneDNN and OpenMP read (``native`` when none is set)."""
    names = ("ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA", "OMP_NUM_THREADS")
    chosen = [f"{name}_{os.environ[name]}" for name in names if os.environ.get(name)]
    return f"{Path(sys.prefix).name.lstrip('.')}-{'-'.join(chosen) or 'native'}"


def assemble(nb: nbformat.NotebookNode, cell_messages: dict[int, list[dict]]) -> bytes | None:
    """The bytes of ``nb`` with each code cell's outputs rebuilt from its kernel messages.

    ``cell_messages`` maps a cell's index in ``nb.cells`` to the messages of its execution. None
    when some code cell did not run (a skipped or deselected cell): there is no whole run to keep.
    nbval executes without IPython's history, so the kernel counts nothing; the cells are numbered
    1, 2, ... in the order they ran, as in a kernel that keeps history (nbclient's, Jupyter's).
    """
    nb = copy.deepcopy(nb)
    count = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue  # nbclient does not execute an empty cell either
        if index not in cell_messages:
            return None
        count += 1
        cell.outputs, cell.execution_count = [], count
        for msg in cell_messages[index]:
            if msg["msg_type"] == "clear_output":
                cell.outputs = []
            elif msg["msg_type"] in OUTPUT_TYPES:
                cell.outputs.append(output_from_msg(msg))
                if msg["msg_type"] == "execute_result":
                    cell.outputs[-1].execution_count = count
    clean(nb)
    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode()  # as nbformat.write writes a file


def record(notebook, cells: list) -> None:
    """Keep the kernel messages of each of ``cells`` (nbval items of ``notebook``), assemble at teardown."""
    messages: list[dict] = []
    per_cell: dict[int, list[dict]] = {}
    get_message = notebook.get_kernel_message

    def get_and_keep(*args, **kwargs) -> dict:
        msg = get_message(*args, **kwargs)
        messages.append(msg)
        return msg

    def keeping(item) -> Callable[[], None]:
        runtest = item.runtest
        index = next(i for i, c in enumerate(notebook.nb.cells) if c is item.cell)

        def run_and_keep() -> None:
            start = len(messages)
            try:
                runtest()
            finally:
                ran = messages[start:]
                request = {m["parent_header"].get("msg_id") for m in ran if m["msg_type"] == "execute_input"}
                per_cell[index] = [m for m in ran if m["parent_header"].get("msg_id") in request]
        return run_and_keep

    for item in cells:
        item.runtest = keeping(item)
    teardown = notebook.teardown

    def teardown_and_assemble() -> None:
        teardown()
        data = assemble(notebook.nb, per_cell)
        if data is not None:
            path = Path(str(notebook.fspath)).resolve()
            RUNS[path] = data
            if path.is_relative_to(ROOT / "chapters"):
                out = ROOT / "_build" / "executed" / kernel_set() / path.name
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)

    notebook.get_kernel_message = get_and_keep
    notebook.teardown = teardown_and_assemble
