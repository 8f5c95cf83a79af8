"""The documentation site works in a real browser.

The site is the one `make docs` built into site/ when that is newer than every source of
it (docs/, src/, mkdocs.yml, bench/RESULTS.md); otherwise the test builds it itself, with
`mkdocs build --strict`, into a temporary folder (which runs every tutorial). It is served on
127.0.0.1 and opened in headless Chromium (Debian's `chromium`, installed in CI by
.ci/chromium.sh), driven through the DevTools protocol: the home page, one API page, one
tutorial and the benchmarks page must render, load every image (the tutorial's executed
plots, the benchmark charts), and log no console error or failed request; every other
tutorial page must show executed cells; the site search must find "Adam". A screenshot of each page is saved under build/docs-test/.
"""
import base64
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "build" / "docs-test"
PAGES = {"home": "", "api": "api/optim/", "tutorial": "tutorials/05_optimizers/",
         "benchmarks": "benchmarks/"}

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium, "
                             "or run .ci/chromium.sh)")


def _newest_source():
    """The latest change to anything the site is built from. Only the package's .py files
    count under src/: `pip install -e` rewrites the egg-info there after `make docs`."""
    sources = [ROOT / "mkdocs.yml", ROOT / "bench" / "RESULTS.md"]
    sources += [p for p in (ROOT / "docs").rglob("*") if p.is_file()
                and "__pycache__" not in p.parts]
    sources += list((ROOT / "src" / "nnforge").rglob("*.py"))
    return max(p.stat().st_mtime for p in sources)


def build_site(out_dir):
    """`mkdocs build --strict` of this checkout into out_dir, as `make docs` runs it."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(out_dir)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stderr[-4000:]}"
    return out_dir


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    built = ROOT / "site"
    if (built / "index.html").exists() and \
            (built / "index.html").stat().st_mtime > _newest_source():
        print(f"\nreusing the site built by `make docs`: {built}")
        return built
    return build_site(tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Browser:
    """Headless Chromium and one page, driven over the DevTools protocol."""

    def __init__(self, profile):
        import websocket

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--remote-debugging-port=0", f"--user-data-dir={profile}",
             "--window-size=1280,1600", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert self.process.poll() is None, "chromium exited at start-up"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60,
                                              suppress_origin=True)
        self.next_id, self.events = 0, []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, f"{method}: {message['error']}"
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))
        raise AssertionError(f"no {method} within {timeout} s")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        assert "exceptionDetails" not in result, f"{expression}: {result['exceptionDetails']}"
        return result["result"].get("value")

    def poll(self, expression, timeout=30):
        """Evaluate `expression` until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"still false after {timeout} s: {expression}")

    def open(self, url):
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.poll("document.readyState === 'complete'")

    def errors(self):
        """Console errors, uncaught exceptions and failed requests seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append("console.error: " + " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                found.append("exception: " + params["exceptionDetails"].get("text", "")
                             + str(params["exceptionDetails"].get("exception", {})
                                   .get("description", "")))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"log: {params['entry']['text']} {params['entry'].get('url', '')}")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                found.append(f"request failed: {params.get('errorText')}")
        return found

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="nnforge-docs-chromium-")
    b = Browser(profile)
    yield b
    b.close()
    shutil.rmtree(profile, ignore_errors=True)


IMAGES = """(() => Array.from(document.images).map(img => ({
    src: img.currentSrc.slice(0, 80), complete: img.complete, width: img.naturalWidth})))()"""


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_with_images_and_no_errors(browser, server, name):
    browser.open(server + PAGES[name])
    heading = browser.poll("document.querySelector('article h1')?.textContent.trim()")
    text = browser.evaluate("document.querySelector('article').innerText.length")
    images = browser.evaluate(IMAGES)
    time.sleep(0.5)                         # let late console messages arrive
    errors = browser.errors()
    shot = browser.screenshot(ARTIFACTS / f"{name}.png")
    print(f"\nscreenshot of {name} ({heading!r}): {shot}")
    assert text > 500, f"{name}: the article holds only {text} characters"
    assert not [i for i in images if not i["complete"] or i["width"] == 0], \
        f"{name}: images that did not load: {images}"
    assert not errors, f"{name}: {errors}"
    if name == "tutorial":
        assert len(images) >= 4, f"the tutorial should show its executed plots: {images}"
        assert all(i["src"].startswith("data:image/png") for i in images)
        assert "Traceback" not in browser.evaluate("document.body.innerText")
    if name == "benchmarks":
        charts = [i for i in images if "benchmark-plots/" in i["src"]]
        assert len(charts) >= 5, f"the benchmark charts are missing: {images}"
    if name == "api":
        assert browser.evaluate("!!document.getElementById('nnforge.optim.Adam')"), \
            "the API page has no entry for nnforge.optim.Adam"
    _check_not_blank(shot)


TUTORIALS = sorted(p.stem for p in (ROOT / "docs" / "tutorials").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("stem", TUTORIALS)
def test_every_tutorial_page_ran_and_loads_cleanly(browser, server, stem):
    browser.open(server + f"tutorials/{stem}/")
    browser.poll("document.querySelector('article h1') !== null")
    text = browser.evaluate("document.querySelector('article').innerText")
    images = browser.evaluate(IMAGES)
    time.sleep(0.3)
    assert "Traceback (most recent call last)" not in text, stem
    assert "In [1]:" in text or "In\u00a0[1]:" in text, f"{stem}: no executed cells"
    assert not [i for i in images if not i["complete"] or i["width"] == 0], images
    assert not browser.errors(), browser.errors()


def test_search_finds_adam(browser, server):
    browser.open(server)
    browser.poll("document.querySelector('input.md-search__input') !== null")
    browser.evaluate("""(() => {
        const input = document.querySelector('input.md-search__input');
        document.querySelector('label.md-header__button[for="__search"]')?.click();
        input.focus();
        input.value = 'Adam';
        input.dispatchEvent(new Event('input', {bubbles: true}));
        input.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true, key: 'm'}));
        return true; })()""")
    hits = browser.poll("""(() => {
        const items = Array.from(document.querySelectorAll('.md-search-result__item'));
        return items.length ? items.map(i => i.innerText) : null; })()""", timeout=60)
    shot = browser.screenshot(ARTIFACTS / "search.png")
    print(f"\nscreenshot of the search results: {shot}")
    assert any("Adam" in hit for hit in hits), hits[:5]
    assert not browser.errors(), browser.errors()


def _check_not_blank(path):
    from matplotlib.image import imread

    pixels = imread(str(path))[..., :3]
    assert pixels.shape[0] >= 600 and pixels.shape[1] >= 800, f"{path}: {pixels.shape}"
    assert pixels.std() > 0.05, f"{path} is (nearly) blank"
