"""A full build's archive pages sealed on two cores: a forked process seals the newer share.

A full build spends most of its flush rendering sealed RFC 5005 archive pages
(`nashra.history`), on one core, while the cores that validated the files wait. So once the
index is complete and every feed's pages are planned, `ForkFarm.start` forks this process:
the child inherits the index and the plan as they are (nothing is copied or sent), renders
and writes its pages, and reports, for each page, what writing each file gave. The
publisher meanwhile renders the older pages, the open pages and the live feeds, and records
every page, the child's included, in order, once its files are written (`Archive.steps`).
A page the child could not write is not recorded: it stays open and is sealed by the next
build, as when a write fails in this process.

The child takes, over all feeds, the newest sealed pages in the order of their places (for
each feed a run of its newest, so a feed is recorded in order), `SHARE` of them. Pages
whose articles follow each other in place stay on one side, so each side converts an
article once (`render.model.shared_entries`).

Only where `fork` is safe: on Linux, in a process with no other thread (the build closes
its pool of validating processes first), with as much memory available as the process
holds (the child copies what it reads), and for a build with at least `FORK_MIN` pages to
seal; otherwise every page is sealed here, as without a farm. The output is the same
either way, byte for byte.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING

from nashra.history import SEALING, Page, sealed_files, write_sealed
from nashra.lookahead import Attempt
from nashra.ports import FeedStore, place_of

if TYPE_CHECKING:
    from nashra.core.site import FeedSpec, Site

# Pages to seal below which forking costs more than it saves (a page renders in ~2 ms).
FORK_MIN = 40
# The child's share of the pages to seal. The publisher also renders the open pages and the
# live feeds, but the child pays for copying what it touches of the parent's memory: half
# balanced best (`bench/vs_hugo.py`, 10,000 articles: 0.4, 0.5 and 0.6 measured).
SHARE = 0.5
# What the child reports for one page: the feed, the page's number, and each file's path
# with whether it was written (or the error that sealing the page raised).
Report = tuple[str, int, list[tuple[str, bool]] | None, str | None]


class FarmError(RuntimeError):
    """The forked process did not seal a page it took."""


def can_fork() -> bool:
    """Whether this process may fork to seal pages: Linux, no thread but this one, and
    memory for a copy of it (`room_to_fork`)."""
    return sys.platform == "linux" and threading.active_count() == 1 and room_to_fork()


def room_to_fork(meminfo: str = "/proc/meminfo", statm: str = "/proc/self/statm") -> bool:
    """Whether the machine has as much memory available as this process holds: the child
    shares the parent's memory until either writes to it, and Python writes to every
    object it reads (its reference count), so the child comes to copy what its pages read
    of the index, half of it and more. A build that would leave too little memory seals
    every page itself instead. Unreadable figures: no fork."""
    try:
        with open(meminfo, encoding="ascii") as info:
            available = next(
                int(line.split()[1]) * 1024 for line in info if line.startswith("MemAvailable:")
            )
        with open(statm, encoding="ascii") as own:
            resident = int(own.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, StopIteration):
        return False
    return available >= resident


class ForkFarm:
    """`nashra.history.Farm` in a forked process (see the module's docstring)."""

    def __init__(self, *, writers: int = 4, share: float = SHARE) -> None:
        self.store: FeedStore | None = None  # the archive's, given by `start`
        self.size = 0  # articles per page, likewise
        self.writers = writers  # threads writing the child's files
        self.share = share
        self.forked = False  # whether `start` forked (for the build's report and tests)
        self._taken: set[tuple[str, int]] = set()
        self._pid: int | None = None
        self._pipe: int | None = None
        self._reports: dict[tuple[str, int], Report] | None = None

    def start(
        self,
        site: Site,
        store: FeedStore,
        size: int,
        feeds: Sequence[tuple[FeedSpec, list[Page]]],
    ) -> None:
        tasks = sorted(
            ((place_of(page.articles[-1]), n, spec, page))
            for n, (spec, pages) in enumerate(feeds)
            for page in pages
            if page.sealed
        )
        if len(tasks) < FORK_MIN or not can_fork():
            return
        theirs = tasks[int(len(tasks) * (1 - self.share)) :]
        self.store, self.size = store, size
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: seals its pages, reports, and exits without returning
            os.close(read)
            _seal_and_exit(write, site, [(spec, page) for _, _, spec, page in theirs], self)
        os.close(write)
        self._pid, self._pipe, self.forked = pid, read, True
        self._taken = {(spec.slug, page.number) for _, _, spec, page in theirs}

    @property
    def taken(self) -> int:
        """Pages the child took to seal (0: it did not fork)."""
        return len(self._taken)

    def takes(self, feed: str, number: int) -> bool:
        return (feed, number) in self._taken

    def sealed(self, feed: str, number: int) -> list[tuple[str, Callable[[], Attempt[bool]]]]:
        from nashra.render.history import archive_paths

        return [
            (path, partial(self._answer, feed, number, path))
            for path in archive_paths(feed, number)
        ]

    def _answer(self, feed: str, number: int, path: str) -> Attempt[bool]:
        report = self._collect().get((feed, number))
        if report is None:
            return Attempt(error=FarmError(f"page {number} of {feed} was not sealed"))
        _, _, written, error = report
        if error is not None or written is None:
            return Attempt(error=FarmError(f"sealing page {number} of {feed}: {error}"))
        found = dict(written).get(path)
        if found is None:
            return Attempt(error=FarmError(f"{path} was not written"))
        return Attempt(found)

    def _collect(self) -> dict[tuple[str, int], Report]:
        """Every page's report, once the child has finished (waits for it)."""
        if self._reports is None:
            self._reports = {}
            if self._pipe is not None:
                with os.fdopen(self._pipe, "rb") as pipe:
                    data = pipe.read()
                self._pipe = None
                self._wait()
                try:
                    reports: list[Report] = pickle.loads(data) if data else []
                except Exception:  # a child that died mid-report sealed nothing for sure
                    reports = []
                self._reports = {(r[0], r[1]): r for r in reports}
        return self._reports

    def _wait(self) -> None:
        if self._pid is not None:
            os.waitpid(self._pid, 0)
            self._pid = None

    def close(self) -> None:
        """Wait for the child, if it is still running (its pages left unrecorded)."""
        self._collect()


def _seal_and_exit(
    pipe: int, site: Site, pages: list[tuple[FeedSpec, Page]], farm: ForkFarm
) -> None:
    """In the child: seal each page in order, its files written by threads of its own
    while the next renders (at most `SEALING` pages in flight), report each page, and exit
    (never returns)."""
    code = 1
    try:
        gc.disable()  # it exits when done: collecting would only copy the parent's pages
        from nashra.publish import SHARED_BYTES, SHARED_ENTRIES
        from nashra.render.model import shared_entries

        reports: list[Report] = []
        flight: deque[tuple[FeedSpec, Page, list[tuple[str, Future[bool]]]]] = deque()
        with (
            shared_entries(SHARED_ENTRIES, SHARED_BYTES),
            ThreadPoolExecutor(farm.writers) as writers,
        ):
            assert farm.store is not None  # given by `start`, before the fork
            write = partial(write_sealed, farm.store)
            for spec, page in pages:
                try:
                    files = sealed_files(site, spec, page, farm.size)
                except Exception as exc:  # this page is not recorded, the others are
                    reports.append(_failed(spec, page, exc))
                    continue
                flight.append(
                    (spec, page, [(p, writers.submit(write, p, b)) for p, b in files.items()])
                )
                if len(flight) > SEALING:
                    reports.append(_written(*flight.popleft()))
            reports += [_written(*sealing) for sealing in flight]
        with os.fdopen(pipe, "wb") as out:
            out.write(pickle.dumps(reports, pickle.HIGHEST_PROTOCOL))
        code = 0
    finally:
        os._exit(code)


def _written(spec: FeedSpec, page: Page, writes: list[tuple[str, Future[bool]]]) -> Report:
    try:
        return (spec.slug, page.number, [(path, done.result()) for path, done in writes], None)
    except Exception as exc:  # this page is not recorded, the others are
        return _failed(spec, page, exc)


def _failed(spec: FeedSpec, page: Page, exc: Exception) -> Report:
    return (spec.slug, page.number, None, f"{type(exc).__name__}: {exc}")
