"""Register the R kernel (IRkernel) in this environment, with reticulate pointed at its Python.

Usage: python tools/register_r_kernel.py   (`make setup` runs it)

Where R is on PATH, installs the kernel spec ``ir`` ("R") under this environment's prefix and
adds ``RETICULATE_PYTHON`` to its kernel.json, so ``library(reticulate)`` in the appendix imports
the torch and xorlib installed here. Without R it says how to get it and changes nothing (exit 0).
Running it twice leaves the same files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

NAME = "ir"
PACKAGES = "r-base-core r-cran-reticulate r-cran-irkernel"
INSTALL = f"apt-get install --no-install-recommends {PACKAGES}"


def kernel_json(prefix: Path) -> Path:
    return prefix / "share" / "jupyter" / "kernels" / NAME / "kernel.json"


def register(prefix: Path, python: Path) -> Path:
    """Install the spec under ``prefix`` and point reticulate at ``python``; return its kernel.json."""
    env = {**os.environ, "PATH": f"{Path(python).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    # IRkernel calls `jupyter kernelspec install`: this environment's jupyter comes first on PATH
    code = f"IRkernel::installspec(prefix = '{prefix}', name = '{NAME}', displayname = 'R')"
    subprocess.run(["R", "--quiet", "--no-save", "-e", code], check=True, env=env, capture_output=True)
    path = kernel_json(prefix)
    spec = json.loads(path.read_text())
    spec["env"] = {**spec.get("env", {}), "RETICULATE_PYTHON": str(python)}
    path.write_text(json.dumps(spec, indent=1) + "\n")
    return path


def main() -> int:
    if shutil.which("R") is None:
        print(f"R not found: the R appendix will be skipped. To run it: {INSTALL}, then make setup")
        return 0
    prefix = Path(sys.prefix)
    try:
        path = register(prefix, prefix / "bin" / "python")
    except subprocess.CalledProcessError as error:
        print(f"registering the R kernel failed (is IRkernel installed? {INSTALL}):\n"
              f"{error.stderr.decode(errors='replace')}", file=sys.stderr)
        return 1
    print(f"R kernel registered: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
