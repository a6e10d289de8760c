"""SqsRequeue against moto SQS: the messages it sends are nashra.work's, in the one group."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from nashra.adapters.sqs import RequeueError, SqsRequeue
from nashra.core.problems import NotFoundError, TransientError
from nashra.work import MESSAGE_GROUP, KeyChanged, decode

REGION = "us-east-1"
INBOX = "nashra-inbox"


@pytest.fixture
def sqs(aws: None) -> Any:
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queue(sqs: Any) -> str:
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    url: str = sqs.create_queue(QueueName="work.fifo", Attributes=attributes)["QueueUrl"]
    return url


def received(sqs: Any, url: str) -> list[dict[str, Any]]:
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


def test_every_key_is_sent_in_order_in_the_publisher_group(sqs: Any, queue: str) -> None:
    keys = [f"articles/مقال-{n:02}.json" for n in range(23)]  # three SendMessageBatch calls
    SqsRequeue(sqs, "work.fifo").reconcile_later(keys)  # by name, as `nashra dev` passes it
    messages = received(sqs, queue)
    assert [decode(m["Body"], INBOX) for m in messages] == [KeyChanged(k) for k in keys]
    assert {m["Attributes"]["MessageGroupId"] for m in messages} == {MESSAGE_GROUP}


def test_a_missing_queue_is_not_found(sqs: Any) -> None:
    with pytest.raises(NotFoundError):
        SqsRequeue(sqs, "no-such-queue.fifo").reconcile_later(["articles/a.json"])


def test_a_partly_refused_batch_is_retried(sqs: Any, queue: str) -> None:
    def refuse_one(**kwargs: Any) -> dict[str, Any]:
        return {"Successful": [], "Failed": [{"Id": "0", "SenderFault": False, "Code": "x"}]}

    sqs.send_message_batch = refuse_one
    with pytest.raises(RequeueError) as caught:
        SqsRequeue(sqs, queue).reconcile_later(["articles/a.json"])
    assert isinstance(caught.value, TransientError)  # the handler retries the record
