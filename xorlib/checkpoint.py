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
import re
import secrets
import warnings
from pathlib import Path

import torch
from torch import nn

from xorlib.model import SimpleClassifier

FORMAT = "xorlib-checkpoint-v1"
SIZE_KEYS = ("num_inputs", "num_hidden", "num_outputs")


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
        "torch_version": str(torch.__version__),  # a plain str: weights_only refuses TorchVersion
    }
    # A fresh name in the same directory (os.replace cannot cross file systems); mode "x" never
    # reuses an existing file (nor follows a link planted there), and the umask sets permissions.
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    f = open(tmp, "xb")  # outside the try: a file that already existed is not ours to remove
    try:
        with f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.replace(tmp, path)  # atomic on POSIX and Windows: old file or new, never half
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _reason(exc: BaseException) -> str:
    # torch's weights_only error is a long help text; the line after "WeightsUnpickler error:" says why.
    text = str(exc).strip() or type(exc).__name__
    match = re.search(r"WeightsUnpickler error:\s*(.+)", text)
    line = match.group(1) if match else text.splitlines()[-1]
    return line.split(". Please use")[0][:200]


def _read(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with warnings.catch_warnings():  # a foreign file's pickle protocol warns; we raise instead
            warnings.filterwarnings("ignore", "Detected pickle protocol", UserWarning)
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:  # weights_only refused an object, or the pickle is garbage
        raise ValueError(
            f"refusing to load {path}: it is corrupt or holds objects other than tensors and "
            f"plain data, which could run code when unpickled ({_reason(exc)})"
        ) from None
    except PermissionError:
        raise
    except Exception as exc:  # damaged bytes surface as RuntimeError, EOFError, KeyError, IndexError...
        reason = _reason(exc)
        raise ValueError(f"{path} is not a readable checkpoint (truncated or corrupt?): {reason}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not an xorlib checkpoint (expected format {FORMAT!r})")
    sizes, state = payload.get("sizes"), payload.get("state_dict")
    if not (isinstance(sizes, dict) and set(sizes) == set(SIZE_KEYS)
            and all(type(v) is int and v >= 1 for v in sizes.values())):
        raise ValueError(f"{path} has malformed layer sizes: expected positive ints for {SIZE_KEYS}, "
                         f"got {sizes!r}")
    if not (isinstance(state, dict) and all(isinstance(v, torch.Tensor) for v in state.values())):
        raise ValueError(f"{path} has a malformed state_dict: expected a dict of tensors")
    return payload


def load_checkpoint(path: str | os.PathLike, model: SimpleClassifier | None = None) -> SimpleClassifier:
    """Load a checkpoint; build a new model from its sizes, or fill ``model`` if one is given.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        ValueError: the file is corrupt, unsafe, or does not fit ``model``'s architecture.
    """
    if model is not None and not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module (or None), got {type(model).__name__}")
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
