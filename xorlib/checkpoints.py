"""Safe checkpoints, introduced in chapter 6 (``06_training``).

A checkpoint holds the weights (state_dict), the layer sizes that rebuild the
model, and the xorlib and torch versions. Loading uses
``torch.load(weights_only=True)``, which refuses to unpickle arbitrary
objects, so a file from a stranger cannot run code; and it checks the file's
sizes before anything is allocated (limits in ``xorlib._checkpoint_checks``),
so a small file cannot claim a huge model. Saving writes a temporary file and
renames it, so an interrupted save never leaves half a file behind; and it refuses
what loading would refuse, so every file it writes loads.
"""

from __future__ import annotations

import os
import pickle
import re
import secrets
import stat
import warnings
from pathlib import Path

import torch
from torch import nn

from xorlib import _checkpoint_checks as checks
from xorlib import _checks
from xorlib._version import __version__
from xorlib.classifier import SimpleClassifier

__all__ = ["FORMAT", "load_checkpoint", "save_checkpoint"]

FORMAT = "xorlib-checkpoint-v1"


def _path(path: object) -> Path:
    return Path(_checks.of_type("path", path, str | os.PathLike, "a file name (str or pathlib.Path)"))


def save_checkpoint(model: SimpleClassifier, path: str | os.PathLike) -> Path:
    """Write ``model``'s weights and architecture to ``path`` atomically; return the path.

    Only a plain ``SimpleClassifier``'s state round-trips: a model whose ``state_dict`` holds other
    tensors (a subclass with an extra layer or buffer) is refused here, since ``load_checkpoint``
    would refuse the file. A symlink at ``path`` is kept and its target rewritten; an existing file
    keeps its permissions.

    Args:
        model: the ``SimpleClassifier`` to save (on any device; it is saved from the CPU).
        path: the file to write (its directory must exist).

    Returns:
        ``path`` as a ``pathlib.Path``.

    Raises:
        TypeError: ``model`` is not a ``SimpleClassifier``, or ``path`` not a str or Path.
        ValueError: ``model`` is on the meta device, or holds what ``load_checkpoint`` would refuse.

    Example::

        >>> import tempfile, torch, xorlib
        >>> _ = torch.manual_seed(0)
        >>> model = xorlib.SimpleClassifier(2, 3, 1)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = xorlib.save_checkpoint(model, f"{tmp}/model.pt")
        ...     loaded = xorlib.load_checkpoint(path)
        >>> path.name, loaded.sizes == model.sizes
        ('model.pt', True)
        >>> torch.equal(loaded.linear1.weight, model.linear1.weight)
        True
    """
    if not isinstance(model, SimpleClassifier):
        raise TypeError(f"save_checkpoint expects a SimpleClassifier, got {type(model).__name__}")
    path = _path(path)
    sizes, state = checks.saveable(model)  # never write a file that load_checkpoint would refuse
    real, mode = checks.save_target(path)
    payload = {
        "format": FORMAT,
        "sizes": sizes,
        "state_dict": state,
        "xorlib_version": __version__,
        "torch_version": str(torch.__version__),  # a plain str: weights_only refuses TorchVersion
    }
    # A fresh name in the same directory (os.replace cannot cross file systems); mode "x" never
    # reuses an existing file (nor follows a link planted there), and the umask sets permissions.
    # The name is cut to 40 characters so that it stays within 255 bytes (NAME_MAX).
    tmp = real.parent / f".{real.name[:40]}.{secrets.token_hex(6)}.tmp"
    f = open(tmp, "xb")  # outside the try: a file that already existed is not ours to remove
    try:
        with f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        if mode is not None:
            os.chmod(tmp, mode)  # an overwritten file keeps its permissions
        os.replace(tmp, real)  # atomic on POSIX and Windows: old file or new, never half
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
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"expected a checkpoint file, got the directory {path}")
    if not stat.S_ISREG(mode):
        raise ValueError(f"expected a checkpoint file, got {path}, a {checks.kind(mode)}")
    unsafe = (f"refusing to load {path}: it is corrupt or holds objects other than tensors and "
              "plain data, which could run code when unpickled")
    try:
        with open(path, "rb") as f, warnings.catch_warnings():
            checks.check_archive(f)  # the sizes the file claims, before torch.load allocates them
            warnings.filterwarnings("ignore", "Detected pickle protocol", UserWarning)  # we raise instead
            # mmap: the weights stay in the file until load_state_dict copies them, so a refused
            # file costs no memory for its tensors.
            payload = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except pickle.UnpicklingError as exc:  # weights_only refused an object, or the pickle is garbage
        raise ValueError(f"{unsafe} ({_reason(exc)})") from None
    except checks.Refused as exc:
        raise ValueError(f"refusing to load {path}: {exc}") from None
    except PermissionError:
        raise
    except Exception as exc:  # damaged bytes surface as RuntimeError, EOFError, KeyError, IndexError...
        reason = _reason(exc)
        raise ValueError(f"{path} is not a readable checkpoint (truncated or corrupt?): {reason}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not an xorlib checkpoint (expected format {FORMAT!r})")
    try:
        checks.check_state(payload.get("state_dict"), payload.get("sizes"))
    except ValueError as exc:
        raise ValueError(f"{path} has {exc}") from None
    return payload


def load_checkpoint(path: str | os.PathLike, model: SimpleClassifier | None = None) -> SimpleClassifier:
    """Load a checkpoint; build a new model from its sizes, or fill ``model`` if one is given.

    Args:
        path: a file written by ``save_checkpoint``.
        model: a module to load the weights into (its parameters must match the file's in names
            and shapes); ``None`` builds a ``SimpleClassifier`` of the file's sizes.

    Returns:
        The model holding the checkpoint's weights: ``model`` itself when one is given.

    Raises:
        TypeError: ``path`` is not a str or Path, or ``model`` not an ``nn.Module``.
        FileNotFoundError: there is no file at ``path``.
        IsADirectoryError: ``path`` is a directory.
        ValueError: the file is corrupt, unsafe, too large or not a regular file, or does not fit
            ``model``'s architecture, or ``model`` is on the meta device.

    Example::

        >>> import tempfile, torch, xorlib
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = xorlib.save_checkpoint(xorlib.SimpleClassifier(2, 5, 1), f"{tmp}/m.pt")
        ...     fresh = xorlib.load_checkpoint(path)
        ...     target = xorlib.load_checkpoint(path, xorlib.SimpleClassifier(2, 5, 1))
        >>> fresh.sizes
        {'num_inputs': 2, 'num_hidden': 5, 'num_outputs': 1}
        >>> torch.equal(fresh.linear2.weight, target.linear2.weight)
        True
    """
    path = _path(path)
    if model is not None and not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module (or None), got {type(model).__name__}")
    if model is not None:
        checks.no_meta(model, "load into")  # load_state_dict into meta tensors silently does nothing
    payload = _read(path)
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
