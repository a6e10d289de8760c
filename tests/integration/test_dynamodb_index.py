"""DynamoIndex against moto DynamoDB, with MemoryIndex as the oracle for its semantics."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from nashra.adapters.dynamodb import (
    ITEM_LIMIT_BYTES,
    DynamoIndex,
    IndexItemTooLargeError,
    encode,
    sort_key,
)
from nashra.adapters.local import MemoryIndex
from nashra.core.problems import NotFoundError, StorageRejectedError, TransientError
from nashra.ports import (
    AskRederive,
    ClearRejected,
    Deferred,
    ForgetSeen,
    Indexed,
    Lookup,
    MarkSeen,
    NoteRejected,
    Remove,
    Retraction,
    Save,
    Seen,
    SetDeferred,
)

T0 = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
CONTENT = Path(__file__).resolve().parents[2] / "content"


def feeds_of(a: Any) -> frozenset[str]:
    """The membership rule the publisher uses (section, all, breaking), without intake."""
    if a.status == "draft":
        return frozenset()
    return frozenset({a.section, "all"} | ({"breaking"} if a.breaking else set()))


def all_items(client: Any, table: str) -> set[tuple[str, str]]:
    items = client.scan(TableName=table, ProjectionExpression="PK, SK")["Items"]
    return {(i["PK"]["S"], i["SK"]["S"]) for i in items}


def noise(n: int, seed: int) -> str:
    """Incompressible text, so item sizes are what the test says they are."""
    return base64.b64encode(random.Random(seed).randbytes(n)).decode()


def test_each_feed_read_gives_the_one_object_of_an_article_while_it_is_held(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    """A flush reads `all`, the section and `breaking` side by side, each item its own copy
    of the article's stored bytes: decoded once per stored version while anything holds
    it (found by bench/memory.py: a batch of 1 MiB articles held each twice or three times).
    A new version is a new object; one no longer held is decoded again."""
    index = DynamoIndex(dynamodb, index_table)
    a = article("a", published=T0, breaking=True)
    index.save(a, feeds_of(a), None)
    held = index.newest("all", 10)[0]
    assert held == a
    assert index.newest("gulf", 10)[0] is held
    assert index.newest("breaking", 10)[0] is held
    assert index.get("a") is held
    (between,) = index.between("gulf", None, (T0 + timedelta(days=1), "z"))
    assert between is held
    corrected = a.model_copy(update={"title": "عنوان مصحح"})
    index.save(corrected, feeds_of(corrected), a)
    again = index.newest("all", 10)[0]
    assert again == corrected and again is not held
    assert index.newest("gulf", 10)[0] is again
    del held, again
    assert index.newest("all", 10)[0] == corrected


def test_save_get_find_and_newest(dynamodb: Any, index_table: str, article: Any) -> None:
    index = DynamoIndex(dynamodb, index_table)
    a = article("a", published=T0, breaking=True)
    b = article("b", published=T0 + timedelta(hours=1), section="economy")
    c = article("c", published=T0)  # same instant as a: the id breaks the tie
    for x in (a, b, c):
        index.save(x, feeds_of(x), None)

    assert index.get("a") == a
    assert index.get("missing") is None
    assert index.find_by_key("articles/b.json") == b
    assert index.find_by_key("articles/none.json") is None
    assert [x.id for x in index.newest("all", 10)] == ["b", "c", "a"]
    assert [x.id for x in index.newest("all", 2)] == ["b", "c"]
    assert [x.id for x in index.newest("gulf", 10)] == ["c", "a"]
    assert [x.id for x in index.newest("breaking", 10)] == ["a"]
    assert index.newest("sport", 10) == []
    assert {pk for pk, _ in all_items(dynamodb, index_table) if pk.startswith("FEED#")} == {
        "FEED#all",
        "FEED#breaking",
        "FEED#economy",
        "FEED#gulf",
    }


def test_save_is_one_transaction(
    dynamodb: Any, index_table: str, article: Any, call_log: Any
) -> None:
    index = DynamoIndex(call_log.watch(dynamodb), index_table)
    a = article("a", breaking=True)
    index.save(a, feeds_of(a), None)
    assert call_log.by_operation() == {"dynamodb:TransactWriteItems": 1}
    assert all_items(dynamodb, index_table) == {
        ("ART#a", "A"),
        ("KEY#articles/a.json", "K"),
        ("FEED#gulf", sort_key(a)),
        ("FEED#all", sort_key(a)),
        ("FEED#breaking", sort_key(a)),
        ("MARK#gulf", sort_key(a)),  # D12: saved, so marked for the archive
        ("MARK#all", sort_key(a)),
        ("MARK#breaking", sort_key(a)),
    }


def test_section_move_leaves_the_old_feed(dynamodb: Any, index_table: str, article: Any) -> None:
    index = DynamoIndex(dynamodb, index_table)
    before = article("a", section="gulf", breaking=True)
    index.save(before, feeds_of(before), None)
    after = article("a", section="politics", published=T0 + timedelta(minutes=5))
    index.save(after, feeds_of(after), before)

    assert index.newest("gulf", 10) == []
    assert index.newest("breaking", 10) == []
    assert index.newest("politics", 10) == [after]
    assert index.newest("all", 10) == [after]
    assert all_items(dynamodb, index_table) == {
        ("ART#a", "A"),
        ("KEY#articles/a.json", "K"),
        ("FEED#politics", sort_key(after)),
        ("FEED#all", sort_key(after)),
        ("MARK#politics", sort_key(after)),  # the old feed's mark went with its item
        ("MARK#all", sort_key(after)),
        # It left every feed it was in from its old place (a sealed page may hold it there).
        *(("RETRACT", f"{feed}#{sort_key(before)}") for feed in ("gulf", "breaking", "all")),
    }
    assert index.retractions() == sorted(
        Retraction(feed, (before.published, "a")) for feed in ("gulf", "breaking", "all")
    )
    index.resolve(index.retractions())
    assert index.retractions() == []


def test_renamed_file_moves_the_key_item(dynamodb: Any, index_table: str, article: Any) -> None:
    index = DynamoIndex(dynamodb, index_table)
    old = article("a", key="articles/old.json")
    index.save(old, feeds_of(old), None)
    new = article("a", key="articles/2026/new.json")
    index.save(new, feeds_of(new), old)
    assert index.find_by_key("articles/old.json") is None
    assert index.find_by_key("articles/2026/new.json") == new
    assert ("KEY#articles/old.json", "K") not in all_items(dynamodb, index_table)


def test_draft_leaves_every_feed_but_stays_indexed(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    index = DynamoIndex(dynamodb, index_table)
    live = article("a")
    index.save(live, feeds_of(live), None)
    draft = article("a", status="draft")
    index.save(draft, feeds_of(draft), live)
    assert index.newest("all", 10) == []
    assert index.newest("gulf", 10) == []
    assert index.get("a") == draft
    assert all_items(dynamodb, index_table) == {
        ("ART#a", "A"),
        ("KEY#articles/a.json", "K"),
        ("RETRACT", f"gulf#{sort_key(live)}"),
        ("RETRACT", f"all#{sort_key(live)}"),
    }


def test_remove_deletes_every_item(dynamodb: Any, index_table: str, article: Any) -> None:
    index = DynamoIndex(dynamodb, index_table)
    a, b = article("a", breaking=True), article("b", section="economy")
    index.save(a, feeds_of(a), None)
    index.save(b, feeds_of(b), None)
    index.remove(a)
    assert index.get("a") is None
    assert index.find_by_key("articles/a.json") is None
    assert index.newest("breaking", 10) == []
    assert index.newest("all", 10) == [b]
    assert {pk for pk, _ in all_items(dynamodb, index_table)} == {
        "ART#b",
        "KEY#articles/b.json",
        "FEED#economy",
        "FEED#all",
        "MARK#economy",
        "MARK#all",
        "RETRACT",  # one per feed it left, till a flush resolves them
    }
    assert [(r.feed, r.place[1]) for r in index.retractions()] == [
        ("all", "a"),
        ("breaking", "a"),
        ("gulf", "a"),
    ]


def test_newest_pages_past_one_megabyte_p_ddb_2(
    dynamodb: Any, index_table: str, article: Any, call_log: Any
) -> None:
    """60 articles of ~40 KB compressed: "newest 50" spans two 1 MB Query pages."""
    index = DynamoIndex(dynamodb, index_table)
    articles = [
        article(
            f"n{n:03d}",
            published=T0 + timedelta(minutes=n),
            body_html=f"<p>{noise(30_000, n)}</p>",
        )
        for n in range(60)
    ]
    for a in articles:
        index.save(a, feeds_of(a), None)

    call_log.watch(dynamodb)
    newest = index.newest("all", 50)
    assert [a.id for a in newest] == [f"n{n:03d}" for n in range(59, 9, -1)]
    assert newest[0] == articles[-1]
    assert call_log.count("Query") >= 2


def test_too_large_article_is_a_typed_error_and_writes_nothing(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    index = DynamoIndex(dynamodb, index_table)
    huge = article("huge", body_html=f"<p>{noise(450_000, 1)}</p>")
    with pytest.raises(IndexItemTooLargeError) as raised:
        index.save(huge, feeds_of(huge), None)
    assert raised.value.size > ITEM_LIMIT_BYTES
    assert "huge" in str(raised.value)
    assert all_items(dynamodb, index_table) == set()


def test_the_largest_article_intake_accepts_is_stored(dynamodb: Any, index_table: str) -> None:
    """Whatever intake accepts, the index can hold (B-22): Arabic letters drawn at random
    compress least of what an editor could write. Intake used to accept 1 MiB of them, the
    index then refused it (`index-size`), so `nashra validate` and `nashra build` said
    published what the pipeline rejected. The largest such article intake accepts, with
    the longest key (B-21), is stored whole in every feed; a little more is refused by
    intake itself. (Stored in moto, which refuses items over 405,000 bytes; AWS documents
    "400 KB" and takes 409,600: B-22 reads it as 400,000, under both.)"""
    from nashra.adapters.local import FolderSource
    from nashra.core.article import MAX_STORED_BYTES
    from nashra.core.intake import parse_article
    from nashra.publish import read_config

    config = read_config(FolderSource(CONTENT))
    letters = "ابتثجحخدذرسشصضطظعغفقكلمنهوي "
    # the longest key (B-21) in folders of names a content folder holds (255 bytes at most)
    key = "articles/" + ("خ" * 100 + "/") * 4 + "x" * (1016 - 9 - 804 - 5) + ".json"
    assert len(key.encode()) == 1016

    def intake(size: int) -> Any:
        body = "".join(random.Random(7).choices(letters, k=size))
        raw = json.dumps(
            {
                "id": "x",
                "section": "gulf",
                "title": "عاجل: خبر",
                "body": body,
                "published": "2026-11-20",
            },
            ensure_ascii=False,
        ).encode()
        return parse_article(raw, key=key, site=config.site, sections=config.sections, now=T0)

    low, high = 100_000, 500_000  # letters: accepted, refused
    assert intake(low).article is not None and intake(high).article is None
    while high - low > 1_000:
        middle = (low + high) // 2
        low, high = (middle, high) if intake(middle).article is not None else (low, middle)
    [problem] = intake(high).problems
    assert (problem.field, problem.rule) == ("body", "index-size")
    largest = intake(low).article
    assert largest is not None and largest.breaking
    assert len(encode(largest)) > MAX_STORED_BYTES - 4_000  # the bound, nearly reached
    index = DynamoIndex(dynamodb, index_table)
    index.save(largest, feeds_of(largest), None)
    assert index.newest("breaking", 1) == [largest]


def test_arabic_text_compresses_well_below_the_item_limit(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    """A 1 MiB upload of Arabic prose (the intake limit) still fits in one item."""
    paragraph = "<p>في خطوة تعكس عمق العلاقات الاستراتيجية بين البلدين، التقى الوزيران.</p>"
    body = paragraph * (1024 * 1024 // len(paragraph.encode()))
    index = DynamoIndex(dynamodb, index_table)
    a = article("long", body_html=body)
    index.save(a, feeds_of(a), None)
    assert index.newest("gulf", 1) == [a]


def test_random_history_matches_memory_index(dynamodb: Any, index_table: str, article: Any) -> None:
    """Saves, moves, re-dates, drafts and removals in random order: same answers as the
    in-memory index the unit tests and `nashra build` use."""
    rng = random.Random(20261124)
    dynamo, memory = DynamoIndex(dynamodb, index_table), MemoryIndex()
    sections = ["gulf", "politics", "economy"]
    for _ in range(120):
        article_id = f"a{rng.randrange(12)}"
        previous = memory.get(article_id)
        if previous is not None and rng.random() < 0.2:
            dynamo.remove(previous)
            memory.remove(previous)
            continue
        new = article(
            article_id,
            section=rng.choice(sections),
            published=T0 + timedelta(hours=rng.randrange(5)),
            breaking=rng.random() < 0.3,
            status="draft" if rng.random() < 0.1 else "published",
        )
        dynamo.save(new, feeds_of(new), previous)
        memory.save(new, feeds_of(new), previous)
    for feed in [*sections, "all", "breaking"]:
        assert dynamo.newest(feed, 50) == memory.newest(feed, 50), feed
        assert dynamo.newest(feed, 3) == memory.newest(feed, 3), feed


def test_rejected_uploads_are_remembered_in_key_order(dynamodb: Any, index_table: str) -> None:
    index = DynamoIndex(dynamodb, index_table)
    index.note_rejected("articles/ب.json", None)
    index.note_rejected("articles/a+b.json", "oil")
    index.note_rejected("articles/ب.json", None)  # noted twice: still one entry
    assert index.rejected() == [("articles/a+b.json", "oil"), ("articles/ب.json", None)]
    index.clear_rejected("articles/a+b.json")
    index.clear_rejected("articles/never-rejected.json")  # harmless
    assert index.rejected() == [("articles/ب.json", None)]
    # Rejections are in no feed: the table holds nothing else.
    assert all_items(dynamodb, index_table) == {("REJECTED", "articles/ب.json")}


def test_a_missing_table_is_not_found(dynamodb: Any, article: Any) -> None:
    """Every call: reads, the feed query, writes and the rejection list."""
    index = DynamoIndex(dynamodb, "no-such-table")
    a = article("a")
    calls = [
        lambda: index.get("a"),
        lambda: index.find_by_key("articles/a.json"),
        lambda: index.newest("all", 10),
        lambda: index.save(a, feeds_of(a), None),
        lambda: index.save(a, feeds_of(a), a),
        lambda: index.remove(a),
        lambda: index.note_rejected("articles/a.json", None),
        lambda: index.clear_rejected("articles/a.json"),
        index.rejected,
        lambda: index.seen("articles/a.json"),
        lambda: index.mark_seen(Seen("articles/a.json", "e")),
        lambda: index.forget_seen("articles/a.json"),
        lambda: index.seen_between("", None),
    ]
    for call in calls:
        with pytest.raises(NotFoundError) as raised:
            call()
        assert isinstance(raised.value.__cause__, ClientError)


def test_a_transaction_that_loses_a_race_is_retried(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    """A conflicting write cancels the transaction: the record is retried, not dropped."""
    reasons = [{"Code": "None"}, {"Code": "TransactionConflict"}]
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "message": "Transaction cancelled",
        "CancellationReasons": reasons,
    }

    def conflict(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 400, {}, Raw(json.dumps(body).encode()))

    dynamodb.meta.events.register_first("before-send.dynamodb.TransactWriteItems", conflict)
    a = article("a")
    with pytest.raises(TransientError) as raised:
        DynamoIndex(dynamodb, index_table).save(a, feeds_of(a), None)
    assert isinstance(raised.value.__cause__, ClientError)


# -- seen: the ETag of the inbox bytes last reconciled, per key ------------------------------

# Keys an encoding slip would merge (AR-S3-1), in an order a locale would not give.
SEEN_KEYS = [
    "articles/أخبار الكويت/مقال+1.json",
    "articles/أخبار الكويت/مقال 1.json",
    "articles/أخبار الكويت/مقال%2B1.json",
    "articles/نسبة 100%.json",
    "articles/Z.json",
    "articles/a b.json",
    "articles/a+b.json",
    "articles/z.json",
    "config/site.json",
]


def test_seen_is_remembered_replaced_and_forgotten(dynamodb: Any, index_table: str) -> None:
    index = DynamoIndex(dynamodb, index_table)
    for n, key in enumerate(SEEN_KEYS):
        index.mark_seen(Seen(key, f"etag-{n}"))
    assert [index.seen(key) for key in SEEN_KEYS] == [
        Seen(key, f"etag-{n}") for n, key in enumerate(SEEN_KEYS)
    ]
    index.mark_seen(Seen(SEEN_KEYS[0], "newer"))
    index.forget_seen(SEEN_KEYS[1])
    index.forget_seen("articles/never-seen.json")  # harmless
    assert index.seen(SEEN_KEYS[0]) == Seen(SEEN_KEYS[0], "newer")
    assert index.seen(SEEN_KEYS[1]) is None
    assert index.seen(SEEN_KEYS[2]) == Seen(SEEN_KEYS[2], "etag-2")
    assert all_items(dynamodb, index_table) == {("SEEN", k) for k in SEEN_KEYS if k != SEEN_KEYS[1]}


def test_seen_items_stay_out_of_feeds_and_rejections(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    index = DynamoIndex(dynamodb, index_table)
    a = article("a")
    index.save(a, feeds_of(a), None)
    index.note_rejected("articles/bad.json", None)
    index.mark_seen(Seen("articles/a.json", "e1"))
    index.mark_seen(Seen("articles/bad.json", "e2"))
    assert index.newest("all", 10) == [a]
    assert index.rejected() == [("articles/bad.json", None)]
    assert index.find_by_key("articles/a.json") == a
    assert index.seen_between("", None) == [
        Seen("articles/a.json", "e1"),
        Seen("articles/bad.json", "e2"),
    ]


def test_seen_between_is_after_exclusive_until_inclusive(dynamodb: Any, index_table: str) -> None:
    """(after, until] in UTF-8 byte order, S3's listing order: a sweep chunk's keys."""
    index = DynamoIndex(dynamodb, index_table)
    for key in SEEN_KEYS:
        index.mark_seen(Seen(key, "e"))
    order = sorted(SEEN_KEYS, key=lambda k: k.encode("utf-8"))

    def between(after: str, until: str | None) -> list[str]:
        return [s.key for s in index.seen_between(after, until)]

    assert between("", None) == order
    assert between("", order[2]) == order[:3]
    assert between(order[2], None) == order[3:]
    assert between(order[2], order[5]) == order[3:6]
    assert between(order[2], order[3]) == [order[3]]
    assert between(order[2], order[2]) == []
    assert between(order[5], order[2]) == []
    assert between("articles/", "articles/\uffff") == [k for k in order if k.startswith("art")]
    assert between("articles/a", "articles/a+b.json") == ["articles/a b.json", "articles/a+b.json"]
    assert between(order[-1], None) == []
    assert between("", "") == []


def test_seen_between_matches_memory_index(dynamodb: Any, index_table: str) -> None:
    """Random marks, forgets and ranges: the same answers as MemoryIndex (`nashra build`)."""
    rng = random.Random(9)
    dynamo, memory = DynamoIndex(dynamodb, index_table), MemoryIndex()
    keys = [
        f"articles/{rng.choice(['أ', 'ب', 'a', 'A', ' ', '+', '%'])}{n}.json" for n in range(40)
    ]
    for step in range(120):
        key, forget = rng.choice(keys), rng.random() < 0.2
        for index in (dynamo, memory):
            if forget:
                index.forget_seen(key)
            else:
                index.mark_seen(Seen(key, f"e{step}"))
    bounds = ["", *rng.sample(keys, 10)]
    for after in bounds:
        for until in [None, *bounds[1:]]:
            assert dynamo.seen_between(after, until) == memory.seen_between(after, until)


def test_seen_between_pages_past_one_megabyte(
    dynamodb: Any, index_table: str, call_log: Any
) -> None:
    """1,100 keys of ~1,000 bytes (S3 allows 1,024) pass DynamoDB's 1 MB Query page: every
    one comes back, in order, from consistent reads."""
    index = DynamoIndex(dynamodb, index_table)
    keys = [f"articles/{n:04d}-" + "ق" * 490 + ".json" for n in range(1100)]
    for key in keys:
        index.mark_seen(Seen(key, "0123456789abcdef0123456789abcdef"))
    call_log.watch(dynamodb)
    queries: list[dict[str, Any]] = []
    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: queries.append(dict(params))
    )
    found = index.seen_between("", None)
    assert [s.key for s in found] == keys
    assert call_log.count("Query") >= 2
    assert all(q["ConsistentRead"] is True for q in queries)
    assert [s.key for s in index.seen_between(keys[99], keys[1050])] == keys[100:1051]


def test_seen_is_read_consistently(dynamodb: Any, index_table: str) -> None:
    reads: list[dict[str, Any]] = []
    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.GetItem", lambda params, **_: reads.append(dict(params))
    )
    DynamoIndex(dynamodb, index_table).seen("articles/a.json")
    assert [r["ConsistentRead"] for r in reads] == [True]


def test_a_key_of_1024_bytes_is_seen_a_longer_one_is_rejected(
    dynamodb: Any, index_table: str
) -> None:
    """S3's longest key fits DynamoDB's 1,024-byte sort key; a longer one cannot be
    recorded, and the editor is told why (StorageRejectedError, not a retry)."""
    index = DynamoIndex(dynamodb, index_table)
    longest = "articles/" + "م" * 505 + ".json"
    assert len(longest.encode("utf-8")) == 1024
    index.mark_seen(Seen(longest, "e"))
    assert index.seen(longest) == Seen(longest, "e")
    assert index.seen_between("", None) == [Seen(longest, "e")]
    with pytest.raises(StorageRejectedError) as raised:
        index.mark_seen(Seen(longest + "x", "e"))
    assert isinstance(raised.value.__cause__, ClientError)
    assert [p.rule for p in raised.value.problems] == ["storage-rejected"]


class Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self) -> Iterator[bytes]:
        yield self.body


# -- what a batch reads in one go and writes per key ---------------------------------------


def test_lookup_answers_as_the_single_reads_do(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    """Seen ETags, key items and articles with their stored feeds, in one BatchGetItem; the
    in-memory index gives the same `Lookup`."""
    dynamo, memory = DynamoIndex(dynamodb, index_table), MemoryIndex()
    a, b = article("a", breaking=True), article("b", section="economy", key="articles/x/b.json")
    for index in (dynamo, memory):
        index.commit([Save(a, feeds_of(a), None), Save(b, feeds_of(b), None)])
        index.commit([MarkSeen(Seen(a.key, "e-a")), MarkSeen(Seen("articles/new.json", "e-n"))])
    keys = [a.key, b.key, "articles/new.json", "articles/none.json"]
    ids = ["a", "b", "none"]
    found = dynamo.lookup(keys, ids, deferred=True)
    assert found == memory.lookup(keys, ids, deferred=True)
    assert found.seen == {
        a.key: Seen(a.key, "e-a"),
        b.key: None,
        "articles/new.json": Seen("articles/new.json", "e-n"),
        "articles/none.json": None,
    }
    assert found.owners == {
        a.key: "a",
        b.key: "b",
        "articles/new.json": None,
        "articles/none.json": None,
    }
    assert found.articles == {
        "a": Indexed(a, frozenset({"gulf", "all", "breaking"})),
        "b": Indexed(b, frozenset({"economy", "all"})),
        "none": None,
    }
    assert found.deferred is None


def test_lookup_is_one_request_per_hundred_items(
    dynamodb: Any, index_table: str, call_log: Any
) -> None:
    index = DynamoIndex(call_log.watch(dynamodb), index_table)
    keys = [f"articles/{n}.json" for n in range(60)]  # 120 items: two requests
    found = index.lookup(keys, [], deferred=False)
    assert set(found.seen) == set(keys) and not any(found.seen.values())
    assert call_log.by_operation() == {"dynamodb:BatchGetItem": 2}
    call_log.clear()
    assert index.lookup([], [], deferred=False) == Lookup()
    assert call_log.calls == []  # nothing to read: no request


class UnprocessedKeys:
    """DynamoDB's BatchGetItem as AWS answers it under throttling or past 16 MB of items:
    only `answer` keys per request, the rest in UnprocessedKeys (moto 5.2.5 always answers
    every key, so it cannot show this). Everything else goes to the moto client."""

    def __init__(self, client: Any, answer: int) -> None:
        self.client, self.answer, self.requests = client, answer, 0

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self.requests += 1
        [(table, request)] = RequestItems.items()
        now, later = request["Keys"][: self.answer], request["Keys"][self.answer :]
        response: dict[str, Any] = {"Responses": {table: []}}
        if now:
            response = self.client.batch_get_item(RequestItems={table: {**request, "Keys": now}})
        if later:
            response["UnprocessedKeys"] = {table: {**request, "Keys": later}}
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_unprocessed_keys_are_asked_for_again(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    pauses: list[float] = []
    fake = UnprocessedKeys(dynamodb, answer=3)
    index = DynamoIndex(fake, index_table, pause=pauses.append)
    stories = [article(f"s{n}") for n in range(4)]
    index.commit([Save(s, feeds_of(s), None) for s in stories])
    found = index.lookup([s.key for s in stories], [s.id for s in stories], deferred=False)
    assert found.owners == {s.key: s.id for s in stories}  # 12 items, 3 a request
    assert [x.article if x else None for x in found.articles.values()] == stories
    assert fake.requests == 4
    assert pauses == [0.05, 0.1, 0.2]  # a pause before each retry, doubling


def test_keys_left_unprocessed_every_time_are_a_transient_error(
    dynamodb: Any, index_table: str
) -> None:
    """The table keeps refusing (throttled): the record is retried later, not dropped."""
    from nashra.adapters.dynamodb import BATCH_GET_ATTEMPTS, UnprocessedKeysError

    fake = UnprocessedKeys(dynamodb, answer=0)
    index = DynamoIndex(fake, index_table, pause=lambda _: None)
    with pytest.raises(UnprocessedKeysError) as raised:
        index.lookup(["articles/a.json"], [], deferred=False)
    assert isinstance(raised.value, TransientError)
    assert fake.requests == BATCH_GET_ATTEMPTS


def test_a_key_and_its_etag_are_one_transaction(
    dynamodb: Any, index_table: str, article: Any, call_log: Any
) -> None:
    """What reconciling one key changed, its ETag included, is one write: a failure leaves
    none of it, so the key is reconciled again."""
    index = DynamoIndex(call_log.watch(dynamodb), index_table)
    a = article("a")
    index.commit([Save(a, feeds_of(a), None), ClearRejected(a.key), MarkSeen(Seen(a.key, "e1"))])
    assert call_log.by_operation() == {"dynamodb:TransactWriteItems": 1}
    assert index.seen(a.key) == Seen(a.key, "e1") and index.get("a") == a
    call_log.clear()
    index.commit([MarkSeen(Seen("articles/r.json", "e2"))])  # one item: one PutItem
    index.commit([ForgetSeen("articles/r.json")])  # and one DeleteItem
    assert call_log.by_operation() == {"dynamodb:PutItem": 1, "dynamodb:DeleteItem": 1}
    index.commit([])
    assert call_log.count() == 2


def test_two_changes_to_one_item_in_a_commit_leave_the_later(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    """A file that now claims another id: its old article goes and its new one comes, and
    both name its key item; DynamoDB refuses two actions on one item, so the later wins."""
    dynamo, memory = DynamoIndex(dynamodb, index_table), MemoryIndex()
    old = article("old", key="articles/f.json")
    new = article("new", key="articles/f.json", section="economy")
    for index in (dynamo, memory):
        index.commit([Save(old, feeds_of(old), None)])
        index.commit(
            [
                Remove(Indexed(old, feeds_of(old))),
                Save(new, feeds_of(new), None),
                NoteRejected("articles/f.json", None),
                ClearRejected("articles/f.json"),
            ]
        )
    assert dynamo.find_by_key("articles/f.json") == memory.find_by_key("articles/f.json") == new
    assert dynamo.get("old") is None and dynamo.rejected() == memory.rejected() == []
    for feed in ("gulf", "economy", "all"):
        assert dynamo.newest(feed, 10) == memory.newest(feed, 10), feed


def test_a_commit_too_large_for_one_transaction_writes_nothing(
    dynamodb: Any, index_table: str, article: Any
) -> None:
    from nashra.adapters.dynamodb import IndexTransactionTooLargeError

    index = DynamoIndex(dynamodb, index_table)
    many = [MarkSeen(Seen(f"articles/{n}.json", "e")) for n in range(101)]
    with pytest.raises(IndexTransactionTooLargeError):
        index.commit(many)
    big = [article(f"b{n}", body_html=f"<p>{noise(150_000, n)}</p>") for n in range(10)]
    with pytest.raises(IndexTransactionTooLargeError, match="4,194,304"):
        index.commit([Save(b, feeds_of(b), None) for b in big])  # 10 x 3 items of ~150 KB
    assert all_items(dynamodb, index_table) == set()


def test_the_deferred_render_record_is_kept_and_cleared(dynamodb: Any, index_table: str) -> None:
    dynamo, memory = DynamoIndex(dynamodb, index_table), MemoryIndex()
    waiting = Deferred(T0, frozenset({"gulf", "all"}))
    for index in (dynamo, memory):
        assert index.lookup([], [], deferred=True).deferred is None
        index.commit([SetDeferred(waiting)])
        assert index.lookup([], [], deferred=True).deferred == waiting
        assert index.lookup([], [], deferred=False).deferred is None  # read when asked
        index.commit([SetDeferred(Deferred(T0 + timedelta(seconds=30)))])  # no feeds left
        assert index.lookup([], [], deferred=True).deferred == Deferred(T0 + timedelta(seconds=30))
        index.commit([SetDeferred(None)])
        assert index.lookup([], [], deferred=True).deferred is None
    assert dynamo.seen_between("", None) == [] and dynamo.rejected() == []


def test_the_rederive_ask_is_handed_over_only_by_the_run_holding_it(
    dynamodb: Any, index_table: str
) -> None:
    """A config change asks for its re-deriving sweep; a sweep that finds the ask takes it
    over; a run that no longer holds it (a later change asked again) neither hands it on nor
    forgets it, so the later ask is never lost to an earlier sweep finishing."""
    dynamo, memory = DynamoIndex(dynamodb, index_table), MemoryIndex()
    for index in (dynamo, memory):
        assert index.rederive_asked() is None
        assert index.hand_rederive("run-1", None) is False  # nothing to forget
        index.commit([AskRederive("run-1"), MarkSeen(Seen("config/site.json", "e1"))])
        assert index.rederive_asked() == "run-1"
        assert index.hand_rederive("run-1", "hourly") is True  # a sweep takes over
        assert index.rederive_asked() == "hourly"
        index.commit([AskRederive("run-2")])  # a later config change asks again
        assert index.hand_rederive("hourly", None) is False
        assert index.rederive_asked() == "run-2"
        assert index.hand_rederive("run-2", None) is True
        assert index.rederive_asked() is None
    assert all_items(dynamodb, index_table) == {("SEEN", "config/site.json")}
