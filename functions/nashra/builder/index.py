"""The article index of one `nashra build`: `MemoryIndex`, with articles read from the build
cache only when the publisher asks for them.

An incremental build starts from the index the last build left (ids, keys, feeds and dates of
every article, from the cache's manifest), so it touches only what changed; reading every
cached article back would cost more than the build. The feeds' newest articles are found by
date and id without reading an article, then only those are read.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from datetime import UTC, datetime, timedelta

from nashra.adapters.local import MemoryIndex
from nashra.core.article import Article
from nashra.ports import ArchiveState, Place

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

# Where the cache keeps an article that has not been read yet: (offset, length).
Ref = tuple[int, int]


def instant(moment: datetime) -> int:
    """Microseconds since the epoch: aware datetimes compare as these integers do (one
    instant in two zones is equal), so (instant, id) orders articles as (published, id).

    >>> from zoneinfo import ZoneInfo
    >>> a = datetime(2026, 3, 1, 12, tzinfo=UTC)
    >>> instant(a) == instant(a.astimezone(ZoneInfo("Asia/Kuwait"))), instant(_EPOCH)
    (True, 0)
    """
    if moment.tzinfo is None:  # never from intake; ordered among themselves as if UTC
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


class _Articles(MutableMapping[str, Article]):
    """Articles by id; those still in the cache are read the first time they are asked for.
    `advise`, if given, is told the places of several about to be read (`ahead`)."""

    def __init__(
        self, load: Callable[[Ref], Article], advise: Callable[[list[Ref]], None] | None = None
    ) -> None:
        self.loaded: dict[str, Article] = {}
        self.stored: dict[str, Ref] = {}
        self._load = load
        self._advise = advise

    def ahead(self, article_ids: Iterable[str]) -> None:
        """These articles are read next: the cache may read them side by side."""
        if self._advise is not None:
            stored = self.stored
            refs = [stored[i] for i in article_ids if i in stored]
            if len(refs) > 1:
                self._advise(refs)

    def __getitem__(self, article_id: str) -> Article:
        found = self.loaded.get(article_id)
        if found is None:
            ref = self.stored.pop(article_id)  # KeyError: not in the index
            found = self.loaded[article_id] = self._load(ref)
        return found

    def __setitem__(self, article_id: str, article: Article) -> None:
        self.stored.pop(article_id, None)
        self.loaded[article_id] = article

    def __delitem__(self, article_id: str) -> None:
        if self.loaded.pop(article_id, None) is None:
            del self.stored[article_id]

    def __contains__(self, article_id: object) -> bool:
        return article_id in self.loaded or article_id in self.stored

    def __iter__(self) -> Iterator[str]:
        yield from list(self.loaded)
        yield from list(self.stored)

    def __len__(self) -> int:
        return len(self.loaded) + len(self.stored)


class BuildIndex(MemoryIndex):
    """`MemoryIndex` (same answers, tested side by side) that keeps each article's place in
    its feeds as (instant, id), and may start from a cached index whose articles are read
    on demand (`restore`)."""

    def __init__(
        self,
        load: Callable[[Ref], Article] | None = None,
        advise: Callable[[list[Ref]], None] | None = None,
    ) -> None:
        super().__init__()
        # Read through MemoryIndex's methods as a dict would be (get, [], pop).
        self._articles = _Articles(load or _nothing_stored, advise)  # type: ignore[assignment]
        self._order: dict[str, tuple[int, str]] = {}

    def restore(
        self,
        articles: Iterable[tuple[str, str, frozenset[str], int, Ref]],
        rejected: Iterable[tuple[str, str | None]],
        archives: tuple[dict[str, ArchiveState], dict[str, frozenset[str]]] = ({}, {}),
    ) -> None:
        """Start from a cached index: (id, key, feeds, instant of `published`, where the
        cache holds it) for every article, every rejected key with the id it waits for, and
        the feeds' archive states and marked articles (`archive_state`)."""
        stored = self._stored()
        for article_id, key, feeds, when, ref in articles:
            stored[article_id] = ref
            self._feeds[article_id] = feeds
            self._by_key[key] = article_id
            self._order[article_id] = (when, article_id)
        self._rejected.update(rejected)
        states, marks = archives
        self._archives.update(states)
        self._marks.update({feed: set(ids) for feed, ids in marks.items()})

    def _stored(self) -> dict[str, Ref]:
        return self._cached().stored

    def _cached(self) -> _Articles:
        articles = self._articles
        assert isinstance(articles, _Articles)
        return articles

    def ahead(self, article_ids: Iterable[str]) -> None:
        """These articles are read next (`get`): those still in the cache are read from it
        side by side (`BuildCache.advise`), not one by one as they are asked for."""
        self._cached().ahead(article_ids)

    def save(self, article: Article, feeds: frozenset[str], previous: Article | None) -> None:
        super().save(article, feeds, previous)
        self._order[article.id] = (instant(article.published), article.id)

    def remove(self, article: Article) -> None:
        super().remove(article)
        self._order.pop(article.id, None)

    def _retract(self, article: Article) -> None:
        """Nothing: a build writes again, as a clean build writes them, the sealed pages an
        edit reaches (`nashra.builder`), or builds clean."""

    def newest(self, feed: str, limit: int) -> list[Article]:
        order = self._order
        members = (order[i] for i, feeds in self._feeds.items() if feed in feeds)
        chosen = [i for _, i in heapq.nlargest(limit, members)]
        self.ahead(chosen)
        return [self._articles[i] for i in chosen]

    def between(self, feed: str, after: Place | None, before: Place) -> Iterator[Article]:
        """As `MemoryIndex.between`, reading only the articles in the range."""
        low = None if after is None else (instant(after[0]), after[1])
        high = (instant(before[0]), before[1])
        order = self._order
        with self._lock:
            places = sorted(
                order[i]
                for i, feeds in self._feeds.items()
                if feed in feeds and order[i] < high and (low is None or order[i] > low)
            )
        self.ahead(article_id for _, article_id in places)
        for _, article_id in places:
            yield self._articles[article_id]

    def marked(self, feed: str, upto: Place) -> list[Article]:
        """As `MemoryIndex.marked`, the marked articles read from the cache side by side."""
        with self._lock:
            ids = list(self._marks.get(feed, ()))
        self.ahead(ids)
        return super().marked(feed, upto)

    def archive_state(self) -> tuple[dict[str, ArchiveState], dict[str, frozenset[str]]]:
        """Every feed's archive state, and the articles marked in each (`nashra.history`)."""
        with self._lock:
            marks = {feed: frozenset(ids) for feed, ids in self._marks.items() if ids}
            return dict(self._archives), marks

    def owners(self) -> dict[str, str]:
        """Every indexed article's key, by id (what a build's outcome is checked against)."""
        return {article_id: key for key, article_id in self._by_key.items()}

    def place(self, article_id: str) -> tuple[frozenset[str], int] | None:
        """The feeds and the instant of an indexed article, without reading it."""
        feeds = self._feeds.get(article_id)
        return None if feeds is None else (feeds, self._order[article_id][0])


def _nothing_stored(ref: Ref) -> Article:
    raise KeyError(ref)
