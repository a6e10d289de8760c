"""The publisher reads ahead and writes side by side: the outcomes, the index writes and
the files do not depend on which call answers first; what a batch reads costs few calls;
a full batch from the work queue defers its feeds to one render request."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from nashra.adapters.local import FolderSource, MemoryIndex, MemoryReports
from nashra.core.keys import CONFIG_KEYS, SECTIONS_KEY, SITE_KEY
from nashra.core.problems import TransientError
from nashra.lookahead import Lookahead, Pool
from nashra.ports import Change, MarkSeen, Seen
from nashra.publish import DEFER_INTERVAL, Publisher
from nashra.work import Message, RebuildAll, Render
from publishing import CountingStore, empty_inbox

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
FEEDS = ("all", "breaking", "gulf", "economy", "politics", "sports")


def put(inbox: Path, name: str, **fields: Any) -> str:
    data = {
        "section": "economy",
        "title": f"ارتفاع أسعار النفط {name}",
        "body": "نص الخبر.",
        "published": "2026-11-20T08:15:00",
        **fields,
    }
    (inbox / "articles" / name).write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return f"articles/{name}"


class Jitter:
    """Wraps each I/O method of an adapter with a random pause of up to 3 ms, so calls made
    side by side finish in a different order on every run."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()

    def pause(self) -> None:
        with self.lock:
            wait = self.rng.random() * 0.003
        time.sleep(wait)

    def wrap(self, adapter: Any, *names: str) -> Any:
        for name in names:
            method = getattr(adapter, name)

            def slow(*args: Any, _method: Callable[..., Any] = method, **kwargs: Any) -> Any:
                self.pause()
                return _method(*args, **kwargs)

            setattr(adapter, name, slow)
        return adapter


class RecordingIndex(MemoryIndex):
    """MemoryIndex keeping every commit it was given, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.commits: list[list[Change]] = []

    def commit(self, changes: Sequence[Change]) -> None:
        self.commits.append(list(changes))
        super().commit(changes)


def history(inbox: Path) -> list[list[Message | str]]:
    """Batches of a messy newsroom hour: ids claimed twice, a file that changes its id, a
    delete that frees an id, a section move, a draft, warnings, a rejection, a repeat."""
    keys = [put(inbox, f"a{n}.json", section=FEEDS[2 + n % 4]) for n in range(8)]
    keys.append(put(inbox, "clash.json", id="a0"))  # a0's id: rejected, waits for it
    keys.append(put(inbox, "warned.json", subtitle="x"))  # accepted, with a warning
    keys.append(put(inbox, "bad.json", section="esports"))  # rejected
    batches: list[list[Message | str]] = [[SITE_KEY, SECTIONS_KEY], list(keys)]
    (inbox / "articles" / "a0.json").unlink()  # frees a0 for clash.json
    put(inbox, "a1.json", section="politics", breaking=True)
    put(inbox, "a2.json", id="renamed")  # the file now claims another id
    put(inbox, "a3.json", status="draft")
    batches.append(["articles/a0.json", "articles/a1.json", "articles/a2.json", keys[3], keys[4]])
    batches.append([keys[4], keys[5], keys[5], RebuildAll()])
    return batches


def run(tmp: Path, workers: int, seed: int | None) -> dict[str, Any]:
    """The history through one publisher per batch; everything it left and said."""
    inbox = empty_inbox(tmp)
    batches = history(inbox)
    jitter = Jitter(seed or 0)
    source, index = FolderSource(inbox), RecordingIndex()
    store, reports = CountingStore(), MemoryReports()
    if seed is not None:
        jitter.wrap(source, "fetch", "read")
        jitter.wrap(index, "lookup", "newest", "rejected")
        jitter.wrap(store, "write")
        jitter.wrap(reports, "reported", "put_report", "delete_report")
    said = []
    for batch in batches:
        publisher = Publisher(
            source=source,
            index=index,
            store=store,
            reports=reports,
            clock=lambda: T0,
            workers=workers,
        )
        outcomes, flushed = publisher.publish(batch)
        said.append((outcomes, flushed))
    return {
        "said": said,
        "files": store.files,
        "reports": reports.reports,
        "commits": index.commits,
        "feeds": {feed: index.newest(feed, 100) for feed in FEEDS},
        "seen": index.seen_between("", None),
        "rejected": index.rejected(),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_calls_side_by_side_change_nothing_but_the_time(tmp_path: Path, seed: int) -> None:
    """The same history one call at a time and ten at a time with random pauses: the same
    outcomes in the same order, the same flush reports, the same index commits in the
    same order, the same files and reports, byte for byte."""
    one_at_a_time = run(tmp_path / "serial", 1, None)
    side_by_side = run(tmp_path / "parallel", 10, seed)
    assert side_by_side == one_at_a_time
    statuses = [o.status for outcomes, _ in one_at_a_time["said"] for o in outcomes]
    assert {"published", "rejected", "deleted", "draft", "unchanged", "rebuild"} <= set(statuses)


def test_an_accepted_article_is_one_index_write_with_its_etag(tmp_path: Path) -> None:
    """Its article, key item, feed items and ETag in one commit; the batch's reads of the
    index are one lookup for every key (the file name guessed as the id)."""
    inbox = empty_inbox(tmp_path)
    index = RecordingIndex()
    lookups: list[tuple[list[str], list[str]]] = []
    lookup = index.lookup

    def counting(keys: Any, ids: Any, *, deferred: bool) -> Any:
        lookups.append((list(keys), list(ids)))
        return lookup(keys, ids, deferred=deferred)

    index.lookup = counting  # type: ignore[method-assign]
    publisher = Publisher(
        source=FolderSource(inbox),
        index=index,
        store=CountingStore(),
        reports=MemoryReports(),
        clock=lambda: T0,
    )
    publisher.publish([SITE_KEY, SECTIONS_KEY])
    index.commits.clear()
    lookups.clear()
    keys = [put(inbox, f"n{i}.json") for i in range(5)]
    outcomes, _ = publisher.publish(keys)
    assert [o.status for o in outcomes] == ["published"] * 5
    assert len(lookups) == 1 and sorted(lookups[0][1]) == [f"n{i}" for i in range(5)]
    assert len(index.commits) == 5
    for key, commit in zip(keys, index.commits, strict=True):
        assert [type(c).__name__ for c in commit] == ["Save", "MarkSeen"]
        assert isinstance(commit[-1], MarkSeen) and commit[-1].seen.key == key


def test_a_failed_read_ahead_fails_each_key_that_needed_it_once(tmp_path: Path) -> None:
    """A throttled lookup is raised where each key of the window is reconciled (inside its
    boundary: the record is retried), once; a second message for the key reads again."""
    inbox = empty_inbox(tmp_path)
    index = MemoryIndex()
    failing = {"on": True}
    lookup = index.lookup

    def flaky(keys: Any, ids: Any, *, deferred: bool) -> Any:
        if failing["on"] and keys:
            raise TransientError("ProvisionedThroughputExceededException")
        return lookup(keys, ids, deferred=deferred)

    index.lookup = flaky  # type: ignore[method-assign]
    publisher = Publisher(
        source=FolderSource(inbox),
        index=index,
        store=CountingStore(),
        reports=MemoryReports(),
        clock=lambda: T0,
    )
    a, b = put(inbox, "a.json"), put(inbox, "b.json")
    publisher.prepare([a, b])
    for key in (a, b):
        with pytest.raises(TransientError):
            publisher.apply(key)
    failing["on"] = False
    assert [o.status for o in publisher.apply(a)] == ["published"]  # read again, on demand
    assert [o.status for o in publisher.apply(b)] == ["published"]


def test_a_failed_get_fails_its_own_key_only(tmp_path: Path) -> None:
    inbox = empty_inbox(tmp_path)
    source = FolderSource(inbox)
    fetch = source.fetch

    def flaky(key: str, limit: int) -> Any:
        if key.endswith("a.json"):
            raise TransientError("SlowDown")
        return fetch(key, limit)

    source.fetch = flaky  # type: ignore[method-assign]
    store = CountingStore()
    publisher = Publisher(
        source=source, index=MemoryIndex(), store=store, reports=MemoryReports(), clock=lambda: T0
    )
    publisher.publish([SITE_KEY, SECTIONS_KEY])
    a, b = put(inbox, "a.json"), put(inbox, "b.json")
    publisher.prepare([a, b])
    with pytest.raises(TransientError):
        publisher.apply(a)
    assert [o.status for o in publisher.apply(b)] == ["published"]
    publisher.flush()
    assert "b.json" not in str(store.files.keys())  # sanity: paths are feeds, not keys
    assert ":b<" in store.files["economy/rss.xml"].decode()


# -- a full batch defers its feeds to one render request -----------------------------------


class Queue:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, messages: Sequence[Message]) -> None:
        self.sent.extend(messages)


def renders(queue: Queue) -> list[Message]:
    """The render requests queued (a config change also queues a re-deriving sweep)."""
    return [m for m in queue.sent if isinstance(m, Render)]


def batch(
    publisher_for: Callable[[], Publisher], messages: list[Message | str], *, full: bool
) -> Any:
    """One work-queue batch as the handler runs it: prepare, apply each, flush."""
    publisher = publisher_for()
    publisher.prepare(messages, backlog=full)
    outcomes = [o for m in messages for o in publisher.apply(m)]
    return outcomes, publisher.flush()


def test_a_backlog_defers_feeds_to_one_render_request(tmp_path: Path) -> None:
    """Full batches record their feeds and queue one render request; a full batch after
    DEFER_INTERVAL renders what waited; the request renders the rest and forgets them.
    The files end as a publisher that never deferred leaves them."""
    inbox = empty_inbox(tmp_path / "deferring")
    now = {"t": T0}
    queue, index, store = Queue(), MemoryIndex(), CountingStore()
    runs = iter(f"r{n}" for n in range(10))

    def publisher_for() -> Publisher:
        return Publisher(
            source=FolderSource(inbox),
            index=index,
            store=store,
            reports=MemoryReports(),
            clock=lambda: now["t"],
            requeue=queue,
            new_run=lambda: next(runs),
        )

    batch(publisher_for, [SITE_KEY, SECTIONS_KEY], full=False)
    files = dict(store.files)
    _, first = batch(publisher_for, [put(inbox, "e1.json"), put(inbox, "e2.json")], full=True)
    assert first.deferred == ["all", "economy"] and first.written == []
    assert store.files == files  # nothing rendered
    assert renders(queue) == [Render("r1")]  # r0 named the config's re-deriving sweep

    now["t"] += timedelta(seconds=5)
    _, second = batch(publisher_for, [put(inbox, "s1.json", section="sports")], full=True)
    assert second.deferred == ["all", "sports"] and renders(queue) == [Render("r1")]  # one
    deferred = index.lookup([], [], deferred=True).deferred
    assert deferred is not None and deferred.feeds == {"all", "economy", "sports"}

    now["t"] += DEFER_INTERVAL
    _, third = batch(publisher_for, [put(inbox, "g1.json", section="gulf")], full=True)
    assert {p.split("/")[0] for p in third.written} == {"all", "economy", "sports", "gulf"}
    assert third.deferred == [] and renders(queue) == [Render("r1")]  # still in flight

    _, fourth = batch(publisher_for, [put(inbox, "e3.json")], full=True)
    assert fourth.deferred == ["all", "economy"]
    outcomes, rendered = batch(publisher_for, [*renders(queue)], full=False)
    assert [o.status for o in outcomes] == ["render"]
    assert {p.split("/")[0] for p in rendered.written} == {"all", "economy"}
    assert index.lookup([], [], deferred=True).deferred is None

    # The same uploads, never deferred: the same files.
    plain = empty_inbox(tmp_path / "plain")
    for path in (inbox / "articles").iterdir():
        (plain / "articles" / path.name).write_bytes(path.read_bytes())
    once = CountingStore()
    Publisher(
        source=FolderSource(plain),
        index=MemoryIndex(),
        store=once,
        reports=MemoryReports(),
        clock=lambda: now["t"],
    ).publish(
        [
            SITE_KEY,
            SECTIONS_KEY,
            *sorted(f"articles/{p.name}" for p in (plain / "articles").iterdir()),
        ]
    )
    assert store.files == once.files


def test_a_batch_that_is_not_full_renders_what_waited(tmp_path: Path) -> None:
    """The backlog ends on a batch that is not full: it renders the deferred feeds with its
    own, and forgets them; the render request that comes later has nothing to do."""
    inbox = empty_inbox(tmp_path)
    queue, index, store = Queue(), MemoryIndex(), CountingStore()

    def publisher_for() -> Publisher:
        return Publisher(
            source=FolderSource(inbox),
            index=index,
            store=store,
            reports=MemoryReports(),
            clock=lambda: T0,
            requeue=queue,
        )

    batch(publisher_for, [SITE_KEY, SECTIONS_KEY], full=False)
    batch(publisher_for, [put(inbox, "e1.json")], full=True)
    _, last = batch(publisher_for, [put(inbox, "g1.json", section="gulf")], full=False)
    assert {p.split("/")[0] for p in last.written} == {"all", "economy", "gulf"}
    assert index.lookup([], [], deferred=True).deferred is None
    puts = store.puts
    outcomes, flushed = batch(publisher_for, [*renders(queue)], full=False)
    assert [o.status for o in outcomes] == ["render"] and flushed.written == []
    assert store.puts == puts


def test_without_a_work_queue_nothing_is_deferred(tmp_path: Path) -> None:
    """`nashra build` and a stack without WORK_QUEUE have nobody to ask for the render."""
    inbox = empty_inbox(tmp_path)
    store = CountingStore()
    publisher = Publisher(
        source=FolderSource(inbox),
        index=MemoryIndex(),
        store=store,
        reports=MemoryReports(),
        clock=lambda: T0,
    )
    publisher.prepare([SITE_KEY, SECTIONS_KEY, put(inbox, "e.json")], backlog=True)
    for key in (SITE_KEY, SECTIONS_KEY, "articles/e.json"):
        publisher.apply(key)
    flushed = publisher.flush()
    assert flushed.deferred == [] and "economy/rss.xml" in flushed.written


def test_read_ahead_once_then_read_again(tmp_path: Path) -> None:
    """The doctest's adapter-level view: bytes read ahead are given once; a key asked for
    again is read again (a second message for it), seen in step with the commits."""
    inbox = empty_inbox(tmp_path)
    put(inbox, "a.json")
    reads: list[str] = []
    source = FolderSource(inbox)
    fetch = source.fetch

    def counting(key: str, limit: int) -> Any:
        reads.append(key)
        return fetch(key, limit)

    source.fetch = counting  # type: ignore[method-assign]
    index = MemoryIndex()
    ahead = Lookahead(source, index, MemoryReports(), Pool(4))
    ahead.prefetch(["articles/a.json"], config=True)
    first = ahead.fetch("articles/a.json")
    # The config files too, each one bounded read (a site.json over 1 MiB is never whole).
    assert first is not None and sorted(reads) == ["articles/a.json", SECTIONS_KEY, SITE_KEY]
    assert ahead.fetch("articles/a.json") == first and len(reads) == 4
    assert ahead.config_file(SITE_KEY) == (inbox / "site.json").read_bytes()
    assert len(reads) == 4  # read ahead: given once, without a second read
    seen = Seen("articles/a.json", first.etag)
    index.commit([MarkSeen(seen)])
    ahead.applied([MarkSeen(seen)])
    assert ahead.seen("articles/a.json") == seen and ahead.read_at("articles/a.json") == first.etag


class AskedReports(MemoryReports):
    """MemoryReports counting the keys each `reported` listing was asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[int] = []

    def reported(self, keys: Any) -> set[str]:
        self.asked.append(len(keys))
        return super().reported(keys)


def test_a_backlog_asks_about_each_key_once_in_bounded_listings(tmp_path: Path) -> None:
    """Reports are asked about REPORTS_AHEAD keys per listing, each key once: a backlog of
    n keys costs about n / 1,024 listings and O(n) work, not a rescan of every remaining
    key per window of 32 (which made a 100,000-key backlog quadratic)."""
    from nashra.lookahead import REPORTS_AHEAD, WINDOW

    inbox = empty_inbox(tmp_path)
    keys = [put(inbox, f"a{n:05}.json") for n in range(3 * REPORTS_AHEAD + 5)]
    reports = AskedReports()
    publisher = Publisher(
        source=FolderSource(inbox),
        index=MemoryIndex(),
        store=CountingStore(),
        reports=reports,
        clock=lambda: T0,
    )
    publisher.prepare(keys)
    for key in keys:
        publisher.apply(key)
    # Each key asked about once, and the two config files with the first listing (with the
    # config, `Publisher.config`).
    assert sum(reports.asked) == len(keys) + len(CONFIG_KEYS)
    assert len(reports.asked) == 4  # three full listings and the five left over
    assert reports.asked[0] == REPORTS_AHEAD + len(CONFIG_KEYS)
    assert max(reports.asked[1:]) == REPORTS_AHEAD and REPORTS_AHEAD % WINDOW == 0
