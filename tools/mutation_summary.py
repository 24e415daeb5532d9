"""Summarise a ``mutmut run``: killed, survived and the kill rate of the non-equivalent mutants.

Reads the per-file results mutmut leaves in ``mutants/`` (``<file>.meta``) for the modules
named in ``[tool.mutmut] only_mutate`` of pyproject.toml, subtracts the reviewed equivalent
mutants of ``tests/mutmut-equivalent.txt`` and exits 1 when the kill rate is below
``--min-rate`` (or when a mutant was never checked, or the equivalent list is stale).

    python tools/mutation_summary.py [--min-rate 0.9]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import tomllib  # Python >= 3.11, as in the course's .venv
from mutmut.stats import status_by_exit_code  # exit code -> "killed", "survived", "timeout", ...

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "tests" / "mutmut-equivalent.txt"
DETECTED = ("killed", "timeout", "caught by type check")  # the tests (or a hang) told the mutant apart


def read_equivalent(path: Path) -> dict[str, tuple[str, str]]:
    """Map mutant name -> (file, reason) from lines ``file  mutant-name  reason``; ``#`` starts a comment."""
    listed = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        if len(parts) < 3:
            raise ValueError(f"{path.name}:{number}: expected 'file  mutant-name  reason', got {line!r}")
        file, name, reason = parts
        if not name.startswith(file.removesuffix(".py").replace("/", ".") + "."):
            raise ValueError(f"{path.name}:{number}: mutant {name} does not belong to {file}")
        listed[name] = (file, reason)
    return listed


def read_results(mutants: Path, files: list[str]) -> dict[str, str]:
    """Map every mutant name of ``files`` to its status (mutmut's words)."""
    status = {}
    for file in files:
        meta = mutants / (file + ".meta")
        if not meta.is_file():
            raise FileNotFoundError(f"no results for {file} at {meta}: run `mutmut run` first")
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            status[name] = status_by_exit_code[code]
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-rate", type=float, default=0.9, help="lowest kill rate that passes (0.9)")
    args = parser.parse_args()
    files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]["only_mutate"]
    status = read_results(ROOT / "mutants", files)
    equivalent = read_equivalent(EQUIVALENT)
    problems = [f"{name}: listed as equivalent but {status.get(name, 'no such mutant')}"
                for name in equivalent if status.get(name) != "survived"]
    problems += [f"{name}: not checked (interrupted?)" for name, s in status.items() if s == "not checked"]

    counts = Counter(status.values())
    total, killed, timeout = len(status), counts["killed"] + counts["caught by type check"], counts["timeout"]
    live = [n for n, s in sorted(status.items()) if s not in DETECTED and n not in equivalent]
    candidates = total - len(equivalent)  # the non-equivalent mutants
    rate = (total - len(equivalent) - len(live)) / candidates if candidates else 1.0

    print("\nMutation testing of", ", ".join(Path(f).stem for f in files))
    for name in live:
        print(f"  {status[name]:>9}: {name}   (mutmut show {name})")
    others = {s: n for s, n in counts.items() if s not in ("killed", "survived", "timeout")}
    print(f"  total {total}, killed {killed}, survived {counts['survived']} "
          f"(of which equivalent {len(equivalent)}), timeout {timeout}"
          + "".join(f", {s} {n}" for s, n in sorted(others.items())))
    print(f"  kill rate {rate:.1%} of {candidates} non-equivalent mutants "
          f"(killed + timeout; required {args.min_rate:.0%})")
    for problem in problems:
        print("  error:", problem)
    return 0 if rate >= args.min_rate and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
