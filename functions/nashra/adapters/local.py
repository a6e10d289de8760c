"""Adapters over a folder and memory, for `nashra build` and tests.

A content folder maps onto inbox keys the way `nashra dev` uploads it
(`nashra.core.keys.folder_key`): `site.json` and `sections.json` are `config/…`, everything
under `articles/` keeps its path.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from nashra.core.article import Article
from nashra.core.decode import MAX_DOCUMENT_BYTES
from nashra.core.keys import folder_key, folder_path
from nashra.ports import (
    ArchiveState,
    AskRederive,
    Change,
    ClearRejected,
    Deferred,
    Fetched,
    ForgetSeen,
    Indexed,
    Lookup,
    MarkSeen,
    NoteRejected,
    Place,
    Remove,
    Retraction,
    Save,
    Schedule,
    Scheduled,
    Seen,
    SetDeferred,
    Stored,
    Unschedule,
    place_of,
)


def key_for(root: Path, path: Path) -> str:
    """Inbox key of a file inside a content folder."""
    return folder_key(path.resolve().relative_to(root.resolve()).as_posix())


def path_for(root: Path, key: str) -> Path:
    """Content-folder path of an inbox key (inverse of `key_for`)."""
    return root / folder_path(key)


class FolderSource:
    """ArticleSource over a content folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._stated: tuple[str, bytes] | None = None  # the bytes the last stat read

    def read(self, key: str) -> bytes | None:
        stated, self._stated = self._stated, None
        if stated is not None and stated[0] == key:
            return stated[1]  # the publisher reads right after it stats: one file read
        return self._bytes(key)

    def stat(self, key: str) -> Stored | None:
        """The file's ETag as S3 computes it for a simple upload (its MD5) and its size."""
        found = self.fetch(key, MAX_DOCUMENT_BYTES)
        if found is None:
            return None
        self._stated = None if found.body is None else (key, found.body)
        return Stored(found.etag, found.size)

    def fetch(self, key: str, limit: int) -> Fetched | None:
        """The file read once: its ETag (`etag`), size and bytes (None over `limit`: then
        hashed a block at a time, never held whole, B-1)."""
        path = self._path(key)
        return None if path is None else read_bounded(path, limit)

    def advise(self, keys: Iterable[str]) -> None:
        """The files at `keys` are read next: the system may read them from the disk side by
        side (`posix_fadvise` WILLNEED), where each read would otherwise wait in turn. Only
        advice: a file that cannot be opened is left to its read, and without
        `posix_fadvise` (not on Linux) nothing is done."""
        if not hasattr(os, "posix_fadvise"):
            return
        for key in keys:
            try:
                fd = os.open(path_for(self.root, key), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            except OSError:
                pass
            finally:
                os.close(fd)

    def _path(self, key: str) -> Path | None:
        path = path_for(self.root, key)
        if ".." in Path(key).parts or not path.is_file():
            return None
        return path

    def _bytes(self, key: str) -> bytes | None:
        path = self._path(key)
        return None if path is None else path.read_bytes()

    def list_keys(self, prefix: str) -> Iterator[str]:
        root = self.root.resolve()
        keys = (folder_key(p.relative_to(root).as_posix()) for p in root.rglob("*") if p.is_file())
        yield from sorted(k for k in keys if k.startswith(prefix))

    def list_page(self, prefix: str, after: str, limit: int) -> list[tuple[str, str]]:
        page = [k for k in self.list_keys(prefix) if k > after][:limit]
        return [(key, self._listed_etag(key)) for key in page]

    def _listed_etag(self, key: str) -> str:
        """What ListObjectsV2 says of the key: no GET, so no read as far as `fetch` knows."""
        path = self._path(key)
        return etag(b"") if path is None else read_bounded(path, MAX_DOCUMENT_BYTES).etag


class MemoryIndex:
    """Index held in a dict; same semantics as the DynamoDB index. `commit` applies each
    change through the single-change methods (`save`, `remove`, …), in order, under a
    lock, so a read made side by side with it sees all of a commit or none of it."""

    def __init__(self) -> None:
        self._articles: dict[str, Article] = {}
        self._feeds: dict[str, frozenset[str]] = {}
        self._by_key: dict[str, str] = {}
        self._rejected: dict[str, str | None] = {}
        self._seen: dict[str, str] = {}
        self._deferred: Deferred | None = None
        self._schedule: set[Scheduled] = set()
        self._archives: dict[str, ArchiveState] = {}
        self._marks: dict[str, set[str]] = {}  # feed -> ids marked in it (`Index.marked`)
        self._retractions: set[Retraction] = set()
        self._pages: dict[tuple[str, int], list[Place]] = {}  # (feed, page) -> places held
        self._holding: dict[tuple[str, Place], int] = {}  # (feed, place) -> page last holding it
        self._rederive: str | None = None  # the run holding the ask (`AskRederive`)
        self._lock = threading.RLock()

    def lookup(self, keys: Collection[str], ids: Collection[str], *, deferred: bool) -> Lookup:
        with self._lock:
            found = Lookup(deferred=self._deferred if deferred else None)
            for key in keys:
                etag = self._seen.get(key)
                found.seen[key] = None if etag is None else Seen(key, etag)
                found.owners[key] = self._by_key.get(key)
            for article_id in ids:
                article = self._articles.get(article_id)
                feeds = self._feeds.get(article_id, frozenset())
                found.articles[article_id] = None if article is None else Indexed(article, feeds)
            return found

    def commit(self, changes: Sequence[Change]) -> None:
        with self._lock:
            for change in changes:
                self._apply(change)

    def _apply(self, change: Change) -> None:
        if isinstance(change, Save):
            previous = change.previous.article if change.previous else None
            self.save(change.article, change.feeds, previous)
        elif isinstance(change, Remove):
            self.remove(change.indexed.article)
        elif isinstance(change, NoteRejected):
            self.note_rejected(change.key, change.waiting_for)
        elif isinstance(change, ClearRejected):
            self.clear_rejected(change.key)
        elif isinstance(change, MarkSeen):
            self.mark_seen(change.seen)
        elif isinstance(change, ForgetSeen):
            self.forget_seen(change.key)
        else:
            self._apply_record(change)

    def _apply_record(self, change: SetDeferred | Schedule | Unschedule | AskRederive) -> None:
        """The changes to the publisher's own records: deferred feeds, schedule, re-derive."""
        if isinstance(change, SetDeferred):
            self._deferred = change.deferred
        elif isinstance(change, Schedule):
            self._schedule.add(change.entry)
        elif isinstance(change, Unschedule):
            self._schedule.discard(change.entry)
        else:
            self._rederive = change.run

    def get(self, article_id: str) -> Article | None:
        return self._articles.get(article_id)

    def find_by_key(self, key: str) -> Article | None:
        article_id = self._by_key.get(key)
        return None if article_id is None else self._articles.get(article_id)

    def save(self, article: Article, feeds: frozenset[str], previous: Article | None) -> None:
        with self._lock:
            if previous is not None:
                self._by_key.pop(previous.key, None)
                self._retract(previous)
            self._unmark(article.id)
            self._articles[article.id] = article
            self._feeds[article.id] = feeds
            self._by_key[article.key] = article.id
            for feed in feeds:
                self._marks.setdefault(feed, set()).add(article.id)

    def remove(self, article: Article) -> None:
        with self._lock:
            self._retract(article)
            self._unmark(article.id)
            self._articles.pop(article.id, None)
            self._feeds.pop(article.id, None)
            self._by_key.pop(article.key, None)

    def _retract(self, article: Article) -> None:
        """Record a retraction from every feed the stored `article` is in."""
        place = place_of(article)
        self._retractions.update(Retraction(f, place) for f in self._feeds.get(article.id, ()))

    def _unmark(self, article_id: str) -> None:
        for feed in self._feeds.get(article_id, ()):
            self._marks.get(feed, set()).discard(article_id)

    def newest(self, feed: str, limit: int) -> list[Article]:
        with self._lock:
            members = [self._articles[i] for i, feeds in self._feeds.items() if feed in feeds]
        members.sort(key=lambda a: (a.published, a.id), reverse=True)
        return members[:limit]

    def archives(self) -> dict[str, ArchiveState]:
        with self._lock:
            return dict(self._archives)

    def between(self, feed: str, after: Place | None, before: Place) -> Iterator[Article]:
        with self._lock:
            members = [self._articles[i] for i, feeds in self._feeds.items() if feed in feeds]
        found = [
            a for a in members if (after is None or place_of(a) > after) and place_of(a) < before
        ]
        yield from sorted(found, key=place_of)  # only the range is sorted, not the feed

    def marked(self, feed: str, upto: Place) -> list[Article]:
        with self._lock:
            ids = [i for i in self._marks.get(feed, ()) if feed in self._feeds.get(i, ())]
            found = [self._articles[i] for i in ids]
        return sorted((a for a in found if place_of(a) <= upto), key=place_of)

    def record_archive(
        self, feed: str, state: ArchiveState | None, sealed: Sequence[Article] = ()
    ) -> None:
        with self._lock:
            if state is None:
                self._archives.pop(feed, None)
            else:
                self._archives[feed] = state
            for article in sealed:
                self._marks.get(feed, set()).discard(article.id)
            if state is not None and sealed:
                places = sorted(place_of(a) for a in sealed)
                self._pages[feed, state.sealed] = places
                self._holding.update(((feed, p), state.sealed) for p in places)

    def retractions(self) -> list[Retraction]:
        with self._lock:
            return sorted(self._retractions)

    def holding(self, feed: str, places: Collection[Place]) -> dict[Place, int]:
        with self._lock:
            found = {p: self._holding.get((feed, p)) for p in places}
        return {p: n for p, n in found.items() if n is not None}

    def held(self, feed: str, number: int) -> list[Place] | None:
        with self._lock:
            places = self._pages.get((feed, number))
        return None if places is None else list(places)

    def articles_at(self, feed: str, places: Sequence[Place]) -> list[Article]:
        with self._lock:
            found = [self._articles.get(p[1]) for p in places]
            feeds = self._feeds
            return sorted(
                (a for a in found if a and feed in feeds.get(a.id, ()) and place_of(a) in places),
                key=place_of,
            )

    def rewrite_page(self, feed: str, number: int, places: Sequence[Place]) -> None:
        with self._lock:
            self._pages[feed, number] = sorted(places)

    def resolve(self, retractions: Collection[Retraction]) -> None:
        with self._lock:
            self._retractions.difference_update(retractions)
            for r in retractions:
                self._holding.pop((r.feed, r.place), None)

    def note_rejected(self, key: str, waiting_for: str | None) -> None:
        self._rejected[key] = waiting_for

    def clear_rejected(self, key: str) -> None:
        self._rejected.pop(key, None)

    def rejected(self) -> list[tuple[str, str | None]]:
        with self._lock:
            return sorted(self._rejected.items())

    def due(self, upto: datetime) -> list[Scheduled]:
        with self._lock:
            found = [entry for entry in self._schedule if entry.at <= upto]
        return sorted(found, key=lambda entry: (entry.at, entry.article_id))

    def rederive_asked(self) -> str | None:
        return self._rederive

    def hand_rederive(self, run: str, to: str | None) -> bool:
        with self._lock:
            if self._rederive != run:
                return False
            self._rederive = to
            return True

    def seen(self, key: str) -> Seen | None:
        etag = self._seen.get(key)
        return None if etag is None else Seen(key, etag)

    def mark_seen(self, seen: Seen) -> None:
        self._seen[seen.key] = seen.etag

    def forget_seen(self, key: str) -> None:
        self._seen.pop(key, None)

    def seen_between(self, after: str, until: str | None) -> list[Seen]:
        with self._lock:
            keys = sorted(k for k in self._seen if k > after and (until is None or k <= until))
            return [Seen(k, self._seen[k]) for k in keys]


class FolderStore:
    """FeedStore writing into a folder; leaves identical files untouched."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(
        self, path: str, body: bytes, content_type: str, cache_control: str, *, once: bool = False
    ) -> bool:
        target = self.root / path
        if target.is_file() and _digest(target.read_bytes()) == _digest(body):
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        return True

    def paths(self) -> Iterator[str]:
        root = self.root.resolve()
        if root.is_dir():
            yield from sorted(
                p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
            )

    def delete(self, path: str) -> None:
        (self.root / path).unlink(missing_ok=True)


class MemoryReports:
    """ReportStore kept in a dict, by uploaded key (the CLI prints them)."""

    def __init__(self) -> None:
        self.reports: dict[str, bytes] = {}

    def put_report(self, key: str, body: bytes) -> None:
        self.reports[key] = body

    def reported(self, keys: Collection[str]) -> set[str]:
        return {key for key in keys if key in self.reports}

    def delete_report(self, key: str) -> bool:
        return self.reports.pop(key, None) is not None

    def read_report(self, key: str) -> bytes | None:
        return self.reports.get(key)

    def list_reports(self) -> Iterator[tuple[str, bytes]]:
        """Every report as (uploaded key, body), in key order."""
        yield from sorted(self.reports.items())


def read_within(path: Path, limit: int) -> tuple[bytes | None, int]:
    """A file's bytes and size, the bytes None (the file never read whole) when it holds
    more than `limit`: what `nashra validate` and the editors' tools need of it."""
    with path.open("rb") as file:
        data = _head(file, limit)
        if len(data) <= limit:
            return data, len(data)
        return None, max(os.fstat(file.fileno()).st_size, len(data))


def read_bounded(path: Path, limit: int) -> Fetched:
    """A file's ETag (`etag`), size and bytes, the bytes None when it holds more than
    `limit`: a file of gigabytes in a content folder costs one block of memory, as a GET of
    its first megabyte costs the publisher on S3 (B-1)."""
    with path.open("rb") as file:
        data = _head(file, limit)
        if len(data) <= limit:
            return Fetched(etag(data), len(data), data)
        digest, size = hashlib.md5(data, usedforsecurity=False), len(data)
        while block := file.read(_BLOCK):
            digest.update(block)
            size += len(block)
    return Fetched(digest.hexdigest(), size, None)


_BLOCK = 1 << 20


def _head(file: BinaryIO, limit: int) -> bytes:
    """The file's first `limit` + 1 bytes at most: all of it when it holds `limit` or fewer.

    Asked for as many bytes as the file holds (plus one, to see its end), never `limit` + 1
    at once: a buffer of `limit` bytes for each 4 KB article cost a build of 10,000 files
    a fifth of a second of page faults. A file that grows while read is read on to
    `limit` + 1, as before."""
    size = os.fstat(file.fileno()).st_size
    data = file.read(min(size, limit) + 1)
    if size < len(data) <= limit:  # it grew since the stat: read on, as far as the bound
        data += file.read(limit + 1 - len(data))
    return data


def etag(data: bytes) -> str:
    """S3's ETag of an object uploaded in one PUT: the MD5 of its bytes, in hex."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
