"""Checkpoints against hostile files and awkward paths: lying sizes, zip bombs, symlinks, FIFOs, meta."""

from __future__ import annotations

import json
import os
import pickle
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

import xorlib.checkpoints
from xorlib import SimpleClassifier, _checkpoint_checks, load_checkpoint, save_checkpoint

FORMAT = xorlib.checkpoints.FORMAT


def weights(num_inputs: int = 2, num_hidden: int = 4, num_outputs: int = 1, dtype=torch.float32) -> dict:
    """A real model's state_dict: the keys and shapes a checkpoint of these sizes must hold."""
    model = SimpleClassifier(num_inputs, num_hidden, num_outputs)
    return {k: v.detach().to(dtype) for k, v in model.state_dict().items()}


def write(path: Path, sizes: dict, state: dict, **extra: object) -> Path:
    """A checkpoint file as save_checkpoint writes it, but with whatever sizes and tensors we like."""
    torch.save({"format": FORMAT, "sizes": sizes, "state_dict": state, **extra}, path)
    return path


def sizes(num_inputs: int = 2, num_hidden: int = 4, num_outputs: int = 1) -> dict:
    return {"num_inputs": num_inputs, "num_hidden": num_hidden, "num_outputs": num_outputs}


@pytest.fixture
def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if load_checkpoint builds a model (it must refuse before that)."""
    def build(**kwargs: int) -> None:
        raise AssertionError(f"built SimpleClassifier({kwargs}) before checking the file")
    monkeypatch.setattr(xorlib.checkpoints, "SimpleClassifier", build)


@pytest.fixture
def no_torch_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if load_checkpoint calls torch.load (the zip checks must refuse first)."""
    def load(*args: object, **kwargs: object) -> None:
        raise AssertionError("torch.load was called on a file the zip checks should refuse")
    monkeypatch.setattr(xorlib.checkpoints.torch, "load", load)


# --- lying sizes and shapes ------------------------------------------------------------------------

@pytest.mark.parametrize("num_hidden", [10**9, _checkpoint_checks.MAX_SIZE + 1])
def test_huge_claimed_size_is_refused_before_building(tmp_path: Path, no_build: None,
                                                      num_hidden: int) -> None:
    path = write(tmp_path / "huge.pt", sizes(num_hidden=num_hidden), weights())
    assert path.stat().st_size < 4000
    with pytest.raises(ValueError, match=rf"huge\.pt has malformed layer sizes: expected positive ints up to "
                                         rf"1_000_000 .* got .*'num_hidden': {num_hidden}"):
        load_checkpoint(path)


def test_sizes_each_allowed_but_too_many_parameters(tmp_path: Path, no_build: None) -> None:
    path = write(tmp_path / "wide.pt", sizes(1000, 1_000_000, 1), weights())
    # 1_000_000 * (1000 + 1) + 1 * (1_000_000 + 1) parameters
    with pytest.raises(ValueError, match=r"give 1_002_000_001 parameters; at most 10_000_000 allowed"):
        load_checkpoint(path)


@pytest.mark.parametrize("bad", [0, -3, 2.0, True, "4", None])
def test_sizes_must_be_positive_ints(tmp_path: Path, no_build: None, bad: object) -> None:
    path = write(tmp_path / "bad.pt", {**sizes(), "num_hidden": bad}, weights())
    with pytest.raises(ValueError, match=r"malformed layer sizes: expected positive ints"):
        load_checkpoint(path)


def test_shapes_must_match_the_sizes(tmp_path: Path, no_build: None) -> None:
    path = write(tmp_path / "liar.pt", sizes(num_hidden=6), weights(num_hidden=4))
    with pytest.raises(ValueError, match=r"liar\.pt has malformed state_dict: layer sizes .*'num_hidden': 6"
                                         r".* need linear1\.weight of shape \(6, 2\), got \(4, 2\)"):
        load_checkpoint(path)


@pytest.mark.parametrize("change", ["extra", "missing", "renamed", "not a dict"])
def test_keys_must_be_exactly_the_four(tmp_path: Path, no_build: None, change: str) -> None:
    state = weights()
    if change == "extra":
        state["linear3.weight"] = torch.zeros(1, 1)
    elif change == "missing":
        del state["linear2.bias"]
    elif change == "renamed":
        state["fc.bias"] = state.pop("linear2.bias")
    else:
        state = list(state.values())
    path = write(tmp_path / "keys.pt", sizes(), state)
    with pytest.raises(ValueError, match=r"malformed state_dict: expected the keys \['linear1\.bias', "
                                         r"'linear1\.weight', 'linear2\.bias', 'linear2\.weight'\], got"):
        load_checkpoint(path)


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool, torch.complex64, torch.uint8])
def test_weights_must_be_floats(tmp_path: Path, no_build: None, dtype: torch.dtype) -> None:
    path = write(tmp_path / "ints.pt", sizes(), weights(dtype=dtype))
    with pytest.raises(ValueError, match=rf"expected linear1\.weight to be a dense float tensor, got a "
                                         rf"{dtype} torch\.strided tensor on cpu"):
        load_checkpoint(path)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_other_float_dtypes_load(tmp_path: Path, dtype: torch.dtype) -> None:
    state = weights(dtype=dtype)
    model = load_checkpoint(write(tmp_path / "f.pt", sizes(), state))
    assert all(torch.equal(v, state[k].float()) for k, v in model.state_dict().items())


def test_meta_and_sparse_tensors_are_refused(tmp_path: Path, no_build: None) -> None:
    for name, state in [("meta", {**weights(), "linear1.bias": torch.zeros(4, device="meta")}),
                        ("sparse", {**weights(), "linear1.weight": torch.zeros(4, 2).to_sparse()})]:
        path = write(tmp_path / f"{name}.pt", sizes(), state)
        with pytest.raises(ValueError, match=r"to be a dense float tensor, got a .*(meta|sparse)"):
            load_checkpoint(path)


def test_expanded_tensors_must_hold_their_values(tmp_path: Path, no_build: None) -> None:
    # Shapes that agree with the sizes, each backed by one stored float: a small file, a big model.
    one = torch.zeros(1)
    state = {"linear1.weight": one.expand(100_000, 2), "linear1.bias": one.expand(100_000),
             "linear2.weight": one.expand(1, 100_000), "linear2.bias": one.expand(1)}
    path = write(tmp_path / "expanded.pt", sizes(num_hidden=100_000), state)
    assert path.stat().st_size < 4000
    with pytest.raises(ValueError, match=r"expected linear1\.weight to hold its 200_000 values, got 4 bytes"):
        load_checkpoint(path)


def test_largest_allowed_model_round_trips(tmp_path: Path) -> None:
    model = SimpleClassifier(2, _checkpoint_checks.MAX_SIZE, 1)  # 4_000_001 parameters, 16 MB
    loaded = load_checkpoint(save_checkpoint(model, tmp_path / "big.pt"))
    assert loaded.sizes == model.sizes
    assert torch.equal(loaded.linear1.weight, model.linear1.weight)


def test_save_refuses_a_model_load_would_refuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_checkpoint_checks, "MAX_PARAMETERS", 16)  # SimpleClassifier() has 17
    with pytest.raises(ValueError, match=r"cannot save a model that load_checkpoint would refuse: layer "
                                         r"sizes .* give 17 parameters; at most 16 allowed"):
        save_checkpoint(SimpleClassifier(), tmp_path / "m.pt")
    assert list(tmp_path.iterdir()) == []


# --- the zip archive -------------------------------------------------------------------------------

def deflated_copy(src: Path, dst: Path, entry: str, data: bytes) -> Path:
    """Copy a checkpoint's zip, replacing ``entry`` by ``data`` compressed (a zip bomb when it is zeros)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename == entry:
                zout.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
            else:
                zout.writestr(info, zin.read(info))
    return dst


def test_zip_bomb_is_refused_before_torch_load(tmp_path: Path, no_torch_load: None) -> None:
    good = save_checkpoint(SimpleClassifier(), tmp_path / "good.pt")
    bomb = deflated_copy(good, tmp_path / "bomb.pt", "archive/data/0", bytes(10**7))
    assert bomb.stat().st_size < 20_000
    with pytest.raises(ValueError, match=r"refusing to load .*bomb\.pt: expected uncompressed zip entries, "
                                         r"as torch\.save writes them; archive/data/0 is [\d_]+ bytes that "
                                         r"unpack to 10_000_000"):
        load_checkpoint(bomb)


def test_compressed_entry_of_the_right_size_is_refused_too(tmp_path: Path, no_torch_load: None) -> None:
    # mmap reads entries as they lie in the file: compressed bytes would load as weights.
    good = save_checkpoint(SimpleClassifier(), tmp_path / "good.pt")
    with zipfile.ZipFile(good) as z:
        real = z.read("archive/data/0")
    path = deflated_copy(good, tmp_path / "deflated.pt", "archive/data/0", real)
    with pytest.raises(ValueError, match=r"expected uncompressed zip entries.* unpack to 32\b"):
        load_checkpoint(path)


def claim_size(data: bytes, entry: str, size: int) -> bytes:
    """Rewrite the zip directory so that ``entry`` claims ``size`` bytes (stored, so both sizes)."""
    out, pos = bytearray(data), 0
    while (pos := data.find(b"PK\x01\x02", pos + 1)) != -1:
        name_len = struct.unpack("<H", data[pos + 28: pos + 30])[0]
        if data[pos + 46: pos + 46 + name_len] == entry.encode():
            out[pos + 20: pos + 28] = struct.pack("<LL", size, size)
            return bytes(out)
    raise AssertionError(f"no {entry} in the zip directory")


def test_entries_claiming_more_than_the_file_are_refused(tmp_path: Path, no_torch_load: None) -> None:
    good = save_checkpoint(SimpleClassifier(), tmp_path / "good.pt").read_bytes()
    path = tmp_path / "claims.pt"
    path.write_bytes(claim_size(good, "archive/data/0", 2**31))
    with zipfile.ZipFile(path) as z:  # a valid zip as far as the directory goes
        assert z.getinfo("archive/data/0").file_size == 2**31
    with pytest.raises(ValueError, match=r"refusing to load .*claims\.pt: its zip entries claim "
                                         rf"2_147_48\d_\d{{3}} bytes in a file of {len(good):_}"):
        load_checkpoint(path)


def test_oversized_pickle_is_refused(tmp_path: Path, no_torch_load: None) -> None:
    path = write(tmp_path / "notes.pt", sizes(), weights(), notes="x" * 100_000)
    with pytest.raises(ValueError, match=r"pickle notes/data\.pkl claims 100_\d{3} bytes; at most 65_536"):
        load_checkpoint(path)


def test_oversized_zip_directory_is_refused(tmp_path: Path, no_torch_load: None) -> None:
    path = save_checkpoint(SimpleClassifier(), tmp_path / "many.pt")
    with zipfile.ZipFile(path, "a") as z:  # 2000 empty entries: ~100 KB of directory, ~700 KB parsed
        for i in range(2000):
            z.writestr(f"archive/junk/{i}", b"")
    with pytest.raises(ValueError, match=r"its zip directory claims 1\d\d_\d{3} bytes; at most 65_536"):
        load_checkpoint(path)


def test_zip64_directory_size_is_the_one_checked(tmp_path: Path, no_torch_load: None) -> None:
    # torch.save ends its zip with a zip64 end record and a plain one; zipfile trusts the zip64 one.
    many = [torch.zeros(1) for _ in range(2000)]  # 2000 storages: 2000 entries, ~150 KB of directory
    data = bytearray(write(tmp_path / "many.pt", sizes(), weights(), junk=many).read_bytes())
    assert [data[-98:-94], data[-42:-38], data[-22:-18]] == [b"PK\x06\x06", b"PK\x06\x07", b"PK\x05\x06"]
    data[-10:-6] = struct.pack("<L", 1000)  # the plain end record now claims 1000 bytes
    (tmp_path / "lie.pt").write_bytes(data)
    with pytest.raises(ValueError, match=r"lie\.pt: its zip directory claims 1\d\d_\d{3} bytes"):
        load_checkpoint(tmp_path / "lie.pt")


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   no_torch_load: None) -> None:
    path = save_checkpoint(SimpleClassifier(), tmp_path / "m.pt")
    monkeypatch.setattr(_checkpoint_checks, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ValueError, match=rf"the file holds {path.stat().st_size:_} bytes; at most 1_000"):
        load_checkpoint(path)


@pytest.mark.parametrize("prefix", [pickle.dumps({"a": 1}, protocol=0), b"junk"])
def test_zip_behind_other_bytes_is_refused(tmp_path: Path, no_torch_load: None, prefix: bytes) -> None:
    # zipfile accepts a zip behind other bytes; torch.load would read such a file as a bare pickle.
    good = save_checkpoint(SimpleClassifier(), tmp_path / "good.pt").read_bytes()
    (tmp_path / "hidden.pt").write_bytes(prefix + good)
    with pytest.raises(ValueError, match=r"hidden\.pt is not a readable checkpoint \(truncated or corrupt"
                                         r"\?\): expected a zip archive as torch\.save writes it"):
        load_checkpoint(tmp_path / "hidden.pt")


def test_legacy_torch_format_is_refused_unread(tmp_path: Path, no_torch_load: None) -> None:
    path = tmp_path / "legacy.pt"
    torch.save({"format": FORMAT, "sizes": sizes(), "state_dict": weights()}, path,
               _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match=r"refusing to load .*legacy\.pt: .* \(a bare pickle stream, not the "
                                         r"zip archive torch\.save writes\)"):
        load_checkpoint(path)


# --- cost of a refusal, measured in a fresh process ------------------------------------------------

CHILD = """
import json, resource, sys, time, tracemalloc
import xorlib
def status_kib(field):  # VmHWM: peak resident memory of this process (ru_maxrss keeps the parent's)
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field))
xorlib.load_checkpoint(sys.argv[1])  # warm-up: imports and first-call caches
# 512 MiB more address space at most: a broken check then fails fast instead of eating the memory.
resource.setrlimit(resource.RLIMIT_AS, ((status_kib("VmSize") + 512 * 1024) * 1024,) * 2)
for path in sys.argv[2:]:
    rss = status_kib("VmHWM")
    tracemalloc.start()
    start = time.perf_counter()
    try:
        xorlib.load_checkpoint(path)
        outcome = "loaded"
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = status_kib("VmHWM") - rss
    print(json.dumps({"seconds": seconds, "traced_bytes": traced, "rss_kib": rss, "outcome": outcome}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="measures memory with Linux's /proc")
def test_refusals_cost_milliseconds_and_no_memory(tmp_path: Path) -> None:
    good = save_checkpoint(SimpleClassifier(), tmp_path / "good.pt")
    huge = write(tmp_path / "huge.pt", sizes(num_hidden=10**9), weights())  # claims 16 GB in ~2.5 KB
    # 16 MB of real weights whose sizes are one unit off: mmap leaves them in the file.
    off = write(tmp_path / "off.pt", sizes(num_hidden=999_999), weights(num_hidden=1_000_000))
    run = subprocess.run([sys.executable, "-c", CHILD, good, huge, off], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    for path, line in zip([huge, off], run.stdout.splitlines(), strict=True):
        result = json.loads(line)
        assert result["outcome"].startswith(f"ValueError: {path} has malformed"), result
        assert result["seconds"] < 0.25, result  # about 2 ms measured; before the checks, 2.5 s per 10**8
        # Python-level peak is the same ~25 KB a valid checkpoint costs; native memory does not grow.
        assert result["traced_bytes"] < 256 * 1024, result
        assert result["rss_kib"] < 4 * 1024, result  # without mmap the 16 MB file costs ~15_500 KiB


# --- meta models -----------------------------------------------------------------------------------

def test_loading_into_a_meta_model_is_refused(tmp_path: Path) -> None:
    path = save_checkpoint(SimpleClassifier(), tmp_path / "m.pt")
    with torch.device("meta"):
        model = SimpleClassifier()
    with pytest.raises(ValueError, match=r"cannot load into a model on the meta device \(it holds shapes but "
                                         r"no data\); expected real tensors, e\.g\. from model\.to_empty"):
        load_checkpoint(path, model)
    # The remedy the message names works.
    loaded = load_checkpoint(path, model.to_empty(device="cpu"))
    assert torch.equal(loaded.linear1.weight, load_checkpoint(path).linear1.weight)


def test_partly_meta_model_is_refused(tmp_path: Path) -> None:
    path = save_checkpoint(SimpleClassifier(), tmp_path / "m.pt")
    model = SimpleClassifier()
    model.linear2.to("meta")
    with pytest.raises(ValueError, match=r"cannot load into a model on the meta device"):
        load_checkpoint(path, model)


def test_saving_a_meta_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot save a model on the meta device"):
        save_checkpoint(SimpleClassifier().to("meta"), tmp_path / "m.pt")
    assert list(tmp_path.iterdir()) == []


# --- paths -----------------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs POSIX symlinks")
@pytest.mark.parametrize("exists", [True, False])
def test_saving_through_a_symlink_writes_the_target(tmp_path: Path, exists: bool) -> None:
    (tmp_path / "store").mkdir()
    target, link = tmp_path / "store" / "model.pt", tmp_path / "latest.pt"
    if exists:
        save_checkpoint(SimpleClassifier(num_hidden=3), target)
    link.symlink_to(target)  # dangling when not exists: saving creates the target, as open() would
    model = SimpleClassifier(num_hidden=5)
    assert save_checkpoint(model, link) == link
    assert link.is_symlink() and link.readlink() == target
    assert load_checkpoint(target).sizes == model.sizes
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["latest.pt", "model.pt", "store"]  # no temp left


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_overwriting_keeps_the_permission_bits(tmp_path: Path, mode: int) -> None:
    target = save_checkpoint(SimpleClassifier(), tmp_path / "m.pt")
    target.chmod(mode)
    old = os.umask(0o022)
    try:
        save_checkpoint(SimpleClassifier(num_hidden=7), target)
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert load_checkpoint(target).sizes["num_hidden"] == 7


@pytest.mark.parametrize("length", [250, 255])
def test_long_file_names_work(tmp_path: Path, length: int) -> None:
    name = "m" * (length - 3) + ".pt"
    path = save_checkpoint(SimpleClassifier(num_hidden=2), tmp_path / name)
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert load_checkpoint(path).sizes["num_hidden"] == 2


def test_saving_to_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError, match=r"expected a file name to save the checkpoint to, got the "
                                                r"directory .*d$"):
        save_checkpoint(SimpleClassifier(), tmp_path / "d")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["d"]


def test_saving_into_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no directory .*absent to save .*absent/m\.pt into"):
        save_checkpoint(SimpleClassifier(), tmp_path / "absent" / "m.pt")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Hold both ends open with some bytes inside, so that code which wrongly opened the FIFO would
    # fail the assertions below instead of blocking the test run.
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    try:
        os.write(fd, b"PK\x03\x04 not a checkpoint")
        with pytest.raises(ValueError, match=r"expected a regular file to save the checkpoint to, got "
                                             r".*pipe, a FIFO"):
            save_checkpoint(SimpleClassifier(), fifo)
        with pytest.raises(ValueError, match=r"expected a checkpoint file, got .*pipe, a FIFO"):
            load_checkpoint(fifo)
        assert os.read(fd, 100) == b"PK\x03\x04 not a checkpoint"  # nothing read or written
    finally:
        os.close(fd)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_dev_null_is_refused_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"opened or replaced a file for /dev/null: {args}")

    # Should the check break, these stand in for what would touch /dev/null: the builtin open that
    # saving writes its temporary file with (and loading reads with), and the rename over the target.
    # Set as a global of xorlib.checkpoints, the stand-in open shadows the builtin there alone.
    monkeypatch.setattr(xorlib.checkpoints, "open", forbidden, raising=False)
    monkeypatch.setattr(xorlib.checkpoints.os, "replace", forbidden)
    with pytest.raises(ValueError, match=r"expected a regular file to save the checkpoint to, got /dev/null, "
                                         r"a character device"):
        save_checkpoint(SimpleClassifier(), "/dev/null")
    with pytest.raises(ValueError, match=r"expected a checkpoint file, got /dev/null, a character device"):
        load_checkpoint("/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not list(Path("/dev").glob(".null.*.tmp")), "a temporary file was left beside /dev/null"


def test_loading_a_directory(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match=r"expected a checkpoint file, got the directory"):
        load_checkpoint(tmp_path)
