import hashlib
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rnainteract.sources.download import (
    ChecksumError,
    DownloadError,
    Source,
    download,
    find_local,
    resolve_source,
)

BODY = b">1ABC-A\nMKVL\n" * 100
SHA = hashlib.sha256(BODY).hexdigest()


class Handler(BaseHTTPRequestHandler):
    """Test server on 127.0.0.1: behaviour by path; counts requests per path."""

    counts: Counter = Counter()

    def log_message(self, *args):  # keep pytest output quiet
        pass

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.counts[self.path] += 1
        n = self.counts[self.path]
        if self.path == "/ok.fa":
            self._send(200, BODY)
        elif self.path == "/flaky.fa":  # 500, then 429 with Retry-After, then the file
            if n == 1:
                self._send(500, b"oops")
            elif n == 2:
                self._send(429, b"slow down", [("Retry-After", "0")])
            else:
                self._send(200, BODY)
        elif self.path == "/always500.fa":
            self._send(500, b"down")
        elif self.path == "/missing.fa":
            self._send(404, b"no such file")
        elif self.path.startswith("/truncated"):  # announces the full length, sends half
            if self.path == "/truncated-once.fa" and n > 1:
                self._send(200, BODY)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY[: len(BODY) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self._send(404)


@pytest.fixture
def server():
    Handler.counts = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


FAST = {"retries": 3, "backoff_s": 0.0, "timeout_s": 5}


def test_mirror_hit_is_used_and_verified(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "RPI").mkdir(parents=True)
    (mirror / "RPI" / "a.fa").write_bytes(BODY)
    source = Source("a", "http://127.0.0.1:9/never", "RPI/a.fa", SHA)
    path = resolve_source(
        source, [tmp_path / "empty", mirror], cache_dir=tmp_path / "cache", allow_download=False
    )
    assert path == mirror / "RPI" / "a.fa"


def test_mirror_checksum_mismatch_names_file_and_hashes(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.fa").write_bytes(BODY + b"x")
    source = Source("a", "http://127.0.0.1:9/never", "a.fa", SHA)
    with pytest.raises(ChecksumError) as info:
        resolve_source(source, [tmp_path / "m"], cache_dir=tmp_path / "cache")
    message = str(info.value)
    assert "a.fa" in message and SHA in message
    assert hashlib.sha256(BODY + b"x").hexdigest() in message


def test_cache_is_used_after_mirrors(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "a.fa").write_bytes(BODY)
    source = Source("a", "http://127.0.0.1:9/never", "a.fa", SHA)
    assert (
        find_local(source, [tmp_path / "nomirror"], tmp_path / "cache")
        == tmp_path / "cache" / "a.fa"
    )


def test_not_found_without_download(tmp_path):
    source = Source("a", "http://127.0.0.1:9/never", "a.fa", SHA)
    with pytest.raises(FileNotFoundError, match="source 'a'"):
        resolve_source(source, [tmp_path], cache_dir=tmp_path / "c", allow_download=False)


def test_download_into_cache_when_no_mirror(server, tmp_path):
    source = Source("a", f"{server}/ok.fa", "sub/a.fa", SHA)
    path = resolve_source(source, [tmp_path / "nomirror"], cache_dir=tmp_path / "cache", **FAST)
    assert path == tmp_path / "cache" / "sub" / "a.fa"
    assert path.read_bytes() == BODY
    # second call: served from the cache, no new request
    resolve_source(source, [tmp_path / "nomirror"], cache_dir=tmp_path / "cache", **FAST)
    assert Handler.counts["/ok.fa"] == 1


def test_download_retries_500_and_429(server, tmp_path):
    dest = download(f"{server}/flaky.fa", tmp_path / "f.fa", sha256=SHA, **FAST)
    assert dest.read_bytes() == BODY
    assert Handler.counts["/flaky.fa"] == 3


def test_download_gives_up_on_persistent_500(server, tmp_path):
    with pytest.raises(DownloadError, match="always500"):
        download(f"{server}/always500.fa", tmp_path / "x.fa", **FAST)
    assert Handler.counts["/always500.fa"] == FAST["retries"] + 1
    assert not list(tmp_path.iterdir())  # no partial or temporary file left


def test_download_404_is_not_retried(server, tmp_path):
    with pytest.raises(DownloadError, match="404"):
        download(f"{server}/missing.fa", tmp_path / "x.fa", **FAST)
    assert Handler.counts["/missing.fa"] == 1
    assert not (tmp_path / "x.fa").exists()


def test_truncated_body_is_retried(server, tmp_path):
    dest = download(f"{server}/truncated-once.fa", tmp_path / "t.fa", sha256=SHA, **FAST)
    assert dest.read_bytes() == BODY
    assert Handler.counts["/truncated-once.fa"] == 2


def test_truncated_body_never_lands(server, tmp_path):
    with pytest.raises(DownloadError):
        download(f"{server}/truncated.fa", tmp_path / "t.fa", **FAST)
    assert not list(tmp_path.iterdir())


def test_downloaded_checksum_mismatch(server, tmp_path):
    with pytest.raises(ChecksumError, match="checksum mismatch"):
        download(f"{server}/ok.fa", tmp_path / "x.fa", sha256="0" * 64, **FAST)
    assert not (tmp_path / "x.fa").exists()


def test_source_from_config_validates():
    with pytest.raises(ValueError, match="missing key"):
        Source.from_config("x", {"url": "http://a"})
    with pytest.raises(ValueError, match="must be relative"):
        Source.from_config("x", {"url": "http://a", "path": "../etc/passwd"})
    assert Source.from_config("x", {"url": "u", "path": "a/b"}).sha256 is None
