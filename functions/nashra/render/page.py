"""`index.html`: the human page listing every feed, with autodiscovery links (AR-DIR-3)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from nashra.core.keys import OPML_FILE, feed_file
from nashra.core.site import FeedSpec, Site
from nashra.render.formats import ATOM, FORMATS, JSON, RSS, FeedFormat
from nashra.render.markup import safe_uri, xml_safe
from nashra.render.opml import list_title

_LABELS = {RSS.name: "RSS", ATOM.name: "Atom", JSON.name: "JSON Feed"}
_CSS = """
body{margin:0;font:1.05rem/1.7 system-ui,"Noto Naskh Arabic","Segoe UI",Tahoma,sans-serif;
color:#1c1c1c;background:#fafaf7}
main{max-width:46rem;margin:0 auto;padding:2rem 1.25rem}
h1{font-size:1.8rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:0}
ul{list-style:none;padding:0}li{border-top:1px solid #ddd;padding:1rem 0}
p{margin:.25rem 0}.lead{color:#555}.formats a{display:inline-block;margin-inline-end:.75rem;
padding:.1rem .6rem;border:1px solid #b8b8b0;border-radius:.3rem;text-decoration:none;color:#06c}
.formats a:hover{background:#eef4fb}code{direction:ltr;unicode-bidi:isolate}
@media (prefers-color-scheme:dark){body{color:#eee;background:#161616}.lead{color:#aaa}
li{border-color:#333}.formats a{color:#7ab7ff;border-color:#555}}
""".strip()


def _text(value: str) -> str:
    return escape(xml_safe(value).strip())


def _url(spec: FeedSpec, fmt: FeedFormat) -> str:
    # Relative: the page is served at the root of feeds_url, so these resolve to the public
    # URLs there, and to the local CDN's under `nashra dev` (an absolute link would leave it).
    return escape(safe_uri(feed_file(spec.slug, fmt.filename)))


def _head_links(site: Site, specs: Sequence[FeedSpec]) -> list[str]:
    # Autodiscovery: readers take the first alternate, so `all` (catalog order) leads.
    return [
        f'<link rel="alternate" type="{fmt.media_type}" '
        f'title="{_text(spec.title)} ({_LABELS[fmt.name]})" href="{_url(spec, fmt)}">'
        for spec in specs
        for fmt in FORMATS
    ]


def _feed_item(site: Site, spec: FeedSpec) -> str:
    links = " ".join(
        f'<a href="{_url(spec, fmt)}" type="{fmt.media_type}">{_LABELS[fmt.name]}</a>'
        for fmt in FORMATS
    )
    return (
        f"<li><h2>{_text(spec.title)}</h2><p>{_text(spec.description)}</p>"
        f'<p class="formats">{links}</p></li>'
    )


def render_index(site: Site, specs: Sequence[FeedSpec]) -> bytes:
    """A small static page: no script, no external asset, readable without CSS."""
    title = _text(list_title(site))
    opml = escape(OPML_FILE)
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(site.language)}" dir="rtl">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        *_head_links(site, specs),
        f'<link rel="outline" type="text/x-opml" title="OPML" href="{opml}">',
        f"<style>{_CSS}</style></head>",
        f"<body><main><h1>{title}</h1>",
        f'<p class="lead">{_text(site.description)}</p>',
        "<p>انسخ رابط الخلاصة التي تريدها إلى قارئ الخلاصات ليصلك كل جديد أولًا بأول.</p>",
        f"<ul>{''.join(_feed_item(site, s) for s in specs)}</ul>",
        f'<p>كل الخلاصات في ملف واحد: <a href="{opml}" type="text/x-opml">OPML</a></p>',
        "</main></body></html>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")
