"""RFC 5005 archive pages through the publisher (D12, `nashra.history`).

A small live feed (3 items) and small pages (2 articles) make every rule show with a few
articles: pages seal when full and older than the live feed, a sealed page is written once
and again only to drop a story that left it (a retraction: corrected, re-dated, moved or
deleted), backdated stories and corrections reach the open page, and an archive built up
publish by publish equals a full build of the inbox when no story older than the boundary
changed. Readers are played by feedparser, which follows
`prev-archive` from the live feed.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree  # type: ignore[import-untyped]

from nashra.adapters.local import FolderSource, MemoryIndex, MemoryReports
from nashra.core.keys import CONFIG_KEYS
from nashra.core.problems import TransientError
from nashra.publish import Publisher
from nashra.render.headers import ARCHIVE_CACHE
from publishing import empty_inbox

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
LIVE, PAGE = 3, 2  # items_per_feed, articles per archive page
FEEDS_URL = "https://feeds.nashra.example"
FH = "{http://purl.org/syndication/history/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"


class PathStore:
    """FeedStore in memory that counts the writes of each path."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.writes: dict[str, int] = {}
        self.cache_control: dict[str, str] = {}
        self.once: set[str] = set()  # paths written as written once (sealed pages)
        self._lock = threading.Lock()

    def write(
        self, path: str, body: bytes, content_type: str, cache_control: str, *, once: bool = False
    ) -> bool:
        with self._lock:
            if once:
                self.once.add(path)
            if self.files.get(path) == body:
                return False
            self.files[path] = body
            self.writes[path] = self.writes.get(path, 0) + 1
            self.cache_control[path] = cache_control
        return True

    def paths(self) -> Iterator[str]:
        yield from sorted(self.files)

    def delete(self, path: str) -> None:
        del self.files[path]


class Newsroom:
    """An inbox folder and the pipeline's lasting state (index and feeds), published to
    one batch at a time by a new publisher each, as the Lambda function does."""

    def __init__(self, root: Path) -> None:
        self.inbox = empty_inbox(root)
        site = json.loads((self.inbox / "site.json").read_text("utf-8"))
        site["items_per_feed"] = LIVE
        (self.inbox / "site.json").write_text(json.dumps(site), "utf-8")
        self.index, self.store = MemoryIndex(), PathStore()
        self.publish(list(CONFIG_KEYS))

    def publisher(self, index: MemoryIndex, store: PathStore) -> Publisher:
        return Publisher(
            source=FolderSource(self.inbox),
            index=index,
            store=store,
            reports=MemoryReports(),
            clock=lambda: NOW,
            archive_page=PAGE,
        )

    def publish(self, keys: list[str]) -> None:
        self.publisher(self.index, self.store).publish(keys)

    def story(self, n: int, day: int, **fields: Any) -> str:
        """Write story `n`, published on November `day` (hour `n % 24`; up to the 28th,
        before NOW); its key."""
        body = {
            "id": f"s{n:03}",
            "section": "economy",
            "title": f"خبر رقم {n}",
            "body": f"نص الخبر رقم {n}.",
            "published": f"2026-11-{day:02}T{n % 24:02}:00:00+03:00",
            **fields,
        }
        key = f"articles/s{n:03}.json"
        (self.inbox / key).write_text(json.dumps(body, ensure_ascii=False), "utf-8")
        return key

    def delete(self, n: int) -> str:
        key = f"articles/s{n:03}.json"
        (self.inbox / key).unlink()
        return key

    def full_build(self) -> dict[str, bytes]:
        """What a build of the inbox as it is now writes, from an empty index."""
        store = PathStore()
        keys = sorted(p.relative_to(self.inbox).as_posix() for p in self.inbox.glob("articles/*"))
        self.publisher(MemoryIndex(), store).publish([*CONFIG_KEYS, *keys])
        return store.files

    def archive(self, feed: str = "economy") -> dict[str, bytes]:
        return {p: b for p, b in self.store.files.items() if p.startswith(f"{feed}/archive/")}


@pytest.fixture
def newsroom(tmp_path: Path) -> Newsroom:
    return Newsroom(tmp_path)


def ids(doc: bytes) -> list[str]:
    """The articles of an Atom document, newest first, by article id."""
    root = etree.fromstring(doc)
    return [e.findtext(f"{ATOM}id").rsplit(":", 1)[1] for e in root.iter(f"{ATOM}entry")]


def links(doc: bytes) -> dict[str, str]:
    root = etree.fromstring(doc)
    found = {ln.get("rel"): ln.get("href") for ln in root.findall(f"{ATOM}link")}
    return {rel: href.removeprefix(f"{FEEDS_URL}/") for rel, href in found.items()}


def sealed_pages_never_change(snapshots: list[dict[str, bytes]]) -> set[str]:
    """Check, over the archive after each publish, that a page never changes once it is
    sealed (it names a `next-archive`: a newer page exists); the sealed pages."""
    sealed: dict[str, bytes] = {}
    for archive in snapshots:
        for path, body in sealed.items():
            assert archive[path] == body, f"{path} changed after it was sealed"
        sealed.update({p: b for p, b in archive.items() if b"next-archive" in b})
    return set(sealed)


def read_history(files: dict[str, bytes], live: str) -> list[list[tuple[str, str, str]]]:
    """What an aggregator reads (RFC 5005 §4.2): the live feed, then each `prev-archive`
    in turn until there is none; every document as (id, updated, title) of its entries."""
    documents, path, seen = [], live, set()
    while path:
        assert path not in seen, f"prev-archive loops back to {path}"
        seen.add(path)
        parsed = feedparser.parse(files[path])
        assert not parsed.bozo, parsed.get("bozo_exception")
        # RSS items have no `updated` (and feedparser warns when asked for one).
        documents.append(
            [(e["id"], e.get("updated", ""), e["title"]) for e in map(dict, parsed.entries)]
        )
        prev = [ln.href for ln in parsed.feed.get("links", []) if ln.rel == "prev-archive"]
        path = prev[0].removeprefix(f"{FEEDS_URL}/") if prev else ""
    return documents


def test_a_page_is_sealed_once_full_and_older_than_the_live_feed(newsroom: Newsroom) -> None:
    for n in range(1, 4):
        newsroom.publish([newsroom.story(n, n)])
    assert newsroom.archive() == {}  # three stories: the live feed holds them all
    assert "prev-archive" not in links(newsroom.store.files["economy/atom.xml"])

    newsroom.publish([newsroom.story(4, 4)])
    open_page = newsroom.store.files["economy/archive/1/atom.xml"]
    assert ids(open_page) == ["s001"]
    assert links(open_page) == {
        "alternate": "https://www.nashra.example/economy",
        "self": "economy/archive/1/atom.xml",
        "current": "economy/atom.xml",  # no prev-archive: the oldest; no next-archive: newest
    }
    assert links(newsroom.store.files["economy/atom.xml"])["prev-archive"] == (
        "economy/archive/1/atom.xml"
    )

    newsroom.publish([newsroom.story(5, 5)])  # s001 and s002 fill page 1: sealed
    sealed = newsroom.store.files["economy/archive/1/atom.xml"]
    assert ids(sealed) == ["s002", "s001"]
    assert links(sealed)["next-archive"] == "economy/archive/2/atom.xml"
    assert ids(newsroom.store.files["economy/archive/2/atom.xml"]) == []  # open, empty
    assert links(newsroom.store.files["economy/archive/2/atom.xml"])["prev-archive"] == (
        "economy/archive/1/atom.xml"
    )
    assert newsroom.store.cache_control["economy/archive/1/rss.xml"].endswith("immutable")
    assert "immutable" not in newsroom.store.cache_control["economy/archive/2/rss.xml"]
    assert not any(
        p.startswith("economy/archive/") and p.endswith(".json") for p in newsroom.store.files
    )


def test_archive_documents_carry_fh_archive_and_the_live_feed_does_not(
    newsroom: Newsroom,
) -> None:
    newsroom.publish([newsroom.story(n, n) for n in range(1, 7)])
    for name in ("rss.xml", "atom.xml"):
        for page in (1, 2):
            root = etree.fromstring(newsroom.store.files[f"economy/archive/{page}/{name}"])
            assert len(root.findall(f".//{FH}archive")) == 1
        live = newsroom.store.files[f"economy/{name}"]
        assert FH.strip("{}").encode() not in live
        rss_links = etree.fromstring(newsroom.store.files["economy/archive/1/rss.xml"])
        rels = [ln.get("rel") for ln in rss_links.iter(f"{ATOM}link")]
        assert rels == ["self", "current", "next-archive"]  # RFC 5005 Appendix B
    assert b"next_url" not in newsroom.store.files["economy/feed.json"]


def test_stories_published_in_order_give_what_a_full_build_gives(newsroom: Newsroom) -> None:
    """The guarantee: nothing older than the boundary changed, so the archive built up
    batch by batch (of any size) is byte for byte a full build's, every file of it."""
    rng = random.Random(5005)
    n, snapshots = 0, []
    while n < 23:
        batch = range(n + 1, min(23, n + rng.randint(1, 4)) + 1)
        newsroom.publish([newsroom.story(k, k) for k in batch])
        snapshots.append(newsroom.archive())
        n = batch[-1]
    assert newsroom.store.files == newsroom.full_build()
    pages = sorted({int(p.split("/")[2]) for p in newsroom.archive()})
    assert pages == list(range(1, 12))  # (23 - 3) / 2 pages sealed, and the open one
    assert len(sealed_pages_never_change(snapshots)) == 2 * 10


def test_repeated_and_reordered_events_give_the_same_archive(newsroom: Newsroom) -> None:
    """Events repeated and reordered within a batch (SQS FIFO at-least-once): the batch
    is rendered once its keys are reconciled, so nothing is placed before a sealed page."""
    rng = random.Random(7)
    for first in range(1, 19, 3):
        keys = [newsroom.story(k, k) for k in range(first, first + 3)]
        batch = keys * 2
        rng.shuffle(batch)
        newsroom.publish(batch)
    assert newsroom.store.files == newsroom.full_build()


def test_a_first_build_writes_each_page_once(newsroom: Newsroom) -> None:
    for k in range(1, 26):
        newsroom.story(k, k)
    store = PathStore()
    keys = sorted(
        p.relative_to(newsroom.inbox).as_posix() for p in newsroom.inbox.glob("articles/*")
    )
    newsroom.publisher(MemoryIndex(), store).publish([*CONFIG_KEYS, *keys])
    pages = {p for p in store.files if p.startswith("economy/archive/")}
    assert len(pages) == 2 * 12  # (25 - 3) / 2 = 11 sealed, and the open one
    assert {store.writes[p] for p in pages} == {1}
    # Sealed pages are written as written once (the feeds bucket looks at nothing first);
    # the open page and the live feed are compared with what is there.
    assert {p for p in store.once if p.startswith("economy/")} == {
        p for p in pages if "/archive/12/" not in p
    }
    assert all("/archive/" in p for p in store.once)


def test_sealed_pages_never_change_whatever_arrives_later(newsroom: Newsroom) -> None:
    rng = random.Random(11)
    order = list(range(1, 28))
    rng.shuffle(order)  # stories arrive in any order: many are backdated
    snapshots = []
    for start in range(0, 27, 3):
        newsroom.publish([newsroom.story(k, k) for k in order[start : start + 3]])
        snapshots.append(newsroom.archive())
    sealed = sealed_pages_never_change(snapshots)
    assert len(sealed) >= 2 * 12  # (27 - 3) / 2 pages, or more
    documents = read_history(newsroom.store.files, "economy/atom.xml")
    seen = {entry[0].rsplit(":", 1)[1] for doc in documents for entry in doc}
    assert seen == {f"s{k:03}" for k in range(1, 28)}


def test_whatever_happens_prev_archive_reaches_every_story_as_it_now_is(
    newsroom: Newsroom,
) -> None:
    """Stories added at any date, retitled, re-dated, deleted, a few per batch: after each a
    reader following `prev-archive` finds every story of the inbox, every copy of it with
    its current title, and no story deleted (D12, retractions)."""
    rng = random.Random(20261130)
    titles: dict[int, str] = {}
    for step in range(40):
        keys = []
        for _ in range(rng.randint(1, 3)):
            n = rng.randrange(1, 30)
            if n in titles and rng.random() < 0.25:
                keys.append(newsroom.delete(n))
                del titles[n]
            else:
                titles[n] = f"خبر رقم {n} ({step})"
                keys.append(newsroom.story(n, rng.randint(1, 28), title=titles[n]))
        newsroom.publish(keys)
        copies: dict[str, set[str]] = {}
        for doc in read_history(newsroom.store.files, "economy/atom.xml"):
            for entry_id, _, title in doc:
                copies.setdefault(entry_id.rsplit(":", 1)[1], set()).add(title)
        assert copies == {f"s{n:03}": {title} for n, title in titles.items()}, step


def test_a_reader_following_prev_archive_gets_every_story_once(newsroom: Newsroom) -> None:
    newsroom.publish([newsroom.story(k, k) for k in range(1, 18)])
    documents = read_history(newsroom.store.files, "economy/atom.xml")
    assert len(documents) == 1 + 8  # the live feed, 7 sealed pages and the open one
    seen = [entry[0].rsplit(":", 1)[1] for doc in documents for entry in doc]
    assert sorted(seen) == [f"s{k:03}" for k in range(1, 18)]  # each exactly once
    rss = read_history(newsroom.store.files, "economy/rss.xml")
    assert [[e[0] for e in d] for d in rss] == [[e[0] for e in d] for d in documents]


def test_a_backdated_story_goes_to_the_open_page_never_a_sealed_one(newsroom: Newsroom) -> None:
    newsroom.publish([newsroom.story(k, 2 * k) for k in range(1, 10)])  # pages 1-3 sealed
    sealed = {p: b for p, b in newsroom.archive().items() if not p.startswith("economy/archive/4/")}
    newsroom.publish([newsroom.story(99, 3)])  # placed between s001 and s002, on page 1
    assert {p: newsroom.store.files[p] for p in sealed} == sealed
    assert ids(newsroom.store.files["economy/archive/4/atom.xml"]) == ["s099"]
    full = newsroom.full_build()  # a full build puts it in its place instead
    assert ids(full["economy/archive/1/atom.xml"]) == ["s099", "s001"]
    documents = read_history(newsroom.store.files, "economy/atom.xml")
    seen = sorted(entry[0].rsplit(":", 1)[1] for doc in documents for entry in doc)
    assert seen == sorted([f"s{k:03}" for k in range(1, 10)] + ["s099"])


def test_a_correction_to_a_sealed_story_leaves_its_page_for_the_open_page(
    newsroom: Newsroom,
) -> None:
    """A sealed page is written again without a story corrected since (its new version is
    in the open page), so a reader paging back finds one copy, the current one; deleted,
    it is in no document at all (a retraction, D12)."""
    newsroom.publish([newsroom.story(k, k) for k in range(1, 10)])
    assert ids(newsroom.store.files["economy/archive/1/atom.xml"]) == ["s002", "s001"]
    corrected = newsroom.story(
        1,
        1,
        title="خبر رقم 1 مصحح",
        updated="2026-11-25T09:00:00+03:00",
        correction="ذكرت نسخة سابقة رقمًا خاطئًا.",
    )
    newsroom.publish([corrected])
    assert ids(newsroom.store.files["economy/archive/1/atom.xml"]) == ["s002"]
    assert ids(newsroom.store.files["economy/archive/4/atom.xml"]) == ["s001"]
    copies = [
        entry
        for doc in read_history(newsroom.store.files, "economy/atom.xml")
        for entry in doc
        if entry[0].endswith(":s001")
    ]
    assert [title for _, _, title in copies] == ["خبر رقم 1 مصحح"]
    assert ids(newsroom.store.files["all/archive/1/atom.xml"]) == ["s002"]  # every feed

    newsroom.publish([newsroom.delete(1)])
    assert not [p for p, body in newsroom.store.files.items() if b":s001<" in body]
    rewritten = ("economy/archive/1/atom.xml", "economy/archive/1/rss.xml")
    assert [newsroom.store.writes[p] for p in rewritten] == [2, 2]  # then not again
    assert {newsroom.store.cache_control[p] for p in rewritten} == {ARCHIVE_CACHE}


def test_a_story_that_left_many_pages_leaves_each_page_once(newsroom: Newsroom) -> None:
    """Stories deleted from several sealed pages in one batch, one page losing both of its
    stories: each page is written again once, an empty page stays in the chain."""
    newsroom.publish([newsroom.story(k, k) for k in range(1, 12)])  # pages 1-4 sealed
    before = dict(newsroom.store.writes)
    newsroom.publish([newsroom.delete(n) for n in (1, 2, 5)])
    assert ids(newsroom.store.files["economy/archive/1/atom.xml"]) == []
    assert ids(newsroom.store.files["economy/archive/3/atom.xml"]) == ["s006"]
    again = {p for p, n in newsroom.store.writes.items() if n > before.get(p, 0)}
    assert {p for p in again if p.startswith("economy/archive/")} == {
        "economy/archive/1/atom.xml",
        "economy/archive/1/rss.xml",
        "economy/archive/3/atom.xml",
        "economy/archive/3/rss.xml",
    }
    seen = [
        e[0].rsplit(":", 1)[1]
        for d in read_history(newsroom.store.files, "economy/atom.xml")
        for e in d
    ]
    assert sorted(seen) == [f"s{k:03}" for k in (3, 4, *range(6, 12))]


def test_a_corrected_story_sealed_again_in_the_same_flush_stays_in_its_new_page(
    newsroom: Newsroom,
) -> None:
    """The retraction is resolved before the flush seals pages: a story corrected in the
    batch that also fills the open page is dropped from its old page and kept in the new
    one, though both name the same place."""
    newsroom.publish([newsroom.story(k, k) for k in range(1, 10)])  # pages 1-3 sealed
    newsroom.publish(
        [newsroom.story(2, 2, title="مصحح"), *(newsroom.story(k, k) for k in (10, 11))]
    )
    assert newsroom.index.archives()["economy"].sealed == 4
    assert ids(newsroom.store.files["economy/archive/1/atom.xml"]) == ["s001"]
    assert ids(newsroom.store.files["economy/archive/4/atom.xml"]) == ["s007", "s002"]
    documents = read_history(newsroom.store.files, "economy/atom.xml")
    titles = [e[2] for d in documents for e in d if e[0].endswith(":s002")]
    assert titles == ["مصحح"]


class Invalidations:
    """A Notifier that records the rewritten pages it is told of; `failing` makes it raise
    (AWS refused the invalidation)."""

    def __init__(self) -> None:
        self.rewritten: list[list[str]] = []
        self.failing = False

    def feeds_changed(self, urls: Any, hub: Any) -> None:
        pass

    def pages_rewritten(self, urls: list[str]) -> None:
        if self.failing:
            raise TransientError("CloudFront: TooManyInvalidationsInProgress")
        self.rewritten.append(list(urls))


def test_the_cdn_drops_a_rewritten_page_before_the_index_records_it(newsroom: Newsroom) -> None:
    """A sealed page is cached a week at the edge (`immutable`): its new bytes are worth
    nothing until the CDN drops the old ones. When that cannot be asked, the page is not
    recorded as rewritten and the retraction stays, so the next render of the feed asks
    again, though the page's bytes are already written."""
    newsroom.publish([newsroom.story(k, k) for k in range(1, 10)])
    cdn = Invalidations()
    cdn.failing = True

    def publish(keys: list[str]) -> Any:
        publisher = newsroom.publisher(newsroom.index, newsroom.store)
        publisher.notifier = cdn
        return publisher.publish(keys)

    key = newsroom.delete(3)
    with pytest.raises(TransientError):  # the batch fails: its message is delivered again
        publish([key])
    assert ids(newsroom.store.files["all/archive/2/atom.xml"]) == ["s004"]  # written ...
    assert len(newsroom.index.retractions()) == 2  # ... but not recorded
    cdn.failing = False
    publish([key])  # the retry: the key is reconciled, no feed to render (as for any feed
    assert len(newsroom.index.retractions()) == 2  # whose write failed) ...
    publisher = newsroom.publisher(newsroom.index, newsroom.store)
    publisher.notifier = cdn
    publisher.touch_all()  # ... until the hourly rebuild renders every feed
    publisher.flush()
    assert newsroom.index.retractions() == []
    assert sorted(u for batch in cdn.rewritten for u in batch) == [
        f"{FEEDS_URL}/all/archive/2/atom.xml",
        f"{FEEDS_URL}/all/archive/2/rss.xml",
        f"{FEEDS_URL}/economy/archive/2/atom.xml",
        f"{FEEDS_URL}/economy/archive/2/rss.xml",
    ]
    assert ids(newsroom.store.files["economy/archive/2/atom.xml"]) == ["s004"]


def test_deletions_and_corrections_reach_the_open_page(newsroom: Newsroom) -> None:
    newsroom.publish([newsroom.story(k, k) for k in range(1, 9)])  # pages 1-2 sealed, 3 open
    assert ids(newsroom.store.files["economy/archive/3/atom.xml"]) == ["s005"]
    newsroom.publish([newsroom.story(5, 5, title="عنوان جديد")])
    assert (
        b"\xd8\xb9\xd9\x86\xd9\x88\xd8\xa7\xd9\x86 \xd8\xac\xd8\xaf\xd9\x8a\xd8\xaf"
        in (newsroom.store.files["economy/archive/3/atom.xml"])
    )
    newsroom.publish([newsroom.delete(5)])
    assert ids(newsroom.store.files["economy/archive/3/atom.xml"]) == []
    assert newsroom.store.files == newsroom.full_build()  # nothing sealed was touched


def test_the_archive_goes_when_the_feed_no_longer_needs_one(newsroom: Newsroom) -> None:
    newsroom.publish([newsroom.story(k, k) for k in range(1, 5)])
    assert "economy/archive/1/atom.xml" in newsroom.store.files
    newsroom.publish([newsroom.delete(4)])  # three stories: the live feed holds them all
    assert newsroom.archive() == {}
    assert "prev-archive" not in links(newsroom.store.files["economy/atom.xml"])
    assert newsroom.store.files == newsroom.full_build()
    assert newsroom.index.archives() == {}


def test_dropping_a_feeds_archive_state_seals_its_history_again(newsroom: Newsroom) -> None:
    """The operator's way back for a sealed page deleted by hand (README, "Known limits"):
    without its archive state, the feed's next render seals its whole history again."""
    newsroom.publish([newsroom.story(k, k) for k in range(1, 12)])
    del newsroom.store.files["economy/archive/2/atom.xml"]
    newsroom.index.record_archive("economy", None)  # the ARCHIVE item deleted
    newsroom.publish([newsroom.story(12, 12)])
    assert newsroom.store.files == newsroom.full_build()


def test_a_removed_section_takes_its_archive_pages(newsroom: Newsroom) -> None:
    newsroom.publish([newsroom.story(k, k) for k in range(1, 8)])
    assert newsroom.archive()
    sections = json.loads((newsroom.inbox / "sections.json").read_text("utf-8"))
    kept = [s for s in sections if s["slug"] != "economy"]
    (newsroom.inbox / "sections.json").write_text(json.dumps(kept, ensure_ascii=False), "utf-8")
    newsroom.publish([CONFIG_KEYS[1]])
    assert newsroom.archive() == {}
    assert "economy" not in newsroom.index.archives()


class FailingStore(PathStore):
    """PathStore whose writes of one archive page raise (a deterministic failure)."""

    def __init__(self, page: int) -> None:
        super().__init__()
        self.failing = f"economy/archive/{page}/"

    def write(
        self, path: str, body: bytes, content_type: str, cache_control: str, *, once: bool = False
    ) -> bool:
        if path.startswith(self.failing):
            raise RuntimeError(f"cannot write {path}")
        return super().write(path, body, content_type, cache_control, once=once)


def test_a_page_whose_write_fails_stays_open_with_every_page_after_it(
    newsroom: Newsroom,
) -> None:
    """Sealed pages are written while the next ones render (`history.SEALING` at a time),
    but recorded in order once written: the pages before the failed one are sealed, it and
    those after it stay open, and the next publish seals them as a full build does."""
    keys = [newsroom.story(k, k) for k in range(1, 15)]  # 11 archived: 5 pages to seal
    newsroom.store = store = FailingStore(page=3)
    report = newsroom.publisher(newsroom.index, store).publish(keys)
    assert [name for name, _ in report.flush.failed] == ["economy"]
    assert newsroom.index.archives()["economy"].sealed == 2
    assert "economy/archive/2/atom.xml" in store.files
    store.failing = "(none)"  # the store works again: the next publish seals the rest
    newsroom.publish([newsroom.story(16, 16)])
    assert newsroom.index.archives()["economy"].sealed == 6
    assert newsroom.archive() == {
        p: b for p, b in newsroom.full_build().items() if p.startswith("economy/archive/")
    }


def test_a_page_that_fails_to_render_leaves_the_pages_before_it_sealed(
    newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A render failure while earlier pages are still being written: they are recorded
    sealed before the failure is reported, so none is written twice."""
    import nashra.render.history as pages

    render = pages.render_archive_page

    def failing(*args: Any, **kwargs: Any) -> dict[str, bytes]:
        if args[1].slug == "economy" and args[3] == 4:
            raise RecursionError("page 4")
        return render(*args, **kwargs)

    monkeypatch.setattr(pages, "render_archive_page", failing)
    report = newsroom.publisher(newsroom.index, newsroom.store).publish(
        [newsroom.story(k, k) for k in range(1, 16)]
    )
    assert [name for name, _ in report.flush.failed] == ["economy"]
    assert newsroom.index.archives()["economy"].sealed == 3
    assert all(newsroom.store.writes[p] == 1 for p in newsroom.archive())
    assert newsroom.index.archives()["all"].sealed == 6  # the other feeds publish


def test_each_article_is_converted_once_however_many_documents_hold_it(
    newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flush renders every feed's pages interleaved by place (`Publisher._render_feeds`),
    so the feeds and pages holding one article follow each other and share its entry
    (`render.model.shared_entries`): each article is converted once, not once per feed,
    keeping no more than a few pages' worth of entries at a time."""
    import nashra.publish
    from nashra.render import model

    monkeypatch.setattr(nashra.publish, "SHARED_ENTRIES", 2 * (PAGE + LIVE))
    converted: list[str] = []
    to_entry = model.to_entry

    def counting(site: Any, article: Any) -> Any:
        converted.append(article.id)
        return to_entry(site, article)

    monkeypatch.setattr(model, "to_entry", counting)
    for k in range(1, 25):  # two sections, each with four sealed pages
        newsroom.story(k, k, section=["economy", "gulf"][k % 2])
    newsroom.full_build()
    stories = {p.stem for p in newsroom.inbox.glob("articles/*.json")}
    assert len(stories) > 2 * PAGE + LIVE  # archive pages in both "all" and "economy"
    assert sorted(converted) == sorted(stories)


def test_sharing_entries_changes_no_byte(
    newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no entry kept (`SHARED_ENTRIES` 0) every document converts its own articles;
    the files are the same."""
    import nashra.publish

    for k in range(1, 16):
        newsroom.story(k, k, section=random.Random(k).choice(["economy", "gulf"]))
    shared = newsroom.full_build()
    monkeypatch.setattr(nashra.publish, "SHARED_ENTRIES", 0)
    assert newsroom.full_build() == shared
