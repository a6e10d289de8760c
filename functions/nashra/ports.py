"""What the publishing orchestration needs from the outside world.

`nashra.publish` only talks to these Protocols. The adapters implement them over S3 and
DynamoDB (Lambda, `nashra dev`) or over a folder and memory (`nashra build`, unit tests).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from nashra.work import Message

if TYPE_CHECKING:  # the model (pydantic) is loaded by what validates or decodes one
    from nashra.core.article import Article


@dataclass(frozen=True)
class Stored:
    """What the inbox holds at a key, without reading it: S3's ETag and the size."""

    etag: str
    size: int


@dataclass(frozen=True)
class Seen:
    """What the index remembers of an inbox key: the ETag of the bytes it last reconciled,
    whatever the outcome. A key seen with the same ETag is unchanged: no GET, no render."""

    key: str
    etag: str


@dataclass(frozen=True)
class Fetched:
    """An inbox object as one GET saw it: its ETag and size, and its bytes, or None when it
    is larger than the limit the reader asked for (then at most nothing of it was kept)."""

    etag: str
    size: int
    body: bytes | None


@dataclass(frozen=True)
class Indexed:
    """An article as the index holds it, with the feeds it is stored in (read back, so a
    change to `feeds_for` between releases still finds the old feed items)."""

    article: Article
    feeds: frozenset[str]


@dataclass(frozen=True)
class Deferred:
    """Feeds whose rendering busy batches put off, and since when: a render request is
    queued behind them (`nashra.work.Render`)."""

    since: datetime
    feeds: frozenset[str] = frozenset()


@dataclass
class Lookup:
    """What the index holds for some inbox keys and article ids, read in one go
    (`Index.lookup`). Every key asked for is in `seen` and `owners`, every id in
    `articles`, with None for what the index does not have."""

    seen: dict[str, Seen | None] = field(default_factory=dict)
    owners: dict[str, str | None] = field(default_factory=dict)  # key -> id of its key item
    articles: dict[str, Indexed | None] = field(default_factory=dict)
    deferred: Deferred | None = None  # only read when asked for


# Where an article sits in its feeds: (published, id), the order feeds and archive pages
# are sorted in (newest first in a document).
Place = tuple[datetime, str]


def place_of(article: Article) -> Place:
    return (article.published, article.id)


@dataclass(frozen=True)
class ArchiveState:
    """How much of one feed's RFC 5005 archive is sealed (`nashra.history`): pages 1 to
    `sealed` are written for good; `boundary` is the place of the newest article among
    them; `open` says page `sealed` + 1, the one still open, is published."""

    sealed: int = 0
    boundary: Place | None = None
    open: bool = False


@dataclass(frozen=True, order=True)
class Retraction:
    """An article left `feed` from `place`: deleted, corrected (its new version is saved
    again, marked), re-dated or moved out of the section. If a sealed archive page holds it
    there, the page is written again without it (`nashra.history`, D12). Every `Save` that
    replaces an article and every `Remove` records one per feed the article was in, in the
    same atomic write; a flush that renders the feed resolves it (`Index.resolve`)."""

    feed: str
    place: Place


# The changes `Index.commit` applies, all or nothing.


@dataclass(frozen=True)
class Save:
    """Store `article` as a member of `feeds`, replacing `previous` (its feed items and
    its key item go when they are not written again: a section move leaves the old feed)."""

    article: Article
    feeds: frozenset[str]
    previous: Indexed | None


@dataclass(frozen=True)
class Remove:
    """Drop the article, its key item and its feed items."""

    indexed: Indexed


@dataclass(frozen=True)
class NoteRejected:
    """Upload `key` was rejected; `waiting_for` is the id another file holds, when that is
    the only reason (the key is retried once the id is free)."""

    key: str
    waiting_for: str | None


@dataclass(frozen=True)
class ClearRejected:
    """Forget the rejection of `key` (the file is valid now, or gone)."""

    key: str


@dataclass(frozen=True)
class MarkSeen:
    """Remember the ETag of the bytes just reconciled for `seen.key`."""

    seen: Seen


@dataclass(frozen=True)
class ForgetSeen:
    """The key is gone from the inbox."""

    key: str


@dataclass(frozen=True)
class SetDeferred:
    """Replace the deferred-render record (`deferred` None: there is none any more)."""

    deferred: Deferred | None


@dataclass(frozen=True)
class Scheduled:
    """A scheduled article in the index's schedule (`Index.due`): the inbox key to
    reconcile at `at`, its `published`, and its id (B-20, D13)."""

    key: str
    article_id: str
    at: datetime


@dataclass(frozen=True)
class Schedule:
    """Add `entry` to the schedule (a scheduled article was saved)."""

    entry: Scheduled


@dataclass(frozen=True)
class Unschedule:
    """Drop `entry` from the schedule (that article was published early, rescheduled, made
    a draft or removed)."""

    entry: Scheduled


@dataclass(frozen=True)
class AskRederive:
    """A config change queued the re-deriving sweep `run` (`nashra.sweep`). The ask outlives
    the message: a sweep that finds an ask it does not own re-derives too and takes it over
    (`Index.hand_rederive`), and the owner forgets it only once its last chunk is done, so
    a re-deriving sweep that is lost (dead-lettered, its next chunk never queued) is done
    again by the next sweep."""

    run: str


Change = (
    Save
    | Remove
    | NoteRejected
    | ClearRejected
    | MarkSeen
    | ForgetSeen
    | SetDeferred
    | Schedule
    | Unschedule
    | AskRederive
)


class ArticleSource(Protocol):
    """The inbox: editor-owned objects under `articles/` and `config/`."""

    def read(self, key: str) -> bytes | None:
        """The object's current bytes, or None when it does not exist (deleted)."""
        ...

    def stat(self, key: str) -> Stored | None:
        """ETag and size of the object (a HEAD), or None when it does not exist."""
        ...

    def fetch(self, key: str, limit: int) -> Fetched | None:
        """ETag, size and bytes of the object from one read, None when it does not exist;
        the bytes are None when it is over `limit` bytes (never read whole: B-1)."""
        ...

    def list_keys(self, prefix: str) -> Iterator[str]:
        """Every key under `prefix`, in sorted order."""
        ...

    def list_page(self, prefix: str, after: str, limit: int) -> list[tuple[str, str]]:
        """Up to `limit` (key, ETag) pairs under `prefix` with keys after `after`, in key
        order (one ListObjectsV2 page of S3's UTF-8 binary order)."""
        ...


class Index(Protocol):
    """The article index: answers "newest N of feed F" with strong consistency.

    The publisher reads what a batch needs in few calls (`lookup`) and writes what one key
    changed in one call (`commit`), so an article costs one index write with its ETag.
    """

    def get(self, article_id: str) -> Article | None:
        """The indexed article with this id."""
        ...

    def find_by_key(self, key: str) -> Article | None:
        """The indexed article that came from inbox object `key`."""
        ...

    def lookup(self, keys: Collection[str], ids: Collection[str], *, deferred: bool) -> Lookup:
        """For each inbox key, the ETag the index has seen and the id its key item names;
        for each id, the article with its feeds; and the deferred-render record when
        `deferred`. Strongly consistent, in as few requests as the store allows."""
        ...

    def commit(self, changes: Sequence[Change]) -> None:
        """Apply `changes` in order, all or nothing (where two touch one item, the later
        wins). Raises before writing anything when they cannot be one atomic write."""
        ...

    def newest(self, feed: str, limit: int) -> list[Article]:
        """The `limit` newest articles of `feed`, newest first (by published, then id)."""
        ...

    def rejected(self) -> list[tuple[str, str | None]]:
        """Every rejected upload as (key, waiting_for), in key order."""
        ...

    def due(self, upto: datetime) -> list[Scheduled]:
        """The schedule's entries due at or before `upto`, earliest first (strongly
        consistent; usually none)."""
        ...

    # The feeds' archives (`nashra.history`). Every `Save` also marks the article in each
    # of its feeds; `record_archive` unmarks the articles of a page it seals, and `Remove`
    # drops the marks with the article. A marked article at or before a feed's boundary
    # was saved after the page its place belongs to was sealed: it goes in the open page.

    def archives(self) -> dict[str, ArchiveState]:
        """Every feed's archive state, by feed (a feed with no archive is absent): one
        strongly consistent read."""
        ...

    def between(self, feed: str, after: Place | None, before: Place) -> Iterator[Article]:
        """The articles of `feed` placed after `after` (None: from the oldest) and before
        `before`, both excluded, oldest first; read a page at a time as they are consumed."""
        ...

    def marked(self, feed: str, upto: Place) -> list[Article]:
        """The marked articles of `feed` placed at or before `upto`, oldest first."""
        ...

    def record_archive(
        self, feed: str, state: ArchiveState | None, sealed: Sequence[Article] = ()
    ) -> None:
        """Store `feed`'s archive state (None: it has no archive) and unmark `sealed`, the
        articles of the page just sealed, in one atomic write (at most 99 articles). With
        `sealed`, also remember that page `state.sealed` holds them (`held`, `holding`);
        that may be written first, on its own: until the state is stored, nothing asks."""
        ...

    # Retractions (`Retraction`): a sealed page keeps only the versions still indexed.

    def retractions(self) -> list[Retraction]:
        """Every retraction not yet resolved, in order: one strongly consistent read
        (usually it finds none)."""
        ...

    def holding(self, feed: str, places: Collection[Place]) -> dict[Place, int]:
        """The sealed page of `feed` last recorded as holding each place (a place sealed
        in no page is absent). A page may have been written again without it since:
        `held` says what a page holds now."""
        ...

    def held(self, feed: str, number: int) -> list[Place] | None:
        """The places sealed page `number` of `feed` holds, oldest first (None: no page
        was recorded, e.g. sealed before nashra recorded pages)."""
        ...

    def articles_at(self, feed: str, places: Sequence[Place]) -> list[Article]:
        """The articles of `feed` at these places, oldest first (a place nothing holds now
        is left out)."""
        ...

    def rewrite_page(self, feed: str, number: int, places: Sequence[Place]) -> None:
        """Record that sealed page `number` of `feed` now holds only `places`."""
        ...

    def resolve(self, retractions: Collection[Retraction]) -> None:
        """Forget `retractions`: the pages that held them are written again."""
        ...

    def rederive_asked(self) -> str | None:
        """The run of the re-deriving sweep a config change asked for (`AskRederive`) that
        no sweep has finished, if any."""
        ...

    def hand_rederive(self, run: str, to: str | None) -> bool:
        """If `run` holds the ask, give it to `to` (None: it is done; forget it). False when
        no run, or another run, holds it (a later config change asked again)."""
        ...

    def seen(self, key: str) -> Seen | None:
        """What the index last reconciled for inbox key `key` (strongly consistent)."""
        ...

    def seen_between(self, after: str, until: str | None) -> list[Seen]:
        """Every seen key in (`after`, `until`] (`until` None: to the end), in key order."""
        ...


class FeedStore(Protocol):
    """Where published files go (the feeds bucket behind the CDN, or a folder)."""

    def write(
        self, path: str, body: bytes, content_type: str, cache_control: str, *, once: bool = False
    ) -> bool:
        """Write `body` at `path` unless identical bytes are already there.

        Returns True when the object was written, False when it was unchanged. `once`: a
        file written once, and again only after a retraction (a sealed archive page, D12),
        so almost never there already: a store that pays a call to look first may write it
        without looking (a page written before its seal was recorded is written again,
        harmlessly).
        """
        ...

    def paths(self) -> Iterator[str]:
        """Every published path, in order."""
        ...

    def delete(self, path: str) -> None:
        """Remove a published file (a feed whose section was removed)."""
        ...


class ReportStore(Protocol):
    """Rejection reports for editors, next to their uploads (`reports/<key>`)."""

    def put_report(self, key: str, body: bytes) -> None: ...

    def reported(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` that have a report (so an accepted upload without one costs no
        call to delete it)."""
        ...

    def read_report(self, key: str) -> bytes | None:
        """The report on `key`, or None when there is none."""
        ...

    def delete_report(self, key: str) -> bool:
        """Remove the report of `key` if there is one (the file is valid now).

        Returns True when a report was there.
        """
        ...


class Notifier(Protocol):
    """Tells the world feeds changed (CDN invalidation, WebSub ping)."""

    def feeds_changed(self, urls: Sequence[str], hub: str | None) -> None:
        """`urls` were rewritten; `hub` is the site's WebSub hub, if it has one."""
        ...

    def pages_rewritten(self, urls: Sequence[str]) -> None:
        """Sealed archive pages, which the CDN keeps for a week (`immutable`), were written
        again without a retracted article: their cached copies must go at once. Raises
        TransientError when that could not be asked, so the batch is retried."""
        ...


class Requeue(Protocol):
    """Hands work back to the work queue, for later batches (the next chunk of a sweep)."""

    def send(self, messages: Sequence[Message]) -> None:
        """Queue every message in the publisher's group, each with its own deduplication
        id (`nashra.work.dedup_id`); raises TransientError if any was not queued."""
        ...
