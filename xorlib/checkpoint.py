"""Safe checkpoints, introduced in chapter 6 (``06_training``).

A checkpoint holds the weights (state_dict), the layer sizes that rebuild the
model, and the xorlib and torch versions. Loading uses
``torch.load(weights_only=True)``, which refuses to unpickle arbitrary
objects, so a file from a stranger cannot run code. Saving writes a temporary
file and renames it, so an interrupted save never leaves half a file behind.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import zipfile
from pathlib import Path

import torch

from xorlib.model import SimpleClassifier

FORMAT = "xorlib-checkpoint-v1"


def save_checkpoint(model: SimpleClassifier, path: str | os.PathLike) -> Path:
    """Write ``model``'s weights and architecture to ``path`` atomically; return the path."""
    if not isinstance(model, SimpleClassifier):
        raise TypeError(f"save_checkpoint expects a SimpleClassifier, got {type(model).__name__}")
    from xorlib import __version__

    path = Path(path)
    payload = {
        "format": FORMAT,
        "sizes": model.sizes,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "xorlib_version": __version__,
        "torch_version": torch.__version__,
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX and Windows: old file or new, never half
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _read(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:  # weights_only refused a non-tensor object
        raise ValueError(f"{path} holds objects other than tensors and plain data; refusing to load it ({exc})") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"{path} is not a readable checkpoint (truncated or corrupt?): {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not an xorlib checkpoint (expected format {FORMAT!r})")
    return payload


def load_checkpoint(path: str | os.PathLike, model: SimpleClassifier | None = None) -> SimpleClassifier:
    """Load a checkpoint; build a new model from its sizes, or fill ``model`` if one is given.

    Raises:
        ValueError: the file is corrupt, unsafe, or does not fit ``model``'s architecture.
    """
    payload = _read(Path(path))
    state = payload["state_dict"]
    model = model if model is not None else SimpleClassifier(**payload["sizes"])
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state.items()}
    if expected != found:
        diffs = [f"{k}: checkpoint {found.get(k, 'missing')} vs model {expected.get(k, 'missing')}"
                 for k in sorted(expected.keys() | found.keys()) if expected.get(k) != found.get(k)]
        raise ValueError(f"checkpoint {path} does not fit this model: " + "; ".join(diffs))
    model.load_state_dict(state)
    return model
