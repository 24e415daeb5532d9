"""Hygiene of the stored chapters: what nbval cannot see (order, errors, stderr, leaks, metadata)."""

from __future__ import annotations

import configparser
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
NOTEBOOK_KEYS = {"kernelspec", "language_info"}
CELL_KEYS = {"tags", "mystnb"}  # mystnb holds figure alt text for the website
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


def test_all_eight_chapters_present() -> None:
    assert len(CHAPTERS) == 8, [p.name for p in CHAPTERS]


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


def test_hygiene_checks_can_fail(tmp_path: Path) -> None:
    """The checks above catch a notebook with cleared outputs and a stderr warning."""
    bad = {"metadata": {"widgets": {}}, "cells": [
        {"cell_type": "code", "source": ["1"], "metadata": {}, "execution_count": None, "outputs": []},
        {"cell_type": "code", "source": ["2"], "metadata": {"collapsed": True}, "execution_count": 2,
         "outputs": [{"output_type": "stream", "name": "stderr", "text": ["at 0x7f00deadbeef /home/ann/x"]}]},
    ]}
    for check in (test_executed_in_order, test_no_stderr, test_no_machine_paths_addresses_or_user_names,
                  test_no_widget_state, test_metadata_allow_list):
        with pytest.raises(AssertionError):
            check(bad)


def sanitizers() -> list[tuple[str, str]]:
    """The (regex, replacement) pairs of tests/sanitize.cfg, read the way nbval reads them."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tests" / "sanitize.cfg")
    return [(config[name]["regex"], config[name]["replace"]) for name in config.sections()]


def sanitized(nb: dict) -> dict:
    """``nb`` with every output string passed through the sanitizers (as nbval compares them)."""
    def clean(value):
        if isinstance(value, str):
            for regex, replace in sanitizers():
                value = re.sub(regex, replace, value)
            return value
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if "outputs" in cell:
            cell["outputs"] = [clean({**o, "text": "".join(o["text"])} if "text" in o else o)
                               for o in cell["outputs"]]
    return nb


@pytest.mark.slow_refresh
def test_refresh_reproduces_every_chapter(tmp_path: Path) -> None:
    """`make outputs` twice in a row changes nothing but the exempted timings.

    Every chapter is re-executed from a copy. A chapter without timing lines must come back
    byte-identical; one with them must differ only inside what tests/sanitize.cfg exempts.
    """
    copies = [tmp_path / chapter.name for chapter in CHAPTERS]
    for chapter, copy in zip(CHAPTERS, copies, strict=True):
        copy.write_bytes(chapter.read_bytes())
    subprocess.run([sys.executable, str(ROOT / "tools" / "refresh_outputs.py"), *map(str, copies)],
                   check=True, capture_output=True, cwd=tmp_path)
    for chapter, copy in zip(CHAPTERS, copies, strict=True):
        stored, fresh = json.loads(chapter.read_text()), json.loads(copy.read_text())
        if sanitized(stored) == stored:  # nothing machine-dependent in this chapter
            assert copy.read_bytes() == chapter.read_bytes(), f"re-executing {chapter.name} changed it"
        else:
            assert sanitized(fresh) == sanitized(stored), f"{chapter.name} changed beyond its timings"


def test_sanitizers_only_touch_what_they_should() -> None:
    """The exemptions are narrow: a changed accuracy or a changed loss is still a difference."""
    output = {"output_type": "stream", "name": "stdout", "text": ["accuracy: 100.00%\nUsing device: cpu\n"]}
    nb = {"cells": [{"cell_type": "code", "outputs": [output]}]}
    changed = json.loads(json.dumps(nb))
    changed["cells"][0]["outputs"][0]["text"] = ["accuracy: 99.80%\nUsing device: cuda\n"]
    assert sanitized(nb) != sanitized(changed)
    changed["cells"][0]["outputs"][0]["text"] = ["accuracy: 100.00%\nUsing device: cuda\n"]
    assert sanitized(nb) == sanitized(changed)
