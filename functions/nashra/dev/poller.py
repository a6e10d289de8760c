"""A local stand-in for Lambda's SQS event source mapping.

It receives up to 10 messages from the FIFO work queue, wraps them in the event shape
Lambda delivers (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html), calls the
handler in-process and deletes every record not named in `batchItemFailures`
(ReportBatchItemFailures). Failed records stay on the queue, come back after the
visibility timeout and, after `maxReceiveCount` receives, moto moves them to the DLQ on
the next receive, as SQS does.

`DevStack` starts one over the work queue of the local stack, with the real handler; it
calls `on_batch` after every batch, from its own thread. `with poller.held():` receives
nothing inside the block (a test fills the queue first, so the batches are what Lambda
would get from a backlog rather than whatever had arrived at each receive).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from nashra.work import KeyChanged, decode

Handler = Callable[[dict[str, Any], Any], Mapping[str, Any] | None]
log = logging.getLogger(__name__)

BATCH_SIZE = 10  # the largest batch Lambda sends from a FIFO queue


@dataclass
class FakeContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str = "nashra-dev-publisher"
    function_version: str = "$LATEST"
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:nashra-dev-publisher"
    )
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/nashra-dev-publisher"
    log_stream_name: str = "local/nashra-dev"
    timeout_seconds: float = 60.0
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


@dataclass(frozen=True)
class Record:
    """One delivered message, as the console reports it."""

    message_id: str
    key: str | None  # the key of a `KeyChanged` message, else None
    sent_ms: int
    receive_count: int


@dataclass(frozen=True)
class BatchResult:
    records: tuple[Record, ...]
    failed: frozenset[str]
    error: str | None
    finished_ms: int


def _message_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """SQS API MessageAttributes -> the camelCase shape Lambda puts in a record."""
    return {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType"),
        }
        for name, value in attributes.items()
    }


def lambda_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda builds from a ReceiveMessage response."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": _message_attributes(m.get("MessageAttributes", {})),
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def describe(message: Mapping[str, Any], inbox_bucket: str) -> Record:
    """The key a message is about (`nashra.work`'s reading of its body) and its timing."""
    decoded = decode(str(message.get("Body", "")), inbox_bucket)
    attributes = message.get("Attributes", {})
    return Record(
        message["MessageId"],
        decoded.key if isinstance(decoded, KeyChanged) else None,
        int(attributes.get("SentTimestamp", time.time() * 1000)),
        int(attributes.get("ApproximateReceiveCount", 1)),
    )


class Poller:
    """Receives batches in a thread and hands them to the handler, one at a time."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        region: str,
        handler: Handler,
        *,
        inbox_bucket: str = "",
        on_batch: Callable[[BatchResult], None] = lambda _: None,
        visibility_timeout: int = 2,
        wait_seconds: int = 1,
    ) -> None:
        self.sqs, self.queue_url, self.queue_arn, self.region = sqs, queue_url, queue_arn, region
        self.handler = handler
        self.inbox_bucket = inbox_bucket  # to name the key of each S3 event
        self.on_batch = on_batch
        self.visibility_timeout = visibility_timeout
        self.wait_seconds = wait_seconds
        self.batches = 0
        self.errors = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._backoff = False
        self._gate = threading.Condition()
        self._held = 0  # nested `held()` blocks
        self._receiving = False  # a receive, the handler or on_batch is running

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="nashra-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        with self._gate:
            self._gate.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """No receive inside the block. Entering waits for the batch in flight, if any (a
        long poll included), to be handled and passed to `on_batch`."""
        with self._gate:
            self._held += 1
            while self._receiving:
                self._gate.wait()
        try:
            yield
        finally:
            with self._gate:
                self._held -= 1
                self._gate.notify_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._gate:
                while self._held and not self._stop.is_set():
                    self._gate.wait()
                if self._stop.is_set():
                    return
                self._receiving = True
            try:
                self._turn()
            finally:
                with self._gate:
                    self._receiving = False
                    self._gate.notify_all()

    def _turn(self) -> None:
        """One receive and, if it brought a batch, its handling and `on_batch`."""
        try:
            result = self.poll_once()
        except Exception:  # the queue itself failed: report, keep the thread alive
            log.exception("receiving from the work queue failed")
            self._stop.wait(0.5)
            return
        if result is None:
            # moto's long poll spins while the group is locked by failed records:
            # short polls with a pause are cheaper until the group is free again.
            self._stop.wait(0.1 if self._backoff else 0.0)
        else:
            self.on_batch(result)

    def poll_once(self) -> BatchResult | None:
        """Receive one batch, run the handler, delete what succeeded."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=0 if self._backoff else self.wait_seconds,
            VisibilityTimeout=self.visibility_timeout,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        if not messages:
            return None
        failed, error = self._invoke(messages)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        self.batches += 1
        self._backoff = bool(failed)
        return BatchResult(
            tuple(describe(m, self.inbox_bucket) for m in messages),
            frozenset(failed),
            error,
            int(time.time() * 1000),
        )

    def _invoke(self, messages: list[dict[str, Any]]) -> tuple[set[str], str | None]:
        event = lambda_event(messages, self.queue_arn, self.region)
        try:
            response = self.handler(event, FakeContext()) or {}
        except Exception:  # Lambda returns the whole batch to the queue
            self.errors += 1
            return {m["MessageId"] for m in messages}, traceback.format_exc()
        failures = response.get("batchItemFailures", [])
        return {str(f["itemIdentifier"]) for f in failures}, None
