"""The dev stack's moto patches: transactions stay all-or-nothing, queries answer as moto
does, and a publish into an index of hundreds of articles copies no table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from nashra.adapters.dynamodb import DynamoIndex
from nashra.core.intake import parse_article
from nashra.core.site import feeds_for, parse_sections, parse_site
from nashra.dev import moto_patches
from nashra.dev.resources import create_index_table
from nashra.dev.stack import DevStack

from .articles import article_json
from .conftest import CONTENT, copy_content, http, start_stack

pytestmark = pytest.mark.e2e

TABLE = "patch-test"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    content = copy_content(tmp_path_factory.mktemp("patches") / "content", articles=2)
    stack = start_stack(content, say=lambda _: None)
    stack.upload_content()
    assert stack.wait_drained(30), "the initial content did not publish"
    dynamodb = stack.client("dynamodb")
    create_index_table(dynamodb, TABLE)
    yield stack
    stack.stop()


def item(pk: str, sk: str, value: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}, "v": {"S": value}}


def scan(dynamodb: Any) -> list[dict[str, Any]]:
    items = dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


def test_the_stack_applies_the_patches_and_stopping_the_last_stack_removes_them(
    tmp_path: Path,
) -> None:
    was = moto_patches.applied()  # False unless another module's stack is running
    stack = start_stack(copy_content(tmp_path / "content", articles=0), say=lambda _: None)
    try:
        assert moto_patches.applied()
    finally:
        stack.stop()
    assert moto_patches.applied() == was  # the integration tests that follow test moto


@pytest.mark.parametrize("patched", [True, False], ids=["patched", "moto-5.2.5"])
def test_a_transaction_with_a_failing_condition_leaves_every_item_as_it_was(
    stack: DevStack, patched: bool
) -> None:
    dynamodb = stack.client("dynamodb")
    for n in range(4):
        dynamodb.put_item(TableName=TABLE, Item=item("TX", f"{n}", "before"))
    before = scan(dynamodb)
    actions = [
        {"Put": {"TableName": TABLE, "Item": item("TX", "0", "after")}},
        {"Put": {"TableName": TABLE, "Item": item("TX", "new", "after")}},
        {"Delete": {"TableName": TABLE, "Key": {"PK": {"S": "TX"}, "SK": {"S": "1"}}}},
        {
            "Update": {
                "TableName": TABLE,
                "Key": {"PK": {"S": "TX"}, "SK": {"S": "2"}},
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"S": "after"}},
            }
        },
        {
            "ConditionCheck": {
                "TableName": TABLE,
                "Key": {"PK": {"S": "TX"}, "SK": {"S": "3"}},
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
    ]
    if not patched:
        moto_patches.remove()
    try:
        with pytest.raises(ClientError) as failed:
            dynamodb.transact_write_items(TransactItems=actions)
    finally:
        if not patched:
            moto_patches.apply()
    assert failed.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert scan(dynamodb) == before


def test_a_transaction_naming_one_item_twice_leaves_every_item_as_it_was(
    stack: DevStack,
) -> None:
    dynamodb = stack.client("dynamodb")
    dynamodb.put_item(TableName=TABLE, Item=item("TWICE", "a", "before"))
    before = scan(dynamodb)
    key = {"PK": {"S": "TWICE"}, "SK": {"S": "a"}}
    actions = [
        {"Put": {"TableName": TABLE, "Item": item("TWICE", "b", "after")}},
        {"Put": {"TableName": TABLE, "Item": item("TWICE", "a", "after")}},
        {"Delete": {"TableName": TABLE, "Key": key}},
    ]
    with pytest.raises(ClientError) as failed:
        dynamodb.transact_write_items(TransactItems=actions)
    assert failed.value.response["Error"]["Code"] == "ValidationException"
    assert scan(dynamodb) == before


def test_a_transaction_that_succeeds_writes_every_action(stack: DevStack) -> None:
    dynamodb = stack.client("dynamodb")
    dynamodb.put_item(TableName=TABLE, Item=item("OK", "gone", "before"))
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": item("OK", "new", "after")}},
            {"Delete": {"TableName": TABLE, "Key": {"PK": {"S": "OK"}, "SK": {"S": "gone"}}}},
        ]
    )
    assert [i["SK"]["S"] for i in scan(dynamodb) if i["PK"]["S"] == "OK"] == ["new"]


QUERIES: list[dict[str, Any]] = [
    {"Limit": 3, "ScanIndexForward": False},
    {"Limit": 3, "ScanIndexForward": True},
    {"Limit": 50},
    {},
    {"Limit": 2, "KeyConditionExpression": "PK = :pk AND SK > :sk"},
    {"Limit": 2, "KeyConditionExpression": "PK = :pk AND SK > :sk", "ScanIndexForward": False},
    {"KeyConditionExpression": "PK = :pk AND SK <= :sk", "ScanIndexForward": False},
    {"Limit": 3, "KeyConditionExpression": "PK = :pk AND SK < :sk"},
    {"KeyConditionExpression": "PK = :pk AND SK >= :sk"},
    {"KeyConditionExpression": "PK = :pk AND SK = :sk"},
    {"Limit": 2, "KeyConditionExpression": "PK = :pk AND SK BETWEEN :sk AND :hi"},
    {"KeyConditionExpression": "PK = :pk AND SK BETWEEN :sk AND :hi", "ScanIndexForward": False},
    {"KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)"},
    {
        "Limit": 2,
        "KeyConditionExpression": "PK = :pk AND SK > :sk",
        "ExclusiveStartKey": {"PK": {"S": "Q"}, "SK": {"S": "q-05"}},
    },
    {"Limit": 2, "ExclusiveStartKey": {"PK": {"S": "Q"}, "SK": {"S": "q-05"}}},
    {"Limit": 2, "FilterExpression": "v = :v"},
]


@pytest.mark.parametrize("extra", QUERIES, ids=[str(q) for q in QUERIES])
def test_a_query_answers_as_moto_does(stack: DevStack, extra: dict[str, Any]) -> None:
    dynamodb = stack.client("dynamodb")
    for n in (7, 2, 9, 0, 5, 3, 8, 1, 6, 4):
        dynamodb.put_item(TableName=TABLE, Item=item("Q", f"q-{n:02d}", "even" * (n % 2)))
    dynamodb.put_item(TableName=TABLE, Item=item("OTHER", "q-99", "x"))
    values = {":pk": {"S": "Q"}, ":sk": {"S": "q-04"}, ":hi": {"S": "q-07"}, ":v": {"S": ""}}
    condition = extra.get("KeyConditionExpression", "PK = :pk")
    used = {k: v for k, v in values.items() if k in condition + extra.get("FilterExpression", "")}
    params = {
        "TableName": TABLE,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": used,
        **{k: v for k, v in extra.items() if k != "KeyConditionExpression"},
    }
    patched = dynamodb.query(**params)
    moto_patches.remove()
    try:
        shipped = dynamodb.query(**params)
    finally:
        moto_patches.apply()
    for answer in (patched, shipped):
        answer.pop("ResponseMetadata")
    assert patched == shipped


def test_a_range_query_sees_items_as_they_come_and_go(stack: DevStack) -> None:
    """The patched query bisects sorted sort keys it keeps per partition: a put, a delete
    and a transaction of both (the partition's size unchanged) are all seen."""
    dynamodb = stack.client("dynamodb")
    for n in range(0, 20, 2):
        dynamodb.put_item(TableName=TABLE, Item=item("R", f"r-{n:02d}", "x"))
    params = {
        "TableName": TABLE,
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {
            ":pk": {"S": "R"},
            ":lo": {"S": "r-03"},
            ":hi": {"S": "r-11"},
        },
    }

    def sort_keys() -> list[str]:
        return [i["SK"]["S"] for i in dynamodb.query(**params)["Items"]]

    assert sort_keys() == ["r-04", "r-06", "r-08", "r-10"]
    dynamodb.put_item(TableName=TABLE, Item=item("R", "r-05", "x"))
    dynamodb.delete_item(TableName=TABLE, Key={"PK": {"S": "R"}, "SK": {"S": "r-08"}})
    assert sort_keys() == ["r-04", "r-05", "r-06", "r-10"]
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": item("R", "r-09", "x")}},
            {"Delete": {"TableName": TABLE, "Key": {"PK": {"S": "R"}, "SK": {"S": "r-04"}}}},
        ]
    )
    assert sort_keys() == ["r-05", "r-06", "r-09", "r-10"]
    assert sort_keys() == shipped(sort_keys)


def fill_index(stack: DevStack, count: int) -> None:
    """`count` archive articles saved straight into the stack's index."""
    index = DynamoIndex(stack.client("dynamodb"), stack.plan.tables["IndexTable"].name)
    site = parse_site((CONTENT / "site.json").read_bytes())
    sections = parse_sections((CONTENT / "sections.json").read_bytes())
    now = datetime.now(UTC)
    for n in range(count):
        raw = article_json(f"archive-{n:04d}", minutes_ago=60 + n)
        key = f"articles/archive-{n:04d}.json"
        parsed = parse_article(raw, key=key, site=site, sections=sections, now=now)
        assert parsed.article is not None, parsed.problems
        index.save(parsed.article, feeds_for(parsed.article), None)


def test_publishing_into_an_index_of_hundreds_of_articles_copies_no_table(
    stack: DevStack,
) -> None:
    fill_index(stack, 300)
    made, skipped = moto_patches.TABLE_COPIES["made"], moto_patches.TABLE_COPIES["skipped"]
    started = datetime.now(UTC)
    stack.upload("articles/scale-probe.json", article_json("scale-probe", minutes_ago=0.5))
    assert stack.wait_drained(30)
    assert b"scale-probe" in http(f"{stack.cdn_url}/all/rss.xml").body
    assert moto_patches.TABLE_COPIES["made"] == made  # moto as it ships copies the table
    assert moto_patches.TABLE_COPIES["skipped"] > skipped  # ... once per action
    assert datetime.now(UTC) - started < timedelta(seconds=10)


def fifo_queue(stack: DevStack, name: str) -> str:
    sqs = stack.client("sqs")
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def shipped(call: Any) -> Any:
    """`call()` with moto as it ships."""
    moto_patches.remove()
    try:
        return call()
    finally:
        moto_patches.apply()


def test_queue_attributes_and_deletes_answer_as_moto_does(stack: DevStack) -> None:
    sqs, url = stack.client("sqs"), fifo_queue(stack, "attributes-test.fifo")
    for n in range(6):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}", MessageGroupId=f"g{n % 2}")
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=30)
    assert len(received["Messages"]) == 3
    for names in (["All"], ["ApproximateNumberOfMessagesNotVisible", "FifoQueue"]):
        patched = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        assert patched == shipped(
            lambda names=names: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)[
                "Attributes"
            ]
        )
    assert patched == {"ApproximateNumberOfMessagesNotVisible": "3", "FifoQueue": "true"}
    deleting = [{"Id": "0", "ReceiptHandle": received["Messages"][0]["ReceiptHandle"]}]
    deleting.append({"Id": "bad", "ReceiptHandle": "not-a-handle"})
    answer = sqs.delete_message_batch(QueueUrl=url, Entries=deleting)
    assert [e["Id"] for e in answer["Successful"]] == ["0"]
    assert [e["Code"] for e in answer["Failed"]] == ["ReceiptHandleIsInvalid"]
    again = sqs.delete_message_batch(QueueUrl=url, Entries=deleting[:1])  # deleted already
    assert [e["Id"] for e in again["Successful"]] == ["0"]
    counts = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=counts)["Attributes"]
    assert left == {
        "ApproximateNumberOfMessages": "3",
        "ApproximateNumberOfMessagesNotVisible": "2",
    }
    # Content-based deduplication still drops a repeat of a message in the queue.
    sqs.send_message(QueueUrl=url, MessageBody="m5", MessageGroupId="g1")
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=counts)["Attributes"] == left


def test_sending_receiving_and_deleting_walk_no_queue(
    stack: DevStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto as it ships walks the whole queue several times for each message sent,
    received or deleted (a bulk import slowed down as its backlog grew); patched, only a
    read of the counts walks it, once for all three."""
    sqs, url = stack.client("sqs"), fifo_queue(stack, "walk-test.fifo")
    walks: list[int] = []
    count = moto_patches._QueueAttributes._count

    def counting(self: Any) -> dict[str, int]:
        if self.counts is None:  # a walk, not a count read again
            walks.append(len(self.queue._messages))
        return count(self)

    monkeypatch.setattr(moto_patches._QueueAttributes, "_count", counting)
    for batch in range(5):
        entries = [
            {"Id": str(n), "MessageBody": f"walk-{batch}-{n}", "MessageGroupId": "feeds"}
            for n in range(10)
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == [f"walk-0-{n}" for n in range(10)]
    handles = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)]
    assert len(sqs.delete_message_batch(QueueUrl=url, Entries=handles)["Successful"]) == 10
    assert walks == []
    depth = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert depth["ApproximateNumberOfMessages"] == "40"
    assert walks == [40]


def test_the_server_lists_motos_folder_once_for_every_request(
    stack: DevStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto as it ships lists its package folder (an `isdir` per service) for each
    request, under a lock every request waits for."""
    listed: list[None] = []
    listing = moto_patches._ORIGINAL["list_of_moto_modules"]

    def counted() -> Any:
        listed.append(None)
        return listing()

    monkeypatch.setitem(moto_patches._ORIGINAL, "list_of_moto_modules", counted)
    monkeypatch.setattr(moto_patches, "_CACHE", {})  # as when the stack started
    for _ in range(3):
        stack.s3.list_objects_v2(Bucket=stack.inbox_bucket, MaxKeys=1)
        stack.client("dynamodb").describe_table(TableName=TABLE)
        assert stack.queue_depth() >= 0
    assert listed == [None]


LISTINGS: list[dict[str, Any]] = [
    {"Prefix": "list/a/"},
    {"Prefix": "list/", "Delimiter": "/"},
    {"Prefix": "list/a/", "StartAfter": "list/a/03", "MaxKeys": 2},
    {"Prefix": "list/b"},
    {"Prefix": "nothing/"},
    {"MaxKeys": 3},
]


@pytest.mark.parametrize("params", LISTINGS, ids=[str(p) for p in LISTINGS])
def test_a_listing_answers_as_moto_does(stack: DevStack, params: dict[str, Any]) -> None:
    bucket = "listing-test"
    stack.s3.create_bucket(Bucket=bucket)
    for key in ("list/a/01", "list/a/03", "list/a/04", "list/a/07", "list/b/01", "list/c", "z"):
        stack.s3.put_object(Bucket=bucket, Key=key, Body=key.encode())

    def listing() -> Any:
        answer = stack.s3.list_objects_v2(Bucket=bucket, **params)
        answer.pop("ResponseMetadata")
        for obj in answer.get("Contents", ()):
            obj.pop("LastModified")
        return answer

    assert listing() == shipped(listing)


def test_moto_keeps_no_list_of_every_object_it_made(stack: DevStack) -> None:
    """moto as it ships appends every model object to its class's list, for its dashboard:
    each item a query copies stays in memory as long as the stack runs."""
    from moto.dynamodb.models.dynamo_type import Item as MotoItem

    tracked = len(MotoItem.instances_tracked)  # type: ignore[attr-defined]
    for n in range(20):
        stack.client("dynamodb").put_item(TableName=TABLE, Item=item("T", f"t-{n:02d}", "x"))
    params = {
        "TableName": TABLE,
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "T"}},
    }
    assert len(stack.client("dynamodb").query(**params)["Items"]) == 20
    assert len(MotoItem.instances_tracked) == tracked  # type: ignore[attr-defined]
    shipped(lambda: stack.client("dynamodb").query(**params))
    assert len(MotoItem.instances_tracked) >= tracked + 20  # type: ignore[attr-defined]
