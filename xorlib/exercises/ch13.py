"""Exercise for chapter 13 (``13_going_further``): a processor's peak rate."""

from __future__ import annotations

from collections.abc import Callable

from xorlib.exercises._verdict import _call, _checker, _compare, _kind, _number


@_checker("Cores x lanes x 2 x FMA units x clock; measure the clock rather than trusting its label.")
def check_13_peak(fn: Callable) -> None:
    """``fn(cores, lanes, fma_units, ghz)``: the peak float32 rate in GFLOP/s."""
    _kind(fn, callable(fn), "a function fn(cores, lanes, fma_units, ghz) returning a number")
    # the first two cases tell every mistake apart: cores, FMA units and the factor 2 all differ
    for cores, lanes, units, ghz in ((6, 16, 1, 2.0), (1, 4, 4, 3.2), (2, 8, 2, 3.2)):
        want = cores * lanes * 2 * units * ghz
        _compare(_number(_call(fn, cores, lanes, units, ghz)), want,
                 [(want / 2, "a fused multiply-add is two operations: multiply by 2"),
                  (want * 1e9, "return GFLOP/s: a clock in GHz already counts billions"),
                  (want / cores, "every core has its own FMA units: multiply by the cores"),
                  (want / units, "each core has fma_units FMA units working at once: multiply by them")],
                 "multiply cores, lanes, 2 (an FMA is a multiply and an add), FMA units and the clock")
