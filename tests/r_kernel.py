"""Whether this machine can run the R appendix, and what its tests do when it cannot.

The appendix (chapters/appendix_r.ipynb) runs in the R kernel "ir", which `make setup` registers
where R is on PATH (tools/register_r_kernel.py). Without it the appendix's tests skip with the
reason below; in CI (CI=true, CI=1, ...) or with XORCOURSE_REQUIRE_R=1 they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from tests.ci import in_ci

INSTALL = ("apt-get install --no-install-recommends r-base-core r-cran-reticulate r-cran-irkernel, "
           "then make setup")
PACKAGES_LOAD = 'quit(status = !all(sapply(c("reticulate", "IRkernel"), requireNamespace, quietly = TRUE)))'


def kernelspec(path: Path) -> dict:
    """The kernelspec stored in the notebook at ``path`` (``{}`` if none)."""
    return json.loads(path.read_text()).get("metadata", {}).get("kernelspec", {})


def is_r(spec: dict) -> bool:
    return spec.get("language", "").lower() == "r"


def required() -> bool:
    """CI and XORCOURSE_REQUIRE_R=1 must run the R appendix, not skip it."""
    return in_ci() or os.environ.get("XORCOURSE_REQUIRE_R") == "1"


def missing(kernel: str = "ir") -> str | None:
    """Why the R kernel ``kernel`` cannot run here, or None when it can."""
    detail = None
    if shutil.which("R") is None or shutil.which("Rscript") is None:
        detail = "no R on PATH"
    else:
        try:
            KernelSpecManager().get_kernel_spec(kernel)
        except NoSuchKernel:
            detail = f"no Jupyter kernel {kernel!r} registered in this environment"
        else:
            loads = subprocess.run(["Rscript", "-e", PACKAGES_LOAD], capture_output=True, timeout=60)
            detail = None if loads.returncode == 0 else "R cannot load reticulate and IRkernel"
    if detail is None:
        return None
    return f"R with reticulate and IRkernel not found: {INSTALL} ({detail})"


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``; fail with it where the R appendix is required."""
    if required():
        pytest.fail(f"{reason} (required here: CI=true or XORCOURSE_REQUIRE_R=1)", pytrace=False)
    pytest.skip(reason)
