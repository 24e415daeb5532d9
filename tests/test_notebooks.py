"""Hygiene of the stored chapters: what nbval cannot see (order, errors, stderr, leaks, metadata)."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
import r_kernel
import yaml
from nbval.plugin import comment_markers, find_comment_markers, find_metadata_tags, metadata_tags
from nbval_figures import figure_differences, split_figures
from PIL import Image
from test_sanitizers import sanitize, section_pairs

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))  # the R appendix included
R_NOTEBOOKS = [p for p in CHAPTERS if r_kernel.is_r(r_kernel.kernelspec(p))]
PYTHON_CHAPTERS = [p for p in CHAPTERS if p not in R_NOTEBOOKS]
NOTEBOOK_KEYS = {"kernelspec", "language_info"}
CELL_KEYS = {"tags", "mystnb", "jupyter"}  # alt text and folds (website), collapsed cells (Lab)
MACHINE_PATH = re.compile(r"/(home|root|tmp|work|Users|var/folders)/[\w.-]+")
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
WIDGET = "application/vnd.jupyter.widget"


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def output_texts(cell: dict) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        texts.append("".join(out.get("text", "")))
        for mime, value in out.get("data", {}).items():
            if mime.startswith("text/") or mime.endswith("json"):
                texts.append(value if isinstance(value, str) else json.dumps(value))
    return texts


NUMBERS = [f"{n:02d}" for n in range(14)]  # chapters 00 to 13; an appendix may come after them


def numbered(names: list[str]) -> list[str]:
    """The chapters numbered 00 to 13 among ``names``, in their order; any other notebook left out."""
    return [name for name in names if re.fullmatch(r"\d\d_\w+", name) and name[:2] in NUMBERS]


def test_fourteen_numbered_chapters_present_in_order() -> None:
    files = numbered([p.stem for p in CHAPTERS])
    assert [name[:2] for name in files] == NUMBERS, files
    assert files[0] == "00_tensors", files
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = [Path(c["file"]).name for part in toc["parts"] for c in part["chapters"]]
    assert numbered(listed) == files, "_toc.yml lists them in order"
    assert listed[-2:] == ["appendix_r", "appendix_rmarkdown"], "the R appendix and its R Markdown twin last"


def test_python_chapters_and_one_r_appendix() -> None:
    assert [p.name for p in R_NOTEBOOKS] == ["appendix_r.ipynb"]
    for chapter in PYTHON_CHAPTERS:
        assert r_kernel.kernelspec(chapter)["name"] == "python3", chapter.name


@pytest.fixture(params=CHAPTERS, ids=lambda p: p.stem)
def nb(request: pytest.FixtureRequest) -> dict:
    return json.loads(request.param.read_text())


def test_executed_in_order(nb: dict) -> None:
    counts = [c.get("execution_count") for c in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}: run `make outputs`"


def test_no_error_outputs(nb: dict) -> None:
    for cell in code_cells(nb):
        if "raises-exception" in cell["metadata"].get("tags", []):
            continue
        errors = [o.get("ename") for o in cell.get("outputs", []) if o["output_type"] == "error"]
        assert not errors, f"stored error {errors} in cell: {''.join(cell['source'])[:80]!r}"


def test_no_stderr(nb: dict) -> None:
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            assert out.get("name") != "stderr", f"stderr (a warning?) stored: {''.join(out['text'])[:200]!r}"


def test_no_machine_paths_addresses_or_user_names(nb: dict) -> None:
    import getpass

    user = getpass.getuser()
    for cell in code_cells(nb):
        for text in output_texts(cell):
            assert not MACHINE_PATH.search(text), f"machine path in output: {MACHINE_PATH.search(text)[0]}"
            assert not ADDRESS.search(text), f"memory address in output: {ADDRESS.search(text)[0]}"
            if user not in ("root", ""):
                assert f"/{user}" not in text, f"user name {user!r} in output"


def test_no_widget_state(nb: dict) -> None:
    assert "widgets" not in nb["metadata"], "widget state stored in notebook metadata"
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            assert not any(m.startswith(WIDGET) for m in out.get("data", {})), "widget output stored"


def test_metadata_allow_list(nb: dict) -> None:
    assert set(nb["metadata"]) <= NOTEBOOK_KEYS, set(nb["metadata"]) - NOTEBOOK_KEYS
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) <= CELL_KEYS, set(cell["metadata"]) - CELL_KEYS


def test_every_figure_has_alt_text(nb: dict) -> None:
    for cell in code_cells(nb):
        if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 20, f"figure without alt text: {''.join(cell['source'])[:80]!r}"


def test_streams_stored_as_a_reader_sees_them(nb: dict) -> None:
    """One stream output per run of printing, and a redrawn progress bar stored as its final state."""
    for cell in code_cells(nb):
        names = [o.get("name") for o in cell.get("outputs", [])]
        assert all(a is None or a != b for a, b in zip(names, names[1:], strict=False)), (
            f"consecutive {names} streams stored separately: run `make outputs`")
        for out in cell.get("outputs", []):
            assert "\r" not in "".join(out.get("text", "")).replace("\r\n", ""), "a \\r redraw stored"


def test_solutions_fold_whole_in_the_site_and_in_lab(nb: dict) -> None:
    """Each exercise solution folds source and output behind "Show solution" and starts collapsed
    in JupyterLab, so the checker's verdict is not read before trying (tools/course_cells.py)."""
    if r_kernel.is_r(nb["metadata"].get("kernelspec", {})):
        pytest.skip("the R appendix has no exercises")
    section, solutions = False, []
    for cell in nb["cells"]:
        first = "".join(cell["source"]).lstrip().split("\n", 1)[0]
        if cell["cell_type"] == "markdown" and re.match(r"#{1,2}\s", first):
            section = bool(re.match(r"##\s+Exercises\b", first))
        elif cell["cell_type"] == "code" and section and {"hide-input", "hide-cell"} & set(
                cell["metadata"].get("tags", [])):
            solutions.append(cell)  # a solution: folded (hide-cell) or folded only in part (hide-input)
    assert solutions, "no solution cells (tagged hide-cell) after a '## Exercises' heading"
    for cell in solutions:
        meta, where = cell["metadata"], f"solution cell {''.join(cell['source'])[:60]!r}"
        assert "hide-cell" in meta.get("tags", []), f"{where} is not folded whole: run tools/course_cells.py"
        assert "hide-input" not in meta.get("tags", []), f"{where} still folds its source only"
        assert meta.get("mystnb", {}).get("code_prompt_show") == "Show solution", where
        assert meta.get("mystnb", {}).get("code_prompt_hide") == "Hide solution", where
        assert meta.get("jupyter") == {"source_hidden": True, "outputs_hidden": True}, where
        assert "".join(cell["source"]).split("\n", 1)[0] == "# Solution", f"{where}: Lab shows a first line"


def test_hygiene_checks_can_fail(tmp_path: Path) -> None:
    """The checks above catch a notebook with cleared outputs and a stderr warning."""
    bad = {"metadata": {"widgets": {}}, "cells": [
        {"cell_type": "code", "source": ["1"], "metadata": {}, "execution_count": None, "outputs": []},
        {"cell_type": "code", "source": ["2"], "metadata": {"collapsed": True, "tags": ["hide-input"]},
         "execution_count": 2,
         "outputs": [{"output_type": "stream", "name": "stderr", "text": ["at 0x7f00deadbeef /home/ann/x"]}]},
    ]}
    bad["cells"][1]["outputs"] *= 2  # the same stream twice in a row
    bad["cells"].insert(0, {"cell_type": "markdown", "source": ["## Exercises"], "metadata": {}})
    for check in (test_executed_in_order, test_no_stderr, test_no_machine_paths_addresses_or_user_names,
                  test_no_widget_state, test_metadata_allow_list, test_streams_stored_as_a_reader_sees_them,
                  test_solutions_fold_whole_in_the_site_and_in_lab):
        with pytest.raises(AssertionError):
            check(bad)


TIMING = [name for name in section_pairs() if name.startswith("timing-")]  # vary between two runs here


def opted_out(cell: dict) -> bool:
    """True for a cell whose outputs nbval does not compare (tests/nbval_optouts.txt lists each one),
    read from its tags and comments the way nbval itself reads them."""
    options = dict(find_metadata_tags(cell.get("metadata", {})) or [])
    options.update(find_comment_markers("".join(cell["source"])))
    return options.get("check") is False or bool(options.get("skip"))


def masked(nb: dict) -> tuple[dict, list[str]]:
    """``nb`` as the refresh check compares it, and its figures apart.

    Timings are masked (tests/sanitize.cfg's timing-* sections), the outputs of opted-out cells
    (listed, each checked by its asserts) become a placeholder, and every image, animation frames
    included, becomes a placeholder too: the images are returned in order, to be compared as nbval
    compares them (RMS, tests/nbval_figures.py), since another kernel set may move a few pixels.
    """
    def mask(value):
        if isinstance(value, str):
            return sanitize(value, TIMING)
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        return [mask(v) for v in value] if isinstance(value, list) else value

    images: list[str] = []
    cells = []
    for cell in nb["cells"]:
        if "outputs" in cell and opted_out(cell):
            cell = {**cell, "outputs": "OPTED-OUT"}
        elif "outputs" in cell:
            outputs, found = split_figures(cell["outputs"])
            for out in outputs:
                if "image/png" in out.get("data", {}):
                    out["data"]["image/png"] = "IMAGE"
            images += found
            cell = {**cell, "outputs": mask(json.loads(json.dumps(outputs)))}
        cells.append(cell)
    return {**nb, "cells": cells}, images


def canonical(data: bytes) -> bytes:
    """``data`` (a notebook) as `make outputs` writes it: nbformat's serialisation, one final newline."""
    text = nbformat.writes(nbformat.reads(data.decode(), as_version=4))
    return (text if text.endswith("\n") else text + "\n").encode()


def refresh_difference(stored: bytes, fresh: bytes) -> str | None:
    """Why ``fresh`` (a re-executed copy of a chapter) is not a faithful refresh of ``stored``.

    Both must be stored as `make outputs` writes a notebook. Then every byte must agree except the
    numbers that the timing-* sanitizers of tests/sanitize.cfg mask, the outputs of opted-out cells,
    and figures, which may differ by the RMS that nbval allows. None if faithful.
    """
    if fresh == stored:
        return None
    if canonical(stored) != stored or canonical(fresh) != fresh:
        return "it is not stored as `make outputs` writes a notebook"
    (old, old_images), (new, new_images) = (masked(nbformat.reads(data.decode(), as_version=4))
                                            for data in (stored, fresh))
    if old != new:
        return "it changed beyond its timings and opted-out cells"
    return "; ".join(figure_differences(new_images, old_images)) or None


def refresh_problems(chapters: list[Path], tmp_path: Path) -> dict[str, str]:
    """Refresh copies of ``chapters`` with tools/refresh_outputs.py; {name: why not faithful}."""
    copies = [tmp_path / chapter.name for chapter in chapters]
    for chapter, copy in zip(chapters, copies, strict=True):
        copy.write_bytes(chapter.read_bytes())
    subprocess.run([sys.executable, str(ROOT / "tools" / "refresh_outputs.py"), *map(str, copies)],
                   check=True, capture_output=True, cwd=tmp_path)
    problems = {c.name: refresh_difference(c.read_bytes(), copy.read_bytes())
                for c, copy in zip(chapters, copies, strict=True)}
    return {k: v for k, v in problems.items() if v}


def run_problems(chapters: list[Path], this_run, tmp_path: Path) -> dict[str, str]:
    """{name: why not faithful} for ``chapters`` as this session's nbval run left them (conftest.py);
    a chapter nbval did not run whole in this session is refreshed here with tools/refresh_outputs.py."""
    problems = {c.name: refresh_difference(c.read_bytes(), this_run(c)) for c in chapters if this_run(c)}
    not_run = [c for c in chapters if not this_run(c)]
    refreshed = refresh_problems(not_run, tmp_path) if not_run else {}
    return {**{k: v for k, v in problems.items() if v}, **refreshed}


@pytest.mark.slow_refresh
def test_refresh_reproduces_every_chapter(this_run, tmp_path: Path) -> None:
    """`make outputs` on this machine changes nothing but the timings (and the listed opt-outs)."""
    assert not (problems := run_problems(PYTHON_CHAPTERS, this_run, tmp_path)), problems


@pytest.mark.slow_refresh
def test_refresh_reproduces_the_r_appendix(this_run, tmp_path: Path) -> None:
    """The same for the R appendix, run in its R kernel: no timings, so byte for byte."""
    reason = r_kernel.missing()
    if reason is not None:
        r_kernel.skip_or_fail(reason)
    assert not (problems := run_problems(R_NOTEBOOKS, this_run, tmp_path)), problems


@pytest.mark.slow_refresh
def test_the_refresh_tool_writes_what_nbval_ran(this_run, tmp_path: Path) -> None:
    """tools/refresh_outputs.py (nbclient) and nbval's run, as conftest.py keeps it, give the same bytes.

    The tests above read nbval's run; this ties it to what `make outputs` writes, on the shortest
    chapter with a figure, stream outputs split across a figure, and an execute_result.
    """
    chapter = ROOT / "chapters" / "03_modules.ipynb"
    if not this_run(chapter):
        pytest.skip("nbval did not run chapter 3 in this session (run: pytest --nbval chapters tests)")
    copy = tmp_path / chapter.name
    copy.write_bytes(chapter.read_bytes())
    subprocess.run([sys.executable, str(ROOT / "tools" / "refresh_outputs.py"), str(copy)],
                   check=True, capture_output=True, cwd=tmp_path)
    assert copy.read_bytes() == this_run(chapter)


def edited(chapter: str, old: str, new: str) -> bytes:
    """The stored bytes of ``chapter`` with the first ``old`` edited to ``new``, as a hand edit would."""
    data = (ROOT / "chapters" / chapter).read_bytes()
    assert old.encode() in data, f"{old!r} is not in {chapter}"
    return data.replace(old.encode(), new.encode(), 1)


def test_refresh_check_can_fail() -> None:
    """Byte for byte where there are no timings; only the timing numbers may move where there are."""
    plain = (ROOT / "chapters" / "07_evaluation.ipynb").read_bytes()
    assert refresh_difference(plain, plain) is None
    chapter3 = (ROOT / "chapters" / "03_modules.ipynb").read_bytes()
    assert all(canonical(chapter.read_bytes()) == chapter.read_bytes() for chapter in CHAPTERS)
    assert refresh_difference(chapter3, json.dumps(json.loads(chapter3), indent=2).encode())  # same JSON
    for chapter, old, new in [("03_modules.ipynb", "on device: cpu", "on device: cpu "),
                              ("03_modules.ipynb", "on device: cpu", "on device: cuda")]:
        assert refresh_difference((ROOT / "chapters" / chapter).read_bytes(), edited(chapter, old, new))
    timing_line = re.search(r"bytes, in [\d.]+ ms", plain.decode())[0]  # the first timing line
    slower = edited("07_evaluation.ipynb", timing_line, "bytes, in 99999.9 ms")
    assert refresh_difference(plain, slower) is None
    for old, new in [(timing_line, timing_line.replace(" ms", " s")), ("256 bytes", "257 bytes"),
                     ("on device: cpu", "on device: NVIDIA H200")]:
        assert refresh_difference(plain, edited("07_evaluation.ipynb", old, new)), (old, new)


def test_refresh_check_compares_figures_as_nbval_does_and_skips_only_listed_optouts() -> None:
    """Another kernel set may redraw a figure a few pixels apart (passes) but not blank it (fails);
    the outputs of an opted-out cell may change, those of the cell before it may not."""
    stored = (ROOT / "chapters" / "03_modules.ipynb").read_bytes()

    def with_first_image(change) -> bytes:
        nb = nbformat.reads(stored.decode(), as_version=4)
        out = next(o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
        image = np.asarray(Image.open(io.BytesIO(base64.b64decode(out.data["image/png"]))).convert("RGB"))
        buffer = io.BytesIO()
        Image.fromarray(change(image.copy())).save(buffer, format="png", compress_level=1)
        out.data["image/png"] = base64.b64encode(buffer.getvalue()).decode()
        return canonical(nbformat.writes(nb).encode())

    same_pixels = with_first_image(lambda image: image)
    assert same_pixels != stored and refresh_difference(stored, same_pixels) is None
    one_pixel = with_first_image(lambda image: np.where(np.arange(image.size).reshape(image.shape) == 0,
                                                        255 - image, image).astype(np.uint8))
    assert refresh_difference(stored, one_pixel) is None
    blank = refresh_difference(stored, with_first_image(lambda image: np.full_like(image, 255)))
    assert blank and "image 1 differs" in blank
    chaotic = (ROOT / "chapters" / "09_learning_rate.ipynb").read_bytes()
    row = re.search(r"   10 \|  [\d.]+", chaotic.decode())[0]  # in the opted-out cell of lr = 10
    assert refresh_difference(chaotic, edited("09_learning_rate.ipynb", row, row[:-1] + "9")) is None
    assert refresh_difference(chaotic, edited("09_learning_rate.ipynb", "| 32/32   |", "| 31/32   |"))


OPTOUTS = ROOT / "tests" / "nbval_optouts.txt"


def optouts(nb: dict) -> set[tuple[str, str]]:
    """Every nbval marker in ``nb`` as (first line of the cell, marker): tags and ``# NBVAL_*`` comments."""
    found = set()
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        first = source.strip().splitlines()[0] if source.strip() else ""
        for tag in cell["metadata"].get("tags", []):
            if tag in metadata_tags or "nbval" in tag.lower():
                found.add((first, tag))
        for line in source.splitlines():
            comment = line.strip().lstrip("#").strip()
            if line.strip().startswith("#") and (comment in comment_markers or "NBVAL" in comment.upper()):
                found.add((first, comment))
    return found


def listed_optouts() -> dict[str, set[tuple[str, str]]]:
    """tests/nbval_optouts.txt as {chapter: {(first line of the cell, marker)}}; each needs a reason."""
    listed: dict[str, set[tuple[str, str]]] = {}
    for line in OPTOUTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            fields = [f.strip() for f in line.split(" | ")]
            assert len(fields) == 4 and len(fields[3]) > 20, f"chapter | cell | marker | reason? {line!r}"
            listed.setdefault(fields[0], set()).add((fields[1], fields[2]))
    return listed


def unasserted_optouts(nb: dict) -> list[str]:
    """First lines of the cells that opt out of nbval's comparison with no ``assert`` to check them."""
    return [first for first, _ in optouts(nb) for cell in nb["cells"]
            if "".join(cell["source"]).strip().startswith(first)
            and not re.search(r"^\s*assert ", "".join(cell["source"]), re.M)]


def test_every_optout_is_listed_with_a_reason() -> None:
    listed = listed_optouts()
    for chapter in CHAPTERS:
        nb = json.loads(chapter.read_text())
        assert not unasserted_optouts(nb), f"{chapter.name}: opted-out cells without an assert"
        found = optouts(nb)
        assert found <= listed.get(chapter.name, set()), (
            f"{chapter.name}: nbval opt-outs not listed in tests/nbval_optouts.txt: "
            f"{found - listed.get(chapter.name, set())}")
        assert listed.get(chapter.name, set()) <= found, f"{chapter.name}: listed opt-outs no longer used"
    assert set(listed) <= {c.name for c in CHAPTERS}, "opt-outs listed for a chapter that does not exist"


def test_optout_detection_can_fail() -> None:
    """An ignore tag or an NBVAL comment on an accuracy cell is found, so an unlisted one fails."""
    nb = {"cells": [
        {"cell_type": "code", "metadata": {"tags": ["nbval-ignore-output", "hide-input"]},
         "source": ["print(accuracy)\n"]},
        {"cell_type": "code", "metadata": {}, "source": ["x = 1\n", "# NBVAL_SKIP\n"]},
        {"cell_type": "code", "metadata": {"tags": ["raises-exception"]}, "source": ["1 / 0"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["# A heading, not a marker"]},
    ]}
    assert optouts(nb) == {("print(accuracy)", "nbval-ignore-output"), ("x = 1", "NBVAL_SKIP"),
                           ("1 / 0", "raises-exception")}
    assert sorted(unasserted_optouts(nb)) == ["1 / 0", "print(accuracy)", "x = 1"]
    nb["cells"][0]["source"].append("assert accuracy > 0.9  # what every machine shows\n")
    assert sorted(unasserted_optouts(nb)) == ["1 / 0", "x = 1"]


def test_a_run_is_assembled_only_when_every_code_cell_ran() -> None:
    """tests/nbval_record.py rebuilds outputs from kernel messages, numbers the cells 1, 2, ... and
    keeps no notebook of a partial run (a deselected cell), which would fail the refresh check."""
    from tests.nbval_record import assemble

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_markdown_cell("text"), nbformat.v4.new_code_cell("print(1)"),
                nbformat.v4.new_code_cell(""), nbformat.v4.new_code_cell("2")]

    def message(kind: str, **content) -> dict:
        return {"msg_type": kind, "content": content, "header": {"msg_type": kind}, "parent_header": {}}

    printed = [message("execute_input", code="print(1)", execution_count=0),
               message("stream", name="stdout", text="1\n")]
    result = [message("execute_result", data={"text/plain": "2"}, metadata={}, execution_count=0)]
    assert assemble(nb, {1: printed}) is None, "cell 3 did not run"
    run = json.loads(assemble(nb, {1: printed, 3: result}))
    code = [c for c in run["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == [1, None, 2]
    assert code[0]["outputs"] == [{"name": "stdout", "output_type": "stream", "text": ["1\n"]}]
    assert code[2]["outputs"][0]["execution_count"] == 2
    assert code[2]["outputs"][0]["data"] == {"text/plain": ["2"]}
