"""The dev CDN serves the feeds bucket as CloudFront would (D5, P-CF-1, P-CF-2)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import brotli
import pytest

from nashra.dev.cdn import accepted_encoding, key_for_path, not_modified
from nashra.dev.stack import DevStack

from .conftest import Response, copy_content, http, idle_handler, start_stack

pytestmark = pytest.mark.e2e

RSS_TYPE = "application/rss+xml; charset=utf-8"
CACHE = "public, max-age=300, s-maxage=60, stale-while-revalidate=300"
FEED = (
    "<?xml version='1.0' encoding='UTF-8'?>\n<rss><channel><title>نشرة</title>"
    + "<item><title>خبر عاجل</title></item>" * 60
    + "</channel></rss>\n"
).encode()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    content = copy_content(tmp_path_factory.mktemp("cdn") / "content", articles=0)
    stack = start_stack(content, handler=idle_handler)
    s3 = stack.s3
    for key, body, kind in [
        ("all/rss.xml", FEED, RSS_TYPE),
        ("index.html", b"<!doctype html><title>nashra</title>", "text/html; charset=utf-8"),
        ("سياسة/rss.xml", FEED, RSS_TYPE),
        ("tiny.json", b"{}", "application/json; charset=utf-8"),
    ]:
        s3.put_object(
            Bucket=stack.feeds_bucket, Key=key, Body=body, ContentType=kind, CacheControl=CACHE
        )
    yield stack
    stack.stop()


def _cors(response: Response) -> None:
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    assert "Last-Modified" in response.headers["access-control-expose-headers"]


def test_get_returns_stored_headers_and_bytes(stack: DevStack) -> None:
    response = http(f"{stack.cdn_url}/all/rss.xml")
    assert response.status == 200
    assert response.body == FEED
    assert response.headers["content-type"] == RSS_TYPE
    assert response.headers["cache-control"] == CACHE
    assert response.headers["etag"].startswith('"') and response.headers["etag"].endswith('"')
    assert response.headers["last-modified"].endswith(" GMT")
    assert response.headers["content-length"] == str(len(FEED))
    assert "Accept-Encoding" in response.headers["vary"]
    _cors(response)


def test_conditional_get_answers_304_without_a_body(stack: DevStack) -> None:
    first = http(f"{stack.cdn_url}/all/rss.xml")
    by_etag = http(f"{stack.cdn_url}/all/rss.xml", headers={"If-None-Match": first.headers["etag"]})
    assert by_etag.status == 304
    assert by_etag.body == b""
    assert by_etag.headers["etag"] == first.headers["etag"]
    assert by_etag.headers["cache-control"] == CACHE
    _cors(by_etag)
    by_date = http(
        f"{stack.cdn_url}/all/rss.xml",
        headers={"If-Modified-Since": first.headers["last-modified"]},
    )
    assert by_date.status == 304 and by_date.body == b""
    stale = http(f"{stack.cdn_url}/all/rss.xml", headers={"If-None-Match": '"not-it"'})
    assert stale.status == 200 and stale.body == FEED
    old = http(
        f"{stack.cdn_url}/all/rss.xml",
        headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
    )
    assert old.status == 200


@pytest.mark.parametrize(
    ("coding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
def test_compression_decodes_to_the_same_bytes(stack: DevStack, coding: str, decode: Any) -> None:
    response = http(f"{stack.cdn_url}/all/rss.xml", headers={"Accept-Encoding": coding})
    assert response.headers["content-encoding"] == coding
    assert len(response.body) < len(FEED)
    assert decode(response.body) == FEED
    assert response.headers["etag"].startswith('W/"')  # CloudFront weakens compressed ETags
    again = http(
        f"{stack.cdn_url}/all/rss.xml",
        headers={"Accept-Encoding": coding, "If-None-Match": response.headers["etag"]},
    )
    assert again.status == 304


def test_small_objects_and_refused_codings_are_not_compressed(stack: DevStack) -> None:
    tiny = http(f"{stack.cdn_url}/tiny.json", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in tiny.headers and tiny.body == b"{}"
    refused = http(f"{stack.cdn_url}/all/rss.xml", headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.body == FEED


def test_head_options_root_and_percent_encoded_arabic_keys(stack: DevStack) -> None:
    head = http(f"{stack.cdn_url}/all/rss.xml", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == str(len(FEED))
    options = http(f"{stack.cdn_url}/all/rss.xml", method="OPTIONS")
    assert options.status == 204
    assert "GET" in options.headers["access-control-allow-methods"]
    _cors(options)
    root = http(f"{stack.cdn_url}/")
    assert root.status == 200 and root.body.startswith(b"<!doctype html>")
    arabic = http(f"{stack.cdn_url}/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/rss.xml")
    assert arabic.status == 200 and arabic.body == FEED


def test_missing_paths_are_404_with_a_small_text_body(stack: DevStack) -> None:
    missing = http(f"{stack.cdn_url}/nope/rss.xml")
    assert missing.status == 404
    assert missing.headers["content-type"].startswith("text/plain")
    assert b"not found" in missing.body and len(missing.body) < 200
    _cors(missing)


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
    assert accepted_encoding("gzip, deflate, br") == "br"
    assert accepted_encoding("gzip;q=0.5, br;q=0") == "gzip"
    assert accepted_encoding("identity") is None
    assert accepted_encoding(None) is None
    assert not_modified({"If-None-Match": 'W/"abc", "def"'}, '"abc"', None)
    assert not not_modified({"If-None-Match": '"x"', "If-Modified-Since": "junk"}, '"abc"', None)
