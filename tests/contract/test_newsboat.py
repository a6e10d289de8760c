"""newsboat (a real terminal reader) reads every rendered feed from file:// URLs.

newsboat is a system package (`make test` installs it); this test fails, never skips,
when it is missing. Each feed file gets its own cache because newsboat keeps one row per
guid across all feeds, and our guids are shared between formats and feeds by design.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.render import render_feed
from nashra.render.model import select, to_entry

NAMES = ("rss.xml", "atom.xml")
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _newsboat() -> str:
    path = shutil.which("newsboat")
    if path is None:
        pytest.fail("newsboat is not installed: run `make system-deps` (apt-get install newsboat)")
    return path


def _reload(binary: str, feeds: list[Path], work: Path) -> dict[Path, Path]:
    """Run one `newsboat -x reload` per feed file, all at once; return the cache of each."""
    runs: dict[Path, tuple[Path, subprocess.Popen[bytes]]] = {}
    for n, feed in enumerate(feeds):
        home = work / f"run{n}"
        home.mkdir(parents=True)
        (home / "urls").write_text(f"{feed.as_uri()}\n", encoding="utf-8")
        (home / "config").write_text("", encoding="utf-8")
        cache = home / "cache.db"
        argv = [binary, "-u", str(home / "urls"), "-c", str(cache), "-C", str(home / "config")]
        process = subprocess.Popen(
            [*argv, "-x", "reload"],
            env={"HOME": str(home), "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        runs[feed] = (cache, process)
    for feed, (_, process) in runs.items():
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, (feed, output.decode("utf-8", "replace"))
    return {feed: cache for feed, (cache, _) in runs.items()}


def _items(cache: Path) -> list[tuple[str, str, str, int]]:
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT guid, title, url, pubDate FROM rss_item ORDER BY pubDate DESC")
        return [(str(g), str(t), str(u), int(p)) for g, t, u, p in rows]


def test_newsboat_finds_every_item_of_every_feed(
    tmp_path: Path,
    news_site: Site,
    news_specs: tuple[FeedSpec, ...],
    news_articles: tuple[Article, ...],
) -> None:
    binary = _newsboat()
    public = tmp_path / "public"
    expected: dict[Path, list[tuple[str, str, str, int]]] = {}
    for spec in news_specs:
        files = render_feed(news_site, spec, news_articles)
        entries = [to_entry(news_site, a) for a in select(news_site, spec, news_articles)]
        for name in NAMES:
            path = public / spec.slug / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[f"{spec.slug}/{name}"])
            expected[path] = [(e.id, e.title, e.url, int(e.published.timestamp())) for e in entries]
    caches = _reload(binary, sorted(expected), tmp_path / "newsboat")
    for path, want in expected.items():
        assert _items(caches[path]) == want, path
    assert sum(len(v) for v in expected.values()) == 2 * (6 + 2 + 2 + 2 + 1 + 1 + 0)


def test_newsboat_reads_every_feed_built_from_content(tmp_path: Path) -> None:
    """The golden feeds of content/ (what `nashra build content` writes), item for item
    against their JSON Feed twin."""
    feeds = sorted(p for name in NAMES for p in GOLDEN.glob(f"*/{name}"))
    caches = _reload(_newsboat(), feeds, tmp_path)
    total = 0
    for feed in feeds:
        twin = json.loads((feed.parent / "feed.json").read_text("utf-8"))
        want = [(i["id"], i["title"].lstrip("\u200f"), i["url"]) for i in twin["items"]]
        got = [(g, t.lstrip("\u200f"), u) for g, t, u, _ in _items(caches[feed])]
        assert got == want, feed
        total += len(got)
    assert total > 0
