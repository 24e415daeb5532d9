"""The exercises make the learner think: none is answered by an earlier cell, each chapter has
one, the course has prediction and debugging exercises, and running a chapter reveals no answer.

Checkers are named by kind: ``check_*`` (apply an idea), ``predict_*`` (the learner's guess is
taken before anything is shown) and ``debug_*`` (the learner's fixed code is run). Run All in
JupyterLab runs every solution cell, so a solution's output must be its verdict alone, and a
right answer's verdict is ``Correct!``, nothing more.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import r_kernel

from xorlib import exercises

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
PYTHON_CHAPTERS = [p for p in CHAPTERS if not r_kernel.is_r(r_kernel.kernelspec(p))]
HEADING = re.compile(r"#{1,2}\s")
EXERCISES = re.compile(r"##\s+Exercises\b")
TRIVIAL = re.compile(r"(import |from \S+ import |return \w+$|exercises\.|# |def \w+\(|class \w+)")


def source(cell: dict) -> str:
    return "".join(cell["source"])


def split(nb: dict) -> tuple[list[dict], list[dict]]:
    """(code cells before the Exercises section, solution cells in it)."""
    before, solutions, section, seen = [], [], False, False
    for cell in nb["cells"]:
        first = source(cell).lstrip().split("\n", 1)[0]
        if cell["cell_type"] == "markdown" and HEADING.match(first):
            section = bool(EXERCISES.match(first))
            seen = seen or section
        elif cell["cell_type"] == "code":
            if section and "hide-cell" in cell["metadata"].get("tags", []):
                solutions.append(cell)
            elif not seen:
                before.append(cell)
    return before, solutions


def lines(code: str) -> list[str]:
    """The lines of ``code`` that carry an answer: no blanks, comments, imports, defs or checker calls."""
    out = []
    for line in code.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if len(line) >= 12 and not TRIVIAL.match(line):
            out.append(re.sub(r"\s+", " ", line))
    return out


def copied(solution: str, earlier: list[str]) -> list[str]:
    """The answer lines of ``solution`` found verbatim in one of the ``earlier`` cells, when that cell
    holds three fifths of them or more: the solution is that cell pasted. A solution that applies
    the chapter somewhere new may reuse a line or two from several cells (a training step); it passes."""
    answer = lines(solution)
    for cell in earlier:
        seen = set(lines(cell))
        same = [line for line in answer if line in seen]
        if answer and 5 * len(same) >= 3 * len(answer):
            return same
    return []


@pytest.mark.parametrize("path", PYTHON_CHAPTERS, ids=[p.stem for p in PYTHON_CHAPTERS])
def test_no_solution_is_a_copy_of_an_earlier_cell(path: Path) -> None:
    before, solutions = split(json.loads(path.read_text()))
    assert solutions, f"{path.name} has no exercise"
    earlier = [source(c) for c in before]
    for cell in solutions:
        assert not (same := copied(source(cell), earlier)), (
            f"{path.name}: the solution {source(cell)[:80]!r} repeats earlier cells: {same}")


def test_the_copy_check_can_fail() -> None:
    earlier = ["loader = DataLoader(dataset, batch_size=32)\nX, y = next(iter(loader))\nprint(X.shape)"]
    assert copied("# Solution\nX, y = next(iter(loader))\nexercises.check_04(X.shape)", earlier)
    assert not copied("# Solution\nsizes = [len(y) for _, y in loader]\nexercises.check_04(sizes)", earlier)
    spread = ["X, y = next(iter(loader))\nprint(X.shape)", "logits = model(X).squeeze(dim=1)"]
    new = ("# Solution\nX, y = next(iter(loader))\nlogits = model(X).squeeze(dim=1)\n"
           "wrong = (logits >= 0) != y.bool()")
    assert not copied(new, spread), "lines from several cells, and one of its own, are not a paste"


def test_the_course_asks_for_predictions_and_debugging() -> None:
    names = exercises.__all__
    assert sum(n.startswith("predict_") for n in names) >= 3, "at least three prediction exercises"
    assert sum(n.startswith("debug_") for n in names) >= 3, "at least three debugging exercises"
    assert all(re.match(r"(check|predict|debug)_(\d\d|r)_\w+$", n) for n in names), names


@pytest.fixture(params=["stored", "run"])
def outputs(request: pytest.FixtureRequest, this_run):
    def read(path: Path) -> dict:
        if request.param == "stored":
            return json.loads(path.read_text())
        data = this_run(path)
        if data is None:
            pytest.skip(f"nbval did not run {path.name} in this session (run: pytest --nbval chapters tests)")
        return json.loads(data)
    return read


def texts(cell: dict) -> list[str]:
    found = []
    for out in cell.get("outputs", []):
        if "text" in out:  # a stream; an execute_result has only data
            found.append("".join(out["text"]).strip())
        found += ["".join(v).strip() for k, v in out.get("data", {}).items() if k.startswith("text/")]
    return found


@pytest.mark.parametrize("path", PYTHON_CHAPTERS, ids=[p.stem for p in PYTHON_CHAPTERS])
def test_running_a_chapter_reveals_no_answer(path: Path, outputs) -> None:
    """Each solution cell shows its verdict and nothing else; a right answer's verdict is bare."""
    _, solutions = split(outputs(path))
    for cell in solutions:
        shown = texts(cell)
        assert shown and all(text == "Correct!" for text in shown), (
            f"{path.name}: the solution {source(cell)[:60]!r} shows {shown}, not just 'Correct!'")
