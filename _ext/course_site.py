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
   Sphinx has no public way to find another extension's event handlers: ``event_listeners``
   reads them (below, with the other internals) for the public ``app.disconnect``.
3. ``_static/course.css`` and ``_static/course.js`` (in _config.yml's ``html_static_path``)
   fit the pages to phones and screen readers: on a phone text outputs take a smaller font
   and the whole width, so tables keep their lines, and only longer lines wrap instead of
   running past the window; figures keep their shape, and a light background in dark mode;
   the animation's buttons are big enough to tap; and buttons whose accessible name
   differs from their visible text get matching names. A folded cell's summary loses
   MyST-NB's fixed ``aria-label`` ("Toggle hidden content") as each page is written
   (``html-page-context``), so its name is the visible "Show solution".
4. Files no page needs are left out of the site: source maps, the theme's message
   catalogues (``_static/locales``, used while building, not by the pages), and the body of
   Font Awesome's 1.5 MB icon script, which every page loads only to redraw as SVG the icons
   that the theme's stylesheet already draws from the Font Awesome web font. The root's
   redirect page names the site icon, so no browser asks for a missing ``/favicon.ico``.
5. Every figure in a cell's output links to its full-size image file, so a reader on a phone,
   where a wide figure shrinks to the screen, can open it and zoom in. Sphinx does this itself
   only for images given a size (``html_scaled_image_link``); this adds the same link, whose
   accessible name is the image's alt text, to the others. The file's name in ``_images`` is
   the one the HTML builder gives it (``output_image_path``, below).

Other projects' internals (undocumented attributes, file layouts, markup) are used in one
section below, each through one name, with the versions they were checked against;
``tests/test_couplings.py`` builds a small site with the same extensions and fails, naming
what changed, when a release moves one of them.
"""

from __future__ import annotations

import posixpath
import shutil
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from urllib.parse import quote

import sphinx
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError

# --- Other projects' internals: every use of them is in this section ---------------------------------
# None of these is public API of its project. Each is used through one name here, checked against
# the versions in CHECKED_WITH; tests/test_couplings.py fails, saying what changed, when one moves.
CHECKED_WITH = {"sphinx": "7.4.7", "myst-nb": "1.4.0", "sphinx-thebe": "0.3.1",
                "pydata-sphinx-theme": "0.16.1", "sphinx-book-theme": "1.2.0",
                "sphinx-mathjax-offline": "0.0.2", "jupyter-book": "1.0.4.post1"}
# MyST-NB writes each folded cell's summary with this fixed accessible name (visit_HideCellInput in
# myst_nb/sphinx_.py); without it a summary is named by its visible text.
MYST_NB_FOLD_SUMMARY = '<summary aria-label="Toggle hidden content">'
# sphinx-thebe's handlers, by their module, and the events on which they add its script and config.
THEBE_MODULE, THEBE_EVENTS = "sphinx_thebe", ("env-before-read-docs", "doctree-resolved")
# Files of the themes under the site's _static: pydata-sphinx-theme's icon script (1.5 MB, redundant
# with its icon font) and sphinx-book-theme's message catalogues (read while building only).
ICON_SCRIPT, UNUSED_STATIC = "scripts/fontawesome.js", ("locales",)
# sphinx-mathjax-offline's files, under its static/mathjax folder (its module cannot be imported).
MATHJAX_ENTRY = "tex-chtml-full.js"
MATHJAX_FILES = (MATHJAX_ENTRY, "output/chtml/fonts/woff-v2")
# Jupyter Book's redirect page at the root of the site, to which an icon is added.
REDIRECT_PAGE = "index.html"


def event_listeners(app: Sphinx, event: str) -> list[tuple[int, Callable]]:
    """``(id, handler)`` of each listener of ``event``, for the public ``app.disconnect``.

    Sphinx keeps them in ``app.events.listeners`` (its ``EventManager``, undocumented): event
    name -> list of ``EventListener(id, handler, priority)``.
    """
    listeners = getattr(getattr(app, "events", None), "listeners", None)
    if not isinstance(listeners, Mapping):
        raise ExtensionError(f"Sphinx {sphinx.__version__} has no app.events.listeners mapping (checked "
                             f"with Sphinx {CHECKED_WITH['sphinx']}): course_site cannot find sphinx-thebe's "
                             "handlers")
    return [(listener.id, listener.handler) for listener in listeners.get(event, [])]


def output_image_path(app: Sphinx, uri: str) -> str | None:
    """Where the HTML builder copies the image ``uri``, from the site's root (``_images/name``).

    ``None`` for an image it does not copy (a remote one). The name is ``env.images[uri][1]``
    (uri -> (docnames, unique file name), undocumented) under ``builder.imagedir``, as
    ``StandaloneHTMLBuilder.post_process_images`` reads them.
    """
    images, imagedir = getattr(app.env, "images", None), getattr(app.builder, "imagedir", None)
    if not isinstance(images, Mapping) or not isinstance(imagedir, str):
        raise ExtensionError(f"Sphinx {sphinx.__version__} has no env.images or builder.imagedir (checked "
                             f"with Sphinx {CHECKED_WITH['sphinx']}): course_site cannot link figures to "
                             "their files")
    return posixpath.join(imagedir, images[uri][1]) if uri in images else None


def mathjax_dir() -> Path:
    """sphinx-mathjax-offline's ``mathjax`` folder, holding ``MATHJAX_FILES``."""
    try:
        dist = distribution("sphinx-mathjax-offline")
    except PackageNotFoundError as err:
        raise ExtensionError("sphinx-mathjax-offline is not installed: run `make setup`") from err
    for file in dist.files or []:
        if file.name == MATHJAX_ENTRY and file.parent.name == "mathjax":
            folder = Path(dist.locate_file(file)).parent
            if all((folder / name).exists() for name in MATHJAX_FILES):
                return folder
    raise ExtensionError(f"sphinx-mathjax-offline lacks static/mathjax/{MATHJAX_FILES} (checked with "
                         f"version {CHECKED_WITH['sphinx-mathjax-offline']}): reinstall it")


# --- The course's settings ----------------------------------------------------------------------------

def name_folds_by_their_text(app: Sphinx, pagename: str, templatename: str, context: dict,
                             doctree: nodes.document | None) -> None:
    """Write each folded cell's summary without MyST-NB's fixed ``aria-label``."""
    if isinstance(context.get("body"), str):
        context["body"] = context["body"].replace(MYST_NB_FOLD_SUMMARY, "<summary>")


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
    page_dir = posixpath.dirname(app.builder.get_target_uri(docname)) or "."
    for image in list(doctree.findall(nodes.image)):
        path = output_image_path(app, image["uri"])
        if path is None or isinstance(image.parent, nodes.reference) or not in_cell_output(image):
            continue
        href = posixpath.relpath(posixpath.dirname(path), page_dir)  # "_images" or "../_images"
        reference = nodes.reference("", "", internal=True, classes=["image-reference", "output-figure"],
                                    refuri=posixpath.join(href, quote(posixpath.basename(path))))
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
    redirect = Path(app.outdir) / REDIRECT_PAGE  # Jupyter Book's redirect to the root page
    is_page = Path(REDIRECT_PAGE).stem in app.env.found_docs  # a site whose root page is index
    if not is_page and redirect.is_file() and 'rel="icon"' not in (text := redirect.read_text()):
        # with no icon of its own a browser asks for /favicon.ico, which the site has not
        redirect.write_text('<link rel="icon" href="_static/favicon.svg" />\n' + text)
    icons = static / ICON_SCRIPT
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
        for event in THEBE_EVENTS:
            for listener_id, handler in event_listeners(app, event):
                if getattr(handler, "__module__", "").startswith(THEBE_MODULE):
                    app.disconnect(listener_id)


def setup(app: Sphinx) -> dict:
    mathjax_dir()  # fail early, with a clear message, when the files are missing
    app.connect("config-inited", configure)
    app.connect("html-page-context", name_folds_by_their_text)
    app.connect("doctree-resolved", link_output_figures)
    app.connect("build-finished", copy_mathjax_and_prune)
    app.add_css_file("course.css")
    app.add_js_file("course.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
