"""The figures and experiments of one chapter each.

``anatomy`` (chapters 3 and 7), ``step_sizes`` (chapter 9), ``overfitting`` (chapter 10),
``hidden_units``, ``explore`` and ``panel`` (chapter 11), and ``multiclass`` (chapter 12). The
chapters import them by name, as in ``from xorlib.figures import anatomy``.
"""

from xorlib.figures import anatomy, explore, hidden_units, multiclass, overfitting, panel, step_sizes

__all__ = ["anatomy", "explore", "hidden_units", "multiclass", "overfitting", "panel", "step_sizes"]
