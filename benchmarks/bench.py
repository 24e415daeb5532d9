"""Time three ways to train XOR classifiers, interleaved in one process.

1. ``dataloader``: the tutorial loop, ``xorlib.train_model`` over ``make_loader(ds, 128)``;
2. ``train_fast``: the same SGD on tensors sliced on the device;
3. ``sweep``: 1,024 models (8 hidden sizes x 4 learning rates x 32 seeds) trained at once.

Every path is timed doing the same things: build its model(s) from a seed, train, and
score on a fresh 500-sample test set. Each runs once to warm up, then ``--reps`` times in
turn (the order rotates each round, so no path always runs right after another), with a
fixed number of threads (``--threads``), printed. Results are checked as well as timed:
every single model must reach 100% test accuracy, and the sweep must reproduce the shape
of chapter 8's success table (one hidden unit never succeeds; three or more always do at
learning rates 0.3 and 1, and at least 90% of the time at 0.1). The last line is machine-readable:
``speedup_vs_dataloader=<x> sweep_models=<n> sweep_time_vs_one_dataloader_run=<y>
sweep_per_model_vs_dataloader=<z>``. The sweep has a budget: at most ``BUDGET`` (2.5) times
the time of one ``DataLoader`` run; over it, the script says so and exits with status 1.

Run: ``.venv/bin/python benchmarks/bench.py [--reps 5] [--threads 2] [--device cpu|cuda] [--budget 2.5]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

import torch

import xorlib

HIDDEN_SIZES, LRS, SEEDS = range(1, 9), (0.03, 0.1, 0.3, 1.0), range(32)
BUDGET = 2.5  # the sweep may take at most this many times one DataLoader run
EPOCHS, BATCH, LR, HIDDEN = 100, 128, 0.1, 4  # the single run of chapters 6 and 8


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(device: torch.device) -> str:
    gpu = f", GPU {torch.cuda.get_device_name(device)}" if device.type == "cuda" else ""
    return (f"machine: {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads, device {device.type}{gpu}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1),
                        help="torch threads for every path (default: 2, or 1 on a single core)")
    parser.add_argument("--budget", type=float, default=BUDGET,
                        help=f"the most the sweep may take, in DataLoader runs (default {BUDGET})")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = xorlib.get_device(args.device)
    train, test = xorlib.XORDataset(2500, seed=0), xorlib.XORDataset(500, seed=1)  # test: fresh samples
    X, y = train.X.to(device), train.y.to(device)

    def single(fit: Callable[[xorlib.SimpleClassifier], object]) -> Callable[[], float]:
        def run() -> float:
            torch.manual_seed(0)
            model = xorlib.SimpleClassifier(2, HIDDEN, 1).to(device)
            fit(model)
            return xorlib.accuracy(model, [(test.X, test.y)])
        return run

    def run_sweep() -> xorlib.SuccessTable:  # like single(): build (inside sweep), train, score
        result = xorlib.sweep(HIDDEN_SIZES, LRS, SEEDS, X, y, num_epochs=EPOCHS, batch_size=BATCH)
        return result.success_table(test.X.to(device), test.y.to(device))

    paths: dict[str, Callable[[], object]] = {
        "dataloader": single(lambda m: xorlib.train_model(m, xorlib.make_loader(train, BATCH), EPOCHS, LR,
                                                           progress=False)),
        "train_fast": single(lambda m: xorlib.train_fast(m, X, y, EPOCHS, BATCH, LR, seed=0)),
        "sweep": run_sweep,
    }
    print(machine(device))
    times: dict[str, list[float]] = {name: [] for name in paths}
    outputs = {name: [run()] for name, run in paths.items()}  # warm-up, kept for the checks
    names = list(paths)
    for rep in range(args.reps):
        for name in names[rep % 3:] + names[:rep % 3]:  # rotate the order every round
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            start = time.perf_counter()
            out = paths[name]()
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            times[name].append(time.perf_counter() - start)
            outputs[name].append(out)

    for name in ("dataloader", "train_fast"):
        accs = outputs[name]
        print(f"{name} test accuracy (500 fresh samples), every run: {min(accs):.3f}")
        assert all(acc == 1.0 for acc in accs), f"{name} did not reach 100% test accuracy: {accs}"
    table = outputs["sweep"][-1]
    print(table)
    rates = table.rates  # (hidden sizes, lrs); rows: hidden 1..8, columns: lr 0.03, 0.1, 0.3, 1
    assert all(torch.equal(t.rates, rates) for t in outputs["sweep"]), "the sweep is not deterministic"
    assert rates[0].eq(0).all(), f"one hidden unit cannot learn XOR, yet: {rates[0].tolist()}"
    assert rates[2:, 2:].eq(1).all(), f"3+ units at lr >= 0.3 should always learn XOR: {rates[2:, 2:]}"
    assert rates[2:, 1].ge(0.9).all(), f"3+ units at lr 0.1 should nearly always learn XOR: {rates[2:, 1]}"
    num_models = len(HIDDEN_SIZES) * len(LRS) * len(SEEDS)

    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"\n{'path':<12} {'models':>6} {'median s':>9} {'min s':>7} {'vs dataloader':>14} "
          f"{'per model ms':>13} {'per model vs dataloader':>24}")
    for name, n in (("dataloader", 1), ("train_fast", 1), ("sweep", num_models)):
        print(f"{name:<12} {n:>6} {med[name]:>9.3f} {min(times[name]):>7.3f} "
              f"{med[name] / med['dataloader']:>13.2f}x {med[name] / n * 1000:>13.1f} "
              f"{med[name] / n / med['dataloader']:>23.4f}x")
    print(f"medians of {args.reps} interleaved runs after one warm-up each, {args.threads} threads; "
          "each time includes building, training and scoring")
    print(f"speedup_vs_dataloader={med['dataloader'] / med['train_fast']:.2f} sweep_models={num_models} "
          f"sweep_time_vs_one_dataloader_run={med['sweep'] / med['dataloader']:.2f} "
          f"sweep_per_model_vs_dataloader={med['sweep'] / num_models / med['dataloader']:.4f}")
    ratio = med["sweep"] / med["dataloader"]
    if ratio > args.budget:
        print(f"OVER BUDGET: the {num_models}-model sweep took {ratio:.2f} times one DataLoader run "
              f"(budget {args.budget:g})", file=sys.stderr)
        return 1
    print(f"within budget: the {num_models}-model sweep took {ratio:.2f} times one DataLoader run "
          f"(budget {args.budget:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
