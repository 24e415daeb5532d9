"""The self-check exercises at the end of each chapter: one ``check_<chapter>_<what>`` per exercise.

A checker takes the learner's answer (a value, a function or a class) and returns a verdict that
shows ``Correct!`` (its ``why`` says why) or ``Not yet: <hint>``; it is true when the answer is right.
"""

from xorlib.exercises.ch00 import (
    check_00_broadcast_shape,
    check_00_copy,
    check_00_labels,
    check_00_slice,
)
from xorlib.exercises.ch01_ch02 import (
    check_01_accumulation,
    check_01_gradient,
    check_02_device_of,
    check_02_gflops,
)
from xorlib.exercises.ch03_ch04 import (
    check_03_count_parameters,
    check_03_module_list,
    check_04_batch_shape,
    check_04_circles_dataset,
    check_04_last_batch_size,
)
from xorlib.exercises.ch05_ch06 import (
    check_05_bce,
    check_05_training_step,
    check_06_epoch_count,
    check_06_train_loop,
)
from xorlib.exercises.ch07_ch11 import (
    check_07_accuracy,
    check_07_eval_mode,
    check_11_linear_boundary,
    check_11_probability_grid,
)
from xorlib.exercises.ch08_ch10 import (
    check_08_batched_logits,
    check_09_momentum_step,
    check_10_early_stopping,
)
from xorlib.exercises.ch12 import (
    check_12_accuracy,
    check_12_two_classes,
    debug_12_training_loop,
    predict_12_shapes,
)
from xorlib.exercises.ch13 import check_13_peak
from xorlib.exercises.r_appendix import check_r_second_batch

__all__ = [
    "check_00_broadcast_shape", "check_00_copy", "check_00_labels", "check_00_slice",
    "check_01_accumulation", "check_01_gradient", "check_02_device_of", "check_02_gflops",
    "check_03_count_parameters", "check_03_module_list", "check_04_batch_shape", "check_04_circles_dataset",
    "check_04_last_batch_size", "check_05_bce", "check_05_training_step", "check_06_epoch_count",
    "check_06_train_loop", "check_07_accuracy", "check_07_eval_mode", "check_08_batched_logits",
    "check_09_momentum_step", "check_10_early_stopping", "check_11_linear_boundary",
    "check_11_probability_grid", "check_12_accuracy", "check_12_two_classes", "check_13_peak",
    "check_r_second_batch", "debug_12_training_loop", "predict_12_shapes",
]
