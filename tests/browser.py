"""Render a Snakemake HTML report in headless Chromium and read back what it shows.

A small client of the Chrome DevTools Protocol over ``--remote-debugging-pipe`` (commands
on fd 3, replies on fd 4, NUL-separated JSON), so no driver package is needed. The report
is a JavaScript app; this drives it the way a click would (``app.setView`` with the same
arguments as the report's own buttons), then checks what the browser actually rendered:
that each figure decoded to an image with a size, and the text of the table in its frame.

As a script: ``python tests/browser.py results/report.html [--screenshot DIR]``.
"""

import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",  # root in a container has no user namespace for the sandbox
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--window-size=1400,1000",
    "--remote-debugging-pipe",
]


def find_chromium():
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One headless browser with one page, driven over the DevTools pipe."""

    def __init__(self, binary=None, timeout=60):
        binary = binary or find_chromium()
        if binary is None:
            raise BrowserError(f"no Chromium found (looked for {', '.join(CHROMIUM_NAMES)})")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="ge2e-chromium-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # Park the child's ends above 4 so the dup2 onto 3 and 4 below never collides with them.
        keep_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        keep_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (to_browser_r, from_browser_w):
            os.close(fd)

        def wire_pipe():
            os.dup2(keep_r, 3)
            os.dup2(keep_w, 4)

        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            preexec_fn=wire_pipe,
            pass_fds=(3, 4),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(keep_r)
        os.close(keep_w)
        self._out = os.fdopen(to_browser_w, "wb", buffering=0)
        self._in = os.fdopen(from_browser_r, "rb", buffering=0)
        self._buffer = b""
        self._next_id = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.page("Page.enable")
        self.page("Runtime.enable")

    def _message(self):
        while b"\0" not in self._buffer:
            chunk = self._in.read(1 << 16)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace")[-2000:]
                raise BrowserError(f"Chromium closed the DevTools pipe:\n{err}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, session=None, **params):
        """Send one command and return its result; events that arrive meanwhile are dropped."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._out.write(json.dumps(message).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def page(self, method, **params):
        return self.call(method, session=self.session, **params)

    def evaluate(self, expression, context=None):
        """Value of a JavaScript expression in the page (or in one of its frames' contexts)."""
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        if context is not None:
            params["contextId"] = context
        result = self.page("Runtime.evaluate", **params)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}...: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression, what, context=None):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.evaluate(expression, context):
                return
            time.sleep(0.1)
        raise BrowserError(f"timed out after {self.timeout} s waiting for {what}")

    def screenshot(self, path):
        data = self.page("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def frame_evaluate(self, expression, selector):
        """Value of ``expression`` in the document inside the page's first ``<iframe>``, once ``selector`` is there."""
        tree = self.page("Page.getFrameTree")["frameTree"]
        children = tree.get("childFrames", [])
        if not children:
            raise BrowserError("the page shows no frame")
        frame_id = children[0]["frame"]["id"]
        # The table's frame is a data: URL, another origin: read it from an isolated world of its own.
        context = self.page("Page.createIsolatedWorld", frameId=frame_id, worldName="check")["executionContextId"]
        self.wait_for(f"document.querySelector({json.dumps(selector)}) !== null", f"{selector} in the frame", context)
        return self.evaluate(expression, context)

    def close(self):
        try:
            self.call("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self._out, self._in, self.proc.stderr):
            stream.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# How the report's own result buttons open a result (result_view_button.js), by MIME type.
SHOW_RESULT = """
(path => {
    const entry = results[path];
    const content = getResultMimeType(path).startsWith("image/") ? "img" : "html";
    app.setView({content: content, contentPath: entry.data_uri, resultPath: path});
})(%s)
"""
# Every row of every table in a document, as lists of cell texts.
ROWS = "[...document.querySelectorAll('tr')].map(tr => [...tr.cells].map(c => c.innerText.trim()))"
# True once the shown figure has decoded to an image with a size.
FIGURE_SHOWN = """
(() => {
    const img = [...document.querySelectorAll("img")].find(i => i.src === results[%s].data_uri);
    return img !== undefined && img.complete && img.naturalWidth > 0 && img.naturalHeight > 0;
})()
"""


def inspect_report(report, screenshot_dir=None, table_name="eer_table.html"):
    """Open ``report`` and show every result in turn.

    Returns:
        dict: ``results`` {path: MIME type} of everything in the report, ``figures`` the image
        paths that rendered (decoded, non-empty), ``table_rows`` the cell texts of every table row the
        table's frame showed,
        ``categories`` the category names in the navigation, ``screenshots`` the PNGs written.
    """
    report = Path(report).resolve()
    shots = []
    with Chromium() as browser:
        browser.page("Page.navigate", url=report.as_uri())
        browser.wait_for("typeof app !== 'undefined' && document.querySelector('#app').children.length > 0", "app")
        kinds = browser.evaluate("Object.fromEntries(Object.keys(results).map(p => [p, getResultMimeType(p)]))")
        categories = browser.evaluate("Object.keys(categories)")
        if screenshot_dir:
            shots.append(Path(screenshot_dir) / "report_front.png")
            browser.screenshot(shots[-1])
        figures = []
        for path, mime in sorted(kinds.items()):
            if not mime.startswith("image/"):
                continue
            browser.evaluate(SHOW_RESULT % json.dumps(path))
            browser.wait_for(FIGURE_SHOWN % json.dumps(path), f"figure {path} to render")
            figures.append(path)
            if screenshot_dir and len(figures) == 1:
                shots.append(Path(screenshot_dir) / "report_figure.png")
                browser.screenshot(shots[-1])
        tables = [p for p in kinds if Path(p).name == table_name]
        if len(tables) != 1:
            raise BrowserError(f"expected one {table_name} in the report, found {tables}")
        browser.evaluate(SHOW_RESULT % json.dumps(tables[0]))
        table_rows = browser.frame_evaluate(ROWS, "table")
        if screenshot_dir:
            shots.append(Path(screenshot_dir) / "report_table.png")
            browser.screenshot(shots[-1])
    return {
        "results": kinds,
        "figures": figures,
        "table_rows": table_rows,
        "categories": categories,
        "screenshots": shots,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("--screenshot", metavar="DIR", help="write report_{front,figure,table}.png here")
    args = parser.parse_args()
    seen = inspect_report(args.report, args.screenshot)
    print(f"categories: {', '.join(seen['categories'])}")
    print(f"{len(seen['figures'])} figures rendered: {', '.join(seen['figures'])}")
    for row in seen["table_rows"]:
        print(" | ".join(row))


if __name__ == "__main__":
    main()
