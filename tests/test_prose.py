"""What a reader of the course sees: chapters of one sitting, and no pointers into the repository.

A website reader has the pages, not the repository: prose that sends them to ``tests/...``, the
README or a ``make`` target they cannot run is a dead end. And a chapter is one sitting: at most
``MAX_WORDS`` words of prose (markdown, without code blocks and display maths).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
PAGES = sorted((ROOT / "chapters").glob("*.md"))  # knitted pages (the R Markdown twin)
MAX_WORDS = 1400
INTERNALS = re.compile(r"\btests/|sanitize\.cfg|\bREADME\b"
                       r"|\bmake (?:peak|test|outputs|bench|lab|compat|mutate)\b|read its source"
                       r"|\bbenchmarks/|\btools/|\bconftest\b|\bxorlib/")


def prose_words(nb: dict) -> int:
    """Words of the markdown cells, leaving out fenced code blocks and display maths."""
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    return len(re.findall(r"[A-Za-z0-9]\S*", text))


def reader_text(nb: dict) -> list[str]:
    """Markdown, code comments and text outputs: everything a reader reads in a chapter."""
    texts = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            texts.append(source)
            continue
        if "remove-cell" in cell["metadata"].get("tags", []):
            continue  # the install cell: never shown on the website
        texts += [line for line in source.splitlines() if "#" in line]
        texts += ["".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                  for o in cell.get("outputs", [])]
    return texts


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_is_one_sitting(path: Path) -> None:
    words = prose_words(json.loads(path.read_text(encoding="utf-8")))
    assert words <= MAX_WORDS, f"{path.name}: {words} words of prose, more than one sitting ({MAX_WORDS})"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_pointer_into_the_repository(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = [m.group(0) for text in reader_text(nb) for m in INTERNALS.finditer(text)]
    assert not found, f"{path.name} sends its reader to what the website does not have: {found}"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_a_knitted_page_is_one_sitting_and_sends_nobody_into_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    prose = re.sub(r"^    .*$", "", text, flags=re.M)  # without the outputs (indented blocks)
    words = prose_words({"cells": [{"cell_type": "markdown", "source": [prose]}]})
    assert words <= MAX_WORDS, f"{path.name}: {words} words of prose"
    assert PAGES and not INTERNALS.findall(text), f"{path.name}: {INTERNALS.findall(text)}"


def test_the_prose_checks_can_fail() -> None:
    long = {"cells": [{"cell_type": "markdown", "source": ["word " * (MAX_WORDS + 1)]}]}
    assert prose_words(long) == MAX_WORDS + 1
    fenced = {"cells": [{"cell_type": "markdown", "source": ["one two\n```\nx = 1\n```\n$$a + b$$ three"]}]}
    assert prose_words(fenced) == 3
    for pointer in ("see `tests/test_sweep.py`", "`make peak` runs it", "the README says", "read its source"):
        md = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [pointer]}]}
        assert [m.group(0) for t in reader_text(md) for m in INTERNALS.finditer(t)], pointer
    out = {"cells": [{"cell_type": "code", "metadata": {}, "source": ["x"],
                      "outputs": [{"output_type": "stream", "text": ["run `make lab` first"]}]}]}
    assert [m.group(0) for t in reader_text(out) for m in INTERNALS.finditer(t)]
