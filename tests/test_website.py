"""The built website (_build/html, from `make book`) in a real browser: headless Chromium.

Every page is opened from a local server at a phone's width (390 px) and a laptop's (1280 px),
in light and dark mode, and must load nothing from any other host, log no console errors, show
every image (each with alt text), typeset every equation, link only to files and anchors that
exist, be no wider than the window, hide no end of an output, and pass axe-core (vendored in
tests/vendor, MPL-2.0) with no serious or critical finding. The phone's menu and contents
drawers, the folded exercise solutions, navigation, search, the notebook downloads and the
site's weight are checked too, and screenshots are saved for maintainers. On a phone, text
outputs must keep their lines (up to PHONE_LINE_CHARS characters), figures link to their full-size
files and keep their shape, and the animation's controls are big enough to tap and drawn for
their ground; the sidebar names the course once; `make lab` adds --allow-root for root alone.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
import time
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from tests.helpers import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
SCREENSHOT = ROOT / "_build" / "screenshot-decision-boundaries.png"
SCREENSHOTS = ROOT / "_build" / "screenshots"
AXE = ROOT / "tests" / "vendor" / "axe.min.js"  # axe-core 4.14.1 (npm), licence beside it
VIEWS = [(390, "light"), (390, "dark"), (1280, "light"), (1280, "dark")]  # phone and laptop widths
# Budgets in bytes, as served (the test server sends files uncompressed). Measured when set:
# the site 8.3 MB with nine chapters, 10.1 MB with thirteen and the knitted R Markdown page
# (every page repeats the theme's navigation; the downloadable sources are a third of it);
# a first visit 2.2 MB for most pages (MathJax 1.3 MB of it), 4.1 MB for chapter 11, whose
# page holds its animation's frames (1.4 MB).
SITE_BUDGET = 12_000_000
FIRST_VISIT_BUDGET = 4_500_000
BROWSER_INSTALL = "apt-get install chromium chromium-driver"
HOST = "127.0.0.1"
CHROME_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync", "--window-size=1280,2000",
]
PAGES = sorted(
    p.relative_to(HTML).as_posix()
    for p in HTML.rglob("*.html")
    if not p.relative_to(HTML).parts[0].startswith("_")  # _static, _sources: assets, not pages
) if HTML.is_dir() else []


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [f"{toc['root']}.html"] + [f"{c['file']}.html" for part in toc["parts"] for c in part["chapters"]]


# --- a local server and one browser for the whole module -------------------------------------------

class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # no request lines on stderr
        pass


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer((HOST, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{HOST}:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The base URL of _build/html, served on 127.0.0.1 at a free port."""
    if not (HTML / "intro.html").is_file():
        pytest.fail(f"{HTML} holds no built website: run `make book` first")
    server, base = serve(HTML)
    yield base
    server.shutdown()
    server.server_close()


def browser_programs() -> tuple[str, str]:
    """chromium and chromedriver as PATH finds them. Without them the browser tests skip with how to
    install them; in CI (CI set to true, 1, ...) or with XORCOURSE_REQUIRE_BROWSER=1 they fail."""
    found = {name: shutil.which(name) for name in ("chromium", "chromedriver")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        skip_or_fail(f"headless browser test needs chromium and chromedriver on PATH; missing: "
                     f"{', '.join(missing)} ({BROWSER_INSTALL})", "XORCOURSE_REQUIRE_BROWSER")
    return found["chromium"], found["chromedriver"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    chromium, chromedriver = browser_programs()
    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    driver.get("about:blank")
    yield driver
    driver.quit()


def set_view(driver: object, base: str, width: int, mode: str) -> None:
    """Window width and colour mode (the theme keeps the reader's choice in localStorage)."""
    driver.set_window_size(width, 900)
    driver.get(base + "genindex.html")  # a small page of the site, to reach its storage
    driver.execute_script("localStorage.setItem('mode', arguments[0])", mode)


# --- the checks, as functions that return a list of problems (the self-test feeds them bad pages) ----

WAIT_FOR_MATHJAX = """
const limit = arguments[0], done = arguments[arguments.length - 1];
const start = Date.now();
(function poll() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done("ok"), (err) => done("MathJax failed: " + err));
  } else if (Date.now() - start > limit) {
    done("MathJax never started");
  } else {
    setTimeout(poll, 50);
  }
})();
"""

PAGE_FACTS = """
return {
  math: document.querySelectorAll('.math').length,
  typeset: document.querySelectorAll('mjx-container').length,
  texErrors: document.querySelectorAll('mjx-merror').length,
  images: Array.from(document.images).map(i => ({
    src: (i.currentSrc || i.src || '').slice(0, 100), complete: i.complete, width: i.naturalWidth,
    alt: i.getAttribute('alt'), tag: i.outerHTML.slice(0, 100)})),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
};
"""


def drain_logs(driver: object) -> None:
    driver.get_log("browser")
    driver.get_log("performance")


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.1) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def network_problems(performance_log: list[dict], base: str) -> list[str]:
    """Requests to hosts other than ours, and our own requests that failed or got an error status."""
    problems, urls = [], {}
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        method, params = message["method"], message.get("params", {})
        if method in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            url = params.get("request", {}).get("url") or params.get("url", "")
            urls[params.get("requestId")] = url
            parts = urlsplit(url)
            # data:, blob:, about: load nothing; chrome:// is the browser's own (its start page).
            if parts.scheme not in ("data", "blob", "about", "chrome") and parts.hostname != HOST:
                problems.append(f"request to another host: {url}")
        elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
            problems.append(f"HTTP {params['response']['status']} for {params['response']['url']}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            url = urls.get(params.get("requestId"), "?")
            problems.append(f"loading failed ({params.get('errorText')}): {url}")
    return problems


def console_problems(browser_log: list[dict]) -> list[str]:
    return [f"console {e['level']}: {e['message']}" for e in browser_log if e["level"] == "SEVERE"]


def image_problems(images: list[dict]) -> list[str]:
    problems = []
    for img in images:
        if not (img["complete"] and img["width"] > 0):
            problems.append(f"image did not load: {img['src'] or img['tag']}")
        if not (img["alt"] or "").strip():
            problems.append(f"image without alt text: {img['tag']}")
    return problems


def math_problems(facts: dict, mathjax_state: str | None) -> list[str]:
    if not facts["math"]:
        return []
    problems = [] if mathjax_state == "ok" else [f"MathJax: {mathjax_state}"]
    if facts["typeset"] < facts["math"]:
        problems.append(f"{facts['math']} equations but {facts['typeset']} typeset by MathJax")
    if facts["texErrors"]:
        problems.append(f"{facts['texErrors']} equations with TeX errors")
    return problems


class IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


@functools.cache
def ids_in(path: Path) -> frozenset[str]:
    parser = IdCollector()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def link_problems(links: list[str], base: str, root: Path) -> list[str]:
    """Links into the site (same host and port) must name an existing file, and an existing id after #."""
    problems = []
    ours = urlsplit(base)
    for link in sorted(set(links)):
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or parts.netloc != ours.netloc:
            continue  # mailto:, javascript:, and links out (which load nothing by themselves)
        relative = unquote(parts.path).lstrip("/")
        target = root / relative
        if not relative or relative.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"broken link: {link}")
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in ids_in(target):
            problems.append(f"broken anchor: {link}")
    return problems


LAYOUT_FACTS = """
const out = Array.from(document.querySelectorAll('.cell_output pre, .output pre'));
return {
  pageWidth: document.documentElement.scrollWidth, windowWidth: window.innerWidth,
  hidden: out.filter(p => p.scrollWidth > p.clientWidth + 1)
             .map(p => p.textContent.trim().split('\\n')[0].slice(0, 60)),
  // figures are drawn for white paper: in dark mode they keep a white ground, undimmed
  dimmed: document.documentElement.dataset.theme !== 'dark' ? [] :
    Array.from(document.querySelectorAll('.bd-article img')).filter(i => {
      const s = getComputedStyle(i);
      return s.backgroundColor !== 'rgb(255, 255, 255)' || s.filter !== 'none';
    }).map(i => (i.getAttribute('alt') || i.src).slice(0, 60)),
};
"""


def layout_problems(facts: dict) -> list[str]:
    """A page wider than the window scrolls sideways; an output that scrolls hides its line ends."""
    problems = []
    if facts["pageWidth"] > facts["windowWidth"]:
        width, window = facts["pageWidth"], facts["windowWidth"]
        problems.append(f"page is {width} px wide, wider than the {window} px window")
    problems += [f"output hides the end of its lines: {first!r}" for first in facts["hidden"]]
    problems += [f"figure without a white ground in dark mode: {alt!r}" for alt in facts["dimmed"]]
    return problems


# Every control on every page is checked, chapter 11's animation player included (matplotlib
# draws its frame slider unlabelled; xorlib.figures.explore.animation_html labels it).
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document,
        {rules: {'label-content-name-mismatch': {enabled: true}}, resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,
          nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))),
        err => done([{id: 'axe failed: ' + err, impact: 'critical', nodes: []}]));
"""


def axe_problems(driver: object) -> list[str]:
    if not AXE.is_file():
        return [f"{AXE} is missing"]
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = driver.execute_async_script(RUN_AXE)
    return [f"axe {v['impact']}: {v['id']} at {v['nodes']}" for v in violations
            if v["impact"] in ("serious", "critical")]


def check_page(driver: object, url: str, base: str, root: Path, patience: float = 15.0) -> list[str]:
    """Open one page and return everything wrong with it (waiting up to `patience` s for MathJax)."""
    drain_logs(driver)
    driver.get(url)
    wait_until(lambda: driver.execute_script("return document.readyState") == "complete")
    facts = driver.execute_script(PAGE_FACTS)
    mathjax_state = driver.execute_async_script(WAIT_FOR_MATHJAX, patience * 1000) if facts["math"] else None

    def images_loaded() -> bool:  # images that scripts fill in (the chapter 11 animation) may still load
        return all(i["complete"] and i["width"] > 0 for i in driver.execute_script(PAGE_FACTS)["images"])

    wait_until(images_loaded, timeout=min(patience, 5))
    facts = driver.execute_script(PAGE_FACTS)
    time.sleep(0.2)  # let fonts and late requests reach the logs
    return (
        network_problems(driver.get_log("performance"), base)
        + console_problems(driver.get_log("browser"))
        + image_problems(facts["images"])
        + math_problems(facts, mathjax_state)
        + link_problems(facts["links"], base, root)
        + layout_problems(driver.execute_script(LAYOUT_FACTS))
        + axe_problems(driver)
    )


# --- the tests ------------------------------------------------------------------------------------

def test_site_is_built() -> None:
    assert PAGES, f"{HTML} holds no built website: run `make book` first"
    assert set(toc_pages()) <= set(PAGES), "a page of _toc.yml is missing from the build: run `make book`"


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v[0]}px-{v[1]}")
@pytest.mark.parametrize("page", PAGES)
def test_page(browser: object, site: str, page: str, view: tuple[int, str]) -> None:
    set_view(browser, site, *view)
    problems = check_page(browser, site + page, site, HTML)
    theme = browser.execute_script("return document.documentElement.dataset.theme")
    assert theme == view[1], f"{page} shown in {theme!r} mode, not {view[1]!r}"
    assert not problems, f"{page} at {view[0]} px, {view[1]}:\n  " + "\n  ".join(problems)


VISIBLE = """
const el = typeof arguments[0] === 'string' ? document.querySelector(arguments[0]) : arguments[0];
if (!el || !el.checkVisibility({visibilityProperty: true, opacityProperty: true})) return false;
const r = el.getBoundingClientRect();
return r.width > 0 && r.height > 0 && r.right > 0 && r.left < window.innerWidth;
"""


@pytest.mark.parametrize("side", ["primary", "secondary"])
def test_phone_toggles_open_their_drawers(browser: object, site: str, side: str) -> None:
    """Below 992 px the sidebars are drawers: the menu and contents buttons must open them."""
    set_view(browser, site, 390, "light")
    browser.get(site + "chapters/03_modules.html")
    wait_until(lambda: browser.execute_script("return document.readyState") == "complete")
    drawer = f"#pst-{side}-sidebar-modal"  # the theme moves the sidebar into this dialog
    assert not browser.execute_script(VISIBLE, drawer), f"{drawer} shows before its button is pressed"
    toggles = [b for b in browser.find_elements("css selector", f".{side}-toggle")
               if browser.execute_script(VISIBLE, b)]
    assert len(toggles) == 1, f"{len(toggles)} visible .{side}-toggle buttons"
    toggles[0].click()
    assert wait_until(lambda: browser.execute_script(VISIBLE, drawer), timeout=5), f"{drawer} did not open"
    links = browser.find_elements("css selector", f"{drawer} a[href]")
    assert any(browser.execute_script(VISIBLE, a) for a in links), f"{drawer} opened without visible links"


def test_no_search_band_on_a_laptop(browser: object, site: str) -> None:
    """At 1280 px the sidebar holds the one search field; no empty header band repeats it."""
    set_view(browser, site, 1280, "light")
    browser.get(site + "chapters/03_modules.html")
    wait_until(lambda: browser.execute_script("return document.readyState") == "complete")
    fields = [b for b in browser.find_elements("css selector", ".search-button-field")
              if browser.execute_script(VISIBLE, b)]
    assert len(fields) == 1, f"{len(fields)} visible search fields"
    header = browser.execute_script("const h = document.querySelector('header.bd-header');"
                                    "return h ? h.getBoundingClientRect().height : 0")
    assert header == 0, f"a {header} px header band above the page"


SOLUTIONS = """
return Array.from(document.querySelectorAll('.cell.tag_hide-cell')).map(cell => {
  const d = cell.querySelector('details'), s = d && d.querySelector('summary');
  return {fold: !!d, summary: s ? s.innerText.trim() : '', open: !!(d && d.open),
          inside: Array.from(cell.querySelectorAll('.cell_input, .cell_output'))
                       .every(e => d && d.contains(e)),
          outputs: cell.querySelectorAll('.cell_output').length};
});
"""


@pytest.mark.parametrize("chapter", sorted(p.stem for p in (ROOT / "chapters").glob("[0-9]*.ipynb")))
def test_solutions_are_folded_whole(browser: object, site: str, chapter: str) -> None:
    """Each exercise solution, its checker's verdict included, sits behind one "Show solution"."""
    set_view(browser, site, 1280, "light")
    browser.get(f"{site}chapters/{chapter}.html")
    unfolded = browser.execute_script(
        "return document.querySelectorAll('#exercises .cell.tag_hide-input').length")
    assert not unfolded, f"{unfolded} exercise cells fold their source only: run tools/course_cells.py"
    cells = browser.execute_script(SOLUTIONS)
    assert cells, "no folded solution cells"
    for cell in cells:
        assert cell["fold"] and not cell["open"] and cell["inside"], cell
        assert cell["summary"] == "Show solution", cell
    assert any(cell["outputs"] for cell in cells), "no solution has a folded output"
    summary = browser.find_element("css selector", ".cell.tag_hide-cell details > summary")
    browser.execute_script("arguments[0].click()", summary)
    assert summary.text.strip() == "Hide solution"


def test_site_weight(browser: object, site: str) -> None:
    """The site's files, and what a first visit to each page downloads, stay within budget."""
    total = sum(f.stat().st_size for f in HTML.rglob("*") if f.is_file())
    assert total < SITE_BUDGET, f"the site is {total:,} bytes (budget {SITE_BUDGET:,})"
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        heaviest = {}
        for page in PAGES:
            drain_logs(browser)
            browser.get(site + page)
            wait_until(lambda: browser.execute_script("return document.readyState") == "complete")
            time.sleep(0.5)  # fonts and scripts that load after the page
            heaviest[page] = first_visit_bytes(browser.get_log("performance"))
    finally:
        browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    page, size = max(heaviest.items(), key=lambda item: item[1])
    assert size > 100_000, f"{page}: only {size} bytes counted"  # the count itself works
    assert size < FIRST_VISIT_BUDGET, f"first visit to {page}: {size:,} bytes (> {FIRST_VISIT_BUDGET:,})"


def first_visit_bytes(performance_log: list[dict]) -> int:
    """Bytes received, as Chromium counts them for each finished request."""
    return int(sum(json.loads(e["message"])["message"]["params"].get("encodedDataLength", 0)
                   for e in performance_log
                   if json.loads(e["message"])["message"]["method"] == "Network.loadingFinished"))


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v[0]}px-{v[1]}")
def test_screenshots(browser: object, site: str, view: tuple[int, str]) -> None:
    """For maintainers' eyes: _build/screenshots/*.png, the top of a few pages in each view."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_view(browser, site, *view)
    for page in ("intro.html", "chapters/04_data.html", "chapters/11_decision_boundaries.html"):
        browser.get(site + page)
        wait_until(lambda: browser.execute_script("return document.readyState") == "complete")
        path = SCREENSHOTS / f"{Path(page).stem}-{view[0]}-{view[1]}.png"
        assert browser.save_screenshot(str(path)) and path.stat().st_size > 10_000


def test_previous_and_next_walk_the_table_of_contents(browser: object, site: str) -> None:
    pages = toc_pages()
    browser.get(site + pages[0])
    for expected in pages[1:]:
        browser.execute_script("document.querySelector('a.right-next').click()")
        assert wait_until(lambda e=expected: browser.current_url == site + e), (expected, browser.current_url)
    assert not browser.find_elements("css selector", "a.right-next"), "the last chapter has a next link"
    for expected in reversed(pages[:-1]):
        browser.execute_script("document.querySelector('a.left-prev').click()")
        assert wait_until(lambda e=expected: browser.current_url == site + e), (expected, browser.current_url)


@pytest.mark.parametrize("chapter", sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb")))
def test_download_button_offers_the_notebook(browser: object, site: str, chapter: str) -> None:
    browser.get(f"{site}chapters/{chapter}.html")
    buttons = browser.find_elements("css selector", ".dropdown-download-buttons a")
    hrefs = [a.get_attribute("href") for a in buttons]
    notebook = f"{site}_sources/chapters/{chapter}.ipynb"
    assert notebook in hrefs, hrefs
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an http_proxy
    with direct.open(notebook, timeout=10) as response:
        served = json.load(response)
    source = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text())
    assert served["nbformat"] == 4 and len(served["cells"]) == len(source["cells"])


def test_search_finds_results(browser: object, site: str) -> None:
    browser.get(site + "search.html?q=gradient")
    results = "document.querySelectorAll('#search-results ul.search li a')"
    assert wait_until(lambda: browser.execute_script(f"return {results}.length") > 0, timeout=15), (
        browser.find_element("id", "search-results").text
    )
    first = browser.execute_script(f"return {results}[0].href")
    assert not link_problems([first], site, HTML), first


def test_screenshot_of_the_decision_boundaries_chapter(browser: object, site: str) -> None:
    """For maintainers' eyes: _build/screenshot-decision-boundaries.png."""
    set_view(browser, site, 1280, "light")
    browser.get(site + "chapters/11_decision_boundaries.html")
    assert browser.execute_async_script(WAIT_FOR_MATHJAX, 15000) == "ok"
    height = browser.execute_script("return document.documentElement.scrollHeight")
    SCREENSHOT.unlink(missing_ok=True)
    try:  # the whole page, 1280 pixels wide
        browser.set_window_size(1280, min(height + 200, 16000))
        assert browser.save_screenshot(str(SCREENSHOT)) and SCREENSHOT.stat().st_size > 10_000
    finally:
        browser.set_window_size(1280, 2000)


def test_the_checks_catch_a_broken_page(browser: object, tmp_path: Path) -> None:
    """The same checks on a synthetic bad page: each kind of fault must be reported."""
    (tmp_path / "target.html").write_text('<p id="here">target</p>')
    (tmp_path / "bad.html").write_text(
        '<html><body><p>bad</p>'
        '<script async src="https://example.com/x.js"></script>'
        '<script>throw new Error("boom")</script>'
        '<img src="missing.png" alt="a missing picture">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">'
        '<span class="math">\\(x\\)</span>'
        '<a href="target.html#here">fine</a><a href="target.html#nowhere">no anchor</a>'
        '<a href="nothing.html">no file</a><a href="https://example.org/">out</a>'
        '<div style="width:3000px">wide</div><button aria-label="Close">Open the menu</button>'
        '<div class="cell_output"><pre style="overflow:hidden;width:50px">the end is hidden</pre></div>'
        '<input type="range" id="_anim_slider1"><input type="text" id="unlabelled">'
        '<input type="range" id="labelled" aria-label="Animation frame">'
        '</body></html>'
    )
    server, base = serve(tmp_path)
    try:
        problems = "\n".join(check_page(browser, base + "bad.html", base, tmp_path, patience=0.5))
    finally:
        server.shutdown()
        server.server_close()
    for expected in ("request to another host: https://example.com/x.js", "console SEVERE", "boom",
                     "HTTP 404", "image did not load", "image without alt text", "MathJax never started",
                     "1 equations but 0 typeset", "broken anchor", "/target.html#nowhere",
                     "broken link", "/nothing.html", "wider than the",
                     "output hides the end of its lines: 'the end is hidden'",
                     "axe serious: label-content-name-mismatch", "axe critical: label", "#unlabelled",
                     "#_anim_slider1"):
        assert expected in problems, f"{expected!r} not reported:\n{problems}"
    for unexpected in ("#here", "example.org", "#labelled"):
        assert unexpected not in problems, problems


# --- phones: outputs, figures and controls that stay usable at 390 px ----------------------------------

CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
# Text outputs up to this many characters a line keep their lines at 390 px (most of the chapters'
# tables, the progress bar; error messages, longer, wrap). Fonts under 10 px are too small to read.
PHONE_LINE_CHARS = 60
PHONE_MIN_FONT_PX = 10
TOUCH_TARGET_PX = 44  # the smallest tap target, in CSS pixels, on a phone

OUTPUT_LINES = """
document.querySelectorAll('.cell details').forEach(d => { d.open = true; });  // folded outputs too
return Array.from(document.querySelectorAll('.cell_output pre, .output pre')).map(p => {
  const s = getComputedStyle(p), ruler = document.createElement('span');
  ruler.style.cssText = 'white-space: pre; position: absolute; visibility: hidden';
  ruler.textContent = '0'.repeat(100);
  p.appendChild(ruler);
  const charWidth = ruler.getBoundingClientRect().width / 100;
  ruler.remove();
  const lines = p.textContent.replace(/\\n$/, '').split('\\n');
  const px = v => parseFloat(v);
  return {first: lines[0].slice(0, 60), lines: lines.length,
          longest: Math.max(...lines.map(l => Array.from(l).length)),
          fontSize: px(s.fontSize), lineHeight: px(s.lineHeight),
          height: p.clientHeight - px(s.paddingTop) - px(s.paddingBottom),
          fits: Math.floor((p.clientWidth - px(s.paddingLeft) - px(s.paddingRight)) / charWidth + 1e-6)};
});
"""


def notebook_outputs(chapter: str) -> list[dict]:
    notebook = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    return [out for cell in notebook["cells"] for out in cell.get("outputs", [])]


def open_page(driver: object, url: str) -> None:
    driver.get(url)
    wait_until(lambda: driver.execute_script("return document.readyState") == "complete")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_phone_outputs_keep_their_lines(browser: object, site: str, chapter: str) -> None:
    """At 390 px, a text output whose lines fit PHONE_LINE_CHARS shows each on one line."""
    set_view(browser, site, 390, "light")
    open_page(browser, f"{site}chapters/{chapter}.html")
    outputs = browser.execute_script(OUTPUT_LINES)
    assert outputs, f"{chapter}: no text outputs found"
    small = [o for o in outputs if o["fontSize"] < PHONE_MIN_FONT_PX]
    assert not small, f"{chapter}: output font under {PHONE_MIN_FONT_PX} px: {small[:3]}"
    narrow = [o for o in outputs if o["fits"] < PHONE_LINE_CHARS]
    assert not narrow, f"{chapter}: outputs with room for under {PHONE_LINE_CHARS} characters: {narrow[:3]}"
    short = [o for o in outputs if o["longest"] <= PHONE_LINE_CHARS]
    wrapped = [o for o in short if abs(o["height"] - o["lines"] * o["lineHeight"]) > 1]
    assert not wrapped, f"{chapter}: outputs whose lines wrap at 390 px: " + "; ".join(
        f"{o['first']!r}: {o['lines']} lines drawn {o['height'] / o['lineHeight']:.1f} high" for o in wrapped)
    assert short, f"{chapter}: no output short enough to check"


FIGURE_LINKS = """
document.querySelectorAll('.cell details').forEach(d => { d.open = true; });
return Array.from(document.querySelectorAll('.cell_output img'))
  .filter(i => !i.closest('.animation'))
  .map(i => {
    const a = i.closest('a');
    if (a) a.focus();
    return {alt: i.getAttribute('alt'), src: i.currentSrc || i.src, href: a ? a.href : null,
            text: a ? a.textContent.trim() : null, focused: !!a && document.activeElement === a,
            tabIndex: a ? a.tabIndex : null};
  });
"""


def notebook_figures(chapter: str) -> int:
    return sum(any(k.startswith("image/") for k in out.get("data", {})) for out in notebook_outputs(chapter))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figures_link_to_their_full_size_image(browser: object, site: str, chapter: str) -> None:
    """Every output figure is a keyboard-reachable link to its image file, named by its alt text."""
    set_view(browser, site, 390, "light")
    open_page(browser, f"{site}chapters/{chapter}.html")
    figures = browser.execute_script(FIGURE_LINKS)
    assert len(figures) == notebook_figures(chapter), len(figures)  # the animation is HTML, not one
    for figure in figures:
        assert figure["href"], f"figure without a link: {figure['alt']!r}"
        assert figure["href"] == figure["src"], figure  # the full-size file itself
        assert (figure["alt"] or "").strip() and figure["text"] == "", figure  # its name: the alt text
        assert figure["focused"] and figure["tabIndex"] >= 0, f"link not reachable by keyboard: {figure}"
    assert not link_problems([f["href"] for f in figures], site, HTML)
    if figures:  # Enter on a focused figure opens its image
        from selenium.webdriver.common.keys import Keys

        link = browser.execute_script("const a = Array.from(document.querySelectorAll('.cell_output img'))"
                                      ".filter(i => !i.closest('.animation'))[0].closest('a');"
                                      "a.focus(); return a")
        link.send_keys(Keys.ENTER)
        assert wait_until(lambda: browser.current_url == figures[0]["href"]), browser.current_url


IMAGE_SHAPES = """
document.querySelectorAll('.cell details').forEach(d => { d.open = true; });
return Array.from(document.querySelectorAll('.cell_output img')).map(i => {
  const r = i.getBoundingClientRect();
  return {alt: (i.getAttribute('alt') || '').slice(0, 50), width: r.width, height: r.height,
          naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight};
});
"""


@pytest.mark.parametrize("width", [390, 1280])
def test_output_images_keep_their_aspect_ratio(browser: object, site: str, width: int) -> None:
    """Shrunk to a phone or not, every output image keeps its natural shape (within 1%)."""
    set_view(browser, site, width, "light")
    seen = 0
    for chapter in CHAPTERS:
        open_page(browser, f"{site}chapters/{chapter}.html")
        wait_until(lambda: all(i["naturalWidth"] for i in browser.execute_script(IMAGE_SHAPES)), timeout=5)
        for image in browser.execute_script(IMAGE_SHAPES):
            assert image["width"] > 0 and image["naturalWidth"] > 0, (chapter, image)
            shown, natural = image["width"] / image["height"], image["naturalWidth"] / image["naturalHeight"]
            assert abs(shown / natural - 1) <= 0.01, f"{chapter}: image drawn out of shape: {image}"
            assert image["width"] <= width, (chapter, image)
            seen += 1
    assert seen >= sum(notebook_figures(c) for c in CHAPTERS), seen


ANIMATION_CONTROLS = """
const box = e => { const r = e.getBoundingClientRect(); return {width: r.width, height: r.height,
                    name: e.getAttribute('aria-label') || e.textContent.trim()}; };
return {buttons: Array.from(document.querySelectorAll('.animation button')).map(box),
        labels: Array.from(document.querySelectorAll('.animation .anim-state label')).map(box),
        radios: Array.from(document.querySelectorAll('.animation input[type=radio]')).map(box)};
"""


def test_animation_controls_are_big_enough_to_tap(browser: object, site: str) -> None:
    """At 390 px each of the animation's buttons, and each repetition label, is 44 x 44 px or more."""
    set_view(browser, site, 390, "light")
    open_page(browser, f"{site}chapters/11_decision_boundaries.html")
    controls = browser.execute_script(ANIMATION_CONTROLS)
    assert len(controls["buttons"]) == 9 and len(controls["labels"]) == 3, controls
    for button in controls["buttons"]:
        assert min(button["width"], button["height"]) >= TOUCH_TARGET_PX, f"button too small: {button}"
    for label in controls["labels"]:  # a tap on the label picks its radio button
        assert label["height"] >= TOUCH_TARGET_PX, f"label too small to tap: {label}"
    assert all(min(r["width"], r["height"]) >= 20 for r in controls["radios"]), controls["radios"]
    assert not browser.execute_script("return document.documentElement.scrollWidth > window.innerWidth")


GROUND = """
let e = document.querySelector(arguments[0]);
for (; e; e = e.parentElement) {  // the first ancestor with a colour of its own
  const c = getComputedStyle(e).backgroundColor;
  if (c !== 'transparent' && !c.startsWith('rgba(0, 0, 0, 0)')) return c;
}
return getComputedStyle(document.documentElement).backgroundColor;
"""


RADIO_BOX = """
arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});  // the theme scrolls smoothly
const r = arguments[0].getBoundingClientRect(), k = window.devicePixelRatio;
return [r.left * k, r.top * k, r.right * k, r.bottom * k].map(Math.round);
"""


def is_light(rgb: str) -> bool:
    """Whether a CSS colour "rgb(r, g, b)" or "rgba(...)" is on the light side of mid-grey."""
    return sum(int(v) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]) / 3 > 128


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_unselected_radio_buttons_look_empty(browser: object, site: str, mode: str) -> None:
    """An unselected radio button's inside matches the ground it sits on: it does not look filled."""
    import io

    from PIL import Image, ImageStat

    set_view(browser, site, 390, mode)
    open_page(browser, f"{site}chapters/11_decision_boundaries.html")
    ground = browser.execute_script(GROUND, ".animation .anim-state")
    radios = browser.find_elements("css selector", ".animation input[type=radio]")
    assert len(radios) == 3 and sum(r.is_selected() for r in radios) == 1
    for radio in [r for r in radios if not r.is_selected()]:
        left, top, right, bottom = browser.execute_script(RADIO_BOX, radio)
        window = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("L")
        dx, dy = (right - left) // 3, (bottom - top) // 3
        inside = window.crop((left + dx, top + dy, right - dx, bottom - dy))  # the middle of the ring
        inside_light = ImageStat.Stat(inside).mean[0] > 128
        assert inside_light == is_light(ground), (
            f"{mode} mode: an unselected radio button's inside is {'light' if inside_light else 'dark'} "
            f"on a {'light' if is_light(ground) else 'dark'} ground ({ground})")


def test_sidebar_names_the_course_once(browser: object, site: str) -> None:
    """The site title above the menu links to the introduction; the menu does not repeat it."""
    title = yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    set_view(browser, site, 1280, "light")
    open_page(browser, f"{site}chapters/03_modules.html")
    links = browser.execute_script(
        "return Array.from(document.querySelectorAll('.bd-sidebar-primary a[href]'))"
        ".filter(a => a.textContent.trim() === arguments[0] || a.querySelector('.logo__title'))"
        ".map(a => ({href: a.href, brand: a.matches('.navbar-brand')}))",
        title)
    assert len(links) == 1 and links[0]["brand"], f"the course title appears as {links}"
    assert links[0]["href"] == site + toc_pages()[0], links
    first = browser.execute_script("const a = document.querySelector('.bd-sidebar-primary nav.bd-links a');"
                                   "return a ? a.href : null")
    assert first == site + toc_pages()[1], f"the menu starts with {first}"


def test_make_lab_allows_root_only_as_root(tmp_path: Path) -> None:
    """JupyterLab refuses to start as root without --allow-root; `make lab` adds it for root alone.

    A dry run (`make -n`) starts nothing; an `id` first on PATH plays each user id.
    """
    import subprocess

    def lab_command(uid: int | None) -> str:
        env = dict(os.environ)
        if uid is not None:
            fake = tmp_path / str(uid)
            fake.mkdir()
            (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n")
            (fake / "id").chmod(0o755)
            env["PATH"] = f"{fake}{os.pathsep}{env['PATH']}"
        out = subprocess.run(["make", "-n", "-s", "lab"], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=True).stdout
        lab = [line for line in out.splitlines() if "jupyter lab" in line]
        assert len(lab) == 1, out
        return lab[0]

    assert "--allow-root" in lab_command(0)
    assert "--allow-root" not in lab_command(1000)
    assert ("--allow-root" in lab_command(None)) == (os.getuid() == 0)  # this machine's own user


@pytest.mark.parametrize(("env", "outcome"), [
    ({}, "skip"), ({"CI": "false"}, "skip"), ({"CI": "0"}, "skip"),
    ({"CI": "true"}, "fail"), ({"CI": "1"}, "fail"), ({"CI": "True"}, "fail"),
    ({"XORCOURSE_REQUIRE_BROWSER": "1"}, "fail")],
    ids=["no CI", "CI=false", "CI=0", "CI=true", "CI=1", "CI=True", "XORCOURSE_REQUIRE_BROWSER=1"])
def test_without_a_browser_ci_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       env: dict[str, str], outcome: str) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no chromium, no chromedriver
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("XORCOURSE_REQUIRE_BROWSER", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # both caught here: an uncaught skip would only mark this test skipped
    with pytest.raises((pytest.fail.Exception, pytest.skip.Exception),
                       match=r"needs chromium and chromedriver on PATH; missing: chromium, "
                             r"chromedriver \(apt-get install chromium chromium-driver\)") as raised:
        browser_programs()
    assert raised.type is (pytest.fail.Exception if outcome == "fail" else pytest.skip.Exception), raised
