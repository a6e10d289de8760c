"""What every renderer draws from: cleaned, ordered feed items and the channel around them.

Articles become `Entry` values here and only here, so the three formats can never
disagree on an id, a title, a date or the set of items (DESIGN "Feeds").
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nashra.core.article import Article
from nashra.core.keys import STYLESHEET_FILE, archive_name
from nashra.core.site import ALL_FEED, BREAKING_FEED, FeedSpec, Site, feeds_for
from nashra.core.text import rtl_title
from nashra.core.urls import feed_url, item_id
from nashra.render.formats import FeedFormat
from nashra.render.markup import (
    correction_html,
    figure_html,
    rtl_html,
    safe_email,
    safe_uri,
    xml_safe,
)

BREAKING_LABEL = "عاجل"  # AR-BRK-1: breaking is a category, never a title prefix
CORRECTION_LABEL = "تصحيح"  # leads a corrected item's text (B-19)
UNTITLED = "بلا عنوان"
# Relative, not {feeds_url}/feed.xsl: browsers only apply a same-origin stylesheet, and a
# feed may be opened from the CloudFront domain or the local dev server (FG-15).
STYLESHEET_HREF = f"../{STYLESHEET_FILE}"
# An archive page is three folders deeper than the site root (`<feed>/archive/<n>/rss.xml`).
ARCHIVE_STYLESHEET_HREF = f"../../../{STYLESHEET_FILE}"
TTL_MINUTES = 15
BREAKING_TTL_MINUTES = 5


@dataclass(frozen=True)
class Person:
    name: str
    uri: str | None = None
    email: str | None = None  # public, a plain addr-spec (markup.safe_email); Atom only


@dataclass(frozen=True)
class Picture:
    url: str
    type: str
    width: int | None
    height: int | None
    length: int
    alt: str
    caption: str

    @property
    def text(self) -> str:
        """Plain text for media:description: the caption, else the alt text."""
        return self.caption or self.alt


@dataclass(frozen=True)
class Entry:
    """One feed item, every string XML-safe and non-empty where a format requires it.

    `content_html` is empty only when the byte cap shortened the item to its summary and
    link (`nashra.render.fit`). A correction (plain text, `correction`) leads both the
    full text, marked, and the summary, so a reader that shows either sees it (B-19).
    """

    id: str
    url: str
    title: str
    summary: str
    content_html: str
    published: datetime
    modified: datetime
    authors: tuple[Person, ...]
    tags: tuple[str, ...]
    image: Picture | None
    correction: str = ""
    # The entry's item as each format writes it (`rss.rss_item`, `atom.atom_entry`), kept
    # on first use: an item is the same bytes in every document that holds it.
    items: dict[str, bytes] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def item(self, form: str, write: Callable[[Entry], str]) -> bytes:
        """The entry's item in the format `form`, as `write` writes it, encoded once: the
        same bytes in every feed and archive page that holds it."""
        found = self.items.get(form)
        if found is None:
            found = self.items[form] = write(self).encode()
        return found


@dataclass(frozen=True)
class History:
    """Where a document sits in its feed's RFC 5005 archive (`nashra.history`): `page` is
    the archive page it is (None: the live feed), `prev` and `next` the archive pages before
    and after it (None: there is none)."""

    page: int | None = None
    prev: int | None = None
    next: int | None = None


LIVE = History()  # the live feed, with no archive behind it


@dataclass(frozen=True)
class Channel:
    """The feed around the entries: identity, links, dates, all derived from data."""

    slug: str
    id: str
    title: str
    description: str
    home_url: str
    feeds_url: str
    language: str
    site_title: str
    site_url: str
    copyright: str | None
    icon: str | None
    logo: str | None
    hub: str | None
    updated: datetime
    ttl: int
    stylesheet: str
    history: History = LIVE

    def self_url(self, fmt: FeedFormat) -> str:
        return self.url_of(self.history.page, fmt)

    def url_of(self, page: int | None, fmt: FeedFormat) -> str:
        """The URL of this feed in `fmt`: the live feed (`page` None) or an archive page."""
        name = fmt.filename if page is None else archive_name(page, fmt.filename)
        return feed_url(self.feeds_url, self.slug, name)


def utc(moment: datetime) -> datetime:
    """Whole seconds in UTC: the same instant in every format (AR-DATE-3)."""
    return moment.astimezone(UTC).replace(microsecond=0)


def epoch(site: Site) -> datetime:
    """The date of an empty feed: the site's tag date, never the clock (FG-6, P-FEED-1)."""
    parts = [int(p) for p in site.tag_date.split("-")] + [1, 1]
    return datetime(parts[0], parts[1], parts[2], tzinfo=UTC)


def select(
    site: Site, spec: FeedSpec, articles: Iterable[Article], limit: int | None = None
) -> list[Article]:
    """The feed's articles (`feeds_for`): newest first by (published, id), one per id, capped
    at `limit` (default: `site.items_per_feed`)."""
    ordered = sorted(
        (a for a in articles if spec.slug in feeds_for(a)),
        key=lambda a: (a.published, a.id),
        reverse=True,
    )
    unique: dict[str, Article] = {}
    for article in ordered:  # one item per id: a duplicate guid is a validator error
        unique.setdefault(article.id, article)
    return list(unique.values())[: site.items_per_feed if limit is None else limit]


def _clean(text: str) -> str:
    return xml_safe(text).strip()


def _tags(article: Article) -> tuple[str, ...]:
    tags = [t for t in (_clean(t) for t in article.tags) if t]
    if article.breaking:
        tags.append(BREAKING_LABEL)
    return tuple(dict.fromkeys(tags))  # dedupe, keep order


def _picture(article: Article) -> Picture | None:
    img = article.image
    if img is None:
        return None
    return Picture(
        url=safe_uri(img.url),
        type=_clean(img.type),
        width=img.width,
        height=img.height,
        length=img.length,
        alt=_clean(img.alt or ""),
        caption=_clean(img.caption or ""),
    )


def _content(article: Article, language: str, picture: Picture | None, correction: str) -> str:
    body = xml_safe(article.body_html)
    if picture is not None and picture.url not in body:  # readers that ignore media:*
        body = figure_html(picture.url, picture.alt, picture.caption) + body
    if correction:  # above everything, the image included: it is what changed
        body = correction_html(CORRECTION_LABEL, correction) + body
    return rtl_html(body, language)


def _summary(article: Article, title: str, correction: str) -> str:
    """Plain text: the summary (else the title), led by the correction if there is one."""
    summary = _clean(article.summary) or title
    return f"{CORRECTION_LABEL}: {correction} — {summary}" if correction else summary


def to_entry(site: Site, article: Article) -> Entry:
    """Everything a format needs from one article, cleaned once."""
    title = rtl_title(_clean(article.title)) or UNTITLED  # AR-DIR-2
    picture = _picture(article)
    correction = _clean(article.correction or "")
    return Entry(
        id=item_id(site.authority, site.tag_date, article.id),  # AR-URL-2: from the id alone
        url=safe_uri(article.url),
        title=title,
        summary=_summary(article, title, correction),  # plain text; RSS escapes it (add_entry)
        content_html=_content(article, site.language, picture, correction),
        published=utc(article.published),
        modified=utc(article.modified),
        authors=tuple(
            Person(_clean(a.name), safe_uri(a.url) if a.url else None, safe_email(a.email))
            for a in article.authors
            if _clean(a.name)
        ),
        tags=_tags(article),
        image=picture,
        correction=correction,
    )


def weight(entry: Entry) -> int:
    """About the bytes an entry holds once both its items are written: its full text as a
    string (up to 2 bytes a character) and in each item, encoded and escaped (2 to 3 bytes
    a character of Arabic text), its summary likewise, and its other fields."""
    return 8 * (len(entry.content_html) + len(entry.summary)) + 2048


class Shared:
    """Each article's `Entry`, converted once for every document that holds it (the feeds
    it is in, their archive pages), with the items kept on it: a bounded memory of the
    articles converted last, at most `capacity` of them and about `budget` bytes
    (`weight`), so a flush of a few 1 MiB articles keeps a few. An article is known by its
    id and its value: feeds read from the index each hold their own copy of an article,
    equal to the others. Whatever it forgets is converted again, to the same value:
    `to_entry` is pure."""

    def __init__(self, capacity: int, budget: int) -> None:
        self.capacity = capacity
        self.budget = budget
        self.held = 0  # the weight of the entries kept
        self._kept: OrderedDict[str, tuple[Site, Article, Entry, int]] = OrderedDict()

    def entry(self, site: Site, article: Article) -> Entry:
        kept = self._kept.get(article.id)
        if kept is not None:
            if kept[0] is site and (kept[1] is article or kept[1] == article):
                self._kept.move_to_end(article.id)
                return kept[2]
            del self._kept[article.id]  # another version of it: converted again
            self.held -= kept[3]
        entry = to_entry(site, article)
        size = weight(entry)
        self._kept[article.id] = (site, article, entry, size)
        self.held += size
        while self._kept and (len(self._kept) > self.capacity or self.held > self.budget):
            self.held -= self._kept.popitem(last=False)[1][3]
        return entry


_SHARED: ContextVar[Shared | None] = ContextVar("nashra_shared_entries", default=None)


@contextmanager
def shared_entries(capacity: int, budget: int) -> Iterator[Shared]:
    """Within: `entry_of` converts each article once, as long as it is among the last
    converted (`Shared`). A publisher renders every feed of a flush within one, in the
    order of the articles' places, so an article's feeds follow each other."""
    shared = Shared(capacity, budget)
    token = _SHARED.set(shared)
    try:
        yield shared
    finally:
        _SHARED.reset(token)


def entry_of(site: Site, article: Article) -> Entry:
    """`to_entry`, once per article within `shared_entries`."""
    shared = _SHARED.get()
    return to_entry(site, article) if shared is None else shared.entry(site, article)


def to_entries(site: Site, spec: FeedSpec, articles: Sequence[Article]) -> list[Entry]:
    return [to_entry(site, a) for a in select(site, spec, articles)]


def home_url(site: Site, slug: str) -> str:
    """The site page a feed mirrors: the front page for `all`, the section page otherwise."""
    return site.base_url if slug == ALL_FEED else f"{site.base_url}/{slug}"


def to_channel(
    site: Site, spec: FeedSpec, entries: Sequence[Entry], history: History = LIVE
) -> Channel:
    title = _clean(spec.title) or _clean(site.title) or spec.slug
    return Channel(
        slug=spec.slug,
        id=f"tag:{site.authority},{site.tag_date}:feed/{spec.slug}",
        title=title,
        description=_clean(spec.description) or title,
        home_url=safe_uri(home_url(site, spec.slug)),
        feeds_url=safe_uri(site.feeds_url),
        language=site.language,
        site_title=_clean(site.title) or title,
        site_url=safe_uri(site.base_url),
        copyright=_clean(site.copyright or "") or None,
        icon=safe_uri(site.icon) if site.icon else None,
        logo=safe_uri(site.logo) if site.logo else None,
        # Nobody subscribes to an archive page: only the live feed names the hub.
        hub=safe_uri(site.hub) if site.hub and history.page is None else None,
        updated=max((e.modified for e in entries), default=epoch(site)),
        ttl=BREAKING_TTL_MINUTES if spec.slug == BREAKING_FEED else TTL_MINUTES,
        stylesheet=STYLESHEET_HREF if history.page is None else ARCHIVE_STYLESHEET_HREF,
        history=history,
    )
