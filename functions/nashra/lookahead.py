"""What one batch reads ahead, and the index as the batch itself has changed it.

The publisher reconciles keys one after another, because what it decides for one key can
depend on what it wrote for the key before (an id released, a file waiting for it). What
it *reads* for them does not: each key's bytes, the ETag the index has seen, the article
its key item names, whether it has a report. So before reconciling a window of keys the
publisher asks `Lookahead.prefetch` for all of it at once, concurrently: one GET per key,
one index lookup (one BatchGetItem per 100 items) and one report listing for the window,
plus the config the first time. Then each key is decided from memory and written with one
index commit; `applied` keeps the answers in step with those commits, so a later key of
the batch reads what an earlier one wrote. Nothing else writes the index while a batch
runs: the work queue is one FIFO group (D2).

A read that failed is kept with its error and raised where the key that needed it is
reconciled, inside that key's failure boundary; a key read ahead is read ahead once, and
anything not read ahead (a nested retry, a second message for the same key) is read when
needed, as before. At most `WINDOW` keys' bytes are held at once.

>>> from nashra.adapters.local import MemoryIndex, MemoryReports
>>> class Inbox:
...     def fetch(self, key, limit):
...         return Fetched("e1", 2, b"{}") if key == "articles/a.json" else None
>>> ahead = Lookahead(Inbox(), MemoryIndex(), MemoryReports(), Pool(1))
>>> ahead.prefetch(["articles/a.json", "articles/gone.json"], config=False)
>>> ahead.fetch("articles/a.json"), ahead.fetch("articles/gone.json")
(Fetched(etag='e1', size=2, body=b'{}'), None)
>>> ahead.seen("articles/a.json") is None, ahead.has_report("articles/a.json")
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Generic, Protocol, TypeVar, cast, runtime_checkable

from nashra.core.decode import MAX_DOCUMENT_BYTES
from nashra.core.keys import CONFIG_KEYS, SECTIONS_KEY, SITE_KEY, file_stem
from nashra.ports import (
    ArticleSource,
    Change,
    Deferred,
    Fetched,
    ForgetSeen,
    Index,
    Indexed,
    Lookup,
    MarkSeen,
    Remove,
    ReportStore,
    Save,
    Seen,
    SetDeferred,
)

WINDOW = 32  # keys read ahead at once: at most 32 MiB of inbox bytes held (B-1)
# Keys whose reports one listing asks about: the window and those after it, up to here.
# Bounded, so that a backlog of n keys costs n/REPORTS_AHEAD listings and O(n) work, not
# a rescan of every remaining key per window (quadratic: minutes at 100,000 keys).
REPORTS_AHEAD = 1024
# Calls side by side: one upload's flush writes 12 files at once (gulf and all: three
# formats and a page each, and an archive page's two formats each), a breaking story's 18.
# The handler's clients keep as many connections (botocore's default is 10).
WORKERS = 16

_T = TypeVar("_T")


def config_bytes(key: str, found: Fetched | None) -> bytes | None:
    """A config file's bytes from one bounded read, None when it is missing. Over 1 MiB
    (B-1) it is a ConfigError on its size: a site.json of gigabytes is reported, never
    downloaded into a function of 1,769 MB that would die of it on every batch."""
    if found is None:
        return None
    if found.body is None:
        from nashra.core.decode import size_problem
        from nashra.core.problems import ConfigError

        problem = size_problem(max(found.size, MAX_DOCUMENT_BYTES + 1), key)
        raise ConfigError((problem,) if problem else ())
    return found.body


@dataclass(frozen=True)
class Attempt(Generic[_T]):
    """What one call gave: its value, or the error it raised (kept to raise later)."""

    value: _T | None = None
    error: BaseException | None = None

    def get(self) -> _T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class Pool:
    """Runs independent calls side by side and answers in the order they were given,
    whatever order they finish in: callers stay deterministic. One worker: in order, in
    the calling thread (`nashra build` over a folder needs no threads)."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers

    def run(self, calls: Sequence[Callable[[], _T]]) -> list[Attempt[_T]]:
        if self.workers <= 1 or len(calls) <= 1:
            return [_attempt(call) for call in calls]
        return [answer() for answer in [self.submit(call) for call in calls]]

    def submit(self, call: Callable[[], _T]) -> Callable[[], Attempt[_T]]:
        """Start `call`; what it gave, once it has: `pool.submit(f)()` waits for `f`."""
        if self.workers <= 1:
            done = _attempt(call)
            return lambda: done
        return _executor(self.workers).submit(_attempt, call).result


@lru_cache(maxsize=4)
def _executor(workers: int) -> ThreadPoolExecutor:
    """One executor per size for the process, reused while a Lambda environment is warm."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nashra-io")


def _attempt(call: Callable[[], _T]) -> Attempt[_T]:
    try:
        return Attempt(call())
    except Exception as error:  # kept, raised by whoever needs the answer
        return Attempt(error=error)


@runtime_checkable
class ChecksAhead(Protocol):
    """A FeedStore that can check files before their bytes are known (the handler's
    `VariantStore`): `expect` starts checking each path, side by side with whatever the
    caller does meanwhile, and the path's next write compares with that answer."""

    def expect(self, paths: Iterable[str]) -> None: ...


def expect(store: object, paths: Iterable[str]) -> None:
    """Start checking `paths` ahead when `store` can (`ChecksAhead`); else nothing: each
    write checks its own path."""
    if isinstance(store, ChecksAhead):
        store.expect(paths)


class Lookahead:
    """Answers the publisher's reads from what was read ahead, else from the ports."""

    def __init__(
        self,
        source: ArticleSource,
        index: Index,
        reports: ReportStore,
        pool: Pool,
        limit: int = MAX_DOCUMENT_BYTES,
    ) -> None:
        self.source, self.index, self.reports, self.pool = source, index, reports, pool
        self.limit = limit  # bytes read of one file at most (B-1)
        self._fetched: dict[str, Attempt[Fetched | None]] = {}
        self._etags: dict[str, str] = {}  # key -> the ETag this batch read it at
        self._read_ahead: set[str] = set()  # keys read ahead once already
        self._failed: dict[str, BaseException] = {}  # key -> its lookup's error
        self._seen: dict[str, Seen | None] = {}
        self._owners: dict[str, str | None] = {}
        self._articles: dict[str, Indexed | None] = {}
        self._reported: dict[str, bool] = {}
        self._config: dict[str, Attempt[Fetched | None]] = {}
        self._config_read: dict[str, Seen | None] = {}  # config key -> what config_file read
        self._deferred: Attempt[Deferred | None] | None = None

    # -- reading ahead -------------------------------------------------------------------

    def prefetch(
        self,
        keys: Iterable[str],
        *,
        config: bool,
        deferred: bool = False,
        upcoming: Iterable[str] = (),
    ) -> None:
        """Read what reconciling `keys` needs, side by side: each key's bytes, the index's
        items for them (and the deferred-render record when `deferred`), the config files
        when `config` and not read yet, and which of `keys` and `upcoming` (the keys after
        this window) have reports: one listing usually answers for a whole sweep chunk."""
        keys = [k for k in dict.fromkeys(keys) if k not in self._read_ahead]
        self._read_ahead.update(keys)
        config = config and not self._config
        deferred = deferred and self._deferred is None
        if not (keys or config or deferred):
            return
        # The id a file gets when it names none, its file name (`core.intake`), read ahead
        # as a guess: a new or updated article usually costs no second index read.
        ids = [i for i in dict.fromkeys(file_stem(k) for k in keys) if i not in self._articles]
        # Asked only when a key of this window is not known yet: then for `upcoming` too.
        unknown = any(k not in self._reported for k in keys)
        config_keys = (SITE_KEY, SECTIONS_KEY) if config else ()
        # With the config, whether its files have reports: one left from a time the config
        # was broken goes once it reads clean (`Publisher.config`).
        asked = [
            k for k in dict.fromkeys([*keys, *upcoming, *config_keys]) if k not in self._reported
        ]
        asked = asked if unknown else []
        # The index's seen items of the config files ride along with the keys' lookup:
        # the publisher checks the config it validates under was reconciled (`Publisher`).
        calls: list[Callable[[], object]] = [
            partial(self.index.lookup, [*keys, *config_keys], ids, deferred=deferred),
            partial(self.reports.reported, asked) if asked else partial(set),
            *(partial(self.source.fetch, k, self.limit) for k in keys),
            *(partial(self.source.fetch, k, self.limit) for k in config_keys),
        ]
        looked, reported, *rest = self.pool.run(calls)
        for key, fetched in zip(keys, rest, strict=False):
            self._fetched[key] = cast(Attempt[Fetched | None], fetched)
        for key, found in zip(config_keys, rest[len(keys) :], strict=True):
            self._config[key] = cast(Attempt[Fetched | None], found)
        self._take_reported(asked, cast(Attempt[set[str]], reported))
        self._take_lookup(keys, deferred, cast(Attempt[Lookup], looked))

    def _take_reported(self, keys: list[str], reported: Attempt[set[str]]) -> None:
        if reported.error is None:  # else unknown: asked key by key when it matters
            found = reported.get()
            self._reported.update({k: k in found for k in keys})

    def _take_lookup(self, keys: list[str], deferred: bool, looked: Attempt[Lookup]) -> None:
        if looked.error is not None:
            self._failed.update(dict.fromkeys(keys, looked.error))
            if deferred:
                self._deferred = Attempt(error=looked.error)
            return
        found = looked.get()
        self._remember(found, deferred)
        # Files whose key item names an id other than their file name (an explicit id):
        # their articles in one more lookup, rather than one read each later.
        others = {i for i in found.owners.values() if i is not None and i not in self._articles}
        if others:
            try:
                self._remember(self.index.lookup((), sorted(others), deferred=False), False)
            except Exception as error:
                for key in keys:
                    if found.owners.get(key) in others:
                        self._failed[key] = error

    def _remember(self, found: Lookup, deferred: bool) -> None:
        for store, answers in (
            (self._seen, found.seen),
            (self._owners, found.owners),
            (self._articles, found.articles),
        ):
            for name, answer in answers.items():
                store.setdefault(name, answer)  # type: ignore[arg-type]
        if deferred:
            self._deferred = Attempt(found.deferred)

    # -- answers -------------------------------------------------------------------------

    def was_read_ahead(self, key: str) -> bool:
        return key in self._read_ahead

    def fetch(self, key: str) -> Fetched | None:
        """The key's bytes as read ahead (once: they are let go of), else read now."""
        attempt = self._fetched.pop(key, None)
        fetched = attempt.get() if attempt is not None else self.source.fetch(key, self.limit)
        if fetched is not None:
            self._etags[key] = fetched.etag
        return fetched

    def read_at(self, key: str) -> str | None:
        """The ETag this batch last read `key` at, if it read it: a second message for the
        key in the same batch needs no second GET when the index has seen that ETag (a
        change since has an event of its own, after this batch's)."""
        return self._etags.get(key)

    def config_file(self, key: str) -> bytes | None:
        """A config file as read ahead (once), else read now: its first MiB at most
        (`config_bytes`)."""
        attempt = self._config.pop(key, None)
        found = attempt.get() if attempt is not None else self.source.fetch(key, self.limit)
        self._config_read[key] = None if found is None else Seen(key, found.etag)
        return config_bytes(key, found)

    def unseen_config(self) -> list[str]:
        """The config keys this batch read at other bytes than the index has seen of them
        (or read as missing): changes whose events have not come yet. A key the index has
        never seen is left to the sweep, which finds it whatever it holds by then (and so
        an index that never reconciles the config, as in some tests, is left as it is)."""
        found = []
        for key, read in self._config_read.items():
            seen = self.seen(key)
            if seen is not None and read != seen:
                found.append(key)
        return found

    def seen(self, key: str) -> Seen | None:
        self._raise_failed(key)
        if key not in self._seen:
            self._remember(self.index.lookup([key], (), deferred=False), False)
        return self._seen[key]

    def get(self, article_id: str) -> Indexed | None:
        """The indexed article with this id, with its stored feeds."""
        if article_id not in self._articles:
            self._remember(self.index.lookup((), [article_id], deferred=False), False)
        return self._articles[article_id]

    def find_by_key(self, key: str) -> Indexed | None:
        """The indexed article that came from inbox object `key`."""
        self._raise_failed(key)
        if key not in self._owners:
            self._remember(self.index.lookup([key], (), deferred=False), False)
        owner = self._owners[key]
        found = None if owner is None else self.get(owner)
        return found if found is not None and found.article.key == key else None

    def has_report(self, key: str) -> bool | None:
        """Whether `key` has a report; None when not known (ask the store)."""
        return self._reported.get(key)

    def knows_deferred(self) -> bool:
        """Whether the deferred-render record was read (ahead) already."""
        return self._deferred is not None and self._deferred.error is None

    def deferred(self) -> Deferred | None:
        """The deferred-render record (read now unless read ahead)."""
        if self._deferred is None:
            self._deferred = Attempt(self.index.lookup((), (), deferred=True).deferred)
        return self._deferred.get()

    def _raise_failed(self, key: str) -> None:
        error = self._failed.pop(key, None)  # raised once; asked again if needed again
        if error is not None:
            raise error

    # -- what the batch wrote ------------------------------------------------------------

    def reported(self, key: str, present: bool) -> None:
        """A report on `key` was just written (True) or deleted (False)."""
        self._reported[key] = present

    def applied(self, changes: Collection[Change]) -> None:
        """Keep the answers in step with changes the index has just committed."""
        for change in changes:
            if isinstance(change, Save):
                article = change.article
                previous = change.previous.article if change.previous else None
                if previous is not None and previous.key != article.key:
                    self._owners[previous.key] = None
                self._articles[article.id] = Indexed(article, change.feeds)
                self._owners[article.key] = article.id
            elif isinstance(change, Remove):
                self._articles[change.indexed.article.id] = None
                self._owners[change.indexed.article.key] = None
            elif isinstance(change, MarkSeen):
                self._seen[change.seen.key] = change.seen
            elif isinstance(change, ForgetSeen):
                self._seen[change.key] = None
            elif isinstance(change, SetDeferred):
                self._deferred = Attempt(change.deferred)


def wants_config(keys: Iterable[str]) -> bool:
    """Whether reconciling `keys` reads the config: any key but a config file's own event
    (which reads it once it knows it changed)."""
    return any(k not in CONFIG_KEYS for k in keys)
