"""`make lab`: chapters in Markdown that JupyterLab renders, opened from a copy, never the committed ones."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JUPYTER = Path(sys.executable).parent / "jupyter"


def test_lab_copies_the_chapters_once_and_keeps_a_learners_work(tmp_path: Path) -> None:
    lab = tmp_path / "lab"

    def copy() -> None:
        subprocess.run(["make", "-s", "lab-copy", f"LAB_DIR={lab}"], cwd=ROOT, check=True,
                       capture_output=True)

    copy()
    chapters = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))
    assert sorted(p.name for p in lab.iterdir()) == chapters
    first = lab / chapters[0]
    first.write_text("a learner's work")
    (lab / chapters[-1]).unlink()
    copy()  # a second `make lab`: the edited chapter is kept, the deleted one comes back
    assert first.read_text() == "a learner's work"
    assert (lab / chapters[-1]).read_bytes() == (ROOT / "chapters" / chapters[-1]).read_bytes()


# MyST directives (```{note}), roles ({doc}`x`) and directive options (:class: tip)
MYST = re.compile(r"^\s*(```|~~~)\s*\{[\w-]+\}|(?<!`)\{[\w:-]+\}`|^:[\w-]+:", re.MULTILINE)


def myst_syntax(nb: dict) -> list[str]:
    """MyST-only syntax in the markdown cells, which plain Jupyter shows as raw text."""
    return [m.group(0) for c in nb["cells"] if c["cell_type"] == "markdown"
            for m in MYST.finditer("".join(c["source"]))]


def test_chapters_use_markdown_that_jupyter_and_the_website_both_render() -> None:
    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        assert not myst_syntax(json.loads(chapter.read_text())), chapter.name


def test_myst_detection_can_fail() -> None:
    cells = ["```{admonition} Title\n:class: tip\nText\n```", "```{note}\nx\n```", "see {doc}`intro`",
             "> **Note**: plain\n\n```python\nx = {1: 2}\n```\n$\\{x\\}$ and `{a}`"]
    found = [myst_syntax({"cells": [{"cell_type": "markdown", "source": [c]}]}) for c in cells]
    assert found[0] == ["```{admonition}", ":class:"] and found[1] == ["```{note}"] and found[2] == ["{doc}`"]
    assert found[3] == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_saves_widget_state_so_a_reopened_panel_is_no_error(tmp_path: Path) -> None:
    """Lab, as `make lab` starts it, reports saveState on for the widget manager: a notebook saved with
    a live panel keeps the widgets' state, so reopening it draws the panel instead of an error."""
    subprocess.run(["make", "-s", "lab-copy", f"LAB_DIR={tmp_path / 'lab'}"], cwd=ROOT, check=True,
                   capture_output=True)
    port, token = free_port(), "course-test"
    server = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1", "--allow-root",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path / 'lab'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HOME": str(tmp_path)})
    url = f"http://127.0.0.1:{port}/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin?token={token}"
    try:
        deadline, settings = time.monotonic() + 90, None
        while settings is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    settings = json.load(response)
            except OSError:
                time.sleep(0.5)
        assert settings is not None, "JupyterLab did not answer"
        # the server applies overrides.json to the schema's default; a fresh user has no setting of their own
        assert settings["schema"]["properties"]["saveState"]["default"] is True, settings["schema"]
        assert "saveState" not in settings["settings"], settings["settings"]
    finally:
        server.terminate()
        server.wait(timeout=30)
