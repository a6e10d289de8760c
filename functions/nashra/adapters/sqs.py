"""Requeue over the work queue: nashra's own messages, in the publisher's FIFO group.

The message bodies and their deduplication ids are `nashra.work`'s; this module only sends
them. Every message carries an explicit MessageDeduplicationId (`nashra.work.dedup_id`),
never the queue's content-based one: SQS accepts but never delivers a message whose id it
saw in the last five minutes, even when the first was already processed and deleted, so two
requests with identical bodies (two config changes a minute apart) would lose the second.
The id names the request (a sweep's run and chunk), so only a true repeat is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nashra.adapters.errors import aws_errors
from nashra.core.problems import TransientError
from nashra.work import MESSAGE_GROUP, Message, dedup_id, encode

BATCH = 10  # SendMessageBatch's limit


class RequeueError(TransientError):
    """Some messages were not queued; the record that asked is retried."""


class SqsRequeue:
    """Sends nashra's messages to the work queue, in batches of ten.

    `queue` is the queue's URL (what CloudFormation's Ref gives) or its name (what
    `nashra dev` resolves).
    """

    def __init__(self, client: Any, queue: str) -> None:
        self.client = client
        self.queue = queue

    def _url(self) -> str:
        if not self.queue.startswith(("https://", "http://")):
            with aws_errors():
                self.queue = self.client.get_queue_url(QueueName=self.queue)["QueueUrl"]
        return self.queue

    def send(self, messages: Sequence[Message]) -> None:
        """Queue every message in the publisher's group with its own deduplication id;
        raises RequeueError (a TransientError) when SQS refuses any of them."""
        if not messages:
            return
        url = self._url()
        for start in range(0, len(messages), BATCH):
            entries = [
                _entry(n, message) for n, message in enumerate(messages[start : start + BATCH])
            ]
            with aws_errors():
                response = self.client.send_message_batch(QueueUrl=url, Entries=entries)
            failed = response.get("Failed") or []
            if failed:
                raise RequeueError(f"{len(failed)} work-queue messages were not queued: {failed}")


def _entry(n: int, message: Message) -> dict[str, str]:
    """A SendMessageBatch entry for `message`, `n` its id within the batch."""
    return {
        "Id": str(n),
        "MessageBody": encode(message),
        "MessageGroupId": MESSAGE_GROUP,
        "MessageDeduplicationId": dedup_id(message),
    }
