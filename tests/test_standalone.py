"""A chapter opened alone (Colab, a fresh Jupyter) installs xorlib from the course site and
reproduces its stored outputs.

Offline: the built site (``make book``) is served on 127.0.0.1; one chapter is copied alone
into an empty folder and run by nbval in a bare environment: a new venv that sees torch,
matplotlib, tqdm, ipywidgets and ipykernel (and what they need), but not xorlib.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import venv
from importlib.metadata import Distribution, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
sys.path.insert(0, str(ROOT / "tools"))
import install_cell  # noqa: E402  (a script of this repository, not a package)

BARE = ("torch", "matplotlib", "tqdm", "ipywidgets", "ipykernel")
CHAPTER = "04_data.ipynb"
PLUGIN = """import importlib.util, sys
sys.path.insert(0, {root!r})
spec = importlib.util.spec_from_file_location("course_conftest", {root!r} + "/conftest.py")
course = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course)
pytest_configure = course.pytest_configure
pytest_collection_modifyitems = course.pytest_collection_modifyitems
"""  # uses the library's data set, its plots and its provenance line


def closure(names: tuple[str, ...]) -> list[Distribution]:
    """The installed distributions ``names`` need, their dependencies included (extras left out)."""
    seen: dict[str, Distribution] = {}
    todo = list(names)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen[name] = dist = distribution(name)
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    assert "xorlib" not in seen
    return list(seen.values())


def bare_env(where: Path) -> Path:
    """A venv whose extra sys.path entry holds links to exactly the files of ``closure(BARE)``."""
    venv.EnvBuilder(with_pip=True).create(where / "env")
    python = where / "env" / "bin" / "python"
    shared = where / "shared"
    shared.mkdir()
    for dist in closure(BARE):
        for file in dist.files or []:
            top = file.parts[0]
            source = Path(dist.locate_file(top))
            if top not in ("..", "__pycache__") and source.exists() and not (shared / top).exists():
                (shared / top).symlink_to(source)
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "course-bare.pth").write_text(f"{shared}\n")
    return python


@pytest.fixture
def served_site() -> str:
    wheel = SITE / "_static" / install_cell.wheel_name()
    if not wheel.is_file():
        pytest.fail(f"{wheel.relative_to(ROOT)} is missing: run `make book` first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_every_chapter_has_the_current_install_cell() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "install_cell.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_install_cell_follows_the_config() -> None:
    """The cell is first among code cells, tagged off the website, and carries the configured site."""
    source = install_cell.cell_source()
    assert f'"XORCOURSE_SITE_URL", "{install_cell.site_url()}"' in source
    assert install_cell.wheel_name() in source
    nb = json.loads((ROOT / "chapters" / CHAPTER).read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert "".join(first["source"]) == source and first["metadata"]["tags"] == ["remove-cell"]
    assert first["outputs"] == [], "in the course's environment the cell prints nothing"


def test_a_chapter_alone_installs_xorlib_and_reproduces_its_outputs(served_site: str, tmp_path: Path) -> None:
    python = bare_env(tmp_path)
    missing = subprocess.run([python, "-c", "import torch, matplotlib, tqdm, ipywidgets, ipykernel, xorlib"],
                             capture_output=True, text=True, cwd=tmp_path)
    assert "No module named 'xorlib'" in missing.stderr, missing.stderr  # bare: all but xorlib

    kernels = tmp_path / "jupyter" / "kernels" / "bare"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bare", "language": "python"}))
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(ROOT / "chapters" / CHAPTER, alone)
    # The repository's conftest.py (figure comparison) as a plugin of the nbval run; the folder
    # on PYTHONPATH holds that one file, so the kernel, which inherits it, still lacks xorlib.
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "course_plugin.py").write_text(PLUGIN.format(root=str(ROOT)))
    env = {**os.environ, "JUPYTER_PATH": str(tmp_path / "jupyter"), "XORCOURSE_SITE_URL": served_site,
           "PYTHONPATH": str(plugin), "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "course_plugin", "-q", "--nbval",
         "--nbval-kernel-name", "bare", "--nbval-sanitize-with", str(ROOT / "tests" / "sanitize.cfg"),
         CHAPTER], cwd=alone, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", run.stdout) and "failed" not in run.stdout

    where = subprocess.run([python, "-c", "import xorlib; print(xorlib.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert str(tmp_path / "env") in where, "xorlib must come from the wheel installed in the bare env"
