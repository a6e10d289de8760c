"""The publisher's critical path (bench/critical_path.py): which calls are made side by
side. Each test holds calls that must overlap at a `threading.Barrier` that lets them
through only once all of them are waiting: made one after another, they time out and the
test fails; made side by side, nothing waits. No sleeps.

- the flush asks for every touched feed's newest with the feeds' archive states, then for
  every feed's range past its boundary with its marks (D12), before it renders a feed;
- no read of the index is in flight while the flush writes it (a seal): moto's DynamoDB
  fails a read that overlaps a write to the same table, and the order stays deterministic;
- the files the flush will write are checked ahead, side by side with those reads: each
  feed's files with its newest, its open archive page's with its range;
- a changed file's two variants are written side by side, the file itself once both are
  (D10), and a failed variant leaves the file as it was.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nashra.adapters.local import FolderSource, MemoryIndex, MemoryReports
from nashra.adapters.variants import VariantStore
from nashra.core.keys import CONFIG_KEYS
from nashra.ports import ArchiveState, Place
from nashra.publish import Publisher
from nashra.render import FEED_FILES
from publishing import CountingStore, empty_inbox

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
LIVE, PAGE = 3, 2  # items_per_feed, articles per archive page: sealed pages after a few
WAIT = 10.0  # seconds a barrier waits before it breaks (only when calls do not overlap)
NAMES = ("rss.xml", "atom.xml")  # an archive page's files


class Rounds(MemoryIndex):
    """MemoryIndex whose flush reads wait at barriers once `expect` names the feeds:
    every feed's newest and the states meet at one, every feed's range and marks at the
    next. Counts the reads in flight, and notes a write made while one was."""

    def __init__(self) -> None:
        super().__init__()
        self.first: threading.Barrier | None = None
        self.second: threading.Barrier | None = None
        self.in_flight = 0
        self.overlaps: list[str] = []
        self.broken: list[str] = []
        self._count = threading.Lock()

    def expect(self, feeds: int, marked: int) -> None:
        self.first = threading.Barrier(feeds + 1, timeout=WAIT)  # newest each, the states
        self.second = threading.Barrier(feeds + marked, timeout=WAIT)

    def _meet(self, barrier: threading.Barrier | None, call: str) -> None:
        if barrier is not None:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                self.broken.append(call)
                raise

    def _reading(self, step: int) -> None:
        with self._count:
            self.in_flight += step

    def newest(self, feed: str, limit: int) -> list[Any]:
        self._reading(1)
        try:
            self._meet(self.first, f"newest {feed}")
            return super().newest(feed, limit)
        finally:
            self._reading(-1)

    def archives(self) -> dict[str, ArchiveState]:
        self._reading(1)
        try:
            self._meet(self.first, "archives")
            return super().archives()
        finally:
            self._reading(-1)

    def between(self, feed: str, after: Place | None, before: Place) -> Iterator[Any]:
        self._reading(1)
        try:
            self._meet(self.second, f"between {feed}")  # its first page is being read
            found = list(super().between(feed, after, before))
        finally:
            self._reading(-1)
        yield from found

    def marked(self, feed: str, upto: Place) -> list[Any]:
        self._reading(1)
        try:
            self._meet(self.second, f"marked {feed}")
            return super().marked(feed, upto)
        finally:
            self._reading(-1)

    def record_archive(self, feed: str, state: Any, sealed: Any = ()) -> None:
        if self.in_flight:
            self.overlaps.append(f"record_archive {feed}")
        super().record_archive(feed, state, sealed)

    def commit(self, changes: Any) -> None:
        if self.in_flight:
            self.overlaps.append("commit")
        super().commit(changes)


class Expecting(CountingStore):
    """CountingStore that notes the paths it is asked to check ahead (`ChecksAhead`)."""

    def __init__(self) -> None:
        super().__init__()
        self.expected: list[str] = []

    def expect(self, paths: Iterable[str]) -> None:
        self.expected += paths


def story(inbox: Path, n: int) -> str:
    body = {
        "id": f"s{n:03}",
        "section": "economy",
        "title": f"خبر رقم {n}",
        "body": f"نص الخبر رقم {n}.",
        "published": f"2026-11-{1 + n:02}T10:00:00+03:00",
    }
    key = f"articles/s{n:03}.json"
    (inbox / key).write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    return key


def test_a_flush_reads_every_feed_in_two_rounds_and_writes_no_index_while_reading(
    tmp_path: Path,
) -> None:
    """One story into economy and all, both with sealed pages and an open page: their
    newest and the states in one round, both ranges and both marks in the next. The
    story fills a page of each, so the flush seals two pages, after the reads only."""
    inbox = empty_inbox(tmp_path)
    site = json.loads((inbox / "site.json").read_text("utf-8"))
    site["items_per_feed"] = LIVE
    (inbox / "site.json").write_text(json.dumps(site), "utf-8")
    index, store = Rounds(), Expecting()

    def publish(keys: list[str]) -> Any:
        publisher = Publisher(
            source=FolderSource(inbox),
            index=index,
            store=store,
            reports=MemoryReports(),
            clock=lambda: NOW,
            archive_page=PAGE,
        )
        return publisher.publish(keys)

    publish([*CONFIG_KEYS, *(story(inbox, n) for n in range(8))])
    states = index.archives()
    assert {f: s.sealed for f, s in states.items()} == {"all": 2, "economy": 2}
    index.expect(feeds=2, marked=2)
    store.expected.clear()
    flush = publish([story(inbox, 8)]).flush  # two more beyond the live feed: a page fills
    assert (index.broken, index.overlaps, flush.failed) == ([], [], [])
    index.first = index.second = None
    assert {f: s.sealed for f, s in index.archives().items()} == {"all": 3, "economy": 3}
    assert {"all/archive/3/atom.xml", "economy/archive/3/atom.xml"} <= set(flush.written)
    # Checked ahead: both feeds' files, and page 3 of each (open until this flush sealed
    # it), each once; nothing checked ahead that was not then written or found unchanged.
    pages = [f"{feed}/archive/3/{name}" for feed in ("all", "economy") for name in NAMES]
    live = [f"{feed}/{name}" for feed in ("all", "economy") for name in FEED_FILES]
    assert sorted(store.expected) == sorted(live + pages)
    assert set(store.expected) <= {*flush.written, *flush.unchanged}


class Files:
    """EncodingStore in a dict whose variant writes meet at a barrier: written one after
    the other, the first never returns (the barrier breaks)."""

    def __init__(self, fail: str | None = None) -> None:
        self.objects: dict[str, bytes] = {}
        self.metadata: dict[str, dict[str, str]] = {}
        self.log: list[tuple[str, str]] = []
        self.meet = threading.Barrier(2, timeout=WAIT)
        self.fail = fail
        self._lock = threading.Lock()

    def unchanged(self, path: str, body: bytes, *_: Any, **__: Any) -> bool:
        self.log.append(("check", path))
        return self.objects.get(path) == body

    def put(
        self,
        path: str,
        body: bytes,
        content_type: str,
        cache_control: str,
        *,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        if content_encoding is not None:
            self.meet.wait()
        if path == self.fail:
            raise ConnectionError(f"{path}: the connection dropped")
        with self._lock:
            self.log.append(("put", path))
            self.objects[path] = body
            self.metadata[path] = dict(metadata or {})

    def head(self, path: str) -> Mapping[str, Any] | None:
        self.log.append(("head", path))
        if path not in self.objects:
            return None
        return {"body": self.objects[path], "Metadata": self.metadata[path]}

    def paths(self) -> Iterator[str]:
        yield from sorted(self.objects)

    def delete(self, path: str) -> None:
        self.objects.pop(path, None)


FEED = b"<rss><channel>" + "<item>خبر</item>".encode() * 100 + b"</channel></rss>"
RSS = "application/rss+xml; charset=utf-8"


def test_variants_are_written_side_by_side_and_the_file_after_both() -> None:
    files = Files()
    assert VariantStore(files, workers=4).write("all/rss.xml", FEED, RSS, "max-age=60")
    assert files.log[0] == ("check", "all/rss.xml")
    assert sorted(files.log[1:3]) == [("put", "all/rss.xml.br"), ("put", "all/rss.xml.gz")]
    assert files.log[3:] == [("put", "all/rss.xml")]  # last: the mark that both are there


@pytest.mark.parametrize("fail", ["all/rss.xml.br", "all/rss.xml.gz"])
def test_a_failed_variant_leaves_the_file_as_it_was(fail: str) -> None:
    """Whichever variant fails, the other is still written (nothing left running) and the
    file is not: a retry finds it stale and writes all three again."""
    files = Files(fail=fail)
    store = VariantStore(files, workers=4)
    with pytest.raises(ConnectionError, match=fail):
        store.write("all/rss.xml", FEED, RSS, "max-age=60")
    other = ({"all/rss.xml.br", "all/rss.xml.gz"} - {fail}).pop()
    assert set(files.objects) == {other}
    files.fail, files.meet = None, threading.Barrier(2, timeout=WAIT)
    assert store.write("all/rss.xml", FEED, RSS, "max-age=60")
    assert set(files.objects) == {"all/rss.xml", "all/rss.xml.br", "all/rss.xml.gz"}


class CheckingFiles(Files):
    """Files that can check in two steps, as the S3 adapter does (`CheckingStore`)."""

    @staticmethod
    def matches(head: Mapping[str, Any] | None, body: bytes, *_: Any, **__: Any) -> bool:
        return head is not None and head["body"] == body


def test_a_check_made_ahead_is_what_the_next_write_compares_with() -> None:
    files = CheckingFiles()
    store = VariantStore(files, workers=4)
    store.expect(["all/rss.xml", "gulf/rss.xml"])
    assert store.write("all/rss.xml", FEED, RSS, "max-age=60")  # nothing there yet
    assert store.write("gulf/rss.xml", FEED, RSS, "max-age=60")
    checks = [entry for entry in files.log if entry[0] in ("head", "check")]
    assert sorted(checks) == [("head", "all/rss.xml"), ("head", "gulf/rss.xml")]
    files.log.clear()
    assert not store.write("all/rss.xml", FEED, RSS, "max-age=60")  # used once: asked now
    assert files.log[0] == ("check", "all/rss.xml")  # then its variants, side by side
    assert sorted(files.log[1:]) == [("head", "all/rss.xml.br"), ("head", "all/rss.xml.gz")]
    store.expect(["gulf/rss.xml"])
    store.delete("gulf/rss.xml")  # the answer is out of date: asked again
    assert store.write("gulf/rss.xml", FEED, RSS, "max-age=60")
    assert ("check", "gulf/rss.xml") in files.log


def test_no_check_ahead_one_call_at_a_time() -> None:
    """`workers=1` (a bench's one call at a time) checks each file as it is written."""
    files = CheckingFiles()
    store = VariantStore(files)
    store.expect(["all/rss.xml"])
    assert files.log == []
