"""Checkpoints: round trip, refusal of unsafe pickles, clear errors on damage, atomic saves."""

from __future__ import annotations

import os
import pathlib
import pickle
import random
import re
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
import torch

import xorlib
import xorlib.checkpoints
from tests.helpers import same_weights
from xorlib import SimpleClassifier, load_checkpoint, predict, save_checkpoint
from xorlib import _checkpoint_checks as layout


def trained(num_hidden: int = 4, seed: int = 0) -> SimpleClassifier:
    """A model whose weights differ from a fresh one's (a short, seeded training run)."""
    torch.manual_seed(seed)
    model = SimpleClassifier(num_hidden=num_hidden)
    data = xorlib.XORDataset(64, seed=seed)
    xorlib.train_fast(model, data.X, data.y, num_epochs=5, batch_size=16)
    return model


# --- round trip ------------------------------------------------------------------------------------

def test_round_trip_gives_equal_weights_and_predictions(tmp_path: Path) -> None:
    model = trained(num_hidden=6)
    path = save_checkpoint(model, tmp_path / "model.pt")
    assert path == tmp_path / "model.pt"
    loaded = load_checkpoint(path)
    assert isinstance(loaded, SimpleClassifier) and loaded.sizes == model.sizes
    assert same_weights(model, loaded)
    X = xorlib.XORDataset(200, seed=1).X
    assert torch.equal(predict(model, X), predict(loaded, X))
    assert torch.equal(model(X), loaded(X))


def test_round_trip_into_a_given_model(tmp_path: Path) -> None:
    model = trained()
    save_checkpoint(model, tmp_path / "m.pt")
    target = SimpleClassifier()
    assert not same_weights(model, target)
    assert load_checkpoint(tmp_path / "m.pt", target) is target
    assert same_weights(model, target)


def test_file_holds_architecture_versions_and_plain_data(tmp_path: Path) -> None:
    model = trained(num_hidden=3)
    save_checkpoint(model, tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)  # loads: no objects beyond plain data
    assert payload["format"] == xorlib.checkpoints.FORMAT
    assert payload["sizes"] == {"num_inputs": 2, "num_hidden": 3, "num_outputs": 1}
    assert payload["xorlib_version"] == xorlib.__version__
    assert payload["torch_version"] == str(torch.__version__) and type(payload["torch_version"]) is str
    assert set(payload["state_dict"]) == {"linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"}


def test_saved_file_permissions_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        save_checkpoint(SimpleClassifier(), tmp_path / "m.pt")
    finally:
        os.umask(old)
    assert (tmp_path / "m.pt").stat().st_mode & 0o777 == 0o644


# --- unsafe pickles --------------------------------------------------------------------------------

class Payload:
    """Unpickling this calls ``marker.touch()``: a stand-in for arbitrary code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (pathlib.Path.touch, (self.marker,))


def write_malicious(path: Path, marker: Path, how: str) -> None:
    if how == "torch.save":  # a zip checkpoint that looks like ours apart from the payload
        torch.save({"format": xorlib.checkpoints.FORMAT, "sizes": Payload(marker)}, path)
    else:  # a bare pickle stream
        path.write_bytes(pickle.dumps(Payload(marker)))


@pytest.mark.parametrize("how", ["torch.save", "pickle"])
def test_malicious_pickle_is_refused_and_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     how: str) -> None:
    # First prove the payload is live: an unsafe load does create its marker.
    probe = tmp_path / "probe-marker"
    write_malicious(tmp_path / "probe.pt", probe, how)
    if how == "torch.save":
        torch.load(tmp_path / "probe.pt", weights_only=False)
    else:
        pickle.loads((tmp_path / "probe.pt").read_bytes())
    assert probe.exists()

    marker = tmp_path / "marker"
    write_malicious(tmp_path / "evil.pt", marker, how)
    # This asks torch.load to default to unsafe unpickling; the refusal must not depend on that default.
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    with pytest.raises(ValueError, match=r"refusing to load .*evil\.pt: it is corrupt or holds objects"):
        load_checkpoint(tmp_path / "evil.pt")
    assert not marker.exists()


# --- damaged files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_give_a_clear_error(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "noise.pt"
    path.write_bytes(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4000))))
    with pytest.raises(ValueError, match=r"noise\.pt.* corrupt"):
        load_checkpoint(path)


def test_empty_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    # Refused before torch.load reads it: a checkpoint is a zip archive.
    message = (f"{path} is not a readable checkpoint (truncated or corrupt?): expected a zip archive "
               "as torch.save writes it, starting with 'PK'")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load_checkpoint(path)


@pytest.mark.parametrize("keep", [0.5, 0.1, 0.99])
def test_truncated_checkpoint_gives_a_clear_error(tmp_path: Path, keep: float) -> None:
    data = save_checkpoint(trained(), tmp_path / "good.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ValueError, match=r"cut\.pt is not a readable checkpoint \(truncated or corrupt\?\)"):
        load_checkpoint(tmp_path / "cut.pt")


def test_corrupted_bytes_never_escape_as_other_errors(tmp_path: Path) -> None:
    # Flipped bytes may land in a weight (the file still loads) or break the structure: then ValueError.
    data = save_checkpoint(trained(), tmp_path / "good.pt").read_bytes()
    rng, refused = random.Random(0), 0
    for _ in range(60):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            damaged[rng.randrange(len(damaged))] = rng.getrandbits(8)
        (tmp_path / "bad.pt").write_bytes(bytes(damaged))
        try:
            load_checkpoint(tmp_path / "bad.pt")
        except ValueError:
            refused += 1
    assert refused > 30


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no checkpoint at .*absent\.pt"):
        load_checkpoint(tmp_path / "absent.pt")


def test_plain_state_dict_is_not_an_xorlib_checkpoint(tmp_path: Path) -> None:
    torch.save(SimpleClassifier().state_dict(), tmp_path / "sd.pt")
    with pytest.raises(ValueError, match=r"not an xorlib checkpoint \(expected format 'xorlib-checkpoint-v1"):
        load_checkpoint(tmp_path / "sd.pt")


@pytest.mark.parametrize("sizes", [
    {"num_hidden": 0},
    {"num_inputs": 2, "hidden": 4, "num_outputs": 1},  # a wrong name
    {"num_inputs": 2, "num_hidden": 0, "num_outputs": 1},
    {"num_inputs": 2, "num_hidden": True, "num_outputs": 1},
])
def test_malformed_sizes(tmp_path: Path, sizes: dict) -> None:
    bad = {"format": xorlib.checkpoints.FORMAT, "sizes": sizes, "state_dict": SimpleClassifier().state_dict()}
    torch.save(bad, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match=r"has malformed layer sizes: expected positive ints"):
        load_checkpoint(tmp_path / "bad.pt")


def test_malformed_state_dict(tmp_path: Path) -> None:
    state = {**SimpleClassifier().state_dict(), "linear2.bias": [0.0]}  # a list, not a tensor
    torch.save({"format": xorlib.checkpoints.FORMAT, "sizes": SimpleClassifier().sizes, "state_dict": state},
               tmp_path / "bad.pt")
    message = (f"{tmp_path / 'bad.pt'} has malformed state_dict: expected linear2.bias to be a dense "
               "float tensor, got a list")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load_checkpoint(tmp_path / "bad.pt")


# --- architecture mismatch -------------------------------------------------------------------------

def test_loading_into_a_different_architecture_names_keys_and_shapes(tmp_path: Path) -> None:
    save_checkpoint(trained(num_hidden=4), tmp_path / "h4.pt")
    wider = SimpleClassifier(num_hidden=8)
    before = {k: v.clone() for k, v in wider.state_dict().items()}
    with pytest.raises(ValueError, match=r"linear1\.weight: checkpoint \(4, 2\) vs model \(8, 2\)") as info:
        load_checkpoint(tmp_path / "h4.pt", wider)
    assert "linear2.weight: checkpoint (1, 4) vs model (1, 8)" in str(info.value)
    assert "linear2.bias" not in str(info.value)  # only the keys that differ are named
    assert all(torch.equal(v, before[k]) for k, v in wider.state_dict().items())  # left untouched


def test_loading_into_a_module_with_other_keys_names_every_difference(tmp_path: Path) -> None:
    path = save_checkpoint(trained(num_hidden=4), tmp_path / "h4.pt")
    message = (f"checkpoint {path} does not fit this model: bias: checkpoint missing vs model (1,); "
               "linear1.bias: checkpoint (4,) vs model missing; linear1.weight: checkpoint (4, 2) vs model "
               "missing; linear2.bias: checkpoint (1,) vs model missing; linear2.weight: checkpoint (1, 4) "
               "vs model missing; weight: checkpoint missing vs model (1, 2)")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load_checkpoint(path, torch.nn.Linear(2, 1))


def test_load_into_something_that_is_not_a_module(tmp_path: Path) -> None:
    save_checkpoint(SimpleClassifier(), tmp_path / "m.pt")
    with pytest.raises(TypeError, match=r"model must be an nn\.Module \(or None\), got dict"):
        load_checkpoint(tmp_path / "m.pt", {})


def test_save_something_that_is_not_a_simple_classifier(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"save_checkpoint expects a SimpleClassifier, got Linear"):
        save_checkpoint(torch.nn.Linear(2, 1), tmp_path / "m.pt")
    assert list(tmp_path.iterdir()) == []


# --- atomic saves ----------------------------------------------------------------------------------

class Interrupted(Exception):
    pass


def half_write_then_fail(error: BaseException):
    real_save = torch.save

    def save(obj: object, f) -> None:  # write part of a real checkpoint, then die
        real_save(obj, f)
        f.truncate(f.tell() // 2)
        raise error

    return save


@pytest.mark.parametrize("error", [Interrupted("disk full"), KeyboardInterrupt()])
def test_interrupted_write_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  error: BaseException) -> None:
    target = tmp_path / "model.pt"
    first = trained(seed=0)
    save_checkpoint(first, target)
    good = target.read_bytes()

    monkeypatch.setattr(xorlib.checkpoints.torch, "save", half_write_then_fail(error))
    with pytest.raises(type(error)):
        save_checkpoint(trained(seed=1), target)
    monkeypatch.undo()

    assert target.read_bytes() == good
    assert same_weights(load_checkpoint(target), first)
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]  # no temporary file left behind


def test_failed_rename_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "model.pt"
    save_checkpoint(trained(seed=0), target)
    good = target.read_bytes()

    def replace(src: str, dst: str) -> None:
        assert Path(src).stat().st_size > 0  # the complete temporary file existed at this point
        raise OSError("rename failed")

    monkeypatch.setattr(xorlib.checkpoints.os, "replace", replace)
    with pytest.raises(OSError, match="rename failed"):
        save_checkpoint(trained(seed=1), target)
    monkeypatch.undo()

    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_interrupted_first_save_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xorlib.checkpoints.torch, "save", half_write_then_fail(Interrupted()))
    with pytest.raises(Interrupted):
        save_checkpoint(SimpleClassifier(), tmp_path / "model.pt")
    assert list(tmp_path.iterdir()) == []


def test_save_overwrites_with_the_new_model(tmp_path: Path) -> None:
    target = tmp_path / "model.pt"
    save_checkpoint(trained(seed=0), target)
    second = trained(seed=1, num_hidden=5)
    save_checkpoint(second, target)
    assert same_weights(load_checkpoint(target), second)
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_bytes_are_flushed_and_synced_before_the_rename(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    events, real_fsync, real_replace = [], os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.fstat(fd).st_ino, os.fstat(fd).st_size))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append(("replace", os.stat(src).st_ino, os.stat(src).st_size))
        real_replace(src, dst)

    monkeypatch.setattr(xorlib.checkpoints.os, "fsync", fsync)
    monkeypatch.setattr(xorlib.checkpoints.os, "replace", replace)
    path = save_checkpoint(trained(), tmp_path / "model.pt")
    final = path.stat()
    # The file synced is the one renamed, already at its full size (flushed), and the sync came first.
    assert events == [("fsync", final.st_ino, final.st_size), ("replace", final.st_ino, final.st_size)]


def test_save_never_writes_through_a_file_planted_at_its_temporary_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xorlib.checkpoints.secrets, "token_hex", lambda n: "same-name-every-time")
    used, real_replace = [], os.replace

    def replace(src: str, dst: str) -> None:  # notes the temporary name a save uses
        used.append(src)
        real_replace(src, dst)

    monkeypatch.setattr(xorlib.checkpoints.os, "replace", replace)
    save_checkpoint(SimpleClassifier(), tmp_path / "model.pt")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    Path(used[0]).symlink_to(victim)  # someone plants a link where the next save will write
    with pytest.raises(FileExistsError):
        save_checkpoint(trained(), tmp_path / "model.pt")
    assert victim.read_text() == "keep me" and Path(used[0]).is_symlink()


def test_failed_save_raises_its_own_error_even_if_the_temporary_file_is_gone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def replace(src: str, dst: str) -> None:
        os.unlink(src)  # e.g. removed by a cleaner of temporary files
        raise OSError("rename failed")

    monkeypatch.setattr(xorlib.checkpoints.os, "replace", replace)
    with pytest.raises(OSError, match="^rename failed$"):
        save_checkpoint(SimpleClassifier(), tmp_path / "model.pt")
    assert list(tmp_path.iterdir()) == []


def test_refusal_names_torchs_reason_without_its_advice_to_allowlist(tmp_path: Path) -> None:
    write_malicious(tmp_path / "evil.pt", tmp_path / "marker", "torch.save")
    with pytest.raises(ValueError) as info:
        load_checkpoint(tmp_path / "evil.pt")
    reason = re.search(r"\(([^()]*)\)$", str(info.value)).group(1)
    assert re.fullmatch(r"Unsupported global: GLOBAL \S+ was not an allowed global by default", reason)


def test_long_reasons_are_cut_to_200_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A zip checkpoint holding an object of a class with a very long name: torch's reason quotes it.
    name = "Long" + "a" * 400
    cls = type(name, (), {"__module__": __name__})
    monkeypatch.setattr(sys.modules[__name__], name, cls, raising=False)  # so pickle can find it
    torch.save({"format": xorlib.checkpoints.FORMAT, "x": cls()}, tmp_path / "long.pt")
    with pytest.raises(ValueError) as info:
        load_checkpoint(tmp_path / "long.pt")
    reason = re.search(r"\(([^()]*)\)$", str(info.value)).group(1)
    assert len(reason) == 200 and reason.startswith(f"Unsupported global: GLOBAL {__name__}.Longaaaa")


def test_a_foreign_pickle_gives_the_error_and_no_warning(tmp_path: Path) -> None:
    write_malicious(tmp_path / "evil.pt", tmp_path / "marker", "pickle")  # pickle protocol 4 or 5
    with warnings.catch_warnings(record=True) as caught, pytest.raises(ValueError, match="refusing to load"):
        warnings.simplefilter("always")
        load_checkpoint(tmp_path / "evil.pt")
    assert [str(w.message) for w in caught] == []


# --- torch.save's zip layout -----------------------------------------------------------------------

def layout_changes(path: Path, tensors: int) -> list[str]:
    """How the file torch.save wrote at ``path`` differs from what xorlib's checks assume."""
    data, changes = path.read_bytes(), []
    if data[:4] != layout.LOCAL_HEADER:
        changes.append(f"the file starts with {data[:4]!r}, not a zip local header {layout.LOCAL_HEADER!r}")
    tail = data[-layout.END_BYTES:]
    found = [tail[:4], tail[56:60], tail[76:80], tail[-2:]]
    if found != [layout.ZIP64_END, layout.ZIP64_LOCATOR, layout.END_RECORD, b"\0\0"]:
        changes.append(f"the file no longer ends with a zip64 end record, its locator and a plain end record "
                       f"without a comment (found {found} where those signatures and no comment belong)")
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
    names = [e.filename for e in entries]
    expected = layout.saved_entries(names[0].split("/")[0], tensors)
    if names != expected:
        changes.append(f"the entries are {names}, not {expected} (new: {sorted(set(names) - set(expected))}, "
                       f"gone: {sorted(set(expected) - set(names))})")
    compressed = [e.filename for e in entries if e.compress_type != zipfile.ZIP_STORED]
    if compressed:
        changes.append(f"entries are compressed: {compressed}")
    return changes


def test_torch_save_layout_is_the_one_the_checks_read(tmp_path: Path) -> None:
    """The zip checks read torch.save's layout before torch.load runs; if torch packs files otherwise,
    they would refuse good files or, worse, stop checking (a renamed pickle entry escapes its limit)."""
    path = save_checkpoint(SimpleClassifier(), tmp_path / "m.pt")
    changes = layout_changes(path, tensors=4)
    legacy = tmp_path / "legacy.pt"
    torch.save({"a": 1}, legacy, _use_new_zipfile_serialization=False)
    start = legacy.read_bytes()[:1]
    if start != layout.BARE_PICKLE:
        changes.append(f"the legacy format starts with {start!r}, not {layout.BARE_PICKLE!r}")
    assert not changes, (f"torch {torch.__version__} packs files otherwise than the section \"torch.save's "
                         "zip layout\" of xorlib/_checkpoint_checks.py assumes; review that section: "
                         + "; ".join(changes))
    assert load_checkpoint(path).sizes == SimpleClassifier().sizes  # and the checks pass the file


def test_the_layout_test_notices_a_change(tmp_path: Path) -> None:
    path = save_checkpoint(SimpleClassifier(), tmp_path / "m.pt")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp_path / "other.pt", "w") as zout:
        for info in zin.infolist():  # renamed pickle, compressed weights, as a future torch might write them
            name = info.filename.replace("data.pkl", "data.pickle")
            zout.writestr(name, zin.read(info), compress_type=zipfile.ZIP_DEFLATED)
    changes = layout_changes(tmp_path / "other.pt", tensors=4)
    assert len(changes) == 3 and "new: ['archive/data.pickle']" in changes[1] and "compressed" in changes[2]
