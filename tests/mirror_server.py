"""A local stand-in for the sources' real servers: serves a folder over HTTP as GitHub raw does.

:class:`GzipMirror` runs a threaded HTTP server on 127.0.0.1 (a free port) that serves the files
under ``root`` at ``/<relative path>``:

* every response body is compressed with ``Content-Encoding: gzip``, whatever the client's
  ``Accept-Encoding`` says (GitHub raw and many CDNs compress text; a client must undo the coding
  and check the length on the compressed bytes), except files already ending in ``.gz``;
* ``Content-Length`` is the compressed length; an ``ETag`` is sent;
* a missing file gives 404; ``..`` in a path gives 403.

Every request is recorded in :attr:`GzipMirror.requests` as ``(path, Accept-Encoding)``.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


class GzipMirror:
    """Serve ``root`` on 127.0.0.1 with gzip content coding; use as a context manager.

    Attributes:
        url: ``http://127.0.0.1:<port>`` once started.
        requests: ``(path, accept_encoding)`` of each GET, in arrival order.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.requests: list[tuple[str, str | None]] = []
        self.url = ""
        self._httpd: ThreadingHTTPServer | None = None

    def __enter__(self) -> GzipMirror:
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                path = unquote(urlsplit(self.path).path).lstrip("/")
                mirror.requests.append((path, self.headers.get("Accept-Encoding")))
                if ".." in Path(path).parts:
                    self._send(403, b"forbidden")
                    return
                file = mirror.root / path
                if not file.is_file():
                    self._send(404, b"not found")
                    return
                body = file.read_bytes()
                etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
                if path.endswith(".gz"):
                    self._send(200, body, [("ETag", etag)])
                else:
                    packed = gzip.compress(body, mtime=0)
                    self._send(200, packed, [("ETag", etag), ("Content-Encoding", "gzip")])

            def _send(self, status, body, headers=()):
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        return self

    def __exit__(self, *exc) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()
