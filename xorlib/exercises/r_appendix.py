"""Exercise for the R appendix (``appendix_r``), called from R through reticulate."""

from __future__ import annotations

from typing import Any

from xorlib.exercises._verdict import _checker, _kind, _require

BATCH = 32
SECOND = list(range(BATCH + 1, 2 * BATCH + 1))  # R's row numbers 33..64: Python's rows 32..63


def _rows(answer: Any) -> list[int]:
    """An R integer vector arrives as a list of ints (one number alone as an int)."""
    values = answer if isinstance(answer, list | tuple) else [answer]
    _kind(answer, all(isinstance(v, int | float) and not isinstance(v, bool) for v in values),
          "an R vector of row numbers, such as 1:32")
    _require(all(float(v).is_integer() for v in values), "row numbers are whole numbers")
    return [int(v) for v in values]


@_checker("R's rows 33 to 64 are Python's rows 32 to 63: the same 32 samples, counted from 1.")
def check_r_second_batch(answer: Any) -> None:
    """``answer``: the R row numbers (of ``X``) of the second batch of 32 samples, taken in order."""
    rows = _rows(answer)
    _require(len(rows) == BATCH, f"a batch holds {BATCH} rows, your vector has {len(rows)}")
    _require(rows != [r - 1 for r in SECOND], "those are Python's row numbers, counted from 0; "
                                              "R counts rows from 1")
    _require(rows != list(range(1, BATCH + 1)), "that is the first batch; the second comes after it")
    _require(rows == SECOND, "the second batch follows the first 32 rows, in order")
