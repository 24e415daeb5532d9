"""The self-check exercises at the end of each chapter: one checker per exercise, named by its kind.

``check_<chapter>_<what>`` applies a chapter's idea somewhere new, ``predict_<chapter>_<what>`` takes
the learner's guess (a value) before anything is run, and ``debug_<chapter>_<what>`` runs the learner's
fix of a buggy cell that the chapter prints.

A checker takes the learner's answer (a value, a function or a class) and returns a verdict that
shows ``Correct!`` (its ``why`` says why) or ``Not yet: <hint>``; it is true when the answer is right.
"""

from xorlib.exercises.ch00 import (
    check_00_corner_distances,
    check_00_labels,
    predict_00_broadcast_shape,
    predict_00_shared_memory,
)
from xorlib.exercises.ch01_ch02 import (
    check_01_gradient,
    check_02_timing,
    debug_01_descend,
    debug_02_logits_on,
)
from xorlib.exercises.ch03_ch04 import (
    check_03_module_list,
    check_04_circles_dataset,
    predict_03_parameter_count,
    predict_04_batch_sizes,
)
from xorlib.exercises.ch05_ch06 import (
    check_05_line_classifier,
    check_06_resume,
    debug_05_step,
    debug_06_train_loop,
    predict_05_two_steps,
)
from xorlib.exercises.ch07 import check_07_circle_feature, debug_07_accuracy, predict_07_dropout
from xorlib.exercises.ch08 import check_08_batched_logits, predict_08_vmap_shape
from xorlib.exercises.ch09 import check_09_full_batch_rate, debug_09_momentum, predict_09_parabola
from xorlib.exercises.ch10 import check_10_patience, debug_10_best_weights
from xorlib.exercises.ch11 import check_11_crossing, check_11_linear_boundary, predict_11_grid_shape
from xorlib.exercises.ch12 import (
    check_12_accuracy,
    check_12_two_classes,
    debug_12_training_loop,
    predict_12_shapes,
)
from xorlib.exercises.ch13 import check_13_peak
from xorlib.exercises.r_appendix import check_r_second_batch

__all__ = [
    "check_00_corner_distances", "check_00_labels", "check_01_gradient", "check_02_timing",
    "check_03_module_list", "check_04_circles_dataset", "check_05_line_classifier", "check_06_resume",
    "check_07_circle_feature", "check_08_batched_logits", "check_09_full_batch_rate", "check_10_patience",
    "check_11_crossing", "check_11_linear_boundary", "check_12_accuracy", "check_12_two_classes",
    "check_13_peak", "check_r_second_batch", "debug_01_descend", "debug_02_logits_on", "debug_05_step",
    "debug_06_train_loop", "debug_07_accuracy", "debug_09_momentum", "debug_10_best_weights",
    "debug_12_training_loop", "predict_00_broadcast_shape", "predict_00_shared_memory",
    "predict_03_parameter_count", "predict_04_batch_sizes", "predict_05_two_steps", "predict_07_dropout",
    "predict_08_vmap_shape", "predict_09_parabola", "predict_11_grid_shape", "predict_12_shapes",
]
