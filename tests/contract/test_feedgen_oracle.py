"""nashra's RSS and Atom writer against feedgen 1.0.0, the renderer it replaced (D14).

`tests/feedgen_oracle.py` is that renderer, kept whole. Every document nashra writes must
be the bytes feedgen wrote for the same channel and entries, so a feed published before
D14 is never rewritten, and every FG-* workaround feedgen needed still holds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedgen_oracle
from archive_site import write_site
from nashra.builder import build
from nashra.core.article import Article, Author, Image
from nashra.core.site import FeedSpec, Site
from nashra.render.atom import atom_bytes
from nashra.render.model import History, Picture, to_channel, to_entry
from nashra.render.opml import render_opml
from nashra.render.rss import rss_bytes

CONTENT = Path(__file__).resolve().parents[2] / "content"
FIXTURES_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
TEXT = st.text()
# Text near what XML escapes: markup, references, CR, tabs, quotes, Arabic, marks, RTL.
TRICKY = st.lists(
    st.sampled_from([*"<>&\"'\r\n\t ;#", "&amp;", "<b>", "]]>", "عاجل", "\u064e", "\u200f", "x"]),
    max_size=8,
).map("".join)
STRINGS = st.one_of(TEXT, TRICKY)
PAGES = st.one_of(st.none(), st.integers(min_value=1, max_value=400))
# Hypothesis takes naive bounds and attaches the zone itself.
MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@st.composite
def articles(draw: st.DrawFn, base: Article) -> Article:
    image = draw(
        st.one_of(
            st.none(),
            st.builds(
                Image,
                url=st.sampled_from(
                    ["https://cdn.nashra.example/a b.jpg", "https://x.example/ص.png"]
                ),
                caption=st.one_of(st.none(), STRINGS),
                alt=st.one_of(st.none(), STRINGS),
                width=st.one_of(st.none(), st.integers(min_value=1, max_value=4000)),
                height=st.one_of(st.none(), st.integers(min_value=1, max_value=4000)),
                length=st.integers(min_value=0, max_value=10**7),
                type=st.sampled_from(["image/jpeg", "image/png", ""]),
            ),
        )
    )
    published = draw(MOMENTS)
    return base.model_copy(
        update={
            "id": draw(st.sampled_from([base.id, "a&b", "وزير-1"])),
            "title": draw(STRINGS),
            "summary": draw(STRINGS),
            "body_html": draw(STRINGS),
            "correction": draw(st.one_of(st.none(), STRINGS)),
            "tags": tuple(draw(st.lists(STRINGS, max_size=4))),
            "authors": tuple(
                Author(
                    name=name,
                    email=draw(st.one_of(st.none(), STRINGS, st.emails())),
                    url=draw(st.one_of(st.none(), st.just("https://x.example/كاتب"))),
                )
                for name in draw(st.lists(STRINGS, max_size=3))
            ),
            "image": image,
            "breaking": draw(st.booleans()),
            "published": published,
            "updated": draw(st.one_of(st.none(), MOMENTS.map(lambda m: max(m, published)))),
        }
    )


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURES_OK)
@given(data=st.data())
def test_any_channel_and_entries_write_the_bytes_feedgen_wrote(
    news_site: Site, news_articles: tuple[Article, ...], data: st.DataObject
) -> None:
    """Arbitrary text in every field, each optional field present or not, live feeds and
    archive pages, items whole and shortened to their summary (the byte cap's form)."""
    site = news_site.model_copy(
        update={
            "hub": data.draw(st.one_of(st.none(), st.just("https://hub.example/?a=1&b=2"))),
            "copyright": data.draw(st.one_of(st.none(), STRINGS)),
            "icon": data.draw(st.one_of(st.none(), st.just("https://x.example/i.png"))),
            "logo": data.draw(st.one_of(st.none(), st.just("https://x.example/ل.png"))),
        }
    )
    spec = FeedSpec(slug="all", title=data.draw(STRINGS), description=data.draw(STRINGS))
    history = History(page=data.draw(PAGES), prev=data.draw(PAGES), next=data.draw(PAGES))
    picks = data.draw(st.lists(articles(news_articles[0]), max_size=4))
    entries = [to_entry(site, article) for article in picks]
    entries = [replace(e, content_html="") if data.draw(st.booleans()) else e for e in entries]
    channel = to_channel(site, spec, entries, history)
    assert rss_bytes(channel, entries) == feedgen_oracle.rss_bytes(channel, entries)
    assert atom_bytes(channel, entries) == feedgen_oracle.atom_bytes(channel, entries)


def test_a_picture_with_every_field_and_none(
    news_site: Site, news_articles: tuple[Article, ...]
) -> None:
    """Media RSS attributes in feedgen's order, with and without a description."""
    entry = to_entry(news_site, news_articles[0])
    channel = to_channel(news_site, FeedSpec(slug="all", title="t", description="d"), [entry])
    for picture in (
        Picture("https://x.example/a.jpg", "image/jpeg", 640, 480, 1234, "بديل", "تعليق <b>"),
        Picture("https://x.example/a.jpg", "", None, None, 0, "", ""),
    ):
        shown = replace(entry, image=picture)
        assert rss_bytes(channel, [shown]) == feedgen_oracle.rss_bytes(channel, [shown])
        assert atom_bytes(channel, [shown]) == feedgen_oracle.atom_bytes(channel, [shown])


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("stories", [0, 300])
def test_a_whole_build_is_the_build_feedgen_made(tmp_path: Path, stories: int) -> None:
    """content/ alone, and with 300 newer stories so its articles sit in sealed archive
    pages: every file of the build, live feeds and archive pages, byte for byte."""
    content = write_site(tmp_path / "site", stories) if stories else CONTENT
    build(content, tmp_path / "nashra", cache=None, jobs=1)
    with feedgen_oracle.installed():
        build(content, tmp_path / "feedgen", cache=None, jobs=1)
    ours, theirs = _files(tmp_path / "nashra"), _files(tmp_path / "feedgen")
    assert sorted(ours) == sorted(theirs)
    assert any("/archive/" in path for path in ours) == bool(stories)
    assert [path for path in ours if ours[path] != theirs[path]] == []


def test_the_oracle_is_what_renders_inside_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change to the reference shows in a build made inside `installed()`: the
    comparison above compares two renderers, not one with itself."""
    monkeypatch.setattr(feedgen_oracle, "GENERATOR", "feedgen")
    with feedgen_oracle.installed():
        build(CONTENT, tmp_path / "feedgen", cache=None, jobs=1)
    assert b"<generator>feedgen</generator>" in (tmp_path / "feedgen/all/rss.xml").read_bytes()
    build(CONTENT, tmp_path / "nashra", cache=None, jobs=1)
    assert b"<generator>nashra</generator>" in (tmp_path / "nashra/all/rss.xml").read_bytes()


@settings(max_examples=100, deadline=None, suppress_health_check=FIXTURES_OK)
@given(titles=st.lists(STRINGS, min_size=1, max_size=4), site_title=STRINGS)
def test_the_opml_is_the_opml_lxml_wrote(
    news_site: Site, titles: list[str], site_title: str
) -> None:
    site = news_site.model_copy(update={"title": site_title})
    specs = [
        FeedSpec(slug=f"s{n}", title=title, description=title[::-1])
        for n, title in enumerate(titles)
    ]
    assert render_opml(site, specs) == feedgen_oracle.render_opml(site, specs)
