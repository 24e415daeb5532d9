"""Two settings of the course website that _config.yml alone cannot express.

1. MathJax is served by the site itself, so pages with maths render offline. Its files
   come from the pinned ``sphinx-mathjax-offline`` package, whose own module cannot be
   imported (it installs as ``sphinx-mathjax-offline/``); this does the same job: its
   ``static`` folder (which holds only ``mathjax/``) joins ``html_static_path``, so Sphinx
   copies it to ``_static/mathjax``, and Sphinx's ``mathjax_path`` points there.
2. ``repository.url`` in _config.yml is the one switch for the Colab/Binder launch
   buttons and the repository link. Left empty, the site shows none of them (the theme
   would otherwise crash on launch buttons without a repository). Unless
   ``launch_buttons.thebe`` is on, sphinx-thebe (which Jupyter Book always loads) adds
   nothing to the pages: no thebe script address and no placeholder Binder repository.
   Sphinx has no public way to remove another extension's event handlers, so this reads
   ``app.events.listeners`` (not documented, present in Sphinx 7) and calls the public
   ``app.disconnect`` on sphinx-thebe's; ``tests/test_website.py`` checks the result.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError

MATHJAX_SCRIPT = "mathjax/tex-chtml.js"  # relative to _static/


def mathjax_dir() -> Path:
    try:
        dist = distribution("sphinx-mathjax-offline")
    except PackageNotFoundError as err:
        raise ExtensionError("sphinx-mathjax-offline is not installed: run `make setup`") from err
    for file in dist.files or []:
        if file.name == "tex-chtml.js" and file.parent.name == "mathjax":
            return Path(dist.locate_file(file)).parent
    raise ExtensionError("sphinx-mathjax-offline has no static/mathjax/tex-chtml.js: reinstall it")


def configure(app: Sphinx, config: Config) -> None:
    config.mathjax_path = MATHJAX_SCRIPT
    config.html_static_path = [*config.html_static_path, str(mathjax_dir().parent)]  # holds mathjax/
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
    return {"parallel_read_safe": True, "parallel_write_safe": True}
