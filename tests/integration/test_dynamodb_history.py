"""The archive side of DynamoIndex (D12, `nashra.history`) against moto, with MemoryIndex
as the oracle; then the publisher's archive over DynamoDB against a full build in memory."""

from __future__ import annotations

import base64
import json
import random
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from nashra.adapters.dynamodb import (
    DynamoIndex,
    IndexTransactionTooLargeError,
    key_place,
    place_key,
    sort_key,
)
from nashra.adapters.local import FolderSource, MemoryIndex, MemoryReports
from nashra.core.keys import CONFIG_KEYS
from nashra.ports import ArchiveState, place_of
from nashra.publish import Publisher
from publishing import CONTENT

T0 = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def feeds_of(a: Any) -> frozenset[str]:
    """The membership rule the publisher uses (section and all), without intake."""
    return frozenset({a.section, "all"})


def noise(n: int, seed: int) -> str:
    """Incompressible text, so item sizes are what the test says they are."""
    return base64.b64encode(random.Random(seed).randbytes(n)).decode()


def test_a_place_and_its_sort_key_read_back(article: Any) -> None:
    a = article("a", published=datetime(2026, 3, 1, 12, 30, 5, 123, tzinfo=UTC))
    assert place_key(place_of(a)) == sort_key(a)
    assert key_place(sort_key(a)) == place_of(a)


def test_states_are_recorded_replaced_and_dropped(dynamodb: Any, index_table: str) -> None:
    index = DynamoIndex(dynamodb, index_table)
    assert index.archives() == {}
    boundary = (T0, "a7")
    index.record_archive("gulf", ArchiveState(open=True))
    index.record_archive("all", ArchiveState(3, boundary, open=True))
    assert index.archives() == {
        "gulf": ArchiveState(open=True),
        "all": ArchiveState(3, boundary, open=True),
    }
    index.record_archive("gulf", None)
    assert index.archives() == {"all": ArchiveState(3, boundary, open=True)}
    items = dynamodb.scan(TableName=index_table)["Items"]
    assert [(i["PK"]["S"], i["SK"]["S"]) for i in items] == [("ARCHIVE", "all")]


def test_between_excludes_both_ends_and_reads_a_page_at_a_time(
    dynamodb: Any, index_table: str, article: Any, call_log: Any
) -> None:
    """35 articles of ~40 KB compressed: the range spans two 1 MB Query pages (P-DDB-2),
    and the second is asked for only once the first is consumed."""
    index = DynamoIndex(dynamodb, index_table)
    articles = [
        article(
            f"n{n:03d}", published=T0 + timedelta(minutes=n), body_html=f"<p>{noise(40_000, n)}</p>"
        )
        for n in range(35)
    ]
    for a in articles:
        index.save(a, feeds_of(a), None)
    watched = DynamoIndex(call_log.watch(dynamodb), index_table)
    found = watched.between("gulf", place_of(articles[2]), place_of(articles[34]))
    first = next(found)
    assert first == articles[3]
    assert call_log.by_operation() == {"dynamodb:Query": 1}
    assert [first, *found] == articles[3:34]
    assert call_log.by_operation() == {"dynamodb:Query": 2}
    assert [a.id for a in index.between("gulf", None, place_of(articles[2]))] == ["n000", "n001"]
    assert list(index.between("gulf", place_of(articles[5]), place_of(articles[5]))) == []


def test_sealing_unmarks_its_page_in_one_transaction(
    dynamodb: Any, index_table: str, article: Any, call_log: Any
) -> None:
    index = DynamoIndex(dynamodb, index_table)
    page = [article(f"p{n}", published=T0 + timedelta(hours=n)) for n in range(3)]
    for a in page:
        index.save(a, feeds_of(a), None)
    upto = place_of(page[-1])
    assert index.marked("gulf", upto) == page
    watched = DynamoIndex(call_log.watch(dynamodb), index_table)
    watched.record_archive("gulf", ArchiveState(1, upto, open=True), page[:2])
    # The page and its holdings first (one BatchWriteItem), then the seal's transaction.
    assert [op for _, op, _ in call_log.calls] == ["BatchWriteItem", "TransactWriteItems"]
    assert index.held("gulf", 1) == [place_of(a) for a in page[:2]]
    assert index.holding("gulf", [place_of(a) for a in page]) == {
        place_of(page[0]): 1,
        place_of(page[1]): 1,
    }
    assert index.marked("gulf", upto) == [page[2]]
    assert index.marked("all", upto) == page  # marks are per feed
    corrected = page[0].model_copy(update={"title": "عنوان مصحح"})
    index.save(corrected, feeds_of(corrected), None)  # saved again: marked again
    assert index.marked("gulf", upto) == [corrected, page[2]]


def test_a_seal_of_98_articles_fits_one_transaction_and_99_do_not(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    """The seal's transaction holds the feed's state, the page item and one unmarking per
    article: a page of 50 (`ARCHIVE_PAGE_SIZE`) is 52 of DynamoDB's 100 actions."""
    index = DynamoIndex(dynamodb, index_table)
    many = [article(f"m{n:03d}", published=T0 + timedelta(minutes=n)) for n in range(99)]
    state = ArchiveState(1, place_of(many[-1]), open=True)
    with pytest.raises(IndexTransactionTooLargeError):
        index.record_archive("gulf", state, many)
    index.record_archive("gulf", state, many[:98])
    assert index.archives() == {"gulf": state}
    assert index.held("gulf", 1) == sorted(place_of(a) for a in many[:98])


def _history_step(
    rng: random.Random, step: int, memory: MemoryIndex, article: Any
) -> Callable[[Any], None]:
    """One random change of the history, chosen from what `memory` holds, for both indexes."""
    article_id = f"a{rng.randrange(15)}"
    previous = memory.get(article_id)
    if previous is not None and rng.random() < 0.15:
        return lambda index: index.remove(previous)
    if step % 10 == 4 and memory.retractions():  # a flush resolves a few
        resolved = memory.retractions()[: rng.randrange(1, 4)]
        return lambda index: index.resolve(resolved)
    if step % 10 == 6:  # a page written again with some of its places
        feed, number = rng.choice(["gulf", "politics", "all"]), rng.randrange(1, 6)
        kept = (memory.held(feed, number) or [])[: rng.randrange(3)]
        return lambda index: index.rewrite_page(feed, number, kept)
    if step % 10 == 9:  # seal a few of the oldest marked articles of a feed
        feed = rng.choice(["gulf", "politics", "all"])
        upto = (T0 + timedelta(hours=3), "~")
        sealed = memory.marked(feed, upto)[: rng.randrange(4)]
        state = ArchiveState(step // 10, upto, open=True)
        return lambda index: index.record_archive(feed, state, sealed)
    new = article(
        article_id,
        section=rng.choice(["gulf", "politics"]),
        published=T0 + timedelta(hours=rng.randrange(6)),
    )
    return lambda index: index.save(new, feeds_of(new), previous)


def test_random_history_matches_memory_index(dynamodb: Any, index_table: str, article: Any) -> None:
    """Saves, moves, re-dates, removals, seals, retractions resolved and pages rewritten in
    random order: the same states, ranges, marks, retractions and pages as the in-memory
    index."""
    rng = random.Random(5005)
    dynamo, memory = DynamoIndex(dynamodb, index_table), MemoryIndex()
    for step in range(60):
        change = _history_step(rng, step, memory, article)
        for index in (dynamo, memory):
            change(index)
    assert dynamo.archives() == memory.archives()
    assert dynamo.retractions() == memory.retractions()
    assert memory.retractions(), "the history retracted nothing"
    for feed in ("gulf", "politics", "all"):
        places = [r.place for r in memory.retractions()] + [(T0, "a1")]
        assert dynamo.holding(feed, places) == memory.holding(feed, places)
        assert [dynamo.held(feed, n) for n in range(7)] == [memory.held(feed, n) for n in range(7)]
        places = [place_of(a) for a in memory.between(feed, None, (T0 + timedelta(hours=9), ""))]
        assert dynamo.articles_at(feed, places[::2]) == memory.articles_at(feed, places[::2])
        for hours in range(7):
            at = (T0 + timedelta(hours=hours), "a5")
            assert dynamo.marked(feed, at) == memory.marked(feed, at)
            assert list(dynamo.between(feed, None, at)) == list(memory.between(feed, None, at))
            low = (T0 + timedelta(hours=1), "a2")
            assert list(dynamo.between(feed, low, at)) == list(memory.between(feed, low, at))


class Store:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write(
        self, path: str, body: bytes, content_type: str, cache_control: str, *, once: bool = False
    ) -> bool:
        changed = self.files.get(path) != body
        self.files[path] = body
        return changed

    def paths(self) -> Any:
        return iter(sorted(self.files))

    def delete(self, path: str) -> None:
        self.files.pop(path, None)


def test_the_publishers_archive_over_dynamodb_is_a_full_builds(
    dynamodb: Any, index_table: str, tmp_path: Path
) -> None:
    """Stories published in order, a few per batch, each batch by a new publisher over the
    table: the same files as a full build of the inbox over the in-memory index."""
    inbox = tmp_path / "inbox"
    (inbox / "articles").mkdir(parents=True)
    shutil.copy(CONTENT / "sections.json", inbox)
    site = json.loads((CONTENT / "site.json").read_text("utf-8"))
    (inbox / "site.json").write_text(json.dumps({**site, "items_per_feed": 3}), "utf-8")

    def publisher(index: Any, store: Store) -> Publisher:
        return Publisher(
            source=FolderSource(inbox),
            index=index,
            store=store,
            reports=MemoryReports(),
            clock=lambda: NOW,
            archive_page=2,
        )

    store = Store()
    publisher(DynamoIndex(dynamodb, index_table), store).publish(list(CONFIG_KEYS))
    for first in range(1, 14, 3):
        keys = []
        for n in range(first, first + 3):
            story = {"id": f"s{n:02}", "section": "gulf", "title": f"خبر {n}", "body": "نص.",
                     "published": f"2026-11-{n:02}T10:00:00+03:00"}  # fmt: skip
            (inbox / "articles" / f"s{n:02}.json").write_text(json.dumps(story), "utf-8")
            keys.append(f"articles/s{n:02}.json")
        publisher(DynamoIndex(dynamodb, index_table), store).publish(keys)

    full = Store()
    every = sorted(f"articles/{p.name}" for p in (inbox / "articles").iterdir())
    publisher(MemoryIndex(), full).publish([*CONFIG_KEYS, *every])
    assert store.files == full.files
    assert "gulf/archive/6/atom.xml" in store.files  # (15 - 3) / 2 sealed, one open
    assert DynamoIndex(dynamodb, index_table).archives()["gulf"].sealed == 6
