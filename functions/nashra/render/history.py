"""One RFC 5005 archive page of a feed, in RSS and Atom (docs/decisions.md, D12).

An archive page is the feed's own documents for other items: the same channel (title, id,
links home), every item rendered by `render_documents` exactly as the live feed renders it
(same guid and id, same content, same byte cap), plus what RFC 5005 §4 asks of an archive
document: `<fh:archive/>`, `current` (the live feed), `prev-archive` (the page before, if
any) and `next-archive` (the page after, if there is one yet). Which items a page holds,
and when it is sealed, is `nashra.history`'s business; this only writes bytes.

JSON Feed has no archive pages: JSON Feed 1.1 has only `next_url`, "pagination" that
"reader software is not required to use", with no marker for a document that never
changes, so it could promise aggregators nothing; they get the same items from RSS or Atom.
"""

from __future__ import annotations

from collections.abc import Sequence

from nashra.core.article import Article
from nashra.core.keys import archive_name, feed_file
from nashra.core.site import FeedSpec, Site
from nashra.render import render_documents
from nashra.render.atom import atom_bytes
from nashra.render.fit import Write
from nashra.render.formats import ATOM, RSS, FeedFormat
from nashra.render.model import History
from nashra.render.rss import rss_bytes

ARCHIVE_FORMATS: tuple[FeedFormat, ...] = (RSS, ATOM)
_WRITES: tuple[Write, ...] = (rss_bytes, atom_bytes)


def archive_paths(slug: str, page: int) -> list[str]:
    """The files of archive page `page` of feed `slug`, in `ARCHIVE_FORMATS` order.

    >>> archive_paths("gulf", 3)
    ['gulf/archive/3/rss.xml', 'gulf/archive/3/atom.xml']
    """
    return [feed_file(slug, archive_name(page, fmt.filename)) for fmt in ARCHIVE_FORMATS]


def render_archive_page(
    site: Site,
    spec: FeedSpec,
    articles: Sequence[Article],
    page: int,
    *,
    size: int,
    last: bool,
) -> dict[str, bytes]:
    """Archive page `page` (1 is the oldest) holding `articles` (at most `size`), newest
    first, by path. `last`: no page after it yet (the open page), so no `next-archive`.
    What the byte cap did to an item is not noted: its editor heard it while the item was
    in the live feed, which has the same cap."""
    history = History(
        page=page, prev=page - 1 if page > 1 else None, next=None if last else page + 1
    )
    rendered = render_documents(site, spec, articles, writes=_WRITES, history=history, limit=size)
    return dict(zip(archive_paths(spec.slug, page), rendered.docs, strict=True))
