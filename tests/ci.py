"""Whether this is a CI run, read the same way by every test (no torch here: conftest.py imports it)."""

from __future__ import annotations

import os

# Values of CI that mean "not in CI"; any other non-empty value (true, 1, yes, a CI's name) means CI.
NOT_CI = ("", "0", "false", "no", "off")


def in_ci() -> bool:
    """Whether the environment variable CI says this is a CI run (CI=true, CI=1, ...)."""
    return os.environ.get("CI", "").strip().lower() not in NOT_CI
