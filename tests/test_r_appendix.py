"""The R appendix's set-up: its kernel, and what its tests do on a machine without R.

nbval runs chapters/appendix_r.ipynb in the R kernel (conftest.py). Without R the notebook's
cells skip with how to install it; in CI, or with XORCOURSE_REQUIRE_R=1, they fail instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import r_kernel
from jupyter_client.kernelspec import KernelSpecManager

ROOT = Path(__file__).resolve().parent.parent
APPENDIX = ROOT / "chapters" / "appendix_r.ipynb"
NO_R_PATH = str(Path(sys.executable).parent)  # this environment's tools, and no R


def nbval_without_r(**env: str) -> subprocess.CompletedProcess:
    """pytest --nbval on the appendix with R off PATH (and CI variables as given)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "XORCOURSE_REQUIRE_R")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval", "-q", "-rs", str(APPENDIX)],
        env={**clean, "PATH": NO_R_PATH, **env}, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_appendix_runs_in_the_r_kernel() -> None:
    spec = r_kernel.kernelspec(APPENDIX)
    assert r_kernel.is_r(spec) and spec["name"] == "ir", spec
    assert not any(r_kernel.is_r(r_kernel.kernelspec(p)) for p in (ROOT / "chapters").glob("[0-9]*.ipynb"))


def test_without_r_the_appendix_skips_with_how_to_install_it() -> None:
    run = nbval_without_r()
    assert run.returncode == 0, run.stdout[-2000:]
    assert "passed" not in run.stdout and "skipped" in run.stdout, run.stdout[-2000:]
    assert "R with reticulate and IRkernel not found: apt-get install --no-install-recommends " \
           "r-base-core r-cran-reticulate r-cran-irkernel" in run.stdout, run.stdout[-2000:]


@pytest.mark.parametrize("env", [{"CI": "true"}, {"XORCOURSE_REQUIRE_R": "1"}], ids=["CI", "required"])
def test_without_r_the_appendix_fails_where_it_is_required(env: dict[str, str]) -> None:
    run = nbval_without_r(**env)
    assert run.returncode != 0, run.stdout[-2000:]
    assert "skipped" not in run.stdout and "passed" not in run.stdout, run.stdout[-2000:]
    assert "R with reticulate and IRkernel not found" in run.stdout, run.stdout[-2000:]
    assert "required here" in run.stdout, run.stdout[-2000:]


def test_required_reads_ci_and_the_course_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("XORCOURSE_REQUIRE_R", raising=False)
    assert not r_kernel.required()
    for name, value, expected in [("CI", "true", True), ("CI", "false", False),
                                  ("XORCOURSE_REQUIRE_R", "1", True), ("XORCOURSE_REQUIRE_R", "0", False)]:
        monkeypatch.setenv(name, value)
        assert r_kernel.required() is expected, (name, value)
        monkeypatch.delenv(name)


def test_missing_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", NO_R_PATH)
    assert r_kernel.missing().endswith("(no R on PATH)")
    monkeypatch.undo()
    if r_kernel.missing() is not None:
        r_kernel.skip_or_fail(r_kernel.missing())
    assert "no Jupyter kernel 'no-such-kernel'" in r_kernel.missing("no-such-kernel")


def test_the_registered_kernel_uses_this_environments_python() -> None:
    """`make setup` points reticulate at this .venv's python, which has torch and xorlib."""
    reason = r_kernel.missing()
    if reason is not None:
        r_kernel.skip_or_fail(reason)
    spec = KernelSpecManager().get_kernel_spec("ir")
    assert Path(spec.resource_dir).is_relative_to(sys.prefix), spec.resource_dir
    assert spec.env.get("RETICULATE_PYTHON") == str(Path(sys.prefix) / "bin" / "python"), spec.env
    assert json.loads((Path(spec.resource_dir) / "kernel.json").read_text())["language"] == "R"
