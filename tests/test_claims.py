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


def test_chapter6_sweep_size_and_written_out_gradients_beat_torch_func() -> None:
    prose, outputs = chapter("06_training.ipynb")
    (models,) = re.findall(r"^batched sweep    [\d.]+ s for (\d+) models ", outputs, re.M)
    assert models == "1024" and "32 seeds, 1,024 models" in prose, "the prose names the sweep's size"
    rows = re.findall(r"^ *(\d+) models, 5 epochs: written-out gradients ([\d.]+) s, torch\.func ([\d.]+) s",
                      outputs, re.M)
    assert [int(m) for m, _, _ in rows] == [32, 1024], "the prose compares one seed's 32 models and all 1,024"
    for m, hand, func in rows:  # "Why are the written-out gradients faster?", at both sizes
        assert float(func) >= 2 * float(hand), f"{m} models: torch.func {func} s vs written-out {hand} s"
    assert "largest difference: below 1e-5" in outputs, "the prose says the final losses agree"
    assert "read back 2 tags x 100 epochs: equal to the logged values" in outputs
