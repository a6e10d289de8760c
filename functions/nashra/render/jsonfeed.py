"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) from the same entries as RSS/Atom."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from nashra.core.dates import format_rfc3339
from nashra.render.formats import JSON
from nashra.render.model import Channel, Entry, Person

VERSION = "https://jsonfeed.org/version/1.1"


def _people(people: Sequence[Person]) -> list[dict[str, str]]:
    return [{"name": p.name, **({"url": p.uri} if p.uri else {})} for p in people]


def _item(entry: Entry, language: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,  # the same tag: URI as the RSS guid and the Atom id
        "url": entry.url,
        "title": entry.title,
        # AR-DIR-1 wrapper, like content:encoded; a shortened item (the byte cap) has only
        # its summary, and JSON Feed requires one of content_html and content_text.
        **(
            {"content_html": entry.content_html}
            if entry.content_html
            else {"content_text": entry.summary}
        ),
        "summary": entry.summary,
        "date_published": format_rfc3339(entry.published),  # AR-DATE-3
        "date_modified": format_rfc3339(entry.modified),
        "language": language,  # AR-LANG-1: per item as well
    }
    if entry.image is not None:
        item["image"] = entry.image.url
    if entry.authors:
        item["authors"] = _people(entry.authors)
    if entry.tags:
        item["tags"] = list(entry.tags)
    return item


def _top(channel: Channel) -> dict[str, Any]:
    top: dict[str, Any] = {
        "version": VERSION,
        "title": channel.title,
        "home_page_url": channel.home_url,
        "feed_url": channel.self_url(JSON),
        "description": channel.description,
        "language": channel.language,
        "authors": [{"name": channel.site_title, "url": channel.site_url}],
    }
    if channel.logo or channel.icon:
        top["icon"] = channel.logo or channel.icon
    if channel.icon:
        top["favicon"] = channel.icon
    if channel.hub:
        top["hubs"] = [{"type": "WebSub", "url": channel.hub}]
    return top


def jsonfeed_bytes(channel: Channel, entries: Sequence[Entry]) -> bytes:
    """Compact UTF-8 JSON, keys in construction order: same input, same bytes."""
    doc = _top(channel)
    doc["items"] = [_item(e, channel.language) for e in entries]
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # Lone surrogates can't be UTF-8; model.xml_safe already removed them, this is the guard.
    return text.encode("utf-8", errors="replace") + b"\n"
