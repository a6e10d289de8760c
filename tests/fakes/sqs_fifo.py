# ruff: noqa: N803 -- the fake's parameters are boto3's, keyword-only as boto3's are
"""An in-memory SQS FIFO queue with the documented behaviour moto 5.x does not model.

moto delivers a repeated deduplication id again once the first message is deleted, and
keeps no five-minute window, so a test over moto cannot see a message SQS would drop. This
fake follows the SQS Developer Guide and API reference instead:

- A message deduplication id seen in the last 5 minutes is accepted but not delivered
  again, even when the first message was already received and deleted
  (FIFO-queues-exactly-once-processing.html, FIFO-key-terms.html). With
  ContentBasedDeduplication and no explicit id, the id is the SHA-256 of the body; an
  explicit id overrides it; neither is an error. The scope is the queue, or the group with
  `DeduplicationScope: messageGroup`.
- Every message needs a MessageGroupId. A group is delivered in send order, several of its
  messages in one ReceiveMessage; while any of them is in flight (received, not deleted,
  visibility not expired) no other message of the group is returned
  (FIFO-queues-understanding-logic.html).
- Each receive counts (ApproximateReceiveCount); with a RedrivePolicy, a message already
  received `maxReceiveCount` times moves to the dead-letter queue instead of being delivered
  again (sqs-dead-letter-queues.html).
- DeleteMessage needs the most recent receipt handle of a message: an older one succeeds
  without deleting (DeleteMessage API reference). ChangeMessageVisibility works on a message
  in flight only (MessageNotInflight).

Time is a `Clock` the test moves (`clock.advance(301)`): nothing sleeps. Not modelled:
retention, delays, long polling (WaitTimeSeconds is ignored), receive request attempt ids,
message attributes, throughput limits, standard queues.

    clock = Clock()
    sqs = FakeSqsFifo(clock)
    url = sqs.create_queue(QueueName="work.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    SqsRequeue(sqs, url).send([Sweep("", True, "run-1")])
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

REGION = "us-east-1"
ACCOUNT = "123456789012"
DEDUP_INTERVAL = 300.0  # seconds: SQS's five-minute deduplication interval
DEFAULT_VISIBILITY = 30  # seconds: a queue's default VisibilityTimeout
MAX_BATCH = 10
NON_EXISTENT_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"
RECEIPT_INVALID = "ReceiptHandleIsInvalid"
SYSTEM_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SentTimestamp",
    "MessageGroupId",
    "MessageDeduplicationId",
    "SequenceNumber",
)


def error(code: str, message: str, operation: str) -> ClientError:
    """The ClientError boto3 raises for an SQS error `code`."""
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@dataclass
class Clock:
    """The fake's time in seconds since the epoch; tests move it forward."""

    now: float = 1_795_000_000.0

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class StoredMessage:
    """One message in a queue, with what SQS tracks about it."""

    message_id: str
    body: str
    group: str
    dedup: str
    sequence: int
    sent_at: float
    receive_count: int = 0
    first_received_at: float | None = None
    visible_at: float = 0.0
    receipt: str | None = None  # the most recent receipt handle

    def in_flight(self, now: float) -> bool:
        return self.receipt is not None and self.visible_at > now


@dataclass
class Queue:
    """A FIFO queue: its attributes, its messages in send order, its recent dedup ids."""

    name: str
    url: str
    arn: str
    content_dedup: bool = False
    dedup_by_group: bool = False
    visibility: int = DEFAULT_VISIBILITY
    dead_letter_arn: str | None = None
    max_receives: int | None = None
    messages: list[StoredMessage] = field(default_factory=list)
    sent_ids: dict[tuple[str, str], tuple[float, str]] = field(default_factory=dict)
    stale_receipts: set[str] = field(default_factory=set)
    sequence: int = 10_000_000_000_000_000_000

    def attributes(self, now: float) -> dict[str, str]:
        visible = sum(1 for m in self.messages if not m.in_flight(now))
        attributes = {
            "QueueArn": self.arn,
            "FifoQueue": "true",
            "ContentBasedDeduplication": str(self.content_dedup).lower(),
            "DeduplicationScope": "messageGroup" if self.dedup_by_group else "queue",
            "VisibilityTimeout": str(self.visibility),
            "ApproximateNumberOfMessages": str(visible),
            "ApproximateNumberOfMessagesNotVisible": str(len(self.messages) - visible),
        }
        if self.dead_letter_arn is not None:
            policy = {
                "deadLetterTargetArn": self.dead_letter_arn,
                "maxReceiveCount": self.max_receives,
            }
            attributes["RedrivePolicy"] = json.dumps(policy)
        return attributes


class FakeSqsFifo:
    """The part of `boto3.client("sqs")` nashra and its tests call, over FIFO queues."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.queues: dict[str, Queue] = {}  # by URL

    # -- queues --------------------------------------------------------------------------

    def create_queue(self, *, QueueName: str, Attributes: dict[str, str] | None = None) -> Any:
        attributes = Attributes or {}
        if attributes.get("FifoQueue") != "true" or not QueueName.endswith(".fifo"):
            raise error("InvalidParameterValue", "the fake models FIFO queues only", "CreateQueue")
        url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{QueueName}"
        if url not in self.queues:
            queue = Queue(QueueName, url, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{QueueName}")
            queue.content_dedup = attributes.get("ContentBasedDeduplication") == "true"
            queue.dedup_by_group = attributes.get("DeduplicationScope") == "messageGroup"
            queue.visibility = int(attributes.get("VisibilityTimeout", DEFAULT_VISIBILITY))
            if "RedrivePolicy" in attributes:
                policy = json.loads(attributes["RedrivePolicy"])
                queue.dead_letter_arn = policy["deadLetterTargetArn"]
                queue.max_receives = int(policy["maxReceiveCount"])
            self.queues[url] = queue
        return {"QueueUrl": url}

    def get_queue_url(self, *, QueueName: str) -> Any:
        for queue in self.queues.values():
            if queue.name == QueueName:
                return {"QueueUrl": queue.url}
        raise error(NON_EXISTENT_QUEUE, "The specified queue does not exist.", "GetQueueUrl")

    def get_queue_attributes(self, *, QueueUrl: str, AttributeNames: Sequence[str] = ()) -> Any:
        attributes = self._queue(QueueUrl, "GetQueueAttributes").attributes(self.clock.now)
        if "All" not in AttributeNames:
            attributes = {k: v for k, v in attributes.items() if k in AttributeNames}
        return {"Attributes": attributes}

    def _queue(self, url: str, operation: str) -> Queue:
        queue = self.queues.get(url)
        if queue is None:
            raise error(NON_EXISTENT_QUEUE, "The specified queue does not exist.", operation)
        return queue

    def _by_arn(self, arn: str) -> Queue:
        for queue in self.queues.values():
            if queue.arn == arn:
                return queue
        raise error(NON_EXISTENT_QUEUE, f"no dead-letter queue {arn}", "ReceiveMessage")

    # -- sending -------------------------------------------------------------------------

    def send_message(
        self,
        *,
        QueueUrl: str,
        MessageBody: str,
        MessageGroupId: str | None = None,
        MessageDeduplicationId: str | None = None,
    ) -> Any:
        queue = self._queue(QueueUrl, "SendMessage")
        code, answer = self._accept(queue, MessageBody, MessageGroupId, MessageDeduplicationId)
        if code:
            raise error(code, answer["Message"], "SendMessage")
        return answer

    def send_message_batch(self, *, QueueUrl: str, Entries: Sequence[dict[str, Any]]) -> Any:
        queue = self._queue(QueueUrl, "SendMessageBatch")
        _check_batch(Entries, "SendMessageBatch")
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for entry in Entries:
            code, answer = self._accept(
                queue,
                entry["MessageBody"],
                entry.get("MessageGroupId"),
                entry.get("MessageDeduplicationId"),
            )
            if code:
                failed.append({"Id": entry["Id"], "SenderFault": True, "Code": code, **answer})
            else:
                successful.append({"Id": entry["Id"], **answer})
        return {"Successful": successful, "Failed": failed}

    def _accept(
        self, queue: Queue, body: str, group: str | None, dedup: str | None
    ) -> tuple[str, dict[str, str]]:
        """("", the SendMessage answer), or (error code, {"Message": why}) when refused.

        A repeated deduplication id within the interval is accepted and answered with the
        first message's id, but nothing is queued."""
        if not group:
            return "MissingParameter", {"Message": "MessageGroupId is required for FIFO queues"}
        if dedup is None and not queue.content_dedup:
            why = "The queue should either have ContentBasedDeduplication enabled or "
            return "InvalidParameterValue", {"Message": why + "MessageDeduplicationId provided"}
        dedup = dedup or hashlib.sha256(body.encode("utf-8")).hexdigest()
        scope = (group if queue.dedup_by_group else "", dedup)
        now = self.clock.now
        seen = queue.sent_ids.get(scope)
        if seen is not None and now - seen[0] < DEDUP_INTERVAL:
            return "", _sent(seen[1], body, None)
        queue.sequence += 1
        message = StoredMessage(str(uuid.uuid4()), body, group, dedup, queue.sequence, now)
        message.visible_at = now
        queue.messages.append(message)
        queue.sent_ids[scope] = (now, message.message_id)
        return "", _sent(message.message_id, body, message.sequence)

    # -- receiving -----------------------------------------------------------------------

    def receive_message(
        self,
        *,
        QueueUrl: str,
        MaxNumberOfMessages: int = 1,
        VisibilityTimeout: int | None = None,
        AttributeNames: Sequence[str] = (),
        MessageSystemAttributeNames: Sequence[str] = (),
        WaitTimeSeconds: int = 0,
    ) -> Any:
        """Up to MaxNumberOfMessages, each group's in send order, none of a group that has a
        message in flight. A message past its maxReceiveCount moves to the dead-letter queue."""
        queue = self._queue(QueueUrl, "ReceiveMessage")
        timeout = queue.visibility if VisibilityTimeout is None else VisibilityTimeout
        names = {*AttributeNames, *MessageSystemAttributeNames}
        picked: list[dict[str, Any]] = []
        for message in self._available(queue):
            if len(picked) == MaxNumberOfMessages:
                break
            if queue.max_receives is not None and message.receive_count >= queue.max_receives:
                self._dead_letter(queue, message)
                continue
            picked.append(self._deliver(queue, message, timeout, names))
        return {"Messages": picked} if picked else {}

    def _available(self, queue: Queue) -> list[StoredMessage]:
        """Messages that may be delivered now, grouped: each group whose head is visible and
        has nothing in flight, its messages in send order; groups by their oldest message."""
        now = self.clock.now
        blocked = {m.group for m in queue.messages if m.in_flight(now)}
        groups: dict[str, list[StoredMessage]] = {}
        for message in queue.messages:
            if message.group not in blocked:
                groups.setdefault(message.group, []).append(message)
        return [m for members in groups.values() for m in members]

    def _deliver(
        self, queue: Queue, message: StoredMessage, timeout: int, names: Iterable[str]
    ) -> dict[str, Any]:
        now = self.clock.now
        if message.receipt is not None:
            queue.stale_receipts.add(message.receipt)
        message.receipt = f"{message.message_id}#{uuid.uuid4()}"
        message.receive_count += 1
        message.first_received_at = message.first_received_at or now
        message.visible_at = now + timeout
        delivered: dict[str, Any] = {
            "MessageId": message.message_id,
            "ReceiptHandle": message.receipt,
            "MD5OfBody": hashlib.md5(message.body.encode("utf-8")).hexdigest(),
            "Body": message.body,
        }
        attributes = _system_attributes(message, set(names))
        if attributes:
            delivered["Attributes"] = attributes
        return delivered

    def _dead_letter(self, queue: Queue, message: StoredMessage) -> None:
        """Move `message` to the queue's dead-letter queue, as it was sent (a redrive is not a
        send: the dead-letter queue's deduplication does not apply)."""
        assert queue.dead_letter_arn is not None
        target = self._by_arn(queue.dead_letter_arn)
        queue.messages.remove(message)
        if message.receipt is not None:
            queue.stale_receipts.add(message.receipt)
        target.messages.append(
            StoredMessage(
                message.message_id,
                message.body,
                message.group,
                message.dedup,
                message.sequence,
                message.sent_at,
                visible_at=self.clock.now,
            )
        )

    # -- settling ------------------------------------------------------------------------

    def delete_message(self, *, QueueUrl: str, ReceiptHandle: str) -> Any:
        code = self._delete(self._queue(QueueUrl, "DeleteMessage"), ReceiptHandle)
        if code:
            raise error(code, f"invalid receipt handle {ReceiptHandle}", "DeleteMessage")
        return {}

    def delete_message_batch(self, *, QueueUrl: str, Entries: Sequence[dict[str, str]]) -> Any:
        queue = self._queue(QueueUrl, "DeleteMessageBatch")
        _check_batch(Entries, "DeleteMessageBatch")
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for entry in Entries:
            code = self._delete(queue, entry["ReceiptHandle"])
            if code:
                failed.append({"Id": entry["Id"], "SenderFault": True, "Code": code})
            else:
                successful.append({"Id": entry["Id"]})
        return {"Successful": successful, "Failed": failed}

    def _delete(self, queue: Queue, receipt: str) -> str:
        """ "" when deleted, or when `receipt` is an older handle of a message (the call
        succeeds, nothing is deleted); the error code for a handle never given."""
        for message in queue.messages:
            if message.receipt == receipt:
                queue.messages.remove(message)
                queue.stale_receipts.add(receipt)
                return ""
        return "" if receipt in queue.stale_receipts else RECEIPT_INVALID

    def change_message_visibility(
        self, *, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int
    ) -> Any:
        queue = self._queue(QueueUrl, "ChangeMessageVisibility")
        now = self.clock.now
        for message in queue.messages:
            if message.receipt == ReceiptHandle:
                if not message.in_flight(now):
                    raise error("MessageNotInflight", "not in flight", "ChangeMessageVisibility")
                message.visible_at = now + VisibilityTimeout
                return {}
        raise error(RECEIPT_INVALID, f"invalid receipt {ReceiptHandle}", "ChangeMessageVisibility")


def _check_batch(entries: Sequence[dict[str, Any]], operation: str) -> None:
    """A batch request's own rules: 1 to 10 entries, distinct ids."""
    if not entries:
        raise error("AWS.SimpleQueueService.EmptyBatchRequest", "no entries", operation)
    if len(entries) > MAX_BATCH:
        raise error("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "over 10", operation)
    ids = [entry["Id"] for entry in entries]
    if len(set(ids)) != len(ids):
        raise error("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "same id twice", operation)


def _sent(message_id: str, body: str, sequence: int | None) -> dict[str, str]:
    """SendMessage's answer. A dropped duplicate gets no new sequence number."""
    answer = {
        "MessageId": message_id,
        "MD5OfMessageBody": hashlib.md5(body.encode("utf-8")).hexdigest(),
    }
    if sequence is not None:
        answer["SequenceNumber"] = str(sequence)
    return answer


def _system_attributes(message: StoredMessage, names: set[str]) -> dict[str, str]:
    values = {
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": str(int((message.first_received_at or 0) * 1000)),
        "SentTimestamp": str(int(message.sent_at * 1000)),
        "MessageGroupId": message.group,
        "MessageDeduplicationId": message.dedup,
        "SequenceNumber": str(message.sequence),
    }
    return {k: v for k, v in values.items() if "All" in names or k in names}
