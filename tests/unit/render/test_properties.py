"""Rendering never raises on any Unicode text and always gives well-formed XML and JSON (FG-18)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from nashra.core.article import Article, Author, Image
from nashra.core.plaintext import reads_as_markup
from nashra.core.site import FeedSpec, Site
from nashra.core.text import clean_line, rtl_title
from nashra.render import render_feed, render_site_files
from nashra.render.markup import xml_safe
from nashra.render.model import UNTITLED

# The fixtures are constants, so sharing them across generated examples is safe.
FIXTURES_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
ATOM = "{http://www.w3.org/2005/Atom}"
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
text = st.text()


def articles(base: Article) -> st.SearchStrategy[Article]:
    return _articles(base)


@st.composite
def _articles(draw: st.DrawFn, base: Article) -> Article:
    return base.model_copy(
        update={
            "title": draw(text),
            "summary": draw(text),
            "body_html": draw(text),
            "tags": tuple(draw(st.lists(text, max_size=4))),
            "authors": tuple(
                Author(name=n, email=draw(st.one_of(st.none(), text, st.emails())))
                for n in draw(st.lists(text, max_size=3))
            ),
            "image": Image(
                url=base.image.url if base.image else "", caption=draw(text), alt=draw(text)
            ),
            "breaking": draw(st.booleans()),
        }
    )


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES_OK)
@given(data=st.data(), feed_title=text, feed_description=text)
def test_any_text_renders_to_well_formed_feeds(
    news_site: Site,
    news_articles: tuple[Article, ...],
    data: st.DataObject,
    feed_title: str,
    feed_description: str,
) -> None:
    article = data.draw(articles(news_articles[0]))
    spec = FeedSpec(slug="all", title=feed_title, description=feed_description)
    files = render_feed(news_site, spec, [article]).files
    rss = etree.fromstring(files["all/rss.xml"], STRICT)
    atom = etree.fromstring(files["all/atom.xml"], STRICT)
    doc = json.loads(files["all/feed.json"].decode("utf-8"))
    want = rtl_title(xml_safe(article.title).strip()) or UNTITLED
    assert rss.findtext("channel/item/title") == want
    assert (
        atom.findtext("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title")
        == want
    )
    assert doc["items"][0]["title"] == want
    assert rss.findtext("channel/title") and rss.findtext("channel/description")
    # The summary is plain text everywhere; RSS (and Atom, when it holds "<") escape it
    # once more for HTML readers.
    summary = xml_safe(article.summary).strip() or want
    assert html.unescape(rss.findtext("channel/item/description")) == summary
    atom_summary = atom.find(f"{ATOM}entry/{ATOM}summary")
    if atom_summary.get("type") == "html":  # plain text that reads as markup, escaped once more
        assert "<" in summary or reads_as_markup(summary)
        assert html.unescape(atom_summary.text) == summary
    else:
        assert atom_summary.text == summary
    assert doc["items"][0]["summary"] == summary


@settings(max_examples=75, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    texts=st.tuples(  # within the config's bounds: a site title of 1 to 200 characters
        st.text(max_size=200).filter(lambda t: bool(clean_line(t)[0])),
        st.text(max_size=1000),
        st.text(max_size=1000),
        st.text(max_size=200),
    )
)
def test_any_site_text_renders_site_files(
    make_site: Callable[..., Site],
    news_articles: tuple[Article, ...],
    texts: tuple[str, str, str, str],
) -> None:
    site_title, description, copyright, feed_title = texts
    site = make_site(title=site_title, description=description, copyright=copyright)
    spec = FeedSpec(slug="politics", title=feed_title, description=description)
    files = render_site_files(site, [spec])
    assert etree.fromstring(files["feeds.opml"], STRICT).tag == "opml"
    assert files["index.html"].decode("utf-8").startswith("<!DOCTYPE html>")
    feed = render_feed(site, spec, news_articles).files
    assert etree.fromstring(feed["politics/rss.xml"], STRICT).tag == "rss"
    assert etree.fromstring(feed["politics/atom.xml"], STRICT).tag.endswith("feed")
    assert json.loads(feed["politics/feed.json"])["version"].endswith("/1.1")
