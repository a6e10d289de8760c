"""Text that looks like markup in any field of an article: 0 validator warnings.

The W3C feed validator (github.com/w3c/feedvalidator, commit 43dabeb2) warns
`ContainsHTML`, `ContainsUndeclaredHTML` or `CharacterData` on a plain-text element
holding text that reads as markup (`validators.nonhtml.validate`). It is not part of this
repository, so `nonhtml_warns` below is a port of that test; the table
`SEEN_BY_THE_VALIDATOR` is what the real validator said about each value in each field
(run by hand with ../shared/tools/feedcheck over feeds of one article each), and the port
must agree with it. Then every accepted article, however hostile its text, must leave
every plain-text element of its RSS and Atom feeds with nothing for the port to warn about:
fields that feeds can declare HTML (summary, caption, alt, correction) are escaped and
declared, the others (title, tags, author names) are rejected at intake.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html.entities import name2codepoint
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from nashra.core.intake import parse_article
from nashra.core.keys import feed_file
from nashra.core.site import Section, Site, feed_catalog
from nashra.render import render_feed

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
A = "http://www.w3.org/2005/Atom"
MEDIA = "http://search.yahoo.com/mrss/"
DC = "http://purl.org/dc/elements/1.1/"
# The validator's list of HTML element names (`HTMLValidator.htmltags`), the part that
# matters here: any of these in an end tag is "HTML".
HTML_TAGS = {"a", "b", "i", "p", "em", "strong", "script", "div", "span", "img", "br"}
HOSTILE = {
    "script": "<script>alert(3)</script>شاطئ في محافظة ظفار",
    "bold": "<b>ظفار</b>",
    "lt": "a <b و c",
    "ltnum": "نسبة <5% و x<y",
    "amp": "AT&T و a & b",
    "entname": "&amp; و &copy; و &nbsp",
    "numref": "&#1575; و &#x627;",
    "endtag": "ثم </p> انتهى",
}
# (field, value) -> (RSS warns, Atom warns), as the real validator reported on feeds where
# the value was written as it is (before this fix), one article per feed.
SEEN_BY_THE_VALIDATOR = {
    "script": (True, True),
    "bold": (True, True),
    "lt": (True, False),  # CharacterData: RSS 2.0 only
    "ltnum": (True, False),
    "amp": (False, False),
    "entname": (True, True),
    "numref": (True, True),
    "endtag": (True, True),
}


def nonhtml_warns(text: str, *, rss: bool) -> bool:
    """The port of `validators.nonhtml.validate` (with no hexadecimal character
    reference on the element's line, as in nashra's feeds, which carry none)."""
    if any(t.lower() in HTML_TAGS for t in re.findall(r"</(\w+)>", text)):
        return True
    for word in re.findall(r"&(#?\w+)", text):
        if word in name2codepoint or word == "apos" or not word.isalpha():
            return True
    return rss and re.search(r"&#[x0-9]|<[/a-zA-Z]", text) is not None


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_port_agrees_with_the_real_validator(name: str) -> None:
    rss, atom = SEEN_BY_THE_VALIDATOR[name]
    assert nonhtml_warns(HOSTILE[name], rss=True) is rss
    assert nonhtml_warns(HOSTILE[name], rss=False) is atom


def plain_texts(rss: bytes, atom: bytes) -> Iterator[tuple[str, str, bool]]:
    """(element, text, is RSS) of every element both formats leave as plain text."""
    channel = etree.fromstring(rss).find("channel")
    for item in channel.findall("item"):
        for el in [
            item.find("title"),
            *item.findall("category"),
            *item.findall(f"{{{DC}}}creator"),
        ]:
            yield el.tag, el.text or "", True
        for el in item.iter(f"{{{MEDIA}}}description"):
            if el.get("type") != "html":
                yield "media:description", el.text or "", True
    for entry in etree.fromstring(atom).findall(f"{{{A}}}entry"):
        texts = [entry.find(f"{{{A}}}title"), *entry.iter(f"{{{A}}}name")]
        summary = entry.find(f"{{{A}}}summary")
        if summary is not None and summary.get("type") != "html":
            texts.append(summary)
        for el in texts:
            yield el.tag, el.text or "", False
        for el in entry.iter(f"{{{MEDIA}}}description"):
            if el.get("type") != "html":
                yield "media:description", el.text or "", False


def article(**fields: Any) -> dict[str, Any]:
    return {
        "id": "dhofar-beach",
        "section": "gulf",
        "title": "شاطئ المغسيل يستقبل زواره",
        "published": "2026-11-20T08:00:00+03:00",
        "body": "<p>نص المقال.</p>",
        "image": {"url": "https://www.nashra.example/i.jpg", "length": 1000},
        **fields,
    }


def publish(site: Site, sections: tuple[Section, ...], data: dict[str, Any]) -> Any:
    raw = json.dumps(data, ensure_ascii=False).encode()
    return parse_article(raw, key="articles/x.json", site=site, sections=sections, now=NOW)


def feeds(site: Site, sections: tuple[Section, ...], story: Any) -> tuple[bytes, bytes]:
    spec = next(s for s in feed_catalog(site, sections) if s.slug == "gulf")
    files = render_feed(site, spec, [story]).files
    return files[feed_file("gulf", "rss.xml")], files[feed_file("gulf", "atom.xml")]


def with_field(field: str, value: str) -> dict[str, Any]:
    if field in ("caption", "alt"):
        return article(image={"url": "https://www.nashra.example/i.jpg", field: value})
    if field == "correction":
        return article(correction=value, updated="2026-11-21T08:00:00+03:00")
    if field == "tag":
        return article(tags=[value])
    if field == "author":
        return article(authors=[value])
    return article(**{field: value})


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("field", ["caption", "alt", "summary", "correction"])
def test_declarable_fields_are_escaped_and_declared(
    site: Site, sections: tuple[Section, ...], field: str, name: str
) -> None:
    result = publish(site, sections, with_field(field, HOSTILE[name]))
    assert result.article is not None, result.problems
    rss, atom = feeds(site, sections, result.article)
    assert [t for t in plain_texts(rss, atom) if nonhtml_warns(t[1], rss=t[2])] == []
    # ...and readers still show the text as it was written, never as markup.
    for doc in (rss, atom):
        for el in etree.fromstring(doc).iter(f"{{{MEDIA}}}description"):
            shown = el.text if el.get("type") == "plain" else _html_text(el.text)
            if field in ("caption", "alt"):
                assert shown == HOSTILE[name]


def _html_text(fragment: str) -> str:
    """What a reader shows for an HTML fragment that holds only escaped text."""
    assert "<" not in fragment
    return html.unescape(fragment)


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("field", ["title", "tag", "author"])
def test_undeclarable_fields_reject_what_readers_take_for_markup(
    site: Site, sections: tuple[Section, ...], field: str, name: str
) -> None:
    result = publish(site, sections, with_field(field, HOSTILE[name]))
    warns = any(SEEN_BY_THE_VALIDATOR[name])
    rules = {(p.field.split("[")[0], p.rule) for p in result.problems if p.severity == "error"}
    key = {"tag": "tags", "author": "authors"}.get(field, field)
    assert ((key, "plain-text") in rules) is warns
    if not warns:
        rss, atom = feeds(site, sections, result.article)
        assert [t for t in plain_texts(rss, atom) if nonhtml_warns(t[1], rss=t[2])] == []


TEXT = st.text(alphabet="<>&#;/xbpaT 5ظفار\u0654", max_size=24)


@given(text=TEXT, field=st.sampled_from(["title", "tag", "author", "caption", "summary"]))
def test_whatever_intake_accepts_renders_without_markup_warnings(
    site: Site, sections: tuple[Section, ...], text: str, field: str
) -> None:
    result = publish(site, sections, with_field(field, "شاطئ " + text))
    if result.article is None:
        return  # rejected, with a problem naming the field: nothing reaches a feed
    rss, atom = feeds(site, sections, result.article)
    assert [t for t in plain_texts(rss, atom) if nonhtml_warns(t[1], rss=t[2])] == []
