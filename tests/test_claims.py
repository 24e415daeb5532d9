"""Numbers in the chapters' prose that come from stored outputs must agree with those outputs.

The outputs are re-verified by nbval; these tests tie the sentences to them, so a refresh that
moves a measurement away from what the text says fails here until the text is brought along.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def chapter(name: str) -> tuple[str, str]:
    """(all markdown, all stored output text) of a chapter."""
    nb = json.loads((ROOT / "chapters" / name).read_text())
    prose = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    outputs = "\n".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    return prose, outputs


def test_chapter2_peak_is_the_sum_in_the_prose_and_above_every_measured_rate() -> None:
    prose, outputs = chapter("02_devices.ipynb")
    (peak,) = map(float, re.findall(r"\\approx (\d+)\$ GFLOP/s", prose))
    assert peak == round(2 * 16 * 2 * 2 * 4.25), "the sum written in the prose"
    measured = [float(r) for r in re.findall(r"^\d+x\d+ matmul on cpu: .* (\d+) GFLOP/s$", outputs, re.M)]
    assert len(measured) == 2, outputs
    assert max(measured) < peak / 2, f"prose: the measured rates {measured} are well under half of peak"


def test_chapter7_dropout_zeroes_about_half_and_doubles_the_rest() -> None:
    prose, outputs = chapter("07_evaluation.ipynb")
    assert "independently with probability\n$p = 0.5$" in prose
    (zeroed,) = map(float, re.findall(r"^zeroed: ([\d.]+)% of 10,000 entries$", outputs, re.M))
    assert 45 < zeroed < 55, "the prose says about half"
    assert "values kept: [0.0, 2.0]" in outputs, "the prose says survivors are multiplied by 2"


def test_chapter6_time_goes_to_overhead_and_the_tensor_loop_is_several_times_faster() -> None:
    _, outputs = chapter("06_training.ipynb")
    pattern = r"^DataLoader loop  ([\d.]+) s  \(producing the batches alone: ([\d.]+) s\)$"
    ((loop, batches),) = re.findall(pattern, outputs, re.M)
    ((_, ratio),) = re.findall(r"^tensor loop      ([\d.]+) s  \(([\d.]+)x faster\)$", outputs, re.M)
    steps = 100 * 20  # 100 epochs of 20 batches (2,500 samples in batches of 128)
    assert 100e-6 <= float(loop) / steps < 1e-3, "the prose says a step takes hundreds of microseconds"
    assert 0.25 <= float(batches) / float(loop) <= 0.75, "the prose says batches take a large share"
    assert float(ratio) >= 2, "the prose says several times faster"


def test_chapter7_one_sample_at_a_time_is_by_far_the_slowest() -> None:
    _, outputs = chapter("07_evaluation.ipynb")
    times = dict(re.findall(r"^batch +(\d+): accuracy 100\.00%.* evaluated in ([\d.]+) ms$", outputs, re.M))
    assert sorted(times, key=int) == ["1", "16", "128", "500"], "every batch size reaches 100.00%"
    assert max(times, key=lambda b: float(times[b])) == "1", f"batch 1 should be the slowest: {times}"
    assert float(times["1"]) > 10 * float(times["500"]), f"'far longer' than one batch of 500: {times}"


def test_chapter8_what_each_hidden_unit_does_is_what_the_vote_table_shows() -> None:
    prose, outputs = chapter("08_decision_boundaries.ipynb")
    rows = re.findall(r"^\((\d), (\d)\) +([-+\d. ]+)$", outputs, re.M)
    votes = {(int(a), int(b)): [float(x) for x in rest.split()] for a, b, rest in rows}
    assert sorted(votes) == [(0, 0), (0, 1), (1, 0), (1, 1)], outputs
    for_class_1 = [{corner for corner, row in votes.items() if row[k] > 0} for k in range(4)]
    assert "Unit 0 votes class 1 at every corner but (0, 0)" in prose
    assert for_class_1[0] == {(1, 0), (0, 1), (1, 1)}
    assert "Unit 1 votes class 1 at (0, 1) only and unit 3 at (1, 0) only" in prose
    assert for_class_1[1] == {(0, 1)} and for_class_1[3] == {(1, 0)}
    assert "Unit 2's votes are\nall under 0.5" in prose
    assert all(abs(row[2]) < 0.5 for row in votes.values())
    assert [row[4] > 0 for row in (votes[c] for c in [(0, 0), (1, 0), (0, 1), (1, 1)])] == [0, 1, 1, 0]
    found = re.search(r"class 0 logits up to (\S+), class 1 logits from (\S+)", outputs)
    low, high = map(float, found.groups())
    assert low < 0 < high, "the prose says the threshold at logit 0 separates the classes"
