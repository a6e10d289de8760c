"""VariantStore: compressed variants beside every published file, written only when the file
changed, in an order that survives a crash (D10), and the Link header each feed carries
(D11). The store underneath is a dict that logs every call, in the S3 adapter's terms."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import brotli
import pytest

from nashra.adapters.links import link_header
from nashra.adapters.variants import (
    ENCODINGS_METADATA,
    LINK_METADATA,
    SOURCE_METADATA,
    VariantStore,
    compress,
    is_variant,
)
from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.render import render_feed

RSS = "application/rss+xml; charset=utf-8"
CACHE = "public, max-age=300"
SELF = "https://feeds.nashra.example/all/rss.xml"
FEED = (
    f'<rss><channel><atom:link href="{SELF}" rel="self"/>' + "<item>خبر</item>" * 200
).encode() + b"</channel></rss>"


@dataclass
class Stored:
    body: bytes
    content_type: str
    cache_control: str
    content_encoding: str | None
    metadata: dict[str, str]


@dataclass
class MemoryFiles:
    """EncodingStore in a dict; `fail_on` names a path whose next put raises."""

    objects: dict[str, Stored] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)
    fail_on: str | None = None

    def unchanged(
        self,
        path: str,
        body: bytes,
        content_type: str,
        cache_control: str,
        *,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> bool:
        self.log.append(("check", path))
        wanted = Stored(body, content_type, cache_control, content_encoding, dict(metadata or {}))
        return self.objects.get(path) == wanted

    def put(
        self,
        path: str,
        body: bytes,
        content_type: str,
        cache_control: str,
        *,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        if path == self.fail_on:
            self.fail_on = None
            raise ConnectionError("the batch dies here")
        self.log.append(("put", path))
        meta = dict(metadata or {})
        self.objects[path] = Stored(body, content_type, cache_control, content_encoding, meta)

    def head(self, path: str) -> Mapping[str, Any] | None:
        self.log.append(("head", path))
        stored = self.objects.get(path)
        return None if stored is None else {"Metadata": stored.metadata}

    def paths(self) -> Iterator[str]:
        yield from sorted(self.objects)

    def delete(self, path: str) -> None:
        if path == self.fail_on:
            self.fail_on = None
            raise ConnectionError("the batch dies here")
        self.log.append(("delete", path))
        self.objects.pop(path, None)


def _consistent(files: MemoryFiles, path: str) -> None:
    """Every variant decodes to the file beside it and carries its headers."""
    original = files.objects[path]
    for suffix, coding, decode in (
        (".br", "br", brotli.decompress),
        (".gz", "gzip", gzip.decompress),
    ):
        variant = files.objects[path + suffix]
        assert decode(variant.body) == original.body
        assert variant.content_encoding == coding
        assert (variant.content_type, variant.cache_control) == (RSS, CACHE)
        assert variant.metadata == {
            LINK_METADATA: f'<{SELF}>; rel="self"',
            SOURCE_METADATA: hashlib.sha256(original.body).hexdigest(),
        }


def test_a_changed_file_is_written_after_its_variants() -> None:
    files = MemoryFiles()
    assert VariantStore(files).write("all/rss.xml", FEED, RSS, CACHE)
    assert files.log == [
        ("check", "all/rss.xml"),
        ("put", "all/rss.xml.br"),
        ("put", "all/rss.xml.gz"),
        ("put", "all/rss.xml"),  # last: the mark that its variants are there
    ]
    original = files.objects["all/rss.xml"]
    assert original.body == FEED and original.content_encoding is None
    assert original.metadata == {
        LINK_METADATA: f'<{SELF}>; rel="self"',
        ENCODINGS_METADATA: "br gzip",
    }
    _consistent(files, "all/rss.xml")
    assert len(files.objects["all/rss.xml.br"].body) < len(FEED) // 5


def test_a_file_written_once_is_written_without_a_check() -> None:
    """A sealed archive page (`once`, D12) is new: its three PUTs, no HEAD first; written
    again (a seal retried), it is the same three PUTs and the same objects."""
    files = MemoryFiles()
    path = "all/archive/3/rss.xml"
    expected = [("put", f"{path}.br"), ("put", f"{path}.gz"), ("put", path)]
    assert VariantStore(files).write(path, FEED, RSS, CACHE, once=True)
    assert files.log == expected
    before = dict(files.objects)
    files.log.clear()
    assert VariantStore(files).write(path, FEED, RSS, CACHE, once=True)
    assert files.log == expected and files.objects == before


def test_an_unchanged_file_costs_its_check_and_its_variants_heads_and_no_compression(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = MemoryFiles()
    store = VariantStore(files)
    store.write("all/rss.xml", FEED, RSS, CACHE)
    files.log.clear()

    def no_compression(body: bytes, coding: str) -> bytes:
        raise AssertionError("compressed an unchanged file")

    monkeypatch.setattr("nashra.adapters.variants.compress", no_compression)
    assert not store.write("all/rss.xml", FEED, RSS, CACHE)
    assert files.log == [
        ("check", "all/rss.xml"),
        ("head", "all/rss.xml.br"),
        ("head", "all/rss.xml.gz"),
    ]


def test_new_headers_rewrite_the_file_and_its_variants() -> None:
    files = MemoryFiles()
    store = VariantStore(files)
    store.write("all/rss.xml", FEED, RSS, CACHE)
    assert store.write("all/rss.xml", FEED, RSS, "no-store")
    assert {files.objects[p].cache_control for p in files.objects} == {"no-store"}


def test_a_file_stored_before_variants_existed_gets_them_once() -> None:
    """An object without the `encodings` mark (an older release wrote it) is not taken as
    unchanged, or readers asking for br would get a 404 from the edge."""
    files = MemoryFiles()
    files.put("all/rss.xml", FEED, RSS, CACHE, metadata={LINK_METADATA: f'<{SELF}>; rel="self"'})
    store = VariantStore(files)
    assert store.write("all/rss.xml", FEED, RSS, CACHE)
    _consistent(files, "all/rss.xml")
    assert not store.write("all/rss.xml", FEED, RSS, CACHE)


NEWER = FEED.replace("خبر".encode(), "عاجل".encode())


def _dies_before_the_file() -> tuple[MemoryFiles, VariantStore]:
    """all/rss.xml written whole as FEED, then a write of NEWER that dies once its
    variants are written and before the file is."""
    files = MemoryFiles()
    store = VariantStore(files)
    store.write("all/rss.xml", FEED, RSS, CACHE)
    files.fail_on = "all/rss.xml"
    with pytest.raises(ConnectionError):
        store.write("all/rss.xml", NEWER, RSS, CACHE)
    assert files.objects["all/rss.xml"].body == FEED  # the old file, new variants
    return files, store


def test_a_batch_that_dies_between_variants_and_file_is_healed_by_its_retry() -> None:
    files, store = _dies_before_the_file()
    assert store.write("all/rss.xml", NEWER, RSS, CACHE)  # the retry sees it stale
    assert files.objects["all/rss.xml"].body == NEWER
    _consistent(files, "all/rss.xml")


def test_variants_left_a_version_ahead_are_written_again_when_the_file_is_unchanged() -> None:
    """A batch dies after the variants of new bytes landed and before the file; the change
    is then undone, so the retry renders the file's own bytes again: the file is unchanged,
    but its variants are not of its bytes and are written anew, or readers who accept br
    or gzip keep the undone version (found by the failure schedules, seed 5051)."""
    files, store = _dies_before_the_file()
    files.log.clear()
    assert store.write("all/rss.xml", FEED, RSS, CACHE)
    _consistent(files, "all/rss.xml")
    assert ("put", "all/rss.xml") not in files.log  # the file's own bytes stay as they are
    assert not store.write("all/rss.xml", FEED, RSS, CACHE)


def test_paths_hide_variants_and_delete_removes_them_first() -> None:
    files = MemoryFiles()
    store = VariantStore(files)
    store.write("all/rss.xml", FEED, RSS, CACHE)
    store.write("gulf/rss.xml", FEED, RSS, CACHE)
    store.write("logo.png", b"\x89PNG", "image/png", CACHE)
    assert list(store.paths()) == ["all/rss.xml", "gulf/rss.xml", "logo.png"]
    assert "logo.png.br" not in files.objects  # not a kind nashra serves compressed
    assert files.objects["logo.png"].metadata == {}
    files.log.clear()
    files.fail_on = "gulf/rss.xml"  # dies after the variants are gone
    with pytest.raises(ConnectionError):
        store.delete("gulf/rss.xml")
    assert list(store.paths()) == ["all/rss.xml", "gulf/rss.xml", "logo.png"]  # still listed
    store.delete("gulf/rss.xml")  # so a retried prune deletes it
    assert not [p for p in files.objects if p.startswith("gulf/")]
    assert files.log[:2] == [("delete", "gulf/rss.xml.br"), ("delete", "gulf/rss.xml.gz")]


def test_variants_whose_file_was_never_written_are_listed_as_that_file() -> None:
    """A new file's first write dies after its variants: the listing names the file, so
    a prune (a removed section) deletes the variants, though the file never existed."""
    files = MemoryFiles()
    store = VariantStore(files)
    store.write("all/rss.xml", FEED, RSS, CACHE)
    files.fail_on = "sports/rss.xml"
    with pytest.raises(ConnectionError):
        store.write("sports/rss.xml", FEED, RSS, CACHE)
    assert "sports/rss.xml.br" in files.objects and "sports/rss.xml" not in files.objects
    assert list(store.paths()) == ["all/rss.xml", "sports/rss.xml"]
    store.delete("sports/rss.xml")
    assert not [p for p in files.objects if p.startswith("sports/")]


def test_variant_bytes_are_the_same_on_every_run() -> None:
    """Deterministic bytes keep each variant's ETag while its file is unchanged."""
    zipped = compress(FEED, "gzip")
    assert zipped == compress(FEED, "gzip")
    assert zipped[3] == 0  # FLG: no file name, no comment, no extra field
    assert zipped[4:8] == b"\0\0\0\0"  # MTIME 0
    assert compress(FEED, "br") == compress(FEED, "br")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("all/rss.xml.br", True),
        ("all/feed.json.gz", True),
        ("index.html.gz", True),
        ("all/rss.xml", False),
        ("backup.tar.gz", False),  # not the variant of a file nashra publishes
        ("all/rss.br", False),
    ],
)
def test_is_variant(path: str, expected: bool) -> None:
    assert is_variant(path) is expected


# --- Link (D11) ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_every_format_links_the_feeds_own_self_and_hub(
    news_site: Site, feed_spec: Any, news_articles: tuple[Article, ...], name: str
) -> None:
    spec: FeedSpec = feed_spec("politics")
    files = render_feed(news_site, spec, news_articles).files
    path = f"politics/{name}"
    assert link_header(path, files[path]) == (
        f'<https://feeds.nashra.example/politics/{name}>; rel="self", '
        '<https://hub.nashra.example/>; rel="hub"'
    )


def test_without_a_hub_only_self_and_never_for_other_files(
    make_site: Any, feed_spec: Any, news_articles: tuple[Article, ...]
) -> None:
    site = make_site(hub=None)
    files = render_feed(site, feed_spec("all"), news_articles).files
    assert link_header("all/atom.xml", files["all/atom.xml"]) == (
        '<https://feeds.nashra.example/all/atom.xml>; rel="self"'
    )
    assert link_header("index.html", b'<link href="x" rel="self">') is None
    assert link_header("config.json", b'{"feed_url": "https://x.example/"}') is None
    assert link_header("broken.json", b"{") is None
    assert link_header("all/rss.xml", b"<rss/>") is None


def test_only_header_safe_links_are_kept() -> None:
    body = (
        b'<feed><link href="https://f.example/a&amp;b.xml" rel="self"/>'
        b'<link href="https://hub.example/\xd8\xb3" rel="hub"/></feed>'
    )
    assert link_header("x/atom.xml", body) == '<https://f.example/a&b.xml>; rel="self"'
