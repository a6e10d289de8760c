"""Every reader reads the same story: a randomized differential over feedparser, newsboat
and the three npm parsers, on the awkward text an Arabic newsroom's files hold.

The golden contract tests read content/'s feeds, whose text is tame. Here a seeded
generator writes article files from the pieces that make readers disagree: characters of
markup that intake accepts as text (`&`, `<`, `>`, `]]>`, quotes), bidi marks (AR-DIR-2's
Latin-first titles), combining marks, tatweel and Arabic ligatures, emoji sequences,
Arabic-Indic digits, line and paragraph separators, invisible joiners, e-mail addresses
and links inside names, Arabic and reserved characters in URLs (AR-URL-1), and dates in the
forms Arabic editors write. It keeps what intake accepts (`parse_article`), renders every
feed of the site in RSS, Atom and JSON Feed, and each reader reads every file it supports.
Each item must be what the feed's JSON Feed twin says, which must be what the article
says: the id, the title exactly (RLM and all), the link (ASCII, decoding to the twin's
`url`), the publication date, the authors' names and the tags, in order.

Where a reader's own documented rule makes it read a value otherwise, the expected value
follows that rule, narrowly and for that reader only (each named where it is applied):
@extractus/feed-extractor drops a link's `#fragment`, dates an Atom entry by `<updated>`
and reads no Atom feed without an entry; @rowanmanning/feed-parser reads an RSS author as
a contact string (`parse_contact_string`) and gives an Atom entry without an author the
feed's; rss-parser keeps an item's first author only and no Atom categories.

Seeds: `SEEDS` in `make test` (about 10 s: one node process per parser, one newsboat per
file); NASHRA_READER_SEEDS=N adds N more from NASHRA_READER_SEED (1000) for a long hunt.
"""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import feedparser  # type: ignore[import-untyped]
import pytest

from contract.test_newsboat import _newsboat, _reload
from contract.test_npm_parsers import FORMATS, NPM, _node
from nashra.core.article import Article
from nashra.core.intake import parse_article
from nashra.core.site import Section, Site, feed_catalog, parse_sections, parse_site
from nashra.core.text import rtl_title
from nashra.render import render_feed

CONTENT = Path(__file__).resolve().parents[2] / "content"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # after every date the generator writes
SEEDS = [1, 2, 3]
HUNT = int(os.environ.get("NASHRA_READER_SEEDS", "0"))
HUNT_FROM = int(os.environ.get("NASHRA_READER_SEED", "1000"))
ALL_SEEDS = [*SEEDS, *range(HUNT_FROM, HUNT_FROM + HUNT)]
ARTICLES_PER_SEED = 40

WORDS = ("خبر", "اليوم", "الأسواق", "نشرة", "مباراة", "الكويت", "قمة", "Oil", "news", "iPhone")
# Each piece once made a reader or a writer somewhere misread text; intake accepts them all.
PIECES = (
    *("&", "<", ">", "]]>", '"', "'", "A&B", "a<b>c", "&amp", "& amp;", "<!-", "\\"),
    *("عاجل", "«عاجل»", "٢٠٢٦", "١٢:٣٠", "2026", "5G", "ـــ", "\u064e\u0651", "ﷺ", "ﻻ", "\ufdfd"),
    *("\u200f", "\u200e", "\u061c", "\u200d", "\u200c", "\u00ad", "\u06dd", "\u0605", "e\u0301"),
    *("\u2028", "\u2029", "\u3000", "\u00a0", "\u202f", "\u2009", "  ", "\t"),
    *("👍🏽", "👨\u200d👩\u200d👧", "🇸🇦", "中文", "Ω", "…", "—", "؟", "،", "(", ")", "[", "]"),
    *(
        "{",
        "}",
        "#وسم",
        "@nashra",
        "a@b.example",
        "mailto:x@y.example",
        "https://x.example/a?b=1&c=2",
    ),
    *("http://a.example", "%20", "%D8%A7", "$1", "*bold*", "_x_", "|", "=", "+", "~", "`"),
)
URL_TAILS = (
    "خبر-اليوم", "a b", "x?y=1&z=ع", "q#فقرة", "%D8%A7", "a%20b", "(x)", "it's", "a+b",
    "~user", "ع/ب/ج", "x?q=«»", "2026/11/29/خبر",
)  # fmt: skip
ARABIC_DATES = (
    "١٥ نوفمبر ٢٠٢٦ ١٠:٣٠ ص",
    "12 تشرين الثاني 2026 09:00 ص",
    "الخميس 20 نوفمبر 2026",
    "2026-03-01 10:00",
    "2026-11-20T10:30:00Z",
)


def _text(rng: random.Random, low: int = 1, high: int = 8) -> str:
    if rng.random() < 0.1:
        return rng.choice(PIECES) + rng.choice(PIECES)
    pool = (PIECES, WORDS)
    return " ".join(rng.choice(pool[rng.random() < 0.5]) for _ in range(rng.randint(low, high)))


def _author(rng: random.Random) -> Any:
    name = _text(rng, 1, 3)
    kind = rng.randrange(3)
    if kind == 0:
        return name
    if kind == 1:
        return {"name": name, "url": "https://www.nashra.example/authors/" + rng.choice(URL_TAILS)}
    return {"name": name, "email": "desk@nashra.example"}


def _document(rng: random.Random, n: int, sections: tuple[Section, ...]) -> dict[str, Any]:
    section = rng.choice(sections).slug
    month, day, hour, minute = rng.randint(1, 11), rng.randint(1, 28), rng.randrange(24), 0
    doc: dict[str, Any] = {
        "id": f"story-{n}",
        "section": section,
        "title": _text(rng),
        "published": f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+03:00",
        "body": "<p>" + _text(rng, 3, 20).replace("&", "&amp;").replace("<", "&lt;") + "</p>",
    }
    if rng.random() < 0.3:
        doc["published"] = rng.choice(ARABIC_DATES)
    if rng.random() < 0.3:
        doc["updated"] = "2026-11-28T10:00:00+03:00"
    if rng.random() < 0.5:
        doc["summary"] = _text(rng, 2, 12)
    if rng.random() < 0.5:
        doc["tags"] = [_text(rng, 1, 3) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.6:
        doc["authors"] = [_author(rng) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.4:
        doc["breaking"] = True
    if rng.random() < 0.5:
        doc["url"] = f"https://www.nashra.example/{section}/{rng.choice(URL_TAILS)}"
    return doc


@dataclass
class Built:
    """One seed's site: its articles and the folder holding every feed's files."""

    seed: int
    folder: Path
    articles: list[Article]
    rejected: int
    twins: dict[str, Any] = field(default_factory=dict)  # feed slug → its JSON Feed


@cache
def _config() -> tuple[Site, tuple[Section, ...]]:
    site = parse_site((CONTENT / "site.json").read_bytes())
    return site, parse_sections((CONTENT / "sections.json").read_bytes())


def _build(seed: int, root: Path) -> Built:
    site, sections = _config()
    rng = random.Random(seed)
    articles, rejected = [], 0
    for n in range(ARTICLES_PER_SEED):
        raw = json.dumps(_document(rng, n, sections), ensure_ascii=False).encode()
        result = parse_article(
            raw, key=f"articles/story-{n}.json", site=site, sections=sections, now=NOW
        )
        if result.article is None:
            rejected += 1
        else:
            articles.append(result.article)
    built = Built(seed, root / f"seed-{seed}", articles, rejected)
    for spec in feed_catalog(site, sections):
        folder = built.folder / spec.slug
        folder.mkdir(parents=True)
        for path, data in render_feed(site, spec, articles).files.items():
            (built.folder / path).write_bytes(data)
        built.twins[spec.slug] = json.loads((folder / "feed.json").read_text("utf-8"))
    return built


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> list[Built]:
    root = tmp_path_factory.mktemp("readers")
    return [_build(seed, root) for seed in ALL_SEEDS]


def _files(sites: list[Built], names: tuple[str, ...]) -> Iterator[tuple[Built, str, str, Path]]:
    for built in sites:
        for slug in built.twins:
            for name in names:
                yield built, slug, name, built.folder / slug / name


# -- what each reader's own rules make of a value -----------------------------------------


def parse_contact_string(text: str) -> str | None:
    """The name @rowanmanning/feed-parser 2.1.5 reads from an RSS author string
    (lib/utils/parse-contact-string.js): a word holding `@` is an e-mail, a word starting
    http:// or https:// a URL (either after one pair of (), [] or <> around it is taken
    off); with either, the name is the other words, else the whole string; a name wrapped
    in one such pair loses it."""
    pairs = {"(": ")", "[": "]", "<": ">"}
    if not text.strip():
        return None
    words = []
    for original in text.split(" "):
        word = original
        if word[:1] in pairs and word[-1:] == pairs[word[:1]]:
            word = word[1:-1]
        is_url = word.lower().startswith(("http://", "https://"))
        words.append((word, is_url, not is_url and "@" in word))
    name: str | None = text
    if any(is_url or is_email for _, is_url, is_email in words):
        name = " ".join(w for w, is_url, is_email in words if not is_url and not is_email)
        name = name.strip() or None
    if name and name[:1] in pairs and name[-1:] == pairs[name[:1]]:
        name = name[1:-1]
    return name


# feedparser 6 (mixin._sync_author_detail) looks for an e-mail address in an RSS author.
FEEDPARSER_EMAIL = re.compile(
    r"(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))"
    r"([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"
)


def feedparser_author(text: str) -> str | None:
    """The name feedparser 6 reads from an RSS author (`_sync_author_detail`): the first
    e-mail address it finds (its own pattern: a top-level domain of 2 to 4 letters, so
    `a@b.example` is `a@b.exam`) is taken out with `()`, `<>` and one parenthesis at
    either end."""
    match = FEEDPARSER_EMAIL.search(text)
    if match is None:
        return text
    name = text.replace(match.group(0), "").replace("()", "").replace("<>", "")
    name = name.replace("&lt;&gt;", "").strip()
    name = name[1:] if name.startswith("(") else name
    name = name[:-1] if name.endswith(")") else name
    return name.strip() or None


def _without_fragment(url: str) -> str:
    """feed-extractor's `purify` (src/utils/linker.js) takes the `#fragment` off a link."""
    return url.split("#", 1)[0]


def _want(reader: str, name: str, twin: dict[str, Any], site: Site) -> list[dict[str, Any]]:
    """What `reader` should read of each item of `twin` in the file `name`."""
    items = []
    for item in twin["items"]:
        authors = [a["name"] for a in item.get("authors", [])]
        want: dict[str, Any] = {
            "id": item["id"],
            "title": item["title"],
            "link": unquote(item["url"]),
            "published": datetime.fromisoformat(item["date_published"]),
            "authors": authors,
            "tags": item.get("tags", []),
        }
        if reader == "feed-extractor":
            want["link"] = _without_fragment(want["link"])
            if name == "atom.xml":  # `updated || modified || published` (parseAtomFeed.js)
                want["published"] = datetime.fromisoformat(item["date_modified"])
        if reader == "feed-parser" and name == "rss.xml":
            want["authors"] = [parse_contact_string(a) for a in authors]
        if reader == "feed-parser" and name == "atom.xml" and not authors:
            want["authors"] = [site.title]  # RFC 4287 §4.2.1: the feed's author is the entry's
        if reader == "rss-parser":
            want["authors"] = authors[:1]  # `creator` (RSS) or `author` (Atom): the first
        if reader == "feedparser" and name == "rss.xml":
            want["authors"] = [feedparser_author(a) for a in authors]
        if reader == "newsboat" and name == "rss.xml":
            want["authors"] = authors[-1:]  # newsboat keeps an RSS item's last dc:creator
        items.append(want)
    return items


def _compare(reader: str, name: str, built: Built, slug: str, got: list[dict[str, Any]]) -> None:
    where = f"{reader} reading seed {built.seed} {slug}/{name}"
    want = _want(reader, name, built.twins[slug], _config()[0])
    assert [g["id"] for g in got] == [w["id"] for w in want], where
    for item, expected in zip(got, want, strict=True):
        at = f"{where}, {item['id']}"
        assert item["title"] == expected["title"], at
        assert item["link"] is not None and item["link"].isascii(), (at, item["link"])  # AR-URL-1
        assert unquote(item["link"]) == expected["link"], at
        assert item["published"] == expected["published"], at
        for part in ("authors", "tags"):
            if item.get(part) is not None:  # None: the reader does not read it from this file
                assert item[part] == expected[part], (at, part)


# -- the readers ---------------------------------------------------------------------------


def test_every_site_has_hard_articles_and_its_twins_say_what_the_articles_say(
    sites: list[Built],
) -> None:
    """The generator is not so hostile that nothing is left to read, nor so tame that the
    pieces never reach a feed; and the JSON Feed each reader is held to is the article."""
    site = _config()[0]
    for built in sites:
        assert len(built.articles) >= ARTICLES_PER_SEED // 4, (built.seed, built.rejected)
        assert built.rejected > 0, built.seed  # intake refuses some: markup in plain text
        by_id = {item["id"]: item for item in built.twins["all"]["items"]}
        assert len(by_id) == len(built.articles), built.seed
        for article in built.articles:
            twin = by_id[f"tag:{site.tag_authority},{site.tag_date}:{article.id}"]
            assert twin["title"] == rtl_title(article.title.strip())  # AR-DIR-2
            assert unquote(twin["url"]) == unquote(str(article.url)), article.id
            assert [a["name"] for a in twin.get("authors", [])] == [a.name for a in article.authors]
    urls = [str(a.url) for built in sites for a in built.articles]
    assert any("#" in url for url in urls)  # feed-extractor's rule is exercised
    assert any(not built.twins[slug]["items"] for built in sites for slug in built.twins)
    titles = [item["title"] for built in sites for item in built.twins["all"]["items"]]
    for piece in ("&", "<", "]]>", "\u200f", "ـــ", "👨\u200d👩\u200d👧", "@nashra"):
        assert any(piece in title for title in titles), piece
    names = [a.name for built in sites for article in built.articles for a in article.authors]
    assert any(feedparser_author(name) != name for name in names)  # its rule is exercised
    assert any(parse_contact_string(name) != name for name in names)


def test_feedparser_reads_every_item_as_its_twin(sites: list[Built]) -> None:
    for built, slug, name, path in _files(sites, ("rss.xml", "atom.xml")):
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        got = [
            {
                "id": entry.get("id"),
                "title": entry.get("title"),
                "link": entry.get("link"),
                "published": datetime(*entry.published_parsed[:6], tzinfo=UTC),
                "authors": [a.get("name") for a in entry.get("authors", [])],
                "tags": [t["term"] for t in entry.get("tags", [])],
            }
            for entry in parsed.entries
        ]
        _compare("feedparser", name, built, slug, got)


@pytest.mark.parametrize("reader", FORMATS)
def test_npm_parser_reads_every_item_as_its_twin(reader: str, sites: list[Built]) -> None:
    files = list(_files(sites, FORMATS[reader]))
    node = _node()
    run = subprocess.run(
        [node, str(NPM / "read.mjs"), reader, *(str(path) for *_, path in files)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.rstrip("\n").split("\n")  # U+2028 in a title is not a line break
    assert len(lines) == len(files), run.stderr
    for (built, slug, name, path), line in zip(files, lines, strict=True):
        reading = json.loads(line)
        assert reading["file"] == str(path)
        if reader == "feed-extractor" and name == "atom.xml" and not built.twins[slug]["items"]:
            # isAtom (src/utils/xmlparser.js) wants a <feed> with an <entry>: an empty Atom
            # feed, valid (RFC 4287), is "Unrecognized feed format" to it.
            assert "Unrecognized feed format" in reading.get("error", ""), reading
            continue
        assert "error" not in reading, (path, reading["error"])
        got = [
            {**item, "published": datetime.fromisoformat(item["published"])}
            for item in reading["items"]
        ]
        _compare(reader, name, built, slug, got)


def test_newsboat_reads_every_item_as_its_twin(sites: list[Built], tmp_path: Path) -> None:
    binary = _newsboat()
    files = list(_files(sites, ("rss.xml", "atom.xml")))
    caches = _reload(binary, [path for *_, path in files], tmp_path)
    for built, slug, name, path in files:
        with sqlite3.connect(caches[path]) as db:
            rows = db.execute(
                "SELECT guid, title, url, pubDate, author FROM rss_item ORDER BY rowid"
            ).fetchall()
        by_guid = {row[0]: row for row in rows}
        want = _want("newsboat", name, built.twins[slug], _config()[0])
        assert sorted(by_guid) == sorted(w["id"] for w in want), (path, len(rows))
        for expected in want:
            guid, title, url, published, author = by_guid[expected["id"]]
            at = (path, guid)
            assert title == expected["title"], at
            assert url.isascii() and unquote(url) == expected["link"], at
            assert datetime.fromtimestamp(published, UTC) == expected["published"], at
            assert author == ", ".join(expected["authors"]), at  # Atom: the names joined


def test_parse_contact_string_follows_feed_parser() -> None:
    """The model of feed-parser's rule above, held to what feed-parser itself reads."""
    cases = ["علي", "@nashra", "علي a@b.example", "(نشرة)", "<]]>", "x https://a.example ( y", ""]
    probe = NPM / "node_modules" / "@rowanmanning" / "feed-parser" / "lib" / "utils"
    script = (
        "const {parseContactString} = require(process.argv[1]);"
        "for (const s of JSON.parse(process.argv[2])) "
        "console.log(JSON.stringify(parseContactString(s)?.name ?? null));"
    )
    run = subprocess.run(
        [_node(), "-e", script, str(probe / "parse-contact-string.js"), json.dumps(cases)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert [json.loads(line) for line in run.stdout.splitlines()] == [
        parse_contact_string(case) for case in cases
    ]
    assert [parse_contact_string(c) for c in cases[:4]] == ["علي", None, "علي", "نشرة"]
