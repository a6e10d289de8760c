"""What the publishing orchestration needs from the outside world.

`nashra.publish` only talks to these Protocols. The adapters implement them over S3 and
DynamoDB (Lambda, `nashra dev`) or over a folder and memory (`nashra build`, unit tests).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from nashra.core.article import Article
from nashra.work import Message


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


class ArticleSource(Protocol):
    """The inbox: editor-owned objects under `articles/` and `config/`."""

    def read(self, key: str) -> bytes | None:
        """The object's current bytes, or None when it does not exist (deleted)."""
        ...

    def stat(self, key: str) -> Stored | None:
        """ETag and size of the object (a HEAD), or None when it does not exist."""
        ...

    def list_keys(self, prefix: str) -> Iterator[str]:
        """Every key under `prefix`, in sorted order."""
        ...

    def list_page(self, prefix: str, after: str, limit: int) -> list[tuple[str, str]]:
        """Up to `limit` (key, ETag) pairs under `prefix` with keys after `after`, in key
        order (one ListObjectsV2 page of S3's UTF-8 binary order)."""
        ...


class Index(Protocol):
    """The article index: answers "newest N of feed F" with strong consistency."""

    def get(self, article_id: str) -> Article | None:
        """The indexed article with this id."""
        ...

    def find_by_key(self, key: str) -> Article | None:
        """The indexed article that came from inbox object `key`."""
        ...

    def save(self, article: Article, feeds: frozenset[str], previous: Article | None) -> None:
        """Store `article` as a member of `feeds`, atomically replacing `previous`
        (its feed memberships included, so a section move leaves the old feed)."""
        ...

    def remove(self, article: Article) -> None:
        """Drop the article and all its feed memberships, atomically."""
        ...

    def newest(self, feed: str, limit: int) -> list[Article]:
        """The `limit` newest articles of `feed`, newest first (by published, then id)."""
        ...

    def note_rejected(self, key: str, waiting_for: str | None) -> None:
        """Remember that upload `key` was rejected; `waiting_for` is the article id another
        file holds, when that is the only reason (the key is retried once it is free)."""
        ...

    def clear_rejected(self, key: str) -> None:
        """Forget a rejection (the file is valid now, or gone)."""
        ...

    def rejected(self) -> list[tuple[str, str | None]]:
        """Every rejected upload as (key, waiting_for), in key order."""
        ...

    def seen(self, key: str) -> Seen | None:
        """What the index last reconciled for inbox key `key` (strongly consistent)."""
        ...

    def mark_seen(self, seen: Seen) -> None:
        """Remember the ETag of the bytes just reconciled for `seen.key`."""
        ...

    def forget_seen(self, key: str) -> None:
        """The key is gone from the inbox."""
        ...

    def seen_between(self, after: str, until: str | None) -> list[Seen]:
        """Every seen key in (`after`, `until`] (`until` None: to the end), in key order."""
        ...


class FeedStore(Protocol):
    """Where published files go (the feeds bucket behind the CDN, or a folder)."""

    def write(self, path: str, body: bytes, content_type: str, cache_control: str) -> bool:
        """Write `body` at `path` unless identical bytes are already there.

        Returns True when the object was written, False when it was unchanged.
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


class Requeue(Protocol):
    """Hands work back to the work queue, for later batches (the next chunk of a sweep)."""

    def send(self, messages: Sequence[Message]) -> None:
        """Queue every message in the publisher's group, each with its own deduplication
        id (`nashra.work.dedup_id`); raises TransientError if any was not queued."""
        ...
