"""Requeue over the work queue: "reconcile key K" messages, in the publisher's FIFO group."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

MESSAGE_GROUP = "feeds"  # the one group of template.yaml: one batch in flight (D2)
BATCH = 10  # SendMessageBatch's limit
RECONCILE_ACTION = "reconcile"


class RequeueError(RuntimeError):
    """Some messages were not queued; the record that asked is retried."""


class SqsRequeue:
    """Sends `{"action": "reconcile", "key": K}` messages to the work queue.

    `queue` is the queue's URL (what CloudFormation's Ref gives) or its name (what
    `nashra dev` resolves); content-based deduplication drops repeats within 5 minutes.
    """

    def __init__(self, client: Any, queue: str) -> None:
        self.client = client
        self.queue = queue

    def _url(self) -> str:
        if not self.queue.startswith(("https://", "http://")):
            self.queue = self.client.get_queue_url(QueueName=self.queue)["QueueUrl"]
        return self.queue

    def reconcile_later(self, keys: Sequence[str]) -> None:
        url = self._url()
        for start in range(0, len(keys), BATCH):
            entries = [
                {
                    "Id": str(n),
                    "MessageBody": json.dumps({"action": RECONCILE_ACTION, "key": key}),
                    "MessageGroupId": MESSAGE_GROUP,
                }
                for n, key in enumerate(keys[start : start + BATCH])
            ]
            response = self.client.send_message_batch(QueueUrl=url, Entries=entries)
            failed = response.get("Failed") or []
            if failed:
                raise RequeueError(f"{len(failed)} reconcile messages were not queued: {failed}")
