"""xorlib declares what its modules import, with lower bounds that hold, and the locks pin it all.

- Every third-party import in xorlib (found in the source by ``ast``) is a dependency in
  pyproject.toml: an import that runs with ``import xorlib`` a required one, one inside a function
  or under ``TYPE_CHECKING`` at least an extra. Every chapter's imports are covered by what its
  install cell installs (tools/install_cell.py) or by Jupyter itself.
- The lower bounds: the wheel, built from the sources, is installed in a new venv with every declared
  dependency at its lower bound (a constraints file) and runs a smoke script: every module imports,
  every docstring example runs, and each dependency's part of the library does its work. torch is the
  exception: its lower bound's Linux build is a CUDA build of several GB, so the venv gets the course's
  torch (the CPU build that the lock pins), and the bound is checked in the sources of PyTorch's small
  macOS wheels (the argument it needs is in the bound's release and not in the one before), while every
  torch name xorlib uses must be on a list that was run against the bound (TORCH_NAMES).
- The version has one source, ``xorlib/_version.py``, and ``pip wheel`` names the wheel by it.
- The locks (requirements/*.txt) pin every package with hashes and agree with each other.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
import venv
import zipfile
from functools import cache
from pathlib import Path

import nbformat
import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import install_cell  # noqa: E402  (a script of this repository, not a package)

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
REQUIRED = [Requirement(r) for r in PROJECT["dependencies"]]
EXTRAS = {extra: [Requirement(r) for r in reqs] for extra, reqs in PROJECT["optional-dependencies"].items()}
# Modules of another distribution that need a package of their own: torch's TensorBoard writer
# (chapter 6) imports tensorboard, which torch does not declare.
NEEDS = {"torch.utils.tensorboard": "tensorboard"}
# Declared without an import: torch's Tensor.numpy(), called in xorlib, needs NumPy, which torch does
# not declare either.
USED_WITHOUT_IMPORT = {"numpy"}
# What Jupyter brings to every kernel a chapter can run in (Colab, JupyterLab, VS Code).
JUPYTER = {"IPython", "ipykernel"}
PIP_QUIET = ["-q", "--disable-pip-version-check"]


def top_imports(tree: ast.AST) -> tuple[set[str], set[str]]:
    """The modules imported when the module is (``eager``), and those imported only later (``lazy``):
    inside a function, or under ``if TYPE_CHECKING:``."""
    eager, lazy = set(), set()

    def visit(node: ast.AST, deferred: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = install_cell.imported_modules(node)
            (lazy if deferred else eager).update(names)
        for child in ast.iter_child_nodes(node):
            inner = deferred or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) or (
                isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test) and child in node.body)
            visit(child, inner)

    visit(tree, False)
    return eager, lazy


@cache
def providers() -> dict[str, set[str]]:
    """Each importable top-level module of this environment and the distributions that provide it."""
    return {top: {canonicalize_name(d) for d in dists}
            for top, dists in importlib.metadata.packages_distributions().items()}


def distributions_of(modules: set[str]) -> dict[str, set[str]]:
    """For each third-party module (dotted), the distributions it needs; stdlib and xorlib left out."""
    found = {}
    for module in modules:
        top = module.split(".")[0]
        if top in sys.stdlib_module_names or top in ("xorlib", "__future__"):
            continue
        dists = set(providers().get(top, {f"<no installed distribution provides {top!r}>"}))
        dists |= {canonicalize_name(d) for m, d in NEEDS.items() if module == m or module.startswith(m + ".")}
        found[module] = dists
    return found


def library_imports() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """xorlib's third-party imports, eager and lazy, each with the distributions it needs."""
    eager, lazy = set(), set()
    for path in sorted((ROOT / "xorlib").rglob("*.py")):
        now, later = top_imports(ast.parse(path.read_text()))
        eager |= now
        lazy |= later
    return distributions_of(eager), distributions_of(lazy - eager)


def names(requirements: list[Requirement]) -> set[str]:
    return {canonicalize_name(r.name) for r in requirements}


def test_every_import_in_xorlib_is_declared() -> None:
    eager, lazy = library_imports()
    required, optional = names(REQUIRED), set().union(*(names(reqs) for reqs in EXTRAS.values()))
    missing = {m: d for m, d in eager.items() if not d <= required}
    assert not missing, f"imported with `import xorlib` but not in [project] dependencies: {missing}"
    missing = {m: d for m, d in lazy.items() if not d <= required | optional}
    assert not missing, f"imported by xorlib but in neither the dependencies nor an extra: {missing}"


def test_every_declared_dependency_is_used_and_has_a_lower_bound() -> None:
    eager, lazy = library_imports()
    used = set().union(*eager.values(), *lazy.values()) | USED_WITHOUT_IMPORT
    for req in REQUIRED + [r for reqs in EXTRAS.values() for r in reqs]:
        assert canonicalize_name(req.name) in used, f"{req.name} is declared but xorlib does not use it"
        assert [s.operator for s in req.specifier] == [">="], f"{req}: one lower bound (>=), nothing else"
        assert not req.marker and not req.extras, req


def test_each_chapter_alone_has_what_it_imports() -> None:
    """A chapter's install cell brings the dependencies and its extras; Jupyter brings the kernel."""
    required = names(REQUIRED)
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if nb.metadata.get("kernelspec", {}).get("language") != "python":
            continue
        extras = install_cell.chapter_extras(nb)
        has = required | {canonicalize_name("torch")} | set().union(*(names(EXTRAS[e]) for e in extras))
        modules = {m for m in install_cell.imported_modules(install_cell.code_of(nb))
                   if m.split(".")[0] not in JUPYTER}
        missing = {m: d for m, d in distributions_of(modules).items() if not d <= has}
        assert not missing, f"{path.name} imports what its install cell ({extras=}) does not bring: {missing}"


def test_chapter_extras_follow_from_the_imports() -> None:
    """Chapter 11 builds the panel (ipywidgets); chapter 6 writes TensorBoard files (a required one)."""
    chapters = {p.name[:2]: nbformat.read(p, as_version=4) for p in (ROOT / "chapters").glob("[01]*.ipynb")}
    assert install_cell.chapter_extras(chapters["11"]) == ["widgets"]
    assert install_cell.chapter_extras(chapters["06"]) == []
    assert "tensorboard" in names(REQUIRED)


def test_the_scan_sees_eager_lazy_and_hidden_imports() -> None:
    source = ("import yaml\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import nbformat\n"
              "def f():\n    import torch.utils.tensorboard\n")
    eager, lazy = top_imports(ast.parse(source))
    assert distributions_of(eager) == {"yaml": {"pyyaml"}}
    assert distributions_of(lazy) == {"nbformat": {"nbformat"},
                                      "torch.utils.tensorboard": {"torch", "tensorboard"}}


def test_the_code_parses_under_the_oldest_python_declared() -> None:
    oldest = Version(PROJECT["requires-python"].removeprefix(">="))
    for path in sorted((ROOT / "xorlib").rglob("*.py")):
        ast.parse(path.read_text(), str(path), feature_version=(oldest.major, oldest.minor))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """xorlib's wheel, built by `pip wheel` from a copy of the sources (no stale build/ folder)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        (src / name).write_bytes((ROOT / name).read_bytes())
    for path in (ROOT / "xorlib").rglob("*.py"):
        (src / path.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
        (src / path.relative_to(ROOT)).write_bytes(path.read_bytes())
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", *PIP_QUIET, "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(src)], check=True, capture_output=True)
    (built,) = out.glob("*.whl")
    return built


def test_pip_wheel_names_the_one_version(wheel: Path) -> None:
    version = re.search(r'__version__ = "(.+)"', (ROOT / "xorlib" / "_version.py").read_text())[1]
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"], "the version's one source"
    assert wheel.name == install_cell.wheel_name() == f"xorlib-{version}-py3-none-any.whl"


def test_the_wheel_declares_the_dependencies_and_holds_the_sources(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        files = {n for n in whl.namelist() if n.startswith("xorlib/")}
        metadata = whl.read(next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    assert files == {p.relative_to(ROOT).as_posix() for p in (ROOT / "xorlib").rglob("*.py")}
    declared = {str(Requirement(line.split(":", 1)[1].strip()))
                for line in metadata.splitlines() if line.startswith("Requires-Dist:")}
    expected = {str(r) for r in REQUIRED}
    expected |= {f'{r}; extra == "{extra}"' for extra, reqs in EXTRAS.items() for r in reqs}
    assert declared == expected
    assert re.search(r"^Requires-Python: >=3\.10$", metadata, re.M)


# The torch APIs newer than 2.0 that xorlib uses, with the release that added them, and every name xorlib
# takes from torch. Each name was looked up (getattr) in torch 2.7.0, a CUDA build run on the CPU, where
# the smoke script below also ran, every docstring example included. A name not listed here fails the
# test until someone finds the release that added it (torch's documentation or sources), raises the
# bound in pyproject.toml if it is newer, and lists it.
TORCH_SINCE = {
    "torch.accelerator": "2.6",
    "torch.accelerator.current_accelerator(check_available)": "2.7",
    "torch.func": "2.0",
}
TORCH_NAMES = {
    "torch.Generator", "torch.Tensor", "torch.__version__", "torch.accelerator.current_accelerator",
    "torch.accelerator.device_count", "torch.accelerator.synchronize", "torch.addcmul", "torch.allclose",
    "torch.arange", "torch.as_tensor", "torch.autograd.grad", "torch.autograd.graph.saved_tensors_hooks",
    "torch.bincount", "torch.bmm", "torch.bool", "torch.cat", "torch.cos", "torch.cuda.Event",
    "torch.cuda.get_device_name", "torch.cuda.synchronize", "torch.device",
    "torch.distributed.destroy_process_group", "torch.distributed.init_process_group", "torch.dtype",
    "torch.einsum", "torch.empty", "torch.equal", "torch.float32", "torch.float64", "torch.from_numpy",
    "torch.full", "torch.full_like", "torch.func.functional_call", "torch.func.grad",
    "torch.func.stack_module_state", "torch.func.vmap", "torch.int32", "torch.int64",
    "torch.is_grad_enabled", "torch.isfinite", "torch.linalg.svd", "torch.linspace", "torch.load",
    "torch.logit", "torch.manual_seed", "torch.meshgrid", "torch.multiprocessing.spawn",
    "torch.nn.BCEWithLogitsLoss", "torch.nn.Dropout", "torch.nn.Linear", "torch.nn.Module",
    "torch.nn.Parameter", "torch.nn.ReLU", "torch.nn.Sequential", "torch.nn.Tanh",
    "torch.nn.functional.binary_cross_entropy_with_logits", "torch.nn.functional.cross_entropy",
    "torch.nn.parallel.DistributedDataParallel", "torch.no_grad", "torch.ones", "torch.optim.Adam",
    "torch.optim.LBFGS", "torch.optim.Optimizer", "torch.optim.SGD", "torch.outer", "torch.rand",
    "torch.randint", "torch.randn", "torch.random.fork_rng", "torch.randperm", "torch.relu", "torch.save",
    "torch.set_num_threads", "torch.sigmoid", "torch.sign", "torch.sin", "torch.softmax", "torch.stack",
    "torch.strided", "torch.tanh", "torch.tensor", "torch.utils.data.DataLoader", "torch.utils.data.Dataset",
    "torch.zeros", "torch.zeros_like"
}


def torch_names() -> dict[str, set[str]]:
    """Every dotted torch name xorlib uses (through any import alias), with the files that use it."""
    used: dict[str, set[str]] = {}
    for path in sorted((ROOT / "xorlib").rglob("*.py")):
        tree = ast.parse(path.read_text())
        alias = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                alias.update({a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0]
                              for a in node.names})
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                alias.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
        alias = {k: v for k, v in alias.items() if v.split(".")[0] == "torch"}
        parents = {id(c) for n in ast.walk(tree) if isinstance(n, ast.Attribute) for c in [n.value]}
        for node in ast.walk(tree):
            if id(node) in parents or not isinstance(node, ast.Attribute | ast.Name):
                continue
            parts, inner = [], node
            while isinstance(inner, ast.Attribute):
                parts.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id in alias:
                name = ".".join([alias[inner.id], *reversed(parts)])
                used.setdefault(name, set()).add(path.name)
    # a name's own methods (torch.__version__.split) are not torch's API
    return {n: f for n, f in used.items() if not any(n.startswith(k + ".") for k in TORCH_NAMES)}


def test_every_torch_name_xorlib_uses_was_run_on_the_torch_bound() -> None:
    used = torch_names()
    modules = {n for n in used if n.count(".") == 1 and n.split(".")[1] in
               {"nn", "optim", "func", "utils", "accelerator", "cuda", "autograd", "distributed", "linalg",
                "multiprocessing", "random"}}
    new = {n: sorted(f) for n, f in used.items() if n not in TORCH_NAMES and n not in modules}
    assert not new, (f"torch names not yet checked against torch's lower bound: {new}. Find the release "
                     "that added each, raise torch's bound in pyproject.toml if it is newer, list them here")
    bound = next(r for r in REQUIRED if r.name == "torch").specifier
    newest = max(TORCH_SINCE.values(), key=Version)
    assert str(bound) == f">={newest}", "the bound is the release of the newest API xorlib uses"
    calls = set()
    for path in (ROOT / "xorlib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("current_accelerator"):
                calls |= {k.arg for k in node.keywords}
    assert "check_available" in calls, "the API behind the bound: if it is gone, lower the bound"


def macos_wheel(version: str, where: Path) -> Path:
    """PyTorch's macOS wheel of ``version`` (about 70 MB): its Python sources are the Linux build's."""
    subprocess.run([sys.executable, "-m", "pip", "download", *PIP_QUIET, "--no-deps", "--only-binary=:all:",
                    "--platform", "macosx_11_0_arm64", "--python-version", "3.11", "-d", str(where),
                    f"torch=={version}"], check=True, capture_output=True, timeout=600)
    (found,) = where.glob(f"torch-{version}-*.whl")
    return found


def test_torch_bound_is_the_release_that_added_what_xorlib_calls(tmp_path: Path) -> None:
    """torch.accelerator.current_accelerator takes check_available from 2.7.0, not in 2.6.0."""
    bound = Version(str(next(r for r in REQUIRED if r.name == "torch").specifier).removeprefix(">="))
    signature = re.compile(r"^def current_accelerator\((.*)\)", re.M)
    before = f"{bound.major}.{bound.minor - 1}.0"
    for version, has in ((f"{bound.major}.{bound.minor}.0", True), (before, False)):
        with zipfile.ZipFile(macos_wheel(version, tmp_path)) as whl:
            source = whl.read("torch/accelerator/__init__.py").decode()
        params = signature.search(source)
        assert params, f"torch {version} has no torch.accelerator.current_accelerator"
        assert ("check_available" in params[1]) is has, (version, params[0])


def lock_pins(path: Path) -> dict[str, str]:
    """The ``name: version`` pins of a lock, each of which must carry hashes."""
    text = path.read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M))
    entries = re.findall(r"^[A-Za-z0-9._-]+==\S+((?: \\\n\s+--hash=sha256:[0-9a-f]{64})+)", text, re.M)
    assert len(entries) == len(pins) > 0, f"{path.name}: every pin needs its hashes"
    assert not re.search(r"^(-e\s|\.|git\+|https?:)", text, re.M), f"{path.name}: pins only"
    return {canonicalize_name(k): v for k, v in pins.items()}


def test_the_locks_pin_everything_declared_and_agree() -> None:
    main = lock_pins(ROOT / "requirements" / "main.txt")
    compat = lock_pins(ROOT / "requirements" / "compat.txt")
    mutate = lock_pins(ROOT / "requirements" / "mutate.txt")
    for req in REQUIRED + [r for reqs in EXTRAS.values() for r in reqs]:
        assert req.specifier.contains(main[canonicalize_name(req.name)], prereleases=True), (req, main)
    for path in sorted((ROOT / "requirements").glob("*.in")):  # each direct dependency, as its lock has it
        lock = {"mutate.in": mutate, "torch-compat.in": compat}.get(path.name, main)
        for line in path.read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-"):
                req = Requirement(line)
                pin = lock.get(canonicalize_name(req.name), "missing")
                assert pin != "missing" and req.specifier.contains(pin, prereleases=True), (
                    f"{path.name} asks for {req}, the lock has {pin}: run `make lock`")
    assert main["torch"].endswith("+cpu") and Version(main["torch"]).public == "2.13.0", "the CPU build"
    # compat: main's pins, with its torch and the CUDA libraries that build brings
    cuda = {n for n in compat.keys() - main.keys() if n.startswith(("nvidia-", "cuda-")) or n == "triton"}
    assert compat.keys() - main.keys() == cuda and cuda, sorted(compat.keys() - main.keys())
    assert {n: v for n, v in compat.items() if n not in cuda | {"torch"}} == {
        n: v for n, v in main.items() if n != "torch"}
    assert compat["torch"] == "2.14.1"
    # mutate: main's pins and mutmut with what it needs
    assert {n: v for n, v in mutate.items() if n in main} == main and "mutmut" in mutate


SMOKE = '''"""Every xorlib module imports, every docstring example runs, and each dependency's part works."""
import doctest
import importlib
import os
import pkgutil
import tempfile
from pathlib import Path

os.environ.pop("XORLIB_STATIC_OUTPUTS", None)  # the panel builds its widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from torch.utils.tensorboard import SummaryWriter  # chapter 6

import xorlib
from xorlib import monitor, plotting
from xorlib.figures import explore, panel


def main() -> None:
    names = ["xorlib", *(info.name for info in pkgutil.walk_packages(xorlib.__path__, "xorlib."))]
    failed = tried = 0
    for name in names:
        module = importlib.import_module(name)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        for test in doctest.DocTestFinder().find(module, name, globs={}):
            runner.run(test)
        failed, tried = failed + runner.failures, tried + runner.tries
        plt.close("all")
    assert failed == 0, f"{failed} of {tried} docstring example lines failed"

    # torch and tqdm: a model trained with its progress bar, scored, saved and loaded
    assert xorlib.get_device() == torch.device("cpu")
    data = xorlib.XORDataset(200, std=0.1, seed=0)
    loader = xorlib.make_loader(data, batch_size=32)
    torch.manual_seed(0)
    model = xorlib.SimpleClassifier(2, 4, 1)
    losses = xorlib.train_model(model, loader, num_epochs=30, lr=0.5, progress=True)
    assert len(losses) == 30 and losses[-1] < losses[0]
    assert 0.0 <= xorlib.accuracy(model, loader) <= 1.0
    with tempfile.TemporaryDirectory() as tmp:
        back = xorlib.load_checkpoint(xorlib.save_checkpoint(model, Path(tmp) / "model.pt"))
        assert torch.equal(xorlib.predict(back, data.X), xorlib.predict(model, data.X))
    result = xorlib.sweep([2, 4], [0.5], [0, 1], data.X, data.y, num_epochs=5)
    xorlib.sweep_func([2], [0.5], [0], data.X, data.y, num_epochs=2)  # torch.func

    # matplotlib (NumPy under it): figures, a colour map, an animation as HTML
    xorlib.success_heatmap(result.success_table(data.X, data.y))
    plotting.decision_boundary(model, data.X, data.y)
    plotting.loss_curve(losses)
    _, snap_losses, snapshots = explore.train_with_snapshots(2, 0.5, 0.1, 20, 32)
    html = explore.animation_html(explore.boundary_animation(snapshots, data.X, data.y, losses=snap_losses))
    assert "data:image" in html or "<img" in html
    plt.close("all")

    # tensorboard: scalars and a figure written by torch (chapter 6), read back by xorlib.monitor
    with tempfile.TemporaryDirectory() as logdir:
        with SummaryWriter(logdir) as writer:
            for step, loss in enumerate([0.75, 0.5, 0.25]):
                writer.add_scalar("loss/train", loss, step)
            writer.add_figure("boundary", plotting.decision_boundary(model, data.X, data.y), global_step=2)
        assert monitor.read_scalars(logdir) == {"loss/train": ([0, 1, 2], [0.75, 0.5, 0.25])}
        assert monitor.run_tags(logdir)["images"] == ["boundary"]
        monitor.scalar_plot(monitor.read_scalars(logdir))

    # ipywidgets (chapter 11): the panel's sliders and Train button
    box = panel.show()
    assert box is not None and len(box.children) >= 5, box
    plt.close("all")
    print(f"smoke: {len(names)} modules, {tried} example lines, every dependency's part ran")


if __name__ == "__main__":  # torch.multiprocessing's workers (xorlib.distributed) import this file
    main()
'''


def test_the_lower_bounds_install_together_and_run(wheel: Path, tmp_path: Path) -> None:
    """The wheel with every extra, each dependency at its lower bound (torch: the course's build)."""
    lows = {canonicalize_name(r.name): str(r.specifier).removeprefix(">=")
            for r in REQUIRED + [r for reqs in EXTRAS.values() for r in reqs]}
    torch = lock_pins(ROOT / "requirements" / "main.txt")["torch"]
    lows["torch"] = torch
    (tmp_path / "lowest.txt").write_text("".join(f"{name}=={v}\n" for name, v in sorted(lows.items())))
    venv.EnvBuilder(with_pip=True).create(tmp_path / "env")
    python = str(tmp_path / "env" / "bin" / "python")
    extras = ",".join(sorted(EXTRAS))
    install = subprocess.run([python, "-m", "pip", "install", *PIP_QUIET, "-c", str(tmp_path / "lowest.txt"),
                              f"xorlib[{extras}] @ {wheel.as_uri()}"],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    check = subprocess.run([python, "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    got = json.loads(subprocess.run(
        [python, "-c", "import json, importlib.metadata as m, sys; "
         "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))", *lows],
        capture_output=True, text=True, check=True).stdout)
    assert {canonicalize_name(n): Version(v) for n, v in got.items()} == {
        n: Version(v) for n, v in lows.items()}, "each at its lower bound"
    (tmp_path / "smoke.py").write_text(SMOKE)
    run = subprocess.run([python, str(tmp_path / "smoke.py")], cwd=tmp_path, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0 and "smoke:" in run.stdout, run.stdout[-3000:] + run.stderr[-5000:]
