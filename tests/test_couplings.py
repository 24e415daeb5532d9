"""What the course assumes of other projects' internals still holds for the installed versions.

Two places lean on text or attributes that their projects do not promise to keep:
``xorlib.figures.explore`` rewrites the HTML page of matplotlib's animation player, and
``_ext/course_site.py`` reads Sphinx's event listeners and image names, MyST-NB's fold markup,
and files of sphinx-thebe and the themes. Each test here fails with a message naming what
changed and where the assumption lives, so a release that moves one is noticed at once.
"""

from __future__ import annotations

import base64
import io
import re
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import pytest
from matplotlib.animation import Animation, FuncAnimation

from xorlib.figures import explore

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


# --- matplotlib's animation player (xorlib.figures.explore) -----------------------------------------

def player_page() -> str:
    """The page matplotlib's public ``to_jshtml`` writes for a two-frame animation."""
    fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
    (line,) = ax.plot([0, 1], [0, 1])
    anim = FuncAnimation(fig, lambda i: [line], frames=2, interval=100, repeat=False)
    try:
        return anim.to_jshtml(default_mode="once")
    finally:
        plt.close(fig)


def test_matplotlib_writes_the_player_page_that_animation_html_rewrites() -> None:
    changes = explore._jshtml_changes(player_page())
    assert not changes, (
        f"matplotlib {matplotlib.__version__}'s to_jshtml page is not the one of matplotlib "
        f"{explore.JSHTML_CHECKED_WITH} that xorlib/figures/explore.py rewrites: {changes}. "
        "Update _JSHTML and _ICONS there (and JSHTML_CHECKED_WITH).")


def test_the_player_has_every_class_that_course_css_styles() -> None:
    styled = set(re.findall(r"\.(anim[\w-]*)", (ROOT / "_static" / "course.css").read_text()))
    assert {"animation", "anim-buttons", "anim-state"} <= styled  # the scan reads the stylesheet
    page = {name for names in re.findall(r'class="([^"]*)"', player_page()) for name in names.split()}
    missing = sorted(styled - page)
    assert not missing, (f"matplotlib {matplotlib.__version__}'s player has no class {missing}, which "
                         "_static/course.css styles (for phones): update the stylesheet")


def test_a_player_page_of_another_shape_is_named_and_returned_as_it_is(monkeypatch) -> None:
    """What a matplotlib release that changed its template would meet: a warning, and its page."""
    changed = (player_page().replace('type="range"', 'type="number"')
               .replace('<i class="fa fa-plus"></i>', '<i class="fa fa-plus-circle"></i>'))
    changes = explore._jshtml_changes(changed)
    assert any(change.startswith("no frame slider") for change in changes), changes
    assert any("plus-circle" in change for change in changes), changes
    fig, _ = plt.subplots(figsize=(1, 1), dpi=20)
    anim = FuncAnimation(fig, lambda i: [], frames=1)
    anim.to_jshtml()  # drawn once, as matplotlib expects of every animation
    plt.close(fig)
    monkeypatch.setattr(Animation, "to_jshtml", lambda self, **kwargs: changed)
    with pytest.warns(RuntimeWarning, match=r"animation page other than .*no frame slider"):
        assert explore.animation_html(anim, alt="a picture") == changed


# --- Sphinx, MyST-NB, sphinx-thebe and the themes (_ext/course_site.py) -----------------------------

def tiny_notebook() -> nbformat.NotebookNode:
    """A page of maths, and a cell with its source folded and a figure as its output."""
    fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
    ax.plot([0, 1], [1, 0])
    png = io.BytesIO()
    fig.savefig(png, format="png")
    plt.close(fig)
    output = nbformat.v4.new_output("display_data", data={
        "image/png": base64.b64encode(png.getvalue()).decode(), "text/plain": "<Figure>"})
    cell = nbformat.v4.new_code_cell("draw()", outputs=[output], metadata={"tags": ["hide-input"]})
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Tiny\n\nSome maths: $x^2$."),
                                               cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


# A configured thebe: each of sphinx-thebe's handlers left connected would add to the page.
THEBE_CONFIG = {"selector": ".thebe", "selector_input": "pre", "selector_output": ".output"}


class Site:
    """A two-extension site built with course_site in this process, and what its handlers saw."""

    def __init__(self, root: Path) -> None:
        import course_site
        from sphinx.application import Sphinx

        self.module = course_site
        src, self.out = root / "src", root / "out"
        src.mkdir()
        nbformat.write(tiny_notebook(), src / "index.ipynb")
        (src / "conf.py").write_text('extensions = ["myst_nb", "sphinx_thebe", "course_site"]\n'
                                     'html_theme = "sphinx_book_theme"\nnb_execution_mode = "off"\n'
                                     'myst_enable_extensions = ["dollarmath"]\n'  # as Jupyter Book does
                                     f"thebe_config = {THEBE_CONFIG!r}\n")
        self.warnings = io.StringIO()
        self.app = Sphinx(str(src), str(src), str(self.out), str(root / "doctrees"), "html",
                          status=None, warning=self.warnings, freshenv=True)
        self.bodies: dict[str, str] = {}  # each page's body before course_site's handler changes it
        self.static_before: set[str] = set()  # what was in _static before course_site pruned it
        self.app.connect("html-page-context", self.record_body, priority=100)
        self.app.connect("build-finished", self.record_static, priority=100)
        self.app.build()
        self.page = (self.out / "index.html").read_text()

    def record_body(self, app, pagename: str, templatename: str, context: dict, doctree) -> None:
        self.bodies[pagename] = context.get("body", "")

    def record_static(self, app, exception: Exception | None) -> None:
        static = self.out / "_static"
        self.static_before = {str(p.relative_to(static)) for p in static.rglob("*")}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        yield Site(tmp_path_factory.mktemp("site"))
    finally:
        sys.path.remove(str(ROOT / "_ext"))


def checked(project: str, site: Site) -> str:
    return f"{project} {version(project)}, checked with {site.module.CHECKED_WITH[project]}"


def test_the_site_builds_without_warnings(site: Site) -> None:
    assert site.warnings.getvalue() == "", site.warnings.getvalue()


def test_sphinx_event_listeners_are_found_and_disconnected(site: Site) -> None:
    def handler(app) -> None: ...

    listener_id = site.app.connect("builder-inited", handler)
    assert (listener_id, handler) in site.module.event_listeners(site.app, "builder-inited"), (
        f"{checked('sphinx', site)}: app.events.listeners no longer holds (id, handler) of each "
        "listener; update event_listeners in _ext/course_site.py")
    site.app.disconnect(listener_id)
    assert (listener_id, handler) not in site.module.event_listeners(site.app, "builder-inited")


def test_sphinx_thebe_adds_nothing_to_the_pages(site: Site) -> None:
    for event in site.module.THEBE_EVENTS:
        handlers = site.module.event_listeners(site.app, event)
        assert not [h for _, h in handlers if h.__module__.startswith(site.module.THEBE_MODULE)]
    assert "x-thebe-config" not in site.page and "unpkg.com/thebe" not in site.page, (
        f"{checked('sphinx-thebe', site)}: its script or configuration reaches the page; it now adds "
        "them from other events or another module than THEBE_EVENTS/THEBE_MODULE in _ext/course_site.py")


def test_myst_nb_fold_is_named_by_its_visible_text(site: Site) -> None:
    summary = site.module.MYST_NB_FOLD_SUMMARY
    assert summary in site.bodies["index"], (
        f"{checked('myst-nb', site)}: a folded cell's summary is no longer written as {summary!r}; "
        "update MYST_NB_FOLD_SUMMARY in _ext/course_site.py (see MyST-NB's visit_HideCellInput)")
    assert "Toggle hidden content" not in site.page
    assert site.page.count("<summary>") == site.bodies["index"].count(summary) == 1


def test_output_figures_link_to_the_image_files(site: Site) -> None:
    link = r'<a class="[^"]*output-figure[^"]*" href="([^"]+)"><img [^>]*src="([^"]+)"'
    links = re.findall(link, site.page)
    assert len(links) == 1, f"{checked('sphinx', site)}: the output figure is not linked to its file"
    ((href, src),) = links
    assert href == src and href.startswith("_images/") and (site.out / href).is_file(), (
        f"{checked('sphinx', site)}: env.images or builder.imagedir name another file than the one "
        "Sphinx copies; update output_image_path in _ext/course_site.py")
    (uri,) = site.app.env.images
    assert site.module.output_image_path(site.app, uri) == href
    assert site.module.output_image_path(site.app, "https://example.org/remote.png") is None


def test_theme_files_are_where_they_are_pruned(site: Site) -> None:
    icons = site.module.ICON_SCRIPT
    assert icons in site.static_before, (
        f"{checked('pydata-sphinx-theme', site)}: no _static/{icons} to empty; update ICON_SCRIPT in "
        "_ext/course_site.py")
    assert (site.out / "_static" / icons).read_text().startswith("/* Icons come from")
    for name in site.module.UNUSED_STATIC:
        assert name in site.static_before, (
            f"{checked('sphinx-book-theme', site)}: no _static/{name} to leave out; update UNUSED_STATIC "
            "in _ext/course_site.py")
        assert not (site.out / "_static" / name).exists()


def test_mathjax_is_served_by_the_site(site: Site) -> None:
    assert (site.out / "_static" / "mathjax" / site.module.MATHJAX_ENTRY).is_file(), checked(
        "sphinx-mathjax-offline", site)
    assert f'src="_static/mathjax/{site.module.MATHJAX_ENTRY}"' in site.page


def test_a_root_page_named_index_is_not_taken_for_jupyter_books_redirect(site: Site) -> None:
    assert site.page.lstrip().startswith("<!DOCTYPE html>"), "an icon link was put before the page"
