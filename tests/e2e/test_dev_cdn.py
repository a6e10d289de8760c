"""The dev CDN serves the feeds bucket as CloudFront and its two functions do (D5, D10,
D11, P-CF-2): the stored variant the reader accepts with its own Content-Encoding and
ETag, `Vary: Accept-Encoding`, the feed's `Link` header, and 304s per variant."""

from __future__ import annotations

import gzip
import io
import socket
import struct
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import brotli
import pytest

from nashra.adapters.s3 import S3FeedStore
from nashra.adapters.variants import VariantStore
from nashra.dev.cdn import CdnServer, key_for_path, not_modified
from nashra.dev.stack import DevStack

from .conftest import Response, copy_content, http, idle_handler, start_stack

pytestmark = pytest.mark.e2e

RSS_TYPE = "application/rss+xml; charset=utf-8"
CACHE = "public, max-age=300, s-maxage=60, stale-while-revalidate=300"
SELF = "https://feeds.nashra.example/all/rss.xml"
HUB = "https://hub.nashra.example/"
LINK = f'<{SELF}>; rel="self", <{HUB}>; rel="hub"'
FEED = (
    "<?xml version='1.0' encoding='UTF-8'?>\n<rss xmlns:atom=\"http://www.w3.org/2005/Atom\">"
    f'<channel><title>نشرة</title><atom:link href="{SELF}" rel="self"/>'
    + "<item><title>خبر عاجل</title></item>" * 60
    + f'<atom:link href="{HUB}" rel="hub"/></channel></rss>\n'
).encode()
PAGE = b"<!doctype html><title>nashra</title>"
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    """The feeds bucket as the publisher leaves it: every file through the VariantStore."""
    content = copy_content(tmp_path_factory.mktemp("cdn") / "content", articles=0)
    stack = start_stack(content, handler=idle_handler)
    store = VariantStore(S3FeedStore(stack.s3, stack.feeds_bucket))
    for path, body, kind in [
        ("all/rss.xml", FEED, RSS_TYPE),
        ("index.html", PAGE, "text/html; charset=utf-8"),
        ("all/index.html", PAGE, "text/html; charset=utf-8"),
        ("سياسة/rss.xml", FEED, RSS_TYPE),
    ]:
        assert store.write(path, body, kind, CACHE)
    # An object nashra did not write, so stored without variants.
    stack.s3.put_object(
        Bucket=stack.feeds_bucket, Key="legacy.xml", Body=b"<x/>", ContentType="application/xml"
    )
    yield stack
    stack.stop()


def _etag(stack: DevStack, key: str) -> str:
    etag: str = stack.s3.head_object(Bucket=stack.feeds_bucket, Key=key)["ETag"]
    return etag


def _edge(response: Response) -> None:
    """What the response headers policy adds to every response."""
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = response.headers["access-control-expose-headers"]
    assert {"ETag", "Last-Modified", "Link"} <= {h.strip() for h in exposed.split(",")}
    assert response.headers["vary"] == "Accept-Encoding"


def test_identity_gets_the_stored_file_with_its_headers_and_link(stack: DevStack) -> None:
    response = http(f"{stack.cdn_url}/all/rss.xml", headers={"Accept-Encoding": "identity"})
    assert response.status == 200
    assert response.body == FEED
    assert response.headers["content-type"] == RSS_TYPE
    assert response.headers["cache-control"] == CACHE
    assert response.headers["etag"] == _etag(stack, "all/rss.xml")
    assert response.headers["last-modified"].endswith(" GMT")
    assert response.headers["content-length"] == str(len(FEED))
    assert "content-encoding" not in response.headers
    assert response.headers["link"] == LINK
    assert not [h for h in response.headers if h.startswith("x-amz-meta-")]
    _edge(response)


@pytest.mark.parametrize(("accept", "coding"), [("gzip, deflate, br", "br"), ("gzip", "gzip")])
def test_a_reader_gets_the_stored_variant_it_accepts(
    stack: DevStack, accept: str, coding: str
) -> None:
    stored = "all/rss.xml" + {"br": ".br", "gzip": ".gz"}[coding]
    response = http(f"{stack.cdn_url}/all/rss.xml", headers={"Accept-Encoding": accept})
    assert response.status == 200
    assert response.headers["content-encoding"] == coding
    assert DECODE[coding](response.body) == FEED
    assert len(response.body) < len(FEED) // 3
    assert response.headers["content-type"] == RSS_TYPE  # the original's, not the coding's
    assert response.headers["cache-control"] == CACHE
    assert response.headers["content-length"] == str(len(response.body))
    # The variant's own strong ETag (S3's for its bytes), not the original's.
    assert response.headers["etag"] == _etag(stack, stored) != _etag(stack, "all/rss.xml")
    assert response.headers["link"] == LINK
    _edge(response)


def test_conditional_gets_answer_304_per_variant(stack: DevStack) -> None:
    url = f"{stack.cdn_url}/all/rss.xml"
    for accept in ("identity", "gzip", "br"):
        first = http(url, headers={"Accept-Encoding": accept})
        again = http(
            url, headers={"Accept-Encoding": accept, "If-None-Match": first.headers["etag"]}
        )
        assert (again.status, again.body) == (304, b""), accept
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["cache-control"] == CACHE
        _edge(again)
        by_date = http(
            url,
            headers={
                "Accept-Encoding": accept,
                "If-Modified-Since": first.headers["last-modified"],
            },
        )
        assert by_date.status == 304
    # A validator of one representation does not match another.
    plain = http(url, headers={"Accept-Encoding": "identity"})
    other = http(url, headers={"Accept-Encoding": "br", "If-None-Match": plain.headers["etag"]})
    assert other.status == 200 and brotli.decompress(other.body) == FEED
    old = http(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert old.status == 200


def test_refused_codings_get_the_file_itself(stack: DevStack) -> None:
    refused = http(f"{stack.cdn_url}/all/rss.xml", headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.body == FEED
    only_gzip = http(f"{stack.cdn_url}/all/rss.xml", headers={"Accept-Encoding": "br;q=0, *"})
    assert only_gzip.headers["content-encoding"] == "gzip"


def test_folders_pages_and_percent_encoded_arabic_keys(stack: DevStack) -> None:
    root = http(f"{stack.cdn_url}/", headers={"Accept-Encoding": "br"})
    assert root.status == 200 and brotli.decompress(root.body) == PAGE
    assert "link" not in root.headers  # not a feed
    folder = http(f"{stack.cdn_url}/all/", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(folder.body) == PAGE
    arabic = http(f"{stack.cdn_url}/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/rss.xml")
    assert arabic.status == 200 and arabic.body == FEED


def test_an_object_without_variants_is_missing_to_a_compressing_reader(stack: DevStack) -> None:
    """As at the edge: the function rewrites by the URI alone, and S3 has no legacy.xml.br."""
    assert http(f"{stack.cdn_url}/legacy.xml", headers={"Accept-Encoding": "br"}).status == 404
    plain = http(f"{stack.cdn_url}/legacy.xml", headers={"Accept-Encoding": "identity"})
    assert plain.status == 200 and plain.body == b"<x/>"


def test_head_and_options(stack: DevStack) -> None:
    head = http(f"{stack.cdn_url}/all/rss.xml", method="HEAD", headers={"Accept-Encoding": "br"})
    assert head.status == 200 and head.body == b""
    assert head.headers["content-encoding"] == "br"
    assert head.headers["content-length"] == str(len(brotli.compress(FEED, quality=6)))
    options = http(f"{stack.cdn_url}/all/rss.xml", method="OPTIONS")
    assert options.status == 204
    assert "GET" in options.headers["access-control-allow-methods"]
    _edge(options)


def test_missing_paths_are_404_with_a_small_text_body(stack: DevStack) -> None:
    missing = http(f"{stack.cdn_url}/nope/rss.xml")
    assert missing.status == 404
    assert missing.headers["content-type"].startswith("text/plain")
    assert b"not found" in missing.body and len(missing.body) < 200
    _edge(missing)


@pytest.mark.parametrize(
    "path",
    ["/../x", "/%2e%2e/all/rss.xml", "/all/../all/rss.xml", "/all//rss.xml", "/a%5cb", "/%00"],
)
def test_paths_outside_the_bucket_are_refused(stack: DevStack, path: str) -> None:
    assert key_for_path(path) is None
    assert http(f"{stack.cdn_url}{path}").status == 404


def test_other_methods_are_not_allowed(stack: DevStack) -> None:
    assert http(f"{stack.cdn_url}/all/rss.xml", method="PUT").status == 405


def test_request_parsing_helpers() -> None:
    assert key_for_path("/all/rss.xml?x=1") == "all/rss.xml"
    assert key_for_path("/") == "index.html"
    assert not_modified({"If-None-Match": 'W/"abc", "def"'}, '"abc"', None)
    assert not not_modified({"If-None-Match": '"x"', "If-Modified-Since": "junk"}, '"abc"', None)


# --- a reader that hangs up ----------------------------------------------------------------

BIG = b"x" * (16 * 1024 * 1024)  # more than both ends' socket buffers hold


class _BigObjectS3:
    """Stands in for the S3 client: every key is one large object (no moto, no copying)."""

    def get_object(self, **_: Any) -> dict[str, Any]:
        return {
            "Body": io.BytesIO(BIG),
            "ETag": '"big"',
            "LastModified": datetime(2026, 11, 1, tzinfo=UTC),
            "ContentType": RSS_TYPE,
        }


@pytest.mark.parametrize("reset", [True, False], ids=["reset", "close"])
def test_a_reader_hanging_up_mid_response_prints_no_traceback(
    capfd: pytest.CaptureFixture[str], reset: bool
) -> None:
    """The reader reads the headers and a little of the body, then goes: with a TCP reset
    (ConnectionResetError on the server) or a plain close (BrokenPipeError once its
    kernel refuses more data). The server says nothing and serves the next reader."""
    server = CdnServer(_BigObjectS3(), "feeds", port=0)
    done = threading.Event()
    shutdown_request = server.httpd.shutdown_request

    def finished(request: Any) -> None:  # after handle_error, whatever happened
        shutdown_request(request)
        done.set()

    server.httpd.shutdown_request = finished  # type: ignore[method-assign]
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as reader:
            reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            reader.sendall(b"GET /all/rss.xml HTTP/1.1\r\nHost: x\r\n\r\n")
            assert reader.recv(1024).startswith(b"HTTP/1.1 200")
            if reset:  # SO_LINGER with a zero timeout: close() sends RST
                reader.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        assert done.wait(10), "the server never finished the request"
        assert http(f"{server.url}/all/rss.xml", method="HEAD").status == 200
    finally:
        server.stop()
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Error" not in err, err
