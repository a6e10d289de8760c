"""The SQS FIFO fake (tests/fakes/sqs_fifo.py) against the SQS documentation it follows.

Each test names the AWS rule it checks and whether moto 5.x models it. moto delivers a
deduplication id again once the first message is deleted, which is how finding 2 of issue 9
(a second config change within five minutes re-derives nothing) went unseen. Rules moto does
model are checked here too, because the tests over the fake rely on them and, unlike moto,
the fake runs on a clock the test moves.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from fakes.sqs_fifo import DEDUP_INTERVAL, Clock, FakeSqsFifo
from nashra.adapters.errors import translate
from nashra.core.problems import NotFoundError


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sqs(clock: Clock) -> FakeSqsFifo:
    return FakeSqsFifo(clock)


def fifo(sqs: FakeSqsFifo, name: str = "work.fifo", **attributes: str) -> str:
    url: str = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", **attributes})[
        "QueueUrl"
    ]
    return url


def send(sqs: FakeSqsFifo, url: str, body: str, group: str = "feeds", dedup: str = "") -> Any:
    if dedup:
        return sqs.send_message(
            QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=dedup
        )
    return sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)


def receive(sqs: FakeSqsFifo, url: str, limit: int = 10, timeout: int = 30) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=limit,
        VisibilityTimeout=timeout,
        MessageSystemAttributeNames=["All"],
    ).get("Messages", [])
    return messages


def bodies(messages: list[dict[str, Any]]) -> list[str]:
    return [m["Body"] for m in messages]


def delete(sqs: FakeSqsFifo, url: str, messages: list[dict[str, Any]]) -> None:
    for m in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_a_repeated_id_is_accepted_but_not_delivered_even_after_delete(
    sqs: FakeSqsFifo, clock: Clock
) -> None:
    """AWS: a deduplication id sent in the last 5 minutes is accepted but not delivered, and
    SQS keeps tracking it after the first message was received and deleted
    (FIFO-queues-exactly-once-processing.html). moto delivers it again after the delete."""
    url = fifo(sqs)
    first = send(sqs, url, "one", dedup="d1")
    delete(sqs, url, receive(sqs, url))
    clock.advance(DEDUP_INTERVAL - 1)
    again = send(sqs, url, "one, again", dedup="d1")
    assert again["MessageId"] == first["MessageId"]  # accepted: an answer, no error
    assert "SequenceNumber" not in again
    assert receive(sqs, url) == []
    send(sqs, url, "two", dedup="d2")  # another id is delivered
    assert bodies(receive(sqs, url)) == ["two"]


def test_the_deduplication_interval_is_five_minutes(sqs: FakeSqsFifo, clock: Clock) -> None:
    """AWS: the interval is 5 minutes from the first send; after it the same id is a new
    message. moto keeps no interval at all."""
    url = fifo(sqs)
    send(sqs, url, "one", dedup="d1")
    clock.advance(DEDUP_INTERVAL - 0.001)
    send(sqs, url, "dropped", dedup="d1")
    clock.advance(0.001)
    send(sqs, url, "kept", dedup="d1")
    assert bodies(receive(sqs, url)) == ["one", "kept"]


def test_content_based_deduplication_hashes_the_body(sqs: FakeSqsFifo) -> None:
    """AWS: with ContentBasedDeduplication and no explicit id, the id is the SHA-256 of the
    body, so identical bodies within 5 minutes are one message even after the first is
    deleted; an explicit id overrides the hash. moto drops no deleted message's body."""
    url = fifo(sqs, ContentBasedDeduplication="true")
    body = '{"action":"reconcile","key":"articles/مقال.json"}'
    send(sqs, url, body)
    [message] = receive(sqs, url)
    assert (
        message["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(body.encode()).hexdigest()
    )
    delete(sqs, url, [message])
    send(sqs, url, body)
    assert receive(sqs, url) == []
    send(sqs, url, body, dedup="explicit")
    assert bodies(receive(sqs, url)) == [body]


def test_a_fifo_send_needs_a_group_and_a_deduplication_id(sqs: FakeSqsFifo) -> None:
    """AWS: a FIFO message without MessageGroupId fails, and so does one without a
    deduplication id on a queue without content-based deduplication. moto agrees."""
    url = fifo(sqs)
    with pytest.raises(ClientError) as no_id:
        send(sqs, url, "x")
    assert no_id.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as no_group:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert no_group.value.response["Error"]["Code"] == "MissingParameter"
    assert receive(sqs, url) == []


def test_a_group_is_held_while_one_of_its_messages_is_in_flight(sqs: FakeSqsFifo) -> None:
    """AWS: once a message of a group is received, no other message of that group is
    returned until it is deleted or visible again; other groups are not held
    (FIFO-queues-understanding-logic.html). moto models this one too."""
    url = fifo(sqs)
    for n in range(3):
        send(sqs, url, f"feeds-{n}", dedup=f"f{n}")
    send(sqs, url, "other-0", group="other", dedup="o0")
    first = receive(sqs, url, limit=1)
    assert bodies(first) == ["feeds-0"]
    assert bodies(receive(sqs, url)) == ["other-0"]  # the other group is free
    assert receive(sqs, url) == []  # feeds is held, other is in flight
    delete(sqs, url, first)
    assert bodies(receive(sqs, url)) == ["feeds-1", "feeds-2"]  # in order, one call


def test_a_message_that_becomes_visible_again_comes_first(sqs: FakeSqsFifo, clock: Clock) -> None:
    """AWS: a message whose visibility timeout ends is delivered again before the rest of
    its group, with ApproximateReceiveCount counting every receive. moto does this on the
    wall clock only: a test over moto would have to sleep through the timeout."""
    url = fifo(sqs)
    send(sqs, url, "a", dedup="a")
    send(sqs, url, "b", dedup="b")
    assert bodies(receive(sqs, url, limit=1, timeout=30)) == ["a"]
    clock.advance(29)
    assert receive(sqs, url) == []
    clock.advance(1)
    again = receive(sqs, url)
    assert bodies(again) == ["a", "b"]
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in again] == ["2", "1"]


def test_visibility_changes_only_for_a_message_in_flight(sqs: FakeSqsFifo) -> None:
    """AWS: ChangeMessageVisibility to 0 makes a message in flight visible at once; on a
    message not in flight it fails with MessageNotInflight. moto accepts the second call."""
    url = fifo(sqs)
    send(sqs, url, "a", dedup="a")
    [message] = receive(sqs, url)
    handle = message["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    with pytest.raises(ClientError) as raised:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    assert raised.value.response["Error"]["Code"] == "MessageNotInflight"
    assert bodies(receive(sqs, url)) == ["a"]


def test_an_older_receipt_handle_deletes_nothing(sqs: FakeSqsFifo, clock: Clock) -> None:
    """AWS: DeleteMessage needs the most recent receipt handle; an older one succeeds but
    the message is not deleted (DeleteMessage API reference). moto deletes it."""
    url = fifo(sqs)
    send(sqs, url, "a", dedup="a")
    [old] = receive(sqs, url, timeout=10)
    clock.advance(10)
    [new] = receive(sqs, url, timeout=10)
    assert new["ReceiptHandle"] != old["ReceiptHandle"]
    delete(sqs, url, [old])  # no error
    clock.advance(10)
    assert bodies(receive(sqs, url)) == ["a"]
    with pytest.raises(ClientError) as raised:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="never-given")
    assert raised.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"


def test_redrive_moves_a_message_past_max_receive_count(sqs: FakeSqsFifo, clock: Clock) -> None:
    """AWS: a message received maxReceiveCount times moves to the dead-letter queue on the
    next receive, and the rest of its group flows again (sqs-dead-letter-queues.html).
    moto redrives too, but its receives expire on the wall clock only."""
    dlq = fifo(sqs, "work-dlq.fifo")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
    policy = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 2}
    url = fifo(sqs, RedrivePolicy=json.dumps(policy))
    send(sqs, url, "poison", dedup="p")
    send(sqs, url, "next", dedup="n")
    for _ in range(2):
        assert bodies(receive(sqs, url, limit=1, timeout=30)) == ["poison"]
        clock.advance(30)
    assert bodies(receive(sqs, url)) == ["next"]
    [dead] = receive(sqs, dlq)
    assert dead["Body"] == "poison"
    assert dead["Attributes"]["MessageGroupId"] == "feeds"


def test_deduplication_scope_can_be_the_group(sqs: FakeSqsFifo) -> None:
    """AWS: with DeduplicationScope messageGroup the same id in two groups is two messages;
    with the default (queue) it is one. moto ignores DeduplicationScope (one message)."""
    per_group = fifo(sqs, "a.fifo", DeduplicationScope="messageGroup")
    per_queue = fifo(sqs, "b.fifo")
    for url in (per_group, per_queue):
        send(sqs, url, "x", group="g1", dedup="same")
        send(sqs, url, "y", group="g2", dedup="same")
    assert sorted(bodies(receive(sqs, per_group))) == ["x", "y"]
    assert bodies(receive(sqs, per_queue)) == ["x"]


def test_a_batch_reports_each_entry(sqs: FakeSqsFifo) -> None:
    """AWS: SendMessageBatch answers per entry (Successful / Failed) and refuses a batch of
    more than ten entries or with repeated entry ids as a whole: SqsRequeue
    reads the Failed list."""
    url = fifo(sqs)
    good = {"Id": "0", "MessageBody": "a", "MessageGroupId": "g", "MessageDeduplicationId": "a"}
    bad = {"Id": "1", "MessageBody": "b", "MessageGroupId": "g"}
    answer = sqs.send_message_batch(QueueUrl=url, Entries=[good, bad])
    assert [s["Id"] for s in answer["Successful"]] == ["0"]
    assert [(f["Id"], f["Code"]) for f in answer["Failed"]] == [("1", "InvalidParameterValue")]
    for entries in ([good] * 2, [{**good, "Id": str(n)} for n in range(11)]):
        with pytest.raises(ClientError):
            sqs.send_message_batch(QueueUrl=url, Entries=entries)


def test_a_missing_queue_is_nashras_not_found(sqs: FakeSqsFifo) -> None:
    """AWS: an unknown queue answers AWS.SimpleQueueService.NonExistentQueue, which the
    adapters translate to NotFoundError (moto's code too)."""
    with pytest.raises(ClientError) as raised:
        sqs.get_queue_url(QueueName="no-such.fifo")
    assert isinstance(translate(raised.value), NotFoundError)
