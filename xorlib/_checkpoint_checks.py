"""Checks behind the safe checkpoints of chapter 6 (``06_training``).

A checkpoint may come from a stranger, so everything it claims is checked before
it costs memory: the zip archive's sizes before ``torch.load`` reads a byte of
it, the layer sizes and tensor shapes before a model is built. A file of a few
kilobytes is refused in milliseconds, whatever it claims to hold.

Limits (generous: the course's models have a few dozen parameters):

- each layer size at most ``MAX_SIZE``, at most ``MAX_PARAMETERS`` parameters in
  all (40 MB as float32), which allows e.g. ``SimpleClassifier(2, 1_000_000, 1)``
  (the limits ``SimpleClassifier`` itself keeps, so every model can be saved);
- the file at most ``MAX_FILE_BYTES``: those parameters as float64, plus 1 MiB;
- its pickle (layer sizes, versions, tensor headers; about 600 bytes) at most
  ``MAX_PICKLE_BYTES``, its zip directory at most ``MAX_DIRECTORY_BYTES``.

All that these checks know of how ``torch.save`` packs a file sits in one section at
the end, "torch.save's zip layout"; tests/test_checkpoint.py fails if the installed
torch packs files differently.
"""

from __future__ import annotations

import os
import pickle
import stat
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

import torch
from torch import nn

from xorlib._checks import MAX_LAYER_SIZE as MAX_SIZE
from xorlib._checks import MAX_PARAMETERS

MAX_FILE_BYTES = 8 * MAX_PARAMETERS + 2**20
MAX_PICKLE_BYTES = 2**16  # unpickling may take ~50x its bytes (an empty list costs 1 byte, 56 in memory)
MAX_DIRECTORY_BYTES = 2**16  # parsing takes ~7x its bytes; ours is 10 entries, under 1 KiB
SIZE_KEYS = ("num_inputs", "num_hidden", "num_outputs")


class Refused(ValueError):
    """A file whose claims exceed the limits, or that is not packed as torch.save packs it."""


def kind(mode: int) -> str:
    """Name the type of file with ``st_mode`` ``mode``: "regular file", "directory", "FIFO", ..."""
    for test, name in [(stat.S_ISREG, "regular file"), (stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")]:
        if test(mode):
            return name
    return "socket" if stat.S_ISSOCK(mode) else "special file"


def save_target(path: Path) -> tuple[Path, int | None]:
    """The file a save to ``path`` rewrites (a symlink's target) and its permission bits (None if new)."""
    real = Path(os.path.realpath(path))
    if not real.parent.is_dir():
        raise FileNotFoundError(f"no directory {real.parent} to save {path} into")
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        return real, None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"expected a file name to save the checkpoint to, got the directory {path}")
    if not stat.S_ISREG(mode):  # never opened: opening a FIFO blocks, and /dev/null must stay
        raise ValueError(f"expected a regular file to save the checkpoint to, got {path}, a {kind(mode)}")
    return real, stat.S_IMODE(mode)


def no_meta(model: nn.Module, action: str) -> None:
    """Raise ValueError if ``model`` has tensors on the meta device (shapes without data)."""
    if any(t.is_meta for t in model.state_dict().values()):
        raise ValueError(f"cannot {action} a model on the meta device (it holds shapes but no data); "
                         "expected real tensors, e.g. from model.to_empty(device='cpu')")


def saveable(model: nn.Module) -> tuple[dict[str, int], dict[str, torch.Tensor]]:
    """``model``'s layer sizes and CPU state_dict, checked as ``load_checkpoint`` will check the file."""
    no_meta(model, "save")
    refuse = "cannot save a model that load_checkpoint would refuse: "
    try:
        sizes = model.sizes
        expected = shapes(sizes)
    except (AttributeError, ValueError) as exc:
        raise ValueError(refuse + str(exc)) from None
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    if set(state) != set(expected):
        extra, missing = sorted(set(state) - set(expected)), sorted(set(expected) - set(state))
        differs = "; ".join([*(["it also has " + ", ".join(extra)] if extra else []),
                             *(["it lacks " + ", ".join(missing)] if missing else [])])
        keys = ", ".join(sorted(expected))
        raise ValueError(f"cannot save {type(model).__name__}: a checkpoint holds exactly the tensors of a "
                         f"plain SimpleClassifier ({keys}), and load_checkpoint refuses any other; "
                         f"{differs}. Save such a model with torch.save(model.state_dict(), path)")
    try:
        check_state(state, sizes)
    except ValueError as exc:
        raise ValueError(refuse + str(exc)) from None
    return sizes, state


def shapes(sizes: dict[str, int]) -> dict[str, tuple[int, ...]]:
    """The state_dict shapes of ``SimpleClassifier(**sizes)``, checked against the limits."""
    if not (isinstance(sizes, dict) and set(sizes) == set(SIZE_KEYS)
            and all(type(v) is int and 1 <= v <= MAX_SIZE for v in sizes.values())):
        raise ValueError(f"malformed layer sizes: expected positive ints up to {MAX_SIZE:_} for {SIZE_KEYS}, "
                         f"got {sizes!r}")
    i, h, o = (sizes[k] for k in SIZE_KEYS)
    count = h * (i + 1) + o * (h + 1)  # weights and biases of both layers
    if count > MAX_PARAMETERS:
        raise ValueError(f"layer sizes {sizes} give {count:_} parameters; at most {MAX_PARAMETERS:_} allowed")
    return {"linear1.weight": (h, i), "linear1.bias": (h,), "linear2.weight": (o, h), "linear2.bias": (o,)}


def check_state(state: object, sizes: dict[str, int]) -> None:
    """Raise ValueError unless ``state`` holds exactly the plain CPU float tensors ``sizes`` imply."""
    expected = shapes(sizes)
    if not (isinstance(state, dict) and set(state) == set(expected)):
        keys = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"malformed state_dict: expected the keys {sorted(expected)}, got {keys}")
    for key, t in state.items():
        if not (isinstance(t, torch.Tensor) and not t.is_nested and t.layout == torch.strided
                and t.device.type == "cpu" and t.is_floating_point()):
            what = (f"{t.dtype} {t.layout} tensor on {t.device}" if isinstance(t, torch.Tensor)
                    else type(t).__name__)
            raise ValueError(f"malformed state_dict: expected {key} to be a dense float tensor, got a {what}")
        if tuple(t.shape) != expected[key]:
            raise ValueError(f"malformed state_dict: layer sizes {sizes} need {key} of shape "
                             f"{expected[key]}, got {tuple(t.shape)}")
        if t.untyped_storage().nbytes() < t.numel() * t.element_size():  # e.g. one value, expanded
            raise ValueError(f"malformed state_dict: expected {key} to hold its {t.numel():_} values, "
                             f"got {t.untyped_storage().nbytes():_} bytes of data")


# --- torch.save's zip layout ------------------------------------------------------------------------
# Everything xorlib assumes about the files torch.save writes, checked against torch 2.13.0 (the
# version requirements.txt pins). A test in tests/test_checkpoint.py saves a model with the installed
# torch and fails, naming the difference, if any of this stops being true.
# - the file is a zip archive starting with a local file header (anything else, torch.load reads as a
#   bare pickle stream: protocol 2 and later start with BARE_PICKLE);
# - it ends with a zip64 end record (56 bytes) and its locator (20 bytes), then the plain end record
#   (22 bytes, no comment): END_BYTES in all;
# - every entry is stored uncompressed, and the pickle is the entry ``<root>/data.pkl``;
# - a checkpoint of n tensors holds exactly the entries ``saved_entries(root, n)``.

LOCAL_HEADER, END_RECORD = b"PK\x03\x04", b"PK\x05\x06"
ZIP64_END, ZIP64_LOCATOR = b"PK\x06\x06", b"PK\x06\x07"
END_BYTES = 56 + 20 + 22
BARE_PICKLE = b"\x80"  # the PROTO opcode
PICKLE_ENTRY = "data.pkl"


def saved_entries(root: str, tensors: int) -> list[str]:
    """The entries, in order, of a file ``torch.save`` writes with ``tensors`` storages under ``root``."""
    return [f"{root}/{name}" for name in (PICKLE_ENTRY, ".format_version", ".storage_alignment", "byteorder",
                                          *(f"data/{i}" for i in range(tensors)), "version",
                                          ".data/serialization_id")]


def _directory_size(f: BinaryIO, file_bytes: int) -> int:
    # The size of the zip directory as zipfile will read it: from the plain end record (last in the
    # file), or from the zip64 end record before it, which zipfile trusts when it is there.
    f.seek(max(file_bytes - 22, 0))
    end = f.read(22)
    if end[:4] != END_RECORD or end[-2:] != b"\0\0":
        raise zipfile.BadZipFile("expected a zip archive as torch.save writes it, ending in an end record")
    size = struct.unpack("<L", end[12:16])[0]
    if file_bytes >= END_BYTES:
        f.seek(file_bytes - END_BYTES)
        zip64 = f.read(56 + 20)
        if zip64[56:60] == ZIP64_LOCATOR and zip64[:4] == ZIP64_END:
            size = struct.unpack("<Q", zip64[40:48])[0]
    return size


def check_archive(f: BinaryIO) -> None:
    """Check that the open file ``f`` is a zip archive whose sizes are within the limits.

    Only the zip directory is read: nothing the archive claims is allocated or unpacked.

    Raises:
        pickle.UnpicklingError: ``f`` is a bare pickle stream, which torch.load would unpickle.
        zipfile.BadZipFile: ``f`` is not a zip archive (or a damaged one).
        Refused: its sizes exceed the limits, or it holds compressed entries.
    """
    file_bytes = f.seek(0, 2)
    f.seek(0)
    head = f.read(4)
    if head[:1] == BARE_PICKLE:
        raise pickle.UnpicklingError("a bare pickle stream, not the zip archive torch.save writes")
    if file_bytes > MAX_FILE_BYTES:
        raise Refused(f"the file holds {file_bytes:_} bytes; at most {MAX_FILE_BYTES:_} allowed")
    if head != LOCAL_HEADER:  # torch.load reads anything else as a bare pickle stream
        raise zipfile.BadZipFile("expected a zip archive as torch.save writes it, starting with 'PK'")
    directory = _directory_size(f, file_bytes)
    if directory > MAX_DIRECTORY_BYTES:
        raise Refused(f"its zip directory claims {directory:_} bytes; "
                      f"at most {MAX_DIRECTORY_BYTES:_} allowed")
    f.seek(0)
    with zipfile.ZipFile(f) as archive:
        entries = archive.infolist()
    for e in entries:  # torch.save stores every entry as is; a compressed one may unpack to gigabytes
        if e.compress_type != zipfile.ZIP_STORED or e.file_size != e.compress_size:
            raise Refused(f"expected uncompressed zip entries, as torch.save writes them; {e.filename} "
                          f"is {e.compress_size:_} bytes that unpack to {e.file_size:_}")
        if e.filename.endswith(f"/{PICKLE_ENTRY}") and e.file_size > MAX_PICKLE_BYTES:
            raise Refused(f"its pickle {e.filename} claims {e.file_size:_} bytes; at most "
                          f"{MAX_PICKLE_BYTES:_} allowed")
    claimed = sum(e.file_size for e in entries)
    if claimed > file_bytes:  # stored entries cannot hold more than the file itself
        raise Refused(f"its zip entries claim {claimed:_} bytes in a file of {file_bytes:_}")
