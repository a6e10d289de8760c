"""The HTML pages: `index.html` lists every feed (AR-DIR-3), each feed's page shows it.

Both are static, right-to-left, with autodiscovery links, no external asset and no
required script; every value is escaped where it is written. The feed page itself is
`nashra.render.feed_page`; what they share is here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from html import escape

from nashra.core.keys import INDEX_FILE, OPML_FILE, feed_file
from nashra.core.site import FeedSpec, Site
from nashra.render.formats import ATOM, FORMATS, JSON, RSS, FeedFormat
from nashra.render.markup import safe_uri, xml_safe
from nashra.render.opml import list_title

LABELS = {RSS.name: "RSS", ATOM.name: "Atom", JSON.name: "JSON Feed"}
CSS = """
body{margin:0;font:1.05rem/1.7 system-ui,"Noto Naskh Arabic","Segoe UI",Tahoma,sans-serif;
color:#1c1c1c;background:#fafaf7}
main{max-width:46rem;margin:0 auto;padding:2rem 1.25rem}
h1{font-size:1.8rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:0}
ul,ol{list-style:none;padding:0}li{border-top:1px solid #ddd;padding:1rem 0}
p{margin:.25rem 0}.lead{color:#555}a{color:#06c}.formats a{display:inline-block;
margin-inline-end:.75rem;padding:.1rem .6rem;border:1px solid #b8b8b0;border-radius:.3rem;
text-decoration:none}.formats a:hover{background:#eef4fb}
code{direction:ltr;unicode-bidi:isolate;overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){body{color:#eee;background:#161616}.lead{color:#aaa}
li{border-color:#333}a{color:#7ab7ff}.formats a{border-color:#555}}
""".strip()


def text(value: str) -> str:
    """Config or article text for HTML: XML-safe, trimmed, `<`, `>`, `&` and quotes escaped."""
    return escape(xml_safe(value).strip())


def head_link(fmt: FeedFormat, title: str, href: str) -> str:
    """One autodiscovery link; `title` and `href` are already escaped."""
    return (
        f'<link rel="alternate" type="{fmt.media_type}" '
        f'title="{title} ({LABELS[fmt.name]})" href="{href}">'
    )


def html_document(
    language: str, title: str, head: Iterable[str], body: Iterable[str], style: str = CSS
) -> bytes:
    """A whole page: `title` escaped, `head` and `body` lines written as they are.

    NFC throughout (AR-TXT-1), so a title typed decomposed is the same bytes as one typed
    composed; no date, counter or random value of its own, so the same input gives the same
    bytes (FG-6).
    """
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(language)}" dir="rtl">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        *head,
        f"<style>{style}</style></head>",
        *body,
        "</html>",
    ]
    return unicodedata.normalize("NFC", "\n".join(lines) + "\n").encode("utf-8")


def _url(spec: FeedSpec, name: str) -> str:
    # Relative: the page is served at the root of feeds_url, so these resolve to the public
    # URLs there, and to the local CDN's under `nashra dev` (an absolute link would leave it).
    return escape(safe_uri(feed_file(spec.slug, name)))


def _feed_item(spec: FeedSpec) -> str:
    links = " ".join(
        f'<a href="{_url(spec, fmt.filename)}" type="{fmt.media_type}">{LABELS[fmt.name]}</a>'
        for fmt in FORMATS
    )
    return (
        f'<li><h2><a href="{_url(spec, INDEX_FILE)}">{text(spec.title)}</a></h2>'
        f"<p>{text(spec.description)}</p>"
        f'<p class="formats">{links}</p></li>'
    )


def render_index(site: Site, specs: Sequence[FeedSpec]) -> bytes:
    """The landing page: every feed, its page and its three formats, and the OPML file."""
    title = text(list_title(site))
    opml = escape(OPML_FILE)
    # Autodiscovery: readers take the first alternate, so `all` (catalog order) leads.
    head = [
        head_link(fmt, text(spec.title), _url(spec, fmt.filename))
        for spec in specs
        for fmt in FORMATS
    ]
    head.append(f'<link rel="outline" type="text/x-opml" title="OPML" href="{opml}">')
    body = [
        f"<body><main><h1>{title}</h1>",
        f'<p class="lead">{text(site.description)}</p>',
        "<p>افتح صفحة الخلاصة لتقرأ آخر أخبارها، أو انسخ رابطها إلى قارئ الخلاصات"
        " ليصلك كل جديد أولًا بأول.</p>",
        f"<ul>{''.join(_feed_item(s) for s in specs)}</ul>",
        f'<p>كل الخلاصات في ملف واحد: <a href="{opml}" type="text/x-opml">OPML</a></p>',
        "</main></body>",
    ]
    return html_document(site.language, title, head, body)
