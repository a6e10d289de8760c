"""What the publishing orchestration needs from the outside world.

`nashra.publish` only talks to these Protocols. The adapters implement them over S3 and
DynamoDB (Lambda, `nashra dev`) or over a folder and memory (`nashra build`, unit tests).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from nashra.core.article import Article


class ArticleSource(Protocol):
    """The inbox: editor-owned objects under `articles/` and `config/`."""

    def read(self, key: str) -> bytes | None:
        """The object's current bytes, or None when it does not exist (deleted)."""
        ...

    def list_keys(self, prefix: str) -> Iterator[str]:
        """Every key under `prefix`, in sorted order."""
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


class FeedStore(Protocol):
    """Where published files go (the feeds bucket behind the CDN, or a folder)."""

    def write(self, path: str, body: bytes, content_type: str, cache_control: str) -> bool:
        """Write `body` at `path` unless identical bytes are already there.

        Returns True when the object was written, False when it was unchanged.
        """
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
    """Hands keys back to the work queue, to be reconciled in later batches."""

    def reconcile_later(self, keys: Sequence[str]) -> None:
        """Queue one "reconcile key K" message per key (raises if any was not queued)."""
        ...
