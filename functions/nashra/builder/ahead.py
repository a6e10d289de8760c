"""Intake on every core: the article files of a build, read and validated ahead of the
publisher by a pool of processes.

The publisher reconciles keys one by one, in key order, on one core; what it spends nearly
all its time on is intake (`core.intake.parse_article`), which needs nothing but the file's
bytes, the config and the time. So the files are cut into chunks, in key order, and each
chunk is read, hashed and validated in a worker process; the publisher then reads each
file's bytes from what the worker read (`PrefetchSource`) and its intake result from what
the worker computed (`Recorder`, the publisher's `intake`). Only a few chunks are ever in
flight or waiting, so memory stays bounded however large the folder.

The answer is always what `parse_article` gives for the publisher's own arguments: a result
computed ahead is used only for the same key, the same bytes (the very bytes the publisher
got), the same config and the same time; anything else is validated again on the spot.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from nashra.adapters.local import FolderSource, etag
from nashra.builder.cache import CacheUnreadableError, Ref, content_digest, dump_result, load_result
from nashra.builder.index import instant
from nashra.core.decode import MAX_DOCUMENT_BYTES
from nashra.core.intake import IntakeResult, parse_article
from nashra.core.keys import is_article_key
from nashra.core.site import Section, Site
from nashra.ports import Fetched
from nashra.publish import Config

if TYPE_CHECKING:
    from concurrent.futures import Future

CHUNK = 200  # files per task: large enough to amortise a task, small enough to spread
# A chunk's first file read slower than this was not in memory but on the disk (a folder
# not read for a while): its other files are read ahead, side by side (`FolderSource.advise`).
# A read from memory takes about 20 µs, one from the disk about 100 µs or more.
COLD_READ = 60e-6

# What a worker hands back for one file: key, bytes, MD5 of the bytes, and the pickled
# intake result (None when intake raised: the publisher's call raises the same, and the
# publisher reports it).
Read = tuple[str, bytes, bytes, bytes | None]

# What every chunk of this build is validated against, set in each worker as it starts.
_WORK: dict[str, tuple[FolderSource, Site, tuple[Section, ...], datetime]] = {}


def _start(root: Path, site: Site, sections: tuple[Section, ...], now: datetime) -> None:
    """Pool initializer."""
    _WORK["job"] = (FolderSource(root), site, sections, now)


def intake_chunk(keys: Sequence[str]) -> list[Read]:
    """Read and validate files in a worker. A file gone, unreadable or over the size limit
    is left to the publisher, which reads (or refuses) it itself. When the first file came
    from the disk, the others are read ahead (`COLD_READ`)."""
    source, site, sections, now = _WORK["job"]  # set by `_start` (a pool of `Ahead`)
    done: list[Read] = []
    for n, key in enumerate(keys):
        started = time.perf_counter()
        try:
            found = source.fetch(key, MAX_DOCUMENT_BYTES)
        except OSError:
            continue
        if n == 0 and time.perf_counter() - started > COLD_READ:
            source.advise(keys[1:])  # the folder is on the disk: read the rest ahead
        if found is None or found.body is None:
            continue
        raw = found.body
        try:
            result = parse_article(raw, key=key, site=site, sections=sections, now=now)
            blob: bytes | None = dump_result(result)
        except Exception:  # the publisher's own call fails the same way, and reports it
            blob = None
        done.append((key, raw, bytes.fromhex(found.etag), blob))  # the ETag is its MD5
    return done


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Ahead:
    """Chunks of keys validated by a pool, handed out in the order the publisher asks."""

    def __init__(
        self,
        keys: Sequence[str],
        *,
        root: Path,
        config: Config,
        now: datetime,
        jobs: int,
    ) -> None:
        # Imported here: a build too small for a pool never loads them.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Fork where there is one: the workers start with everything imported already.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._pool = ProcessPoolExecutor(
            jobs,
            mp_context=context,
            initializer=_start,
            initargs=(root, config.site, config.sections, now),
        )
        self._chunks = [list(keys[i : i + CHUNK]) for i in range(0, len(keys), CHUNK)]
        self._chunk_of = {key: n for n, part in enumerate(self._chunks) for key in part}
        self._futures: deque[Future[list[Read]]] = deque()
        self._submitted = self._taken = 0
        self._ready: dict[str, Read] = {}
        self.read = 0  # files the workers read (and validated)
        self._window = 3 * jobs  # chunks in flight or waiting: bounds memory
        for _ in range(self._window):
            self._submit()

    def _submit(self) -> None:
        if self._submitted < len(self._chunks):
            part = self._chunks[self._submitted]
            self._futures.append(self._pool.submit(intake_chunk, part))
            self._submitted += 1

    def _wait_for(self, key: str) -> None:
        wanted = self._chunk_of.get(key)
        while wanted is not None and self._taken <= wanted:
            future = self._futures.popleft()
            self._taken += 1
            try:
                for read in future.result():
                    self._ready[read[0]] = read
                    self.read += 1
            except Exception:  # a broken worker: these keys are read and validated on the spot
                pass
            self._submit()

    def peek(self, key: str) -> Read | None:
        """What a worker read for `key`, if it did (waiting for its chunk if need be)."""
        self._wait_for(key)
        return self._ready.get(key)

    def take(self, key: str) -> Read | None:
        """As `peek`, and forgets it: a second call reads and validates on the spot."""
        self._wait_for(key)
        return self._ready.pop(key, None)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class PrefetchSource(FolderSource):
    """`FolderSource` that answers with the bytes a worker (or an earlier scan) read, once
    per key, and can hide keys (an incremental build deletes a changed file from the
    index, then adds it again). Every read of `FolderSource` goes through `fetch` (at most
    a limit, the publisher's articles) or `_bytes` (whole, its config files)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.ahead: Ahead | None = None
        self.prefetched: dict[str, bytes] = {}
        self.hidden: set[str] = set()
        self.read_here = 0  # article files this process read itself

    def fetch(self, key: str, limit: int) -> Fetched | None:
        """As `FolderSource.fetch`, answered from the bytes already read when there are
        some (with the ETag a worker computed for them)."""
        if key in self.hidden:
            return None
        held = self._held(key)
        if held is not None:
            raw, tag = held
            return Fetched(tag or etag(raw), len(raw), raw if len(raw) <= limit else None)
        found = super().fetch(key, limit)
        self.read_here += found is not None and is_article_key(key)
        return found

    def _bytes(self, key: str) -> bytes | None:
        if key in self.hidden:
            return None
        held = self._held(key)
        if held is not None:
            return held[0]
        raw = super()._bytes(key)
        self.read_here += raw is not None and is_article_key(key)
        return raw

    def _held(self, key: str) -> tuple[bytes, str | None] | None:
        """The bytes already read for `key` (given once), with the ETag a worker computed
        for them (None: the scan's, not computed yet)."""
        raw = self.prefetched.pop(key, None)
        if raw is not None:
            return raw, None
        read = None if self.ahead is None else self.ahead.peek(key)
        return None if read is None else (read[1], read[2].hex())


@dataclass(frozen=True)
class Logged:
    """What the cache keeps of one intake call."""

    digest: bytes
    ref: Ref | None  # None: intake raised (or no cache), nothing kept
    claim: str | None = None  # the id of the result's article
    when: int = 0  # that article's `published` (`instant`)
    # The result depends on the time of the build: a date too far in the future now may
    # not be later, and a scheduled article is published once its time comes (B-20). Any
    # other result holds for every later time (`core.dates`, B-9).
    volatile: bool = False


def _logged(digest: bytes, ref: Ref | None, result: IntakeResult) -> Logged:
    article = result.article
    volatile = any(p.rule == "future" for p in result.problems) or (
        article is not None and article.status == "scheduled"
    )
    if article is None:
        return Logged(digest, ref, volatile=volatile)
    return Logged(digest, ref, article.id, instant(article.published), volatile)


class Recorder:
    """The publisher's `intake`: `parse_article`, answered from results computed ahead (by
    the pool, or for an incremental build by the scan) or cached, when they were computed
    from the same bytes with the same config and time; every answer is logged for the
    cache (`log`)."""

    def __init__(
        self,
        *,
        config: Config | None,
        now: datetime,
        ahead: Ahead | None = None,
        computed: dict[str, tuple[bytes, bytes | None]] | None = None,
        cached: dict[str, tuple[bytes, Ref]] | None = None,
        read_cached: Callable[[Ref], bytes] | None = None,
        keep: Callable[[bytes], Ref | None] | None = None,
        cached_in_place: bool = False,
    ) -> None:
        self._config = config
        self._now = now
        self._ahead = ahead
        self._computed = computed or {}  # key -> (MD5, pickled result) from the scan
        self._cached = cached or {}  # key -> (MD5, ref) of the last build's result
        self._read_cached = read_cached
        self._keep = keep  # appends a pickled result to the cache, None: no cache
        self._in_place = cached_in_place  # this build appends to the cached results file
        self.log: dict[str, Logged] = {}
        self.reused = 0  # answers from the cache (not validated by this build)

    def _agreed(self, site: Site, sections: tuple[Section, ...], now: datetime) -> bool:
        config = self._config
        if config is None or now != self._now:
            return False
        if site is config.site and sections is config.sections:
            return True
        if site == config.site and sections == config.sections:
            # The publisher reads the config itself: the same once compared.
            self._config = Config(site=site, sections=sections)
            return True
        return False

    def __call__(
        self, raw: bytes, *, key: str, site: Site, sections: tuple[Section, ...], now: datetime
    ) -> IntakeResult:
        if not self._agreed(site, sections, now):
            return parse_article(raw, key=key, site=site, sections=sections, now=now)
        found = self._answer(raw, key)
        if found is not None:
            return found
        digest = content_digest(raw)
        try:
            result = parse_article(raw, key=key, site=site, sections=sections, now=now)
        except Exception:
            self.log[key] = Logged(digest, None)
            raise
        blob = b"" if self._keep is None else dump_result(result)  # pickled only to be kept
        self._record(key, digest, blob, result)
        return result

    def _answer(self, raw: bytes, key: str) -> IntakeResult | None:
        """The result computed ahead or cached for these bytes, if there is one."""
        read = None if self._ahead is None else self._ahead.take(key)
        if read is not None and (read[1] is raw or read[1] == raw) and read[3] is not None:
            return self._record(key, read[2], read[3], load_result(read[3]))
        digest, blob = self._computed.pop(key, (b"", None))
        if blob is not None and content_digest(raw) == digest:
            return self._record(key, digest, blob, load_result(blob))
        cached = self._cached.get(key)
        if cached is not None and self._read_cached is not None:
            digest, ref = cached
            if content_digest(raw) == digest:
                blob = self._read_cached(ref)
                self.reused += 1
                if self._in_place:
                    result = _checked(load_result(blob), key)
                    self.log[key] = _logged(digest, ref, result)
                    return result
                return self._record(key, digest, blob, load_result(blob))
        return None

    def _record(self, key: str, digest: bytes, blob: bytes, result: object) -> IntakeResult:
        checked = _checked(result, key)
        ref = None if self._keep is None else self._keep(blob)
        self.log[key] = _logged(digest, ref, checked)
        return checked


def _checked(result: object, key: str) -> IntakeResult:
    if not isinstance(result, IntakeResult):
        raise CacheUnreadableError(f"the result kept for {key} is not an intake result")
    return result
