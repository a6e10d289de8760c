"""RFC 5005 archive pages of a real build (D12), read by feedparser as an aggregator would:
from the live feed, follow `prev-archive` to the oldest page, and every published article
is there exactly once, content/'s own (images, corrections, Arabic dates) included."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from archive_site import write_site
from nashra.cli import build

FEEDS_URL = "https://feeds.nashra.example/"
PAGE = 50  # nashra.history.ARCHIVE_PAGE_SIZE, and content/'s items_per_feed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("archive")
    content = write_site(root, 200)
    build(content, root / "public")
    return content, root / "public"


def walk(public: Path, live: str) -> list[feedparser.FeedParserDict]:
    """The live feed, then each `prev-archive` in turn (RFC 5005 §4.2)."""
    documents, path = [], live
    while path:
        parsed = feedparser.parse((public / path).read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        documents.append(parsed)
        prev = [ln.href for ln in parsed.feed.links if ln.rel == "prev-archive"]
        path = prev[0].removeprefix(FEEDS_URL) if prev else ""
    return documents


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_following_prev_archive_gives_every_article_once(
    site: tuple[Path, Path], name: str
) -> None:
    content, public = site
    published = sorted(
        json.loads(p.read_text("utf-8")).get("id") or p.stem
        for p in (content / "articles").glob("*.json")
        if json.loads(p.read_text("utf-8")).get("status", "published") == "published"
    )
    documents = walk(public, f"all/{name}")
    seen = sorted(e["id"].rsplit(":", 1)[1] for doc in documents for e in map(dict, doc.entries))
    assert seen == published  # 224 articles: each once, none left out
    sizes = [len(doc.entries) for doc in documents]
    assert sizes[0] == PAGE  # the live feed
    assert sizes[-4:] == [len(published) - PAGE - 3 * PAGE, PAGE, PAGE, PAGE]  # open, sealed
    assert [bool(doc.feed.get("links")) for doc in documents] == [True] * len(documents)


def test_sealed_pages_name_the_page_after_them_and_the_open_page_does_not(
    site: tuple[Path, Path],
) -> None:
    _, public = site
    for page, after in ((1, 2), (2, 3), (3, 4), (4, None)):
        parsed = feedparser.parse((public / f"all/archive/{page}/atom.xml").read_bytes())
        rels = {ln.rel: ln.href.removeprefix(FEEDS_URL) for ln in parsed.feed.links}
        assert rels["current"] == "all/atom.xml"
        assert rels["self"] == f"all/archive/{page}/atom.xml"
        assert rels.get("next-archive") == (f"all/archive/{after}/atom.xml" if after else None)
        assert rels.get("prev-archive") == (
            f"all/archive/{page - 1}/atom.xml" if page > 1 else None
        )
    assert not (public / "all/archive/5").exists()
    assert not (public / "all/archive/1/feed.json").exists()  # no JSON Feed archive (D12)
