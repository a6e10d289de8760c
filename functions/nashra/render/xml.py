"""What RSS and Atom share: XML written as strings, escaped the way libxml2 escapes.

nashra writes its XML feeds directly, one string per element, rather than through an
element tree: a full build writes some 20,000 items into archive pages, and a tree per
document cost three times the CPU of writing its text (D14, `bench/render.py`). The bytes
are those feedgen 1.0.0 over lxml wrote for the same channel and entries, and the tests
hold them to it (`tests/feedgen_oracle.py`): the same declaration, attribute order,
namespace declarations and character references, so a feed already published is never
rewritten.

Every string reaching here passed `markup.xml_safe`; nothing here checks it again.
"""

from __future__ import annotations

from collections.abc import Iterable

from nashra.render.formats import FeedFormat
from nashra.render.model import Channel

DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 (FG-17)
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
GENERATOR = "nashra"  # FG-7: not python-feedgen with a version and uri


def text(value: str) -> str:
    """Character data as libxml2 writes it: `&`, `<`, `>` and CR as references.

    >>> text("5 < 7 & 8 > 2")
    '5 &lt; 7 &amp; 8 &gt; 2'
    """
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


_ATTR = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)


def attr(value: str) -> str:
    """An attribute value as libxml2 writes it between double quotes.

    >>> attr('a "b" & <c>')
    'a &quot;b&quot; &amp; &lt;c&gt;'
    """
    return value.translate(_ATTR)


def element(tag: str, value: str) -> str:
    """`<tag>value</tag>`, the value escaped."""
    return f"<{tag}>{text(value)}</{tag}>"


def empty(tag: str, attributes: Iterable[tuple[str, str]]) -> str:
    """`<tag a="…"/>`, attributes in the order given."""
    return f"<{tag}{attributes_of(attributes)}/>"


def attributes_of(attributes: Iterable[tuple[str, str]]) -> str:
    return "".join(f' {name}="{attr(value)}"' for name, value in attributes)


def link(tag: str, href: str, rel: str | None = None, kind: str | None = None) -> str:
    """A link element: href, then rel and type when given."""
    pairs = [("href", href)]
    if rel:
        pairs.append(("rel", rel))
    if kind:
        pairs.append(("type", kind))
    return empty(tag, pairs)


def stylesheet(channel: Channel) -> str:
    """The declaration and the feed.css instruction that precede the root (FG-15)."""
    if not channel.stylesheet:
        return DECLARATION
    return f'{DECLARATION}<?xml-stylesheet type="text/css" href="{channel.stylesheet}"?>'


def namespaces(archive: bool, *more: tuple[str, str]) -> str:
    """The root's namespace declarations: media always, fh in an archive page only (so the
    live feeds' bytes stay as they were), then `more`."""
    pairs = [("media", MEDIA_NS), *([("fh", FH_NS)] if archive else []), *more]
    return "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in pairs)


def history_links(channel: Channel, fmt: FeedFormat) -> list[tuple[str, str, str]]:
    """RFC 5005 §4 links as (href, rel, type): the live feed names the newest archive page
    (`prev-archive`); an archive page names the live feed (`current`) and the pages before
    and after it."""
    history = channel.history
    found: list[tuple[str, str, str]] = []
    if history.page is not None:
        found.append((channel.url_of(None, fmt), "current", fmt.media_type))
    for rel, page in (("prev-archive", history.prev), ("next-archive", history.next)):
        if page is not None:
            found.append((channel.url_of(page, fmt), rel, fmt.media_type))
    return found
