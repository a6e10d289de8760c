"""SqsRequeue: the messages nashra sends itself, in the one group, each with its own
deduplication id (`nashra.work.dedup_id`).

Against moto SQS for the wire (batches, group, ids, errors), and against the FIFO fake
(tests/fakes/sqs_fifo.py) for what moto does not model: SQS keeps a deduplication id for
five minutes even after its message was deleted, so a message is lost whenever a new
request reuses an old request's id. That is finding 2 of issue 9.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from fakes.sqs_fifo import DEDUP_INTERVAL, Clock, FakeSqsFifo
from nashra.adapters.sqs import RequeueError, SqsRequeue
from nashra.core.problems import NotFoundError, TransientError
from nashra.work import MESSAGE_GROUP, KeyChanged, Message, RebuildAll, Sweep, decode, dedup_id
from nashra.work import encode as encode_message

REGION = "us-east-1"
INBOX = "nashra-inbox"
QUEUE = "nashra-work.fifo"


@pytest.fixture
def sqs(aws: None) -> Any:
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queue(sqs: Any) -> str:
    """Without content-based deduplication: a message without its own id is refused."""
    url: str = sqs.create_queue(QueueName=QUEUE, Attributes={"FifoQueue": "true"})["QueueUrl"]
    return url


def received(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Every message the queue delivers, each deleted once received (a poller that always
    succeeds)."""
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    ).get("Messages"):
        messages += batch
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)
            ],
        )
    return messages


def delivered(sqs: Any, url: str) -> list[Message | None]:
    return [decode(m["Body"], INBOX) for m in received(sqs, url)]


# -- the wire, over moto ---------------------------------------------------------------------


def test_every_message_is_sent_in_order_in_the_group_with_its_own_id(
    sqs: Any, queue: str, call_log: Any
) -> None:
    messages: list[Message] = [KeyChanged(f"articles/مقال-{n:02}.json") for n in range(21)]
    messages += [Sweep("articles/مقال-20.json", True, "run-1"), RebuildAll()]  # 23: 3 batches
    SqsRequeue(call_log.watch(sqs), QUEUE).send(messages)  # by name, as `nashra dev` passes it
    got = received(sqs, queue)
    assert [decode(m["Body"], INBOX) for m in got] == messages
    assert [m["Body"] for m in got] == [encode_message(m) for m in messages]
    assert {m["Attributes"]["MessageGroupId"] for m in got} == {MESSAGE_GROUP}
    assert [m["Attributes"]["MessageDeduplicationId"] for m in got] == [
        dedup_id(m) for m in messages
    ]
    assert call_log.count("SendMessageBatch") == 3


def test_nothing_to_send_calls_nothing(sqs: Any, queue: str, call_log: Any) -> None:
    SqsRequeue(call_log.watch(sqs), QUEUE).send([])
    assert call_log.calls == []


def test_a_missing_queue_is_not_found(sqs: Any) -> None:
    with pytest.raises(NotFoundError):
        SqsRequeue(sqs, "no-such-queue.fifo").send([KeyChanged("articles/a.json")])


def test_a_partly_refused_batch_is_retried(sqs: Any, queue: str) -> None:
    def refuse_one(**kwargs: Any) -> dict[str, Any]:
        return {"Successful": [], "Failed": [{"Id": "0", "SenderFault": False, "Code": "x"}]}

    sqs.send_message_batch = refuse_one
    with pytest.raises(RequeueError) as caught:
        SqsRequeue(sqs, queue).send([KeyChanged("articles/a.json")])
    assert isinstance(caught.value, TransientError)  # the handler retries the record


# -- deduplication, over the FIFO fake ---------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakeSqsFifo:
    return FakeSqsFifo(clock)


@pytest.fixture
def work_queue(fake: FakeSqsFifo) -> str:
    """The work queue as template.yaml declares it: content-based deduplication (for
    EventBridge and the Scheduler), a 360 s visibility timeout, a DLQ after 5 receives."""
    dlq = fake.create_queue(QueueName="nashra-work-dlq.fifo", Attributes={"FifoQueue": "true"})
    dlq_arn = fake.get_queue_attributes(QueueUrl=dlq["QueueUrl"], AttributeNames=["QueueArn"])
    policy = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 5}
    attributes = {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "true",
        "VisibilityTimeout": "360",
        "RedrivePolicy": json.dumps(policy),
    }
    url: str = fake.create_queue(QueueName=QUEUE, Attributes=attributes)["QueueUrl"]
    return url


def test_two_runs_of_the_same_chunk_are_both_delivered(
    fake: FakeSqsFifo, work_queue: str, clock: Clock
) -> None:
    """Two config changes a minute apart each start a re-deriving sweep: the same chunk of
    two runs is two requests, and both arrive, though the first was already handled."""
    requeue = SqsRequeue(fake, QUEUE)
    first = Sweep("articles/أخبار/مقال+1.json", rederive=True, run="config-change-1")
    requeue.send([first])
    assert delivered(fake, work_queue) == [first]
    clock.advance(60)
    second = Sweep("articles/أخبار/مقال+1.json", rederive=True, run="config-change-2")
    requeue.send([second])
    assert delivered(fake, work_queue) == [second]


def test_a_repeat_of_one_message_within_five_minutes_is_dropped(
    fake: FakeSqsFifo, work_queue: str, clock: Clock
) -> None:
    """A chunk retried after it queued its successor sends that successor again: within
    five minutes SQS drops the repeat, so the sweep does not fork. Past the interval it is
    a new message (a retry after the 360 s visibility timeout would run the rest twice)."""
    requeue = SqsRequeue(fake, QUEUE)
    chunk = Sweep("articles/0999.json", rederive=False, run="hourly-1")
    requeue.send([chunk, RebuildAll()])
    assert delivered(fake, work_queue) == [chunk, RebuildAll()]
    clock.advance(DEDUP_INTERVAL - 1)
    requeue.send([chunk, RebuildAll()])
    assert delivered(fake, work_queue) == []
    clock.advance(1)
    requeue.send([chunk])
    assert delivered(fake, work_queue) == [chunk]


def test_identical_bodies_lost_the_second_config_change_finding_2(
    fake: FakeSqsFifo, work_queue: str, clock: Clock
) -> None:
    """Before issue 9, a config change queued `{"action":"reconcile","key":K}` for every
    article with no deduplication id of its own, so the queue's content-based id (the
    body's SHA-256) named it. `site.json` then `sections.json` a minute later: the second
    change's messages were accepted and never delivered, and nothing was re-derived for it.
    With nashra's own ids, the second change's sweep arrives."""
    keys = [f"articles/مقال-{n}.json" for n in range(3)]

    def old_requeue() -> None:  # the pre-issue-9 SqsRequeue.reconcile_later, verbatim wire
        entries = [
            {"Id": str(n), "MessageBody": encode_message(KeyChanged(k)), "MessageGroupId": "feeds"}
            for n, k in enumerate(keys)
        ]
        answer = fake.send_message_batch(QueueUrl=work_queue, Entries=entries)
        assert answer["Failed"] == []  # SQS reports success either time

    old_requeue()  # site.json changed
    assert delivered(fake, work_queue) == [KeyChanged(k) for k in keys]
    clock.advance(60)
    old_requeue()  # sections.json changed
    assert delivered(fake, work_queue) == []  # lost: nothing re-derived for the new sections

    clock.advance(60)
    requeue = SqsRequeue(fake, QUEUE)
    requeue.send([Sweep("", rederive=True, run="sections-change")])
    clock.advance(60)
    requeue.send([Sweep("", rederive=True, run="site-change-again")])
    assert [m.run for m in delivered(fake, work_queue) if isinstance(m, Sweep)] == [
        "sections-change",
        "site-change-again",
    ]
