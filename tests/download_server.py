"""A local HTTP server for the download tests: serves bytes the test gives it, on 127.0.0.1 only, with the
misbehaviours a download must survive (a connection broken half-way, range requests ignored or refused, a body
that trickles in a byte at a time, a Content-Length that is not a number)."""

import contextlib
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RANGES = "ranges"  # answers a range request with 206 and the bytes asked for (as openslr.org does)
IGNORE = "ignore"  # answers a range request with 200 and the whole file
REFUSE = "refuse"  # answers a range request with 416
TRICKLE_S, TRICKLE_BYTES = 0.1, 60  # a trickling body: never silent for a second, bounded in time


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files, mode):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = dict(files)  # URL path -> bytes
        self.mode = mode
        self.break_once = set()  # URL paths whose next answer stops half-way through the body
        self.requests = []  # (URL path, Range header or None) of every request, in order
        self.trickle = set()  # URL paths whose body comes a byte every TRICKLE_S seconds (at most TRICKLE_BYTES)
        self.length_header = {}  # URL path -> the Content-Length header to send instead of the true one
        self.lock = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def ranges(self, path):
        """The Range headers of the requests for ``path`` (None for a request without one)."""
        return [rng for p, rng in self.requests if p == path]


class _Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args):  # quiet: the tests read server.requests
        pass

    def do_GET(self):
        s = self.server
        rng = self.headers.get("Range")
        with s.lock:
            s.requests.append((self.path, rng))
            broken = self.path in s.break_once
            s.break_once.discard(self.path)
        body = s.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        match = re.fullmatch(r"bytes=(\d+)-", rng or "")
        start = int(match.group(1)) if match and s.mode == RANGES else 0
        if match and (s.mode == REFUSE or start >= len(body)):
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(body)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.send_header("Content-Length", s.length_header.get(self.path, str(len(body) - start)))
        self.end_headers()
        chunk = body[start:]
        if self.path in s.trickle:
            with contextlib.suppress(ConnectionError):  # the client gave up on it, as it should
                for k in range(min(len(chunk), TRICKLE_BYTES)):
                    self.wfile.write(chunk[k : k + 1])
                    time.sleep(TRICKLE_S)
            return
        # A broken transfer: half the body, then the connection closes (HTTP/1.0: after every answer).
        self.wfile.write(chunk[: len(chunk) // 2] if broken else chunk)


@contextlib.contextmanager
def serving(files, mode=RANGES):
    """A Server of ``files`` (URL path -> bytes) in ``mode``, running in a thread for the block."""
    server = Server(files, mode)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
