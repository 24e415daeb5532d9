"""The R Markdown twin of the appendix: knitting it again gives the committed page and its figures.

chapters/appendix_rmarkdown.Rmd is knitted (``make rmarkdown``: rmarkdown::render, knitr's
reticulate engine for its Python chunks) into appendix_rmarkdown.md and its figures, which the
website shows. Here it is knitted again in a temporary folder: the page's text must be the same,
byte for byte, its figures the same within nbval's RMS, and its numbers those of the notebook
appendix and of chapter 6. Without R, rmarkdown or pandoc the tests skip with how to install
them; in CI (or with XORCOURSE_REQUIRE_R=1) they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests import nbval_figures, r_kernel

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
RMD = CHAPTERS / "appendix_rmarkdown.Rmd"
PAGE = CHAPTERS / "appendix_rmarkdown.md"
FIGURES = CHAPTERS / "appendix_rmarkdown_files"
INSTALL = "apt-get install --no-install-recommends r-cran-rmarkdown r-cran-knitr pandoc"
RENDER = 'rmarkdown::render("appendix_rmarkdown.Rmd", quiet = TRUE)'
# the two lines of numbers; a knitted page indents its outputs and prefixes them with ##
NUMBERS = re.compile(r"^(?:    ## )?(\d+ epochs; first epoch [\d.]+ -> last epoch [\d.]+"
                     r"|test accuracy: [\d.]+%)$", re.M)


def why_not_here() -> str | None:
    """Why this machine cannot knit the page, or None when it can."""
    if shutil.which("Rscript") is None or shutil.which("pandoc") is None:
        return f"R Markdown needs R and pandoc: {INSTALL}"
    loadable = "all(sapply(c('rmarkdown', 'knitr', 'reticulate'), requireNamespace, quietly = TRUE))"
    loads = subprocess.run(["Rscript", "-e", f"quit(status = !{loadable})"], capture_output=True, timeout=60)
    return None if loads.returncode == 0 else f"R cannot load rmarkdown, knitr and reticulate: {INSTALL}"


@pytest.fixture(scope="module")
def knitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh knit of the Rmd in an empty folder, with this environment's Python."""
    reason = why_not_here()
    if reason:
        r_kernel.skip_or_fail(reason)
    work = tmp_path_factory.mktemp("knit")
    shutil.copy(RMD, work)
    env = {**os.environ, "RETICULATE_PYTHON": sys.executable}
    run = subprocess.run(["Rscript", "-e", RENDER], cwd=work, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return work


def differences(page: str, figures: dict[str, Path], fresh_page: str,
                fresh_figures: dict[str, Path]) -> list[str]:
    """What a fresh knit changed: the text, the set of figures, or a figure beyond nbval's RMS."""
    found = [] if page == fresh_page else ["the page's text differs"]
    if sorted(figures) != sorted(fresh_figures):
        found.append(f"figures {sorted(figures)} became {sorted(fresh_figures)}")
    for name in sorted(set(figures) & set(fresh_figures)):
        a, b = (np.asarray(Image.open(paths[name]).convert("RGBA")) for paths in (figures, fresh_figures))
        if nbval_figures.rms(a, b) > nbval_figures.TOLERANCE:  # inf when the sizes differ
            found.append(f"{name} differs")
    return found


def pngs(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in folder.rglob("*.png")}


def test_knitting_again_gives_the_committed_page(knitted: Path) -> None:
    fresh_page = (knitted / PAGE.name).read_text(encoding="utf-8")
    found = differences(PAGE.read_text(encoding="utf-8"), pngs(FIGURES), fresh_page,
                        pngs(knitted / FIGURES.name))
    assert not found, f"{found}: run make rmarkdown, look at the diff, commit"


def test_the_knitted_numbers_are_the_notebooks_and_chapter_6s() -> None:
    page = NUMBERS.findall(PAGE.read_text(encoding="utf-8"))
    notebook = json.loads((CHAPTERS / "appendix_r.ipynb").read_text(encoding="utf-8"))
    text = "".join("".join(o.get("text", "")) for c in notebook["cells"] for o in c.get("outputs", []))
    assert page == NUMBERS.findall(text) and len(page) == 2, (page, NUMBERS.findall(text))
    chapter6 = json.loads((CHAPTERS / "06_training.ipynb").read_text(encoding="utf-8"))
    text6 = "".join("".join(o.get("text", "")) for c in chapter6["cells"] for o in c.get("outputs", []))
    (losses,) = re.findall(r"^first epoch ([\d.]+) -> last epoch ([\d.]+)$", text6, re.M)
    assert page[0] == f"100 epochs; first epoch {losses[0]} -> last epoch {losses[1]}"


def test_the_page_shows_what_a_reader_should_see() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert re.search(r"^ +epoch 100/100 \|#+\|$", page, re.M), "the progress bar's final state"
    assert "epoch   0/100" not in page and "\r" not in page, "no state a terminal would have overwritten"
    assert " at 0x" not in page, "no memory address (a Python object printed by accident)"
    assert "<img" not in page and page.count("](appendix_rmarkdown_files/") == 2, "figures as Markdown images"
    assert page.startswith("# Appendix: the same in R Markdown\n"), "one title, from the document's body"
    assert "Correct!" in page, "the exercise's checker ran from R"


def test_the_comparison_can_fail(tmp_path: Path) -> None:
    page, figures = PAGE.read_text(encoding="utf-8"), pngs(FIGURES)
    assert differences(page, figures, page, figures) == []
    assert differences(page, figures, page.replace("0.020", "0.021"), figures) == ["the page's text differs"]
    name, path = next(iter(figures.items()))
    blank = tmp_path / name
    Image.new("RGBA", Image.open(path).size, "white").save(blank)
    assert differences(page, figures, page, {**figures, name: blank}) == [f"{name} differs"]
    assert differences(page, figures, page, {}) != []
