"""xorlib: the helper library of the course "PyTorch basics through continuous XOR".

Three layers:

- what learners call, imported here: the data (``xordata``), the model (``classifier``), the
  hardware (``hardware``), training (``training``, ``many_models``, ``func_sweep``,
  ``sweep_results``, ``checkpoints``, ``monitor``, ``distributed``), ``evaluation``, ``plotting``
  and the R bridge (``rbridge``);
- the figures and experiments of one chapter each, in ``xorlib.figures``;
- the course's own machinery: the exercises' checkers, in ``xorlib.exercises``.

Chapters write ``import xorlib`` and ``xorlib.XORDataset(...)``, or
``from xorlib.figures import anatomy``. No module is named like a variable a PyTorch user
types (``data``, ``model``, ``device``, ``lr``, ``checkpoint``), and no function shadows its module.
"""

from xorlib import (
    checkpoints,
    classifier,
    distributed,
    evaluation,
    exercises,
    figures,
    func_sweep,
    hardware,
    many_models,
    monitor,
    plotting,
    rbridge,
    sweep_results,
    training,
    xordata,
)
from xorlib._version import __version__
from xorlib.checkpoints import load_checkpoint, save_checkpoint
from xorlib.classifier import SimpleClassifier
from xorlib.evaluation import accuracy, predict
from xorlib.func_sweep import sweep_func
from xorlib.hardware import MatmulTiming, get_device, module_device, provenance, time_matmul
from xorlib.many_models import sweep
from xorlib.rbridge import to_r
from xorlib.sweep_results import SuccessTable, SweepResult, success_heatmap
from xorlib.training import train_fast, train_model
from xorlib.xordata import XORDataset, make_loader

__all__ = [
    "MatmulTiming", "SimpleClassifier", "SuccessTable", "SweepResult", "XORDataset", "__version__",
    "accuracy", "checkpoints", "classifier", "distributed", "evaluation", "exercises", "figures",
    "func_sweep", "get_device", "hardware", "load_checkpoint", "make_loader", "many_models", "module_device",
    "monitor", "plotting", "predict", "provenance", "rbridge", "save_checkpoint", "success_heatmap",
    "sweep", "sweep_func", "sweep_results", "time_matmul", "to_r", "train_fast", "train_model", "training",
    "xordata",
]
