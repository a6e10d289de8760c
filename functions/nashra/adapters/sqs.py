"""Requeue over the work queue: "reconcile key K" messages, in the publisher's FIFO group.

The message bodies are `nashra.work`'s; this module only sends them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nashra.adapters.errors import aws_errors
from nashra.core.problems import TransientError
from nashra.work import MESSAGE_GROUP, KeyChanged, encode

BATCH = 10  # SendMessageBatch's limit


class RequeueError(TransientError):
    """Some messages were not queued; the record that asked is retried."""


class SqsRequeue:
    """Sends one `KeyChanged` message per key to the work queue.

    `queue` is the queue's URL (what CloudFormation's Ref gives) or its name (what
    `nashra dev` resolves); content-based deduplication drops repeats within 5 minutes.
    """

    def __init__(self, client: Any, queue: str) -> None:
        self.client = client
        self.queue = queue

    def _url(self) -> str:
        if not self.queue.startswith(("https://", "http://")):
            with aws_errors():
                self.queue = self.client.get_queue_url(QueueName=self.queue)["QueueUrl"]
        return self.queue

    def reconcile_later(self, keys: Sequence[str]) -> None:
        url = self._url()
        for start in range(0, len(keys), BATCH):
            entries = [
                {
                    "Id": str(n),
                    "MessageBody": encode(KeyChanged(key)),
                    "MessageGroupId": MESSAGE_GROUP,
                }
                for n, key in enumerate(keys[start : start + BATCH])
            ]
            with aws_errors():
                response = self.client.send_message_batch(QueueUrl=url, Entries=entries)
            failed = response.get("Failed") or []
            if failed:
                raise RequeueError(f"{len(failed)} reconcile messages were not queued: {failed}")
