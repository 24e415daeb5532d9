"""xorlib: the helper library of the course "PyTorch basics through continuous XOR".

Each module names the chapter that introduces it. Chapters import it as
``import xorlib`` or ``from xorlib import data, plot``.
"""

from xorlib import (
    anatomy,
    data,
    device,
    distributed,
    evaluation,
    exercises,
    explore,
    generalise,
    hidden,
    lr,
    model,
    plot,
    rbridge,
    training,
)
from xorlib.checkpoint import load_checkpoint, save_checkpoint
from xorlib.data import XORDataset, make_loader
from xorlib.device import MatmulTiming, get_device, module_device, provenance, time_matmul
from xorlib.evaluation import accuracy, predict
from xorlib.model import SimpleClassifier
from xorlib.rbridge import to_r
from xorlib.sweep import sweep
from xorlib.sweep_func import sweep_func
from xorlib.sweep_result import SuccessTable, SweepResult, success_heatmap
from xorlib.training import train_fast, train_model

__version__ = "1.0.0"

__all__ = [
    "MatmulTiming", "SimpleClassifier", "SuccessTable", "SweepResult", "XORDataset", "accuracy", "anatomy",
    "data", "device", "distributed", "evaluation", "exercises", "explore", "generalise", "get_device",
    "hidden", "load_checkpoint", "lr", "make_loader", "model", "module_device", "plot", "predict",
    "provenance", "rbridge", "save_checkpoint", "success_heatmap", "sweep", "sweep_func", "time_matmul",
    "to_r", "train_fast", "train_model", "training",
]
