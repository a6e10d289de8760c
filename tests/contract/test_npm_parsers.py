"""The common npm feed parsers read the built feeds as feedparser and newsboat do.

Every golden feed (what `nashra build content` writes) is read by each parser in every
format it supports and compared item for item with its JSON Feed twin: ids, titles
(the leading U+200F RLM of AR-DIR-2 included: no parser trims it), links (AR-URL-1),
publication dates and the feed language (AR-LANG-1).

The parsers are pinned in tests/contract/npm/package-lock.json and read by
tests/contract/npm/read.mjs, one node process per parser for all files. node and
`make npm-deps` are required: this test fails, never skips, without them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import unquote

import pytest

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.render import render_feed

RLM = "\u200f"
NPM = Path(__file__).resolve().parent / "npm"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
FEEDS = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())

# The formats each parser reads (read.mjs names the parsers after their npm packages).
FORMATS: dict[str, tuple[str, ...]] = {
    "rss-parser": ("rss.xml", "atom.xml"),  # rss-parser: RSS and Atom only
    "feed-extractor": ("rss.xml", "atom.xml", "feed.json"),  # @extractus/feed-extractor
    "feed-parser": ("rss.xml", "atom.xml"),  # @rowanmanning/feed-parser: no JSON Feed
}
CASES = [(parser, name) for parser, names in FORMATS.items() for name in names]


class Item(TypedDict):
    id: str | None
    title: str | None
    link: str | None
    published: str | None


class Reading(TypedDict, total=False):
    file: str
    error: str
    title: str | None
    language: str | None
    items: list[Item]


def _node() -> str:
    """node, after checking that `make npm-deps` installed the pinned parsers."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: install Node.js 20+, then run `make npm-deps`")
    pins: dict[str, str] = json.loads((NPM / "package.json").read_text("utf-8"))["dependencies"]
    for package, version in pins.items():
        manifest = NPM / "node_modules" / package / "package.json"
        if not manifest.is_file():
            pytest.fail(f"{package} is not installed in {NPM}: run `make npm-deps`")
        installed = json.loads(manifest.read_text("utf-8"))["version"]
        if installed != version:
            pytest.fail(f"{package} {installed} installed, {version} pinned: run `make npm-deps`")
    return node


def _run(files: dict[str, list[Path]]) -> dict[str, dict[Path, Reading]]:
    """Read `files[parser]` with each parser: one node process per parser, all at once."""
    node = _node()
    runs = {
        parser: subprocess.Popen(
            [node, str(NPM / "read.mjs"), parser, *map(str, paths)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        for parser, paths in files.items()
    }
    readings: dict[str, dict[Path, Reading]] = {}
    for parser, process in runs.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, (parser, err)
        lines: list[Reading] = [json.loads(line) for line in out.splitlines()]
        assert [Path(r["file"]) for r in lines] == files[parser], (parser, err)
        readings[parser] = dict(zip(files[parser], lines, strict=True))
    return readings


@cache
def _readings() -> dict[str, dict[Path, Reading]]:
    """Every golden file in every format each parser supports."""
    return _run(
        {
            parser: [GOLDEN / feed / name for name in names for feed in FEEDS]
            for parser, names in FORMATS.items()
        }
    )


def _instant(value: str | None) -> datetime:
    assert value is not None, "no date"
    return datetime.fromisoformat(value)


def _twin(feed: str) -> Any:
    return json.loads((GOLDEN / feed / "feed.json").read_text("utf-8"))


@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize(("parser", "name"), CASES)
def test_npm_parsers_read_every_feed_like_its_json_twin(parser: str, name: str, feed: str) -> None:
    reading = _readings()[parser][GOLDEN / feed / name]
    assert "error" not in reading, reading.get("error")
    twin = _twin(feed)
    assert reading["title"] == twin["title"]
    # AR-LANG-1. rss-parser builds an Atom feed from a fixed list of child elements and
    # never reads the xml:lang attribute of <feed> (lib/parser.js, buildAtomFeed), so it
    # has no language for any Atom feed; RSS <language> it does read.
    language = None if (parser, name) == ("rss-parser", "atom.xml") else "ar"
    assert reading["language"] == language

    items = reading["items"]
    want = twin["items"]
    assert len(items) == len(want)
    assert [i["id"] for i in items] == [w["id"] for w in want]
    # Exactly, RLM and all: none of the parsers trims or normalises titles.
    assert [i["title"] for i in items] == [w["title"] for w in want]
    for item, twin_item in zip(items, want, strict=True):
        link = item["link"]
        assert link is not None, item
        assert link.isascii(), link  # AR-URL-1
        assert unquote(link) == unquote(twin_item["url"])

    # @extractus/feed-extractor dates an Atom entry by <updated> before <published>
    # (esm/src/utils/parseAtomFeed.js: `updated || modified || published || issued`),
    # so its "published" is the entry's last change: date_modified in the JSON twin.
    # nashra writes both elements as RFC 4287 defines them, and every other reading
    # (its own RSS and JSON Feed, the other parsers, feedparser) gets date_published.
    key = "date_modified" if (parser, name) == ("feed-extractor", "atom.xml") else "date_published"
    got = [_instant(i["published"]) for i in items]
    assert got == [_instant(w[key]) for w in want]


@pytest.mark.parametrize("parser", FORMATS)
def test_rlm_titles_reach_every_npm_parser(parser: str) -> None:
    """The golden feeds do hold RLM-led titles (Latin first word), so the exact title
    comparison above covers AR-DIR-2 in every parser."""
    titles = [
        i["title"] for reading in _readings()[parser].values() for i in reading.get("items", [])
    ]
    assert len(titles) == sum(len(_twin(f)["items"]) for f in FEEDS) * len(FORMATS[parser])
    assert sum((t or "").startswith(RLM) for t in titles) > 0


def test_arabic_links_reach_every_npm_parser_percent_encoded_ar_url_1(
    tmp_path: Path,
    news_site: Site,
    feed_spec: Callable[[str], FeedSpec],
    news_articles: tuple[Article, ...],
) -> None:
    """The golden content has ASCII slugs only; the fixture day has an Arabic one."""
    rendered = render_feed(news_site, feed_spec("politics"), news_articles)
    for name in ("rss.xml", "atom.xml", "feed.json"):
        (tmp_path / name).write_bytes(rendered[f"politics/{name}"])
    readings = _run({p: [tmp_path / name for name in names] for p, names in FORMATS.items()})
    for parser, by_file in readings.items():
        for path, reading in by_file.items():
            assert "error" not in reading, (parser, path.name, reading.get("error"))
            link = reading["items"][1]["link"]
            assert link is not None
            assert "%D8%AC%D8%AF%D9%88%D9%84" in link, (parser, path.name, link)
            assert (
                unquote(link)
                == "https://www.nashra.example/politics/gcc-summit-agenda-جدول-أعمال-القمة"
            )
