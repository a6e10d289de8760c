"""The index's schedule (B-20, D13) in DynamoDB over moto, with MemoryIndex as the oracle:
the `SCHEDULED` items follow every save and removal in the same transaction, and `due` is
one Query of the partition that reads only the due items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from nashra.adapters.dynamodb import SCHEDULED_PK, DynamoIndex
from nashra.adapters.local import MemoryIndex
from nashra.core.article import Article
from nashra.ports import Change, Indexed, Remove, Save
from nashra.schedule import schedule_changes

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
KUWAIT = ZoneInfo("Asia/Kuwait")


def commit(indexes: tuple[Any, ...], change: Change) -> None:
    """One change and what it does to the schedule, as the publisher commits them."""
    for index in indexes:
        index.commit([change, *schedule_changes(change)])


def scheduled(article: Any, name: str, at: datetime, **fields: Any) -> Article:
    return article(name, published=at, status="scheduled", **fields)  # type: ignore[no-any-return]


def schedule_items(client: Any, table: str) -> list[tuple[str, str]]:
    items = client.query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": SCHEDULED_PK}},
        ConsistentRead=True,
    )["Items"]
    return [(i["SK"]["S"], i["key"]["S"]) for i in items]


@pytest.fixture
def both(dynamodb: Any, index_table: str) -> tuple[DynamoIndex, MemoryIndex]:
    return DynamoIndex(dynamodb, index_table), MemoryIndex()


def test_due_answers_as_the_memory_index_does_at_every_boundary(
    both: tuple[DynamoIndex, MemoryIndex], article: Any
) -> None:
    stories = [
        scheduled(article, "b", T0),
        scheduled(article, "a", T0),  # same time: the id orders them
        scheduled(article, "c", (T0 + timedelta(minutes=30)).astimezone(KUWAIT)),
        scheduled(article, "d", T0 + timedelta(days=29), key="articles/أخبار/مقال+1.json"),
        article("e", published=T0 - timedelta(days=1)),  # published: not in the schedule
    ]
    for story in stories:
        commit(both, Save(story, frozenset(), None))
    dynamo, memory = both
    for upto in (
        T0 - timedelta(microseconds=1),
        T0,
        T0 + timedelta(minutes=30) - timedelta(microseconds=1),
        (T0 + timedelta(minutes=30)).astimezone(KUWAIT),
        T0 + timedelta(days=30),
    ):
        assert dynamo.due(upto) == memory.due(upto), upto
    assert [e.article_id for e in dynamo.due(T0)] == ["a", "b"]
    last = dynamo.due(T0 + timedelta(days=30))[-1]
    assert (last.key, last.at) == ("articles/أخبار/مقال+1.json", T0 + timedelta(days=29))


def test_the_entry_follows_the_article_in_the_same_commit(
    both: tuple[DynamoIndex, MemoryIndex], article: Any, dynamodb: Any, index_table: str
) -> None:
    first = scheduled(article, "x", T0 + timedelta(minutes=10))
    commit(both, Save(first, frozenset(), None))
    moved = scheduled(article, "x", T0 + timedelta(minutes=40))
    commit(both, Save(moved, frozenset(), Indexed(first, frozenset())))
    assert schedule_items(dynamodb, index_table) == [
        ("2026-12-01T06:40:00.000000Z#x", "articles/x.json")
    ]
    live = moved.model_copy(update={"status": "published"})
    feeds = frozenset({"gulf", "all"})
    commit(both, Save(live, feeds, Indexed(moved, frozenset())))
    assert schedule_items(dynamodb, index_table) == []
    assert [a.id for a in both[0].newest("all", 5)] == ["x"]

    again = scheduled(article, "y", T0 + timedelta(hours=1))
    commit(both, Save(again, frozenset(), None))
    commit(both, Remove(Indexed(again, frozenset())))
    assert schedule_items(dynamodb, index_table) == []
    assert both[0].due(T0 + timedelta(days=1)) == both[1].due(T0 + timedelta(days=1)) == []


def test_a_tick_reads_only_the_due_items(dynamodb: Any, index_table: str, article: Any) -> None:
    """The Query's key condition stops at the due time: the minute's tick reads nothing
    while nothing is due, however many articles are scheduled later."""
    index = DynamoIndex(dynamodb, index_table)
    for n in range(20):
        commit(
            (index,), Save(scheduled(article, f"s{n}", T0 + timedelta(hours=n)), frozenset(), None)
        )
    answers: list[dict[str, Any]] = []
    dynamodb.meta.events.register(
        "after-call.dynamodb.Query", lambda parsed, **_: answers.append(parsed)
    )
    assert index.due(T0 - timedelta(seconds=1)) == []
    assert [e.article_id for e in index.due(T0 + timedelta(hours=2))] == ["s0", "s1", "s2"]
    assert [(a["Count"], a["ScannedCount"]) for a in answers] == [(0, 0), (3, 3)]
