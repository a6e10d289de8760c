"""What the real handler leaves in the feeds bucket for the edge (D10, D11): every file with
its .br and .gz variants, headers the CDN passes on, and the `Link` value the feed itself
declares. Over moto S3, which stores Content-Encoding and x-amz-meta-* as S3 does."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import brotli

from nashra.work import RebuildAll, encode
from stories import article_json

FEEDS = "nashra-feeds"
CONTENT = Path(__file__).resolve().parents[2] / "content"
HUB = "https://hub.nashra.example/"


def _head(p: Any, key: str) -> dict[str, Any]:
    head: dict[str, Any] = p.s3.head_object(Bucket=FEEDS, Key=key)
    return head


def test_published_feeds_carry_variants_and_their_own_links(pipeline: Any) -> None:
    site = json.loads((CONTENT / "site.json").read_text(encoding="utf-8"))
    pipeline.upload_config({**site, "hub": HUB})
    pipeline.upload("articles/edge.json", article_json("edge"))
    pipeline.pump()
    feeds_url = site["feeds_url"]
    for path in ("all/rss.xml", "all/atom.xml", "all/feed.json"):
        body = pipeline.feed(path)
        assert body is not None and b"edge" in body
        link = f'<{feeds_url}/{path}>; rel="self", <{HUB}>; rel="hub"'
        original = _head(pipeline, path)
        assert original["Metadata"]["link"] == link
        assert original["Metadata"]["encodings"] == "br gzip"
        assert "ContentEncoding" not in original
        for suffix, coding, decode in (
            (".br", "br", brotli.decompress),
            (".gz", "gzip", gzip.decompress),
        ):
            variant = _head(pipeline, path + suffix)
            assert variant["ContentEncoding"] == coding
            assert variant["ContentType"] == original["ContentType"]
            assert variant["CacheControl"] == original["CacheControl"]
            assert variant["Metadata"]["link"] == link
            assert variant["ETag"] != original["ETag"]
            assert decode(pipeline.feed(path + suffix)) == body
    page = _head(pipeline, "index.html")
    assert "link" not in page["Metadata"]  # not a feed: no Link
    assert _head(pipeline, "index.html.br")["ContentEncoding"] == "br"


def test_an_unchanged_rebuild_keeps_every_variant_etag(pipeline: Any) -> None:
    """Deterministic variants: a second full render writes nothing, so every ETag holds.
    Each file is checked, and each variant of a file found unchanged (that it was
    compressed from the file's bytes): one HeadObject per stored object."""
    pipeline.upload_config()
    pipeline.pump()
    keys = [o["Key"] for o in pipeline.s3.list_objects_v2(Bucket=FEEDS)["Contents"]]
    assert any(k.endswith(".br") for k in keys) and any(k.endswith(".gz") for k in keys)
    before = {k: _head(pipeline, k)["ETag"] for k in keys}
    pipeline.calls.clear()
    pipeline.inject(json.loads(encode(RebuildAll())))
    pipeline.pump()
    assert pipeline.calls.count("HeadObject", FEEDS) == len(keys)  # each object, once
    assert pipeline.calls.count("PutObject", FEEDS) == 0
    assert {k: _head(pipeline, k)["ETag"] for k in keys} == before
