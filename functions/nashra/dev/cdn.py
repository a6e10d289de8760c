"""A small HTTP server that serves the feeds bucket the way CloudFront does.

What readers see in production, and what this server reproduces: the object's stored
`Content-Type` and `Cache-Control`; its quoted `ETag` and `Last-Modified`; 304 for a
matching `If-None-Match` or `If-Modified-Since`; simple CORS and `Vary: Accept-Encoding` on
every response (the response headers policy, D5, P-CF-5). Like the distribution's two
CloudFront Functions (D10, D11): a request for `/x/` is answered from `x/index.html`, a
reader who accepts br or gzip gets the stored `.br` or `.gz` variant with its own
`Content-Encoding` and ETag (and a 304 per variant), and an object's `x-amz-meta-link` is
sent as `Link`. Nothing is compressed here: CloudFront does not compress either.

A client that hangs up mid-response is not an error: it costs no traceback on the console.

>>> # server = CdnServer(s3_client, "feeds-bucket", port=0); server.start()
>>> # server.url  # 'http://127.0.0.1:PORT'
"""

from __future__ import annotations

import sys
import threading
from datetime import UTC
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.exceptions import ClientError

from nashra.adapters.variants import LINK_METADATA, select
from nashra.core.keys import INDEX_FILE

# What the response headers policy adds to every response (template.yaml).
EDGE_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link",
    "Vary": "Accept-Encoding",
}
PREFLIGHT = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}


def key_for_path(raw_path: str) -> str | None:
    """The S3 key a request path names, or None when it must not be served.

    The path is percent-decoded once; `.`/`..`/empty segments, backslashes and control
    characters are refused, so a request can only ever name a key of the one bucket.
    """
    path = unquote(urlsplit(raw_path).path, errors="strict")
    if not path.startswith("/"):
        return None
    key = path[1:]
    if key == "" or key.endswith("/"):
        key += INDEX_FILE
    parts = key.split("/")
    if any(p in ("", ".", "..") for p in parts) or "\\" in key:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        return None
    return key


def stored_key(raw_path: str, headers: Message) -> str | None:
    """The object a request is answered from, as select-variant.js picks it at the edge: the
    variant the reader accepts of the key the path names; None when it must not be served."""
    try:
        key = key_for_path(raw_path)
    except UnicodeDecodeError:
        return None
    if key is None:
        return None
    # A field sent on several lines is one list (RFC 9110 §5.3), as the edge function reads
    # CloudFront's multiValue: not only its first line, which may refuse nothing.
    lines = headers.get_all("Accept-Encoding")
    return select(key, None if lines is None else ",".join(lines))


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def not_modified(headers: Any, etag: str, last_modified: Any) -> bool:
    """RFC 9110 §13.2.2: If-None-Match (weak comparison) wins over If-Modified-Since."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = _tags(inm)
        return "*" in tags or etag in tags
    ims = headers.get("If-Modified-Since")
    if ims is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return bool(last_modified.replace(microsecond=0) <= since)


class _FeedsHandler(BaseHTTPRequestHandler):
    server: CdnHttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_OPTIONS(self) -> None:
        self._respond(HTTPStatus.NO_CONTENT, {**PREFLIGHT}, b"")

    def do_HEAD(self) -> None:
        self._guarded(head=True)

    def do_GET(self) -> None:
        self._guarded(head=False)

    def _guarded(self, *, head: bool) -> None:
        try:
            self._serve(head=head)
        except ConnectionError:  # the reader hung up: nobody is left to answer
            self.close_connection = True
        except Exception as error:  # the origin failed: CloudFront answers 502
            self.log_error("origin error: %r", error)
            headers = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
            self._respond(HTTPStatus.BAD_GATEWAY, headers, b"502 bad gateway\n", head=head)

    def _method_not_allowed(self) -> None:
        self._respond(
            HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": "GET, HEAD, OPTIONS"}, b"method not allowed\n"
        )

    def do_POST(self) -> None:
        self._method_not_allowed()

    def do_PUT(self) -> None:
        self._method_not_allowed()

    def do_DELETE(self) -> None:
        self._method_not_allowed()

    def _serve(self, *, head: bool) -> None:
        stored = stored_key(self.path, self.headers)
        obj = self._get(stored) if stored is not None else None
        if obj is None:
            body = f"404 not found: {urlsplit(self.path).path}\n".encode()
            headers = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
            self._respond(HTTPStatus.NOT_FOUND, headers, body, head=head)
            return
        data: bytes = obj["Body"].read()
        headers = {
            "Content-Type": obj.get("ContentType", "application/octet-stream"),
            "Last-Modified": format_datetime(obj["LastModified"].astimezone(UTC), usegmt=True),
            "ETag": obj["ETag"],
        }
        for name, field in (
            ("Cache-Control", "CacheControl"),
            ("Content-Encoding", "ContentEncoding"),
        ):
            if field in obj:
                headers[name] = obj[field]
        link = obj.get("Metadata", {}).get(LINK_METADATA)
        if link:  # link-header.js
            headers["Link"] = link
        if not_modified(self.headers, obj["ETag"], obj["LastModified"]):
            del headers["Content-Type"]
            self._respond(HTTPStatus.NOT_MODIFIED, headers, b"", head=True)
            return
        self._respond(HTTPStatus.OK, headers, data, head=head)

    def _get(self, key: str) -> dict[str, Any] | None:
        try:
            obj: dict[str, Any] = self.server.s3.get_object(Bucket=self.server.bucket, Key=key)
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status in (400, 403, 404):
                return None
            raise
        return obj

    def _respond(
        self, status: HTTPStatus, headers: dict[str, str], body: bytes, *, head: bool = False
    ) -> None:
        self.send_response(status)
        for name, value in {**EDGE_HEADERS, **headers}.items():
            self.send_header(name, value)
        if status not in (HTTPStatus.NOT_MODIFIED, HTTPStatus.NO_CONTENT):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and not head:
            self.wfile.write(body)


class CdnHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], s3: Any, bucket: str, verbose: bool) -> None:
        super().__init__(address, _FeedsHandler)
        self.s3, self.bucket, self.verbose = s3, bucket, verbose

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A reader that hung up (even before its request was read) is not an error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class CdnServer:
    """Serves `bucket` on 127.0.0.1:`port` (0 picks a free port) from a thread."""

    def __init__(self, s3: Any, bucket: str, *, port: int = 8080, verbose: bool = False) -> None:
        self.httpd = CdnHttpServer(("127.0.0.1", port), s3, bucket, verbose)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.1,), name="nashra-cdn", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
