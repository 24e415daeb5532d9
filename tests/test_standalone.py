"""A chapter opened alone (Colab, a fresh Jupyter) installs xorlib from the course site and
reproduces its stored outputs.

The built site (``make book``) is served on 127.0.0.1; a chapter is copied alone into an empty
folder and run by nbval in a bare environment: a new venv that sees torch, matplotlib, tqdm,
ipywidgets and ipykernel (and what they need), as a learner's Jupyter has them, but not xorlib
and not TensorBoard. The chapter's first cell installs xorlib's wheel from the site, and pip
brings what the wheel declares from the package index (held to the versions of
requirements/main.txt), so a dependency xorlib forgets to declare fails the chapter: chapter 6
imports TensorBoard's writer, and every chapter imports xorlib.monitor, which reads its files.
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
import zipfile
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
ALONE = ("04_data.ipynb", "06_training.ipynb")  # the data set's plots; training watched with TensorBoard
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
    assert "xorlib" not in seen and "tensorboard" not in seen
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
    assert '"xorlib @ {wheel}"' in source and "--no-deps" not in source, "the wheel with its dependencies"
    assert '"xorlib[widgets] @ {wheel}"' in install_cell.cell_source(["widgets"])
    panel = json.loads((ROOT / "chapters" / "11_decision_boundaries.ipynb").read_text())
    first = next(c for c in panel["cells"] if c["cell_type"] == "code")
    assert "".join(first["source"]) == install_cell.cell_source(["widgets"]), "chapter 11's panel: ipywidgets"


def test_the_served_wheel_is_the_library_as_it_is() -> None:
    """``make book``'s wheel holds exactly xorlib's modules (nothing left from an old build) and declares
    its dependencies."""
    wheel = SITE / "_static" / install_cell.wheel_name()
    if not wheel.is_file():
        pytest.fail(f"{wheel.relative_to(ROOT)} is missing: run `make book` first")
    with zipfile.ZipFile(wheel) as whl:
        modules = {n for n in whl.namelist() if n.startswith("xorlib/")}
        metadata = whl.read(next(n for n in whl.namelist() if n.endswith("METADATA"))).decode()
    assert modules == {p.relative_to(ROOT).as_posix() for p in (ROOT / "xorlib").rglob("*.py")}
    assert re.search(r"^Requires-Dist: tensorboard", metadata, re.M), "the wheel declares what xorlib imports"


def lock_constraints(where: Path) -> Path:
    """requirements/main.txt's pins without their hashes, as a pip constraints file."""
    pins = re.findall(r"^[A-Za-z0-9._-]+==\S+", (ROOT / "requirements" / "main.txt").read_text(), re.M)
    path = where / "constraints.txt"
    path.write_text("\n".join(pins) + "\n")
    return path


@pytest.mark.parametrize("chapter", ALONE)
def test_a_chapter_alone_installs_xorlib_and_reproduces_its_outputs(served_site: str, tmp_path: Path,
                                                                    chapter: str) -> None:
    python = bare_env(tmp_path)
    for module in ("xorlib", "tensorboard"):
        imports = f"import torch, matplotlib, tqdm, ipywidgets, ipykernel, {module}"
        missing = subprocess.run([python, "-c", imports], capture_output=True, text=True, cwd=tmp_path)
        assert f"No module named '{module}'" in missing.stderr, missing.stderr  # bare: what a learner has

    kernels = tmp_path / "jupyter" / "kernels" / "bare"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bare", "language": "python"}))
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(ROOT / "chapters" / chapter, alone)
    # The repository's conftest.py (figure comparison) as a plugin of the nbval run; the folder
    # on PYTHONPATH holds that one file, so the kernel, which inherits it, still lacks xorlib.
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "course_plugin.py").write_text(PLUGIN.format(root=str(ROOT)))
    env = {**os.environ, "JUPYTER_PATH": str(tmp_path / "jupyter"), "XORCOURSE_SITE_URL": served_site,
           "PYTHONPATH": str(plugin), "PIP_CONSTRAINT": str(lock_constraints(tmp_path)),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "course_plugin", "-q", "--nbval",
         "--nbval-kernel-name", "bare", "--nbval-sanitize-with", str(ROOT / "tests" / "sanitize.cfg"),
         chapter], cwd=alone, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", run.stdout) and "failed" not in run.stdout

    where = subprocess.run([python, "-c", "import tensorboard, torch, xorlib; print(xorlib.__file__, "
                            "tensorboard.__file__, torch.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout.split()
    assert str(tmp_path / "env") in where[0], "xorlib must come from the wheel installed in the bare env"
    assert str(tmp_path / "env") in where[1], "tensorboard came with it, as the wheel declares"
    assert str(tmp_path / "shared") in where[2], "the learner's torch stays"
