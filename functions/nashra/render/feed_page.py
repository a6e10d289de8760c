"""`<feed>/index.html`: one feed as a page people read in a browser, with no XSLT.

Rendered from the same channel and entries as the feed's three formats, so the page never
shows an item the feeds left out. It says how to subscribe: the feed URLs, a copy button
(a few lines of script; without it the buttons stay hidden and the URLs are there to
select) and links that hand the RSS URL to common web readers. Dates are Arabic, in the
site's zone (AR-DATE-4); the feeds' own dates stay ASCII (AR-DATE-3).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from html import escape
from urllib.parse import quote

from nashra.core.arabic_date import format_arabic_date
from nashra.core.excerpt import make_excerpt
from nashra.core.keys import INDEX_FILE
from nashra.render.formats import FORMATS, RSS
from nashra.render.model import Channel, Entry
from nashra.render.page import CSS, LABELS, head_link, html_document, text

EXCERPT_GRAPHEMES = 280
# Web readers that subscribe from a link, the feed URL percent-encoded whole (Feedly's
# stream id is `feed/<url>`, and "resource ids must be URL-encoded" in its API docs).
READERS = (
    ("Feedly", "https://feedly.com/i/subscription/feed%2F"),
    ("Inoreader", "https://www.inoreader.com/?add_feed="),
    ("NewsBlur", "https://www.newsblur.com/?url="),
)
PAGE_CSS = (
    CSS
    + """
.crumbs{font-size:.95rem}.subscribe{background:#fff;border:1px solid #e2e2da;
border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}.subscribe li{border:0;padding:.35rem 0}
.subscribe code{display:block;text-align:end;font-size:.9rem}
button{font:inherit;font-size:.85rem;margin-inline-start:.75rem;padding:0 .6rem;cursor:pointer}
h3{font-size:1.15rem;margin:0 0 .25rem}.items article{overflow:hidden}
.items img{float:left;width:8rem;height:auto;margin-inline-start:1rem;border-radius:.3rem}
.meta{color:#666;font-size:.9rem}
@media (prefers-color-scheme:dark){.subscribe{background:#1f1f1f;border-color:#333}
.meta{color:#aaa}}
""".rstrip()
)
# Shows the copy buttons where the Clipboard API exists and copies their URL; the page
# carries no other script and needs none.
COPY_SCRIPT = (
    "<script>if(navigator.clipboard)for(const b of document.querySelectorAll('[data-copy]'))"
    "{b.hidden=false;b.onclick=()=>navigator.clipboard.writeText(b.dataset.copy)"
    ".then(()=>{b.textContent='نُسخ ✓'})}</script>"
)


def reader_links(feed: str) -> list[tuple[str, str]]:
    """(name, subscribe URL) for each web reader, `feed` percent-encoded once, whole.

    >>> reader_links("https://feeds.nashra.example/all/rss.xml")[1]
    ('Inoreader', 'https://www.inoreader.com/?add_feed=https%3A%2F%2Ffeeds.nashra.example%2Fall%2Frss.xml')
    """
    return [(name, prefix + quote(feed, safe="")) for name, prefix in READERS]


def _subscribe(channel: Channel) -> list[str]:
    urls = []
    for fmt in FORMATS:
        url = escape(channel.self_url(fmt))
        urls.append(
            f"<li><b>{LABELS[fmt.name]}</b>"
            f'<button type="button" data-copy="{url}" hidden>نسخ الرابط</button>'
            f"<code>{url}</code></li>"
        )
    readers = " ".join(
        f'<a href="{escape(href)}" rel="nofollow">{name}</a>'
        for name, href in reader_links(channel.self_url(RSS))
    )
    return [
        '<section class="subscribe" aria-labelledby="subscribe">',
        '<h2 id="subscribe">تابِع هذه الخلاصة</h2>',
        "<p>انسخ أحد الروابط إلى قارئ الخلاصات ليصلك كل جديد أولًا بأول:</p>",
        f"<ul>{''.join(urls)}</ul>",
        f'<p class="formats">أو افتحها في: {readers}</p>',
        "</section>",
    ]


def _image(entry: Entry) -> str:
    pic = entry.image
    if pic is None:
        return ""
    size = "".join(
        f' {name}="{value}"'
        for name, value in (("width", pic.width), ("height", pic.height))
        if value
    )
    return (
        f'<img src="{escape(pic.url)}" alt="{escape(pic.alt)}"{size} loading="lazy"'
        ' decoding="async">'
    )


def _local(moment: datetime, zone: tzinfo) -> datetime:
    """`moment` on the site's clock; in UTC when the zone's offset would pass year 9999."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment.astimezone(UTC)


def _item(entry: Entry, zone: tzinfo) -> str:
    stamp = _local(entry.published, zone)
    summary = make_excerpt(entry.summary, EXCERPT_GRAPHEMES)
    lead = f"<p>{text(summary)}</p>" if summary != entry.title else ""
    return (
        f"<li><article>{_image(entry)}"
        f'<h3><a href="{escape(entry.url)}">{text(entry.title)}</a></h3>'
        f'<p class="meta"><time datetime="{stamp.isoformat()}">'
        f"{format_arabic_date(stamp, stamp.tzinfo or UTC)}</time></p>{lead}</article></li>"
    )


def render_feed_page(channel: Channel, entries: Sequence[Entry], zone: tzinfo) -> bytes:
    """The page of one feed: its title, description, subscribe box and items, newest first."""
    title = text(channel.title)
    head = [f'<meta name="description" content="{text(channel.description)}">']
    head += [head_link(fmt, title, escape(fmt.filename)) for fmt in FORMATS]
    items = "".join(_item(entry, zone) for entry in entries)
    body = [
        "<body><main>",
        f'<p class="crumbs"><a href="../{INDEX_FILE}">كل الخلاصات</a> · '
        f'<a href="{escape(channel.home_url)}">{text(channel.site_title)}</a></p>',
        f"<h1>{title}</h1>",
        f'<p class="lead">{text(channel.description)}</p>',
        *_subscribe(channel),
        '<h2 id="latest">آخر الأخبار</h2>',
        f'<ol class="items" aria-labelledby="latest">{items}</ol>'
        if items
        else "<p>لا أخبار في هذه الخلاصة بعد.</p>",
        f"</main>{COPY_SCRIPT}</body>",
    ]
    return html_document(channel.language, title, head, body, PAGE_CSS)
