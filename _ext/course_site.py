"""Settings of the course website that _config.yml alone cannot express.

1. MathJax is served by the site itself, so pages with maths render offline. Its files
   come from the pinned ``sphinx-mathjax-offline`` package, whose own module cannot be
   imported (it installs as ``sphinx-mathjax-offline/``). Of its 24 MB the pages need one
   file, ``tex-chtml-full.js`` (TeX input with every extension built in, so nothing is
   loaded on demand), and the CommonHTML web fonts: only those are copied to
   ``_static/mathjax`` (``build-finished``), and Sphinx's ``mathjax_path`` points there.
2. ``repository.url`` in _config.yml is the one switch for the Colab/Binder launch
   buttons and the repository link. Left empty, the site shows none of them (the theme
   would otherwise crash on launch buttons without a repository). Unless
   ``launch_buttons.thebe`` is on, sphinx-thebe (which Jupyter Book always loads) adds
   nothing to the pages: no thebe script address and no placeholder Binder repository.
   Sphinx has no public way to remove another extension's event handlers, so this reads
   ``app.events.listeners`` (not documented, present in Sphinx 7) and calls the public
   ``app.disconnect`` on sphinx-thebe's; ``tests/test_website.py`` checks the result.
3. ``_static/course.css`` and ``_static/course.js`` (in _config.yml's ``html_static_path``)
   fit the pages to phones and screen readers: on a phone text outputs take a smaller font
   and the whole width, so tables keep their lines, and only longer lines wrap instead of
   running past the window; figures keep their shape, and a light background in dark mode;
   the animation's buttons are big enough to tap; and buttons whose accessible name
   differs from their visible text get matching names. A folded cell's summary is written
   without MyST-NB's fixed ``aria-label`` ("Toggle hidden content"), so its name is the
   visible "Show solution".
4. Files no page needs are left out of the site: source maps, the theme's message
   catalogues (``_static/locales``, used while building, not by the pages), and the body of
   Font Awesome's 1.5 MB icon script, which every page loads only to redraw as SVG the icons
   that the theme's stylesheet already draws from the Font Awesome web font. The root's
   redirect page names the site icon, so no browser asks for a missing ``/favicon.ico``.
5. Every figure in a cell's output links to its full-size image file, so a reader on a phone,
   where a wide figure shrinks to the screen, can open it and zoom in. Sphinx does this itself
   only for images given a size (``html_scaled_image_link``); this adds the same link, whose
   accessible name is the image's alt text, to the others. The file's name in ``_images`` is
   the one the HTML builder gives it (``env.images``, as its ``post_process_images`` reads it).
"""

from __future__ import annotations

import posixpath
import shutil
from html import escape
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from urllib.parse import quote

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util.osutil import relative_uri
from sphinx.writers.html5 import HTML5Translator

MATHJAX_ENTRY = "tex-chtml-full.js"
MATHJAX_FILES = (MATHJAX_ENTRY, "output/chtml/fonts/woff-v2")  # relative to the mathjax folder
UNUSED_STATIC = ("locales",)  # relative to _static/


def mathjax_dir() -> Path:
    try:
        dist = distribution("sphinx-mathjax-offline")
    except PackageNotFoundError as err:
        raise ExtensionError("sphinx-mathjax-offline is not installed: run `make setup`") from err
    for file in dist.files or []:
        if file.name == MATHJAX_ENTRY and file.parent.name == "mathjax":
            folder = Path(dist.locate_file(file)).parent
            if all((folder / name).exists() for name in MATHJAX_FILES):
                return folder
    raise ExtensionError(f"sphinx-mathjax-offline lacks static/mathjax/{MATHJAX_FILES}: reinstall it")


def visit_folded_cell(self: HTML5Translator, node: nodes.Element) -> None:
    """MyST-NB's ``<details>`` fold, with the summary named by its visible text alone."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def override_fold(app: Sphinx) -> None:
    app.add_node(HideCodeCellNode, override=True, html=(visit_folded_cell, depart_HideCellInput))


def in_cell_output(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if "cell_output" in parent.get("classes", []):
            return True
        parent = parent.parent
    return False


def link_output_figures(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Wrap each output image not yet in a link in one to its file in ``_images``."""
    if app.builder.format != "html":
        return
    images_dir = relative_uri(app.builder.get_target_uri(docname), app.builder.imagedir)
    for image in list(doctree.findall(nodes.image)):
        uri = image["uri"]
        if isinstance(image.parent, nodes.reference) or uri not in app.env.images:
            continue
        if not in_cell_output(image):
            continue
        reference = nodes.reference("", "", internal=True, classes=["image-reference", "output-figure"],
                                    refuri=posixpath.join(images_dir, quote(app.env.images[uri][1])))
        image.replace_self(reference)
        reference.append(image)


def copy_mathjax_and_prune(app: Sphinx, exception: Exception | None) -> None:
    if exception or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    for name in MATHJAX_FILES:
        source, target = mathjax_dir() / name, static / "mathjax" / name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for name in UNUSED_STATIC:
        shutil.rmtree(static / name, ignore_errors=True)
    for source_map in static.rglob("*.map"):  # for browser developer tools only
        source_map.unlink()
    redirect = Path(app.outdir) / "index.html"  # Jupyter Book's redirect to the root page
    if redirect.is_file() and "rel=\"icon\"" not in (text := redirect.read_text()):
        # with no icon of its own a browser asks for /favicon.ico, which the site has not
        redirect.write_text('<link rel="icon" href="_static/favicon.svg" />\n' + text)
    icons = static / "scripts" / "fontawesome.js"
    if icons.is_file():  # the theme's pages still name it: keep the address, drop the code
        icons.write_text("/* Icons come from the Font Awesome web font in the theme's stylesheet. */\n")


def configure(app: Sphinx, config: Config) -> None:
    config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"
    options = config.html_theme_options
    if str(options.get("repository_url") or "").strip():
        options["use_repository_button"] = True  # (Jupyter Book's defaults say False)
    else:
        options.pop("launch_buttons", None)
        for button in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
            options[button] = False
    if not (options.get("launch_buttons") or {}).get("thebe"):
        for event in ("env-before-read-docs", "doctree-resolved"):
            for listener in list(app.events.listeners.get(event, [])):
                if getattr(listener.handler, "__module__", "").startswith("sphinx_thebe"):
                    app.disconnect(listener.id)


def setup(app: Sphinx) -> dict:
    mathjax_dir()  # fail early, with a clear message, when the files are missing
    app.connect("config-inited", configure)
    app.connect("builder-inited", override_fold)  # after MyST-NB has registered the node
    app.connect("doctree-resolved", link_output_figures)
    app.connect("build-finished", copy_mathjax_and_prune)
    app.add_css_file("course.css")
    app.add_js_file("course.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
