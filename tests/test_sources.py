import gzip
import hashlib
import os
import threading
import time
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rnainteract.sources.download import (
    ChecksumError,
    DownloadError,
    HtmlPageError,
    Source,
    download,
    find_local,
    resolve_source,
)

BODY = b">1ABC-A\nMKVL\n" * 100
SHA = hashlib.sha256(BODY).hexdigest()
BIG = os.urandom(50 * 1024 * 1024)  # a 50 MB body, dropped at 90 % (a large Rfam/Pfam file)
BIG_SHA = hashlib.sha256(BIG).hexdigest()
DROP_AT = int(0.9 * len(BIG))
HTML = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Log in</body></html>"


class Handler(BaseHTTPRequestHandler):
    """Test server on 127.0.0.1: behaviour by path; counts requests per path."""

    counts: Counter = Counter()
    ranges: list = []  # the Range header of each request for a /big path
    if_ranges: list = []  # and its If-Range header
    times: list = []  # when each /slow request arrived

    def log_message(self, *args):  # keep pytest output quiet
        pass

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _big(self, n: int, accepts_ranges: bool, flaw: str = "") -> None:
        """The first request dies at 90 % of the announced body; later ones serve the rest.

        ``flaw``: ``weak`` (a weak ETag: If-Range must carry Last-Modified), ``changed`` (the
        206 names another version, as a server ignoring If-Range would), ``short`` (the 206
        stops before the end)."""
        self.ranges.append(self.headers.get("Range"))
        self.if_ranges.append(self.headers.get("If-Range"))
        modified = "Tue, 01 Dec 2026 10:00:00 GMT"
        etag = 'W/"big-v1"' if flaw == "weak" else '"big-v1"'
        strong = modified if flaw == "weak" else etag
        wanted = self.headers.get("Range")
        if n > 1 and accepts_ranges and wanted and self.headers.get("If-Range") == strong:
            start = int(wanted.removeprefix("bytes=").rstrip("-"))
            end = len(BIG) - 1000 if flaw == "short" else len(BIG)
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(BIG)}")
            self.send_header("Content-Length", str(end - start))
            self.send_header("ETag", '"big-v2"' if flaw == "changed" else etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            self.wfile.write(BIG[start:end])
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(BIG)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        if accepts_ranges:
            self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if n == 1:
            self.wfile.write(BIG[:DROP_AT])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.wfile.write(BIG)

    def do_GET(self):
        self.counts[self.path] += 1
        n = self.counts[self.path]
        if self.path == "/big-range.bin":
            self._big(n, accepts_ranges=True)
        elif self.path.startswith("/big-range-"):  # /big-range-weak.bin etc.
            self._big(n, True, self.path.removeprefix("/big-range-").removesuffix(".bin"))
        elif self.path == "/login.cm.gz":  # a gzip-coded HTML page where a .gz file belongs
            page = gzip.compress(HTML, mtime=0)
            headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
            self._send(200, page, headers)
        elif self.path == "/brotli.fa":
            self._send(200, b"\x1b\x00", [("Content-Encoding", "br")])
        elif self.path == "/negative":  # served x-gzip; the destination is a .fa.gz
            self._send(200, gzip.compress(BODY, mtime=0), [("Content-Encoding", "x-gzip")])
        elif self.path == "/big-norange.bin":
            self._big(n, accepts_ranges=False)
        elif self.path in ("/gzip.fa", "/deflate.fa"):  # compresses whatever the client asks
            coding = self.path[1:].removesuffix(".fa")
            packed = gzip.compress(BODY, mtime=0) if coding == "gzip" else zlib.compress(BODY)
            self._send(200, packed, [("Content-Encoding", coding)])
        elif self.path == "/archive.fa.gz":  # a .gz file labelled as gzip-encoded
            self._send(200, gzip.compress(BODY, mtime=0), [("Content-Encoding", "gzip")])
        elif self.path.startswith("/hop"):  # /hop3 -> /hop2 -> /hop1 -> /ok.fa
            hops = int(self.path[4:])
            target = "/ok.fa" if hops == 1 else f"/hop{hops - 1}"
            self._send(302 if hops % 2 else 307, b"", [("Location", target)])
        elif self.path == "/login.tsv":
            self._send(200, HTML, [("Content-Type", "text/html; charset=utf-8")])
        elif self.path == "/slow.fa":  # 429 asking for 1 s, then the file
            self.times.append(time.monotonic())
            if n == 1:
                self._send(429, b"rate limited", [("Retry-After", "1")])
            else:
                self._send(200, BODY)
        elif self.path == "/ok.fa":
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
    Handler.ranges = []
    Handler.if_ranges = []
    Handler.times = []
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


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_content_encoded_body_is_decoded_and_length_checked_on_the_wire(server, tmp_path, coding):
    """Failed before issue 20: the decoded length was compared with the encoded Content-Length."""
    dest = download(f"{server}/{coding}.fa", tmp_path / "x.fa", sha256=SHA, **FAST)
    assert dest.read_bytes() == BODY
    assert Handler.counts[f"/{coding}.fa"] == 1


def test_gz_file_labelled_gzip_encoded_is_kept_as_published(server, tmp_path):
    packed = gzip.compress(BODY, mtime=0)
    sha = hashlib.sha256(packed).hexdigest()
    dest = download(f"{server}/archive.fa.gz", tmp_path / "x.fa.gz", sha256=sha, **FAST)
    assert dest.read_bytes() == packed


def test_redirect_chain_is_followed(server, tmp_path):
    dest = download(f"{server}/hop3", tmp_path / "x.fa", sha256=SHA, **FAST)
    assert dest.read_bytes() == BODY
    assert [Handler.counts[p] for p in ("/hop3", "/hop2", "/hop1", "/ok.fa")] == [1, 1, 1, 1]


def test_dropped_connection_resumes_with_range(server, tmp_path):
    """Failed before issue 20: the retry asked for the whole 50 MB again."""
    dest = download(f"{server}/big-range.bin", tmp_path / "big.bin", sha256=BIG_SHA, **FAST)
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == BIG_SHA
    assert Handler.ranges == [None, f"bytes={DROP_AT}-"]  # the second request asks for the rest


def test_dropped_connection_restarts_without_range_support(server, tmp_path):
    dest = download(f"{server}/big-norange.bin", tmp_path / "big.bin", sha256=BIG_SHA, **FAST)
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == BIG_SHA  # not 90 % + 100 %
    assert len(Handler.ranges) == 2
    assert list(tmp_path.iterdir()) == [tmp_path / "big.bin"]  # no partial file left


def test_partial_file_never_lands(server, tmp_path):
    with pytest.raises(DownloadError, match="big-range.bin"):
        download(f"{server}/big-range.bin", tmp_path / "big.bin", retries=0, backoff_s=0)
    assert not list(tmp_path.iterdir())


def test_html_page_served_with_200_is_an_error(server, tmp_path):
    """Failed before issue 20: without a sha256 the login page became the data file."""
    with pytest.raises(HtmlPageError, match="HTML page") as info:
        download(f"{server}/login.tsv", tmp_path / "x.tsv", **FAST)
    assert "login.tsv" in str(info.value) and "text/html" in str(info.value)
    assert Handler.counts["/login.tsv"] == 1  # not retried
    assert not list(tmp_path.iterdir())


def test_429_waits_for_retry_after(server, tmp_path):
    dest = download(f"{server}/slow.fa", tmp_path / "x.fa", sha256=SHA, **FAST)
    assert dest.read_bytes() == BODY
    assert len(Handler.times) == 2 and Handler.times[1] - Handler.times[0] >= 0.9


def test_resume_with_a_weak_etag_validates_with_last_modified(server, tmp_path):
    dest = download(f"{server}/big-range-weak.bin", tmp_path / "b.bin", sha256=BIG_SHA, **FAST)
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == BIG_SHA
    assert Handler.ranges == [None, f"bytes={DROP_AT}-"]
    assert Handler.if_ranges == [None, "Tue, 01 Dec 2026 10:00:00 GMT"]  # not W/"big-v1"


@pytest.mark.parametrize("flaw", ["changed", "short"])
def test_a_206_that_does_not_continue_the_file_restarts_it(server, tmp_path, flaw):
    """Another version behind the 206 (a server ignoring If-Range), or a range that stops
    short: nothing is spliced; the file starts again from zero (no sha256 to catch it)."""
    dest = download(f"{server}/big-range-{flaw}.bin", tmp_path / "b.bin", **FAST)
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == BIG_SHA
    assert Handler.ranges == [None, f"bytes={DROP_AT}-", None]


def test_gzip_coded_html_page_for_a_gz_file_is_refused(server, tmp_path):
    with pytest.raises(HtmlPageError, match="login.cm.gz"):
        download(f"{server}/login.cm.gz", tmp_path / "Rfam.cm.gz", **FAST)
    assert not list(tmp_path.iterdir())


def test_x_gzip_for_a_gz_destination_is_kept_as_published(server, tmp_path):
    packed = gzip.compress(BODY, mtime=0)
    dest = download(f"{server}/negative", tmp_path / "negative.fa.gz", **FAST)
    assert dest.read_bytes() == packed


def test_an_unknown_content_coding_is_an_error_not_retried(server, tmp_path):
    with pytest.raises(DownloadError, match="unsupported Content-Encoding 'br'"):
        download(f"{server}/brotli.fa", tmp_path / "x.fa", **FAST)
    assert Handler.counts["/brotli.fa"] == 1
