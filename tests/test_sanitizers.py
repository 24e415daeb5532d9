"""Each nbval sanitizer masks only what honestly varies: a table of lines per section of sanitize.cfg.

For every section: a line as a chapter prints it, variants that differ only in what may vary (they
must compare equal after sanitizing), and near misses (a changed size, count, word or accuracy)
that must still compare different.

The file is read with nbval's own parser (``nbval.plugin.get_sanitize_patterns``), never with
configparser: nbval finds each ``regex: `` line followed at once by a ``replace: `` line and knows
nothing of sections, so a pair configparser accepts (``regex:x``, ``regex = x``, a comment or a
continuation line between the two) can be one that nbval silently never applies.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
from nbval.plugin import get_sanitize_patterns

CONFIG = Path(__file__).resolve().parent / "sanitize.cfg"
SECTION = re.compile(r"^\[([^\]\n]+)\]$", re.MULTILINE)  # a [name] line: for readers; nbval skips it


def nbval_patterns(text: str | None = None) -> dict[str, str]:
    """``{regex: replacement}`` as nbval holds them: its parser's pairs put into a dict in file order,
    as ``IPyNbFile.setup_sanitize_files`` does (a regex written twice keeps one entry, the later
    replacement)."""
    patterns: dict[str, str] = {}
    patterns.update(get_sanitize_patterns(CONFIG.read_text() if text is None else text))
    return patterns


def section_pairs(text: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """Each ``[section]`` of the file and the (regex, replacement) pairs nbval reads inside it."""
    text = CONFIG.read_text() if text is None else text
    names, bodies = SECTION.findall(text), SECTION.split(text)[2::2]
    return {name: get_sanitize_patterns(body) for name, body in zip(names, bodies, strict=True)}


def sanitize(text: str, sections: list[str] | None = None) -> str:
    """``text`` as nbval compares it: each pattern applied in nbval's order (or only ``sections``')."""
    pairs = section_pairs()
    chosen = None if sections is None else {pair for name in sections for pair in pairs[name]}
    for regex, replace in nbval_patterns().items():  # as IPyNbCell.sanitize applies them
        if chosen is None or (regex, replace) in chosen:
            text = re.sub(regex, replace, text)
    return text


MATMUL = "5000x5000 matmul on cpu: 1.3926 s (median of 3), 180 GFLOP/s"
LOOPS = "DataLoader loop  1.21 s  (producing the batches alone: 0.59 s)"
RATIO = "tensor loop      0.38 s  (3.2x faster)"
SWEEP = "batched sweep    1.32 s for 256 models (1.1x the time of one DataLoader run)"
FUNC = "1024 models, 5 epochs: written-out gradients 0.215 s, torch.func 1.241 s (5.8x)"
EVAL = "batch  16: 100.00%,  32 batches,  256 bytes, in 6.4 ms"
NO_GPU = "GPU: none on this machine, so nothing to time"
PROVENANCE = "Outputs verified with torch 2.13.0 on device: cpu"

TABLE = {
    "timing-matmul": (MATMUL,
                      ["5000x5000 matmul on cpu: 0.7001 s (median of 3), 357 GFLOP/s"],
                      ["6000x6000 matmul on cpu: 1.3926 s (median of 3), 180 GFLOP/s",
                       "5000x5000 matmul on cpu: 1.3926 s (median of 5), 180 GFLOP/s",
                       "5000x5000 matmul on cuda: 1.3926 s (median of 3), 180 GFLOP/s",
                       "5000x5000 matmul on cpu: 1.3926 s (mean of 3), 180 GFLOP/s",
                       "5000x5000 matmul on cpu: 1.3926 s (median of 3), 180 GFLOP/s extra"]),
    "timing-loops": (LOOPS,
                     ["DataLoader loop  2.50 s  (producing the batches alone: 1.10 s)"],
                     ["DataLoader loop  1.21 s  (producing the batches only: 0.59 s)",
                      "DataLoader loop  1.21 s  (producing the batches alone: 0.59 s) 100.00%",
                      "DataLoader  1.21 s  (producing the batches alone: 0.59 s)"]),
    "timing-loop-ratio": (RATIO,
                          ["tensor loop      0.90 s  (1.4x faster)"],
                          ["tensor loop      0.38 s  (3.2x slower)",
                           "tensor loop      0.38 s  (3.2x faster), accuracy 99.80%"]),
    "timing-sweep": (SWEEP,
                     ["batched sweep    3.07 s for 256 models (2.4x the time of one DataLoader run)"],
                     ["batched sweep    1.32 s for 128 models (1.1x the time of one DataLoader run)",
                      "batched sweep    1.32 s for 256 models (1.1x the time of one tensor run)"]),
    "timing-func": (FUNC,
                    [FUNC.replace("0.215 s", "1.002 s").replace("1.241 s (5.8x)", "10.513 s (10.5x)")],
                    ["  32 models, 5 epochs: written-out gradients 0.215 s, torch.func 1.241 s (5.8x)",
                     FUNC.replace("5 epochs", "6 epochs"), FUNC.replace("written-out gradients", "autograd"),
                     FUNC + " 99.80%"]),
    "timing-eval": (EVAL,
                    [EVAL.replace("6.4 ms", "12.9 ms")],
                    [EVAL.replace("100.00%", "99.80%"), EVAL.replace("32 batches", "33 batches"),
                     EVAL.replace("256 bytes", "512 bytes"), EVAL.replace("batch  16", "batch  17"),
                     EVAL.replace("bytes", "kB")]),
    "machine-gpu": (NO_GPU,
                    ["GPU: 5000x5000 matmul on cuda: 0.0121 s (median of 3), 20661 GFLOP/s"],
                    ["GPU: none on this machine, so nothing to time!",
                     "GPU: 4000x4000 matmul on cuda: 0.0121 s (median of 3), 20661 GFLOP/s",
                     "GPU: 5000x5000 matmul on cuda: 0.0121 s (median of 1), 20661 GFLOP/s",
                     "GPU: accuracy 99.80%"]),
    "machine-device": ("Using device: cpu",
                       ["Using device: cuda"],
                       ["Using device: cpu, accuracy 99.80%", "Using device: cuda:1", "Using devices: cpu"]),
    "machine-provenance": (PROVENANCE,
                           ["Outputs verified with torch 2.13.0 on device: NVIDIA H200",
                            "Outputs verified with torch 2.13.0 on device: Tesla T4"],
                           ["Outputs verified with torch 2.13.1 on device: cpu",
                            "Outputs not verified with torch 2.13.0 on device: cpu",
                            "Outputs verified with torch 2.13.0 on device: cpu; accuracy 99.80%",
                            "Outputs verified with torch 2.13.0 on device: any text at all",
                            "accuracy 99.80% on device: cpu"]),
}


def test_every_sanitizer_has_a_table_row() -> None:
    assert set(TABLE) == set(section_pairs()), "add a row to TABLE for each section of sanitize.cfg"


def test_each_section_is_one_pattern_that_nbval_applies() -> None:
    pairs = section_pairs()
    for name, found in pairs.items():
        assert len(found) == 1, f"[{name}]: nbval reads {len(found)} regex/replace pairs, expected 1"
    in_sections = [pair for found in pairs.values() for pair in found]
    # nothing outside a section, no regex twice (nbval would keep one), the order the file gives
    assert list(nbval_patterns().items()) == in_sections


BROKEN = {  # pairs configparser reads as a section's regex and replace, and nbval never applies
    "no space after the colon": "regex:^a$\nreplace: b",
    "= instead of :": "regex = ^a$\nreplace = b",
    "a comment between": "regex: ^a$\n# why\nreplace: b",
    "replace first": "replace: b\nregex: ^a$",
    "capitalised keys": "Regex: ^a$\nReplace: b",
    "a continuation line": "regex: ^a\n  $\nreplace: b",
    "an empty replacement": "regex: ^a$\nreplace:",
}


@pytest.mark.parametrize("why", BROKEN)
def test_a_pair_that_nbval_would_not_read_is_caught(why: str) -> None:
    text = f"[broken]\n{BROKEN[why]}\n"
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(text)
    assert {"regex", "replace"} <= set(config["broken"]), "configparser reads a pair"
    assert section_pairs(text) == {"broken": []} and nbval_patterns(text) == {}, "nbval reads none"


@pytest.mark.parametrize("section", sorted(TABLE))
def test_masks_what_varies(section: str) -> None:
    line, variants, _ = TABLE[section]
    assert sanitize(line, [section]) != line, f"{section} does not match its own line {line!r}"
    for variant in variants:
        assert sanitize(variant) == sanitize(line), f"{section} should mask {variant!r}"


@pytest.mark.parametrize("section", sorted(TABLE))
def test_near_misses_stay_different(section: str) -> None:
    line, _, near_misses = TABLE[section]
    for near in near_misses:
        assert sanitize(near) != sanitize(line), f"{section} hides a real change: {near!r}"


@pytest.mark.parametrize("section", sorted(TABLE))
def test_masks_only_its_own_line(section: str) -> None:
    """Inside a multi-line output, a sanitizer rewrites its line and leaves the neighbours alone."""
    line = TABLE[section][0]
    text = f"accuracy: 100.00%\n{line}\nmean loss 0.020\n"
    assert sanitize(text).splitlines()[0::2] == ["accuracy: 100.00%", "mean loss 0.020"]
